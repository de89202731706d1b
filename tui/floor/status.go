package floor

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/printers"
)

// PrinterState is what the status bar says about the label printer.
type PrinterState struct {
	Configured bool
	Answering  bool
	Faults     []string // paper out, head open, ...
	Queued     int      // jobs waiting or being sent
	Failed     int
	CheckedAt  time.Time
}

// Ready reports whether labels print now.
func (p PrinterState) Ready() bool { return p.Configured && p.Answering && len(p.Faults) == 0 }

// SyncState is what the status bar says about sync with central.
type SyncState struct {
	Configured bool
	Online     bool
	Waiting    int
	Oldest     time.Time
}

// Status is one snapshot for the status bar.
type Status struct {
	Sync       SyncState
	Printer    PrinterState
	Exceptions int
}

// Status gathers the station's status. It reads SQLite and cached device
// state only; the printer is polled by Monitor.
func (f *Floor) Status(ctx context.Context) Status {
	var st Status
	if f.Sync != nil {
		if s, err := f.Sync.State(ctx); err == nil {
			st.Sync = SyncState{Configured: true, Online: s.Online, Waiting: s.Waiting, Oldest: s.OldestWaiting}
		}
	} else if o, err := f.DB.OutboxStats(ctx); err == nil {
		st.Sync = SyncState{Waiting: o.Waiting, Oldest: o.Oldest}
	}
	f.mu.Lock()
	st.Printer = f.printer
	f.mu.Unlock()
	st.Printer.Configured = f.Spooler != nil
	if f.Spooler != nil {
		if jobs, err := f.DB.PrintJobs(ctx, f.Printer, 50); err == nil {
			for _, j := range jobs {
				switch j.State {
				case printers.JobQueued, printers.JobSending:
					st.Printer.Queued++
				case printers.JobFailed:
					st.Printer.Failed++
				}
			}
		}
	}
	if ex, err := f.DB.OpenExceptions(ctx); err == nil {
		st.Exceptions += len(ex)
	}
	if wa, err := f.DB.WorkAlerts(ctx); err == nil {
		st.Exceptions += len(wa)
	}
	return st
}

// Monitor polls the printer every interval and reports printed labels
// (label.printed) once the spooler has sent them, until ctx ends.
func (f *Floor) Monitor(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		f.CheckPrinter(ctx)
		f.reportLabels(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CheckPrinter asks the printer for its state now.
func (f *Floor) CheckPrinter(ctx context.Context) {
	if f.PrinterStatus == nil {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := f.PrinterStatus(cctx)
	ps := PrinterState{Answering: err == nil, CheckedAt: time.Now()}
	if err == nil {
		ps.Faults = s.Faults()
	}
	f.mu.Lock()
	f.printer = ps
	f.mu.Unlock()
}

// reportLabels records label.printed for every queued label the printer
// has taken; the list is on disk, so a restart in between loses nothing.
func (f *Floor) reportLabels(ctx context.Context) {
	pending, err := f.DB.PendingLabels(ctx)
	if err != nil {
		if f.Log != nil {
			f.Log.Error("pending labels", "err", err)
		}
		return
	}
	for _, p := range pending {
		j, err := f.DB.PrintJob(ctx, p.Label.Job)
		if err != nil || j.State == printers.JobQueued || j.State == printers.JobSending {
			continue
		}
		if j.State != printers.JobPrinted {
			f.DB.DropLabel(ctx, p.Label.Job) // voided or failed: nothing printed to report
			continue
		}
		if err := f.DB.RecordLabel(ctx, p.Ref, p.Label); err != nil && f.Log != nil {
			f.Log.Error("record label printed", "job", p.Label.Job, "err", err)
		}
	}
}

// Describe says in floor words what a sync state means.
func (s SyncState) Describe(now time.Time) (text string, bad bool) {
	switch {
	case s.Configured && s.Online && s.Waiting == 0:
		return "SYNC online", false
	case s.Configured && s.Online:
		return "SYNC online " + strconv.Itoa(s.Waiting) + " sending", false
	}
	text = "OFFLINE"
	if s.Waiting > 0 {
		text += " " + strconv.Itoa(s.Waiting) + " waiting"
		if !s.Oldest.IsZero() {
			text += " " + Age(now.Sub(s.Oldest))
		}
	}
	return text, true
}

// Describe says in floor words what a printer state means.
func (p PrinterState) Describe() (text string, bad bool) {
	switch {
	case !p.Configured:
		return "PRN none", false
	case p.CheckedAt.IsZero():
		text = "PRN ?"
	case !p.Answering:
		text, bad = "PRN not answering", true
	case len(p.Faults) > 0:
		text, bad = "PRN "+strings.Join(p.Faults, ", "), true
	default:
		text = "PRN ready"
	}
	if p.Queued > 0 {
		text += " " + strconv.Itoa(p.Queued) + " queued"
	}
	if p.Failed > 0 {
		text += " " + strconv.Itoa(p.Failed) + " failed"
		bad = true
	}
	return text, bad
}

// Age is a short duration for the floor: 45s, 12m, 3h, 2d.
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(max(d, 0)/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// IsWorkState reports whether an order may be worked on (not cancelled or held).
func IsWorkState(s oms.State) bool { return s != oms.StateCancelled && s != oms.StateOnHold }
