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

// PackLine is one order line as the pack screen shows it.
type PackLine struct {
	LineNo        int
	SKU           string
	Description   string
	Qty           int
	Packed        int
	WeightGrams   int
	LotTracked    bool
	ExpiryTracked bool
}

// PackOrder is an order opened for packing.
type PackOrder struct {
	Order     oms.Order
	Lines     []PackLine
	SessionID int64 // the open pack session, 0 when none
	Tote      string
	Shipped   bool // a shipment was already created for it here
}

// FindOrder resolves a scanned or typed code to an order the station
// holds: its id, or its channel reference (external id).
func (d *DB) FindOrder(ctx context.Context, code string) (string, bool, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", false, nil
	}
	var id string
	err := d.sql.QueryRowContext(ctx, "SELECT id FROM orders WHERE id = ? OR external_id = ? ORDER BY id = ? DESC LIMIT 1", code, code, code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("find order %q in %s: %w", code, d.path, err)
	}
	return id, true, nil
}

// OrderForTote returns the order a handed-off (or still picking) tote holds.
func (d *DB) OrderForTote(ctx context.Context, tote string) (string, bool, error) {
	var id string
	err := d.sql.QueryRowContext(ctx, "SELECT order_id FROM totes WHERE tote = ? AND state <> 'packed'", tote).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("tote %s in %s: %w", tote, d.path, err)
	}
	return id, true, nil
}

// OpenOrderWithSKU finds another order, not yet shipped from here, that
// has sku on it: a scanned item that belongs there, not in this carton.
func (d *DB) OpenOrderWithSKU(ctx context.Context, sku, exclude string) (string, bool, error) {
	var id string
	err := d.sql.QueryRowContext(ctx, `SELECT l.order_id FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE l.sku = ? AND l.order_id <> ? AND o.state NOT IN ('cancelled', 'shipped', 'delivered')
		  AND l.packed < l.qty
		  AND NOT EXISTS (SELECT 1 FROM pack_shipments s WHERE s.order_id = l.order_id) LIMIT 1`, sku, exclude).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("orders with %s in %s: %w", sku, d.path, err)
	}
	return id, true, nil
}

