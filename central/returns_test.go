package central

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/oms"
)

// advance walks an order through states as the floor's events would.
func (w *world) advance(t testing.TB, id string, states ...oms.State) {
	t.Helper()
	err := w.store.inTx(w.ctx, func(tx *sql.Tx) error {
		o, err := loadOrder(w.ctx, tx, id)
		if err != nil {
			return err
		}
		for _, st := range states {
			if err := transition(w.ctx, tx, &o, st, w.store.now(), "test", ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// packedOrder captures an order from London stock and brings it to packed.
func (w *world) packedOrder(t testing.TB, ext string, lines ...LineInput) OrderView {
	t.Helper()
	o := w.capture(t, order(ext, testGB, false, lines...))
	w.svc.AllocateAll(w.ctx)
	if v := w.view(t, o.ID); v.Status != oms.StateReleased {
		t.Fatalf("order %s is %s, want released", o.ID, v.Status)
	}
	w.advance(t, o.ID, oms.StatePicking, oms.StatePicked, oms.StatePacking, oms.StatePacked)
	return w.view(t, o.ID)
}

func shipment(id, tracking string, items ...oms.PackedItem) oms.Shipment {
	return oms.Shipment{ID: id, Site: "LON", Carrier: "DHL", Service: "express", TrackingNumber: tracking,
		Cartons: []oms.Carton{{Type: "S", WeightGrams: 900, Items: items}}}
}

func (w *world) stockOf(t testing.TB, site, loc, sku string) (onHand, allocated int) {
	t.Helper()
	if err := w.store.db.QueryRow("SELECT on_hand, allocated FROM stock WHERE site = ? AND location = ? AND sku = ?", site, loc, sku).Scan(&onHand, &allocated); err != nil {
		t.Fatal(err)
	}
	return onHand, allocated
}

func TestRecordShipmentMovesStockAndOrder(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 10)
	w.receive(t, "LON", "A-01-02-1", "SKU-2", 5)
	o := w.packedOrder(t, "W-1", LineInput{SKU: "SKU-1", Qty: 2, UnitPrice: 100}, LineInput{SKU: "SKU-2", Qty: 1, UnitPrice: 100})

	first := shipment("SH-1", "JD0001", oms.PackedItem{SKU: "SKU-1", Qty: 2})
	if err := w.store.RecordShipment(w.ctx, o.ID, first, "station LON/PACK-01"); err != nil {
		t.Fatal(err)
	}
	v := w.view(t, o.ID)
	if v.Status != oms.StatePartiallyShipped || v.Lines[0].Shipped != 2 || v.Lines[0].Allocated != 0 || v.Lines[1].Allocated != 1 {
		t.Fatalf("after first parcel: %s %+v", v.Status, v.Lines)
	}
	if on, al := w.stockOf(t, "LON", "A-01-01-1", "SKU-1"); on != 8 || al != 0 {
		t.Errorf("SKU-1 stock = %d on hand, %d allocated; want 8, 0", on, al)
	}
	w.checkLedger(t)

	// The same event again (redelivered) changes nothing.
	if err := w.store.RecordShipment(w.ctx, o.ID, first, "station LON/PACK-01"); err != nil {
		t.Fatal(err)
	}
	// More than is allocated is refused whole.
	over := shipment("SH-2", "JD0002", oms.PackedItem{SKU: "SKU-2", Qty: 2})
	if err := w.store.RecordShipment(w.ctx, o.ID, over, "test"); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "SKU-2") {
		t.Fatalf("over-ship: %v, want a conflict naming SKU-2", err)
	}
	bad := shipment("SH-3", "JD0003", oms.PackedItem{SKU: "SKU-2", Qty: 0})
	if err := w.store.RecordShipment(w.ctx, o.ID, bad, "test"); !errors.Is(err, oms.ErrInvalid) || !strings.Contains(err.Error(), "cartons[1].items[1].qty") {
		t.Fatalf("zero qty: %v", err)
	}
	if err := w.store.RecordShipment(w.ctx, o.ID, shipment("SH-4", "JD0004", oms.PackedItem{SKU: "SKU-2", Qty: 1}), "test"); err != nil {
		t.Fatal(err)
	}
	v = w.view(t, o.ID)
	if v.Status != oms.StateShipped || len(v.Shipments) != 2 || len(v.Allocations) != 0 {
		t.Fatalf("after second parcel: %s, %d shipments, allocations %+v", v.Status, len(v.Shipments), v.Allocations)
	}
	var open int
	w.store.db.QueryRow("SELECT count(*) FROM assignments WHERE order_id = ? AND open = 1", o.ID).Scan(&open)
	if open != 0 {
		t.Errorf("%d assignments still open for a shipped order", open)
	}
	var moves int
	w.store.db.QueryRow("SELECT count(*) FROM stock_moves WHERE reason = 'ship' AND ref = ?", o.ID).Scan(&moves)
	if moves != 2 {
		t.Errorf("%d ship moves in the journal, want 2", moves)
	}
	w.checkLedger(t)

	// A cancelled order cannot ship.
	c := w.capture(t, order("W-2", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	if _, err := w.store.Cancel(w.ctx, c.ID, "test", "changed mind"); err != nil {
		t.Fatal(err)
	}
	if err := w.store.RecordShipment(w.ctx, c.ID, shipment("SH-5", "JD0005", oms.PackedItem{SKU: "SKU-1", Qty: 1}), "test"); !errors.Is(err, ErrConflict) {
		t.Fatalf("shipping a cancelled order: %v, want conflict", err)
	}
}

func TestReturnsAndTracking(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if err := w.store.PutSite(ctx, SiteWithStations{Site: oms.Site{ID: "LON", Name: "London", Address: testGB}, Stations: []string{"PACK-01", "PACK-02", "RET-01"}}); err != nil {
		t.Fatal(err)
	}
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 10)
	w.receive(t, "LON", "A-01-02-1", "SKU-2", 5)
	o := w.packedOrder(t, "W-1", LineInput{SKU: "SKU-1", Qty: 2, UnitPrice: 100}, LineInput{SKU: "SKU-2", Qty: 1, UnitPrice: 100})
	notYet := w.packedOrder(t, "W-2", LineInput{SKU: "SKU-1", Qty: 1})
	if err := w.store.RecordShipment(ctx, o.ID, shipment("SH-1", "JD014600003", oms.PackedItem{SKU: "SKU-1", Qty: 2}, oms.PackedItem{SKU: "SKU-2", Qty: 1}), "test"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewAPI(w.svc))
	defer srv.Close()
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	rma := func(lines string) string {
		return `{"order_id":"` + o.ID + `","lines":[` + lines + `],"reason":"too small","expected_condition":"unopened"}`
	}
	for _, c := range []struct {
		body string
		code int
		has  string
	}{
		{rma(`{"sku":"SKU-1","qty":3}`), 422, "lines[1].qty"},
		{rma(`{"sku":"SKU-3","qty":1}`), 422, "lines[1].sku"},
		{rma(`{"sku":"SKU-1","qty":0}`), 422, "lines[1].qty"},
		{`{"order_id":"` + o.ID + `","lines":[{"sku":"SKU-1","qty":1}]}`, 422, "reason"},
		{`{"order_id":"` + o.ID + `","lines":[{"sku":"SKU-1","qty":1}],"reason":"x","expected_condition":"mint"}`, 422, "expected_condition"},
		{`{"order_id":"` + notYet.ID + `","lines":[{"sku":"SKU-1","qty":1}],"reason":"x"}`, 409, "packed"},
		{`{"order_id":"PL99999999","lines":[{"sku":"SKU-1","qty":1}],"reason":"x"}`, 404, "PL99999999"},
	} {
		if code, b := call("POST", "/v1/returns", c.body); code != c.code || !bytes.Contains(b, []byte(c.has)) {
			t.Errorf("%s: %d %s, want %d naming %s", c.body, code, b, c.code, c.has)
		}
	}
	code, b := call("POST", "/v1/returns", rma(`{"sku":"SKU-1","qty":1},{"sku":"SKU-2","qty":1}`))
	if code != http.StatusCreated {
		t.Fatalf("authorise: %d %s", code, b)
	}
	var got RMAView
	json.Unmarshal(b, &got)
	if got.RMA != "RMA00000001" || got.Site != "LON" || got.Station != "RET-01" || got.State != RMAAuthorized || len(got.Lines) != 2 {
		t.Fatalf("rma = %+v, want RMA00000001 to LON/RET-01", got)
	}
	if v := w.view(t, o.ID); v.Status != oms.StateRMAAuthorized {
		t.Errorf("order is %s, want rma_authorized", v.Status)
	}
	tasks, _ := w.store.PendingTasks(ctx, 100)
	var task *oms.Event
	for _, pt := range tasks {
		if ev, err := oms.ParseEvent(pt.Payload); err == nil && ev.Type == oms.EventTaskRMAAuthorized {
			task = &ev
		}
	}
	if task == nil || task.Site != "LON" || task.Station != "RET-01" || task.Payload.(*oms.TaskRMAAuthorized).Return.RMA != "RMA00000001" {
		t.Fatalf("rma task = %+v", task)
	}
	// A second RMA may cover the rest, and no more.
	if code, b := call("POST", "/v1/returns", rma(`{"sku":"SKU-1","qty":1}`)); code != http.StatusCreated {
		t.Errorf("second rma: %d %s", code, b)
	}
	if code, b := call("POST", "/v1/returns", rma(`{"sku":"SKU-1","qty":1}`)); code != 422 || !bytes.Contains(b, []byte("2 already on earlier RMAs")) {
		t.Errorf("third rma: %d %s, want 422: all shipped units already authorised", code, b)
	}
	if code, b := call("GET", "/v1/returns/RMA00000001", ""); code != 200 || !bytes.Contains(b, []byte(`"expected_condition":"unopened"`)) {
		t.Errorf("get rma: %d %s", code, b)
	}
	if code, _ := call("GET", "/v1/returns/RMA00000099", ""); code != 404 {
		t.Errorf("unknown rma: %d, want 404", code)
	}

	code, b = call("GET", "/v1/track/JD014600003", "")
	if code != 200 {
		t.Fatalf("track: %d %s", code, b)
	}
	var tv TrackingView
	json.Unmarshal(b, &tv)
	if tv.Carrier != "DHL" || tv.Destination != (Destination{City: "London", Country: "GB"}) || tv.Status != "return_authorized" || tv.Parcels != 1 {
		t.Errorf("tracking = %+v", tv)
	}
	var steps []string
	for _, h := range tv.History {
		steps = append(steps, h.Status)
		if h.At.IsZero() || h.At.After(time.Now().Add(time.Minute)) {
			t.Errorf("step %+v has no sensible time", h)
		}
	}
	if strings.Join(steps, ",") != "ordered,processing,shipped,return_authorized" {
		t.Errorf("history = %v", steps)
	}
	for _, private := range []string{"Ada", "High St", "N1 9GU", o.ID, "PACK-0", "test"} {
		if bytes.Contains(b, []byte(private)) {
			t.Errorf("tracking page shows %q: %s", private, b)
		}
	}
	if code, _ := call("GET", "/v1/track/NOPE123", ""); code != 404 {
		t.Errorf("unknown tracking number: %d, want 404", code)
	}
}

func TestRecordShipmentOfASplitOrderTakesStockFromItsOwnSite(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 3)
	w.receive(t, "BER", "A-01-01-1", "SKU-2", 3)
	o := w.packedOrder(t, "W-S", LineInput{SKU: "SKU-1", Qty: 1}, LineInput{SKU: "SKU-2", Qty: 1})
	if len(o.Assignments) != 2 {
		t.Fatalf("assignments = %+v, want LON and BER", o.Assignments)
	}
	wrongSite := shipment("SH-X", "T-X", oms.PackedItem{SKU: "SKU-2", Qty: 1}) // SKU-2 is allocated at BER, not LON
	if err := w.store.RecordShipment(w.ctx, o.ID, wrongSite, "test"); !errors.Is(err, ErrConflict) {
		t.Fatalf("SKU-2 shipped from LON: %v, want conflict", err)
	}
	if err := w.store.RecordShipment(w.ctx, o.ID, shipment("SH-L", "T-L", oms.PackedItem{SKU: "SKU-1", Qty: 1}), "test"); err != nil {
		t.Fatal(err)
	}
	if on, al := w.stockOf(t, "BER", "A-01-01-1", "SKU-2"); on != 3 || al != 1 {
		t.Errorf("BER stock = %d on hand, %d allocated after the London parcel; want 3, 1", on, al)
	}
	var open int
	w.store.db.QueryRow("SELECT count(*) FROM assignments WHERE order_id = ? AND open = 1", o.ID).Scan(&open)
	if open != 1 {
		t.Errorf("%d open assignments, want only Berlin's", open)
	}
	ber := shipment("SH-B", "T-B", oms.PackedItem{SKU: "SKU-2", Qty: 1})
	ber.Site = "BER"
	if err := w.store.RecordShipment(w.ctx, o.ID, ber, "test"); err != nil {
		t.Fatal(err)
	}
	if v := w.view(t, o.ID); v.Status != oms.StateShipped {
		t.Errorf("order is %s after both parcels, want shipped", v.Status)
	}
	w.checkLedger(t)
}

// TestReturnableAgreesWithAuthorizeReturn: what Returnable says can still
// come back is exactly what AuthorizeReturn takes, RMA after RMA: two
// RMAs for parts of a line, then the rest, then one too many, refused
// naming the SKU and the quantities. Only RMAs in a state that counts
// hold their units: a cancelled one gives them back.
func TestReturnableAgreesWithAuthorizeReturn(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 10)
	w.receive(t, "LON", "A-01-02-1", "SKU-2", 5)
	o := w.packedOrder(t, "W-1", LineInput{SKU: "SKU-1", Qty: 4, UnitPrice: 100}, LineInput{SKU: "SKU-2", Qty: 1, UnitPrice: 100})
	if err := w.store.RecordShipment(w.ctx, o.ID, shipment("SH-1", "JD0001", oms.PackedItem{SKU: "SKU-1", Qty: 4}, oms.PackedItem{SKU: "SKU-2", Qty: 1}), "test"); err != nil {
		t.Fatal(err)
	}
	authorize := func(qty int) (RMAView, error) {
		return w.store.AuthorizeReturn(w.ctx, ReturnInput{OrderID: o.ID, Reason: "too small", Lines: []ReturnLineInput{{SKU: "SKU-1", Qty: qty}}})
	}
	rmas := func() int {
		t.Helper()
		var n int
		if err := w.store.db.QueryRow("SELECT count(*) FROM returns WHERE order_id = ?", o.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// agree checks Returnable says left of SKU-1 (and SKU-2 untouched), and
	// that AuthorizeReturn refuses one more than that, naming SKU-1 and
	// the quantities, and stores nothing.
	agree := func(step string, left int) {
		t.Helper()
		got, err := w.store.Returnable(w.ctx, o.ID)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		want := map[string]Returnable{
			"SKU-1": {SKU: "SKU-1", Shipped: 4, OnRMAs: 4 - left, Left: left},
			"SKU-2": {SKU: "SKU-2", Shipped: 1, Left: 1},
		}
		if !maps.Equal(got, want) {
			t.Fatalf("%s: returnable %+v, want %+v", step, got, want)
		}
		before := rmas()
		_, err = authorize(left + 1)
		msg := fmt.Sprintf("%d of SKU-1 is more than can come back: 4 shipped, %d already on earlier RMAs", left+1, 4-left)
		if !errors.Is(err, oms.ErrInvalid) || !strings.Contains(err.Error(), msg) {
			t.Fatalf("%s: %d of SKU-1: %v, want refused with %q", step, left+1, err, msg)
		}
		if after := rmas(); after != before {
			t.Fatalf("%s: %d RMAs before the refused one, %d after", step, before, after)
		}
	}

	agree("nothing returned yet", 4)
	var issued []string
	for i, step := range []struct{ qty, left int }{{1, 3}, {2, 1}, {1, 0}} { // parts of the line, then the rest
		v, err := authorize(step.qty)
		if err != nil {
			t.Fatalf("RMA %d for %d of SKU-1: %v", i+1, step.qty, err)
		}
		issued = append(issued, v.RMA)
		agree(fmt.Sprintf("after RMA %d for %d", i+1, step.qty), step.left)
	}

	// The bench moving an RMA on keeps its units spoken for; cancelling
	// it gives them back.
	setState := func(rma, state string) {
		t.Helper()
		if _, err := w.store.db.Exec("UPDATE returns SET state = ? WHERE rma = ?", state, rma); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []string{RMAReceived, RMAInspected, RMACompleted} {
		setState(issued[1], st)
		agree("an RMA "+st, 0)
	}
	setState(issued[1], RMACancelled)
	agree("the RMA for 2 cancelled", 2)
	if _, err := authorize(2); err != nil {
		t.Fatalf("2 of SKU-1 after a cancelled RMA freed them: %v", err)
	}
	agree("the cancelled units on a new RMA", 0)

	if _, err := w.store.Returnable(w.ctx, "PL99999999"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("returnable of an unknown order: %v, want not found", err)
	}
}

// TestReturnLinesCannotWrapRound: lines whose sum would overflow are
// refused, not wrapped to a small number that passes the check.
func TestReturnLinesCannotWrapRound(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 10)
	o := w.packedOrder(t, "W-OVF", LineInput{SKU: "SKU-1", Qty: 4, UnitPrice: 100})
	if err := w.store.RecordShipment(w.ctx, o.ID, shipment("SH-1", "JD0001", oms.PackedItem{SKU: "SKU-1", Qty: 4}), "test"); err != nil {
		t.Fatal(err)
	}
	for _, lines := range [][]ReturnLineInput{
		{{SKU: "SKU-1", Qty: 1}, {SKU: "SKU-1", Qty: math.MaxInt}, {SKU: "SKU-1", Qty: math.MaxInt - 99}},
		{{SKU: "SKU-1", Qty: 3}, {SKU: "SKU-1", Qty: 2}},
	} {
		if _, err := w.store.AuthorizeReturn(w.ctx, ReturnInput{OrderID: o.ID, Reason: "damaged", Lines: lines}); !errors.Is(err, oms.ErrInvalid) {
			t.Fatalf("lines %+v: %v, want refused", lines, err)
		}
	}
	left, _ := w.store.Returnable(w.ctx, o.ID)
	if left["SKU-1"].Left != 4 {
		t.Fatalf("after refused returns: %+v", left)
	}
}
