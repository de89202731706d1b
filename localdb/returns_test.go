package localdb

import (
	"context"
	"errors"
	"testing"

	"github.com/packline/packline/oms"
)

func TestReturnGradingAndCompletion(t *testing.T) {
	db, skus := floorWorld(t)
	ctx := context.Background()
	ev := oms.NewEvent(&oms.TaskRMAAuthorized{Return: oms.Return{RMA: "RMA00000007", OrderID: "O1",
		Lines: []oms.ReturnLine{{SKU: skus[0].SKU, Qty: 2}}}})
	ev.Site, ev.Station, ev.OrderID, ev.OrderVersion = "LON", "PACK-01", "O1", 5
	if _, err := db.ApplyTask(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReturnByRMA(ctx, "RMA00000008"); !errors.Is(err, ErrUnknownRMA) {
		t.Fatalf("unknown rma: %v", err)
	}
	rv, err := db.ReturnByRMA(ctx, "RMA00000007")
	if err != nil || rv.Remaining() != 2 || rv.Version != 5 {
		t.Fatalf("rma %+v %v", rv, err)
	}
	if err := db.ReceiveReturn(ctx, "ana", rv, ""); err != nil {
		t.Fatal(err)
	}
	if err := db.ReceiveReturn(ctx, "ana", rv, ""); err != nil {
		t.Fatal(err)
	}
	if err := db.GradeReturnItem(ctx, "ana", rv, skus[0].SKU, GradedItem{Grade: "Z", Disposition: oms.DispositionDispose}); err == nil {
		t.Fatal("bad grade accepted")
	}
	for _, g := range []GradedItem{{Grade: oms.GradeA, Disposition: oms.DispositionRestock, Location: "B-01-01-1"}, {Grade: oms.GradeC, Disposition: oms.DispositionQuarantine}} {
		if err := db.GradeReturnItem(ctx, "ana", rv, skus[0].SKU, g); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.GradeReturnItem(ctx, "ana", rv, skus[0].SKU, GradedItem{Grade: oms.GradeA, Disposition: oms.DispositionRestock}); !errors.Is(err, ErrOverReturn) {
		t.Fatalf("third item of two: %v", err)
	}
	if err := db.CompleteReturn(ctx, "ana", rv, "store credit"); err == nil {
		t.Fatal("bad resolution accepted")
	}
	if err := db.CompleteReturn(ctx, "ana", rv, "refund"); err != nil {
		t.Fatal(err)
	}
	rv, _ = db.ReturnByRMA(ctx, "RMA00000007")
	if !rv.Completed || rv.Remaining() != 0 || rv.Lines[0].Graded[0].Location != "B-01-01-1" {
		t.Fatalf("after completion %+v", rv)
	}
	got := outboxTypes(t, db)
	if len(got) != 4 || got[0] != oms.EventReturnReceived || got[3] != oms.EventReturnCompleted {
		t.Fatalf("outbox %v", got)
	}
}
