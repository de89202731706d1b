package printers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// JobState is where a print job is in its life:
// queued -> sending -> printed | failed, and queued|failed -> voided.
type JobState string

// The print job states, as stored.
const (
	JobQueued  JobState = "queued"
	JobSending JobState = "sending"
	JobPrinted JobState = "printed"
	JobFailed  JobState = "failed"
	JobVoided  JobState = "voided"
)

// Job is one print job: a ZPL document for one printer, linked to the order
// or shipment it was printed for.
type Job struct {
	ID         string // UUIDv7, also stamped into the ZPL as a ^FX comment
	Printer    string
	Template   string
	ZPL        []byte
	State      JobState
	OrderID    string
	ShipmentID string
	ReprintOf  string // job ID this one reprints, or ""
	Attempts   int
	LastError  string
	// Labels is the number of ^XA...^XZ labels in ZPL; LabelsDone how many of
	// them are known printed (after a partly printed in-doubt send).
	Labels     int
	LabelsDone int
	// OdometerBefore is the printer's label count taken right before the
	// current send, or -1 when the printer cannot report it.
	OdometerBefore int64
	NextAttemptAt  time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	PrintedAt      time.Time
}

// Store keeps print jobs durably (the station's SQLite: localdb implements
// it). Every method is one transaction; a transition from a state the job is
// not in fails with ErrJobState, an unknown id with ErrJobNotFound.
type Store interface {
	// AddPrintJob stores a new queued job; jobs of a printer print in the order
	// they were added.
	AddPrintJob(ctx context.Context, j Job) error
	// PrintJob returns one job.
	PrintJob(ctx context.Context, id string) (Job, error)
	// NextPrintJob returns the oldest queued or sending job of the printer.
	NextPrintJob(ctx context.Context, printer string) (Job, bool, error)
	// PrintJobs lists the newest jobs of a printer ("" for all), newest first.
	PrintJobs(ctx context.Context, printer string, limit int) ([]Job, error)
	// MarkPrintJobSending moves a queued (or, on resend, sending) job to sending,
	// counts the attempt and records the odometer taken before it.
	MarkPrintJobSending(ctx context.Context, id string, odometerBefore int64) error
	// MarkPrintJobPrinted moves a sending job to printed.
	MarkPrintJobPrinted(ctx context.Context, id string) error
	// MarkPrintJobQueued puts a job back to queued (or keeps it there) with the
	// reason it waits, the labels known printed and when it is tried next.
	MarkPrintJobQueued(ctx context.Context, id string, reason string, labelsDone int, next time.Time) error
	// MarkPrintJobFailed moves a queued or sending job to failed.
	MarkPrintJobFailed(ctx context.Context, id string, reason string) error
	// VoidPrintJob moves a queued or failed job to voided.
	VoidPrintJob(ctx context.Context, id string) error
}

// SpoolerOptions tune the spooler. Zero values take the defaults.
type SpoolerOptions struct {
	MinBackoff time.Duration // first wait after a failure; default 500ms
	MaxBackoff time.Duration // longest wait; default 15s
	Logger     *slog.Logger
}

// Spooler sends each printer's jobs in order, one at a time, retrying while
// the printer is unreachable or faulted, and settles a job whose delivery is
// in doubt (the station died mid-send, or the connection broke) by reading
// the printer's label odometer instead of resending blindly.
type Spooler struct {
	store    Store
	printers map[string]Transport
	opts     SpoolerOptions
	log      *slog.Logger

	mu   sync.Mutex // guards wake
	wake map[string]chan struct{}
}

// NewSpooler makes a spooler for the named printers.
func NewSpooler(store Store, printers map[string]Transport, opts SpoolerOptions) *Spooler {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(15*time.Second, opts.MinBackoff)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Spooler{store: store, printers: printers, opts: opts, log: log, wake: map[string]chan struct{}{}}
	for name := range printers {
		s.wake[name] = make(chan struct{}, 1)
	}
	return s
}

// Enqueue checks the ZPL and stores a queued job for the printer.
func (s *Spooler) Enqueue(ctx context.Context, printer, template string, zpl []byte, orderID, shipmentID string) (Job, error) {
	return s.add(ctx, Job{Printer: printer, Template: template, ZPL: zpl, OrderID: orderID, ShipmentID: shipmentID})
}

