package wedge

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func typeLine(m *Model, c *clock, text string, gap time.Duration, isShortcut func(tea.KeyMsg) bool) (Result, tea.Cmd) {
	var cmd tea.Cmd
	for _, r := range text {
		_, cmd = m.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}, isShortcut)
		c.t = c.t.Add(gap)
	}
	r, _ := m.Key(tea.KeyMsg{Type: tea.KeyEnter}, isShortcut)
	if cmd != nil {
		return r, cmd
	}
	return r, nil
}

func TestBurstIsAScanAndTypingIsTyping(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	m := New()
	m.Now = c.now
	if r, _ := typeLine(m, c, "]E04006381333931", 4*time.Millisecond, nil); r.Kind != Scan || r.Text != "]E04006381333931" {
		t.Fatalf("wedge burst: %+v", r)
	}
	if r, _ := typeLine(m, c, "1234", 180*time.Millisecond, nil); r.Kind != Typed || r.Text != "1234" {
		t.Fatalf("slow typing: %+v", r)
	}
	if r, _ := typeLine(m, c, "12", time.Millisecond, nil); r.Kind != Typed {
		t.Fatalf("two fast keys: %+v", r)
	}
	// A burst with one hesitation in the middle is typing.
	for _, r := range "ABC" {
		m.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}, nil)
		c.t = c.t.Add(2 * time.Millisecond)
	}
	c.t = c.t.Add(300 * time.Millisecond)
	if r, _ := typeLine(m, c, "DEF", 2*time.Millisecond, nil); r.Kind != Typed || r.Text != "ABCDEF" {
		t.Fatalf("hesitant line: %+v", r)
	}
}

func TestShortcutWaitsOneGap(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	m := New()
	m.Now = c.now
	isS := func(k tea.KeyMsg) bool { return k.String() == "s" }
	_, cmd := m.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'s'}}, isS)
	if cmd == nil || m.Text() != "" {
		t.Fatalf("a lone shortcut key should wait (cmd %v, text %q)", cmd, m.Text())
	}
	r, ok := m.Update(cmd())
	if !ok || r.Kind != Shortcut || r.Key.String() != "s" {
		t.Fatalf("after the gap: %+v %v", r, ok)
	}
	// The same key starting a burst is part of the scan.
	_, cmd = m.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'s'}}, isS)
	for _, r := range "ku-1" {
		c.t = c.t.Add(time.Millisecond)
		m.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}, isS)
	}
	if r, _ := m.Update(cmd()); r.Kind == Shortcut {
		t.Fatal("a burst's first key fired as a shortcut")
	}
	if r, _ := m.Key(tea.KeyMsg{Type: tea.KeyEnter}, isS); r.Kind != Scan || r.Text != "sku-1" {
		t.Fatalf("burst: %+v", r)
	}
	// A scan from scannerd takes a pending key as the shortcut it was.
	m.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'s'}}, isS)
	if r, ok := m.TakePending(); !ok || r.Kind != Shortcut {
		t.Fatalf("take pending: %+v %v", r, ok)
	}
}

func TestEditingKeys(t *testing.T) {
	m := New()
	m.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("12")}, nil)
	m.Key(tea.KeyMsg{Type: tea.KeyBackspace}, nil)
	if m.Text() != "1" {
		t.Fatalf("backspace: %q", m.Text())
	}
	m.Key(tea.KeyMsg{Type: tea.KeyCtrlCloseBracket}, nil)
	if m.Text() != "1\x1d" {
		t.Fatalf("GS: %q", m.Text())
	}
	m.Key(tea.KeyMsg{Type: tea.KeyEsc}, nil)
	if m.Text() != "" {
		t.Fatalf("esc: %q", m.Text())
	}
	if r, _ := m.Key(tea.KeyMsg{Type: tea.KeyEnter}, nil); r.Kind != Pass {
		t.Fatalf("enter on an empty line: %+v", r)
	}
}
