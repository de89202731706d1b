// Package tui is the station's terminal app: a root model with one screen
// at a time (sign-in, pick, pack, returns, exceptions), a status bar on
// every screen, an entry line that tells keyboard-wedge scans from typing,
// and a help line. Bubble Tea types stay inside this package tree; the
// station command only calls Run.
package tui

import (
	"context"
	"strings"
	stdsync "sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/packline/packline/scanner"
	"github.com/packline/packline/tui/common"
	"github.com/packline/packline/tui/components/statusbar"
	"github.com/packline/packline/tui/components/wedge"
	"github.com/packline/packline/tui/floor"
	"github.com/packline/packline/tui/screens/exceptions"
	"github.com/packline/packline/tui/screens/login"
	"github.com/packline/packline/tui/screens/pack"
	"github.com/packline/packline/tui/screens/pick"
	"github.com/packline/packline/tui/screens/returns"
)

// Screen names a screen of the app.
type Screen int

// The screens, in tab order after sign-in.
const (
	ScreenLogin Screen = iota
	ScreenPick
	ScreenPack
	ScreenReturns
	ScreenExceptions
)

var screenNames = []string{"login", "pick", "pack", "returns", "exceptions"}

// String is the screen's name, as the heartbeat reports it.
func (s Screen) String() string {
	if int(s) < len(screenNames) {
		return screenNames[s]
	}
	return "unknown"
}