func (s *Spooler) add(ctx context.Context, j Job) (Job, error) {
	if _, ok := s.printers[j.Printer]; !ok {
		return Job{}, fmt.Errorf("enqueue print job: printer %q is not configured", j.Printer)
	}
	if err := Lint(j.ZPL); err != nil {
		return Job{}, fmt.Errorf("enqueue print job for %s: %w", j.Printer, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Job{}, fmt.Errorf("enqueue print job: %w", err)
	}
	j.ID = id.String()
	j.State = JobQueued
	j.Labels = bytes.Count(j.ZPL, []byte("^XA"))
	j.LabelsDone = 0
	j.OdometerBefore = -1
	j.Attempts = 0
	j.LastError = ""
	if err := s.store.AddPrintJob(ctx, j); err != nil {
		return Job{}, fmt.Errorf("enqueue print job for %s: %w", j.Printer, err)
	}
	s.poke(j.Printer)
	return j, nil
}

// Reprint queues a new job with the same ZPL, printer and links as job id.
func (s *Spooler) Reprint(ctx context.Context, id string) (Job, error) {
	old, err := s.store.PrintJob(ctx, id)
	if err != nil {
		return Job{}, fmt.Errorf("reprint job %s: %w", id, err)
	}
	return s.add(ctx, Job{Printer: old.Printer, Template: old.Template, ZPL: old.ZPL, OrderID: old.OrderID, ShipmentID: old.ShipmentID, ReprintOf: old.ID})
}

// Void cancels a queued or failed job; a job being sent or already printed
// cannot be voided (ErrJobState).
func (s *Spooler) Void(ctx context.Context, id string) error {
	if err := s.store.VoidPrintJob(ctx, id); err != nil {
		return fmt.Errorf("void job %s: %w", id, err)
	}
	return nil
}

func (s *Spooler) poke(printer string) {
	s.mu.Lock()
	ch := s.wake[printer]
	s.mu.Unlock()
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Run drives every printer's queue until ctx ends.
func (s *Spooler) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for name, tr := range s.printers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runPrinter(ctx, name, tr)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// errSkip means the job changed under the worker (voided): take the next.
var errSkip = errors.New("job changed state")

// errBusy means the printer is still printing earlier labels: poll again
// soon, without backing off and without writing to the store.
var errBusy = errors.New("printer busy")

func (s *Spooler) runPrinter(ctx context.Context, name string, tr Transport) {
	backoff := s.opts.MinBackoff
	s.mu.Lock()
	wake := s.wake[name]
	s.mu.Unlock()
	for ctx.Err() == nil {
		job, ok, err := s.store.NextPrintJob(ctx, name)
		if err != nil {
			s.log.Error("spooler: next job", "printer", name, "err", err)
			sleep(ctx, backoff)
			continue
		}
		if !ok {
			select {
			case <-ctx.Done():
			case <-wake:
			case <-time.After(5 * time.Second):
			}
			continue
		}
		if err := s.process(ctx, tr, job); err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, errSkip) {
				continue
			}
			if errors.Is(err, errBusy) {
				sleep(ctx, min(s.opts.MinBackoff, 100*time.Millisecond))
				continue
			}
			s.log.Warn("spooler: job waits", "printer", name, "job", job.ID, "err", err, "retry_in", backoff)
			sleep(ctx, backoff)
			backoff = min(backoff*2, s.opts.MaxBackoff)
			continue
		}
		backoff = s.opts.MinBackoff
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// process takes one job a step further. A nil error means the job left the
// queue (printed, failed or voided) or can be retried at once; any other
// error means wait (backoff) and look again.
func (s *Spooler) process(ctx context.Context, tr Transport, job Job) error {
	if err := checkJobRow(job); err != nil {
		// Sending it could print garbage or nothing and call it printed; the
		// row stays, failed, for the operator to reprint from its order.
		reason := fmt.Sprintf("stored job is damaged, not sent: %v", err)
		if err := s.store.MarkPrintJobFailed(ctx, job.ID, reason); err != nil && !errors.Is(err, ErrJobState) {
			return err
		}
		s.log.Error("spooler: damaged job failed", "printer", job.Printer, "job", job.ID, "err", err)
		return nil
	}
	if job.State == JobSending {
		return s.settle(ctx, tr, job)
	}
	st, err := tr.Status(ctx)
	if err != nil {
		return s.wait(ctx, job, err)
	}
	if !st.Ready() {
		return s.wait(ctx, job, fmt.Errorf("printer %s: %s", job.Printer, st))
	}
	odo := int64(-1)
	if or, ok := tr.(OdometerReader); ok {
		// With a label counter the spooler can settle a send in doubt; it
		// needs the printer idle so the count before the job is exact.
		if !st.Idle() {
			return errBusy
		}
		odo, err = or.Odometer(ctx)
		if errors.Is(err, ErrNoOdometer) {
			odo = -1
		} else if err != nil {
			return s.wait(ctx, job, err)
		}
	}
	if err := s.store.MarkPrintJobSending(ctx, job.ID, odo); err != nil {
		if errors.Is(err, ErrJobState) {
			return errSkip
		}
		return err
	}
	job.State, job.OdometerBefore = JobSending, odo
	err = tr.Send(ctx, Stamp(job.ZPL, job.ID, job.LabelsDone))
	switch {
	case err == nil:
		if err := s.store.MarkPrintJobPrinted(ctx, job.ID); err != nil {
			return err
		}
		s.log.Info("spooler: printed", "printer", job.Printer, "job", job.ID)
		return nil
	case errors.Is(err, ErrCannotConnect):
		// Nothing reached the printer: back to the queue.
		return s.wait(ctx, job, err)
	default:
		s.log.Warn("spooler: send in doubt", "printer", job.Printer, "job", job.ID, "err", err)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return s.settle(ctx, tr, job)
	}
}

// checkJobRow checks a job as read back from the store: ZPL that Enqueue
// would accept, its label count, and the labels already printed in range.
func checkJobRow(j Job) error {
	if err := Lint(j.ZPL); err != nil {
		return err
	}
	if n := bytes.Count(j.ZPL, []byte("^XA")); n != j.Labels {
		return fmt.Errorf("labels %d, but the ZPL holds %d", j.Labels, n)
	}
	if j.LabelsDone < 0 || j.LabelsDone >= j.Labels {
		return fmt.Errorf("labels done %d of %d", j.LabelsDone, j.Labels)
	}
	return nil
}

// wait records why the job waits and returns cause for the backoff.
func (s *Spooler) wait(ctx context.Context, job Job, cause error) error {
	if err := s.store.MarkPrintJobQueued(ctx, job.ID, cause.Error(), job.LabelsDone, time.Now().Add(s.opts.MinBackoff)); err != nil && !errors.Is(err, ErrJobState) {
		return err
	}
	return cause
}

// settle decides a job found in sending: it may or may not have reached the
// printer. With an odometer it waits until the printer is idle and compares
// the count with the one taken before the send: all labels printed ->
// printed; none -> queued again; some -> queued again for the rest only.
// Without an odometer it cannot know, so the job fails "in doubt" for the
// operator to check and reprint or void: it is never resent blindly.
func (s *Spooler) settle(ctx context.Context, tr Transport, job Job) error {
	or, ok := tr.(OdometerReader)
	if !ok || job.OdometerBefore < 0 {
		reason := "delivery in doubt: check the printer output, then reprint or void this job"
		if err := s.store.MarkPrintJobFailed(ctx, job.ID, reason); err != nil && !errors.Is(err, ErrJobState) {
			return err
		}
		s.log.Warn("spooler: job failed in doubt", "printer", job.Printer, "job", job.ID)
		return nil
	}
	st, err := tr.Status(ctx)
	if err != nil {
		return fmt.Errorf("settle job %s: %w", job.ID, err)
	}
	if !st.Idle() {
		if st.Ready() {
			return errBusy
		}
		return fmt.Errorf("settle job %s: printer still holds work: %s", job.ID, st)
	}
	odo, err := or.Odometer(ctx)
	if err != nil {
		return fmt.Errorf("settle job %s: %w", job.ID, err)
	}
	printed := int(odo - job.OdometerBefore)
	remaining := job.Labels - job.LabelsDone
	switch {
	case printed >= remaining:
		if err := s.store.MarkPrintJobPrinted(ctx, job.ID); err != nil {
			return err
		}
		s.log.Info("spooler: in-doubt job had printed", "printer", job.Printer, "job", job.ID)
		return nil
	case printed < 0:
		// The counter went back (printer replaced or reset): cannot tell.
		return s.store.MarkPrintJobFailed(ctx, job.ID, fmt.Sprintf("delivery in doubt: printer label counter went from %d to %d; check, then reprint or void", job.OdometerBefore, odo))
	default:
		done := job.LabelsDone + printed
		s.log.Info("spooler: in-doubt job resent", "printer", job.Printer, "job", job.ID, "labels_printed", done, "labels", job.Labels)
		return s.store.MarkPrintJobQueued(ctx, job.ID, fmt.Sprintf("resend: %d of %d labels had printed", done, job.Labels), done, time.Now())
	}
}

// Stamp returns zpl with a ^FX comment naming the job and label number right
// after each ^XA, skipping the first skip labels (already printed). The
// comment lets the printer's stored output (vprinter) be matched to jobs.
func Stamp(zpl []byte, jobID string, skip int) []byte {
	out := make([]byte, 0, len(zpl)+64)
	n := 0
	rest := zpl
	for {
		i := bytes.Index(rest, []byte("^XA"))
		if i < 0 {
			break
		}
		j := bytes.Index(rest[i:], []byte("^XZ"))
		if j < 0 {
			break
		}
		label := rest[i : i+j+3]
		if n >= skip {
			out = append(out, "^XA^FXpackline-job="...)
			out = append(out, jobID...)
			out = append(out, ':')
			out = strconv.AppendInt(out, int64(n+1), 10)
			out = append(out, "^FS"...)
			out = append(out, label[3:]...)
			out = append(out, '\n')
		}
		n++
		rest = rest[i+j+3:]
	}
	return out
}
