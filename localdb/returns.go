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

// ErrUnknownRMA is returned when no RMA task for the code reached this station.
var ErrUnknownRMA = errors.New("unknown RMA")

// ErrOverReturn is returned when more items are graded than the RMA expects.
var ErrOverReturn = errors.New("more than the RMA expects")

// ReturnLineState is an expected return line with what was graded.
type ReturnLineState struct {
	SKU         string
	Description string
	Qty         int
	Graded      []GradedItem
}

// GradedItem is one returned item after inspection.
type GradedItem struct {
	Grade       oms.Grade
	Disposition oms.Disposition
	Location    string
}

// ReturnView is an RMA at the returns bench.
type ReturnView struct {
	Return    oms.Return
	Version   int64
	Lines     []ReturnLineState
	Received  bool
	Completed bool
}

// Remaining is how many items are still to grade.
func (r ReturnView) Remaining() int {
	n := 0
	for _, l := range r.Lines {
		n += l.Qty - len(l.Graded)
	}
	return n
}

// ReturnByRMA loads an RMA central authorised for this station.
func (d *DB) ReturnByRMA(ctx context.Context, rma string) (ReturnView, error) {
	rows, err := d.sql.QueryContext(ctx, "SELECT version, payload FROM tasks WHERE type = ? ORDER BY version DESC", oms.EventTaskRMAAuthorized)
	if err != nil {
		return ReturnView{}, fmt.Errorf("rma %s in %s: %w", rma, d.path, err)
	}
	var v ReturnView
	found := false
	for rows.Next() && !found {
		var payload []byte
		if err := rows.Scan(&v.Version, &payload); err != nil {
			rows.Close()
			return ReturnView{}, fmt.Errorf("rma %s in %s: %w", rma, d.path, err)
		}
		var ev oms.Event
		if json.Unmarshal(payload, &ev) != nil {
			continue
		}
		if p, ok := ev.Payload.(*oms.TaskRMAAuthorized); ok && p.Return.RMA == rma {
			v.Return, found = p.Return, true
		}
	}
	rows.Close()
	if !found {
		return ReturnView{}, fmt.Errorf("rma %s: %w", rma, ErrUnknownRMA)
	}
	return v, d.fillReturn(ctx, &v)
}

// ReturnForOrder finds the newest RMA of an order (a return parcel
// scanned by the tracking number it left with).
func (d *DB) ReturnForOrder(ctx context.Context, orderID string) (ReturnView, error) {
	var payload []byte
	var v ReturnView
	err := d.sql.QueryRowContext(ctx, "SELECT version, payload FROM tasks WHERE type = ? AND order_id = ? ORDER BY version DESC LIMIT 1",
		oms.EventTaskRMAAuthorized, orderID).Scan(&v.Version, &payload)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("order %s: %w", orderID, ErrUnknownRMA)
	}
	if err != nil {
		return v, fmt.Errorf("rma of order %s in %s: %w", orderID, d.path, err)
	}
	var ev oms.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return v, fmt.Errorf("rma of order %s: stored task: %w", orderID, err)
	}
	p, ok := ev.Payload.(*oms.TaskRMAAuthorized)
	if !ok {
		return v, fmt.Errorf("order %s: %w", orderID, ErrUnknownRMA)
	}
	v.Return = p.Return
	return v, d.fillReturn(ctx, &v)
}

func (d *DB) fillReturn(ctx context.Context, v *ReturnView) error {
	var state string
	err := d.sql.QueryRowContext(ctx, "SELECT state FROM return_progress WHERE rma = ?", v.Return.RMA).Scan(&state)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("rma %s in %s: %w", v.Return.RMA, d.path, err)
	}
	v.Received, v.Completed = state != "", state == "completed"
	graded := map[string][]GradedItem{}
	rows, err := d.sql.QueryContext(ctx, "SELECT sku, grade, disposition, location FROM return_items WHERE rma = ? ORDER BY id", v.Return.RMA)
	if err != nil {
		return fmt.Errorf("rma %s in %s: %w", v.Return.RMA, d.path, err)
	}
	for rows.Next() {
		var sku string
		var g GradedItem
		if err := rows.Scan(&sku, &g.Grade, &g.Disposition, &g.Location); err != nil {
			rows.Close()
			return fmt.Errorf("rma %s in %s: %w", v.Return.RMA, d.path, err)
		}
		graded[sku] = append(graded[sku], g)
	}
	rows.Close()
	v.Lines = v.Lines[:0]
	for _, l := range v.Return.Lines {
		v.Lines = append(v.Lines, ReturnLineState{SKU: l.SKU, Description: d.describe(ctx, l.SKU), Qty: l.Qty, Graded: graded[l.SKU]})
	}
	return nil
}

