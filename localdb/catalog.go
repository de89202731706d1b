package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/packline/packline/oms"
)

// UpsertSKUs stores SKUs and their barcodes in one transaction, replacing
// what was known of each. A barcode claimed by another SKU moves to this
// one (central's catalog is the truth).
func (d *DB) UpsertSKUs(ctx context.Context, skus []oms.SKU) error {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("upsert skus in %s: %w", d.path, err)
	}
	defer tx.Rollback()
	if err := upsertSKUs(ctx, tx, skus, time.Now()); err != nil {
		return fmt.Errorf("upsert skus in %s: %w", d.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upsert skus in %s: %w", d.path, err)
	}
	return nil
}

func upsertSKUs(ctx context.Context, tx *sql.Tx, skus []oms.SKU, now time.Time) error {
	for i := range skus {
		s := &skus[i]
		if err := s.Validate(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO skus (sku, description, lot_tracked, expiry_tracked, serial_tracked, weight_g,
				length_mm, width_mm, height_mm, hs_code, country_of_origin, customs_value, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (sku) DO UPDATE SET description = excluded.description, lot_tracked = excluded.lot_tracked,
				expiry_tracked = excluded.expiry_tracked, serial_tracked = excluded.serial_tracked, weight_g = excluded.weight_g,
				length_mm = excluded.length_mm, width_mm = excluded.width_mm, height_mm = excluded.height_mm,
				hs_code = excluded.hs_code, country_of_origin = excluded.country_of_origin,
				customs_value = excluded.customs_value, updated_at = excluded.updated_at`,
			s.SKU, s.Description, s.LotTracked, s.ExpiryTracked, s.SerialTracked, s.WeightGrams,
			s.LengthMM, s.WidthMM, s.HeightMM, s.HSCode, s.CountryOfOrigin, s.CustomsValue, timestamp(now))
		if err != nil {
			return fmt.Errorf("sku %s: %w", s.SKU, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM barcodes WHERE sku = ?", s.SKU); err != nil {
			return fmt.Errorf("sku %s: %w", s.SKU, err)
		}
		for _, b := range s.Barcodes {
			qty := max(b.Qty, 1)
			_, err := tx.ExecContext(ctx, `INSERT INTO barcodes (lookup_key, code, kind, sku, qty) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (lookup_key) DO UPDATE SET code = excluded.code, kind = excluded.kind, sku = excluded.sku, qty = excluded.qty`,
				b.LookupKey(), b.Code, b.Kind, s.SKU, qty)
			if err != nil {
				return fmt.Errorf("sku %s barcode %s: %w", s.SKU, b.Code, err)
			}
		}
	}
	return nil
}

// BarcodeMatch is what a scanned code identifies.
type BarcodeMatch struct {
	SKU  string
	Kind oms.BarcodeKind
	Qty  int // units one scan counts as
}

// LookupBarcode finds the SKU a scanned code belongs to, by any of its
// barcodes: one primary-key lookup on the normalised code (GTINs of any
// length meet as GTIN-14).
func (d *DB) LookupBarcode(ctx context.Context, code string) (BarcodeMatch, error) {
	var m BarcodeMatch
	err := d.sql.QueryRowContext(ctx, "SELECT sku, kind, qty FROM barcodes WHERE lookup_key = ?", oms.LookupKey(code)).Scan(&m.SKU, &m.Kind, &m.Qty)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("%w %q", ErrUnknownBarcode, code)
	}
	if err != nil {
		return m, fmt.Errorf("look up barcode %q in %s: %w", code, d.path, err)
	}
	return m, nil
}

// SKU returns one SKU with its barcodes.
func (d *DB) SKU(ctx context.Context, sku string) (oms.SKU, error) {
	s := oms.SKU{SKU: sku}
	err := d.sql.QueryRowContext(ctx, `SELECT description, lot_tracked, expiry_tracked, serial_tracked, weight_g, length_mm, width_mm,
			height_mm, hs_code, country_of_origin, customs_value FROM skus WHERE sku = ?`, sku).
		Scan(&s.Description, &s.LotTracked, &s.ExpiryTracked, &s.SerialTracked, &s.WeightGrams, &s.LengthMM, &s.WidthMM,
			&s.HeightMM, &s.HSCode, &s.CountryOfOrigin, &s.CustomsValue)
	if err != nil {
		return s, fmt.Errorf("sku %s in %s: %w", sku, d.path, err)
	}
	rows, err := d.sql.QueryContext(ctx, "SELECT code, kind, qty FROM barcodes WHERE sku = ? ORDER BY lookup_key", sku)
	if err != nil {
		return s, fmt.Errorf("sku %s barcodes in %s: %w", sku, d.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var b oms.Barcode
		if err := rows.Scan(&b.Code, &b.Kind, &b.Qty); err != nil {
			return s, fmt.Errorf("sku %s barcodes in %s: %w", sku, d.path, err)
		}
		s.Barcodes = append(s.Barcodes, b)
	}
	return s, rows.Err()
}

// UpsertLocations stores bins in one transaction.
func (d *DB) UpsertLocations(ctx context.Context, locs []oms.Location) error {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("upsert locations in %s: %w", d.path, err)
	}
	defer tx.Rollback()
	for _, l := range locs {
		_, err := tx.ExecContext(ctx, `INSERT INTO locations (code, site, zone, aisle, bay, level, walk_seq) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET site = excluded.site, zone = excluded.zone, aisle = excluded.aisle, bay = excluded.bay,
				level = excluded.level, walk_seq = excluded.walk_seq`,
			l.Code, l.Site, l.Zone, l.Aisle, l.Bay, l.Level, l.WalkSeq)
		if err != nil {
			return fmt.Errorf("upsert location %s in %s: %w", l.Code, d.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upsert locations in %s: %w", d.path, err)
	}
	return nil
}
