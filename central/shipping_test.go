package central

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/packline/packline/oms"
)

func openShippingStore(t *testing.T) *Store {
	t.Helper()
	s, err := OpenStore(filepath.Join(t.TempDir(), "central.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestNumberRangesNeverOverlap allocates ranges of one series to many
// stations at once and checks no serial is in two ranges, every range
// reached the task outbox as a task.tracking_range for its station, and
// the series ends cleanly.
func TestNumberRangesNeverOverlap(t *testing.T) {
	s := openShippingStore(t)
	ctx := context.Background()
	if err := s.DefineNumberSeries(ctx, "ups", 1, 1000); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []NumberRange
	var wg sync.WaitGroup
	stations := []string{"PACK-01", "PACK-02", "PACK-03", "PACK-04"}
	for _, st := range stations {
		wg.Go(func() {
			for range 30 {
				r, err := s.AllocateNumberRange(ctx, "LON", st, "ups", 10)
				if errors.Is(err, ErrSeriesExhausted) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got = append(got, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	owner := map[int64]string{}
	for _, r := range got {
		for n := r.First; n <= r.Last; n++ {
			if o, dup := owner[n]; dup {
				t.Fatalf("serial %d in ranges of %s and %s", n, o, r.Station)
			}
			owner[n] = r.Station
		}
	}
	if len(owner) != 1000 {
		t.Fatalf("allocated %d serials, want all 1000", len(owner))
	}
	if _, err := s.AllocateNumberRange(ctx, "LON", "PACK-01", "ups", 1); !errors.Is(err, ErrSeriesExhausted) {
		t.Fatalf("exhausted series: %v", err)
	}
	tasks, err := s.PendingTasks(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != len(got) {
		t.Fatalf("%d tasks queued for %d ranges", len(tasks), len(got))
	}
	for _, pt := range tasks {
		ev, err := oms.ParseEvent(pt.Payload)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := ev.Payload.(*oms.TaskTrackingRange)
		if !ok || ev.Site != pt.Site || ev.Station != pt.Station || owner[p.First] != pt.Station || owner[p.Last] != pt.Station {
			t.Fatalf("task %s does not match its range: %+v", pt.EventID, ev)
		}
	}
	// Redefining the series raises its end but never hands out anything twice.
	if err := s.DefineNumberSeries(ctx, "ups", 1, 1010); err != nil {
		t.Fatal(err)
	}
	r, err := s.AllocateNumberRange(ctx, "LON", "PACK-01", "ups", 100)
	if err != nil || r.First != 1001 || r.Last != 1010 {
		t.Fatalf("after raising the end: %+v, %v", r, err)
	}
	// The unique constraint and trigger hold even against a direct insert.
	if _, err := s.db.Exec("INSERT INTO number_ranges (series, first, last, site, station, event_id, allocated_at) VALUES ('ups', 5, 5, 'LON', 'X', 'e', 'now')"); err == nil {
		t.Fatal("overlapping range inserted")
	}
}

func TestRefillNumberRange(t *testing.T) {
	s := openShippingStore(t)
	ctx := context.Background()
	if err := s.DefineNumberSeries(ctx, "sscc:5060123", 0, 1_000_000); err != nil {
		t.Fatal(err)
	}
	// Nothing allocated yet: the first refill seeds the station.
	r, err := s.RefillNumberRange(ctx, "LON", "PACK-01", "sscc:5060123", 0, 50, 100)
	if err != nil || r == nil || r.First != 0 || r.Last != 99 {
		t.Fatalf("seed: %+v, %v", r, err)
	}
	// 40 used of 100: 60 left >= 50, nothing to do.
	if r, err := s.RefillNumberRange(ctx, "LON", "PACK-01", "sscc:5060123", 40, 50, 100); err != nil || r != nil {
		t.Fatalf("enough left: %+v, %v", r, err)
	}
	// 60 used: 40 left < 50, a new range.
	r, err = s.RefillNumberRange(ctx, "LON", "PACK-01", "sscc:5060123", 60, 50, 100)
	if err != nil || r == nil || r.First != 100 {
		t.Fatalf("low: %+v, %v", r, err)
	}
	rs, _ := s.NumberRanges(ctx, "LON", "PACK-01", "sscc:5060123")
	if len(rs) != 2 {
		t.Fatalf("ranges %+v", rs)
	}
	if _, err := s.AllocateNumberRange(ctx, "LON", "PACK-01", "nope", 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("undefined series: %v", err)
	}
	if _, err := s.AllocateNumberRange(ctx, "LON", "bad station!", "ups", 1); !errors.Is(err, oms.ErrInvalid) {
		t.Fatalf("bad station: %v", err)
	}
}

func TestNumbersUsedCountsShipments(t *testing.T) {
	s := openShippingStore(t)
	ctx := context.Background()
	var evs []oms.Event
	for i, carrier := range []string{"ups", "ups", "dhl"} {
		ev := oms.NewEvent(&oms.ShipmentCreated{Shipment: oms.Shipment{ID: "s", Carrier: carrier, Cartons: []oms.Carton{{}, {}}}})
		ev.Site, ev.Station, ev.Seq, ev.OrderID = "LON", "PACK-01", uint64(i+1), "o-1"
		evs = append(evs, ev)
	}
	if _, _, err := s.ApplyStationEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if n, err := s.NumbersUsed(ctx, "LON", "PACK-01", "ups", false); err != nil || n != 2 {
		t.Fatalf("ups used %d, %v; want 2", n, err)
	}
	if n, err := s.NumbersUsed(ctx, "LON", "PACK-01", "", true); err != nil || n != 6 {
		t.Fatalf("ssccs used %d, %v; want 6", n, err)
	}
}
