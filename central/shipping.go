package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/packline/packline/oms"
)

// ErrSeriesExhausted is returned when a number series has no serials left
// to allocate: the carrier must issue a new account or range.
var ErrSeriesExhausted = errors.New("number series exhausted")

// NumberRange is a block of serials of one series allocated to one station.
type NumberRange struct {
	Series        string
	First, Last   int64
	Site, Station string
	EventID       string // the task.tracking_range carrying it
}

// DefineNumberSeries makes a series known with the serials it may
// allocate, first..last inclusive (shipping.Config.Series lists them).
// Defining it again may raise last; it never moves next back, so nothing
// allocated is allocated again.
func (s *Store) DefineNumberSeries(ctx context.Context, series string, first, last int64) error {
	if series == "" || len(series) > 64 || first < 0 || last < first {
		return fmt.Errorf("define number series %q %d-%d: %w: want a name of 1-64 characters and 0 <= first <= last", series, first, last, oms.ErrInvalid)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO number_series (series, next, last, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (series) DO UPDATE SET last = max(number_series.last, excluded.last), next = max(number_series.next, excluded.next), updated_at = excluded.updated_at`,
			series, first, last, timestamp(s.now()))
		if err != nil {
			return fmt.Errorf("define number series %s in %s: %w", series, s.path, err)
		}
		return nil
	})
}

// AllocateNumberRange gives station the next size serials of series (fewer
// when the series is nearly used up) and queues the task.tracking_range
// that tells the station, in the same transaction: the range is either
// allocated and on its way, or neither. Ranges never overlap (the series'
// next moves under the write lock, and a trigger refuses any overlap).
func (s *Store) AllocateNumberRange(ctx context.Context, site, station, series string, size int64) (NumberRange, error) {
	if err := oms.ValidateID("site", site); err != nil {
		return NumberRange{}, fmt.Errorf("allocate number range: %w", err)
	}
	if err := oms.ValidateID("station", station); err != nil {
		return NumberRange{}, fmt.Errorf("allocate number range: %w", err)
	}
	if size <= 0 || size > 100_000_000 {
		return NumberRange{}, fmt.Errorf("allocate %s range for %s/%s: %w: size %d, want 1 to 100000000", series, site, station, oms.ErrInvalid, size)
	}
	var r NumberRange
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = allocateRange(ctx, tx, site, station, series, size, s.now())
		if err != nil {
			return fmt.Errorf("allocate %s range for %s/%s in %s: %w", series, site, station, s.path, err)
		}
		return nil
	})
	return r, err
}

// Lock should be held: tx is a write transaction.
func allocateRange(ctx context.Context, tx *sql.Tx, site, station, series string, size int64, now time.Time) (NumberRange, error) {
	var next, last int64
	err := tx.QueryRowContext(ctx, "SELECT next, last FROM number_series WHERE series = ?", series).Scan(&next, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return NumberRange{}, fmt.Errorf("series %s: %w (define it first)", series, ErrNotFound)
	}
	if err != nil {
		return NumberRange{}, err
	}
	if next > last {
		return NumberRange{}, fmt.Errorf("series %s: %w (all %d serials allocated)", series, ErrSeriesExhausted, last+1)
	}
	end := min(next+size-1, last)
	if _, err := tx.ExecContext(ctx, "UPDATE number_series SET next = ?, updated_at = ? WHERE series = ? AND next = ?", end+1, timestamp(now), series, next); err != nil {
		return NumberRange{}, err
	}
	ev := oms.NewEvent(&oms.TaskTrackingRange{Series: series, First: next, Last: end})
	ev.Site, ev.Station = site, station
	if _, err := tx.ExecContext(ctx, "INSERT INTO number_ranges (series, first, last, site, station, event_id, allocated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		series, next, end, site, station, ev.ID, timestamp(now)); err != nil {
		return NumberRange{}, err
	}
	if err := insertTask(ctx, tx, ev, now); err != nil {
		return NumberRange{}, err
	}
	return NumberRange{Series: series, First: next, Last: end, Site: site, Station: station, EventID: ev.ID}, nil
}

// NumberRanges lists the ranges of series allocated to a station, oldest first.
func (s *Store) NumberRanges(ctx context.Context, site, station, series string) ([]NumberRange, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT series, first, last, site, station, event_id FROM number_ranges WHERE site = ? AND station = ? AND series = ? ORDER BY first", site, station, series)
	if err != nil {
		return nil, fmt.Errorf("number ranges of %s/%s in %s: %w", site, station, s.path, err)
	}
	defer rows.Close()
	var out []NumberRange
	for rows.Next() {
		var r NumberRange
		if err := rows.Scan(&r.Series, &r.First, &r.Last, &r.Site, &r.Station, &r.EventID); err != nil {
			return nil, fmt.Errorf("number ranges of %s/%s in %s: %w", site, station, s.path, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RefillNumberRange tops a station up: when fewer than low serials of
// series allocated to it are unused, it allocates one more range of size
// and queues its task (as AllocateNumberRange). used is how many serials
// of the series the station has used, as central knows it (NumbersUsed,
// or a count the station reports). It reports the new range, or nil when
// the station still has enough.
func (s *Store) RefillNumberRange(ctx context.Context, site, station, series string, used, low, size int64) (*NumberRange, error) {
	if low < 0 || used < 0 {
		return nil, fmt.Errorf("refill %s for %s/%s: %w: negative used or low", series, site, station, oms.ErrInvalid)
	}
	var out *NumberRange
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var allocated int64
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(sum(last - first + 1), 0) FROM number_ranges WHERE site = ? AND station = ? AND series = ?",
			site, station, series).Scan(&allocated); err != nil {
			return fmt.Errorf("refill %s for %s/%s in %s: %w", series, site, station, s.path, err)
		}
		if allocated-used >= low {
			return nil
		}
		r, err := allocateRange(ctx, tx, site, station, series, size, s.now())
		if err != nil {
			return fmt.Errorf("refill %s for %s/%s in %s: %w", series, site, station, s.path, err)
		}
		out = &r
		return nil
	})
	return out, err
}

// NumbersUsed estimates how many serials of a carrier's series a station
// has used from the shipments it reported (shipment.created events
// applied): one tracking number per shipment for carrier, or, with
// sscc true, one SSCC per carton. Numbers issued for labels that were
// voided are not reported, so it can only undercount: keep the low-water
// mark of RefillNumberRange well above a day's voids.
func (s *Store) NumbersUsed(ctx context.Context, site, station, carrier string, sscc bool) (int64, error) {
	return s.numbersUsed(ctx, site, station, carrier, "", sscc)
}

// NumbersUsedIMpb is NumbersUsed for a USPS IMpb series, one per Mailer
// ID: only the carrier's shipments whose tracking number carries mailerID
// (digits 6 on, after the channel and service type) count, so a series of
// a new Mailer ID does not inherit the old one's shipments.
func (s *Store) NumbersUsedIMpb(ctx context.Context, site, station, carrier, mailerID string) (int64, error) {
	return s.numbersUsed(ctx, site, station, carrier, mailerID, false)
}

func (s *Store) numbersUsed(ctx context.Context, site, station, carrier, mailerID string, sscc bool) (int64, error) {
	q := `SELECT count(*) FROM applied_events WHERE site = ? AND station = ? AND type = 'shipment.created'
		AND json_extract(payload, '$.payload.shipment.carrier') = ?
		AND (? = '' OR substr(json_extract(payload, '$.payload.shipment.tracking_number'), 6, length(?)) = ?)`
	if sscc {
		q = `SELECT coalesce(sum(json_array_length(payload, '$.payload.shipment.cartons')), 0) FROM applied_events
			WHERE site = ? AND station = ? AND type = 'shipment.created' AND (? = '' OR json_extract(payload, '$.payload.shipment.carrier') = ?)`
		var n int64
		if err := s.db.QueryRowContext(ctx, q, site, station, carrier, carrier).Scan(&n); err != nil {
			return 0, fmt.Errorf("numbers used by %s/%s in %s: %w", site, station, s.path, err)
		}
		return n, nil
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, q, site, station, carrier, mailerID, mailerID, mailerID).Scan(&n); err != nil {
		return 0, fmt.Errorf("numbers used by %s/%s in %s: %w", site, station, s.path, err)
	}
	return n, nil
}
