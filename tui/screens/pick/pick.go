// Package pick is the pick screen: the operator's orders in walk order of
// their bins; scan a tote, then per line the location and the items (type
// a quantity first for multiples); short-pick with a reason; hand the tote
// off to packing.
package pick

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/scanner"
	"github.com/packline/packline/tui/common"
	"github.com/packline/packline/tui/floor"
)

type stage int

const (
	stageList     stage = iota // choose an order
	stageTote                  // scan a tote for it
	stageLocation              // go to the bin and scan it
	stageItem                  // scan the items
	stageShort                 // choose a short-pick reason
	stageHandOff               // all lines done: hand the tote off
)

// queueMsg carries the pick queue.
type queueMsg struct {
	ids []string
	err error
}

// taskMsg carries an opened pick task.
type taskMsg struct {
	common.Result
	task localdb.PickTask
	ok   bool
}

// stepMsg ends a scan or command on an open task.
type stepMsg struct {
	common.Result
	next   stage
	line   int // line index that changed, -1 for none
	picked int
	short  string
	tote   string
	closed bool // the task is finished: back to the list
}

// KeyMap is the pick screen's keys.
type KeyMap struct {
	Up, Down, Open, Short, HandOff, Back key.Binding
	Reasons                              []key.Binding
}

func newKeyMap() KeyMap {
	return KeyMap{
		Up:      key.NewBinding(key.WithKeys("up"), key.WithHelp("↑↓", "choose")),
		Down:    key.NewBinding(key.WithKeys("down")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Short:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "short")),
		HandOff: key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hand off")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Reasons: []key.Binding{
			key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "none on shelf")),
			key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "damaged")),
			key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "wrong item found")),
		},
	}
}

var reasons = []string{oms.ShortNoneOnShelf, oms.ShortDamaged, oms.ShortWrongItem}

// Model is the pick screen.
type Model struct {
	c     *common.Common
	f     *floor.Floor
	op    floor.Operator
	keys  KeyMap
	w, h  int
	stage stage
	queue []string
	sel   int
	task  localdb.PickTask
	cur   int // current line index
	mult  int // typed quantity for the next item scan
	fb    common.Feedback
}

// New returns the pick screen for a signed-in operator.
func New(c *common.Common, f *floor.Floor, op floor.Operator) *Model {
	return &Model{c: c, f: f, op: op, keys: newKeyMap()}
}

// Init loads the queue.
func (m *Model) Init() tea.Cmd { return m.load() }

func (m *Model) load() tea.Cmd {
	db := m.f.DB
	return func() tea.Msg {
		ids, err := db.PickQueue(context.Background(), 200)
		return queueMsg{ids, err}
	}
}

// SetSize sets the body size.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Prompt is the entry line's label.
func (m *Model) Prompt() (string, bool) {
	switch m.stage {
	case stageItem:
		return "Qty or scan", false
	case stageShort:
		return "Reason 1-3", false
	}
	return "Scan", false
}