// screen is what every screen model does.
type screen interface {
	Init() tea.Cmd
	Update(tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
	Scan(common.ScanMsg) tea.Cmd
	Typed(string) tea.Cmd
	Key(tea.KeyMsg) tea.Cmd
	IsShortcut(tea.KeyMsg) bool
	Prompt() (string, bool)
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// StatusMsg sets the status bar's snapshot.
type StatusMsg floor.Status

// ScannerStateMsg says whether scannerd is connected.
type ScannerStateMsg string

// statusTickMsg asks for a status snapshot.
type statusTickMsg struct{}

// inputDoneMsg ends the handling of one queued scan or typed line.
type inputDoneMsg struct{ msg tea.Msg }

// signedOutMsg ends a sign-out.
type signedOutMsg struct{}

// input is a scan or a typed line waiting for its turn.
type input struct {
	scan  *common.ScanMsg
	typed string
}

// Options build the app.
type Options struct {
	Floor    *floor.Floor
	Renderer *lipgloss.Renderer
	// Now is the clock (tests fix it).
	Now func() time.Time
	// Bell rings the terminal bell; nil rings nothing.
	Bell func()
	// StatusEvery is how often the status bar refreshes; 0 never (tests).
	StatusEvery time.Duration
	// Hint lines under the sign-in prompt (the demo's barcodes).
	Hint []string
	// PackHint is a line under the pack screen's prompt (the demo's barcodes).
	PackHint string
	// Start is the screen after sign-in (pack by default).
	Start Screen
	// Presence, when set, is kept up to date with operator and screen.
	Presence *Presence
	// Scanner is the initial scanner state for the status bar.
	Scanner string
}

// Presence is the operator, screen and scanner state, shared with the
// sync heartbeat.
type Presence struct {
	mu       stdsync.Mutex // guards the fields below
	operator string
	screen   string
	scanner  string
}

// Scanner returns the scanner state.
func (p *Presence) Scanner() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.scanner
}

func (p *Presence) setScanner(s string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.scanner = s
	p.mu.Unlock()
}

// Get returns the operator and screen.
func (p *Presence) Get() (operator, screen string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.operator, p.screen
}

func (p *Presence) set(operator, screen string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.operator, p.screen = operator, screen
	p.mu.Unlock()
}

// Model is the root model.
type Model struct {
	c        *common.Common
	f        *floor.Floor
	o        Options
	keys     KeyMap
	help     help.Model
	entry    *wedge.Model
	status   *statusbar.Model
	screen   Screen
	screens  [5]screen
	operator *floor.Operator
	inflight bool
	queue    []input
	notice   string // a lead's broadcast, shown in place of the help line
}

// New builds the root model.
func New(o Options) *Model {
	r := o.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	c := common.New(r, o.Now)
	m := &Model{c: c, f: o.Floor, o: o, keys: DefaultKeyMap(), entry: wedge.New(), status: statusbar.New(c, o.Floor.Station)}
	m.entry.Now = c.Now
	if o.Scanner != "" {
		m.status.Scanner = o.Scanner
	}
	o.Presence.setScanner(m.status.Scanner)
	m.help = help.New()
	s := c.Styles
	m.help.Styles.ShortKey, m.help.Styles.ShortDesc, m.help.Styles.ShortSeparator = s.HelpKey, s.HelpDesc, s.HelpDesc
	m.help.Styles.Ellipsis = s.HelpDesc
	m.help.ShortSeparator = " · "
	m.signOutReset()
	return m
}

func (m *Model) signOutReset() {
	m.operator = nil
	lg := login.New(m.c, m.f)
	lg.Hint = m.o.Hint
	m.screens = [5]screen{lg}
	m.screen = ScreenLogin
	m.queue, m.inflight = nil, false
	m.entry.Reset()
	m.status.Operator = ""
	m.o.Presence.set("", ScreenLogin.String())
	m.resize()
}

// Init starts the status refresh.
func (m *Model) Init() tea.Cmd {
	if m.o.StatusEvery > 0 {
		return m.fetchStatus()
	}
	return nil
}

// Screen is the screen on show.
func (m *Model) Screen() Screen { return m.screen }

// Operator is the signed-in operator's id ("" when signed out).
func (m *Model) Operator() string {
	if m.operator == nil {
		return ""
	}
	return m.operator.ID
}

func (m *Model) fetchStatus() tea.Cmd {
	f := m.f
	return func() tea.Msg { return StatusMsg(f.Status(context.Background())) }
}

func (m *Model) active() screen { return m.screens[m.screen] }

func (m *Model) resize() {
	h := max(m.c.Height-3, 1)
	for _, s := range m.screens {
		if s != nil {
			s.SetSize(m.c.Width, h)
		}
	}
}

// SignIn signs an operator in without a badge (the demo's --operator).
func (m *Model) SignIn(op floor.Operator) tea.Cmd { return m.signedIn(op) }

func (m *Model) signedIn(op floor.Operator) tea.Cmd {
	m.operator = &op
	m.status.Operator = op.ID
	pk := pack.New(m.c, m.f, op)
	pk.Hint = m.o.PackHint
	m.screens = [5]screen{
		m.screens[ScreenLogin],
		pick.New(m.c, m.f, op),
		pk,
		returns.New(m.c, m.f, op),
		exceptions.New(m.c, m.f, op),
	}
	m.resize()
	m.screen = m.o.Start
	if m.screen == ScreenLogin {
		m.screen = ScreenPack
	}
	m.o.Presence.set(op.ID, m.screen.String())
	var cmds []tea.Cmd
	for _, s := range m.screens[1:] {
		cmds = append(cmds, s.Init())
	}
	cmds = append(cmds, m.fetchStatus())
	return tea.Batch(cmds...)
}

func (m *Model) show(s Screen) {
	if m.operator == nil || s == ScreenLogin {
		return
	}
	m.screen = s
	m.entry.Reset()
	m.o.Presence.set(m.operator.ID, s.String())
}

func (m *Model) signOut(reason string) tea.Cmd {
	if m.operator == nil {
		return nil
	}
	op, f := *m.operator, m.f
	m.signOutReset()
	return func() tea.Msg {
		f.RecordSignOut(context.Background(), op, reason)
		return signedOutMsg{}
	}
}

// enqueue adds a scan or typed line and starts it if nothing is in flight.
func (m *Model) enqueue(in input) tea.Cmd {
	m.queue = append(m.queue, in)
	return m.dispatch()
}

// dispatch hands the next queued input to the screen. Inputs are handled
// one at a time, in arrival order: the next starts only after the last
// one's result is on screen, so no scan is lost or judged on stale counts.
func (m *Model) dispatch() tea.Cmd {
	for !m.inflight && len(m.queue) > 0 {
		in := m.queue[0]
		m.queue = m.queue[1:]
		var cmd tea.Cmd
		switch {
		case in.scan != nil && in.scan.Scan.Kind == scanner.KindCommand && in.scan.Scan.Value == "LOGOUT":
			return m.signOut("manual")
		case in.scan != nil:
			cmd = m.active().Scan(*in.scan)
		default:
			cmd = m.active().Typed(in.typed)
		}
		if cmd == nil {
			continue
		}
		m.inflight = true
		return func() tea.Msg { return inputDoneMsg{cmd()} }
	}
	return nil
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	return m, m.update(msg)
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.help.Width = msg.Width
		m.resize()
		return nil
	case tea.KeyMsg:
		return m.key(msg)
	case common.ScanMsg:
		// A key pressed just before the scan is handled first.
		var cmd tea.Cmd
		if r, ok := m.entry.TakePending(); ok {
			cmd = m.active().Key(r.Key)
		}
		return tea.Batch(cmd, m.enqueue(input{scan: &msg}))
	case common.TypedMsg:
		return m.enqueue(input{typed: msg.Text})
	case inputDoneMsg:
		m.inflight = false
		var cmd tea.Cmd
		switch inner := msg.msg.(type) {
		case nil:
		case tea.BatchMsg:
			cmd = func() tea.Msg { return inner }
		default:
			cmd = m.update(inner)
		}
		return tea.Batch(cmd, m.dispatch())
	case StatusMsg:
		m.status.Status = floor.Status(msg)
		if m.o.StatusEvery > 0 {
			return tea.Tick(m.o.StatusEvery, func(time.Time) tea.Msg { return statusTickMsg{} })
		}
		return nil
	case statusTickMsg:
		return m.fetchStatus()
	case ScannerStateMsg:
		m.status.Scanner = string(msg)
		m.o.Presence.setScanner(string(msg))
		return nil
	case login.SignedInMsg:
		return m.signedIn(msg.Operator)
	case signInMsg:
		if m.operator == nil {
			return m.signedIn(msg.op)
		}
		return nil
	case signedOutMsg:
		return nil
	case common.BellMsg:
		return m.bell()
	}
	if r, ok := m.entry.Update(msg); ok {
		if r.Kind == wedge.Shortcut {
			return m.active().Key(r.Key)
		}
		return nil
	}
	var cmds []tea.Cmd
	if r, ok := msg.(interface{ Rings() bool }); ok && r.Rings() {
		cmds = append(cmds, m.bell())
	}
	if _, ok := msg.(common.TaskMsg); ok {
		cmds = append(cmds, m.fetchStatus())
	}
	if b, ok := msg.(common.BroadcastMsg); ok {
		// The tick carries its own text: read from m in the tick's
		// goroutine it would race with Update and, after a second
		// broadcast, take the newer one off early.
		notice := "MSG " + b.From + ": " + b.Text
		m.notice = notice
		cmds = append(cmds, m.bell(), tea.Tick(time.Minute, func(time.Time) tea.Msg { return noticeDoneMsg{text: notice} }))
	}
	if d, ok := msg.(noticeDoneMsg); ok && d.text == m.notice {
		m.notice = ""
	}
	for _, s := range m.screens {
		if s != nil {
			cmds = append(cmds, s.Update(msg))
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) bell() tea.Cmd {
	if m.o.Bell == nil {
		return nil
	}
	b := m.o.Bell
	return func() tea.Msg { b(); return nil }
}

func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	case key.Matches(k, m.keys.Pick):
		m.show(ScreenPick)
		return nil
	case key.Matches(k, m.keys.Pack):
		m.show(ScreenPack)
		return nil
	case key.Matches(k, m.keys.Returns):
		m.show(ScreenReturns)
		return nil
	case key.Matches(k, m.keys.Exceptions):
		m.show(ScreenExceptions)
		return nil
	case key.Matches(k, m.keys.Next):
		if m.operator != nil {
			next := m.screen + 1
			if next > ScreenExceptions {
				next = ScreenPick
			}
			m.show(next)
		}
		return nil
	case key.Matches(k, m.keys.SignOut):
		return m.signOut("manual")
	}
	r, cmd := m.entry.Key(k, m.active().IsShortcut)
	switch r.Kind {
	case wedge.Scan:
		s := m.f.Decode(r.Text)
		return tea.Batch(cmd, m.enqueue(input{scan: &common.ScanMsg{Scan: s, Source: "keyboard"}}))
	case wedge.Typed:
		return tea.Batch(cmd, m.enqueue(input{typed: r.Text}))
	case wedge.Shortcut, wedge.Pass:
		return tea.Batch(cmd, m.active().Key(r.Key))
	}
	return cmd
}

