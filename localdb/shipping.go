package localdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// NumberRange is a block of serials of one number series the station holds.
type NumberRange struct {
	Series      string
	First, Last int64
	Next        int64 // next serial to issue; Last+1 when used up
	EventID     string
	ReceivedAt  time.Time
}

// Left is how many serials of the range are still unissued.
func (r NumberRange) Left() int64 { return r.Last - r.Next + 1 }

// ApplyTrackingRange stores a task.tracking_range from central: a block of
// serials only this station may issue. Applying the same task twice is a
// no-op. A range that overlaps one the station already holds would let two
// numbers collide, so it is refused: it is recorded as an exception for the
// floor (code tracking_range_overlap) and not stored, and the call returns
// false without an error, so the task is not redelivered forever.
// It reports whether a range was added.
func (d *DB) ApplyTrackingRange(ctx context.Context, ev oms.Event) (bool, error) {
	p, ok := ev.Payload.(*oms.TaskTrackingRange)
	if !ok {
		return false, fmt.Errorf("apply tracking range %s: %w: payload is %s", ev.ID, oms.ErrInvalid, ev.Type)
	}
	if err := p.Validate(); err != nil {
		return false, fmt.Errorf("apply tracking range %s: %w", ev.ID, err)
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("apply tracking range %s in %s: %w", ev.ID, d.path, err)
	}
	defer tx.Rollback()
	var seen int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM number_ranges WHERE event_id = ?", ev.ID).Scan(&seen); err != nil {
		return false, fmt.Errorf("apply tracking range %s in %s: %w", ev.ID, d.path, err)
	}
	if seen > 0 {
		return false, nil
	}
	var clash NumberRange
	err = tx.QueryRowContext(ctx, "SELECT first, last, event_id FROM number_ranges WHERE series = ? AND first <= ? AND last >= ? LIMIT 1",
		p.Series, p.Last, p.First).Scan(&clash.First, &clash.Last, &clash.EventID)
	switch {
	case err == nil:
		msg := fmt.Sprintf("number range %s %d-%d from central overlaps %d-%d (task %s) already held; not stored", p.Series, p.First, p.Last, clash.First, clash.Last, clash.EventID)
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO exceptions (event_id, order_id, code, message, action, ref, at) VALUES (?, '', 'tracking_range_overlap', ?, 'tell the central admin: number ranges overlap', ?, ?)`,
			ev.ID, msg, ev.ID, timestamp(ev.At)); err != nil {
			return false, fmt.Errorf("apply tracking range %s in %s: %w", ev.ID, d.path, err)
		}
		if err := tx.Commit(); err != nil {
			return false, fmt.Errorf("apply tracking range %s in %s: %w", ev.ID, d.path, err)
		}
		return false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("apply tracking range %s in %s: %w", ev.ID, d.path, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO number_ranges (series, first, last, next, event_id, received_at) VALUES (?, ?, ?, ?, ?, ?)",
		p.Series, p.First, p.Last, p.First, ev.ID, timestamp(time.Now())); err != nil {
		return false, fmt.Errorf("apply tracking range %s (%s %d-%d) in %s: %w", ev.ID, p.Series, p.First, p.Last, d.path, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("apply tracking range %s in %s: %w", ev.ID, d.path, err)
	}
	return true, nil
}

// IssueNumber takes the next unissued serial of series from the station's
// ranges (lowest range first). The bump and the issued_numbers row commit
// in one transaction (synchronous=FULL) before it returns, so a serial it
// returned is never returned again, across restarts and crashes; a crash
// before the commit issues nothing. ok is false when every range of the
// series is used up. It implements shipping.NumberStore.
func (d *DB) IssueNumber(ctx context.Context, series string) (serial int64, ok bool, err error) {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("issue %s number in %s: %w", series, d.path, err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, "SELECT id, next FROM number_ranges WHERE series = ? AND next <= last ORDER BY first LIMIT 1", series).Scan(&id, &serial)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("issue %s number in %s: %w", series, d.path, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE number_ranges SET next = next + 1 WHERE id = ? AND next = ?", id, serial); err != nil {
		return 0, false, fmt.Errorf("issue %s number in %s: %w", series, d.path, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO issued_numbers (series, serial, issued_at) VALUES (?, ?, ?)", series, serial, timestamp(time.Now())); err != nil {
		return 0, false, fmt.Errorf("issue %s number %d in %s: %w", series, serial, d.path, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("issue %s number in %s: %w", series, d.path, err)
	}
	return serial, true, nil
}

// NumbersLeft counts the unissued serials of series. It implements
// shipping.NumberStore.
func (d *DB) NumbersLeft(ctx context.Context, series string) (int64, error) {
	var n int64
	if err := d.sql.QueryRowContext(ctx, "SELECT coalesce(sum(last - next + 1), 0) FROM number_ranges WHERE series = ? AND next <= last", series).Scan(&n); err != nil {
		return 0, fmt.Errorf("numbers left of %s in %s: %w", series, d.path, err)
	}
	return n, nil
}

// NumberRanges lists every range the station holds, by series and first serial.
func (d *DB) NumberRanges(ctx context.Context) ([]NumberRange, error) {
	rows, err := d.sql.QueryContext(ctx, "SELECT series, first, last, next, event_id, received_at FROM number_ranges ORDER BY series, first")
	if err != nil {
		return nil, fmt.Errorf("number ranges in %s: %w", d.path, err)
	}
	defer rows.Close()
	var out []NumberRange
	for rows.Next() {
		var r NumberRange
		var at string
		if err := rows.Scan(&r.Series, &r.First, &r.Last, &r.Next, &r.EventID, &at); err != nil {
			return nil, fmt.Errorf("number ranges in %s: %w", d.path, err)
		}
		r.ReceivedAt, _ = parseTimestamp(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddShipment records a labelled shipment for its carrier's next close-out,
// in the same transaction as the shipment.created event that reports it.
func (t *Tx) AddShipment(s oms.Shipment) error {
	if strings.TrimSpace(s.ID) == "" || s.Carrier == "" {
		return fmt.Errorf("add shipment: %w: id and carrier are required", oms.ErrInvalid)
	}
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("add shipment %s: %w", s.ID, err)
	}
	if _, err := t.tx.ExecContext(t.ctx, "INSERT INTO shipments (shipment_id, carrier, order_id, tracking, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		s.ID, s.Carrier, s.OrderID, s.TrackingNumber, string(body), timestamp(time.Now())); err != nil {
		return fmt.Errorf("add shipment %s: %w", s.ID, err)
	}
	return nil
}

// CloseOut puts every shipment of carrier that is on no manifest yet onto
// a new manifest id, in one transaction, and returns them oldest first.
// With none open it returns nil and records nothing. It implements
// shipping.ManifestStore.
func (d *DB) CloseOut(ctx context.Context, carrier, manifestID string, at time.Time) ([]oms.Shipment, error) {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("close out %s in %s: %w", carrier, d.path, err)
	}
	defer tx.Rollback()
	// manifestOrder: ManifestShipments returns them in this order too.
	rows, err := tx.QueryContext(ctx, "SELECT shipment_id, body FROM shipments WHERE carrier = ? AND manifest_id IS NULL ORDER BY "+manifestOrder, carrier)
	if err != nil {
		return nil, fmt.Errorf("close out %s in %s: %w", carrier, d.path, err)
	}
	out, err := scanShipments(rows)
	if err != nil {
		return nil, fmt.Errorf("close out %s in %s: %w", carrier, d.path, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO manifests (id, carrier, closed_at, shipments) VALUES (?, ?, ?, ?)", manifestID, carrier, timestamp(at), len(out)); err != nil {
		return nil, fmt.Errorf("close out %s in %s: manifest %s: %w", carrier, d.path, manifestID, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE shipments SET manifest_id = ? WHERE carrier = ? AND manifest_id IS NULL", manifestID, carrier); err != nil {
		return nil, fmt.Errorf("close out %s in %s: %w", carrier, d.path, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("close out %s in %s: %w", carrier, d.path, err)
	}
	return out, nil
}

// manifestOrder is the order of a manifest's shipments: CloseOut returns
// them in it and ManifestShipments reads them back in it, so a manifest
// rebuilt for a reprint lists them as the close-out did.
const manifestOrder = "created_at, shipment_id"

// scanShipments decodes the stored bodies of (shipment_id, body) rows and
// closes rows.
func scanShipments(rows *sql.Rows) ([]oms.Shipment, error) {
	defer rows.Close()
	var out []oms.Shipment
	for rows.Next() {
		var id, body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		var s oms.Shipment
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			return nil, fmt.Errorf("shipment %s: stored body: %w", id, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ManifestShipments reads a closed manifest back: its carrier, its closing
// time (in UTC, as stored) and its shipments in the order CloseOut returned
// them. ok is false when there is no manifest id. It changes nothing. It
// implements shipping.ManifestStore.
func (d *DB) ManifestShipments(ctx context.Context, manifestID string) (carrier string, at time.Time, shipments []oms.Shipment, ok bool, err error) {
	var closedAt string
	var count int
	err = d.sql.QueryRowContext(ctx, "SELECT carrier, closed_at, shipments FROM manifests WHERE id = ?", manifestID).Scan(&carrier, &closedAt, &count)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil, false, nil
	}
	if err != nil {
		return "", time.Time{}, nil, false, fmt.Errorf("manifest %s in %s: %w", manifestID, d.path, err)
	}
	at, err = parseTimestamp(closedAt)
	if err != nil {
		return "", time.Time{}, nil, false, fmt.Errorf("manifest %s in %s: closed_at: %w", manifestID, d.path, err)
	}
	rows, err := d.sql.QueryContext(ctx, "SELECT shipment_id, body FROM shipments WHERE manifest_id = ? ORDER BY "+manifestOrder, manifestID)
	if err != nil {
		return "", time.Time{}, nil, false, fmt.Errorf("manifest %s in %s: %w", manifestID, d.path, err)
	}
	shipments, err = scanShipments(rows)
	if err != nil {
		return "", time.Time{}, nil, false, fmt.Errorf("manifest %s in %s: %w", manifestID, d.path, err)
	}
	// CloseOut writes the count and the shipments in one transaction; a
	// difference means the file was changed by hand, and a reprint would
	// not be the manifest the driver is owed.
	if len(shipments) != count {
		return "", time.Time{}, nil, false, fmt.Errorf("manifest %s in %s: recorded with %d shipments, %d are on it now", manifestID, d.path, count, len(shipments))
	}
	return carrier, at, shipments, true, nil
}

// LastManifest is the id of carrier's latest manifest (by closing time,
// then id); ok is false when the carrier has none. It implements
// shipping.ManifestStore.
func (d *DB) LastManifest(ctx context.Context, carrier string) (manifestID string, ok bool, err error) {
	err = d.sql.QueryRowContext(ctx, "SELECT id FROM manifests WHERE carrier = ? ORDER BY closed_at DESC, id DESC LIMIT 1", carrier).Scan(&manifestID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("last manifest of %s in %s: %w", carrier, d.path, err)
	}
	return manifestID, true, nil
}
