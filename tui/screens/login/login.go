// Package login is the sign-in screen: scan a badge, or type an operator
// id and PIN.
package login

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/packline/packline/scanner"
	"github.com/packline/packline/tui/common"
	"github.com/packline/packline/tui/floor"
)

// SignedInMsg says an operator signed in; the root model opens the work screens.
type SignedInMsg struct {
	common.Result
	Operator floor.Operator
}

// failedMsg says a sign-in was refused.
type failedMsg struct{ common.Result }

// Model is the sign-in screen.
type Model struct {
	c      *common.Common
	f      *floor.Floor
	w, h   int
	id     string // typed operator id, waiting for the PIN
	fb     common.Feedback
	Hint   []string // demo badges and ids, shown under the prompt
	cancel key.Binding
}

// New returns the sign-in screen.
func New(c *common.Common, f *floor.Floor) *Model {
	return &Model{c: c, f: f, cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear"))}
}

// Init implements the screen contract.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize sets the body size.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Prompt is the entry line's label; the PIN is masked.
func (m *Model) Prompt() (string, bool) {
	if m.id != "" {
		return "PIN", true
	}
	return "Badge or operator id", false
}

// IsShortcut reports whether a printable key is a command here: none are.
func (m *Model) IsShortcut(tea.KeyMsg) bool { return false }

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding { return []key.Binding{m.cancel} }

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

// Scan handles a badge scan.
func (m *Model) Scan(msg common.ScanMsg) tea.Cmd {
	s := msg.Scan
	badge := floor.Code(s)
	if s.Kind != scanner.KindBadge {
		// A badge whose label the site patterns do not know: try it as is.
		badge = strings.TrimSpace(s.Data)
	}
	f := m.f
	return func() tea.Msg {
		op, err := f.SignInBadge(badge)
		if err != nil {
			return failedMsg{common.Result{Feedback: common.Bad("not a badge of this site")}}
		}
		if err := f.RecordSignIn(context.Background(), op, "badge"); err != nil {
			return failedMsg{common.Result{Feedback: common.Bad("sign-in not recorded: %v", err)}}
		}
		return SignedInMsg{Operator: op, Result: common.Result{Feedback: common.Good("signed in: %s", op.Name)}}
	}
}

// Typed handles the operator id, then the PIN.
func (m *Model) Typed(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	if m.id == "" {
		if text == "" {
			return nil
		}
		m.id, m.fb = text, common.Feedback{}
		return nil
	}
	id, pin, f := m.id, text, m.f
	m.id = ""
	return func() tea.Msg {
		op, err := f.SignInPIN(id, pin)
		if err != nil {
			return failedMsg{common.Result{Feedback: common.Bad("wrong operator id or PIN")}}
		}
		if err := f.RecordSignIn(context.Background(), op, "pin"); err != nil {
			return failedMsg{common.Result{Feedback: common.Bad("sign-in not recorded: %v", err)}}
		}
		return SignedInMsg{Operator: op, Result: common.Result{Feedback: common.Good("signed in: %s", op.Name)}}
	}
}

// Key handles keys the entry line passed on.
func (m *Model) Key(k tea.KeyMsg) tea.Cmd {
	if key.Matches(k, m.cancel) {
		m.id, m.fb = "", common.Feedback{}
	}
	return nil
}

// Update handles the screen's own messages.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(failedMsg); ok {
		m.fb = msg.Feedback
	}
	return nil
}

// View draws the screen body.
func (m *Model) View() string {
	s := m.c.Styles
	lines := []string{s.Title.Render(common.Fit("SIGN IN", m.w))}
	if m.id != "" {
		lines = append(lines, common.Fit("Operator "+m.id+": type your PIN", m.w))
	} else {
		lines = append(lines, common.Fit("Scan your badge, or type your operator id and PIN.", m.w))
	}
	if m.fb.Text != "" {
		lines = append(lines, m.fb.Render(s, m.w))
	}
	for _, h := range m.Hint {
		lines = append(lines, s.Muted.Render(common.Fit(h, m.w)))
	}
	return common.Lines(lines, m.w, m.h)
}
