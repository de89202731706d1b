// Package lead is the shift lead's floor dashboard: every station of the
// site from its heartbeats (online or offline and since when, operator,
// screen, queue, sync backlog, printer and scanner, time since its last
// scan), packers' throughput per hour, and the exception queue, with the
// lead's actions: release a hold, move an order to another station,
// broadcast a message. Each action carries the lead's name into central's
// audit trail.
package lead

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// Options build a dashboard.
type Options struct {
	Site     string
	Lead     string // the lead's name, written into every action's audit
	Renderer *lipgloss.Renderer
	Presence *Presence
	Central  *Central
	// Publish sends a broadcast (core NATS); nil disables broadcasts.
	Publish func(subject string, data []byte) error
	// Sessions lists the live SSH sessions a lead can watch.
	Sessions func() []string
	// Audit records a done action as a floor fact (who, when, what);
	// nil records nothing beyond what central keeps itself.
	Audit func(ctx context.Context, action, target, detail string) error
	// Now is the clock (tests set it).
	Now func() time.Time
}

type styles struct {
	title, header, muted, bad, ok, status lipgloss.Style
}

func newStyles(r *lipgloss.Renderer) styles {
	red := lipgloss.AdaptiveColor{Light: "#B00000", Dark: "#FF5F5F"}
	green := lipgloss.AdaptiveColor{Light: "#0A7A0A", Dark: "#5FD75F"}
	return styles{
		title: r.NewStyle().Bold(true), header: r.NewStyle().Underline(true),
		muted: r.NewStyle().Faint(true), bad: r.NewStyle().Bold(true).Foreground(red),
		ok: r.NewStyle().Foreground(green), status: r.NewStyle().Reverse(true),
	}
}

type keyMap struct {
	Release, Move, Approve, Broadcast, Watch, Quit, Cancel, Enter key.Binding
}

func newKeys() keyMap {
	return keyMap{
		Release:   key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "release hold")),
		Move:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "move order")),
		Approve:   key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "approve partial pack")),
		Broadcast: key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "broadcast")),
		Watch:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "sessions")),
		Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Cancel:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Enter:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "do it")),
	}
}

type action int

const (
	actNone action = iota
	actRelease
	actMove
	actApprove
	actBroadcast
)

// Model is the dashboard.
type Model struct {
	o      Options
	st     styles
	keys   keyMap
	w, h   int
	now    time.Time
	input  textinput.Model
	acting action

	stations   []StationView
	exceptions []Exception
	throughput []Throughput
	centralErr string
	flash      string
	showWatch  bool
}

// New builds a dashboard.
func New(o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	in := textinput.New()
	in.CharLimit = 200
	return &Model{o: o, st: newStyles(o.Renderer), keys: newKeys(), w: 80, h: 24, now: o.Now(), input: in}
}

type tickMsg time.Time

type centralMsg struct {
	exceptions []Exception
	throughput []Throughput
	err        error
}

type doneMsg struct {
	text string
	err  error
}

func tick() tea.Cmd { return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) }) }

// Init starts the refresh.
func (m *Model) Init() tea.Cmd { return tea.Batch(tick(), m.fetch()) }

func (m *Model) fetch() tea.Cmd {
	if m.o.Central == nil {
		return nil
	}
	c, site := m.o.Central, m.o.Site
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ex, err := c.Exceptions(ctx, site)
		if err != nil {
			return centralMsg{err: err}
		}
		tp, err := c.Throughput(ctx, site)
		return centralMsg{exceptions: ex, throughput: tp, err: err}
	}
}

