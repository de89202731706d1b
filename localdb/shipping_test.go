package localdb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/shipping"
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

// TestReprintRebuildsClosedManifest: the manifest shipping.Service.Manifest
// rebuilds from this file is the one CloseOut returned, every field (lines
// in the same order, SSCCs, weights, closing time to the nanosecond, pickup
// in the station's zone), with a fixed clock in New Jersey and with the
// real clock. Reading it back closes nothing: a shipment labelled after
// the close-out stays open for the next one.
func TestReprintRebuildsClosedManifest(t *testing.T) {
	cfg, err := shipping.Load(filepath.Join("..", "configs", "shipping.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	newark := time.FixedZone("EST", -5*3600)
	for name, clock := range map[string]func() time.Time{
		// 16:00 EST is before UPS's 16:30 ready time (pickup Friday); in
		// UTC it is 21:00, after it (Monday).
		"fixed EST": func() time.Time { return time.Date(2026, 11, 27, 16, 0, 0, 123456789, newark) },
		"real":      time.Now,
	} {
		t.Run(name, func(t *testing.T) {
			db := openTest(t)
			ctx := context.Background()
			svc, err := shipping.NewService(cfg, shipping.Options{Site: "LON", Station: "PACK-01", Numbers: db, Manifests: db, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			add := func(s oms.Shipment) {
				t.Helper()
				if _, err := db.Record(ctx, func(tx *Tx) error { return tx.AddShipment(s) }); err != nil {
					t.Fatal(err)
				}
			}
			// Ids out of order, so the manifest's order is the labelling order.
			add(oms.Shipment{ID: "shp-9", OrderID: "o-9", Carrier: "ups", Service: "express", TrackingNumber: "1Z999AA10123456784",
				Cartons: []oms.Carton{{SSCC: "106141411234567897", WeightGrams: 1200}, {WeightGrams: 800}}})
			add(oms.Shipment{ID: "shp-1", OrderID: "o-1", Carrier: "dhl", Service: "paket", TrackingNumber: "106141411234567880",
				Cartons: []oms.Carton{{WeightGrams: 400}}})
			add(oms.Shipment{ID: "shp-2", OrderID: "o-2", Carrier: "ups", Service: "standard", TrackingNumber: "1Z999AA11110000011",
				Cartons: []oms.Carton{{WeightGrams: 500}}})
			closed, err := svc.CloseOut(ctx, "ups")
			if err != nil {
				t.Fatal(err)
			}
			if len(closed.Lines) != 2 || closed.Lines[0].ShipmentID != "shp-9" || closed.Parcels != 3 || closed.WeightGrams != 2500 {
				t.Fatalf("close-out manifest %+v", closed)
			}
			if name == "fixed EST" && !closed.Pickup.Date.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, newark)) {
				t.Fatalf("close-out pickup %v, want Friday 2026-11-27 EST", closed.Pickup.Date)
			}
			add(oms.Shipment{ID: "shp-3", OrderID: "o-3", Carrier: "ups", Service: "standard", TrackingNumber: "1Z999AA10123456795",
				Cartons: []oms.Carton{{WeightGrams: 700}}})

			for _, how := range []string{"by id", "last"} {
				var got shipping.Manifest
				if how == "last" {
					got, err = svc.LastManifest(ctx, "ups")
				} else {
					got, err = svc.Manifest(ctx, closed.ID)
				}
				if err != nil {
					t.Fatalf("manifest %s %s from %s: %v", closed.ID, how, db.Path(), err)
				}
				if !reflect.DeepEqual(got, closed) {
					t.Fatalf("manifest %s %s from %s differs from the close-out:\n got %+v\nwant %+v", closed.ID, how, db.Path(), got, closed)
				}
			}
			next, err := db.CloseOut(ctx, "ups", "MF-NEXT", clock().Add(time.Hour))
			if err != nil || len(next) != 1 || next[0].ID != "shp-3" {
				t.Fatalf("close-out after the reprints: %+v, %v; want only shp-3, labelled after the first", next, err)
			}
		})
	}
}

// TestManifestShipmentsUnknownAndLast: an unknown manifest id and a
// carrier never closed out are "none", not errors or empty manifests; the
// last manifest is the latest closed, whatever order the ids sort in.
func TestManifestShipmentsUnknownAndLast(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, _, _, ok, err := db.ManifestShipments(ctx, "MF-NONE"); ok || err != nil {
		t.Fatalf("unknown manifest: ok %v, %v; want not found", ok, err)
	}
	if id, ok, err := db.LastManifest(ctx, "ups"); ok || err != nil {
		t.Fatalf("last manifest with none: %q %v %v; want not found", id, ok, err)
	}
	at := time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)
	for i, id := range []string{"MF-B", "MF-A"} {
		s := oms.Shipment{ID: fmt.Sprintf("shp-%d", i), OrderID: "o-1", Carrier: "ups", TrackingNumber: fmt.Sprintf("T%d", i), Cartons: []oms.Carton{{WeightGrams: 100}}}
		if _, err := db.Record(ctx, func(tx *Tx) error { return tx.AddShipment(s) }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CloseOut(ctx, "ups", id, at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if id, ok, err := db.LastManifest(ctx, "ups"); !ok || err != nil || id != "MF-A" {
		t.Fatalf("last ups manifest %q %v %v; want MF-A, closed an hour after MF-B", id, ok, err)
	}
	if id, ok, err := db.LastManifest(ctx, "dhl"); ok || err != nil {
		t.Fatalf("last dhl manifest %q %v %v; want none", id, ok, err)
	}
	carrier, closedAt, ships, ok, err := db.ManifestShipments(ctx, "MF-B")
	if !ok || err != nil || carrier != "ups" || !closedAt.Equal(at) || len(ships) != 1 || ships[0].ID != "shp-0" {
		t.Fatalf("manifest MF-B: %s %v %+v %v %v", carrier, closedAt, ships, ok, err)
	}
}
