package localdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/packline/packline/oms"
)

// ApplyTask stores a task from central and applies it to the station's
// view of the order, in one transaction. Tasks are keyed by (order id,
// version): a task seen before is a no-op, and one older than what the
// station holds is kept in the inbox but changes nothing. It reports
// whether the order view changed. A task that is not valid (not a task,
// addressed to another station, no order, a release with unusable lines
// or picks) is refused with an error wrapping oms.ErrInvalid and nothing
// is stored: redelivering it cannot help.
func (d *DB) ApplyTask(ctx context.Context, ev oms.Event) (bool, error) {
	if err := ev.Validate(); err != nil {
		return false, fmt.Errorf("apply task: %w", err)
	}
	if !ev.Type.IsTask() {
		return false, fmt.Errorf("apply task %s: %w: %s is not a task", ev.ID, oms.ErrInvalid, ev.Type)
	}
	site, station := d.Identity()
	if site == "" {
		return false, fmt.Errorf("apply task %s in %s: %w", ev.ID, d.path, ErrNoIdentity)
	}
	if ev.Site != site || ev.Station != station {
		return false, fmt.Errorf("apply task %s: %w: addressed to %s/%s, this station is %s/%s", ev.ID, oms.ErrInvalid, ev.Site, ev.Station, site, station)
	}
	if ev.Type == oms.EventTaskTrackingRange {
		return d.ApplyTrackingRange(ctx, ev) // not about an order: keyed by its event id
	}
	if ev.OrderID == "" || ev.OrderVersion <= 0 {
		return false, fmt.Errorf("apply task %s: %w: order_id and a positive order_version are required", ev.ID, oms.ErrInvalid)
	}
	if p, ok := ev.Payload.(*oms.TaskOrderReleased); ok {
		if p.Order.ID != "" && p.Order.ID != ev.OrderID {
			return false, fmt.Errorf("apply task %s: %w: order.id %q differs from the envelope's order_id %q", ev.ID, oms.ErrInvalid, p.Order.ID, ev.OrderID)
		}
		if err := p.Validate(); err != nil {
			return false, fmt.Errorf("apply task %s: %w", ev.ID, err)
		}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return false, fmt.Errorf("apply task %s: %w", ev.ID, err)
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("apply task %s in %s: %w", ev.ID, d.path, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO tasks (order_id, version, type, event_id, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, ev.OrderID, ev.OrderVersion, ev.Type, ev.ID, payload, timestamp(time.Now()))
	if err != nil {
		return false, fmt.Errorf("apply task %s in %s: %w", ev.ID, d.path, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // seen before
	}
	// An exception is news whatever the order's version: always kept.
	if p, ok := ev.Payload.(*oms.TaskException); ok {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO exceptions (event_id, order_id, code, message, action, ref, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ev.ID, ev.OrderID, p.Code, p.Message, p.Action, p.Ref, timestamp(ev.At)); err != nil {
			return false, fmt.Errorf("apply task %s in %s: %w", ev.ID, d.path, err)
		}
	}
	var current int64
	var body string
	err = tx.QueryRowContext(ctx, "SELECT version, body FROM orders WHERE id = ?", ev.OrderID).Scan(&current, &body)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		current = 0
	case err != nil:
		return false, fmt.Errorf("apply task %s in %s: %w", ev.ID, d.path, err)
	}
	changed := false
	if ev.OrderVersion > current {
		changed, err = applyToOrder(ctx, tx, ev, body)
		if err != nil {
			return false, fmt.Errorf("apply task %s (%s, order %s v%d) in %s: %w", ev.ID, ev.Type, ev.OrderID, ev.OrderVersion, d.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("apply task %s in %s: %w", ev.ID, d.path, err)
	}
	return changed, nil
}

func applyToOrder(ctx context.Context, tx *sql.Tx, ev oms.Event, body string) (bool, error) {
	now := time.Now()
	if p, ok := ev.Payload.(*oms.TaskOrderReleased); ok {
		o := p.Order
		o.ID, o.Version = ev.OrderID, ev.OrderVersion
		if err := upsertSKUs(ctx, tx, p.SKUs, now); err != nil {
			return false, err
		}
		if body != "" {
			// A new release of an order the station had (the rest of a
			// partial shipment): its picks are a new pick list.
			if _, err := tx.ExecContext(ctx, "DELETE FROM pick_progress WHERE order_id = ?", ev.OrderID); err != nil {
				return false, err
			}
		}
		return true, writeOrder(ctx, tx, &o, now)
	}
	if body == "" {
		return false, nil // news about an order this station never had
	}
	var o oms.Order
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		return false, fmt.Errorf("stored order body: %w", err)
	}
	switch ev.Payload.(type) {
	case *oms.TaskOrderCancelled:
		o.State, o.HeldFrom = oms.StateCancelled, ""
	case *oms.TaskOrderHeld:
		if o.State != oms.StateOnHold {
			o.HeldFrom, o.State = o.State, oms.StateOnHold
		}
	case *oms.TaskHoldReleased:
		if o.State == oms.StateOnHold && o.HeldFrom != "" {
			o.State, o.HeldFrom = o.HeldFrom, ""
		}
	case *oms.TaskException:
		// recorded above; the order only takes the new version
	default:
		return false, nil
	}
	o.Version = ev.OrderVersion
	return true, writeOrder(ctx, tx, &o, now)
}

func writeOrder(ctx context.Context, tx *sql.Tx, o *oms.Order, now time.Time) error {
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	var promised any
	if !o.PromisedAt.IsZero() {
		promised = timestamp(o.PromisedAt)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO orders (id, version, state, channel, external_id, service_level, promised_at, body, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state, channel = excluded.channel,
			external_id = excluded.external_id, service_level = excluded.service_level, promised_at = excluded.promised_at,
			body = excluded.body, updated_at = excluded.updated_at`,
		o.ID, o.Version, o.State, o.Channel, o.ExternalID, o.ServiceLevel, promised, string(body), timestamp(now))
	if err != nil {
		return err
	}
	for _, l := range o.Lines {
		// Picked and packed counts are the station's own facts: a new
		// version of the order never resets them.
		_, err := tx.ExecContext(ctx, `INSERT INTO order_lines (order_id, line_no, sku, qty, unit_price) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (order_id, line_no) DO UPDATE SET sku = excluded.sku, qty = excluded.qty, unit_price = excluded.unit_price`,
			o.ID, l.LineNo, l.SKU, l.Qty, l.UnitPrice)
		if err != nil {
			return fmt.Errorf("line %d: %w", l.LineNo, err)
		}
	}
	return nil
}

// Order returns the station's view of an order.
func (d *DB) Order(ctx context.Context, id string) (oms.Order, error) {
	var body string
	if err := d.sql.QueryRowContext(ctx, "SELECT body FROM orders WHERE id = ?", id).Scan(&body); err != nil {
		return oms.Order{}, fmt.Errorf("order %s in %s: %w", id, d.path, err)
	}
	var o oms.Order
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		return oms.Order{}, fmt.Errorf("order %s in %s: stored body: %w", id, d.path, err)
	}
	return o, nil
}

// Exception is a problem central sent back about this station's work.
type Exception struct {
	ID      int64
	EventID string
	OrderID string
	Code    string
	Message string
	Action  string
	Ref     string
	At      time.Time
}

// OpenExceptions lists the exceptions nobody has acknowledged yet, oldest first.
func (d *DB) OpenExceptions(ctx context.Context) ([]Exception, error) {
	rows, err := d.sql.QueryContext(ctx, "SELECT id, event_id, order_id, code, message, action, ref, at FROM exceptions WHERE acknowledged_at IS NULL ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("exceptions in %s: %w", d.path, err)
	}
	defer rows.Close()
	var out []Exception
	for rows.Next() {
		var e Exception
		var at string
		if err := rows.Scan(&e.ID, &e.EventID, &e.OrderID, &e.Code, &e.Message, &e.Action, &e.Ref, &at); err != nil {
			return nil, fmt.Errorf("exceptions in %s: %w", d.path, err)
		}
		e.At, _ = parseTimestamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AcknowledgeException marks an exception as seen and handled by operator.
func (d *DB) AcknowledgeException(ctx context.Context, id int64, operator string) error {
	_, err := d.sql.ExecContext(ctx, "UPDATE exceptions SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?", timestamp(time.Now()), operator, id)
	if err != nil {
		return fmt.Errorf("acknowledge exception %d in %s: %w", id, d.path, err)
	}
	return nil
}

// OrderCounts counts the station's orders by state.
func (d *DB) OrderCounts(ctx context.Context) (map[oms.State]int, error) {
	rows, err := d.sql.QueryContext(ctx, "SELECT state, count(*) FROM orders GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("order counts in %s: %w", d.path, err)
	}
	defer rows.Close()
	out := map[oms.State]int{}
	for rows.Next() {
		var st oms.State
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}
