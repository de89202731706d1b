package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/packline/packline/printers"
)

// The DB is the spooler's store.
var _ printers.Store = (*DB)(nil)

const jobColumns = `job_id, printer, template, zpl, state, order_id, shipment_id, reprint_of,
	attempts, last_error, COALESCE(next_attempt_at, ''), created_at, updated_at, COALESCE(printed_at, ''),
	labels, labels_done, odometer_before`

func scanJob(row interface{ Scan(...any) error }) (printers.Job, error) {
	var j printers.Job
	var state, next, created, updated, printed string
	err := row.Scan(&j.ID, &j.Printer, &j.Template, &j.ZPL, &state, &j.OrderID, &j.ShipmentID, &j.ReprintOf,
		&j.Attempts, &j.LastError, &next, &created, &updated, &printed, &j.Labels, &j.LabelsDone, &j.OdometerBefore)
	if err != nil {
		return j, err
	}
	j.State = printers.JobState(state)
	for _, t := range []struct {
		s   string
		dst *time.Time
	}{{next, &j.NextAttemptAt}, {created, &j.CreatedAt}, {updated, &j.UpdatedAt}, {printed, &j.PrintedAt}} {
		if t.s == "" {
			continue
		}
		if *t.dst, err = parseTimestamp(t.s); err != nil {
			return j, fmt.Errorf("print job %s: timestamp %q: %w", j.ID, t.s, err)
		}
	}
	return j, nil
}

// AddPrintJob stores a new queued print job.
func (d *DB) AddPrintJob(ctx context.Context, j printers.Job) error {
	now := timestamp(time.Now())
	_, err := d.sql.ExecContext(ctx, `INSERT INTO print_jobs
		(job_id, printer, template, zpl, state, order_id, shipment_id, reprint_of, labels, labels_done, odometer_before, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, 0, -1, ?, ?)`,
		j.ID, j.Printer, j.Template, j.ZPL, j.OrderID, j.ShipmentID, j.ReprintOf, j.Labels, now, now)
	if err != nil {
		return fmt.Errorf("station db %s: add print job %s: %w", d.path, j.ID, err)
	}
	return nil
}

// PrintJob returns one print job.
func (d *DB) PrintJob(ctx context.Context, id string) (printers.Job, error) {
	j, err := scanJob(d.sql.QueryRowContext(ctx, "SELECT "+jobColumns+" FROM print_jobs WHERE job_id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, fmt.Errorf("station db %s: print job %s: %w", d.path, id, printers.ErrJobNotFound)
	}
	if err != nil {
		return j, fmt.Errorf("station db %s: print job %s: %w", d.path, id, err)
	}
	return j, nil
}

// NextPrintJob returns the oldest queued or sending job of the printer.
func (d *DB) NextPrintJob(ctx context.Context, printer string) (printers.Job, bool, error) {
	j, err := scanJob(d.sql.QueryRowContext(ctx, "SELECT "+jobColumns+
		" FROM print_jobs WHERE printer = ? AND state IN ('queued', 'sending') ORDER BY id LIMIT 1", printer))
	if errors.Is(err, sql.ErrNoRows) {
		return j, false, nil
	}
	if err != nil {
		return j, false, fmt.Errorf("station db %s: next print job for %s: %w", d.path, printer, err)
	}
	return j, true, nil
}

// PrintJobs lists the newest print jobs of a printer ("" for all), newest first.
func (d *DB) PrintJobs(ctx context.Context, printer string, limit int) ([]printers.Job, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := d.sql.QueryContext(ctx, "SELECT "+jobColumns+
		" FROM print_jobs WHERE ? = '' OR printer = ? ORDER BY id DESC LIMIT ?", printer, printer, limit)
	if err != nil {
		return nil, fmt.Errorf("station db %s: list print jobs: %w", d.path, err)
	}
	defer rows.Close()
	var out []printers.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("station db %s: list print jobs: %w", d.path, err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("station db %s: list print jobs: %w", d.path, err)
	}
	return out, nil
}

// transition updates job id if it is in one of the from states; otherwise
// it tells ErrJobNotFound from ErrJobState.
func (d *DB) transition(ctx context.Context, what, id string, from []string, set string, args ...any) error {
	q := "UPDATE print_jobs SET " + set + ", updated_at = ? WHERE job_id = ? AND state IN ("
	for i := range from {
		if i > 0 {
			q += ", "
		}
		q += "?"
	}
	q += ")"
	all := append(args, timestamp(time.Now()), id)
	for _, f := range from {
		all = append(all, f)
	}
	res, err := d.sql.ExecContext(ctx, q, all...)
	if err != nil {
		return fmt.Errorf("station db %s: %s print job %s: %w", d.path, what, id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var state string
	err = d.sql.QueryRowContext(ctx, "SELECT state FROM print_jobs WHERE job_id = ?", id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("station db %s: %s print job %s: %w", d.path, what, id, printers.ErrJobNotFound)
	}
	if err != nil {
		return fmt.Errorf("station db %s: %s print job %s: %w", d.path, what, id, err)
	}
	return fmt.Errorf("station db %s: %s print job %s: it is %s: %w", d.path, what, id, state, printers.ErrJobState)
}

// MarkPrintJobSending moves a queued or sending job to sending and counts the attempt.
func (d *DB) MarkPrintJobSending(ctx context.Context, id string, odometerBefore int64) error {
	return d.transition(ctx, "send", id, []string{"queued", "sending"},
		"state = 'sending', attempts = attempts + 1, odometer_before = ?, next_attempt_at = NULL", odometerBefore)
}

// MarkPrintJobPrinted moves a sending job to printed.
func (d *DB) MarkPrintJobPrinted(ctx context.Context, id string) error {
	now := timestamp(time.Now())
	return d.transition(ctx, "finish", id, []string{"sending"},
		"state = 'printed', printed_at = ?, labels_done = labels, last_error = ''", now)
}

// MarkPrintJobQueued puts a queued or sending job (back) in the queue.
func (d *DB) MarkPrintJobQueued(ctx context.Context, id, reason string, labelsDone int, next time.Time) error {
	return d.transition(ctx, "requeue", id, []string{"queued", "sending"},
		"state = 'queued', last_error = ?, labels_done = ?, next_attempt_at = ?", reason, labelsDone, timestamp(next))
}

// MarkPrintJobFailed moves a queued or sending job to failed.
func (d *DB) MarkPrintJobFailed(ctx context.Context, id, reason string) error {
	return d.transition(ctx, "fail", id, []string{"queued", "sending"}, "state = 'failed', last_error = ?", reason)
}

// VoidPrintJob moves a queued or failed job to voided.
func (d *DB) VoidPrintJob(ctx context.Context, id string) error {
	return d.transition(ctx, "void", id, []string{"queued", "failed"}, "state = 'voided'")
}
