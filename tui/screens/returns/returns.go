// Package returns is the returns bench: scan an RMA or the tracking
// number a parcel left with, then per item a grade (A resell, B open box,
// C refurbish, scrap) and a disposition (restock to a location,
// quarantine, dispose); central refunds or exchanges from the events.
package returns

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
	stageIdle        stage = iota // scan an RMA
	stageItems                    // scan an item
	stageGrade                    // grade it
	stageDisposition              // decide where it goes
	stageLocation                 // restock: scan the bin
	stageComplete                 // everything graded: close the RMA
)

// DefaultRestock is where restocked returns go when no bin is scanned.
const DefaultRestock = "RETURNS"

var grades = []struct {
	grade oms.Grade
	name  string
	disp  oms.Disposition // suggested
}{
	{oms.GradeA, "A resell", oms.DispositionRestock},
	{oms.GradeB, "B open box", oms.DispositionRestock},
	{oms.GradeC, "C refurbish", oms.DispositionQuarantine},
	{oms.GradeScrap, "scrap", oms.DispositionDispose},
}

// loadedMsg carries an RMA.
type loadedMsg struct {
	common.Result
	rv localdb.ReturnView
	ok bool
}

// gradedMsg ends one item's grading.
type gradedMsg struct {
	common.Result
	sku string
	g   localdb.GradedItem
	ok  bool
}

// completedMsg ends the RMA.
type completedMsg struct {
	common.Result
	ok bool
}

// itemMsg says which expected line a scanned item belongs to.
type itemMsg struct {
	common.Result
	sku string
}

// KeyMap is the returns screen's keys.
type KeyMap struct {
	Grades                       []key.Binding
	Restock, Quarantine, Dispose key.Binding
	Enter, Back                  key.Binding
}

func newKeyMap() KeyMap {
	return KeyMap{
		Grades: []key.Binding{
			key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "A")),
			key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "B")),
			key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "C")),
			key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "scrap")),
		},
		Restock:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "restock")),
		Quarantine: key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quarantine")),
		Dispose:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "dispose")),
		Enter:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// Model is the returns screen.
type Model struct {
	c     *common.Common
	f     *floor.Floor
	op    floor.Operator
	keys  KeyMap
	w, h  int
	stage stage
	rv    localdb.ReturnView
	sku   string
	grade int
	disp  oms.Disposition
	fb    common.Feedback
}

// New returns the returns screen for a signed-in operator.
func New(c *common.Common, f *floor.Floor, op floor.Operator) *Model {
	return &Model{c: c, f: f, op: op, keys: newKeyMap()}
}

// Init implements the screen contract.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize sets the body size.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Prompt is the entry line's label.
func (m *Model) Prompt() (string, bool) {
	switch m.stage {
	case stageGrade:
		return "Grade 1-4", false
	case stageDisposition:
		return "r/q/d", false
	case stageLocation:
		return "Bin", false
	}
	return "Scan", false
}

// IsShortcut reports whether a printable key is a command here.
func (m *Model) IsShortcut(k tea.KeyMsg) bool {
	switch m.stage {
	case stageGrade:
		for _, b := range m.keys.Grades {
			if key.Matches(k, b) {
				return true
			}
		}
	case stageDisposition:
		return key.Matches(k, m.keys.Restock, m.keys.Quarantine, m.keys.Dispose)
	}
	return false
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	switch m.stage {
	case stageGrade:
		return append(append([]key.Binding{}, m.keys.Grades...), m.keys.Back)
	case stageDisposition:
		return []key.Binding{m.keys.Restock, m.keys.Quarantine, m.keys.Dispose, m.keys.Back}
	case stageLocation:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", DefaultRestock)), m.keys.Back}
	case stageComplete:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "complete")), m.keys.Back}
	}
	return []key.Binding{m.keys.Back}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

