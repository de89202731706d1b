// Package pack is the pack screen: scan a tote or an order, verify every
// item by scan, choose a carton, weigh, print label and slip, next order.
// Wrong items, over-scans and items of other orders are refused (red,
// bell, count unchanged); closing short needs a lead's override.
package pack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	stageIdle    stage = iota // scan a tote or order
	stagePacking              // scan items
	stageLead                 // override: lead badge or id + PIN
	stageReason               // override: why
	stageCarton               // choose a carton
	stageWeight               // type the weight
	stageStopped              // cancelled or held under our hands
)

// overrideReasons are the reasons a lead can give for a partial pack.
var overrideReasons = []string{"out of stock", "damaged in pick", "customer asked"}

// openedMsg carries an order opened for packing.
type openedMsg struct {
	common.Result
	po localdb.PackOrder
	ok bool
}

// scannedMsg ends one item scan.
type scannedMsg struct {
	common.Result
	line int // index of the line that took the items, -1 for a refusal
	qty  int
}

// leadMsg ends the lead's identification.
type leadMsg struct {
	common.Result
	lead floor.Operator
	ok   bool
}

// overrideMsg ends the override.
type overrideMsg struct {
	common.Result
	ok bool
}

// completedMsg ends the order.
type completedMsg struct {
	common.Result
	done floor.Completed
	ok   bool
}

// queueMsg carries orders ready to pack.
type queueMsg struct{ ids []string }

// scaleMsg carries the scale's reading while the weight is asked for.
type scaleMsg struct {
	r  floor.Reading
	ok bool
}

// KeyMap is the pack screen's keys.
type KeyMap struct {
	Done, Override, Leave, Reprint key.Binding
	Choices                        []key.Binding
}

func newKeyMap() KeyMap {
	k := KeyMap{
		Done:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "close")),
		Override: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "lead override")),
		Leave:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
	for i := 1; i <= 9; i++ {
		n := strconv.Itoa(i)
		k.Choices = append(k.Choices, key.NewBinding(key.WithKeys(n), key.WithHelp(n, "")))
	}
	return k
}

// Model is the pack screen.
type Model struct {
	c       *common.Common
	f       *floor.Floor
	op      floor.Operator
	keys    KeyMap
	w, h    int
	stage   stage
	po      localdb.PackOrder
	partial bool
	lead    floor.Operator
	carton  oms.CartonType
	fb      common.Feedback
	stopped string // why the order stopped
	queue   []string
	last    int // index of the line scanned last, kept in view
	// Hint is shown while no order is open (the demo's barcodes).
	Hint    string
	scale   floor.Reading
	scaleOK bool
}

// pollScale reads the scale (memory only) again shortly, while the
// weight is asked for.
func (m *Model) pollScale() tea.Cmd {
	if m.f.Scale == nil {
		return nil
	}
	// Readings carry the wall clock of their arrival, so freshness is
	// judged by the wall clock too.
	sc := m.f.Scale
	return tea.Tick(200*time.Millisecond, func(now time.Time) tea.Msg {
		r, ok := sc.Latest(now, 3*time.Second)
		return scaleMsg{r, ok && r.Stable}
	})
}

// toWeight moves to the weight step with carton c.
func (m *Model) toWeight(c oms.CartonType) tea.Cmd {
	m.carton, m.stage = c, stageWeight
	m.scaleOK = false
	if m.f.Scale != nil {
		if r, ok := m.f.Scale.Latest(time.Now(), 3*time.Second); ok && r.Stable {
			m.scale, m.scaleOK = r, true
		}
	}
	return common.Later(m.pollScale())
}

// weightGrams is the weight Enter takes: the scale's when it has a
// stable reading, else the estimate.
func (m *Model) weightGrams() int {
	if m.scaleOK && m.scale.Grams > 0 {
		return m.scale.Grams
	}
	return floor.EstimateWeight(m.po, m.carton)
}

// New returns the pack screen for a signed-in operator.
func New(c *common.Common, f *floor.Floor, op floor.Operator) *Model {
	return &Model{c: c, f: f, op: op, keys: newKeyMap()}
}

// Init loads the orders waiting.
func (m *Model) Init() tea.Cmd { return m.loadQueue() }

