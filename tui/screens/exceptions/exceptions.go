// Package exceptions lists what went wrong with work in progress: orders
// cancelled or held while their items were picked or packed here, and
// facts central could not apply; each with what to do with the items.
package exceptions

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/tui/common"
	"github.com/packline/packline/tui/floor"
)

// Item is one exception on the list.
type Item struct {
	Order  string
	What   string
	Action string
	excID  int64 // exceptions row, or 0 for a work alert
	ver    int64
}

// loadedMsg carries the list.
type loadedMsg struct {
	items []Item
	err   error
}

// ackedMsg ends an acknowledgement.
type ackedMsg struct{ common.Result }

// KeyMap is the exceptions screen's keys.
type KeyMap struct{ Up, Down, Ack, Refresh key.Binding }

// Model is the exceptions screen.
type Model struct {
	c     *common.Common
	f     *floor.Floor
	op    floor.Operator
	keys  KeyMap
	w, h  int
	items []Item
	sel   int
	fb    common.Feedback
}

// New returns the exceptions screen for a signed-in operator.
func New(c *common.Common, f *floor.Floor, op floor.Operator) *Model {
	return &Model{c: c, f: f, op: op, keys: KeyMap{
		Up:      key.NewBinding(key.WithKeys("up"), key.WithHelp("↑↓", "choose")),
		Down:    key.NewBinding(key.WithKeys("down")),
		Ack:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "done with it")),
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
	}}
}

// Init loads the list.
func (m *Model) Init() tea.Cmd { return m.load() }

// Len is the number of open exceptions.
func (m *Model) Len() int { return len(m.items) }

func (m *Model) load() tea.Cmd {
	db := m.f.DB
	return func() tea.Msg {
		ctx := context.Background()
		var items []Item
		alerts, err := db.WorkAlerts(ctx)
		if err != nil {
			return loadedMsg{err: err}
		}
		for _, a := range alerts {
			items = append(items, alertItem(a))
		}
		excs, err := db.OpenExceptions(ctx)
		if err != nil {
			return loadedMsg{err: err}
		}
		for _, e := range excs {
			action := e.Action
			if action == "" {
				action = "call a lead"
			}
			items = append(items, Item{Order: e.OrderID, What: e.Code + ": " + e.Message, Action: action, excID: e.ID})
		}
		return loadedMsg{items: items}
	}
}

func alertItem(a localdb.WorkAlert) Item {
	where := "the picked items"
	if a.Tote != "" {
		where = "tote " + a.Tote
	}
	it := Item{Order: a.OrderID, ver: a.Version}
	if a.State == oms.StateCancelled {
		it.What = fmt.Sprintf("cancelled with %d picked, %d packed", a.Picked, a.Packed)
		it.Action = "do not ship; return " + where + " to stock"
	} else {
		it.What = fmt.Sprintf("on hold with %d picked, %d packed", a.Picked, a.Packed)
		it.Action = "set " + where + " aside until the hold is released"
	}
	return it
}

// SetSize sets the body size.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Prompt is the entry line's label.
func (m *Model) Prompt() (string, bool) { return "Scan", false }

// IsShortcut reports whether a printable key is a command here.
func (m *Model) IsShortcut(k tea.KeyMsg) bool { return key.Matches(k, m.keys.Ack, m.keys.Refresh) }

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	return []key.Binding{m.keys.Up, m.keys.Ack, m.keys.Refresh}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

// Scan handles a scan: nothing to scan here.
func (m *Model) Scan(common.ScanMsg) tea.Cmd {
	return func() tea.Msg {
		return ackedMsg{common.Result{Feedback: common.Bad("nothing to scan here: F2 pick, F3 pack")}}
	}
}

// Typed handles a typed line: none expected.
func (m *Model) Typed(string) tea.Cmd { return nil }

// Key handles keys the entry line passed on, and shortcuts.
func (m *Model) Key(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Up):
		m.sel = max(m.sel-1, 0)
	case key.Matches(k, m.keys.Down):
		m.sel = min(m.sel+1, max(len(m.items)-1, 0))
	case key.Matches(k, m.keys.Refresh):
		return m.load()
	case key.Matches(k, m.keys.Ack):
		if m.sel >= len(m.items) {
			return nil
		}
		it, db, op := m.items[m.sel], m.f.DB, m.op.ID
		return tea.Sequence(func() tea.Msg {
			ctx := context.Background()
			var err error
			if it.excID != 0 {
				err = db.AcknowledgeException(ctx, it.excID, op)
			} else {
				err = db.AcknowledgeWork(ctx, it.Order, it.ver, op)
			}
			if err != nil {
				return ackedMsg{common.Result{Feedback: common.Bad("%v", err)}}
			}
			return ackedMsg{common.Result{Feedback: common.Good("order %s: done", it.Order)}}
		}, m.load())
	}
	return nil
}

// Update handles the screen's own messages.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.err != nil {
			m.fb = common.Bad("%v", msg.err)
			return nil
		}
		m.items = msg.items
		m.sel = min(m.sel, max(len(m.items)-1, 0))
	case ackedMsg:
		m.fb = msg.Feedback
	case common.TaskMsg:
		return m.load()
	}
	return nil
}

// View draws the screen body.
func (m *Model) View() string {
	s, w := m.c.Styles, m.w
	lines := []string{s.Title.Render(common.Fit(fmt.Sprintf("EXCEPTIONS · %d open", len(m.items)), w))}
	if len(m.items) == 0 {
		lines = append(lines, s.Muted.Render(common.Fit("Nothing needs attention.", w)))
	}
	per := 2
	if m.c.Compact() {
		per = 1
	}
	rows := (m.h - 2) / per
	start := common.Window(len(m.items), m.sel, max(rows, 1))
	for i := start; i < len(m.items) && len(lines) < m.h-1; i++ {
		it := m.items[i]
		mark := "  "
		if i == m.sel {
			mark = "> "
		}
		head := mark + it.Order + " " + it.What
		if per == 1 {
			row := common.Fit(mark+it.Order+": "+it.Action, w)
			if i == m.sel {
				row = s.Selected.Render(row)
			}
			lines = append(lines, row)
			continue
		}
		if i == m.sel {
			lines = append(lines, s.Selected.Render(common.Fit(head, w)))
		} else {
			lines = append(lines, common.Fit(head, w))
		}
		lines = append(lines, s.Warn.Render(common.Fit("    → "+it.Action, w)))
	}
	return common.WithFooter(lines, m.fb.Render(s, w), w, m.h)
}
