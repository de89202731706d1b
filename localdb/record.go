package localdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// Tx is one write transaction on the station cache: local changes made
// through Exec and the events they produce through Emit commit together or
// not at all.
type Tx struct {
	tx      *sql.Tx
	ctx     context.Context
	site    string
	station string
	events  []oms.Event
}

// Record runs fn in one transaction and commits it with every event fn
// emitted. When Record returns nil, the change and its events are durable
// and the events are returned with their ids and seqs; on any error
// nothing of fn's is kept.
func (d *DB) Record(ctx context.Context, fn func(tx *Tx) error) ([]oms.Event, error) {
	site, station := d.Identity()
	if site == "" || station == "" {
		return nil, fmt.Errorf("record in %s: %w", d.path, ErrNoIdentity)
	}
	sqlTx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record in %s: begin: %w", d.path, err)
	}
	tx := &Tx{tx: sqlTx, ctx: ctx, site: site, station: station}
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return nil, err
	}
	if len(tx.events) > 0 {
		last := tx.events[len(tx.events)-1].Seq
		if _, err := sqlTx.ExecContext(ctx, "UPDATE event_seq SET last = ? WHERE id = 1", last); err != nil {
			sqlTx.Rollback()
			return nil, fmt.Errorf("record in %s: bump event seq: %w", d.path, err)
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("record in %s: commit: %w", d.path, err)
	}
	if len(tx.events) > 0 {
		select {
		case d.recorded <- struct{}{}:
		default:
		}
	}
	return tx.events, nil
}

// Exec runs a statement that changes local state. Statements that touch
// the outbox are refused: events go through Emit.
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	if strings.Contains(strings.ToLower(query), "outbox") {
		return nil, ErrOutboxWrite
	}
	return tx.tx.ExecContext(tx.ctx, query, args...)
}

// QueryRow reads inside the transaction, seeing its own changes.
func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(tx.ctx, query, args...)
}

// Query reads rows inside the transaction, seeing its own changes.
func (tx *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(tx.ctx, query, args...)
}

// Emit appends ev to the outbox. It fills in the site, the station and the
// next seq, and the id and time when they are empty, and returns the event
// as it will travel.
func (tx *Tx) Emit(ev oms.Event) (oms.Event, error) {
	if ev.Payload == nil {
		return oms.Event{}, fmt.Errorf("emit event: %w: no payload", oms.ErrInvalid)
	}
	if ev.ID == "" {
		ev.ID = oms.NewEventID()
	}
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	ev.Type = ev.Payload.EventType()
	ev.Site, ev.Station = tx.site, tx.station
	if n := len(tx.events); n > 0 {
		ev.Seq = tx.events[n-1].Seq + 1
	} else {
		var last uint64
		if err := tx.tx.QueryRowContext(tx.ctx, "SELECT last FROM event_seq WHERE id = 1").Scan(&last); err != nil {
			return oms.Event{}, fmt.Errorf("emit %s: read seq: %w", ev.Type, err)
		}
		ev.Seq = last + 1
	}
	if err := ev.Validate(); err != nil {
		return oms.Event{}, fmt.Errorf("emit %s: %w", ev.Type, err)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return oms.Event{}, fmt.Errorf("emit %s: %w", ev.Type, err)
	}
	if len(payload) > oms.MaxEventBytes {
		// Refused here, where the operator sees it, rather than sent to a
		// central that would set it aside.
		return oms.Event{}, fmt.Errorf("emit %s: %w: %d bytes, over the %d byte limit", ev.Type, oms.ErrInvalid, len(payload), oms.MaxEventBytes)
	}
	_, err = tx.tx.ExecContext(tx.ctx,
		"INSERT INTO outbox (seq, event_id, subject, payload, created_at) VALUES (?, ?, ?, ?, ?)",
		ev.Seq, ev.ID, oms.StationEventsSubject(tx.site, tx.station), payload, timestamp(ev.At))
	if err != nil {
		return oms.Event{}, fmt.Errorf("emit %s: %w", ev.Type, err)
	}
	tx.events = append(tx.events, ev)
	return ev, nil
}
