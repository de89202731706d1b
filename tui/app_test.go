package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/oms/demo"
	"github.com/packline/packline/printers"
	"github.com/packline/packline/printers/vprinter"
	"github.com/packline/packline/scanner"
	"github.com/packline/packline/sync"
	"github.com/packline/packline/tui/common"
	"github.com/packline/packline/tui/floor"
)

func TestMain(m *testing.M) {
	// Golden files hold plain bytes: no colour, whatever the terminal.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// fixedNow is the tests' clock, so the status bar's ages never move.
var fixedNow = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

var testAddress = oms.Address{Name: "Ada Lovelace", Street1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GB"}

// fixture is a station with a small world: orders T1 (two lines with pick
// bins), T2 (another order), T3 (shipped, on RMA00000001) and T4 (one line
// of 100), a vprinter and the floor logic over them.
type fixture struct {
	db      *localdb.DB
	f       *floor.Floor
	skus    []oms.SKU
	printer *vprinter.Server
	bells   atomic.Int64
	version int64
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := localdb.OpenStation(filepath.Join(dir, "station.db"), "LON", "PACK-01")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	world := demo.Generate(demo.DefaultSeed, demo.Sizes{SKUs: 12})
	fx := &fixture{db: db, skus: world.SKUs}
	if err := db.UpsertSKUs(ctx, world.SKUs); err != nil {
		t.Fatal(err)
	}
	s := world.SKUs
	fx.release(t, "T1", []oms.Line{{LineNo: 1, SKU: s[0].SKU, Qty: 2, UnitPrice: 500}, {LineNo: 2, SKU: s[1].SKU, Qty: 1, UnitPrice: 900}},
		[]oms.PickLine{{LineNo: 1, SKU: s[0].SKU, Location: "A-01-01-1", WalkSeq: 10, Qty: 2}, {LineNo: 2, SKU: s[1].SKU, Location: "A-01-02-1", WalkSeq: 20, Qty: 1}})
	fx.release(t, "T2", []oms.Line{{LineNo: 1, SKU: s[2].SKU, Qty: 1, UnitPrice: 700}}, nil)
	fx.release(t, "T3", []oms.Line{{LineNo: 1, SKU: s[0].SKU, Qty: 1, UnitPrice: 500}, {LineNo: 2, SKU: s[1].SKU, Qty: 1, UnitPrice: 900}}, nil)
	fx.release(t, "T4", []oms.Line{{LineNo: 1, SKU: s[3].SKU, Qty: 100, UnitPrice: 100}}, nil)
	fx.task(t, "T3", &oms.TaskRMAAuthorized{Return: oms.Return{RMA: "RMA00000001", OrderID: "T3", Reason: "too small",
		Lines: []oms.ReturnLine{{SKU: s[0].SKU, Qty: 1}, {SKU: s[1].SKU, Qty: 1}}}})

	vp, err := vprinter.New(filepath.Join(dir, "labels"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := vp.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vp.Close() })
	fx.printer = vp
	tr, err := printers.Open("tcp://"+vp.Addr(), printers.Timeouts{})
	if err != nil {
		t.Fatal(err)
	}
	templates, err := printers.DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	site := world.Sites[0]
	fx.f = &floor.Floor{DB: db, Decoder: scanner.NewDecoder(scanner.DefaultConfig()), Site: site, Station: "PACK-01",
		Operators: floor.DemoOperators(), Cartons: world.Cartons, Templates: templates, Printer: printerName,
		Spooler:       printers.NewSpooler(db, map[string]printers.Transport{printerName: tr}, printers.SpoolerOptions{}),
		PrinterStatus: tr.Status}
	fx.f.Shipper = floor.DemoShipper{Next: db.NextCounter, Station: "PACK-01"}
	fx.f.Sync = onlineSync{}
	fx.f.CheckPrinter(context.Background())
	return fx
}

// onlineSync is a sync that is always online with nothing waiting, so
// the status bar does not depend on the clock.
type onlineSync struct{}

func (onlineSync) State(context.Context) (sync.State, error) { return sync.State{Online: true}, nil }

func (fx *fixture) release(t testing.TB, id string, lines []oms.Line, picks []oms.PickLine) {
	t.Helper()
	o := oms.Order{ID: id, Channel: oms.ChannelWeb, ExternalID: "W-" + id, Customer: oms.Customer{Name: "Ada Lovelace"}, ShipTo: testAddress,
		Currency: "GBP", ServiceLevel: oms.ServiceExpress, State: oms.StateReleased, Site: "LON", Lines: lines}
	fx.task(t, id, &oms.TaskOrderReleased{Order: o, Picks: picks})
}

// task applies a task from "central" and returns it as the sync would pass it on.
func (fx *fixture) task(t testing.TB, orderID string, p oms.Payload) oms.Event {
	t.Helper()
	fx.version++
	ev := oms.NewEvent(p)
	ev.Site, ev.Station, ev.OrderID, ev.OrderVersion = "LON", "PACK-01", orderID, 100+fx.version
	if _, err := fx.db.ApplyTask(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// events lists the types of the events in the outbox, in seq order.
func (fx *fixture) events(t testing.TB) []oms.Event {
	t.Helper()
	rows, err := fx.db.PendingOutbox(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var out []oms.Event
	for _, r := range rows {
		ev, err := oms.ParseEvent(r.Payload)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func count(evs []oms.Event, typ oms.EventType) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// refusedScans counts scan.recorded events that were refused, by reason.
func refusedScans(evs []oms.Event) map[string]int {
	out := map[string]int{}
	for _, e := range evs {
		if s, ok := e.Payload.(*oms.ScanRecorded); ok && !s.Accepted {
			out[s.Reason]++
		}
	}
	return out
}

func (fx *fixture) model() *Model {
	return New(Options{Floor: fx.f, Renderer: lipgloss.DefaultRenderer(), Now: func() time.Time { return fixedNow },
		Bell: func() { fx.bells.Add(1) }, Hint: []string{"Demo: BADGE-1001 (ana, PIN 1111)"}})
}

// probe wraps the root model so a test can read its view from inside the
// program's own goroutine: no data race, no sleeping.
type probe struct{ *Model }

type viewReq chan string

func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if r, ok := msg.(viewReq); ok {
		r <- p.Model.View()
		return p, nil
	}
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

type session struct {
	t  testing.TB
	tm *teatest.TestModel
	fx *fixture
}

func start(t testing.TB, fx *fixture, w, h int) *session {
	t.Helper()
	tm := teatest.NewTestModel(t, probe{fx.model()}, teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() { tm.Quit() })
	s := &session{t: t, tm: tm, fx: fx}
	s.tm.Send(StatusMsg(floor.Status{Sync: floor.SyncState{Configured: true, Online: true}, Printer: floor.PrinterState{Configured: true, Answering: true, CheckedAt: fixedNow}}))
	return s
}

// view returns the current screen as the program draws it.
func (s *session) view() string {
	s.t.Helper()
	ch := make(viewReq, 1)
	s.tm.Send(ch)
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		s.t.Fatal("program did not answer")
		return ""
	}
}

// waitFor polls the view until it holds every one of texts.
func (s *session) waitFor(texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var v string
	for time.Now().Before(deadline) {
		v = s.view()
		ok := true
		for _, t := range texts {
			if !strings.Contains(v, t) {
				ok = false
				break
			}
		}
		if ok {
			return v
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.t.Fatalf("timed out waiting for %q; screen:\n%s", texts, v)
	return ""
}

func (s *session) scan(code string) {
	s.tm.Send(common.ScanMsg{Scan: s.fx.f.Decode(code), Source: "test"})
}

func (s *session) key(k string) {
	switch k {
	case "enter":
		s.tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	case "esc":
		s.tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	case "f2":
		s.tm.Send(tea.KeyMsg{Type: tea.KeyF2})
	case "f3":
		s.tm.Send(tea.KeyMsg{Type: tea.KeyF3})
	case "f4":
		s.tm.Send(tea.KeyMsg{Type: tea.KeyF4})
	case "f5":
		s.tm.Send(tea.KeyMsg{Type: tea.KeyF5})
	case "f10":
		s.tm.Send(tea.KeyMsg{Type: tea.KeyF10})
	default:
		s.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
}

func (s *session) signIn() {
	s.scan("BADGE-1001")
	s.waitFor("ana ", "PACK")
}

// signedIn is a fresh fixture on an 80x24 screen with ana signed in.
func signedIn(t testing.TB) (*fixture, *session) {
	t.Helper()
	fx := newFixture(t)
	s := start(t, fx, 80, 24)
	s.signIn()
	return fx, s
}

// halfPackedT1 is ana packing T1 with one of its three items scanned.
func halfPackedT1(t testing.TB) (*fixture, *session) {
	t.Helper()
	fx, s := signedIn(t)
	s.scan("T1")
	s.waitFor("PACK T1")
	s.scan("PL" + fx.skus[0].SKU)
	s.waitFor("1/3 items")
	return fx, s
}

// TestSignInByBadgeAndPIN signs in by badge, out, and in by id and PIN,
// and refuses a wrong PIN with the bell.
func TestSignInByBadgeAndPIN(t *testing.T) {
	fx := newFixture(t)
	s := start(t, fx, 80, 24)
	s.waitFor("SIGN IN")
	s.signIn()
	s.key("f10")
	v := s.waitFor("SIGN IN", "signed out")
	if strings.Contains(strings.SplitN(v, "\n", 2)[0], "ana") {
		t.Fatalf("operator still on screen after sign-out:\n%s", v)
	}
	s.tm.Send(common.TypedMsg{Text: "lee"})
	s.waitFor("PIN>")
	s.tm.Send(common.TypedMsg{Text: "0000"})
	s.waitFor("wrong operator id or PIN")
	if got := waitBells(fx, 1); got != 1 {
		t.Fatalf("bells = %d, want 1", got)
	}
	s.tm.Send(common.TypedMsg{Text: "lee"})
	s.tm.Send(common.TypedMsg{Text: "9999"})
	s.waitFor("lee ", "PACK")
	evs := fx.events(t)
	if count(evs, oms.EventOperatorSignedIn) != 2 || count(evs, oms.EventOperatorSignedOut) != 1 {
		t.Fatalf("sign-in events: %d in, %d out", count(evs, oms.EventOperatorSignedIn), count(evs, oms.EventOperatorSignedOut))
	}
}

// TestPickWithShortPick picks T1: tote, first line in full (one scan of a
// quantity typed first), a wrong item refused, the second line shorted
// with a reason, and the tote handed off.
func TestPickWithShortPick(t *testing.T) {
	fx, s := signedIn(t)
	s.key("f2")
	s.waitFor("PICK · 4 orders waiting", "> T1")
	s.scan("T1")
	s.waitFor("Scan an empty tote")
	s.scan("TOTE-0001")
	s.waitFor("Go to A-01-01-1")
	s.scan("LOC-A-01-02-1")
	s.waitFor("wrong location")
	s.scan("LOC-A-01-01-1")
	s.waitFor("Scan " + fx.skus[0].SKU + ": 0 of 2")
	s.scan("PL" + fx.skus[1].SKU)
	s.waitFor("wrong item " + fx.skus[1].SKU)
	s.tm.Send(common.TypedMsg{Text: "2"})
	s.waitFor("(x2)")
	s.scan("PL" + fx.skus[0].SKU)
	s.waitFor("Go to A-01-02-1")
	s.key("s")
	s.waitFor("Short why?")
	s.key("1")
	s.waitFor("All done", "short: "+fx.skus[1].SKU+" 0 of 1")
	s.key("h")
	s.waitFor("TOTE-0001 handed off", "PICK · 3 orders waiting")

	evs := fx.events(t)
	if n := count(evs, oms.EventPickConfirmed); n != 1 {
		t.Fatalf("%d pick.confirmed, want 1", n)
	}
	for _, e := range evs {
		switch p := e.Payload.(type) {
		case *oms.PickConfirmed:
			if p.Qty != 2 || p.Tote != "TOTE-0001" || p.Location != "A-01-01-1" {
				t.Fatalf("pick confirmed %+v", p)
			}
		case *oms.PickShorted:
			if p.Reason != oms.ShortNoneOnShelf || p.Wanted != 1 || p.Picked != 0 || e.OrderID != "T1" {
				t.Fatalf("pick shorted %+v", p)
			}
		case *oms.ToteHandedOff:
			if p.Tote != "TOTE-0001" {
				t.Fatalf("hand-off %+v", p)
			}
		}
	}
	if count(evs, oms.EventPickShorted) != 1 || count(evs, oms.EventToteHandedOff) != 1 {
		t.Fatalf("events: %v", types(evs))
	}
	if r := refusedScans(evs); r["wrong_item"] != 1 || r["wrong_location"] != 1 {
		t.Fatalf("refused scans %v", r)
	}
	if got := waitBells(fx, 2); got != 2 {
		t.Fatalf("bells = %d, want 2", got)
	}
}

func types(evs []oms.Event) []oms.EventType {
	var out []oms.EventType
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// TestPackWithWrongItem packs T1 with a wrong item, another order's item
// and an over-scan in the middle: each refused, counts unchanged, bell;
// then carton, weight, label and slip on the printer, pack.completed and
// shipment.created.
func TestPackWithWrongItem(t *testing.T) {
	fx := newFixture(t)
	go fx.f.Spooler.Run(t.Context())
	s := start(t, fx, 80, 24)
	s.signIn()
	s.scan("T1")
	s.waitFor("PACK T1", "0/3 items")
	a, b := "PL"+fx.skus[0].SKU, "PL"+fx.skus[1].SKU
	s.scan(a)
	s.waitFor("1/3 items", fx.skus[0].SKU+" 1/2")
	s.scan("PL" + fx.skus[5].SKU) // on no order
	s.waitFor("wrong item: " + fx.skus[5].SKU)
	s.scan("PL" + fx.skus[2].SKU) // T2's
	s.waitFor(fx.skus[2].SKU + " belongs to order T2")
	s.scan("T2")
	s.waitFor("another order's label")
	s.scan("NOT-A-BARCODE")
	s.waitFor("unknown barcode")
	v := s.view()
	if !strings.Contains(v, "1/3 items") {
		t.Fatalf("count moved after refusals:\n%s", v)
	}
	s.scan(b)
	s.waitFor("2/3 items")
	s.scan(b)
	s.waitFor("too many " + fx.skus[1].SKU)
	s.key("enter")
	s.waitFor("1 items missing")
	s.scan(a)
	s.waitFor("Carton:")
	s.key("2")
	s.waitFor("BOX-S: weight in kg?")
	s.tm.Send(common.TypedMsg{Text: "1.25"})
	s.waitFor("T1 shipped demo DEMOLONPACK-010000001", "label queued")

	evs := fx.events(t)
	if r := refusedScans(evs); r["wrong_item"] != 1 || r["other_order"] != 2 || r["unknown_barcode"] != 1 || r["over_scan"] != 1 {
		t.Fatalf("refused scans %v", r)
	}
	if got := waitBells(fx, 6); got != 6 {
		t.Fatalf("bells = %d, want 6 (5 refusals, 1 close with items missing)", got)
	}
	if count(evs, oms.EventItemPacked) != 3 || count(evs, oms.EventPackStarted) != 1 {
		t.Fatalf("events %v", types(evs))
	}
	var sh oms.Shipment
	for _, e := range evs {
		switch p := e.Payload.(type) {
		case *oms.PackCompleted:
			if len(p.Cartons) != 1 || p.Cartons[0].Type != "BOX-S" || p.Cartons[0].WeightGrams != 1250 || p.Partial {
				t.Fatalf("pack completed %+v", p)
			}
		case *oms.ShipmentCreated:
			sh = p.Shipment
		}
	}
	if sh.TrackingNumber != "DEMOLONPACK-010000001" || len(sh.Cartons) != 1 || printers.ValidSSCC(sh.Cartons[0].SSCC) != nil || sh.Carrier != "demo" {
		t.Fatalf("shipment %+v", sh)
	}
	// Label and slip reach the printer; label.printed follows.
	deadline := time.Now().Add(10 * time.Second)
	for {
		labels, _ := fx.printer.Labels()
		if len(labels) >= 2 {
			b, _ := os.ReadFile(labels[0])
			if !strings.Contains(string(b), sh.TrackingNumber) {
				t.Fatalf("label does not carry the tracking number:\n%s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("printer holds %d labels, want 2", len(labels))
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go fx.f.Monitor(ctx, 20*time.Millisecond)
	for count(fx.events(t), oms.EventLabelPrinted) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("label.printed not reported")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPartialPackNeedsLeadOverride closes T1 short: refused for the packer
// alone, allowed with a lead's badge and a reason (pack.override).
func TestPartialPackNeedsLeadOverride(t *testing.T) {
	fx, s := halfPackedT1(t)
	s.scan("CMD-DONE")
	s.waitFor("2 items missing")
	s.key("o")
	s.waitFor("Lead override")
	s.scan("BADGE-1001") // a packer, not a lead
	s.waitFor("not a lead's badge")
	s.key("o")
	s.waitFor("Lead override: lead scans")
	s.scan("BADGE-9001")
	s.waitFor("Why short?")
	s.tm.Send(common.TypedMsg{Text: "9"}) // no such reason
	s.waitFor("reason: type 1 to 3", "Why short?")
	s.key("1")
	s.waitFor("partial pack allowed by Lee Lead", "Carton:")
	s.key("1")
	s.waitFor("MAILER-S: weight in kg?")
	s.tm.Send(common.TypedMsg{Text: "NaN"}) // parses as a float: refused here, not by the shipper
	s.waitFor("weight: type kilograms, 0.01 to 70", "MAILER-S: weight in kg?")
	for _, bad := range []string{"-1", "71", "heavy"} {
		s.tm.Send(common.TypedMsg{Text: bad})
	}
	s.waitFor("weight: type kilograms, 0.01 to 70", "MAILER-S: weight in kg?")
	s.key("enter")
	s.waitFor("T1 shipped")
	evs := fx.events(t)
	var ov *oms.PackOverride
	var done *oms.PackCompleted
	for _, e := range evs {
		switch p := e.Payload.(type) {
		case *oms.PackOverride:
			ov = p
			if e.Operator != "ana" || e.At.IsZero() {
				t.Fatalf("override envelope %+v", e)
			}
		case *oms.PackCompleted:
			done = p
		}
	}
	if ov == nil || ov.Lead != "lee" || ov.Action != "partial_pack" || ov.Reason != "out of stock" {
		t.Fatalf("override %+v", ov)
	}
	if done == nil || !done.Partial || done.Cartons[0].Items[0].Qty != 1 || done.Cartons[0].WeightGrams <= 0 {
		t.Fatalf("pack completed %+v", done)
	}
}

// TestPartialPackApprovedFromDashboard: a lead approves closing T1 short
// from the floor dashboard; the station takes it as the lead's override.
func TestPartialPackApprovedFromDashboard(t *testing.T) {
	fx, s := halfPackedT1(t)
	s.tm.Send(common.ApprovalMsg{OrderID: "T2", Lead: "lee", Reason: "not this one"})
	s.tm.Send(common.ApprovalMsg{OrderID: "T1", Lead: "lee", Reason: "customer asked"})
	s.waitFor("partial pack allowed by lee: customer asked", "Carton:")
	var ov *oms.PackOverride
	for _, e := range fx.events(t) {
		if p, ok := e.Payload.(*oms.PackOverride); ok {
			ov = p
		}
	}
	if ov == nil || ov.Lead != "lead:lee" || ov.Reason != "customer asked" {
		t.Fatalf("override %+v", ov)
	}
}

// TestReturnWithTwoGrades receives RMA00000001, grades one item A
// (restocked) and one scrap (disposed), and completes it.
func TestReturnWithTwoGrades(t *testing.T) {
	fx, s := signedIn(t)
	s.key("f4")
	s.waitFor("RETURNS")
	s.scan("RMA99999999")
	s.waitFor("no RMA for RMA99999999")
	s.scan("RMA00000001")
	s.waitFor("RETURN RMA00000001", "2 to grade")
	s.scan("PL" + fx.skus[2].SKU)
	s.waitFor("not on this RMA")
	s.scan("PL" + fx.skus[0].SKU)
	s.waitFor("1 A resell")
	s.key("1")
	s.waitFor("r restock")
	s.key("r")
	s.waitFor("Restock: scan the bin")
	s.scan("LOC-B-02-03-1")
	s.waitFor("graded A, restock to B-02-03-1", "1 to grade")
	s.scan("PL" + fx.skus[1].SKU)
	s.waitFor("1 A resell")
	s.key("4")
	s.waitFor("(enter: dispose)")
	s.key("enter")
	s.waitFor("All graded")
	s.key("enter")
	s.waitFor("RMA00000001 complete: refund")

	evs := fx.events(t)
	var graded []oms.ReturnItemGraded
	for _, e := range evs {
		if p, ok := e.Payload.(*oms.ReturnItemGraded); ok {
			graded = append(graded, *p)
			if e.OrderID != "T3" {
				t.Fatalf("graded event for order %q", e.OrderID)
			}
		}
	}
	if len(graded) != 2 || graded[0].Grade != oms.GradeA || graded[0].Disposition != oms.DispositionRestock || graded[0].Location != "B-02-03-1" ||
		graded[1].Grade != oms.GradeScrap || graded[1].Disposition != oms.DispositionDispose {
		t.Fatalf("graded %+v", graded)
	}
	if count(evs, oms.EventReturnReceived) != 1 || count(evs, oms.EventReturnCompleted) != 1 {
		t.Fatalf("events %v", types(evs))
	}
}

// TestCancellationMidPack cancels T1 from central while it is half packed:
// the screen stops the packer (red, bell), refuses further scans, and the
// exceptions screen says what to do with the items.
func TestCancellationMidPack(t *testing.T) {
	fx, s := halfPackedT1(t)
	ev := fx.task(t, "T1", &oms.TaskOrderCancelled{Reason: "customer changed mind"})
	s.tm.Send(common.TaskMsg{Event: ev})
	s.waitFor("order T1 CANCELLED: do not ship")
	s.scan("PL" + fx.skus[0].SKU)
	deadline := time.Now().Add(5 * time.Second)
	for refusedScans(fx.events(t))["order_stopped"] != 1 || fx.bells.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("refused scan after cancel: refusals %v, bells %d", refusedScans(fx.events(t)), fx.bells.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	evs := fx.events(t)
	if count(evs, oms.EventItemPacked) != 1 || refusedScans(evs)["order_stopped"] != 1 {
		t.Fatalf("events %v refused %v", types(evs), refusedScans(evs))
	}
	s.key("enter")
	s.waitFor("Scan a tote or an order.")
	s.key("f5")
	s.waitFor("EXCEPTIONS · 1 open", "T1 cancelled with 0 picked, 1 packed", "do not ship; return the picked items to stock")
	s.key("a")
	s.waitFor("EXCEPTIONS · 0 open")
	// A cancelled order cannot be opened again.
	s.key("f3")
	s.scan("T1")
	s.waitFor("order T1 is cancelled: do not pack")
}

// TestNoScanLostInABurst sends 100 scans at once (far beyond 20/s): every
// one is handled, in order, and committed.
func TestNoScanLostInABurst(t *testing.T) {
	fx, s := signedIn(t)
	s.scan("T4")
	s.waitFor("PACK T4", "0/100 items")
	code := "PL" + fx.skus[3].SKU
	for range 101 {
		s.scan(code)
	}
	// The 101st finds the order complete and the screen asking for a carton.
	s.waitFor("100/100 items", "not a carton")
	evs := fx.events(t)
	if n := count(evs, oms.EventItemPacked); n != 100 {
		t.Fatalf("%d items packed, want 100", n)
	}
	if r := refusedScans(evs); r["wrong_item"] != 1 {
		t.Fatalf("refused %v", r)
	}
}

// TestKeyboardWedge types a barcode as a wedge scanner does (a burst and
// Enter): it is taken as a scan. Slow typing stays typing.
func TestKeyboardWedge(t *testing.T) {
	fx, s := signedIn(t)
	s.tm.Type("T1")
	s.key("enter") // too short for a scan: typed, and the pack screen looks it up anyway
	s.waitFor("PACK T1")
	s.tm.Type("PL" + fx.skus[0].SKU)
	s.key("enter")
	s.waitFor("1/3 items")
	evs := fx.events(t)
	for _, e := range evs {
		if p, ok := e.Payload.(*oms.ScanRecorded); ok && p.Accepted && p.Raw != "PL"+fx.skus[0].SKU {
			t.Fatalf("scan recorded as %q", p.Raw)
		}
	}
}

// TestGolden renders every screen at 40x8 (handheld) and 80x24.
func TestGolden(t *testing.T) {
	screens := []struct {
		name  string
		drive func(s *session)
		want  string
	}{
		{"login", func(s *session) {}, "SIGN IN"},
		{"pick", func(s *session) {
			s.signIn()
			s.key("f2")
			s.waitFor("T1")
			s.scan("T1")
			s.waitFor("tote")
			s.scan("TOTE-0001")
		}, "Go to A-01-01-1"},
		{"pack", func(s *session) {
			s.signIn()
			s.scan("T1")
			s.waitFor("T1")
			s.scan("PL" + s.fx.skus[0].SKU)
			s.waitFor("1/2")
			s.scan("PL" + s.fx.skus[5].SKU)
		}, "wrong item"},
		{"returns", func(s *session) {
			s.signIn()
			s.key("f4")
			s.waitFor("RETURNS")
			s.scan("RMA00000001")
			s.waitFor("RMA00000001")
			s.scan("PL" + s.fx.skus[0].SKU)
		}, "grade it"},
		{"exceptions", func(s *session) {
			s.signIn()
			s.scan("T1")
			s.waitFor("T1")
			s.scan("PL" + s.fx.skus[0].SKU)
			s.waitFor("1/2")
			s.tm.Send(common.TaskMsg{Event: s.fx.task(s.t, "T1", &oms.TaskOrderCancelled{})})
			s.waitFor("CANCELLED")
			s.key("f5")
		}, "EXC 1"},
	}
	for _, sc := range screens {
		for _, size := range [][2]int{{40, 8}, {80, 24}} {
			t.Run(fmt.Sprintf("%s_%dx%d", sc.name, size[0], size[1]), func(t *testing.T) {
				fx := newFixture(t)
				s := start(t, fx, size[0], size[1])
				sc.drive(s)
				v := s.waitFor(sc.want)
				if sc.name == "exceptions" {
					v = s.waitFor("EXCEPTIONS · 1")
				}
				checkFits(t, v, size[0], size[1])
				golden.RequireEqual(t, []byte(v))
			})
		}
	}
}

// checkFits checks the view has exactly h lines of at most w cells.
func checkFits(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), h, v)
	}
	for i, l := range lines {
		if n := lipgloss.Width(l); n > w {
			t.Fatalf("line %d is %d cells wide, want at most %d: %q", i+1, n, w, l)
		}
	}
}

// TestFitNeverCutsWords checks the text fitting every line goes through.
func TestFitNeverCutsWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"Premium Slate Chopping Board", 40, "Premium Slate Chopping Board"},
		{"Premium Slate Chopping Board", 20, "Premium Slate…"},
		{"Premium Slate Chopping Board", 14, "Premium Slate…"},
		{"Premium Slate Chopping Board", 13, "Premium…"},
		{"Supercalifragilistic", 8, "Superca…"},
		{"", 5, ""},
		{"x", 0, ""},
	} {
		if got := common.Fit(c.in, c.w); got != c.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}

// TestNoColorRenders checks a NO_COLOR terminal draws the same text
// without any escape sequence.
func TestNoColorRenders(t *testing.T) {
	fx := newFixture(t)
	t.Setenv("NO_COLOR", "1")
	r := lipgloss.NewRenderer(io.Discard)
	m := New(Options{Floor: fx.f, Renderer: r, Now: func() time.Time { return fixedNow }})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	v := m.View()
	if strings.Contains(v, "\x1b[") {
		t.Fatalf("escape sequences with NO_COLOR: %q", v)
	}
	if !strings.Contains(v, "SIGN IN") {
		t.Fatalf("view:\n%s", v)
	}
}

// TestConfig checks defaults, a TOML file and Validate's messages.
func TestConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "station.toml")
	os.WriteFile(path, []byte("site = \"BER\"\nstation = \"PACK-02\"\nprinter = \"tcp://127.0.0.1:9100\"\n[[operators]]\nid = \"kim\"\nbadge = \"2001\"\n"), 0o600)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil || cfg.Site != "BER" || cfg.Operators[0].ID != "kim" {
		t.Fatalf("cfg %+v err %v", cfg, err)
	}
	os.WriteFile(path, []byte("sitee = \"BER\"\n"), 0o600)
	if _, err := LoadConfig(path); err == nil || !strings.Contains(err.Error(), "unknown key sitee") {
		t.Fatalf("unknown key: %v", err)
	}
	bad := DefaultConfig()
	bad.Station = "PACK 01"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "station") {
		t.Fatalf("bad station: %v", err)
	}
	bad = DefaultConfig()
	bad.SSH = "2222"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "ssh") {
		t.Fatalf("bad --ssh: %v", err)
	}
}

// TestConfigSiteDetails: site_info from the file wins (at a demo site id
// too), a demo site without it is the demo's, and any other site has no
// address: ErrNoSiteAddress naming the site. Build (station run) takes
// the same site as SiteDetails (station closeout) in every case, and
// refuses a site_info address that is not one.
func TestConfigSiteDetails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "station.toml")
	os.WriteFile(path, []byte("site = \"LON\"\n[site_info]\nid = \"XXX\"\nname = \"Barking DC\"\ngs1_company_prefix = \"5060999\"\n"+
		"[site_info.address]\nname = \"Goods out\"\ncompany = \"Northwind\"\nstreet1 = \"1 River Road\"\ncity = \"Barking\"\npostal_code = \"IG11 0DS\"\ncountry = \"GB\"\n"), 0o600)
	configured, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	lon := DefaultConfig()
	lon.Site = "LON"
	man := DefaultConfig()
	man.Site = "MAN"
	noAddress := DefaultConfig()
	noAddress.Site = "MAN"
	noAddress.SiteInfo = &oms.Site{Name: "Salford DC", GS1CompanyPrefix: "5060999"}
	badAddress := DefaultConfig()
	badAddress.Site = "MAN"
	badAddress.SiteInfo = &oms.Site{Address: oms.Address{Company: "Northwind", City: "Salford", Country: "GB"}}
	companyOnly := DefaultConfig()
	companyOnly.Site = "MAN"
	companyOnly.SiteInfo = &oms.Site{GS1CompanyPrefix: "5060999",
		Address: oms.Address{Company: "Northwind", Street1: "7 Trafford Wharf Road", City: "Salford", PostalCode: "M17 1AB", Country: "GB"}}
	for _, c := range []struct {
		name                  string
		cfg                   Config
		city, prefix, wantErr string
		noAddr                bool
	}{
		{"site_info at LON", configured, "Barking", "5060999", "", false},
		{"demo LON", lon, "Dagenham", "5060123", "", false},
		{"MAN without site_info", man, "", "0000000", "site MAN: not a demo site", true},
		{"MAN site_info without address", noAddress, "", "5060999", "site MAN: site_info has no address", true},
		{"MAN site_info without street", badAddress, "Salford", "", "site MAN: site_info.address.street1: missing", false},
		{"MAN site_info without a name to print", companyOnly, "Salford", "5060999", "site MAN: site_info.address.name: required", false},
	} {
		site, err := c.cfg.SiteDetails()
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: SiteDetails error %v, want %q", c.name, err, c.wantErr)
		}
		if errors.Is(err, ErrNoSiteAddress) != c.noAddr {
			t.Errorf("%s: SiteDetails error %v: ErrNoSiteAddress %v, want %v", c.name, err, !c.noAddr, c.noAddr)
		}
		if site.ID != c.cfg.Site || site.Address.City != c.city || site.GS1CompanyPrefix != c.prefix {
			t.Errorf("%s: SiteDetails %+v, want id %s, city %q, GS1 prefix %q", c.name, site, c.cfg.Site, c.city, c.prefix)
		}
		c.cfg.Data = filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
		os.MkdirAll(c.cfg.Data, 0o750)
		f, cleanup, err := Build(context.Background(), c.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if c.wantErr != "" && !c.noAddr {
			// A site_info address a carrier would refuse stops the
			// station at start, naming the field.
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: Build: %v, want it refused with %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: Build: %v", c.name, err)
		}
		cleanup()
		if f.Site != site {
			t.Errorf("%s: station run's site %+v, closeout's %+v", c.name, f.Site, site)
		}
		// Booking real parcels needs an address to ship them from.
		c.cfg.Shipping = filepath.Join("..", "configs", "shipping.example.toml")
		_, cleanup, err = Build(context.Background(), c.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if c.noAddr && !errors.Is(err, ErrNoSiteAddress) {
			t.Errorf("%s: with --shipping and no address: %v, want it refused", c.name, err)
		}
		if err == nil {
			cleanup()
		}
	}
}

// TestAnySizeDraws draws every screen at every size from 1x1 to 45x12
// (and a wide one): nothing panics, nothing is wider than the terminal.
func TestAnySizeDraws(t *testing.T) {
	fx := newFixture(t)
	m := fx.model()
	exec := func(cmd tea.Cmd) {
		for cmd != nil {
			msg := cmd()
			if msg == nil {
				return
			}
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, c := range b {
					if c != nil {
						if _, ok := c().(tea.BatchMsg); !ok {
							_, cc := m.Update(c())
							_ = cc
						}
					}
				}
				return
			}
			_, cmd = m.Update(msg)
		}
	}
	_, cmd := m.Update(common.ScanMsg{Scan: fx.f.Decode("BADGE-1001")})
	exec(cmd)
	_, cmd = m.Update(common.ScanMsg{Scan: fx.f.Decode("T1")})
	exec(cmd)
	for _, scr := range []Screen{ScreenPick, ScreenPack, ScreenReturns, ScreenExceptions} {
		m.show(scr)
		for w := 1; w <= 45; w++ {
			for h := 1; h <= 12; h++ {
				m.Update(tea.WindowSizeMsg{Width: w, Height: h})
				for i, l := range strings.Split(m.View(), "\n") {
					if lipgloss.Width(l) > w {
						t.Fatalf("%s at %dx%d: line %d is %d wide: %q", scr, w, h, i+1, lipgloss.Width(l), l)
					}
				}
			}
		}
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
		if v := m.View(); len(strings.Split(v, "\n")) != 60 {
			t.Fatalf("%s at 200x60: %d lines", scr, len(strings.Split(v, "\n")))
		}
	}
}

// TestPackWeighsOnTheScale takes the weight from a serial scale's stable
// reading when one is configured.
func TestPackWeighsOnTheScale(t *testing.T) {
	fx := newFixture(t)
	pr, pw := io.Pipe()
	fx.f.Scale = &floor.Scale{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go fx.f.Scale.Run(ctx, func() (io.ReadCloser, error) { return pr, nil }, nil)
	go func() {
		for ctx.Err() == nil {
			if _, err := pw.Write([]byte("ST,GS,+  2.345kg\r\n")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	defer pw.Close()
	s := start(t, fx, 80, 24)
	s.signIn()
	s.scan("T2")
	s.waitFor("PACK T2")
	s.scan("PL" + fx.skus[2].SKU)
	s.waitFor("Carton:")
	s.scan("BOX-M")
	s.waitFor("BOX-M: weight in kg? enter = scale 2.345")
	s.key("enter")
	s.waitFor("T2 shipped")
	for _, e := range fx.events(t) {
		if p, ok := e.Payload.(*oms.PackCompleted); ok && p.Cartons[0].WeightGrams != 2345 {
			t.Fatalf("weight %d g, want 2345 from the scale", p.Cartons[0].WeightGrams)
		}
	}
}

// waitBells waits (up to 5 s) for the bell count to reach want: the bell
// rings from a command that may run just after the frame that shows the
// refusal.
func waitBells(fx *fixture, want int64) int64 {
	deadline := time.Now().Add(5 * time.Second)
	for fx.bells.Load() < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // and no extra ring behind it
	return fx.bells.Load()
}