func (m *Model) loadQueue() tea.Cmd {
	db := m.f.DB
	return func() tea.Msg {
		ids, _ := db.PickQueue(context.Background(), 5)
		return queueMsg{ids}
	}
}

// SetSize sets the body size.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Order is the order on the bench ("" when none); for tests and the heartbeat.
func (m *Model) Order() string { return m.po.Order.ID }

// Prompt is the entry line's label.
func (m *Model) Prompt() (string, bool) {
	switch m.stage {
	case stageLead:
		if m.lead.ID != "" {
			return "Lead PIN", true
		}
		return "Lead badge or id", false
	case stageReason:
		return "Reason 1-3", false
	case stageCarton:
		return "Carton", false
	case stageWeight:
		return "Weight kg", false
	}
	return "Scan", false
}

// IsShortcut reports whether a printable key is a command here.
func (m *Model) IsShortcut(k tea.KeyMsg) bool {
	switch m.stage {
	case stagePacking:
		return key.Matches(k, m.keys.Override)
	case stageReason, stageCarton:
		for _, b := range m.keys.Choices {
			if key.Matches(k, b) {
				return true
			}
		}
	}
	return false
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	switch m.stage {
	case stagePacking:
		return []key.Binding{m.keys.Done, m.keys.Override, m.keys.Leave}
	case stageCarton, stageReason:
		c := key.NewBinding(key.WithKeys("1"), key.WithHelp("1-9", "choose"))
		return []key.Binding{c, m.keys.Leave}
	case stageWeight:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "estimate")), m.keys.Leave}
	case stageStopped:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "understood"))}
	}
	return []key.Binding{m.keys.Leave}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

func (m *Model) ref() localdb.OrderRef {
	return localdb.OrderRef{Operator: m.op.ID, OrderID: m.po.Order.ID, Version: m.po.Order.Version}
}

func (m *Model) scanContext() localdb.ScanContext {
	return localdb.ScanContext{Operator: m.op.ID, OrderID: m.po.Order.ID, OrderVersion: m.po.Order.Version, SessionID: m.po.SessionID}
}

// Remaining is the number of items still to scan.
func (m *Model) Remaining() int {
	n := 0
	for _, l := range m.po.Lines {
		n += l.Qty - l.Packed
	}
	return n
}

// Scan handles a scan.
func (m *Model) Scan(msg common.ScanMsg) tea.Cmd {
	s := msg.Scan
	if s.Kind == scanner.KindCommand && s.Value == "DONE" {
		return m.finish()
	}
	switch m.stage {
	case stageIdle:
		return m.open(s)
	case stagePacking:
		return m.item(s)
	case stageLead:
		return m.leadBadge(s)
	case stageCarton:
		if c, ok := m.f.Carton(floor.Code(s)); ok {
			return m.toWeight(c)
		}
		return m.refuse(s, "wrong_item", "not a carton: scan a carton label or type its number")
	case stageStopped:
		return m.refuse(s, "order_stopped", m.stopped)
	}
	return m.refuse(s, "wrong_item", "not expected now")
}

// refuse records a refused scan and answers red.
func (m *Model) refuse(s scanner.Scan, reason, text string) tea.Cmd {
	f, sc := m.f, m.scanContext()
	rec := floor.ScanRecord("pack", s)
	return func() tea.Msg { return refusal(f, sc, rec, reason, text) }
}

// refusal records a refused scan and is the red answer for it.
func refusal(f *floor.Floor, sc localdb.ScanContext, rec oms.ScanRecorded, reason, text string) scannedMsg {
	text = f.RecordRefusal(context.Background(), sc, rec, reason, text)
	return scannedMsg{Result: common.Result{Feedback: common.Bad("%s", text)}, line: -1}
}

