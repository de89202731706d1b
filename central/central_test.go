package central

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packline/packline/oms"
)

// world is a small central with three sites and a few SKUs.
type world struct {
	svc   *Service
	store *Store
	ctx   context.Context
}

var (
	testGB = oms.Address{Name: "Ada", Street1: "1 High St", City: "London", PostalCode: "N1 9GU", Country: "GB"}
	testDE = oms.Address{Name: "Bea", Street1: "Hauptstr. 1", City: "Berlin", PostalCode: "10115", Country: "DE"}
	testUS = oms.Address{Name: "Cy", Street1: "1 Main St", City: "Newark", Region: "NJ", PostalCode: "07114", Country: "US"}
)

func newWorld(t testing.TB) *world {
	t.Helper()
	store, err := OpenStore(filepath.Join(t.TempDir(), "central.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	w := &world{svc: NewService(store, DefaultPolicy(), nil, nil), store: store, ctx: context.Background()}
	for _, s := range []SiteWithStations{
		{Site: oms.Site{ID: "LON", Name: "London", Address: testGB}, Stations: []string{"PACK-01", "PACK-02"}},
		{Site: oms.Site{ID: "BER", Name: "Berlin", Address: testDE}, Stations: []string{"PACK-01"}},
		{Site: oms.Site{ID: "EWR", Name: "Newark", Address: testUS}, Stations: []string{"PACK-01"}},
	} {
		if err := store.PutSite(w.ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for i, code := range []string{"4006381333931", "5901234123457", "9506000134352"} {
		sku := oms.SKU{SKU: fmt.Sprintf("SKU-%d", i+1), Description: "item", Barcodes: []oms.Barcode{{Code: code, Kind: oms.BarcodeGTIN13}}}
		if err := store.PutSKU(w.ctx, sku); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) receive(t testing.TB, site, loc, sku string, qty int) {
	t.Helper()
	if err := w.store.Receive(w.ctx, []StockMove{{Site: site, Location: loc, SKU: sku, Qty: qty}}, "test"); err != nil {
		t.Fatal(err)
	}
	w.svc.Kick(true)
}

func order(ext string, to oms.Address, shipComplete bool, lines ...LineInput) OrderInput {
	return OrderInput{Channel: oms.ChannelWeb, ExternalID: ext, Customer: oms.Customer{Name: to.Name}, ShipTo: to,
		Currency: "EUR", ServiceLevel: oms.ServiceStandard, ShipComplete: shipComplete, Lines: lines}
}

func (w *world) capture(t testing.TB, in OrderInput) oms.Order {
	t.Helper()
	o, _, err := w.svc.Capture(w.ctx, in, "test")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (w *world) view(t testing.TB, id string) OrderView {
	t.Helper()
	v, err := w.store.GetOrder(w.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (w *world) checkLedger(t testing.TB) {
	t.Helper()
	if err := w.store.CheckLedger(w.ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCaptureIsIdempotentAndChecksSKUs(t *testing.T) {
	w := newWorld(t)
	in := order("W-1", testGB, false, LineInput{SKU: "SKU-1", Qty: 2, UnitPrice: 500})
	a, created, err := w.svc.Capture(w.ctx, in, "test")
	if err != nil || !created || a.ID == "" || a.State != oms.StateReceived {
		t.Fatalf("first: %+v %v %v", a, created, err)
	}
	b, created, err := w.svc.Capture(w.ctx, in, "test")
	if err != nil || created || b.ID != a.ID {
		t.Fatalf("second: %+v %v %v", b, created, err)
	}
	bad := order("W-2", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}, LineInput{SKU: "NOPE", Qty: 1})
	_, _, err = w.svc.Capture(w.ctx, bad, "test")
	if !errors.Is(err, oms.ErrInvalid) || !errors.Is(err, ErrUnknownSKU) || !strings.Contains(err.Error(), "lines[2].sku") {
		t.Fatalf("unknown sku: %v", err)
	}
	list, _ := w.store.ListOrders(w.ctx, OrderFilter{})
	if len(list) != 1 {
		t.Fatalf("%d orders stored, want 1", len(list))
	}
}

func TestAllocationPrefersOneCheapSite(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	w.receive(t, "LON", "A-01-02-1", "SKU-2", 5)
	w.receive(t, "BER", "A-01-01-1", "SKU-1", 5)
	w.receive(t, "BER", "A-01-01-2", "SKU-2", 5)
	// A German order both sites could ship whole goes to Berlin (domestic).
	de := w.capture(t, order("W-DE", testDE, false, LineInput{SKU: "SKU-1", Qty: 2}, LineInput{SKU: "SKU-2", Qty: 1}))
	// A British order goes to London.
	gb := w.capture(t, order("W-GB", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	for id, site := range map[string]string{de.ID: "BER", gb.ID: "LON"} {
		v := w.view(t, id)
		if v.Status != oms.StateReleased || len(v.Allocations) == 0 {
			t.Fatalf("%s: %s %+v", id, v.Status, v.Allocations)
		}
		for _, a := range v.Allocations {
			if a.Site != site {
				t.Fatalf("%s allocated at %s, want %s", id, a.Site, site)
			}
		}
		if len(v.Assignments) != 1 || v.Assignments[0].Site != site {
			t.Fatalf("%s assignments %+v", id, v.Assignments)
		}
	}
	// A zone rule can make the foreign site cheaper.
	w.svc.Policy.Zones = []Zone{{Site: "LON", Country: "DE", PostalPrefix: "1", Zone: 2, Cost: 10}}
	de2 := w.capture(t, order("W-DE2", testDE, false, LineInput{SKU: "SKU-1", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	if v := w.view(t, de2.ID); v.Allocations[0].Site != "LON" {
		t.Fatalf("zone rule ignored: %+v", v.Allocations)
	}
	w.checkLedger(t)
}

func TestAllocationSplitsOrBackorders(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 1)
	w.receive(t, "BER", "A-01-01-1", "SKU-2", 1)
	// No site has both: a normal order splits.
	split := w.capture(t, order("W-S", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}, LineInput{SKU: "SKU-2", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	v := w.view(t, split.ID)
	if v.Status != oms.StateReleased || len(v.Allocations) != 2 || len(v.Assignments) != 2 {
		t.Fatalf("split: %s %+v %+v", v.Status, v.Allocations, v.Assignments)
	}
	// Ship-complete with not enough anywhere: all or nothing.
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 1)
	sc := w.capture(t, order("W-SC", testGB, true, LineInput{SKU: "SKU-1", Qty: 1}, LineInput{SKU: "SKU-3", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	v = w.view(t, sc.ID)
	if v.Status != oms.StateBackordered || len(v.Allocations) != 0 || v.Lines[0].Backordered != 1 {
		t.Fatalf("ship complete: %s %+v", v.Status, v.Allocations)
	}
	// Not ship-complete: takes what there is, the rest stays backordered.
	part := w.capture(t, order("W-P", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}, LineInput{SKU: "SKU-3", Qty: 2}))
	w.svc.AllocateAll(w.ctx)
	v = w.view(t, part.ID)
	if v.Status != oms.StateReleased || v.Lines[0].Allocated != 1 || v.Lines[1].Backordered != 2 {
		t.Fatalf("partial: %s %+v", v.Status, v.Lines)
	}
	// Stock arrives: the ship-complete backorder is allocated.
	w.receive(t, "LON", "B-02-03-1", "SKU-3", 5)
	w.receive(t, "LON", "B-02-03-2", "SKU-1", 1)
	w.svc.AllocateAll(w.ctx)
	v = w.view(t, sc.ID)
	if v.Status != oms.StateReleased {
		t.Fatalf("backorder after receipt: %s", v.Status)
	}
	w.checkLedger(t)
}

func TestCancelReleasesStockAndTellsStation(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 1)
	a := w.capture(t, order("W-A", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	b := w.capture(t, order("W-B", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	if w.view(t, b.ID).Status != oms.StateBackordered {
		t.Fatal("second order should wait")
	}
	v, err := w.store.Cancel(w.ctx, a.ID, "lead-1", "customer changed mind")
	if err != nil || v.Status != oms.StateCancelled || len(v.Allocations) != 0 {
		t.Fatalf("cancel: %+v %v", v.Status, err)
	}
	w.svc.Kick(true)
	w.svc.AllocateAll(w.ctx)
	if s := w.view(t, b.ID).Status; s != oms.StateReleased {
		t.Fatalf("freed stock not reallocated: %s", s)
	}
	tasks, _ := w.store.PendingTasks(w.ctx, 100)
	var cancelTask bool
	for _, tk := range tasks {
		ev, err := oms.ParseEvent(tk.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == oms.EventTaskOrderCancel && ev.OrderID == a.ID && ev.Station != "" {
			cancelTask = true
		}
	}
	if !cancelTask {
		t.Fatal("no cancellation task for the station")
	}
	if _, err := w.store.Cancel(w.ctx, a.ID, "x", ""); !errors.Is(err, ErrConflict) {
		t.Fatalf("cancel twice: %v", err)
	}
	w.checkLedger(t)
}

func TestHoldAndAddressChange(t *testing.T) {
	w := newWorld(t)
	o := w.capture(t, order("W-H", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	v, err := w.store.Hold(w.ctx, o.ID, "lead", "fraud check")
	if err != nil || v.Status != oms.StateOnHold {
		t.Fatalf("hold: %v %v", v.Status, err)
	}
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 3)
	w.svc.AllocateAll(w.ctx)
	if s := w.view(t, o.ID).Status; s != oms.StateOnHold {
		t.Fatalf("held order allocated: %s", s)
	}
	newAddr := testGB
	newAddr.Street1 = "2 Low St"
	if v, err = w.store.ChangeAddress(w.ctx, o.ID, newAddr, "lead"); err != nil || v.ShipTo.Street1 != "2 Low St" {
		t.Fatalf("address: %v", err)
	}
	if _, err := w.store.ReleaseHold(w.ctx, o.ID, "lead"); err != nil {
		t.Fatal(err)
	}
	w.svc.AllocateAll(w.ctx)
	if s := w.view(t, o.ID).Status; s != oms.StateReleased {
		t.Fatalf("after hold: %s", s)
	}
	if _, err := w.store.ChangeAddress(w.ctx, o.ID, testDE, "lead"); !errors.Is(err, ErrConflict) {
		t.Fatalf("address change after release: %v", err)
	}
}

func TestReleaseTaskCarriesWhatTheStationNeeds(t *testing.T) {
	w := newWorld(t)
	w.store.PutLocations(w.ctx, []oms.Location{{Site: "LON", Code: "A-01-01-1", WalkSeq: 20}, {Site: "LON", Code: "A-01-02-1", WalkSeq: 10}})
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 1)
	w.receive(t, "LON", "A-01-02-1", "SKU-2", 1)
	o := w.capture(t, order("W-T", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}, LineInput{SKU: "SKU-2", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	tasks, _ := w.store.PendingTasks(w.ctx, 10)
	if len(tasks) != 1 || tasks[0].Site != "LON" {
		t.Fatalf("tasks: %+v", tasks)
	}
	ev, err := oms.ParseEvent(tasks[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	p := ev.Payload.(*oms.TaskOrderReleased)
	if ev.OrderID != o.ID || ev.OrderVersion != w.view(t, o.ID).Version || len(p.SKUs) != 2 || len(p.Picks) != 2 {
		t.Fatalf("task: %+v %+v", ev, p)
	}
	if p.Picks[0].Location != "A-01-02-1" {
		t.Fatalf("picks not in walk order: %+v", p.Picks)
	}
}

func TestHTTPBadInput(t *testing.T) {
	w := newWorld(t)
	srv := httptest.NewServer(NewAPI(w.svc))
	defer srv.Close()
	good := `{"channel":"web","external_id":"W-9","customer":{"name":"A"},"ship_to":{"name":"A","street1":"1 St","city":"X","postal_code":"1","country":"GB"},"currency":"GBP","lines":[{"sku":"SKU-1","qty":1,"unit_price":100}]}`
	cases := []struct {
		name, body string
		code       int
		want       string
	}{
		{"malformed", `{"channel":`, 400, "malformed JSON"},
		{"unknown field", strings.Replace(good, `"currency"`, `"curency"`, 1), 400, "curency"},
		{"wrong type", strings.Replace(good, `"qty":1`, `"qty":"one"`, 1), 400, "qty"},
		{"unknown sku", strings.Replace(good, `SKU-1`, `SKU-X`, 1), 422, "lines[1].sku"},
		{"zero qty", strings.Replace(good, `"qty":1`, `"qty":0`, 1), 422, "lines[1].qty"},
		{"bad currency", strings.Replace(good, `GBP`, `XXX`, 1), 422, "currency"},
		{"no city", strings.Replace(good, `"city":"X",`, ``, 1), 422, "ship_to.city"},
		{"too large", `{"external_id":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, 413, ""},
		{"good", good, 201, `"id":"PL`},
		{"again", good, 200, `"id":"PL`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+"/v1/orders", "application/json", strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.code || !strings.Contains(string(body), c.want) {
				t.Fatalf("got %d %s, want %d containing %q", resp.StatusCode, body, c.code, c.want)
			}
		})
	}
	list, _ := w.store.ListOrders(w.ctx, OrderFilter{})
	if len(list) != 1 {
		t.Fatalf("%d orders stored, want 1", len(list))
	}
	resp, _ := http.Get(srv.URL + "/v1/orders/NOPE")
	if resp.StatusCode != 404 {
		t.Fatalf("missing order: %d", resp.StatusCode)
	}
	// A hold or cancel reason travels to the stations' screens: an ESC in
	// it is refused, naming the field, and the order is left as it was.
	for _, op := range []string{"hold", "cancel"} {
		resp, err := http.Post(srv.URL+"/v1/orders/"+list[0].ID+"/"+op, "application/json", strings.NewReader(`{"reason":"boxes \u001b[2J gone"}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(string(body), "reason: control character") {
			t.Fatalf("%s with an ESC in the reason: %d %s", op, resp.StatusCode, body)
		}
	}
	if v := w.view(t, list[0].ID); v.Status == oms.StateOnHold || v.Status == oms.StateCancelled {
		t.Fatalf("order %s after refused requests", v.Status)
	}
}

// TestConcurrentOrdersNeverOversell: 100 units at one site, 300 concurrent
// single-unit orders through the HTTP API while the allocator runs.
func TestConcurrentOrdersNeverOversell(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 60)
	w.receive(t, "LON", "A-01-02-1", "SKU-1", 40)
	srv := httptest.NewServer(NewAPI(w.svc))
	defer srv.Close()
	ctx, cancel := context.WithCancel(w.ctx)
	allocDone := make(chan struct{})
	go func() { w.svc.Run(ctx); close(allocDone) }()
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(order(fmt.Sprintf("C-%03d", i), testGB, false, LineInput{SKU: "SKU-1", Qty: 1, UnitPrice: 100}))
			resp, err := http.Post(srv.URL+"/v1/orders", "application/json", bytes.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 201 {
				errs <- fmt.Errorf("order %d: status %d", i, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cancel()
	<-allocDone
	w.svc.AllocateAll(w.ctx) // whatever the loop had not reached yet
	counts := map[oms.State]int{}
	after := ""
	for {
		page, _ := w.store.ListOrders(w.ctx, OrderFilter{After: after, Limit: 500})
		if len(page) == 0 {
			break
		}
		for _, o := range page {
			counts[o.Status]++
		}
		after = page[len(page)-1].ID
	}
	if counts[oms.StateReleased] != 100 || counts[oms.StateBackordered] != 200 {
		t.Fatalf("states: %v", counts)
	}
	inv, _ := w.store.Inventory(w.ctx, "SKU-1", "LON")
	total := 0
	for _, l := range inv {
		if l.Available != 0 {
			t.Fatalf("bin left available: %+v", l)
		}
		total += l.Allocated
	}
	if total != 100 {
		t.Fatalf("allocated %d, want 100", total)
	}
	// Routing spread the work over London's two stations.
	queues := map[string]int{}
	rows, _ := w.store.db.Query("SELECT station, count(*) FROM assignments WHERE site = 'LON' AND open = 1 GROUP BY station")
	for rows.Next() {
		var st string
		var n int
		rows.Scan(&st, &n)
		queues[st] = n
	}
	rows.Close()
	if queues["PACK-01"] != 50 || queues["PACK-02"] != 50 {
		t.Fatalf("station queues %v, want 50 each", queues)
	}
	w.checkLedger(t)
}

// TestReadsDoNotWaitForWriters: an order view and a tracking lookup
// answer from their snapshot while a long write transaction (an
// allocation pass, an import) holds the write lock.
func TestReadsDoNotWaitForWriters(t *testing.T) {
	w := newWorld(t)
	o := w.capture(t, order("R-1", testGB, false, LineInput{SKU: "SKU-1", Qty: 1, UnitPrice: 100}))
	locked, release := make(chan struct{}), make(chan struct{})
	writer := make(chan error, 1)
	go func() {
		writer <- w.store.inTx(w.ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(w.ctx, "UPDATE orders SET updated_at = updated_at WHERE id = ?", o.ID); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	start := time.Now()
	v, err := w.store.GetOrder(w.ctx, o.ID)
	_, trackErr := w.store.Track(w.ctx, "1Z0000000000000000")
	took := time.Since(start)
	close(release)
	if err := <-writer; err != nil {
		t.Fatal(err)
	}
	if err != nil || v.ID != o.ID || !errors.Is(trackErr, ErrNotFound) {
		t.Fatalf("reads beside a writer: %v %v", err, trackErr)
	}
	if took > time.Second {
		t.Fatalf("reads waited %v for the writer", took)
	}
}

// TestCheckCatalogFindsSKUsStoredBeforeARule: a SKU stored before today's
// rules (here an ESC in its description, written straight into the
// table) is found and named; good SKUs are not.
func TestCheckCatalogFindsSKUsStoredBeforeARule(t *testing.T) {
	w := newWorld(t)
	if _, err := w.store.db.Exec(`INSERT INTO skus (sku, body, updated_at) VALUES ('OLD-1', '{"sku":"OLD-1","description":"Mug \u001b[2J"}', '2026-01-01T00:00:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	bad, err := w.store.CheckCatalog(w.ctx)
	if err != nil || len(bad) != 1 || bad[0].SKU != "OLD-1" || !strings.Contains(bad[0].Err.Error(), "description: control character") {
		t.Fatalf("catalog problems: %+v %v", bad, err)
	}
}