func (m *Model) scanContext() localdb.ScanContext {
	return localdb.ScanContext{Operator: m.op.ID, OrderID: m.rv.Return.OrderID, OrderVersion: m.rv.Version}
}

func (m *Model) refuse(s scanner.Scan, reason, text string) tea.Cmd {
	f, sc := m.f, m.scanContext()
	rec := floor.ScanRecord("returns", s)
	return func() tea.Msg {
		text := f.RecordRefusal(context.Background(), sc, rec, reason, text)
		return itemMsg{Result: common.Result{Feedback: common.Bad("%s", text)}}
	}
}

// Scan handles a scan.
func (m *Model) Scan(msg common.ScanMsg) tea.Cmd {
	s := msg.Scan
	if s.Kind == scanner.KindCommand && s.Value == "DONE" && m.stage == stageComplete {
		return m.complete()
	}
	switch m.stage {
	case stageIdle:
		return m.load(s)
	case stageItems:
		return m.item(s)
	case stageLocation:
		loc := strings.TrimPrefix(strings.ToUpper(floor.Code(s)), "LOC-")
		if s.Kind != scanner.KindLocation && !strings.Contains(loc, "-") {
			return m.refuse(s, "wrong_location", "scan a bin label")
		}
		return m.grade1(loc)
	}
	return m.refuse(s, "wrong_item", "not expected now")
}

func (m *Model) load(s scanner.Scan) tea.Cmd {
	f, op := m.f, m.op
	return func() tea.Msg {
		ctx := context.Background()
		data := strings.TrimSpace(s.Data)
		if data == "" {
			data = strings.TrimSpace(s.Raw)
		}
		var rv localdb.ReturnView
		var err error
		tracking := ""
		tries := []string{data}
		if s.Kind == scanner.KindRMA && s.Value != "" {
			tries = append(tries, "RMA"+s.Value, s.Value)
		}
		err = localdb.ErrUnknownRMA
		for _, t := range tries {
			if rv, err = f.DB.ReturnByRMA(ctx, t); err == nil {
				break
			}
		}
		if errors.Is(err, localdb.ErrUnknownRMA) {
			if id, ok, _ := f.DB.ShipmentByTracking(ctx, floor.Code(s)); ok {
				tracking = floor.Code(s)
				rv, err = f.DB.ReturnForOrder(ctx, id)
			}
		}
		if err != nil {
			return loadedMsg{Result: common.Result{Feedback: common.Bad("no RMA for %s on this station", data)}}
		}
		if rv.Completed {
			return loadedMsg{Result: common.Result{Feedback: common.Bad("%s already completed", rv.Return.RMA)}}
		}
		if err := f.DB.ReceiveReturn(ctx, op.ID, rv, tracking); err != nil {
			return loadedMsg{Result: common.Result{Feedback: common.Bad("%v", err)}}
		}
		rv.Received = true
		return loadedMsg{rv: rv, ok: true, Result: common.Result{Feedback: common.Good("%s received: %d items to grade", rv.Return.RMA, rv.Remaining())}}
	}
}

func (m *Model) item(s scanner.Scan) tea.Cmd {
	f, rv, sc := m.f, m.rv, m.scanContext()
	return func() tea.Msg {
		ctx := context.Background()
		rec := floor.ScanRecord("returns", s)
		bm, err := f.ResolveSKU(ctx, s)
		for _, l := range rv.Lines {
			if err == nil && l.SKU == bm.SKU && len(l.Graded) < l.Qty {
				rec.SKU, rec.Qty, rec.Accepted = bm.SKU, 1, true
				if _, err := f.DB.RecordScan(ctx, sc, rec); err != nil {
					return itemMsg{Result: common.Result{Feedback: common.Bad("not recorded: %v", err)}}
				}
				return itemMsg{sku: bm.SKU, Result: common.Result{Feedback: common.Good("%s: grade it", bm.SKU)}}
			}
		}
		rec.SKU = bm.SKU
		reason, text := "wrong_item", "not on this RMA"
		if err != nil {
			reason, text = "unknown_barcode", "unknown barcode "+rec.Raw
		}
		text = f.RecordRefusal(ctx, sc, rec, reason, text)
		return itemMsg{Result: common.Result{Feedback: common.Bad("%s", text)}}
	}
}

