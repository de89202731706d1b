package localdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OutboxRow is one event waiting to reach central.
type OutboxRow struct {
	Seq       uint64
	EventID   string
	Subject   string
	Payload   []byte // the event's JSON wire form
	CreatedAt time.Time
	SentAt    time.Time // zero until JetStream acknowledged it
	Attempts  int
	LastError string
}

// PendingOutbox returns up to limit outbox rows with seq greater than
// after, in seq order.
func (d *DB) PendingOutbox(ctx context.Context, after uint64, limit int) ([]OutboxRow, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT o.seq, o.event_id, o.subject, o.payload, o.created_at,
			CASE WHEN o.seq <= s.through THEN coalesce(s.at, o.sent_at) END, o.attempts, o.last_error
		FROM outbox o, outbox_sent s WHERE o.seq > ? ORDER BY o.seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read outbox %s: %w", d.path, err)
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		var created string
		var sent, lastErr sql.NullString
		if err := rows.Scan(&r.Seq, &r.EventID, &r.Subject, &r.Payload, &created, &sent, &r.Attempts, &lastErr); err != nil {
			return nil, fmt.Errorf("read outbox %s: %w", d.path, err)
		}
		if r.CreatedAt, err = parseTimestamp(created); err != nil {
			return nil, fmt.Errorf("read outbox %s: seq %d created_at: %w", d.path, r.Seq, err)
		}
		if sent.Valid {
			if r.SentAt, err = parseTimestamp(sent.String); err != nil {
				return nil, fmt.Errorf("read outbox %s: seq %d sent_at: %w", d.path, r.Seq, err)
			}
		}
		r.LastError = lastErr.String
		out = append(out, r)
	}
	return out, rows.Err()
}

// PendingToSend returns up to limit outbox rows after seq, in seq order,
// with only what publishing needs (no bookkeeping columns): the drainer's
// hot path.
func (d *DB) PendingToSend(ctx context.Context, after uint64, limit int) ([]OutboxRow, error) {
	rows, err := d.sql.QueryContext(ctx, "SELECT seq, event_id, subject, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
	if err != nil {
		return nil, fmt.Errorf("read outbox %s: %w", d.path, err)
	}
	defer rows.Close()
	// Not make(..., limit): the drainer asks for 8,192 rows every 200 ms
	// while idle, and an empty answer should not cost a megabyte.
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		if err := rows.Scan(&r.Seq, &r.EventID, &r.Subject, &r.Payload); err != nil {
			return nil, fmt.Errorf("read outbox %s: %w", d.path, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MarkSent records that JetStream acknowledged the event at seq and
// every one before it. The row stays until central's applied watermark
// passes it (PruneOutbox).
func (d *DB) MarkSent(ctx context.Context, seq uint64, at time.Time) error {
	return d.MarkSentRange(ctx, seq, seq, at)
}

// MarkSentRange records that JetStream acknowledged the events with seqs
// first through last, and so (the drainer publishes in order and records
// only the unbroken run) every event before them: one number, not a write
// to each row.
func (d *DB) MarkSentRange(ctx context.Context, first, last uint64, at time.Time) error {
	_, err := d.sql.ExecContext(ctx, "UPDATE outbox_sent SET through = max(through, ?), at = ? WHERE id = 1", last, timestamp(at))
	if err != nil {
		return fmt.Errorf("mark outbox seqs %d-%d sent in %s: %w", first, last, d.path, err)
	}
	return nil
}

// MarkFailed records a failed publish attempt of the event at seq.
func (d *DB) MarkFailed(ctx context.Context, seq uint64, cause error) error {
	_, err := d.sql.ExecContext(ctx, "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?", cause.Error(), seq)
	if err != nil {
		return fmt.Errorf("mark outbox seq %d failed in %s: %w", seq, d.path, err)
	}
	return nil
}

// PruneOutbox deletes the rows central has applied: every seq up to and
// including watermark. It returns how many went.
func (d *DB) PruneOutbox(ctx context.Context, watermark uint64) (int64, error) {
	res, err := d.sql.ExecContext(ctx, "DELETE FROM outbox WHERE seq <= ?", watermark)
	if err != nil {
		return 0, fmt.Errorf("prune outbox %s through seq %d: %w", d.path, watermark, err)
	}
	return res.RowsAffected()
}

// OutboxStats is what the station shows about its sync backlog.
type OutboxStats struct {
	Waiting    int       // events not yet applied by central
	Unsent     int       // of those, not yet acknowledged by JetStream
	Oldest     time.Time // creation time of the oldest waiting event; zero when none
	LastSeq    uint64    // the last seq the station issued
	LastSentAt time.Time // the last JetStream acknowledgement; zero when none
}

// OutboxStats summarises the outbox.
func (d *DB) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var s OutboxStats
	var oldest, lastSent sql.NullString
	err := d.sql.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM outbox),
			(SELECT count(*) FROM outbox WHERE seq > (SELECT through FROM outbox_sent WHERE id = 1)),
			(SELECT min(created_at) FROM outbox),
			(SELECT last FROM event_seq WHERE id = 1),
			(SELECT at FROM outbox_sent WHERE id = 1)`).Scan(&s.Waiting, &s.Unsent, &oldest, &s.LastSeq, &lastSent)
	if err != nil {
		return s, fmt.Errorf("outbox stats %s: %w", d.path, err)
	}
	if oldest.Valid {
		if s.Oldest, err = parseTimestamp(oldest.String); err != nil {
			return s, fmt.Errorf("outbox stats %s: %w", d.path, err)
		}
	}
	if lastSent.Valid {
		if s.LastSentAt, err = parseTimestamp(lastSent.String); err != nil {
			return s, fmt.Errorf("outbox stats %s: %w", d.path, err)
		}
	}
	return s, nil
}