// IsShortcut reports whether a printable key is a command here.
func (m *Model) IsShortcut(k tea.KeyMsg) bool {
	switch m.stage {
	case stageLocation, stageItem:
		return key.Matches(k, m.keys.Short)
	case stageShort:
		for _, b := range m.keys.Reasons {
			if key.Matches(k, b) {
				return true
			}
		}
	case stageHandOff:
		return key.Matches(k, m.keys.HandOff)
	}
	return false
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	switch m.stage {
	case stageList:
		return []key.Binding{m.keys.Up, m.keys.Open}
	case stageLocation, stageItem:
		return []key.Binding{m.keys.Short, m.keys.Back}
	case stageShort:
		return append(append([]key.Binding{}, m.keys.Reasons...), m.keys.Back)
	case stageHandOff:
		return []key.Binding{m.keys.HandOff, m.keys.Back}
	}
	return []key.Binding{m.keys.Back}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

func (m *Model) ref() localdb.OrderRef {
	return localdb.OrderRef{Operator: m.op.ID, OrderID: m.task.Order.ID, Version: m.task.Order.Version}
}

// current returns the line being worked on.
func (m *Model) current() (localdb.PickLineState, bool) {
	if m.cur < 0 || m.cur >= len(m.task.Lines) {
		return localdb.PickLineState{}, false
	}
	return m.task.Lines[m.cur], true
}

// advance moves to the first line not done, or to hand-off.
func (m *Model) advance() {
	for i, l := range m.task.Lines {
		if !l.Done() {
			m.cur = i
			if l.Location == "" {
				m.stage = stageItem
			} else {
				m.stage = stageLocation
			}
			return
		}
	}
	m.cur = len(m.task.Lines)
	m.stage = stageHandOff
}

func (m *Model) open(id string) tea.Cmd {
	db := m.f.DB
	return func() tea.Msg {
		t, err := db.PickTask(context.Background(), id)
		if err != nil {
			return taskMsg{Result: common.Result{Feedback: common.Bad("order %s: not on this station", id)}}
		}
		if !floor.IsWorkState(t.Order.State) {
			return taskMsg{Result: common.Result{Feedback: common.Bad("order %s is %s: do not pick", id, t.Order.State)}}
		}
		return taskMsg{task: t, ok: true}
	}
}

// Scan handles a scan.
func (m *Model) Scan(msg common.ScanMsg) tea.Cmd {
	s := msg.Scan
	if s.Kind == scanner.KindCommand {
		switch s.Value {
		case "SHORT":
			if m.stage == stageLocation || m.stage == stageItem {
				m.stage = stageShort
			}
			return nil
		case "DONE":
			if m.stage == stageHandOff {
				return m.handOff()
			}
		}
	}
	switch m.stage {
	case stageList:
		return m.open(floor.Code(s))
	case stageTote:
		return m.scanTote(s)
	case stageLocation:
		return m.scanLocation(s)
	case stageItem:
		return m.scanItem(s)
	case stageHandOff:
		if s.Kind == scanner.KindTote || strings.EqualFold(toteID(s), m.task.Tote) {
			return m.handOff()
		}
	}
	return m.refuse(s, "wrong_item", "not expected here")
}

func toteID(s scanner.Scan) string {
	if s.Kind == scanner.KindTote {
		return "TOTE-" + s.Value
	}
	return strings.TrimSpace(s.Data)
}

// refuse records a refused scan and answers red.
func (m *Model) refuse(s scanner.Scan, reason, text string) tea.Cmd {
	f, ref := m.f, m.ref()
	rec := floor.ScanRecord("pick", s)
	return func() tea.Msg { return refusal(f, ref, rec, reason, text) }
}

// refusal records a refused scan and is the red answer for it.
func refusal(f *floor.Floor, ref localdb.OrderRef, rec oms.ScanRecorded, reason, text string) stepMsg {
	sc := localdb.ScanContext{Operator: ref.Operator, OrderID: ref.OrderID, OrderVersion: ref.Version}
	text = f.RecordRefusal(context.Background(), sc, rec, reason, text)
	return stepMsg{Result: common.Result{Feedback: common.Bad("%s", text)}, next: -1, line: -1}
}

func (m *Model) scanTote(s scanner.Scan) tea.Cmd {
	if s.Kind != scanner.KindTote {
		return m.refuse(s, "wrong_item", "scan a tote label")
	}
	tote, db, ref := toteID(s), m.f.DB, m.ref()
	return func() tea.Msg {
		if err := db.AssignTote(context.Background(), ref, tote); err != nil {
			if errors.Is(err, localdb.ErrToteInUse) {
				return stepMsg{Result: common.Result{Feedback: common.Bad("%s holds another order", tote)}, next: -1, line: -1}
			}
			return stepMsg{Result: common.Result{Feedback: common.Bad("tote: %v", err)}, next: -1, line: -1}
		}
		return stepMsg{Result: common.Result{Feedback: common.Good("tote %s", tote)}, next: stageLocation, line: -1, tote: tote}
	}
}

func sameLocation(s scanner.Scan, want string) bool {
	got := strings.TrimSpace(s.Data)
	if s.Kind == scanner.KindLocation && s.Value != "" {
		got = s.Value
	}
	got = strings.TrimPrefix(strings.ToUpper(got), "LOC-")
	return strings.EqualFold(got, want)
}

func (m *Model) scanLocation(s scanner.Scan) tea.Cmd {
	l, _ := m.current()
	if !sameLocation(s, l.Location) {
		return m.refuse(s, "wrong_location", "wrong location: go to "+l.Location)
	}
	return func() tea.Msg {
		return stepMsg{Result: common.Result{Feedback: common.Good("at %s", l.Location)}, next: stageItem, line: -1}
	}
}

func (m *Model) scanItem(s scanner.Scan) tea.Cmd {
	l, _ := m.current()
	f, ref, tote, mult, idx := m.f, m.ref(), m.task.Tote, max(m.mult, 1), m.cur
	m.mult = 0
	return func() tea.Msg {
		ctx := context.Background()
		rec := floor.ScanRecord("pick", s)
		bm, err := f.ResolveSKU(ctx, s)
		refuse := func(reason, text string) tea.Msg {
			rec.SKU = bm.SKU
			return refusal(f, ref, rec, reason, text)
		}
		if err != nil {
			return refuse("unknown_barcode", "unknown barcode "+rec.Raw)
		}
		if bm.SKU != l.SKU {
			return refuse("wrong_item", fmt.Sprintf("wrong item %s: take %s", bm.SKU, l.SKU))
		}
		qty := bm.Qty * mult
		rec.SKU, rec.Qty = bm.SKU, qty
		if _, err := f.DB.ConfirmPick(ctx, ref, l.PickLine, qty, tote, rec.Lot, rec); err != nil {
			if errors.Is(err, localdb.ErrOverPick) {
				return refuse("over_scan", fmt.Sprintf("too many: %d of %d taken", l.Picked, l.Qty))
			}
			return stepMsg{Result: common.Result{Feedback: common.Bad("not recorded: %v", err)}, next: -1, line: -1}
		}
		return stepMsg{Result: common.Result{Feedback: common.Good("%s %d/%d", l.SKU, l.Picked+qty, l.Qty)}, next: -1, line: idx, picked: qty}
	}
}

func (m *Model) short(reason string) tea.Cmd {
	l, _ := m.current()
	db, ref, idx := m.f.DB, m.ref(), m.cur
	return func() tea.Msg {
		if _, err := db.ShortPick(context.Background(), ref, l.PickLine, reason); err != nil {
			return stepMsg{Result: common.Result{Feedback: common.Bad("short pick not recorded: %v", err)}, next: -1, line: -1}
		}
		return stepMsg{Result: common.Result{Feedback: common.Good("short: %s %d of %d", l.SKU, l.Picked, l.Qty)}, next: -1, line: idx, short: reason}
	}
}

func (m *Model) handOff() tea.Cmd {
	db, ref, tote := m.f.DB, m.ref(), m.task.Tote
	station := m.f.Station
	return func() tea.Msg {
		if _, err := db.HandOffTote(context.Background(), ref, tote, station); err != nil {
			return stepMsg{Result: common.Result{Feedback: common.Bad("hand-off not recorded: %v", err)}, next: -1, line: -1}
		}
		return stepMsg{Result: common.Result{Feedback: common.Good("%s handed off to packing", tote)}, next: stageList, line: -1, closed: true}
	}
}

// Typed handles a typed quantity (for the next item scan) or menu choice.
func (m *Model) Typed(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	switch m.stage {
	case stageItem:
		n, err := strconv.Atoi(text)
		if err != nil {
			return m.Scan(common.ScanMsg{Scan: m.f.Decode(text), Source: "typed"})
		}
		if n <= 0 || n > 9999 {
			m.fb = common.Bad("type a quantity, then scan the item")
			return nil
		}
		m.mult = n
		m.fb = common.Good("next scan counts %d", n)
		return nil
	case stageShort:
		if n, err := strconv.Atoi(text); err == nil && n >= 1 && n <= len(reasons) {
			return m.short(reasons[n-1])
		}
	case stageList:
		return m.open(text)
	}
	if text != "" {
		return m.Scan(common.ScanMsg{Scan: m.f.Decode(text), Source: "typed"})
	}
	return nil
}

// Key handles keys the entry line passed on, and shortcuts.
func (m *Model) Key(k tea.KeyMsg) tea.Cmd {
	switch m.stage {
	case stageList:
		switch {
		case key.Matches(k, m.keys.Up):
			m.sel = max(m.sel-1, 0)
		case key.Matches(k, m.keys.Down):
			m.sel = min(m.sel+1, max(len(m.queue)-1, 0))
		case key.Matches(k, m.keys.Open):
			if m.sel < len(m.queue) {
				return m.open(m.queue[m.sel])
			}
		}
		return nil
	case stageShort:
		for i, b := range m.keys.Reasons {
			if key.Matches(k, b) {
				return m.short(reasons[i])
			}
		}
		if key.Matches(k, m.keys.Back) {
			m.advance()
		}
		return nil
	}
	switch {
	case key.Matches(k, m.keys.Short) && (m.stage == stageLocation || m.stage == stageItem):
		m.stage = stageShort
	case key.Matches(k, m.keys.HandOff) && m.stage == stageHandOff:
		return m.handOff()
	case key.Matches(k, m.keys.Back):
		m.stage, m.task, m.fb = stageList, localdb.PickTask{}, common.Feedback{}
		return m.load()
	}
	return nil
}

// Update handles the screen's own messages.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case queueMsg:
		if msg.err != nil {
			m.fb = common.Bad("pick queue: %v", msg.err)
			return nil
		}
		m.queue = msg.ids
		m.sel = min(m.sel, max(len(m.queue)-1, 0))
	case taskMsg:
		m.fb = msg.Feedback
		if !msg.ok {
			return nil
		}
		m.task = msg.task
		m.mult = 0
		if m.task.Tote == "" {
			m.stage = stageTote
		} else {
			m.advance()
		}
		if m.fb.Text == "" {
			m.fb = common.Good("order %s: %d lines", m.task.Order.ID, len(m.task.Lines))
		}
	case stepMsg:
		m.fb = msg.Feedback
		if msg.tote != "" {
			m.task.Tote = msg.tote
		}
		if msg.line >= 0 && msg.line < len(m.task.Lines) {
			m.task.Lines[msg.line].Picked += msg.picked
			if msg.short != "" {
				m.task.Lines[msg.line].Shorted, m.task.Lines[msg.line].Reason = true, msg.short
			}
			if m.task.Lines[msg.line].Done() {
				m.advance()
			}
		}
		switch {
		case msg.closed:
			m.stage, m.task = stageList, localdb.PickTask{}
			return m.load()
		case msg.next == stageLocation:
			m.advance()
		case msg.next == stageItem:
			m.stage = stageItem
		}
	case common.TaskMsg:
		if msg.Event.OrderID == m.task.Order.ID && m.stage != stageList {
			switch msg.Event.Type {
			case oms.EventTaskOrderCancel, oms.EventTaskOrderHold:
				m.stage, m.task = stageList, localdb.PickTask{}
				m.fb = common.Bad("order %s %s: stop, see exceptions", msg.Event.OrderID, word(msg.Event.Type))
				return tea.Batch(m.load(), func() tea.Msg { return common.BellMsg{} })
			}
		}
		if m.stage == stageList {
			return m.load()
		}
	}
	return nil
}