func (m *Model) grade1(location string) tea.Cmd {
	f, op, rv, sku := m.f, m.op, m.rv, m.sku
	g := localdb.GradedItem{Grade: grades[m.grade].grade, Disposition: m.disp, Location: location}
	return func() tea.Msg {
		if err := f.DB.GradeReturnItem(context.Background(), op.ID, rv, sku, g); err != nil {
			if errors.Is(err, localdb.ErrOverReturn) {
				return gradedMsg{Result: common.Result{Feedback: common.Bad("all %s on this RMA already graded", sku)}}
			}
			return gradedMsg{Result: common.Result{Feedback: common.Bad("%v", err)}}
		}
		where := string(g.Disposition)
		if g.Location != "" {
			where += " to " + g.Location
		}
		return gradedMsg{sku: sku, g: g, ok: true, Result: common.Result{Feedback: common.Good("%s graded %s, %s", sku, g.Grade, where)}}
	}
}

func (m *Model) complete() tea.Cmd {
	f, op, rv := m.f, m.op, m.rv
	res := rv.Return.Resolution
	if res != "exchange" {
		res = "refund"
	}
	return func() tea.Msg {
		if err := f.DB.CompleteReturn(context.Background(), op.ID, rv, res); err != nil {
			return completedMsg{Result: common.Result{Feedback: common.Bad("%v", err)}}
		}
		return completedMsg{ok: true, Result: common.Result{Feedback: common.Good("%s complete: %s", rv.Return.RMA, res)}}
	}
}

func (m *Model) chooseGrade(i int) {
	m.grade, m.disp, m.stage = i, grades[i].disp, stageDisposition
}

func (m *Model) chooseDisposition(d oms.Disposition) tea.Cmd {
	m.disp = d
	if d == oms.DispositionRestock {
		m.stage = stageLocation
		return nil
	}
	return m.grade1("")
}

// Typed handles typed lines: an RMA, menu choices, a bin.
func (m *Model) Typed(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	switch m.stage {
	case stageIdle:
		return m.load(scanner.Scan{Raw: text, Data: text})
	case stageGrade:
		if n, err := strconv.Atoi(text); err == nil && n >= 1 && n <= len(grades) {
			m.chooseGrade(n - 1)
		}
	case stageDisposition:
		switch strings.ToLower(text) {
		case "r":
			return m.chooseDisposition(oms.DispositionRestock)
		case "q":
			return m.chooseDisposition(oms.DispositionQuarantine)
		case "d":
			return m.chooseDisposition(oms.DispositionDispose)
		}
	case stageLocation:
		return m.grade1(strings.ToUpper(text))
	case stageItems:
		if text != "" {
			return m.Scan(common.ScanMsg{Scan: m.f.Decode(text), Source: "typed"})
		}
	}
	return nil
}

// Key handles keys the entry line passed on, and shortcuts.
func (m *Model) Key(k tea.KeyMsg) tea.Cmd {
	switch m.stage {
	case stageGrade:
		for i, b := range m.keys.Grades {
			if key.Matches(k, b) {
				m.chooseGrade(i)
				return nil
			}
		}
	case stageDisposition:
		switch {
		case key.Matches(k, m.keys.Restock):
			return m.chooseDisposition(oms.DispositionRestock)
		case key.Matches(k, m.keys.Quarantine):
			return m.chooseDisposition(oms.DispositionQuarantine)
		case key.Matches(k, m.keys.Dispose):
			return m.chooseDisposition(oms.DispositionDispose)
		case key.Matches(k, m.keys.Enter):
			return m.chooseDisposition(m.disp)
		}
	case stageLocation:
		if key.Matches(k, m.keys.Enter) {
			return m.grade1(DefaultRestock)
		}
	case stageComplete:
		if key.Matches(k, m.keys.Enter) {
			return m.complete()
		}
	}
	if key.Matches(k, m.keys.Back) {
		switch m.stage {
		case stageGrade, stageDisposition, stageLocation:
			m.stage, m.sku = stageItems, ""
		default:
			m.stage, m.rv, m.fb = stageIdle, localdb.ReturnView{}, common.Feedback{}
		}
	}
	return nil
}

