package localdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/packline/packline/oms"
)

// ErrOverPick is returned when a pick would take more than the task asks for.
var ErrOverPick = errors.New("more than the pick asks for")

// ErrToteInUse is returned when a tote already holds another order's items.
var ErrToteInUse = errors.New("tote holds another order")

// ErrOverScan is returned when a packed item would exceed its line's quantity.
var ErrOverScan = errors.New("line already complete")

// PickLineState is one line of a pick task with the station's progress.
type PickLineState struct {
	oms.PickLine
	Description string
	Picked      int
	Shorted     bool
	Reason      string
}

// Done reports whether nothing is left to do on the line.
func (l PickLineState) Done() bool { return l.Shorted || l.Picked >= l.Qty }

// PickTask is an order to pick, its lines in walk order and its tote.
type PickTask struct {
	Order     oms.Order
	Lines     []PickLineState
	Tote      string
	HandedOff bool
}

// PickQueue lists up to limit orders waiting to be picked (released or
// picking, tote not yet handed off), most urgent first.
func (d *DB) PickQueue(ctx context.Context, limit int) ([]string, error) {
	// Work done for an earlier release of the order (a first parcel of a
	// partial shipment) does not hide the newest release's pick list.
	rows, err := d.sql.QueryContext(ctx, `SELECT o.id FROM orders o
		LEFT JOIN (SELECT order_id, max(received_at) AS at FROM tasks WHERE type = 'task.order_released' GROUP BY order_id) rel
			ON rel.order_id = o.id
		WHERE o.state IN ('released', 'picking')
		  AND NOT EXISTS (SELECT 1 FROM totes t WHERE t.order_id = o.id AND t.state <> 'picking' AND t.updated_at >= coalesce(rel.at, ''))
		  AND NOT EXISTS (SELECT 1 FROM pack_sessions s WHERE s.order_id = o.id AND (s.state = 'open' OR s.started_at >= coalesce(rel.at, '')))
		ORDER BY COALESCE(o.promised_at, ''), o.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pick queue in %s: %w", d.path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("pick queue in %s: %w", d.path, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// releasedTask returns the newest release task of an order.
func (d *DB) releasedTask(ctx context.Context, orderID string) (*oms.TaskOrderReleased, error) {
	var payload []byte
	err := d.sql.QueryRowContext(ctx, `SELECT payload FROM tasks WHERE order_id = ? AND type = ? ORDER BY version DESC LIMIT 1`,
		orderID, oms.EventTaskOrderReleased).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ev oms.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("stored task: %w", err)
	}
	p, ok := ev.Payload.(*oms.TaskOrderReleased)
	if !ok {
		return nil, fmt.Errorf("stored task: %s is not a release", ev.Type)
	}
	return p, nil
}

// PickTask returns an order's pick task with the station's progress. An
// order released without pick bins gets one line per order line, to be
// picked from wherever it is ("" location).
func (d *DB) PickTask(ctx context.Context, orderID string) (PickTask, error) {
	o, err := d.Order(ctx, orderID)
	if err != nil {
		return PickTask{}, err
	}
	t := PickTask{Order: o}
	rel, err := d.releasedTask(ctx, orderID)
	if err != nil {
		return t, fmt.Errorf("pick task %s in %s: %w", orderID, d.path, err)
	}
	var picks []oms.PickLine
	if rel != nil {
		picks = rel.Picks
	}
	if len(picks) == 0 {
		for _, l := range o.Lines {
			picks = append(picks, oms.PickLine{LineNo: l.LineNo, SKU: l.SKU, Qty: l.Qty, WalkSeq: l.LineNo})
		}
	}
	slices.SortStableFunc(picks, func(a, b oms.PickLine) int { return a.WalkSeq - b.WalkSeq })
	prog := map[[2]any]PickLineState{}
	rows, err := d.sql.QueryContext(ctx, "SELECT line_no, location, picked, shorted, reason FROM pick_progress WHERE order_id = ?", orderID)
	if err != nil {
		return t, fmt.Errorf("pick task %s in %s: %w", orderID, d.path, err)
	}
	for rows.Next() {
		var p PickLineState
		if err := rows.Scan(&p.LineNo, &p.Location, &p.Picked, &p.Shorted, &p.Reason); err != nil {
			rows.Close()
			return t, fmt.Errorf("pick task %s in %s: %w", orderID, d.path, err)
		}
		prog[[2]any{p.LineNo, p.Location}] = p
	}
	rows.Close()
	for _, p := range picks {
		st := PickLineState{PickLine: p}
		if got, ok := prog[[2]any{p.LineNo, p.Location}]; ok {
			st.Picked, st.Shorted, st.Reason = got.Picked, got.Shorted, got.Reason
		}
		st.Description = d.describe(ctx, p.SKU)
		t.Lines = append(t.Lines, st)
	}
	err = d.sql.QueryRowContext(ctx, "SELECT tote, state = 'handed_off' FROM totes WHERE order_id = ? AND state <> 'packed' ORDER BY updated_at DESC LIMIT 1", orderID).
		Scan(&t.Tote, &t.HandedOff)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("pick task %s in %s: %w", orderID, d.path, err)
	}
	return t, nil
}

func (d *DB) describe(ctx context.Context, sku string) string {
	var desc string
	d.sql.QueryRowContext(ctx, "SELECT description FROM skus WHERE sku = ?", sku).Scan(&desc)
	return desc
}

// OrderRef is the who and which-order of a floor fact.
type OrderRef struct {
	Operator string
	OrderID  string
	Version  int64
}

func (r OrderRef) event(p oms.Payload) oms.Event {
	return oms.Event{Operator: r.Operator, OrderID: r.OrderID, OrderVersion: r.Version, Payload: p}
}

// AssignTote puts an order's picks into a tote. A tote holding another
// order that is not packed yet is refused with ErrToteInUse.
func (d *DB) AssignTote(ctx context.Context, ref OrderRef, tote string) error {
	_, err := d.Record(ctx, func(tx *Tx) error {
		var other string
		err := tx.QueryRow("SELECT order_id FROM totes WHERE tote = ? AND state <> 'packed'", tote).Scan(&other)
		switch {
		case err == nil && other != ref.OrderID:
			return fmt.Errorf("tote %s: %w %s", tote, ErrToteInUse, other)
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.Exec(`INSERT INTO totes (tote, order_id, state, updated_at) VALUES (?, ?, 'picking', ?)
			ON CONFLICT (tote) DO UPDATE SET order_id = excluded.order_id, state = 'picking', updated_at = excluded.updated_at`,
			tote, ref.OrderID, timestamp(time.Now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("assign tote %s to order %s: %w", tote, ref.OrderID, err)
	}
	return nil
}

// ConfirmPick records qty items of a pick line taken into the tote, with
// the scan that verified them, in one transaction. Taking more than the
// line asks for is refused with ErrOverPick and nothing is stored.
func (d *DB) ConfirmPick(ctx context.Context, ref OrderRef, p oms.PickLine, qty int, tote, lot string, scan oms.ScanRecorded) ([]oms.Event, error) {
	if qty <= 0 {
		return nil, fmt.Errorf("confirm pick: %w: qty %d", oms.ErrInvalid, qty)
	}
	evs, err := d.Record(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`INSERT INTO pick_progress (order_id, line_no, location, picked) VALUES (?, ?, ?, 0)
			ON CONFLICT DO NOTHING`, ref.OrderID, p.LineNo, p.Location); err != nil {
			return err
		}
		res, err := tx.Exec(`UPDATE pick_progress SET picked = picked + ? WHERE order_id = ? AND line_no = ? AND location = ?
			AND shorted = 0 AND picked + ? <= ?`, qty, ref.OrderID, p.LineNo, p.Location, qty, p.Qty)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrOverPick
		}
		if _, err := tx.Exec("UPDATE order_lines SET picked = picked + ? WHERE order_id = ? AND line_no = ?", qty, ref.OrderID, p.LineNo); err != nil {
			return err
		}
		scan.Accepted = true
		if err := emitScan(tx, ScanContext{Operator: ref.Operator, OrderID: ref.OrderID, OrderVersion: ref.Version}, scan); err != nil {
			return err
		}
		_, err = tx.Emit(ref.event(&oms.PickConfirmed{LineNo: p.LineNo, SKU: p.SKU, Location: p.Location, Qty: qty, Tote: tote, Lot: lot}))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("confirm pick of order %s line %d: %w", ref.OrderID, p.LineNo, err)
	}
	return evs, nil
}

// ShortPick closes a pick line with fewer items than it asked for and
// says why; central reallocates the rest.
func (d *DB) ShortPick(ctx context.Context, ref OrderRef, p oms.PickLine, reason string) ([]oms.Event, error) {
	switch reason {
	case oms.ShortNoneOnShelf, oms.ShortDamaged, oms.ShortWrongItem:
	default:
		return nil, fmt.Errorf("short pick: %w: reason %q", oms.ErrInvalid, reason)
	}
	evs, err := d.Record(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`INSERT INTO pick_progress (order_id, line_no, location, picked) VALUES (?, ?, ?, 0)
			ON CONFLICT DO NOTHING`, ref.OrderID, p.LineNo, p.Location); err != nil {
			return err
		}
		var picked int
		if err := tx.QueryRow(`UPDATE pick_progress SET shorted = 1, reason = ? WHERE order_id = ? AND line_no = ? AND location = ?
			RETURNING picked`, reason, ref.OrderID, p.LineNo, p.Location).Scan(&picked); err != nil {
			return err
		}
		_, err := tx.Emit(ref.event(&oms.PickShorted{LineNo: p.LineNo, SKU: p.SKU, Location: p.Location, Wanted: p.Qty, Picked: picked, Reason: reason}))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("short pick of order %s line %d: %w", ref.OrderID, p.LineNo, err)
	}
	return evs, nil
}

// HandOffTote sends a picked tote to packing.
func (d *DB) HandOffTote(ctx context.Context, ref OrderRef, tote, to string) ([]oms.Event, error) {
	evs, err := d.Record(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE totes SET state = 'handed_off', updated_at = ? WHERE tote = ? AND order_id = ?", timestamp(time.Now()), tote, ref.OrderID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: tote %s is not order %s's", oms.ErrInvalid, tote, ref.OrderID)
		}
		_, err = tx.Emit(ref.event(&oms.ToteHandedOff{Tote: tote, To: to}))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("hand off tote %s: %w", tote, err)
	}
	return evs, nil
}