func (v ReturnView) ref(operator string) OrderRef {
	return OrderRef{Operator: operator, OrderID: v.Return.OrderID, Version: v.Version}
}

// ReceiveReturn reports that the parcel of an RMA arrived (once).
func (d *DB) ReceiveReturn(ctx context.Context, operator string, v ReturnView, tracking string) error {
	_, err := d.Record(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`INSERT INTO return_progress (rma, order_id, state, updated_at) VALUES (?, ?, 'received', ?) ON CONFLICT DO NOTHING`,
			v.Return.RMA, v.Return.OrderID, timestamp(time.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // received before
		}
		_, err = tx.Emit(v.ref(operator).event(&oms.ReturnReceived{RMA: v.Return.RMA, Tracking: tracking}))
		return err
	})
	if err != nil {
		return fmt.Errorf("receive %s: %w", v.Return.RMA, err)
	}
	return nil
}

// GradeReturnItem records one inspected item: its grade and where it went.
// Grading more items of a SKU than the RMA expects is refused with
// ErrOverReturn.
func (d *DB) GradeReturnItem(ctx context.Context, operator string, v ReturnView, sku string, g GradedItem) error {
	if !g.Grade.Valid() || !g.Disposition.Valid() {
		return fmt.Errorf("grade %s on %s: %w: grade %q, disposition %q", sku, v.Return.RMA, oms.ErrInvalid, g.Grade, g.Disposition)
	}
	want := 0
	for _, l := range v.Return.Lines {
		if l.SKU == sku {
			want += l.Qty
		}
	}
	_, err := d.Record(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM return_items WHERE rma = ? AND sku = ?", v.Return.RMA, sku).Scan(&n); err != nil {
			return err
		}
		if n >= want {
			return ErrOverReturn
		}
		if _, err := tx.Exec("INSERT INTO return_items (rma, sku, grade, disposition, location, operator, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			v.Return.RMA, sku, g.Grade, g.Disposition, g.Location, operator, timestamp(time.Now())); err != nil {
			return err
		}
		_, err := tx.Emit(v.ref(operator).event(&oms.ReturnItemGraded{RMA: v.Return.RMA, SKU: sku, Qty: 1, Grade: g.Grade,
			Disposition: g.Disposition, Location: g.Location}))
		return err
	})
	if err != nil {
		return fmt.Errorf("grade %s on %s: %w", sku, v.Return.RMA, err)
	}
	return nil
}

// CompleteReturn closes an RMA's inspection; central refunds or exchanges.
func (d *DB) CompleteReturn(ctx context.Context, operator string, v ReturnView, resolution string) error {
	if resolution != "refund" && resolution != "exchange" {
		return fmt.Errorf("complete %s: %w: resolution %q", v.Return.RMA, oms.ErrInvalid, resolution)
	}
	_, err := d.Record(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`INSERT INTO return_progress (rma, order_id, state, updated_at) VALUES (?, ?, 'completed', ?)
			ON CONFLICT (rma) DO UPDATE SET state = 'completed', updated_at = excluded.updated_at WHERE state <> 'completed'`,
			v.Return.RMA, v.Return.OrderID, timestamp(time.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // completed before
		}
		_, err = tx.Emit(v.ref(operator).event(&oms.ReturnCompleted{RMA: v.Return.RMA, Resolution: resolution}))
		return err
	})
	if err != nil {
		return fmt.Errorf("complete %s: %w", v.Return.RMA, err)
	}
	return nil
}