// Update handles keys, ticks and answers.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tickMsg:
		m.now = m.o.Now()
		if m.o.Presence != nil {
			m.stations = m.o.Presence.Stations()
		}
		cmds := []tea.Cmd{tick()}
		if m.now.Second()%5 == 0 {
			cmds = append(cmds, m.fetch())
		}
		return m, tea.Batch(cmds...)
	case centralMsg:
		m.centralErr = ""
		if msg.err != nil {
			m.centralErr = msg.err.Error()
		} else {
			m.exceptions, m.throughput = msg.exceptions, msg.throughput
		}
	case doneMsg:
		if msg.err != nil {
			m.flash = "FAILED: " + msg.err.Error()
		} else {
			m.flash = msg.text
		}
		return m, m.fetch()
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	if m.acting != actNone {
		switch {
		case key.Matches(k, m.keys.Cancel):
			m.acting = actNone
			m.input.Blur()
			return nil
		case key.Matches(k, m.keys.Enter):
			a, text := m.acting, strings.TrimSpace(m.input.Value())
			m.acting = actNone
			m.input.Blur()
			return m.do(a, text)
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(k)
		return cmd
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	case key.Matches(k, m.keys.Release):
		return m.ask(actRelease, "order to release: ")
	case key.Matches(k, m.keys.Move):
		return m.ask(actMove, "order and station (PL00000012 PACK-02): ")
	case key.Matches(k, m.keys.Approve):
		return m.ask(actApprove, "order to close short (and why): ")
	case key.Matches(k, m.keys.Broadcast):
		return m.ask(actBroadcast, "message to every station: ")
	case key.Matches(k, m.keys.Watch):
		m.showWatch = !m.showWatch
	}
	return nil
}

func (m *Model) ask(a action, prompt string) tea.Cmd {
	m.acting = a
	m.flash = ""
	m.input.Prompt = prompt
	m.input.SetValue("")
	return m.input.Focus()
}

// do runs an action in the background; central audits hold and move
// with the lead's name, and Audit records every action as a floor fact.
func (m *Model) do(a action, text string) tea.Cmd {
	if text == "" {
		return nil
	}
	o := m.o
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var name, target, detail, done string
		var err error
		switch a {
		case actRelease:
			name, target, done = "release_hold", text, "hold released on "+text
			if o.Central == nil {
				return doneMsg{err: fmt.Errorf("no omsd configured")}
			}
			err = o.Central.ReleaseHold(ctx, text, o.Lead)
		case actMove:
			f := strings.Fields(text)
			if len(f) != 2 {
				return doneMsg{err: fmt.Errorf("want an order and a station, got %q", text)}
			}
			if o.Central == nil {
				return doneMsg{err: fmt.Errorf("no omsd configured")}
			}
			name, target, detail, done = "reassign", f[0], "to "+f[1], f[0]+" moved to "+f[1]
			err = o.Central.Reassign(ctx, f[0], o.Site, f[1], o.Lead)
		case actApprove:
			if o.Publish == nil {
				return doneMsg{err: fmt.Errorf("approvals need NATS")}
			}
			order, reason, _ := strings.Cut(text, " ")
			name, target, detail, done = "approve_partial_pack", order, reason, "partial pack of "+order+" approved"
			data, _ := json.Marshal(Approval{Site: o.Site, OrderID: order, Lead: o.Lead, Reason: strings.TrimSpace(reason), At: time.Now().UTC()})
			err = o.Publish(ApprovalSubject(o.Site), data)
		case actBroadcast:
			if o.Publish == nil {
				return doneMsg{err: fmt.Errorf("broadcasts need NATS")}
			}
			name, target, detail, done = "broadcast", o.Site, text, "sent to every station"
			data, _ := json.Marshal(Broadcast{Site: o.Site, From: o.Lead, Message: text, At: time.Now().UTC()})
			err = o.Publish(BroadcastSubject(o.Site), data)
		default:
			return nil
		}
		if err == nil && o.Audit != nil {
			if aerr := o.Audit(ctx, name, target, detail); aerr != nil {
				done += " (not audited: " + aerr.Error() + ")"
			}
		}
		return doneMsg{text: done, err: err}
	}
}

// View draws the dashboard to the window, shortest first.
func (m *Model) View() string {
	var b strings.Builder
	online := 0
	for _, s := range m.stations {
		if s.Online {
			online++
		}
	}
	head := fmt.Sprintf("FLOOR %s  %d/%d online  %s", m.o.Site, online, len(m.stations), m.now.Format("15:04:05"))
	b.WriteString(m.st.title.Render(fit(head, m.w)) + "\n")
	lines := m.stationLines()
	rows := m.h - 3
	if m.h >= 16 {
		rows = min(len(lines)+1, m.h/2)
	}
	for i, l := range lines {
		if i >= rows {
			break
		}
		b.WriteString(l + "\n")
	}
	if m.h >= 16 {
		b.WriteString(m.lowerPanes(m.h - rows - 3))
	}
	b.WriteString(m.footer())
	return b.String()
}

