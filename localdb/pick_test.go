package localdb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/oms/demo"
)

// floorWorld loads a few SKUs and releases order O1 (two lines with pick
// bins) to the station.
func floorWorld(t *testing.T) (*DB, []oms.SKU) {
	t.Helper()
	db := openTest(t)
	ctx := context.Background()
	skus := demo.Generate(demo.DefaultSeed, demo.Sizes{SKUs: 4}).SKUs
	if err := db.UpsertSKUs(ctx, skus); err != nil {
		t.Fatal(err)
	}
	o := oms.Order{ID: "O1", Channel: oms.ChannelWeb, ExternalID: "W-1", Customer: oms.Customer{Name: "A"}, Currency: "GBP",
		ServiceLevel: oms.ServiceStandard, State: oms.StateReleased, Lines: []oms.Line{{LineNo: 1, SKU: skus[0].SKU, Qty: 2}, {LineNo: 2, SKU: skus[1].SKU, Qty: 1}}}
	ev := oms.NewEvent(&oms.TaskOrderReleased{Order: o, Picks: []oms.PickLine{
		{LineNo: 2, SKU: skus[1].SKU, Location: "A-01-02-1", WalkSeq: 20, Qty: 1},
		{LineNo: 1, SKU: skus[0].SKU, Location: "A-01-01-1", WalkSeq: 10, Qty: 2}}})
	ev.Site, ev.Station, ev.OrderID, ev.OrderVersion = "LON", "PACK-01", "O1", 1
	if _, err := db.ApplyTask(ctx, ev); err != nil {
		t.Fatal(err)
	}
	return db, skus
}

func outboxTypes(t *testing.T, db *DB) []oms.EventType {
	t.Helper()
	rows, err := db.PendingOutbox(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []oms.EventType
	for _, r := range rows {
		ev, err := oms.ParseEvent(r.Payload)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev.Type)
	}
	return out
}

func TestPickFlowRecordsFactsAndRefusesOverPick(t *testing.T) {
	db, skus := floorWorld(t)
	ctx := context.Background()
	ids, err := db.PickQueue(ctx, 10)
	if err != nil || len(ids) != 1 || ids[0] != "O1" {
		t.Fatalf("queue %v %v", ids, err)
	}
	task, err := db.PickTask(ctx, "O1")
	if err != nil {
		t.Fatal(err)
	}
	if len(task.Lines) != 2 || task.Lines[0].Location != "A-01-01-1" || task.Lines[0].Description == "" {
		t.Fatalf("lines not in walk order: %+v", task.Lines)
	}
	ref := OrderRef{Operator: "ana", OrderID: "O1", Version: 1}
	if err := db.AssignTote(ctx, ref, "TOTE-1"); err != nil {
		t.Fatal(err)
	}
	if err := db.AssignTote(ctx, OrderRef{Operator: "ana", OrderID: "O2", Version: 1}, "TOTE-1"); !errors.Is(err, ErrToteInUse) {
		t.Fatalf("second order into a used tote: %v", err)
	}
	scan := oms.ScanRecorded{Context: "pick", Raw: "PL" + skus[0].SKU, Kind: "unknown", SKU: skus[0].SKU, Qty: 2}
	if _, err := db.ConfirmPick(ctx, ref, task.Lines[0].PickLine, 2, "TOTE-1", "", scan); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfirmPick(ctx, ref, task.Lines[0].PickLine, 1, "TOTE-1", "", scan); !errors.Is(err, ErrOverPick) {
		t.Fatalf("over-pick: %v", err)
	}
	if _, err := db.ShortPick(ctx, ref, task.Lines[1].PickLine, "lost"); err == nil {
		t.Fatal("unknown short reason accepted")
	}
	if _, err := db.ShortPick(ctx, ref, task.Lines[1].PickLine, oms.ShortDamaged); err != nil {
		t.Fatal(err)
	}
	if _, err := db.HandOffTote(ctx, ref, "TOTE-1", "PACK-01"); err != nil {
		t.Fatal(err)
	}
	task, _ = db.PickTask(ctx, "O1")
	if !task.Lines[0].Done() || !task.Lines[1].Shorted || !task.HandedOff {
		t.Fatalf("progress not kept: %+v", task)
	}
	if id, ok, _ := db.OrderForTote(ctx, "TOTE-1"); !ok || id != "O1" {
		t.Fatalf("tote -> %q %v", id, ok)
	}
	want := []oms.EventType{oms.EventScanRecorded, oms.EventPickConfirmed, oms.EventPickShorted, oms.EventToteHandedOff}
	if got := outboxTypes(t, db); len(got) != len(want) {
		t.Fatalf("outbox %v, want %v (the refused over-pick left nothing)", got, want)
	}
	if ids, _ := db.PickQueue(ctx, 10); len(ids) != 0 {
		t.Fatalf("handed-off order still in the pick queue: %v", ids)
	}
}

// TestPickQueueShowsTheRestOfAPartialShipment: after a first parcel was
// picked and packed here, a new release of the order (its rest, once
// stock came) is in the pick queue again with a fresh pick list.
func TestPickQueueShowsTheRestOfAPartialShipment(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	o := oms.Order{Channel: oms.ChannelEDI, ExternalID: "PO-1", State: oms.StateReleased, Currency: "EUR", ServiceLevel: oms.ServiceStandard,
		Lines: []oms.Line{{LineNo: 1, SKU: "MUG", Qty: 2, UnitPrice: 100}}}
	first := task(&oms.TaskOrderReleased{Order: o, Picks: []oms.PickLine{{LineNo: 1, SKU: "MUG", Location: "A-01-01-1", Qty: 1}}}, "o9", 3)
	if _, err := db.ApplyTask(ctx, first); err != nil {
		t.Fatal(err)
	}
	if q, _ := db.PickQueue(ctx, 10); len(q) != 1 {
		t.Fatalf("first release not queued: %v", q)
	}
	_, err := db.Record(ctx, func(tx *Tx) error {
		if _, err := tx.Exec("INSERT INTO totes (tote, order_id, state, updated_at) VALUES ('T9', 'o9', 'packed', ?)", timestamp(time.Now())); err != nil {
			return err
		}
		if _, err := tx.Exec("INSERT INTO pick_progress (order_id, line_no, location, picked) VALUES ('o9', 1, 'A-01-01-1', 1)"); err != nil {
			return err
		}
		_, err := tx.Exec("INSERT INTO pack_sessions (order_id, operator, state, started_at) VALUES ('o9', 'ana', 'completed', ?)", timestamp(time.Now()))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := db.PickQueue(ctx, 10); len(q) != 0 {
		t.Fatalf("a packed order is still queued: %v", q)
	}
	time.Sleep(2 * time.Millisecond) // the new release arrives later
	rest := task(&oms.TaskOrderReleased{Order: o, Picks: []oms.PickLine{{LineNo: 1, SKU: "MUG", Location: "B-02-02-1", Qty: 1}}}, "o9", 5)
	if _, err := db.ApplyTask(ctx, rest); err != nil {
		t.Fatal(err)
	}
	if q, _ := db.PickQueue(ctx, 10); len(q) != 1 || q[0] != "o9" {
		t.Fatalf("the rest is not queued: %v", q)
	}
	var n int
	db.sql.QueryRow("SELECT count(*) FROM pick_progress WHERE order_id = 'o9'").Scan(&n)
	if n != 0 {
		t.Fatalf("old pick progress kept: %d rows", n)
	}
}
