package central

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

// OrderInput is an order as a channel sends it (HTTP, NATS, CSV, webhook).
type OrderInput struct {
	Channel      oms.Channel      `json:"channel"`
	ExternalID   string           `json:"external_id"`
	Customer     oms.Customer     `json:"customer"`
	ShipTo       oms.Address      `json:"ship_to"`
	Currency     string           `json:"currency"`
	ServiceLevel oms.ServiceLevel `json:"service_level"`
	PromisedAt   time.Time        `json:"promised_at,omitzero"`
	ShipComplete bool             `json:"ship_complete,omitempty"`
	Lines        []LineInput      `json:"lines"`
}

// LineInput is one line of an OrderInput; UnitPrice is in minor units.
type LineInput struct {
	SKU       string `json:"sku"`
	Qty       int    `json:"qty"`
	UnitPrice int64  `json:"unit_price"`
}

// Order builds the domain order; an empty service level means standard.
func (in OrderInput) Order() oms.Order {
	o := oms.Order{
		Channel: in.Channel, ExternalID: strings.TrimSpace(in.ExternalID), Customer: in.Customer, ShipTo: in.ShipTo,
		Currency: in.Currency, ServiceLevel: in.ServiceLevel, PromisedAt: in.PromisedAt, ShipComplete: in.ShipComplete,
		State: oms.StateReceived,
	}
	if o.ServiceLevel == "" {
		o.ServiceLevel = oms.ServiceStandard
	}
	for i, l := range in.Lines {
		o.Lines = append(o.Lines, oms.Line{LineNo: i + 1, SKU: strings.TrimSpace(l.SKU), Qty: l.Qty, UnitPrice: l.UnitPrice})
	}
	return o
}

// Capture stores a new order from a channel. It is idempotent on
// (channel, external_id): the same order sent again returns the stored one
// with created false. Bad input stores nothing.
func (s *Store) Capture(ctx context.Context, in OrderInput, by string) (oms.Order, bool, error) {
	o := in.Order()
	if err := o.Validate(); err != nil {
		return oms.Order{}, false, err
	}
	created := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var existing string
		err := tx.QueryRowContext(ctx, "SELECT id FROM orders WHERE channel = ? AND external_id = ?", o.Channel, o.ExternalID).Scan(&existing)
		if err == nil {
			o, err = loadOrder(ctx, tx, existing)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("capture order %s/%s: %w", o.Channel, o.ExternalID, err)
		}
		for i, l := range o.Lines {
			var one int
			if err := tx.QueryRowContext(ctx, "SELECT 1 FROM skus WHERE sku = ?", l.SKU).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w order: lines[%d].sku: %w %q", oms.ErrInvalid, i+1, ErrUnknownSKU, l.SKU)
			} else if err != nil {
				return fmt.Errorf("capture order %s/%s: %w", o.Channel, o.ExternalID, err)
			}
		}
		n, err := nextCounter(ctx, tx, "order")
		if err != nil {
			return err
		}
		now := s.now()
		o.ID = fmt.Sprintf("PL%08d", n)
		o.Version = 1
		o.Created = now
		if err := insertOrder(ctx, tx, &o, now); err != nil {
			return fmt.Errorf("capture order %s/%s: %w", o.Channel, o.ExternalID, err)
		}
		created = true
		return addHistory(ctx, tx, o.ID, oms.StateReceived, now, by, "captured from "+string(o.Channel))
	})
	if err != nil {
		return oms.Order{}, false, err
	}
	return o, created, nil
}