// Update handles the screen's own messages.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		m.fb = msg.Feedback
		if msg.ok {
			m.rv, m.stage = msg.rv, stageItems
			if m.rv.Remaining() == 0 {
				m.stage = stageComplete
			}
		}
	case itemMsg:
		m.fb = msg.Feedback
		if msg.sku != "" {
			m.sku, m.stage = msg.sku, stageGrade
		}
	case gradedMsg:
		m.fb = msg.Feedback
		m.stage = stageItems
		if msg.ok {
			for i := range m.rv.Lines {
				if m.rv.Lines[i].SKU == msg.sku {
					m.rv.Lines[i].Graded = append(m.rv.Lines[i].Graded, msg.g)
					break
				}
			}
			if m.rv.Remaining() == 0 {
				m.stage = stageComplete
			}
		}
	case completedMsg:
		m.fb = msg.Feedback
		if msg.ok {
			m.stage, m.rv = stageIdle, localdb.ReturnView{}
		}
	}
	return nil
}

// View draws the screen body.
func (m *Model) View() string {
	s, w := m.c.Styles, m.w
	fb := m.fb.Render(s, w)
	if m.stage == stageIdle {
		lines := []string{s.Title.Render(common.Fit("RETURNS", w)), common.Fit("Scan an RMA or the return's tracking number.", w), fb}
		return common.Lines(lines, w, m.h)
	}
	r := m.rv.Return
	lines := []string{s.Title.Render(common.Fit(fmt.Sprintf("RETURN %s · order %s · %d to grade", r.RMA, r.OrderID, m.rv.Remaining()), w))}
	var t string
	switch m.stage {
	case stageItems:
		t = "Scan a returned item"
	case stageGrade:
		t = m.sku + ": 1 A resell 2 B open box 3 C refurbish 4 scrap"
		if m.c.Compact() {
			t = m.sku + " grade? 1A 2B 3C 4scrap"
		}
	case stageDisposition:
		t = fmt.Sprintf("%s grade %s: r restock q quarantine d dispose (enter: %s)", m.sku, grades[m.grade].grade, m.disp)
	case stageLocation:
		t = "Restock: scan the bin, or enter for " + DefaultRestock
	case stageComplete:
		t = "All graded: enter to complete (" + orRefund(r.Resolution) + ")"
	}
	lines = append(lines, s.Warn.Render(common.Fit(t, w)), fb)
	for _, l := range m.rv.Lines {
		var gs []string
		for _, g := range l.Graded {
			gs = append(gs, string(g.Grade))
		}
		mark := " "
		if len(l.Graded) >= l.Qty {
			mark = "✓"
		}
		row := fmt.Sprintf("%s %-10s %d/%d %s", mark, l.SKU, len(l.Graded), l.Qty, strings.Join(gs, ","))
		if !m.c.Compact() {
			row = fmt.Sprintf("%s %-12s %s %d/%d %s", mark, l.SKU, common.Pad(l.Description, max(w-40, 0)), len(l.Graded), l.Qty, strings.Join(gs, ","))
		}
		lines = append(lines, common.Fit(row, w))
	}
	return common.Lines(lines, w, m.h)
}

func orRefund(s string) string {
	if s == "exchange" {
		return s
	}
	return "refund"
}