// PackOrder returns an order with its lines, packed counts and any open
// pack session.
func (d *DB) PackOrder(ctx context.Context, orderID string) (PackOrder, error) {
	o, err := d.Order(ctx, orderID)
	if err != nil {
		return PackOrder{}, err
	}
	p := PackOrder{Order: o}
	rows, err := d.sql.QueryContext(ctx, `SELECT l.line_no, l.sku, COALESCE(s.description, ''), l.qty, l.packed, COALESCE(s.weight_g, 0),
			COALESCE(s.lot_tracked, 0), COALESCE(s.expiry_tracked, 0)
		FROM order_lines l LEFT JOIN skus s ON s.sku = l.sku WHERE l.order_id = ? ORDER BY l.line_no`, orderID)
	if err != nil {
		return p, fmt.Errorf("pack order %s in %s: %w", orderID, d.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var l PackLine
		if err := rows.Scan(&l.LineNo, &l.SKU, &l.Description, &l.Qty, &l.Packed, &l.WeightGrams, &l.LotTracked, &l.ExpiryTracked); err != nil {
			return p, fmt.Errorf("pack order %s in %s: %w", orderID, d.path, err)
		}
		p.Lines = append(p.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("pack order %s in %s: %w", orderID, d.path, err)
	}
	err = d.sql.QueryRowContext(ctx, "SELECT id, tote FROM pack_sessions WHERE order_id = ? AND state = 'open' ORDER BY id DESC LIMIT 1", orderID).
		Scan(&p.SessionID, &p.Tote)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("pack order %s in %s: %w", orderID, d.path, err)
	}
	var n int
	if err := d.sql.QueryRowContext(ctx, "SELECT count(*) FROM pack_shipments WHERE order_id = ?", orderID).Scan(&n); err != nil {
		return p, fmt.Errorf("pack order %s in %s: %w", orderID, d.path, err)
	}
	p.Shipped = n > 0
	return p, nil
}

// StartPack opens a pack session for an order (or returns the open one)
// and reports pack.started the first time.
func (d *DB) StartPack(ctx context.Context, ref OrderRef, tote string) (int64, error) {
	var id int64
	_, err := d.Record(ctx, func(tx *Tx) error {
		err := tx.QueryRow("SELECT id FROM pack_sessions WHERE order_id = ? AND state = 'open' ORDER BY id DESC LIMIT 1", ref.OrderID).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.QueryRow(`INSERT INTO pack_sessions (order_id, operator, tote, state, started_at) VALUES (?, ?, ?, 'open', ?) RETURNING id`,
			ref.OrderID, ref.Operator, tote, timestamp(time.Now())).Scan(&id); err != nil {
			return err
		}
		_, err = tx.Emit(ref.event(&oms.PackStarted{Tote: tote}))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("start pack of order %s: %w", ref.OrderID, err)
	}
	return id, nil
}

// PackItem records verified items going into the carton: the line's packed
// count, the scan and its pack.item_packed event, in one transaction. A
// count past the line's quantity is refused with ErrOverScan and nothing
// is stored.
func (d *DB) PackItem(ctx context.Context, ref OrderRef, session int64, item oms.ItemPacked, scan oms.ScanRecorded) ([]oms.Event, error) {
	if item.Qty <= 0 {
		return nil, fmt.Errorf("pack item: %w: qty %d", oms.ErrInvalid, item.Qty)
	}
	evs, err := d.Record(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE order_lines SET packed = packed + ? WHERE order_id = ? AND line_no = ? AND packed + ? <= qty",
			item.Qty, ref.OrderID, item.LineNo, item.Qty)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrOverScan
		}
		scan.Accepted = true
		sc := ScanContext{Operator: ref.Operator, OrderID: ref.OrderID, OrderVersion: ref.Version, SessionID: session}
		if err := emitScan(tx, sc, scan); err != nil {
			return err
		}
		_, err = tx.Emit(ref.event(&item))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pack item of order %s line %d: %w", ref.OrderID, item.LineNo, err)
	}
	return evs, nil
}

// OverridePartial records a lead allowing an order to close with lines
// missing: who, why, and (in the envelope) when.
func (d *DB) OverridePartial(ctx context.Context, ref OrderRef, lead, reason string) ([]oms.Event, error) {
	if strings.TrimSpace(lead) == "" || strings.TrimSpace(reason) == "" {
		return nil, fmt.Errorf("override: %w: lead and reason are required", oms.ErrInvalid)
	}
	evs, err := d.Record(ctx, func(tx *Tx) error {
		_, err := tx.Emit(ref.event(&oms.PackOverride{Lead: lead, Action: "partial_pack", Reason: reason}))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("override for order %s: %w", ref.OrderID, err)
	}
	return evs, nil
}

// PackedItems sums what a pack session verified, by SKU, lot and expiry.
func (d *DB) PackedItems(ctx context.Context, session int64) ([]oms.PackedItem, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT sku, lot, expiry, sum(qty) FROM scans WHERE session_id = ? AND context = 'pack' AND accepted = 1 AND sku <> ''
		GROUP BY sku, lot, expiry ORDER BY min(id)`, session)
	if err != nil {
		return nil, fmt.Errorf("packed items of session %d in %s: %w", session, d.path, err)
	}
	defer rows.Close()
	var out []oms.PackedItem
	for rows.Next() {
		var it oms.PackedItem
		if err := rows.Scan(&it.SKU, &it.Lot, &it.Expiry, &it.Qty); err != nil {
			return nil, fmt.Errorf("packed items of session %d in %s: %w", session, d.path, err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// CompletePack closes a pack session: pack.completed and shipment.created
// go out together with the local shipment record, in one transaction.
func (d *DB) CompletePack(ctx context.Context, ref OrderRef, session int64, done oms.PackCompleted, sh oms.Shipment) ([]oms.Event, error) {
	if len(done.Cartons) == 0 {
		return nil, fmt.Errorf("complete pack: %w: no cartons", oms.ErrInvalid)
	}
	body, err := json.Marshal(sh)
	if err != nil {
		return nil, fmt.Errorf("complete pack: %w", err)
	}
	evs, err := d.Record(ctx, func(tx *Tx) error {
		c := done.Cartons[0]
		res, err := tx.Exec(`UPDATE pack_sessions SET state = 'completed', carton_type = ?, weight_g = ?, completed_at = ?
			WHERE id = ? AND state = 'open'`, c.Type, c.WeightGrams, timestamp(time.Now()), session)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: pack session %d is not open", oms.ErrInvalid, session)
		}
		if _, err := tx.Exec(`INSERT INTO pack_shipments (id, order_id, session_id, carrier, service, tracking, sscc, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sh.ID, ref.OrderID, session, sh.Carrier, sh.Service, sh.TrackingNumber, c.SSCC, string(body), timestamp(time.Now())); err != nil {
			return err
		}
		if _, err := tx.Exec("UPDATE totes SET state = 'packed', updated_at = ? WHERE order_id = ?", timestamp(time.Now()), ref.OrderID); err != nil {
			return err
		}
		// For the carrier's end-of-day close-out manifest.
		if err := tx.AddShipment(sh); err != nil {
			return err
		}
		if _, err := tx.Emit(ref.event(&done)); err != nil {
			return err
		}
		_, err = tx.Emit(ref.event(&oms.ShipmentCreated{Shipment: sh}))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("complete pack of order %s: %w", ref.OrderID, err)
	}
	return evs, nil
}

