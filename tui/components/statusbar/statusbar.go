// Package statusbar draws the line at the top of every station screen:
// operator, station, sync, printer, scanner and open exceptions.
package statusbar

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/packline/packline/tui/common"
	"github.com/packline/packline/tui/floor"
)

// Model is the status bar's state.
type Model struct {
	c        *common.Common
	Operator string
	Station  string
	Status   floor.Status
	// Scanner is the scanner connection: "connected", "disconnected" or
	// "keyboard" (no scannerd configured).
	Scanner string
}

// New returns a status bar.
func New(c *common.Common, station string) *Model {
	return &Model{c: c, Station: station, Scanner: "keyboard"}
}

type part struct {
	text     string
	bad      bool
	priority int // lower is dropped first when the line is too narrow
}

// View draws the bar at the common width. Parts that do not fit are
// dropped whole, least important first, so no word is ever cut.
func (m *Model) View() string {
	w := m.c.Width
	now := m.c.Now()
	op := m.Operator
	if op == "" {
		op = "signed out"
	}
	syncText, syncBad := m.Status.Sync.Describe(now)
	prnText, prnBad := m.Status.Printer.Describe()
	scn := "SCN " + m.Scanner
	scnBad := m.Scanner == "disconnected"
	if m.c.Compact() {
		// Handheld: the short forms.
		if !syncBad {
			syncText = "SYNC ok"
		}
		if !prnBad && m.Status.Printer.Configured {
			prnText = "PRN ok"
			if m.Status.Printer.Queued > 0 {
				prnText += " " + itoaQ(m.Status.Printer.Queued)
			}
		}
		scn = map[string]string{"connected": "SCN ok", "disconnected": "SCN down", "keyboard": "KBD"}[m.Scanner]
	}
	parts := []part{
		{op, false, 5},
		{m.Station, false, 1},
		{syncText, syncBad, 4},
		{prnText, prnBad, 3},
		{scn, scnBad, 2},
	}
	if n := m.Status.Exceptions; n > 0 {
		parts = append(parts, part{"EXC " + itoaQ(n), true, 4})
	}
	for width(parts) > w {
		low := -1
		for i, p := range parts {
			if p.priority < 100 && (low < 0 || p.priority < parts[low].priority) {
				low = i
			}
		}
		if low < 0 || len(parts) == 1 {
			break
		}
		parts = append(parts[:low], parts[low+1:]...)
	}
	s := m.c.Styles
	var b strings.Builder
	used := 0
	for i, p := range parts {
		text := p.text
		if i > 0 {
			b.WriteString(s.Status.Render(" "))
			used++
		}
		text = common.Fit(text, w-used)
		used += ansi.StringWidth(text)
		if p.bad {
			b.WriteString(s.StatusBad.Render(text))
		} else {
			b.WriteString(s.Status.Render(text))
		}
	}
	if used < w {
		b.WriteString(s.Status.Render(strings.Repeat(" ", w-used)))
	}
	return b.String()
}

func width(parts []part) int {
	n := 0
	for i, p := range parts {
		if i > 0 {
			n++
		}
		n += ansi.StringWidth(p.text)
	}
	return n
}

func itoaQ(n int) string {
	if n > 999 {
		return "999+"
	}
	return strconv.Itoa(n)
}
