package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/packline/packline/oms"
)

// Throughput is what one packer did in one hour, from the applied floor
// events.
type Throughput struct {
	Site     string    `json:"site"`
	Operator string    `json:"operator"`
	Hour     time.Time `json:"hour"`
	Orders   int       `json:"orders"`
	Units    int       `json:"units"`
}

// Throughput counts packed orders and units per operator and hour at a
// site since a time.
func (s *Store) Throughput(ctx context.Context, site string, since time.Time) ([]Throughput, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT operator, substr(at, 1, 13) AS hour,
			sum(type = 'pack.completed'),
			coalesce(sum(CASE WHEN type = 'pack.item_packed' THEN json_extract(payload, '$.payload.qty') END), 0)
		FROM applied_events
		WHERE site = ? AND at >= ? AND type IN ('pack.completed', 'pack.item_packed') AND operator != ''
		GROUP BY operator, hour ORDER BY hour DESC, operator`, site, timestamp(since))
	if err != nil {
		return nil, fmt.Errorf("throughput %s: %w", site, err)
	}
	defer rows.Close()
	out := []Throughput{}
	for rows.Next() {
		t := Throughput{Site: site}
		var hour string
		if err := rows.Scan(&t.Operator, &hour, &t.Orders, &t.Units); err != nil {
			return nil, fmt.Errorf("throughput %s: %w", site, err)
		}
		t.Hour, _ = time.Parse("2006-01-02T15", hour)
		out = append(out, t)
	}
	return out, rows.Err()
}

// Reassign moves an order's work at a site to another station of that
// site, before packing starts: the old station is told to stop (a hold
// task saying where it went), the new one gets the order with its picks.
// The history records who did it.
func (s *Store) Reassign(ctx context.Context, id, site, station, by string) (OrderView, error) {
	return s.changeOrder(ctx, id, func(tx *sql.Tx, o *oms.Order, now time.Time) error {
		switch o.State {
		case oms.StateReleased, oms.StatePicking, oms.StatePicked:
		default:
			return fmt.Errorf("%w: order %s is %s; only orders not yet in packing can move", ErrConflict, o.ID, o.State)
		}
		var from string
		err := tx.QueryRowContext(ctx, "SELECT station FROM assignments WHERE order_id = ? AND site = ? AND open = 1", o.ID, site).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: order %s has no open work at site %s", ErrConflict, o.ID, site)
		}
		if err != nil {
			return err
		}
		var enabled int
		if err := tx.QueryRowContext(ctx, "SELECT enabled FROM stations WHERE site = ? AND id = ?", site, station).Scan(&enabled); err != nil || enabled == 0 {
			return fmt.Errorf("%w reassign: station: %s/%s is not an enabled station", oms.ErrInvalid, site, station)
		}
		if from == station {
			return nil
		}
		o.Version++
		if _, err := tx.ExecContext(ctx, "UPDATE orders SET version = ?, updated_at = ? WHERE id = ?", o.Version, timestamp(now), o.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE assignments SET station = ?, at = ? WHERE order_id = ? AND site = ?", station, timestamp(now), o.ID, site); err != nil {
			return err
		}
		stop := oms.NewEvent(&oms.TaskOrderHeld{Reason: "reassigned to " + station + " by " + by})
		stop.Site, stop.Station, stop.OrderID, stop.OrderVersion = site, from, o.ID, o.Version
		if err := insertTask(ctx, tx, stop, now); err != nil {
			return err
		}
		a, err := newAllocTx(ctx, tx, &Policy{}, now)
		if err != nil {
			return err
		}
		defer a.close()
		picks, err := sitePicks(ctx, tx, o.ID, site)
		if err != nil {
			return err
		}
		task, err := a.releaseTask(o, site, picks)
		if err != nil {
			return err
		}
		task.Site, task.Station, task.OrderID, task.OrderVersion = site, station, o.ID, o.Version
		if err := insertTask(ctx, tx, task, now); err != nil {
			return err
		}
		return addHistory(ctx, tx, o.ID, o.State, now, by, fmt.Sprintf("reassigned from %s/%s to %s/%s", site, from, site, station))
	})
}

// sitePicks is an order's allocations at a site, as picks.
func sitePicks(ctx context.Context, tx *sql.Tx, orderID, site string) ([]pick, error) {
	rows, err := tx.QueryContext(ctx, "SELECT line_no, sku, location, qty FROM allocations WHERE order_id = ? AND site = ? ORDER BY id", orderID, site)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pick
	for rows.Next() {
		p := pick{site: site}
		if err := rows.Scan(&p.lineNo, &p.sku, &p.location, &p.qty); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (a *API) throughput(w http.ResponseWriter, r *http.Request) {
	hours := 12
	if h := r.URL.Query().Get("hours"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 || n > 24*31 {
			a.writeError(w, r, fmt.Errorf("%w: hours: %q is not a number from 1 to 744", errBadRequest, h))
			return
		}
		hours = n
	}
	list, err := a.svc.Store.Throughput(r.Context(), r.PathValue("site"), time.Now().Add(-time.Duration(hours)*time.Hour))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"throughput": list})
}

func (a *API) reassign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Site    string `json:"site"`
		Station string `json:"station"`
		By      string `json:"by"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	if in.By == "" {
		in.By = "api"
	}
	v, err := a.svc.Store.Reassign(r.Context(), r.PathValue("id"), in.Site, in.Station, in.By)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