func (m *Model) open(s scanner.Scan) tea.Cmd {
	f, op := m.f, m.op
	return func() tea.Msg {
		ctx := context.Background()
		var id, tote string
		var ok bool
		var err error
		if s.Kind == scanner.KindTote {
			tote = "TOTE-" + s.Value
			id, ok, err = f.DB.OrderForTote(ctx, tote)
		} else {
			id, ok, err = f.DB.FindOrder(ctx, floor.Code(s))
			if !ok && err == nil && s.Value != "" {
				id, ok, err = f.DB.FindOrder(ctx, strings.TrimSpace(s.Data))
			}
		}
		if err != nil {
			return openedMsg{Result: common.Result{Feedback: common.Bad("%v", err)}}
		}
		if !ok {
			rec := floor.ScanRecord("pack", s)
			m := refusal(f, localdb.ScanContext{Operator: op.ID}, rec, "unknown_barcode", "no order for "+rec.Raw+": scan a tote or an order")
			return openedMsg{Result: m.Result}
		}
		po, err := f.DB.PackOrder(ctx, id)
		if err != nil {
			return openedMsg{Result: common.Result{Feedback: common.Bad("%v", err)}}
		}
		switch {
		case po.Shipped:
			return openedMsg{Result: common.Result{Feedback: common.Bad("order %s already shipped from here", id)}}
		case !floor.IsWorkState(po.Order.State):
			return openedMsg{Result: common.Result{Feedback: common.Bad("order %s is %s: do not pack", id, po.Order.State)}}
		}
		if tote == "" {
			tote = po.Tote
		}
		ref := localdb.OrderRef{Operator: op.ID, OrderID: id, Version: po.Order.Version}
		if po.SessionID, err = f.DB.StartPack(ctx, ref, tote); err != nil {
			return openedMsg{Result: common.Result{Feedback: common.Bad("%v", err)}}
		}
		po.Tote = tote
		return openedMsg{po: po, ok: true, Result: common.Result{Feedback: common.Good("order %s: %d items", id, po.Order.Units())}}
	}
}

func (m *Model) item(s scanner.Scan) tea.Cmd {
	f, sc, ref := m.f, m.scanContext(), m.ref()
	lines := append([]localdb.PackLine(nil), m.po.Lines...)
	orderID := m.po.Order.ID
	return func() tea.Msg {
		ctx := context.Background()
		rec := floor.ScanRecord("pack", s)
		refuse := func(reason, text string) tea.Msg { return refusal(f, sc, rec, reason, text) }
		switch s.Kind {
		case scanner.KindTote, scanner.KindOrder:
			return refuse("other_order", "another order's label: finish "+orderID+" first")
		case scanner.KindLocation, scanner.KindRMA, scanner.KindBadge, scanner.KindSSCC, scanner.KindCommand:
			return refuse("wrong_item", "not an item of this order")
		}
		bm, err := f.ResolveSKU(ctx, s)
		if err != nil {
			if id, ok, _ := f.DB.FindOrder(ctx, floor.Code(s)); ok && id != orderID {
				return refuse("other_order", "another order's label: finish "+orderID+" first")
			}
			return refuse("unknown_barcode", "unknown barcode "+rec.Raw)
		}
		rec.SKU, rec.Qty = bm.SKU, bm.Qty
		idx, onOrder := -1, false
		for i, l := range lines {
			if l.SKU != bm.SKU {
				continue
			}
			onOrder = true
			if l.Packed+bm.Qty <= l.Qty {
				idx = i
				break
			}
		}
		if !onOrder {
			if other, ok, _ := f.DB.OpenOrderWithSKU(ctx, bm.SKU, orderID); ok {
				return refuse("other_order", fmt.Sprintf("%s belongs to order %s, not this one", bm.SKU, other))
			}
			return refuse("wrong_item", fmt.Sprintf("wrong item: %s is not on this order", bm.SKU))
		}
		if idx < 0 {
			return refuse("over_scan", fmt.Sprintf("too many %s: all already packed", bm.SKU))
		}
		l := lines[idx]
		item := oms.ItemPacked{LineNo: l.LineNo, SKU: l.SKU, Qty: bm.Qty, GTIN: s.GTIN, Lot: rec.Lot, Expiry: rec.Expiry, Carton: 1}
		if _, err := f.DB.PackItem(ctx, ref, sc.SessionID, item, rec); err != nil {
			if errors.Is(err, localdb.ErrOverScan) {
				return refuse("over_scan", fmt.Sprintf("too many %s: all already packed", bm.SKU))
			}
			return scannedMsg{Result: common.Result{Feedback: common.Bad("not recorded: %v", err)}, line: -1}
		}
		text := fmt.Sprintf("%s %d/%d", l.SKU, l.Packed+bm.Qty, l.Qty)
		if (l.LotTracked || l.ExpiryTracked) && rec.Lot == "" && rec.Expiry == "" {
			text += " (no lot on this barcode)"
		} else if rec.Lot != "" {
			text += " lot " + rec.Lot
		}
		return scannedMsg{Result: common.Result{Feedback: common.Good("%s", text)}, line: idx, qty: bm.Qty}
	}
}

