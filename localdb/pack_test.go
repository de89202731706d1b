package localdb

import (
	"context"
	"errors"
	"testing"

	"github.com/packline/packline/oms"
)

func TestPackFlowIsAtomicAndRefusesOverScan(t *testing.T) {
	db, skus := floorWorld(t)
	ctx := context.Background()
	ref := OrderRef{Operator: "ana", OrderID: "O1", Version: 1}
	id, ok, err := db.FindOrder(ctx, "W-1")
	if err != nil || !ok || id != "O1" {
		t.Fatalf("find by external id: %q %v %v", id, ok, err)
	}
	session, err := db.StartPack(ctx, ref, "")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := db.StartPack(ctx, ref, ""); again != session {
		t.Fatalf("second start opened session %d, want %d", again, session)
	}
	scan := oms.ScanRecorded{Context: "pack", Raw: "PL" + skus[1].SKU, Kind: "unknown", SKU: skus[1].SKU, Qty: 1, Lot: "L1"}
	item := oms.ItemPacked{LineNo: 2, SKU: skus[1].SKU, Qty: 1, Lot: "L1", Carton: 1}
	if _, err := db.PackItem(ctx, ref, session, item, scan); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PackItem(ctx, ref, session, item, scan); !errors.Is(err, ErrOverScan) {
		t.Fatalf("over-scan: %v", err)
	}
	po, err := db.PackOrder(ctx, "O1")
	if err != nil || po.SessionID != session || po.Lines[1].Packed != 1 || po.Lines[0].Packed != 0 {
		t.Fatalf("pack order %+v %v", po, err)
	}
	items, err := db.PackedItems(ctx, session)
	if err != nil || len(items) != 1 || items[0].Lot != "L1" || items[0].Qty != 1 {
		t.Fatalf("packed items %+v %v", items, err)
	}
	if _, err := db.OverridePartial(ctx, ref, "", "x"); err == nil {
		t.Fatal("override without a lead accepted")
	}
	if _, err := db.OverridePartial(ctx, ref, "lee", "out of stock"); err != nil {
		t.Fatal(err)
	}
	c := oms.Carton{Type: "BOX-S", WeightGrams: 500, SSCC: "050601230000000013", Items: items}
	sh := oms.Shipment{ID: "SH-1", OrderID: "O1", Site: "LON", Carrier: "demo", Service: "standard", TrackingNumber: "T1", Cartons: []oms.Carton{c}}
	if _, err := db.CompletePack(ctx, ref, session, oms.PackCompleted{Cartons: []oms.Carton{c}, Partial: true}, sh); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CompletePack(ctx, ref, session, oms.PackCompleted{Cartons: []oms.Carton{c}}, oms.Shipment{ID: "SH-2"}); err == nil {
		t.Fatal("a completed session completed twice")
	}
	if id, ok, _ := db.ShipmentByTracking(ctx, "T1"); !ok || id != "O1" {
		t.Fatalf("by tracking: %q %v", id, ok)
	}
	if po, _ := db.PackOrder(ctx, "O1"); !po.Shipped || po.SessionID != 0 {
		t.Fatalf("after completion: %+v", po)
	}
	got := outboxTypes(t, db)
	want := []oms.EventType{oms.EventPackStarted, oms.EventScanRecorded, oms.EventItemPacked, oms.EventPackOverride, oms.EventPackCompleted, oms.EventShipmentCreated}
	if len(got) != len(want) {
		t.Fatalf("outbox %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("outbox %v, want %v", got, want)
		}
	}
	if n, err := db.NextCounter(ctx, "x"); err != nil || n != 1 {
		t.Fatalf("counter %d %v", n, err)
	}
	if n, _ := db.NextCounter(ctx, "x"); n != 2 {
		t.Fatalf("counter %d, want 2", n)
	}
}

func TestWorkAlertsForCancelledWorkInProgress(t *testing.T) {
	db, skus := floorWorld(t)
	ctx := context.Background()
	ref := OrderRef{Operator: "ana", OrderID: "O1", Version: 1}
	session, _ := db.StartPack(ctx, ref, "")
	scan := oms.ScanRecorded{Context: "pack", Raw: "x", Kind: "unknown", SKU: skus[0].SKU, Qty: 1}
	if _, err := db.PackItem(ctx, ref, session, oms.ItemPacked{LineNo: 1, SKU: skus[0].SKU, Qty: 1}, scan); err != nil {
		t.Fatal(err)
	}
	if a, _ := db.WorkAlerts(ctx); len(a) != 0 {
		t.Fatalf("alerts before cancel: %+v", a)
	}
	ev := oms.NewEvent(&oms.TaskOrderCancelled{})
	ev.Site, ev.Station, ev.OrderID, ev.OrderVersion = "LON", "PACK-01", "O1", 2
	if _, err := db.ApplyTask(ctx, ev); err != nil {
		t.Fatal(err)
	}
	a, err := db.WorkAlerts(ctx)
	if err != nil || len(a) != 1 || a[0].State != oms.StateCancelled || a[0].Packed != 1 || a[0].Version != 2 {
		t.Fatalf("alerts %+v %v", a, err)
	}
	if err := db.AcknowledgeWork(ctx, "O1", 2, "ana"); err != nil {
		t.Fatal(err)
	}
	if a, _ := db.WorkAlerts(ctx); len(a) != 0 {
		t.Fatalf("alerts after ack: %+v", a)
	}
}

// TestLabelReportSurvivesRestart: a label queued before a restart is still
// to be reported after it, and reported once.
func TestLabelReportSurvivesRestart(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ref := OrderRef{Operator: "ana", OrderID: "o1", Version: 2}
	l := oms.LabelPrinted{Job: "job-1", Template: "shipping", Printer: "label", Tracking: "1Z999AA10123456784"}
	if err := db.ExpectLabel(ctx, ref, l); err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	db.Close()
	db2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	pending, err := db2.PendingLabels(ctx)
	if err != nil || len(pending) != 1 || pending[0].Ref != ref || pending[0].Label != l {
		t.Fatalf("after restart: %+v %v", pending, err)
	}
	if err := db2.RecordLabel(ctx, pending[0].Ref, pending[0].Label); err != nil {
		t.Fatal(err)
	}
	if pending, _ := db2.PendingLabels(ctx); len(pending) != 0 {
		t.Fatalf("still pending: %+v", pending)
	}
	rows, _ := db2.PendingOutbox(ctx, 0, 10)
	n := 0
	for _, r := range rows {
		ev, _ := oms.ParseEvent(r.Payload)
		if ev.Type == oms.EventLabelPrinted {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d label.printed events, want 1", n)
	}
}
