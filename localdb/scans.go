package localdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/packline/packline/oms"
)

// ScanContext is the who and what-for of a scan.
type ScanContext struct {
	Operator     string
	OrderID      string
	OrderVersion int64
	SessionID    int64 // pack session, 0 when none
}

// RecordScan stores one scan, accepted or refused, and its scan.recorded
// event in one transaction. When it returns nil the scan is on disk, and
// the terminal may beep.
func (d *DB) RecordScan(ctx context.Context, sc ScanContext, s oms.ScanRecorded) (oms.Event, error) {
	evs, err := d.Record(ctx, func(tx *Tx) error { return emitScan(tx, sc, s) })
	if err != nil {
		return oms.Event{}, err
	}
	return evs[0], nil
}

// emitScan stores a scan row and emits its scan.recorded event inside tx.
func emitScan(tx *Tx, sc ScanContext, s oms.ScanRecorded) error {
	if s.Context == "" || s.Raw == "" {
		return fmt.Errorf("record scan: %w: context and raw are required", oms.ErrInvalid)
	}
	ev, err := tx.Emit(oms.Event{Operator: sc.Operator, OrderID: sc.OrderID, OrderVersion: sc.OrderVersion, Payload: &s})
	if err != nil {
		return err
	}
	var session any
	if sc.SessionID != 0 {
		session = sc.SessionID
	}
	_, err = tx.Exec(`INSERT INTO scans (at, operator, context, session_id, order_id, raw, symbology, kind, code, sku, gtin, lot, expiry, qty, accepted, reason, event_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		timestamp(ev.At), sc.Operator, s.Context, session, sc.OrderID, s.Raw, s.Symbology, s.Kind, s.Code, s.SKU,
		s.GTIN, s.Lot, s.Expiry, s.Qty, s.Accepted, s.Reason, ev.ID)
	if err != nil {
		return fmt.Errorf("record scan: %w", err)
	}
	return nil
}

// LastScanAt is when this station last recorded a scan (zero if never).
func (d *DB) LastScanAt(ctx context.Context) (time.Time, error) {
	var at sql.NullString
	if err := d.sql.QueryRowContext(ctx, "SELECT max(at) FROM scans").Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("last scan in %s: %w", d.path, err)
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	return parseTimestamp(at.String)
}