// finish closes the order's scanning: a complete order goes to the
// carton; a short one needs a lead.
func (m *Model) finish() tea.Cmd {
	switch m.stage {
	case stagePacking:
		if m.Remaining() == 0 || m.partial {
			m.stage = stageCarton
			return nil
		}
		m.fb = common.Bad("%d items missing: scan them, or lead override (o)", m.Remaining())
		return bell
	case stageWeight:
		return m.complete(m.weightGrams())
	case stageStopped:
		return m.leave()
	}
	return nil
}

func bell() tea.Msg { return common.BellMsg{} }

func (m *Model) leadBadge(s scanner.Scan) tea.Cmd {
	f := m.f
	return func() tea.Msg {
		badge := floor.Code(s)
		if s.Kind != scanner.KindBadge {
			badge = strings.TrimSpace(s.Data)
		}
		op, err := f.SignInBadge(badge)
		if err != nil || !op.Lead {
			return leadMsg{Result: common.Result{Feedback: common.Bad("not a lead's badge")}}
		}
		return leadMsg{lead: op, ok: true}
	}
}

func (m *Model) override(reason string) tea.Cmd {
	db, ref, lead := m.f.DB, m.ref(), m.lead
	return func() tea.Msg {
		if _, err := db.OverridePartial(context.Background(), ref, lead.ID, reason); err != nil {
			return overrideMsg{Result: common.Result{Feedback: common.Bad("override not recorded: %v", err)}}
		}
		return overrideMsg{ok: true, Result: common.Result{Feedback: common.Good("partial pack allowed by %s: %s", lead.Name, reason)}}
	}
}

func (m *Model) complete(grams int) tea.Cmd {
	f, op, po, carton, partial := m.f, m.op, m.po, m.carton, m.partial
	return func() tea.Msg {
		done, err := f.CompletePack(context.Background(), op, po, carton, grams, partial)
		if err != nil {
			return completedMsg{Result: common.Result{Feedback: common.Bad("%v", err)}}
		}
		text := fmt.Sprintf("%s shipped %s %s", done.OrderID, done.Shipment.Carrier, done.Shipment.TrackingNumber)
		if !done.Printed {
			return completedMsg{done: done, ok: true, Result: common.Result{Feedback: common.Bad("%s; label NOT printed: %s", text, done.PrintErr)}}
		}
		return completedMsg{done: done, ok: true, Result: common.Result{Feedback: common.Good("%s; label queued", text)}}
	}
}

func (m *Model) leave() tea.Cmd {
	stopped := m.stage == stageStopped
	session, db := m.po.SessionID, m.f.DB
	m.stage, m.po, m.partial, m.lead, m.carton, m.stopped, m.last = stageIdle, localdb.PackOrder{}, false, floor.Operator{}, oms.CartonType{}, "", 0
	if stopped && session != 0 {
		return tea.Batch(func() tea.Msg { db.AbandonPack(context.Background(), session); return nil }, m.loadQueue())
	}
	return m.loadQueue()
}

// Typed handles typed lines: order ids, the lead's id and PIN, menu
// choices, carton codes and the weight.
func (m *Model) Typed(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	switch m.stage {
	case stageIdle, stagePacking:
		if text == "" {
			return nil
		}
		return m.Scan(common.ScanMsg{Scan: m.f.Decode(text), Source: "typed"})
	case stageLead:
		if m.lead.ID == "" {
			m.lead.ID = text
			return nil
		}
		id := m.lead.ID
		m.lead = floor.Operator{}
		lead, err := m.f.SignInPIN(id, text)
		if err != nil || !lead.Lead {
			m.fb = common.Bad("not a lead, or wrong PIN")
			m.stage = stagePacking
			return bell
		}
		m.lead, m.stage = lead, stageReason
	case stageReason:
		if n, err := strconv.Atoi(text); err == nil && n >= 1 && n <= len(overrideReasons) {
			return m.override(overrideReasons[n-1])
		}
		m.fb = common.Bad("reason: type 1 to %d", len(overrideReasons))
		return bell
	case stageCarton:
		if c, ok := m.f.Carton(text); ok {
			return m.toWeight(c)
		}
		m.fb = common.Bad("no carton %q", text)
		return bell
	case stageWeight:
		kg, err := strconv.ParseFloat(strings.ReplaceAll(text, ",", "."), 64)
		if err != nil || !(kg > 0 && kg <= 70) { // written so that NaN fails too
			m.fb = common.Bad("weight: type kilograms, 0.01 to 70")
			return bell
		}
		return m.complete(int(kg*1000 + 0.5))
	}
	return nil
}

