package central

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/oms"
)

func stationEvent(site, station string, seq uint64, orderID string, p oms.Payload) oms.Event {
	e := oms.NewEvent(p)
	e.Site, e.Station, e.Seq, e.OrderID, e.Operator = site, station, seq, orderID, "op-1"
	return e
}

// TestApplyFloorFactsShipsTheOrder: pick, pack and ship facts from a
// station move the order to shipped and take its stock off the ledger;
// applying the same batch again changes nothing.
func TestApplyFloorFactsShipsTheOrder(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	o := w.capture(t, order("W-F", testGB, false, LineInput{SKU: "SKU-1", Qty: 2}))
	w.svc.AllocateAll(w.ctx)
	st := w.view(t, o.ID).Assignments[0].Station
	evs := []oms.Event{
		stationEvent("LON", st, 1, o.ID, &oms.PickConfirmed{LineNo: 1, SKU: "SKU-1", Location: "A-01-01-1", Qty: 2}),
		stationEvent("LON", st, 3, o.ID, &oms.PackCompleted{Cartons: []oms.Carton{{Type: "BOX-S", Items: []oms.PackedItem{{SKU: "SKU-1", Qty: 2}}}}}),
		stationEvent("LON", st, 2, o.ID, &oms.PackStarted{}),
		stationEvent("LON", st, 4, o.ID, &oms.ShipmentCreated{Shipment: oms.Shipment{ID: "SH-1", OrderID: o.ID, Carrier: "ups", TrackingNumber: "1Z999AA10123456784",
			Cartons: []oms.Carton{{Type: "BOX-S", Items: []oms.PackedItem{{SKU: "SKU-1", Qty: 2}}}}}}),
	}
	marks, stats, err := w.store.ApplyStationEvents(w.ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	if marks[StationKey{"LON", st}] != 4 || stats.Applied != 4 || stats.Exceptions != 0 {
		t.Fatalf("marks %v stats %+v", marks, stats)
	}
	v := w.view(t, o.ID)
	if v.Status != oms.StateShipped || v.Lines[0].Shipped != 2 || len(v.Shipments) != 1 {
		t.Fatalf("order after facts: %s %+v", v.Status, v.Lines)
	}
	var states []oms.State
	for _, h := range v.History {
		states = append(states, h.Status)
	}
	t.Logf("history: %v", states)
	inv, _ := w.store.Inventory(w.ctx, "SKU-1", "LON")
	if inv[0].OnHand != 3 || inv[0].Allocated != 0 {
		t.Fatalf("ledger after ship: %+v", inv)
	}
	// The same events again (a redelivery) are duplicates.
	_, stats, err = w.store.ApplyStationEvents(w.ctx, evs)
	if err != nil || stats.Duplicates != 4 || stats.Applied != 0 {
		t.Fatalf("redelivery: %+v %v", stats, err)
	}
	w.checkLedger(t)
}

// TestApplyParksAheadOfAGap: seq 2 before seq 1 waits, then both apply.
func TestApplyParksAheadOfAGap(t *testing.T) {
	w := newWorld(t)
	e1 := stationEvent("LON", "PACK-01", 1, "", &oms.ScanRecorded{Context: "pack", Raw: "x", Kind: "unknown"})
	e2 := stationEvent("LON", "PACK-01", 2, "", &oms.ScanRecorded{Context: "pack", Raw: "y", Kind: "unknown"})
	marks, stats, err := w.store.ApplyStationEvents(w.ctx, []oms.Event{e2})
	if err != nil || stats.Parked != 1 || marks[StationKey{"LON", "PACK-01"}] != 0 {
		t.Fatalf("gap: %v %+v %v", marks, stats, err)
	}
	marks, stats, err = w.store.ApplyStationEvents(w.ctx, []oms.Event{e1})
	if err != nil || stats.Applied != 2 || marks[StationKey{"LON", "PACK-01"}] != 2 {
		t.Fatalf("gap filled: %v %+v %v", marks, stats, err)
	}
}

func TestThroughputAndReassign(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	o := w.capture(t, order("W-R", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	from := w.view(t, o.ID).Assignments[0].Station
	to := "PACK-01"
	if from == to {
		to = "PACK-02"
	}
	v, err := w.store.Reassign(w.ctx, o.ID, "LON", to, "lead:lena")
	if err != nil || v.Assignments[0].Station != to {
		t.Fatalf("reassign: %+v %v", v.Assignments, err)
	}
	last := v.History[len(v.History)-1]
	if last.By != "lead:lena" || !strings.Contains(last.Reason, "reassigned from LON/"+from) {
		t.Fatalf("audit: %+v", last)
	}
	tasks, _ := w.store.PendingTasks(w.ctx, 10)
	var held, released bool
	for _, tk := range tasks {
		ev, _ := oms.ParseEvent(tk.Payload)
		held = held || ev.Type == oms.EventTaskOrderHold && ev.Station == from
		released = released || ev.Type == oms.EventTaskOrderReleased && ev.Station == to && ev.OrderVersion == v.Version
	}
	if !held || !released {
		t.Fatalf("tasks: held %v released %v", held, released)
	}
	// Pack facts from the new station count for its operator.
	evs := []oms.Event{
		stationEvent("LON", to, 1, o.ID, &oms.ItemPacked{LineNo: 1, SKU: "SKU-1", Qty: 1, Carton: 1}),
		stationEvent("LON", to, 2, o.ID, &oms.PackCompleted{}),
	}
	if _, _, err := w.store.ApplyStationEvents(w.ctx, evs); err != nil {
		t.Fatal(err)
	}
	tp, err := w.store.Throughput(w.ctx, "LON", time.Now().Add(-time.Hour))
	if err != nil || len(tp) != 1 || tp[0].Operator != "op-1" || tp[0].Orders != 1 || tp[0].Units != 1 {
		t.Fatalf("throughput: %+v %v", tp, err)
	}
	if _, err := w.store.Reassign(w.ctx, o.ID, "LON", from, "lead"); !errors.Is(err, ErrConflict) {
		t.Fatalf("reassign while packing: %v", err)
	}
}