func nextCounter(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`, name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next %s number: %w", name, err)
	}
	return n, nil
}

func insertOrder(ctx context.Context, tx *sql.Tx, o *oms.Order, now time.Time) error {
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO orders (id, channel, external_id, version, state, ship_complete, body, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, o.Channel, o.ExternalID, o.Version, o.State, o.ShipComplete, string(body), timestamp(now), timestamp(now))
	if err != nil {
		return err
	}
	for _, l := range o.Lines {
		if _, err := tx.ExecContext(ctx, "INSERT INTO order_lines (order_id, line_no, sku, qty, unit_price) VALUES (?, ?, ?, ?, ?)",
			o.ID, l.LineNo, l.SKU, l.Qty, l.UnitPrice); err != nil {
			return fmt.Errorf("line %d: %w", l.LineNo, err)
		}
	}
	return nil
}

func addHistory(ctx context.Context, tx *sql.Tx, orderID string, state oms.State, at time.Time, by, reason string) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO order_history (order_id, state, at, by, reason) VALUES (?, ?, ?, ?, ?)",
		orderID, state, timestamp(at), by, reason)
	if err != nil {
		return fmt.Errorf("order %s history: %w", orderID, err)
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadOrder reads an order: body for what was captured, columns for
// where it is now.
func loadOrder(ctx context.Context, q querier, id string) (oms.Order, error) {
	var o oms.Order
	var body, state, heldFrom string
	var version int64
	err := q.QueryRowContext(ctx, "SELECT body, state, held_from, version FROM orders WHERE id = ?", id).Scan(&body, &state, &heldFrom, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("order %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return o, fmt.Errorf("load order %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		return o, fmt.Errorf("load order %s: stored body: %w", id, err)
	}
	o.State, o.HeldFrom, o.Version = oms.State(state), oms.State(heldFrom), version
	return o, nil
}

// transition moves an order within tx, checked against the lifecycle
// table, and records it in the history. Lock should be held: tx is a
// write transaction.
func transition(ctx context.Context, tx *sql.Tx, o *oms.Order, to oms.State, at time.Time, by, reason string) error {
	if err := o.Transition(to); err != nil {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	_, err := tx.ExecContext(ctx, "UPDATE orders SET state = ?, held_from = ?, version = ?, updated_at = ? WHERE id = ?",
		o.State, o.HeldFrom, o.Version, timestamp(at), o.ID)
	if err != nil {
		return fmt.Errorf("order %s -> %s: %w", o.ID, to, err)
	}
	if err := enqueueNotification(ctx, tx, o, to, at); err != nil {
		return fmt.Errorf("order %s -> %s: notification: %w", o.ID, to, err)
	}
	return addHistory(ctx, tx, o.ID, to, at, by, reason)
}

// LineView is an order line with what happened to it.
type LineView struct {
	oms.Line
	Allocated   int `json:"allocated"`
	Backordered int `json:"backordered"`
	Shipped     int `json:"shipped"`
	// DropShip is set when a supplier ships the line (b2b.go): such a
	// line is never backordered, it is with the supplier.
	DropShip *DropShipView `json:"drop_ship,omitempty"`
}

// AllocationView is stock promised to an order at a site.
type AllocationView struct {
	Site string `json:"site"`
	SKU  string `json:"sku"`
	Qty  int    `json:"qty"`
}

// HistoryEntry is one step of an order's life.
type HistoryEntry struct {
	Status oms.State `json:"status"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
}

// OrderView is everything staff and customers see of an order.
type OrderView struct {
	ID           string           `json:"id"`
	Version      int64            `json:"version"`
	Status       oms.State        `json:"status"`
	HeldFrom     oms.State        `json:"held_from,omitempty"`
	Channel      oms.Channel      `json:"channel"`
	ExternalID   string           `json:"external_id"`
	Customer     oms.Customer     `json:"customer"`
	ShipTo       oms.Address      `json:"ship_to"`
	Currency     string           `json:"currency"`
	ServiceLevel oms.ServiceLevel `json:"service_level"`
	PromisedAt   time.Time        `json:"promised_at,omitzero"`
	ShipComplete bool             `json:"ship_complete"`
	Total        int64            `json:"total"`
	CreatedAt    time.Time        `json:"created_at"`
	Lines        []LineView       `json:"lines"`
	Allocations  []AllocationView `json:"allocations"`
	Assignments  []Assignment     `json:"assignments"`
	Shipments    []oms.Shipment   `json:"shipments"`
	History      []HistoryEntry   `json:"history"`
}

// Assignment says which station works an order at a site.
type Assignment struct {
	Site    string `json:"site"`
	Station string `json:"station"`
}

// GetOrder returns the full view of one order.
func (s *Store) GetOrder(ctx context.Context, id string) (OrderView, error) {
	var v OrderView
	err := s.readTx(ctx, func(q querier) (err error) {
		v, err = orderView(ctx, q, id)
		return err
	})
	return v, err
}