// Key handles keys the entry line passed on, and shortcuts.
func (m *Model) Key(k tea.KeyMsg) tea.Cmd {
	switch m.stage {
	case stageReason:
		for i, b := range m.keys.Choices[:len(overrideReasons)] {
			if key.Matches(k, b) {
				return m.override(overrideReasons[i])
			}
		}
	case stageCarton:
		for i, b := range m.keys.Choices {
			if key.Matches(k, b) && i < len(m.f.Cartons) {
				return m.toWeight(m.f.Cartons[i])
			}
		}
	}
	switch {
	case key.Matches(k, m.keys.Done):
		return m.finish()
	case key.Matches(k, m.keys.Override) && m.stage == stagePacking:
		m.stage, m.lead = stageLead, floor.Operator{}
	case key.Matches(k, m.keys.Leave):
		switch m.stage {
		case stageLead, stageReason, stageCarton, stageWeight:
			m.stage, m.lead = stagePacking, floor.Operator{}
		case stagePacking, stageStopped:
			return m.leave()
		}
	}
	return nil
}

// Update handles the screen's own messages.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case queueMsg:
		m.queue = msg.ids
	case scaleMsg:
		if m.stage != stageWeight {
			return nil
		}
		m.scale, m.scaleOK = msg.r, msg.ok
		return m.pollScale()
	case openedMsg:
		m.fb = msg.Feedback
		if msg.ok {
			m.po, m.stage, m.partial, m.last = msg.po, stagePacking, false, 0
			if m.Remaining() == 0 {
				m.stage = stageCarton
			}
		}
	case scannedMsg:
		m.fb = msg.Feedback
		if msg.line >= 0 && msg.line < len(m.po.Lines) && m.stage == stagePacking {
			m.po.Lines[msg.line].Packed += msg.qty
			m.last = msg.line
			if m.Remaining() == 0 {
				m.stage = stageCarton
			}
		}
	case leadMsg:
		m.fb = msg.Feedback
		if msg.ok {
			m.lead, m.stage = msg.lead, stageReason
		} else {
			m.stage = stagePacking
		}
	case overrideMsg:
		m.fb = msg.Feedback
		m.stage = stagePacking
		if msg.ok {
			m.partial, m.stage = true, stageCarton
		}
	case completedMsg:
		m.fb = msg.Feedback
		if msg.ok {
			m.stage, m.po, m.partial, m.lead, m.carton, m.last = stageIdle, localdb.PackOrder{}, false, floor.Operator{}, oms.CartonType{}, 0
			return m.loadQueue()
		}
	case common.ApprovalMsg:
		// A lead approved closing this order short from the dashboard.
		if m.po.Order.ID != msg.OrderID || m.Remaining() == 0 || (m.stage != stagePacking && m.stage != stageLead && m.stage != stageReason) {
			return nil
		}
		m.lead = floor.Operator{ID: "lead:" + msg.Lead, Name: msg.Lead, Lead: true}
		reason := msg.Reason
		if reason == "" {
			reason = "approved from the floor dashboard"
		}
		return m.override(reason)
	case common.TaskMsg:
		ev := msg.Event
		if m.stage == stageIdle || ev.OrderID != m.po.Order.ID {
			if m.stage == stageIdle {
				return m.loadQueue()
			}
			return nil
		}
		switch ev.Type {
		case oms.EventTaskOrderCancel:
			m.stage = stageStopped
			m.stopped = "order " + ev.OrderID + " CANCELLED: do not ship; put the items back to stock"
		case oms.EventTaskOrderHold:
			m.stage = stageStopped
			m.stopped = "order " + ev.OrderID + " ON HOLD: stop; keep the items in the tote and set it aside"
		case oms.EventTaskException:
			if p, ok := ev.Payload.(*oms.TaskException); ok {
				m.fb = common.Bad("central: %s (%s)", p.Message, p.Action)
			}
			return bell
		default:
			return nil
		}
		m.fb = common.Bad("%s", m.stopped)
		return bell
	}
	return nil
}