func word(t oms.EventType) string {
	if t == oms.EventTaskOrderHold {
		return "put on hold"
	}
	return "cancelled"
}

// View draws the screen body.
func (m *Model) View() string {
	s := m.c.Styles
	w := m.w
	var lines []string
	fbLine := m.fb.Render(s, w)
	switch m.stage {
	case stageList:
		lines = append(lines, s.Title.Render(common.Fit(fmt.Sprintf("PICK · %d orders waiting", len(m.queue)), w)))
		rows := m.h - 2
		start := common.Window(len(m.queue), m.sel, rows)
		for i := start; i < len(m.queue) && len(lines) < m.h-1; i++ {
			if i == m.sel {
				lines = append(lines, s.Selected.Render(common.Fit("> "+m.queue[i], w)))
			} else {
				lines = append(lines, common.Fit("  "+m.queue[i], w))
			}
		}
		if len(m.queue) == 0 {
			lines = append(lines, s.Muted.Render(common.Fit("Nothing to pick.", w)))
		}
	default:
		lines = append(lines, s.Title.Render(common.Fit(fmt.Sprintf("PICK %s · tote %s", m.task.Order.ID, orDash(m.task.Tote)), w)))
		lines = append(lines, m.instruction(), fbLine)
		rows := m.h - 3
		start := common.Window(len(m.task.Lines), m.cur, rows)
		for i := start; i < len(m.task.Lines) && len(lines) < m.h; i++ {
			lines = append(lines, m.lineRow(i))
		}
		return common.Lines(lines, w, m.h)
	}
	return common.WithFooter(lines, fbLine, w, m.h)
}