func orderView(ctx context.Context, q querier, id string) (OrderView, error) {
	o, err := loadOrder(ctx, q, id)
	if err != nil {
		return OrderView{}, err
	}
	v := OrderView{ID: o.ID, Version: o.Version, Status: o.State, HeldFrom: o.HeldFrom, Channel: o.Channel, ExternalID: o.ExternalID,
		Customer: o.Customer, ShipTo: o.ShipTo, Currency: o.Currency, ServiceLevel: o.ServiceLevel, PromisedAt: o.PromisedAt,
		ShipComplete: o.ShipComplete, Total: o.Total(), CreatedAt: o.Created,
		Lines: []LineView{}, Allocations: []AllocationView{}, Assignments: []Assignment{}, Shipments: []oms.Shipment{}, History: []HistoryEntry{}}
	v.Lines, err = queryRows(ctx, q, v.Lines, func(rows *sql.Rows) (LineView, error) {
		var l LineView
		err := rows.Scan(&l.LineNo, &l.SKU, &l.Qty, &l.UnitPrice, &l.Allocated, &l.Shipped)
		if o.State != oms.StateCancelled {
			l.Backordered = l.Qty - l.Allocated - l.Shipped
		}
		return l, err
	}, "SELECT line_no, sku, qty, unit_price, allocated, shipped FROM order_lines WHERE order_id = ? ORDER BY line_no", id)
	if err != nil {
		return v, err
	}
	// B2B (b2b.go): drop-ship lines show their supplier and PO, not a backorder.
	ds, err := dropShipViews(ctx, q, id)
	if err != nil {
		return v, err
	}
	for i := range v.Lines {
		if d, ok := ds[v.Lines[i].LineNo]; ok {
			v.Lines[i].DropShip, v.Lines[i].Backordered = &d, 0
		}
	}
	v.Allocations, err = queryRows(ctx, q, v.Allocations, func(rows *sql.Rows) (a AllocationView, err error) {
		return a, rows.Scan(&a.Site, &a.SKU, &a.Qty)
	}, "SELECT site, sku, sum(qty) FROM allocations WHERE order_id = ? GROUP BY site, sku ORDER BY site, sku", id)
	if err != nil {
		return v, err
	}
	v.Assignments, err = queryRows(ctx, q, v.Assignments, func(rows *sql.Rows) (a Assignment, err error) {
		return a, rows.Scan(&a.Site, &a.Station)
	}, "SELECT site, station FROM assignments WHERE order_id = ? ORDER BY site", id)
	if err != nil {
		return v, err
	}
	if v.Shipments, err = orderShipments(ctx, q, v.Shipments, id); err != nil {
		return v, err
	}
	v.History, err = queryRows(ctx, q, v.History, func(rows *sql.Rows) (h HistoryEntry, err error) {
		var at string
		err = rows.Scan(&h.Status, &at, &h.By, &h.Reason)
		h.At = parseTime(at)
		return h, err
	}, "SELECT state, at, by, reason FROM order_history WHERE order_id = ? ORDER BY id", id)
	return v, err
}

// orderShipments appends the order's shipments to dst, in the order they left.
func orderShipments(ctx context.Context, q querier, dst []oms.Shipment, orderID string) ([]oms.Shipment, error) {
	return queryRows(ctx, q, dst, func(rows *sql.Rows) (sh oms.Shipment, err error) {
		var body string
		if err := rows.Scan(&body); err != nil {
			return sh, err
		}
		if err := json.Unmarshal([]byte(body), &sh); err != nil {
			return sh, fmt.Errorf("order %s: stored shipment: %w", orderID, err)
		}
		return sh, nil
	}, "SELECT body FROM shipments WHERE order_id = ? ORDER BY at, id", orderID)
}

// queryRows runs query and appends each row, as scan reads it, to dst.
func queryRows[T any](ctx context.Context, q querier, dst []T, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return dst, err
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return dst, err
		}
		dst = append(dst, x)
	}
	return dst, rows.Err()
}

// OrderFilter selects orders for a listing.
type OrderFilter struct {
	Status  oms.State
	Channel oms.Channel
	Site    string
	After   string // the last id of the previous page
	Limit   int
}

// OrderSummary is one row of an order listing.
type OrderSummary struct {
	ID         string      `json:"id"`
	Status     oms.State   `json:"status"`
	Channel    oms.Channel `json:"channel"`
	ExternalID string      `json:"external_id"`
	Version    int64       `json:"version"`
	CreatedAt  time.Time   `json:"created_at"`
	Sites      []string    `json:"sites"`
}

// ListOrders pages through orders by id.
func (s *Store) ListOrders(ctx context.Context, f OrderFilter) ([]OrderSummary, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT o.id, o.state, o.channel, o.external_id, o.version, o.created_at,
			coalesce((SELECT group_concat(DISTINCT site) FROM allocations a WHERE a.order_id = o.id), '')
		FROM orders o WHERE o.id > ?`
	args := []any{f.After}
	if f.Status != "" {
		q += " AND o.state = ?"
		args = append(args, f.Status)
	}
	if f.Channel != "" {
		q += " AND o.channel = ?"
		args = append(args, f.Channel)
	}
	if f.Site != "" {
		q += " AND EXISTS (SELECT 1 FROM allocations a WHERE a.order_id = o.id AND a.site = ?)"
		args = append(args, f.Site)
	}
	q += " ORDER BY o.id LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	defer rows.Close()
	out := []OrderSummary{}
	for rows.Next() {
		var o OrderSummary
		var at, sites string
		if err := rows.Scan(&o.ID, &o.Status, &o.Channel, &o.ExternalID, &o.Version, &at, &sites); err != nil {
			return nil, fmt.Errorf("list orders: %w", err)
		}
		o.CreatedAt = parseTime(at)
		o.Sites = []string{}
		if sites != "" {
			o.Sites = strings.Split(sites, ",")
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