// View draws the screen body.
func (m *Model) View() string {
	s, w := m.c.Styles, m.w
	var lines []string
	fb := m.fb.Render(s, w)
	if m.stage == stageIdle {
		lines = append(lines, s.Title.Render(common.Fit("PACK", w)), common.Fit("Scan a tote or an order.", w), fb)
		if len(m.queue) > 0 {
			lines = append(lines, s.Muted.Render(common.Fit("Waiting: "+strings.Join(m.queue, " "), w)))
		}
		if m.Hint != "" {
			lines = append(lines, s.Muted.Render(common.Fit(m.Hint, w)))
		}
		return common.Lines(lines, w, m.h)
	}
	o := m.po.Order
	title := fmt.Sprintf("PACK %s · %d/%d items", o.ID, o.Units()-m.Remaining(), o.Units())
	if !m.c.Compact() {
		title = fmt.Sprintf("PACK %s · %s · %s · %d/%d items", o.ID, o.ExternalID, o.ServiceLevel, o.Units()-m.Remaining(), o.Units())
	}
	lines = append(lines, s.Title.Render(common.Fit(title, w)))
	lines = append(lines, m.instruction(), fb)
	rows := m.h - 3
	if rows > 0 {
		start := common.Window(len(m.po.Lines), m.last, rows)
		for i := start; i < len(m.po.Lines) && len(lines) < m.h; i++ {
			lines = append(lines, m.lineRow(i))
		}
	}
	return common.Lines(lines, w, m.h)
}

func (m *Model) instruction() string {
	s, w := m.c.Styles, m.w
	var t string
	switch m.stage {
	case stagePacking:
		t = fmt.Sprintf("Scan each item: %d to go", m.Remaining())
		if m.partial {
			t += " (partial allowed)"
		}
	case stageLead:
		t = "Lead override: lead scans badge or types id, PIN"
	case stageReason:
		t = "Why short? 1 out of stock 2 damaged in pick 3 customer asked"
	case stageCarton:
		var b strings.Builder
		b.WriteString("Carton:")
		for i, c := range m.f.Cartons {
			fmt.Fprintf(&b, " %d %s", i+1, c.Code)
		}
		t = b.String()
	case stageWeight:
		if m.scaleOK {
			t = fmt.Sprintf("%s: weight in kg? enter = scale %.3f", m.carton.Code, float64(m.scale.Grams)/1000)
		} else {
			t = fmt.Sprintf("%s: weight in kg? enter = %.2f", m.carton.Code, float64(floor.EstimateWeight(m.po, m.carton))/1000)
		}
	case stageStopped:
		return s.Error.Render(common.Fit(m.stopped, w))
	}
	return s.Warn.Render(common.Fit(t, w))
}

func (m *Model) lineRow(i int) string {
	s, w := m.c.Styles, m.w
	l := m.po.Lines[i]
	mark := " "
	if l.Packed >= l.Qty {
		mark = "✓"
	}
	count := fmt.Sprintf("%d/%d", l.Packed, l.Qty)
	var row string
	if m.c.Compact() {
		row = fmt.Sprintf("%s %-10s %s %s", mark, l.SKU, common.Pad(l.Description, max(w-20, 0)), count)
	} else {
		desc := common.Pad(l.Description, max(w-28, 0))
		row = fmt.Sprintf("%s %-12s %s %9s", mark, l.SKU, desc, count)
		if w >= 110 {
			lot := ""
			if l.LotTracked {
				lot = "lot"
			}
			desc = common.Pad(l.Description, max(w-46, 0))
			row = fmt.Sprintf("%s %3d %-12s %s %9s %6.2fkg %3s", mark, l.LineNo, l.SKU, desc, count, float64(l.WeightGrams*l.Qty)/1000, lot)
		}
	}
	row = common.Fit(row, w)
	if l.Packed >= l.Qty {
		return s.Done.Render(row)
	}
	if i == m.last {
		return s.Selected.Render(row)
	}
	return row
}
