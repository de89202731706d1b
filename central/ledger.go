package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/packline/packline/oms"
)

// StockMove is a receipt or an adjustment of one SKU in one bin.
type StockMove struct {
	Site     string `json:"site"`
	Location string `json:"location"`
	SKU      string `json:"sku"`
	Qty      int    `json:"qty"` // receipts: > 0; adjustments: any non-zero delta
	Reason   string `json:"reason,omitempty"`
	Ref      string `json:"ref,omitempty"` // ASN, PO, count sheet
}

func (m StockMove) validate(field string) error {
	bad := func(f, msg string) error { return fmt.Errorf("%w %s.%s: %s", oms.ErrInvalid, field, f, msg) }
	if err := oms.ValidateID("site", m.Site); err != nil {
		return bad("site", err.Error())
	}
	if _, err := oms.ParseLocationCode(m.Location); err != nil {
		return bad("location", err.Error())
	}
	if strings.TrimSpace(m.SKU) == "" {
		return bad("sku", "missing")
	}
	return nil
}

// Receive adds received stock to bins, all moves in one transaction.
func (s *Store) Receive(ctx context.Context, moves []StockMove, by string) error {
	for i, m := range moves {
		field := fmt.Sprintf("receipts[%d]", i+1)
		if err := m.validate(field); err != nil {
			return err
		}
		if m.Qty <= 0 {
			return fmt.Errorf("%w %s.qty: %d is not a positive quantity", oms.ErrInvalid, field, m.Qty)
		}
	}
	return s.applyMoves(ctx, moves, "receipt", by, "receipts")
}

// Adjust corrects bins by a delta (a count found more or fewer). A bin
// never goes below zero or below what is allocated from it.
func (s *Store) Adjust(ctx context.Context, moves []StockMove, by string) error {
	for i, m := range moves {
		field := fmt.Sprintf("adjustments[%d]", i+1)
		if err := m.validate(field); err != nil {
			return err
		}
		if m.Qty == 0 {
			return fmt.Errorf("%w %s.qty: an adjustment of 0 changes nothing", oms.ErrInvalid, field)
		}
		if strings.TrimSpace(m.Reason) == "" {
			return fmt.Errorf("%w %s.reason: missing (why was the count wrong?)", oms.ErrInvalid, field)
		}
	}
	return s.applyMoves(ctx, moves, "adjustment", by, "adjustments")
}

func (s *Store) applyMoves(ctx context.Context, moves []StockMove, kind, by, field string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		at := timestamp(s.now())
		for i, m := range moves {
			f := fmt.Sprintf("%s[%d]", field, i+1)
			var one int
			if err := tx.QueryRowContext(ctx, "SELECT 1 FROM skus WHERE sku = ?", m.SKU).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w %s.sku: %w %q", oms.ErrInvalid, f, ErrUnknownSKU, m.SKU)
			}
			if err := tx.QueryRowContext(ctx, "SELECT 1 FROM sites WHERE id = ?", m.Site).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w %s.site: unknown site %q", oms.ErrInvalid, f, m.Site)
			}
			loc, _ := oms.ParseLocationCode(m.Location)
			var onHand, allocated int
			err := tx.QueryRowContext(ctx, "SELECT on_hand, allocated FROM stock WHERE site = ? AND location = ? AND sku = ?", m.Site, loc.Code, m.SKU).Scan(&onHand, &allocated)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%s: %w", f, err)
			}
			if onHand+m.Qty < allocated {
				return fmt.Errorf("%w %s.qty: %s at %s/%s has %d on hand, %d allocated; %+d would leave less than is promised",
					ErrInsufficientStock, f, m.SKU, m.Site, loc.Code, onHand, allocated, m.Qty)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO stock (site, location, sku, on_hand) VALUES (?, ?, ?, ?)
				ON CONFLICT (site, location, sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand`, m.Site, loc.Code, m.SKU, m.Qty)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			reason := kind
			if m.Reason != "" {
				reason += ": " + m.Reason
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO stock_moves (at, site, location, sku, delta_on_hand, delta_allocated, reason, ref, by)
				VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)`, at, m.Site, loc.Code, m.SKU, m.Qty, reason, m.Ref, by); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
		}
		return nil
	})
}

// StockLevel is one bin's stock of one SKU.
type StockLevel struct {
	Site      string `json:"site"`
	Location  string `json:"location"`
	SKU       string `json:"sku"`
	OnHand    int    `json:"on_hand"`
	Allocated int    `json:"allocated"`
	Available int    `json:"available"`
}

// Inventory lists stock by bin, filtered by SKU and/or site.
func (s *Store) Inventory(ctx context.Context, sku, site string) ([]StockLevel, error) {
	q := "SELECT site, location, sku, on_hand, allocated FROM stock WHERE 1 = 1"
	var args []any
	if sku != "" {
		q += " AND sku = ?"
		args = append(args, sku)
	}
	if site != "" {
		q += " AND site = ?"
		args = append(args, site)
	}
	q += " ORDER BY sku, site, location LIMIT 10000"
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	defer rows.Close()
	out := []StockLevel{}
	for rows.Next() {
		var l StockLevel
		if err := rows.Scan(&l.Site, &l.Location, &l.SKU, &l.OnHand, &l.Allocated); err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		l.Available = l.OnHand - l.Allocated
		out = append(out, l)
	}
	return out, rows.Err()
}

// CheckLedger verifies the ledger against the orders: every bin's
// allocated count equals the sum of allocations from it, every line's
// allocated count equals its allocations, and the move journal adds up to
// what is on hand. It returns the first mismatch found.
func (s *Store) CheckLedger(ctx context.Context) error {
	checks := []struct{ name, q string }{
		{"stock.allocated vs allocations", `SELECT s.site || '/' || s.location || '/' || s.sku FROM stock s
			WHERE s.allocated != coalesce((SELECT sum(qty) FROM allocations a WHERE a.site = s.site AND a.location = s.location AND a.sku = s.sku), 0) LIMIT 1`},
		{"allocations without stock row", `SELECT a.order_id FROM allocations a LEFT JOIN stock s ON s.site = a.site AND s.location = a.location AND s.sku = a.sku
			WHERE s.sku IS NULL LIMIT 1`},
		{"order_lines.allocated vs allocations", `SELECT l.order_id || ' line ' || l.line_no FROM order_lines l
			WHERE l.allocated != coalesce((SELECT sum(qty) FROM allocations a WHERE a.order_id = l.order_id AND a.line_no = l.line_no), 0) LIMIT 1`},
		{"stock.on_hand vs moves", `SELECT s.site || '/' || s.location || '/' || s.sku FROM stock s
			WHERE s.on_hand != coalesce((SELECT sum(delta_on_hand) FROM stock_moves m WHERE m.site = s.site AND m.location = s.location AND m.sku = s.sku), 0) LIMIT 1`},
		{"allocations of cancelled orders", `SELECT a.order_id FROM allocations a JOIN orders o ON o.id = a.order_id WHERE o.state = 'cancelled' LIMIT 1`},
	}
	for _, c := range checks {
		var where string
		err := s.db.QueryRowContext(ctx, c.q).Scan(&where)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check ledger (%s): %w", c.name, err)
		}
		return fmt.Errorf("ledger inconsistent: %s at %s", c.name, where)
	}
	return nil
}
