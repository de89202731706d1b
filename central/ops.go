package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/packline/packline/oms"
)

// Cancel cancels an order that has not shipped: its allocations go back
// to available stock and every station working it is told, in one
// transaction. A station fact that arrives later for the order becomes an
// exception on the floor.
func (s *Store) Cancel(ctx context.Context, id, by, reason string) (OrderView, error) {
	return s.changeOrder(ctx, id, func(tx *sql.Tx, o *oms.Order, now time.Time) error {
		if err := transition(ctx, tx, o, oms.StateCancelled, now, by, reason); err != nil {
			return err
		}
		if err := deallocate(ctx, tx, o.ID, now, by); err != nil {
			return err
		}
		// Drop-ship suppliers are told too (b2b.go), or they ship goods
		// for a cancelled order.
		if err := cancelDropShips(ctx, tx, o.ID, now, by); err != nil {
			return err
		}
		return tellStations(ctx, tx, o, &oms.TaskOrderCancelled{Reason: reason}, now, true)
	})
}

// Hold stops work on an order; stations working it are told.
func (s *Store) Hold(ctx context.Context, id, by, reason string) (OrderView, error) {
	return s.changeOrder(ctx, id, func(tx *sql.Tx, o *oms.Order, now time.Time) error {
		if err := transition(ctx, tx, o, oms.StateOnHold, now, by, reason); err != nil {
			return err
		}
		return tellStations(ctx, tx, o, &oms.TaskOrderHeld{Reason: reason}, now, false)
	})
}

// ReleaseHold lets work on a held order go on from where it stopped.
func (s *Store) ReleaseHold(ctx context.Context, id, by string) (OrderView, error) {
	return s.changeOrder(ctx, id, func(tx *sql.Tx, o *oms.Order, now time.Time) error {
		if o.State != oms.StateOnHold {
			return fmt.Errorf("%w: order %s is %s, not on hold", ErrConflict, o.ID, o.State)
		}
		if err := transition(ctx, tx, o, o.HeldFrom, now, by, "hold released"); err != nil {
			return err
		}
		return tellStations(ctx, tx, o, &oms.TaskHoldReleased{}, now, false)
	})
}

// MarkDelivered records the carrier's proof of delivery: a shipped order
// becomes delivered, which opens its return window.
func (s *Store) MarkDelivered(ctx context.Context, id, by string) (OrderView, error) {
	return s.changeOrder(ctx, id, func(tx *sql.Tx, o *oms.Order, now time.Time) error {
		return transition(ctx, tx, o, oms.StateDelivered, now, by, "delivered")
	})
}

// ChangeAddress replaces the ship-to address of an order not yet released
// to the floor: once a station has it, labels may already be printed.
func (s *Store) ChangeAddress(ctx context.Context, id string, addr oms.Address, by string) (OrderView, error) {
	if err := addr.Validate(); err != nil {
		return OrderView{}, fmt.Errorf("%w ship_to.%w", oms.ErrInvalid, err)
	}
	return s.changeOrder(ctx, id, func(tx *sql.Tx, o *oms.Order, now time.Time) error {
		state := o.State
		if state == oms.StateOnHold {
			state = o.HeldFrom
		}
		switch state {
		case oms.StateReceived, oms.StateAllocated, oms.StateBackordered:
		default:
			return fmt.Errorf("%w: order %s is %s; the address can change only before release", ErrConflict, o.ID, o.State)
		}
		o.ShipTo = addr
		o.Version++
		body, err := json.Marshal(o)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE orders SET body = ?, version = ?, updated_at = ? WHERE id = ?", string(body), o.Version, timestamp(now), o.ID); err != nil {
			return err
		}
		return addHistory(ctx, tx, o.ID, o.State, now, by, "address changed")
	})
}

func (s *Store) changeOrder(ctx context.Context, id string, fn func(tx *sql.Tx, o *oms.Order, now time.Time) error) (OrderView, error) {
	var v OrderView
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		o, err := loadOrder(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(tx, &o, s.now()); err != nil {
			return err
		}
		v, err = orderView(ctx, tx, id)
		return err
	})
	return v, err
}

// deallocate gives an order's allocated stock back.
func deallocate(ctx context.Context, tx *sql.Tx, orderID string, now time.Time, by string) error {
	rows, err := tx.QueryContext(ctx, "SELECT site, location, sku, sum(qty) FROM allocations WHERE order_id = ? GROUP BY site, location, sku", orderID)
	if err != nil {
		return err
	}
	type bin struct {
		site, location, sku string
		qty                 int
	}
	var bins []bin
	for rows.Next() {
		var b bin
		if err := rows.Scan(&b.site, &b.location, &b.sku, &b.qty); err != nil {
			rows.Close()
			return err
		}
		bins = append(bins, b)
	}
	rows.Close()
	for _, b := range bins {
		if _, err := tx.ExecContext(ctx, "UPDATE stock SET allocated = allocated - ? WHERE site = ? AND location = ? AND sku = ?", b.qty, b.site, b.location, b.sku); err != nil {
			return fmt.Errorf("deallocate %s from %s/%s: %w", b.sku, b.site, b.location, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stock_moves (at, site, location, sku, delta_on_hand, delta_allocated, reason, ref, by)
			VALUES (?, ?, ?, ?, 0, ?, 'deallocate', ?, ?)`, timestamp(now), b.site, b.location, b.sku, -b.qty, orderID, by); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM allocations WHERE order_id = ?", orderID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE order_lines SET allocated = 0 WHERE order_id = ?", orderID)
	return err
}

// tellStations queues a task for every station assigned the order.
func tellStations(ctx context.Context, tx *sql.Tx, o *oms.Order, p oms.Payload, now time.Time, closeAssignments bool) error {
	rows, err := tx.QueryContext(ctx, "SELECT site, station FROM assignments WHERE order_id = ? AND open = 1", o.ID)
	if err != nil {
		return err
	}
	var as []Assignment
	for rows.Next() {
		var a Assignment
		if err := rows.Scan(&a.Site, &a.Station); err != nil {
			rows.Close()
			return err
		}
		as = append(as, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range as {
		ev := oms.NewEvent(p)
		ev.Site, ev.Station, ev.OrderID, ev.OrderVersion = a.Site, a.Station, o.ID, o.Version
		if err := insertTask(ctx, tx, ev, now); err != nil {
			return err
		}
	}
	if closeAssignments {
		_, err = tx.ExecContext(ctx, "UPDATE assignments SET open = 0 WHERE order_id = ?", o.ID)
	}
	return err
}

// PendingTask is a task waiting to be published to its station.
type PendingTask struct {
	Seq     int64
	EventID string
	Site    string
	Station string
	Payload []byte
}

// PendingTasks returns up to limit unpublished tasks in the order they
// were written.
func (s *Store) PendingTasks(ctx context.Context, limit int) ([]PendingTask, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT seq, event_id, site, station, payload FROM task_outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("pending tasks: %w", err)
	}
	defer rows.Close()
	var out []PendingTask
	for rows.Next() {
		var t PendingTask
		if err := rows.Scan(&t.Seq, &t.EventID, &t.Site, &t.Station, &t.Payload); err != nil {
			return nil, fmt.Errorf("pending tasks: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// MarkTaskPublished records that JetStream stored the task at seq.
func (s *Store) MarkTaskPublished(ctx context.Context, seq int64) error {
	_, err := s.db.ExecContext(ctx, "UPDATE task_outbox SET published_at = ? WHERE seq = ?", timestamp(s.now()), seq)
	return err
}
