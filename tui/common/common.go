// Package common holds what every part of the station TUI shares: the
// styles built for one terminal's renderer, the size, the clock and the
// small messages that cross screens.
package common

import (
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/scanner"
)

// Common is passed by pointer to every model of one terminal session.
type Common struct {
	Renderer *lipgloss.Renderer
	Styles   *Styles
	Width    int
	Height   int
	// Now is the clock; tests fix it so golden files do not move.
	Now func() time.Time
}

// New makes the shared value for a terminal drawn by r.
func New(r *lipgloss.Renderer, now func() time.Time) *Common {
	if now == nil {
		now = time.Now
	}
	return &Common{Renderer: r, Styles: NewStyles(r), Width: 80, Height: 24, Now: now}
}

// Compact reports whether the screen is a handheld's (fewer than 60
// columns or 12 rows).
func (c *Common) Compact() bool { return c.Width < 60 || c.Height < 12 }

// ScanMsg is one decoded scan, from scannerd or a keyboard wedge.
type ScanMsg struct {
	Scan   scanner.Scan
	Source string // "scannerd" or "keyboard"
}

// TypedMsg is a line the operator typed and ended with Enter.
type TypedMsg struct{ Text string }

// TaskMsg is a task from central that changed the station's view of an
// order (a cancellation, a hold, an exception).
type TaskMsg struct{ Event oms.Event }

// BroadcastMsg is a shift lead's message to every station of the site.
type BroadcastMsg struct {
	From string
	Text string
}

// ApprovalMsg is a shift lead approving, from the floor dashboard, that an
// order being packed may close short.
type ApprovalMsg struct {
	OrderID string
	Lead    string
	Reason  string
}

// BellMsg asks the root model to ring the terminal bell.
type BellMsg struct{}

// Feedback is the line that answers the last scan or command.
type Feedback struct {
	Text string
	Bad  bool
}

// Render draws the feedback line, green (with a tick) when good, red
// and reversed (with a cross) when refused; both read in monochrome.
func (f Feedback) Render(s *Styles, w int) string {
	if f.Text == "" {
		return ""
	}
	if f.Bad {
		return s.Error.Render(Fit("✗ "+f.Text, w))
	}
	return s.OK.Render(Fit("✓ "+f.Text, w))
}

// Result is embedded in the message that ends a scan's handling: it
// carries the feedback, and a refusal rings the bell.
type Result struct {
	Feedback Feedback
}

// Rings reports whether the terminal bell should ring.
func (r Result) Rings() bool { return r.Feedback.Bad }

// Good is an accepted-scan feedback.
func Good(format string, args ...any) Feedback { return Feedback{Text: sprintf(format, args...)} }

// Bad is a refused-scan feedback.
func Bad(format string, args ...any) Feedback {
	return Feedback{Text: sprintf(format, args...), Bad: true}
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// Later hands cmd to the program to run on its own: a scan's handling
// returns at once instead of waiting for cmd (a timer, a poll).
func Later(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg { return tea.BatchMsg{cmd} }
}