// AbandonPack closes an open pack session without shipping (the order was
// cancelled or put on hold under the packer's hands).
func (d *DB) AbandonPack(ctx context.Context, session int64) error {
	_, err := d.Record(ctx, func(tx *Tx) error {
		_, err := tx.Exec("UPDATE pack_sessions SET state = 'abandoned', completed_at = ? WHERE id = ? AND state = 'open'", timestamp(time.Now()), session)
		return err
	})
	if err != nil {
		return fmt.Errorf("abandon pack session %d: %w", session, err)
	}
	return nil
}

// RecordLabel reports that a label or slip reached the printer.
func (d *DB) RecordLabel(ctx context.Context, ref OrderRef, l oms.LabelPrinted) error {
	_, err := d.Record(ctx, func(tx *Tx) error {
		// Reported once: the pending report goes in the same transaction.
		if _, err := tx.Exec("DELETE FROM label_reports WHERE job_id = ?", l.Job); err != nil {
			return err
		}
		_, err := tx.Emit(ref.event(&l))
		return err
	})
	if err != nil {
		return fmt.Errorf("label printed for order %s: %w", ref.OrderID, err)
	}
	return nil
}

// PendingLabel is a label queued on the spooler whose label.printed event
// waits for the printer.
type PendingLabel struct {
	Ref   OrderRef
	Label oms.LabelPrinted
}

// ExpectLabel remembers, durably, to report a queued label once it prints.
func (d *DB) ExpectLabel(ctx context.Context, ref OrderRef, l oms.LabelPrinted) error {
	body, err := json.Marshal(l)
	if err != nil {
		return err
	}
	_, err = d.sql.ExecContext(ctx, `INSERT OR REPLACE INTO label_reports (job_id, operator, order_id, order_version, payload, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, l.Job, ref.Operator, ref.OrderID, ref.Version, string(body), timestamp(time.Now()))
	if err != nil {
		return fmt.Errorf("expect label %s in %s: %w", l.Job, d.path, err)
	}
	return nil
}

// PendingLabels lists the labels still to report, oldest first.
func (d *DB) PendingLabels(ctx context.Context) ([]PendingLabel, error) {
	rows, err := d.sql.QueryContext(ctx, "SELECT operator, order_id, order_version, payload FROM label_reports ORDER BY created_at, job_id")
	if err != nil {
		return nil, fmt.Errorf("pending labels in %s: %w", d.path, err)
	}
	defer rows.Close()
	var out []PendingLabel
	for rows.Next() {
		var p PendingLabel
		var body string
		if err := rows.Scan(&p.Ref.Operator, &p.Ref.OrderID, &p.Ref.Version, &body); err != nil {
			return nil, fmt.Errorf("pending labels in %s: %w", d.path, err)
		}
		if err := json.Unmarshal([]byte(body), &p.Label); err != nil {
			return nil, fmt.Errorf("pending labels in %s: %w", d.path, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DropLabel forgets a label that will not print (voided, failed).
func (d *DB) DropLabel(ctx context.Context, job string) error {
	_, err := d.sql.ExecContext(ctx, "DELETE FROM label_reports WHERE job_id = ?", job)
	return err
}

// NextCounter returns the next value (1, 2, ...) of a named station
// counter, durably: shipment ids and demo tracking numbers never repeat.
func (d *DB) NextCounter(ctx context.Context, name string) (int64, error) {
	var n int64
	err := d.sql.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`, name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counter %s in %s: %w", name, d.path, err)
	}
	return n, nil
}