func (m *Model) instruction() string {
	s, w := m.c.Styles, m.w
	l, _ := m.current()
	var t string
	switch m.stage {
	case stageTote:
		t = "Scan an empty tote"
	case stageLocation:
		t = fmt.Sprintf("Go to %s: take %d %s", l.Location, l.Qty-l.Picked, l.SKU)
	case stageItem:
		t = fmt.Sprintf("Scan %s: %d of %d", l.SKU, l.Picked, l.Qty)
		if m.mult > 1 {
			t += fmt.Sprintf(" (x%d)", m.mult)
		}
	case stageShort:
		t = "Short why? 1 none on shelf 2 damaged 3 wrong item found"
	case stageHandOff:
		t = "All done: scan the tote or press h to hand off"
	}
	return s.Warn.Render(common.Fit(t, w))
}

func (m *Model) lineRow(i int) string {
	s, w := m.c.Styles, m.w
	l := m.task.Lines[i]
	mark := " "
	switch {
	case l.Shorted:
		mark = "!"
	case l.Picked >= l.Qty:
		mark = "✓"
	case i == m.cur:
		mark = ">"
	}
	count := fmt.Sprintf("%d/%d", l.Picked, l.Qty)
	var row string
	if m.c.Compact() {
		row = fmt.Sprintf("%s %-9s %-9s %s", mark, trunc(l.Location, 9), trunc(l.SKU, 9), count)
	} else {
		loc := l.Location
		if loc == "" {
			loc = "any"
		}
		desc := common.Pad(l.Description, max(w-36, 0))
		row = fmt.Sprintf("%s %-11s %-10s %s %7s", mark, trunc(loc, 11), trunc(l.SKU, 10), desc, count)
	}
	row = common.Fit(row, w)
	switch {
	case l.Done():
		return s.Done.Render(row)
	case i == m.cur:
		return s.Selected.Render(row)
	}
	return row
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return common.Fit(s, n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
