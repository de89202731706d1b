// Package wedge tells keyboard-wedge scans from typing. A wedge scanner
// types a whole barcode in a burst far faster than a person, then Enter;
// the entry line collects every key with its arrival time and, on Enter,
// calls the line a scan when it came as such a burst and typing otherwise.
package wedge

import (
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
)

// DefaultGap is the longest pause between two keys of one wedge burst.
// Scanners type a key every 1-10 ms; people rarely manage one in 40 ms.
const DefaultGap = 35 * time.Millisecond

// MinScanLen is the shortest line taken as a scan.
const MinScanLen = 3

// Kind says what a key turned out to be.
type Kind int

// The results of a key.
const (
	None     Kind = iota // absorbed into the entry line
	Scan                 // Text is a raw scan
	Typed                // Text is a typed line
	Shortcut             // Key is a single-key command
	Pass                 // Key is not for the entry line
)

// Result is what Key or Tick decided.
type Result struct {
	Kind Kind
	Text string
	Key  tea.KeyMsg
}

// tickMsg ends the wait that tells a lone keypress from a burst's start.
type tickMsg struct{ gen int }

// Model is the entry line.
type Model struct {
	Gap     time.Duration
	Now     func() time.Time
	buf     []rune
	times   []time.Time
	gen     int
	pending *tea.KeyMsg // a lone key that may be a shortcut
}

// New returns an entry line with the default gap and clock.
func New() *Model { return &Model{Gap: DefaultGap, Now: time.Now} }

// Text is what the entry line holds.
func (m *Model) Text() string {
	if m.pending != nil {
		return ""
	}
	return string(m.buf)
}

// Reset empties the entry line.
func (m *Model) Reset() {
	m.buf, m.times, m.pending = nil, nil, nil
	m.gen++
}

// Key handles a key. isShortcut says whether a printable key would be a
// command on the current screen; such a key is held for one gap: if more
// keys follow at burst speed it is the start of a scan, otherwise it is
// the command.
func (m *Model) Key(k tea.KeyMsg, isShortcut func(tea.KeyMsg) bool) (Result, tea.Cmd) {
	now := m.Now()
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		if k.Alt {
			return Result{Kind: Pass, Key: k}, nil
		}
		runes := k.Runes
		if k.Type == tea.KeySpace {
			runes = []rune{' '}
		}
		if k.Paste {
			m.flushPending()
			m.add(runes, now)
			return Result{}, nil
		}
		if len(m.buf) == 0 && m.pending == nil && len(runes) == 1 && isShortcut != nil && isShortcut(k) {
			kk := k
			m.pending = &kk
			m.add(runes, now)
			m.gen++
			gen := m.gen
			return Result{}, tea.Tick(m.Gap, func(time.Time) tea.Msg { return tickMsg{gen} })
		}
		m.pending = nil
		m.add(runes, now)
		return Result{}, nil
	case tea.KeyCtrlCloseBracket: // how keyboard-mode scanners type GS (FNC1)
		m.pending = nil
		m.add([]rune{0x1d}, now)
		return Result{}, nil
	case tea.KeyEnter:
		if len(m.buf) == 0 {
			return Result{Kind: Pass, Key: k}, nil
		}
		text := string(m.buf)
		burst := m.burst(now)
		m.Reset()
		if burst {
			return Result{Kind: Scan, Text: text}, nil
		}
		return Result{Kind: Typed, Text: text}, nil
	case tea.KeyBackspace:
		if len(m.buf) == 0 {
			return Result{Kind: Pass, Key: k}, nil
		}
		m.pending = nil
		m.buf, m.times = m.buf[:len(m.buf)-1], m.times[:len(m.times)-1]
		return Result{}, nil
	case tea.KeyEsc:
		if len(m.buf) == 0 {
			return Result{Kind: Pass, Key: k}, nil
		}
		m.Reset()
		return Result{}, nil
	}
	return Result{Kind: Pass, Key: k}, nil
}

// Update handles the entry line's own messages; ok is false for others.
func (m *Model) Update(msg tea.Msg) (Result, bool) {
	t, ok := msg.(tickMsg)
	if !ok {
		return Result{}, false
	}
	if t.gen != m.gen || m.pending == nil {
		return Result{}, true
	}
	k := *m.pending
	m.Reset()
	return Result{Kind: Shortcut, Key: k}, true
}

func (m *Model) flushPending() { m.pending = nil }

// TakePending returns a key still waiting to be told from a burst's start
// as a shortcut now (a scan from scannerd arrived, so no burst follows).
func (m *Model) TakePending() (Result, bool) {
	if m.pending == nil {
		return Result{}, false
	}
	k := *m.pending
	m.Reset()
	return Result{Kind: Shortcut, Key: k}, true
}

func (m *Model) add(runes []rune, now time.Time) {
	const maxLine = 4096 // a 2D code's worth; more is a stuck key
	for _, r := range runes {
		if len(m.buf) >= maxLine {
			return
		}
		if r == utf8.RuneError {
			continue
		}
		m.buf = append(m.buf, r)
		m.times = append(m.times, now)
	}
}

// burst reports whether the line came as one wedge burst: long enough,
// no gap between keys longer than Gap, and Enter right after the last key.
func (m *Model) burst(enter time.Time) bool {
	if len(m.buf) < MinScanLen {
		return false
	}
	for i := 1; i < len(m.times); i++ {
		if m.times[i].Sub(m.times[i-1]) > m.Gap {
			return false
		}
	}
	return enter.Sub(m.times[len(m.times)-1]) <= m.Gap
}