// ShipmentByTracking finds the order a tracking number was shipped under.
func (d *DB) ShipmentByTracking(ctx context.Context, tracking string) (string, bool, error) {
	var id string
	err := d.sql.QueryRowContext(ctx, "SELECT order_id FROM pack_shipments WHERE tracking = ? LIMIT 1", tracking).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("shipment %s in %s: %w", tracking, d.path, err)
	}
	return id, true, nil
}

// WorkAlert is an order cancelled or held while the station had work in
// progress on it: picked items, an open carton.
type WorkAlert struct {
	OrderID string
	Version int64
	State   oms.State
	Picked  int
	Packed  int
	Tote    string
}

// WorkAlerts lists cancelled or held orders with items picked or packed
// here that no one has acknowledged at their current version.
func (d *DB) WorkAlerts(ctx context.Context) ([]WorkAlert, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT o.id, o.version, o.state, COALESCE(sum(l.picked), 0), COALESCE(sum(l.packed), 0),
			COALESCE((SELECT tote FROM totes t WHERE t.order_id = o.id AND t.state <> 'packed' LIMIT 1), '')
		FROM orders o JOIN order_lines l ON l.order_id = o.id
		WHERE o.state IN ('cancelled', 'on_hold')
		  AND NOT EXISTS (SELECT 1 FROM wip_acks a WHERE a.order_id = o.id AND a.version = o.version)
		GROUP BY o.id
		HAVING sum(l.picked) > 0 OR sum(l.packed) > 0 OR EXISTS (SELECT 1 FROM pack_sessions s WHERE s.order_id = o.id)
		ORDER BY o.updated_at`)
	if err != nil {
		return nil, fmt.Errorf("work alerts in %s: %w", d.path, err)
	}
	defer rows.Close()
	var out []WorkAlert
	for rows.Next() {
		var a WorkAlert
		if err := rows.Scan(&a.OrderID, &a.Version, &a.State, &a.Picked, &a.Packed, &a.Tote); err != nil {
			return nil, fmt.Errorf("work alerts in %s: %w", d.path, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AcknowledgeWork marks a work alert as handled at the order's version.
func (d *DB) AcknowledgeWork(ctx context.Context, orderID string, version int64, operator string) error {
	_, err := d.sql.ExecContext(ctx, "INSERT OR IGNORE INTO wip_acks (order_id, version, operator, at) VALUES (?, ?, ?, ?)",
		orderID, version, operator, timestamp(time.Now()))
	if err != nil {
		return fmt.Errorf("acknowledge order %s in %s: %w", orderID, d.path, err)
	}
	return nil
}

// RecordSignIn reports an operator signing in or out.
func (d *DB) RecordSignIn(ctx context.Context, operator string, p oms.Payload) error {
	_, err := d.Record(ctx, func(tx *Tx) error {
		_, err := tx.Emit(oms.Event{Operator: operator, Payload: p})
		return err
	})
	if err != nil {
		return fmt.Errorf("record %s of %s: %w", p.EventType(), operator, err)
	}
	return nil
}