func (m *Model) stationLines() []string {
	compact := m.w < 70
	var out []string
	if compact {
		out = append(out, m.st.header.Render(fit("STATION  OPER   STATE", m.w)))
	} else {
		out = append(out, m.st.header.Render(fit(fmt.Sprintf("%-10s %-10s %-8s %5s %7s %-11s %-8s %s", "STATION", "OPERATOR", "SCREEN", "QUEUE", "BACKLOG", "PRINTER", "SCANNER", "LAST SCAN"), m.w)))
	}
	for _, s := range m.stations {
		state := m.st.ok.Render("online")
		if !s.Online {
			state = m.st.bad.Render("OFFLINE " + ago(m.now.Sub(s.OfflineAt)))
		}
		op := s.Operator
		if op == "" {
			op = "-"
		}
		if compact {
			out = append(out, fmt.Sprintf("%-8s %-6s %s", clip(s.Station, 8), clip(op, 6), state))
			continue
		}
		last := "-"
		if !s.LastScan.IsZero() {
			last = ago(m.now.Sub(s.LastScan))
		}
		if !s.Online {
			last = state
		}
		backlog := fmt.Sprint(s.Backlog)
		if s.Backlog > 0 && s.OldestAge > 60 {
			backlog = m.st.bad.Render(backlog)
		}
		out = append(out, fmt.Sprintf("%-10s %-10s %-8s %5d %7s %-11s %-8s %s", clip(s.Station, 10), clip(op, 10), clip(s.Screen, 8),
			s.Queue, backlog, clip(dash(s.Printer), 11), clip(dash(s.Scanner), 8), last))
	}
	if len(m.stations) == 0 {
		out = append(out, m.st.muted.Render("no station heard from yet"))
	}
	return out
}

func (m *Model) lowerPanes(rows int) string {
	var b strings.Builder
	b.WriteString(m.st.header.Render(fit("THROUGHPUT (orders/units per hour)", m.w)) + "\n")
	n := 0
	for _, t := range m.throughput {
		if n >= rows/2 {
			break
		}
		b.WriteString(fit(fmt.Sprintf("%s  %-12s %4d orders %5d units", t.Hour.Format("15:00"), clip(t.Operator, 12), t.Orders, t.Units), m.w) + "\n")
		n++
	}
	b.WriteString(m.st.header.Render(fit(fmt.Sprintf("EXCEPTIONS (%d open)", len(m.exceptions)), m.w)) + "\n")
	for i, e := range m.exceptions {
		if i >= rows-n-2 {
			break
		}
		b.WriteString(fit(fmt.Sprintf("%s %s %s: %s", e.Code, e.OrderID, e.Station, e.Message), m.w) + "\n")
	}
	if m.showWatch && m.o.Sessions != nil {
		b.WriteString(m.st.header.Render("SESSIONS (ssh watch:<id>@this host)") + "\n")
		for _, id := range m.o.Sessions() {
			b.WriteString(fit(id, m.w) + "\n")
		}
	}
	return b.String()
}

func (m *Model) footer() string {
	if m.acting != actNone {
		return m.input.View()
	}
	line := "h release hold · m move order · a approve short · b broadcast · w sessions · q quit"
	if m.w < 90 {
		line = "h hold · m move · a approve · b msg · w · q"
	}
	if m.w < 50 {
		line = "h m a b w q"
	}
	if m.flash != "" {
		line = m.flash
	} else if m.centralErr != "" {
		line = "omsd: " + m.centralErr
	}
	return m.st.status.Render(fit(line, m.w))
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh", int(d.Hours()))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clip cuts s to n cells.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "…"
}

// fit pads or cuts a line to the window width.
func fit(s string, w int) string {
	if lipgloss.Width(s) > w {
		return clip(s, w)
	}
	return s
}