// View draws the whole screen: status bar, the screen, entry and help lines.
func (m *Model) View() string {
	w, h := m.c.Width, m.c.Height
	if w <= 0 || h <= 0 {
		return ""
	}
	s := m.c.Styles
	parts := []string{m.status.View()}
	if h >= 2 {
		parts = append(parts, m.active().View())
	}
	if h >= 3 {
		label, mask := m.active().Prompt()
		text := m.entry.Text()
		if mask {
			text = strings.Repeat("*", len([]rune(text)))
		}
		line := label + "> " + text
		if m.c.Compact() {
			line = "> " + text
			if text == "" {
				line = "> " + label
			}
		}
		parts = append(parts, s.Entry.Render(common.Fit(line, w)))
	}
	if h >= 4 {
		if m.notice != "" { // a broadcast takes the help line's place
			parts = append(parts, s.Warn.Render(common.Fit(m.notice, w)))
		} else {
			parts = append(parts, m.helpLine(w))
		}
	}
	return strings.Join(parts, "\n")
}

// helpLine is the keys of the active screen and the global ones, as many
// whole items as fit in w cells.
func (m *Model) helpLine(w int) string {
	bindings := append(append([]key.Binding{}, m.active().ShortHelp()...), m.keys.ShortHelp()...)
	// bubbles' help overflows when even its ellipsis does not fit:
	// drop whole items from the end instead.
	line := m.help.ShortHelpView(bindings)
	for len(bindings) > 1 && lipgloss.Width(line) > w {
		bindings = bindings[:len(bindings)-1]
		line = m.help.ShortHelpView(bindings)
	}
	if lipgloss.Width(line) > w {
		return ""
	}
	return line
}

// noticeDoneMsg takes a broadcast off the screen a minute after it came.
type noticeDoneMsg struct{ text string }
