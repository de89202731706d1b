package printers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Direct printing (CheckReady, then DirectPrinter.Send) prints one label
// while someone waits, outside the spooler: the carrier manifest at a
// station's close-out. It checks the printer is ready before the caller
// commits to anything, and confirms afterwards that the label printed.

// DirectTimeouts suit that: the ready check runs while the operator waits,
// so it is short: 2 s to connect and 2 s for the ~HS (or odometer) answer.
// A Zebra answers in well under a second; one that has not by then counts
// as not answering. Writing the label and waiting for the printer to take
// it keep the package defaults (Write 30 s, Close 10 s).
var DirectTimeouts = Timeouts{Dial: 2 * time.Second, Answer: 2 * time.Second}

const (
	// directPrintWait bounds the wait for the printer to finish after the
	// label was sent: one label is about a second on a Zebra, plus
	// whatever the printer was given before it.
	directPrintWait = 30 * time.Second
	// directPrintPoll is how often the printer is asked during that wait.
	directPrintPoll = 250 * time.Millisecond
	// directCountTries is how often the label count is read after the
	// printer went idle before the label counts as not printed.
	directCountTries = 4
)

// ErrNotReady means the printer, asked before printing, cannot print now: a fault (paper out, head open, paused, ...),
// no answer, or no connection.
var ErrNotReady = errors.New("printer not ready")

// ErrNotPrinted means the label was sent but the printer did not confirm
// it printed: it holds it behind a fault, or its label count did not move.
var ErrNotPrinted = errors.New("label not confirmed printed")

// DirectPrinter is a printer that reported itself ready when checked, with
// its label odometer at that moment for confirming the label printed.
type DirectPrinter struct {
	tr Transport
	// labels is the odometer at the check, or -1 when the label cannot be
	// confirmed that way; unconfirmed then says why.
	labels      int64
	unconfirmed string
}

// CheckReady asks the printer for its status (~HS) and refuses one that
// cannot print now: a Zebra that is out of paper, has its head open or is
// paused still takes a job over TCP and prints nothing, so a send alone
// proves nothing. With the printer idle it also reads the label odometer,
// as the spooler does before a job, so that Send can confirm the label
// printed. The error names the printer and the fault.
func CheckReady(ctx context.Context, tr Transport) (*DirectPrinter, error) {
	st, err := tr.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("printer %s: %w: %w", tr, ErrNotReady, err)
	}
	if !st.Ready() {
		return nil, fmt.Errorf("printer %s: %w: %s", tr, ErrNotReady, strings.Join(st.Faults(), ", "))
	}
	p := &DirectPrinter{tr: tr, labels: -1}
	or, ok := tr.(OdometerReader)
	switch {
	case !ok:
		p.unconfirmed = "it cannot report its label count"
	case !st.Idle():
		// Labels printing now would be counted as ours.
		p.unconfirmed = fmt.Sprintf("it was still printing earlier work (%s)", st)
	default:
		n, err := or.Odometer(ctx)
		if err != nil {
			p.unconfirmed = fmt.Sprintf("its label count could not be read (%v)", err)
			break
		}
		p.labels = n
	}
	return p, nil
}

// Send sends zpl, waits (up to directPrintWait) until the printer holds no more
// work and, with the odometer read at the check, confirms the printer
// counted every label of zpl. A printer that reports a fault while it holds
// work has not printed the label (it may once the fault is cleared); that,
// a count that did not move, or a printer that stops answering is
// ErrNotPrinted. Without an odometer it says on stderr that the label
// could not be confirmed. The confirmation assumes nothing else prints on
// the printer meanwhile, as the spooler's does (docs/md).
func (p *DirectPrinter) Send(ctx context.Context, zpl []byte, stderr io.Writer) error {
	if err := p.tr.Send(ctx, zpl); err != nil {
		return err
	}
	if err := p.waitIdle(ctx); err != nil {
		return err
	}
	or, ok := p.tr.(OdometerReader)
	if !ok || p.labels < 0 {
		fmt.Fprintf(stderr, "printer %s took the label but cannot confirm it printed: %s; check the printer\n", p.tr, p.unconfirmed)
		return nil
	}
	// A printer may report itself idle a moment before its label count
	// moves: read it a few times before calling the label not printed.
	want := int64(bytes.Count(zpl, []byte("^XA")))
	var after int64
	for try := 0; ; try++ {
		n, err := or.Odometer(ctx)
		if err != nil {
			return fmt.Errorf("%w: printer %s: label count after the send: %w", ErrNotPrinted, p.tr, err)
		}
		if after = n; after-p.labels >= want || try == directCountTries-1 {
			break
		}
		if sleep(ctx, directPrintPoll); ctx.Err() != nil {
			return fmt.Errorf("%w: printer %s: %w", ErrNotPrinted, p.tr, ctx.Err())
		}
	}
	if after-p.labels < want {
		return fmt.Errorf("%w: printer %s label count went from %d to %d, want %d more", ErrNotPrinted, p.tr, p.labels, after, want)
	}
	return nil
}

// waitIdle polls the printer's status until it holds no unprinted work.
func (p *DirectPrinter) waitIdle(ctx context.Context) error {
	deadline := time.Now().Add(directPrintWait)
	for {
		st, err := p.tr.Status(ctx)
		switch {
		case err != nil:
			return fmt.Errorf("%w: printer %s after the send: %w", ErrNotPrinted, p.tr, err)
		case st.Idle():
			return nil
		case !st.Ready():
			return fmt.Errorf("%w: printer %s reports %s: the label may print once that is fixed", ErrNotPrinted, p.tr, st)
		case time.Now().After(deadline):
			return fmt.Errorf("%w: printer %s still printing after %s: %s", ErrNotPrinted, p.tr, directPrintWait, st)
		}
		t := time.NewTimer(directPrintPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: printer %s: %w", ErrNotPrinted, p.tr, ctx.Err())
		case <-t.C:
		}
	}
}
