package localdb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/packline/packline/oms"
)

func rangeTask(series string, first, last int64) oms.Event {
	e := oms.NewEvent(&oms.TaskTrackingRange{Series: series, First: first, Last: last})
	e.Site, e.Station = "LON", "PACK-01"
	return e
}

func TestTrackingRangeTaskIsStoredOnce(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ev := rangeTask("ups", 100, 102)
	for i, want := range []bool{true, false} {
		changed, err := db.ApplyTask(ctx, ev) // through the one entry point the sync layer uses
		if err != nil || changed != want {
			t.Fatalf("apply #%d: changed %v, %v; want %v", i+1, changed, err, want)
		}
	}
	if n, _ := db.NumbersLeft(ctx, "ups"); n != 3 {
		t.Fatalf("numbers left %d, want 3", n)
	}
	// An overlapping range is refused and shown to the floor, not redelivered forever.
	bad := rangeTask("ups", 102, 200)
	if changed, err := db.ApplyTask(ctx, bad); err != nil || changed {
		t.Fatalf("overlap: changed %v, %v", changed, err)
	}
	ex, _ := db.OpenExceptions(ctx)
	if len(ex) != 1 || ex[0].Code != "tracking_range_overlap" {
		t.Fatalf("exceptions %+v", ex)
	}
	if n, _ := db.NumbersLeft(ctx, "ups"); n != 3 {
		t.Fatalf("numbers left %d after a refused range, want 3", n)
	}
	// A bad payload is an error naming the field.
	if _, err := db.ApplyTask(ctx, rangeTask("ups", 10, 5)); !errors.Is(err, oms.ErrInvalid) {
		t.Fatalf("last before first: %v", err)
	}
	// The trigger holds even against a direct insert.
	if _, err := db.sql.Exec("INSERT INTO number_ranges (series, first, last, next, event_id, received_at) VALUES ('ups', 90, 100, 90, 'x', 'now')"); err == nil {
		t.Fatal("overlapping insert accepted")
	}
}

func TestIssueNumbersInOrderAcrossRanges(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for _, ev := range []oms.Event{rangeTask("ups", 500, 501), rangeTask("ups", 10, 11), rangeTask("sscc:5060123", 0, 0)} {
		if _, err := db.ApplyTask(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	var got []int64
	for {
		n, ok, err := db.IssueNumber(ctx, "ups")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, n)
	}
	if fmt.Sprint(got) != "[10 11 500 501]" {
		t.Fatalf("issued %v, want [10 11 500 501]", got)
	}
	if n, ok, err := db.IssueNumber(ctx, "sscc:5060123"); n != 0 || !ok || err != nil {
		t.Fatalf("sscc: %d %v %v", n, ok, err)
	}
	if _, ok, _ := db.IssueNumber(ctx, "nope"); ok {
		t.Fatal("issued from a series without ranges")
	}
	rs, _ := db.NumberRanges(ctx)
	if len(rs) != 3 || rs[0].Left() != 0 {
		t.Fatalf("ranges %+v", rs)
	}
}

// TestIssueNumberConcurrently issues from two connections to one file (as
// two processes would) and several goroutines each: no serial twice, none lost.
func TestIssueNumberConcurrently(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.ApplyTask(ctx, rangeTask("ups", 1, 400)); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for g := range 8 {
		d := db
		if g%2 == 1 {
			d = db2
		}
		wg.Go(func() {
			for {
				n, ok, err := d.IssueNumber(ctx, "ups")
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				if seen[n] {
					t.Errorf("serial %d issued twice", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 400 {
		t.Fatalf("issued %d serials, want 400", len(seen))
	}
}

func TestCloseOut(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for i, carrier := range []string{"ups", "ups", "dhl"} {
		s := oms.Shipment{ID: fmt.Sprintf("shp-%d", i), OrderID: "o-1", Carrier: carrier, Service: "standard", TrackingNumber: fmt.Sprintf("T%d", i),
			Cartons: []oms.Carton{{WeightGrams: 1000 + i}}}
		if _, err := db.Record(ctx, func(tx *Tx) error { return tx.AddShipment(s) }); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)
	got, err := db.CloseOut(ctx, "ups", "MF-1", at)
	if err != nil || len(got) != 2 || got[0].ID != "shp-0" || got[1].Cartons[0].WeightGrams != 1001 {
		t.Fatalf("close out: %+v, %v", got, err)
	}
	if again, err := db.CloseOut(ctx, "ups", "MF-2", at); err != nil || len(again) != 0 {
		t.Fatalf("second close out: %+v, %v", again, err)
	}
	if _, err := db.CloseOut(ctx, "dhl", "MF-1", at); err == nil {
		t.Fatal("manifest id reused")
	}
	if rest, err := db.CloseOut(ctx, "dhl", "MF-3", at); err != nil || len(rest) != 1 {
		t.Fatalf("dhl: %+v, %v", rest, err)
	}
}
