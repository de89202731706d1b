package central

import (
	"fmt"
	"testing"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/shipping"
)

// TestRefillStocksEveryStation: every enabled station gets a range of each
// series as a task, and a second pass with plenty left queues nothing.
func TestRefillStocksEveryStation(t *testing.T) {
	w := newWorld(t)
	series := []shipping.Series{{Name: "ups", First: 1, Last: 1_000_000}, {Name: "sscc:5060123", First: 0, Last: 999_999_999}}
	if err := w.svc.DefineSeries(w.ctx, series); err != nil {
		t.Fatal(err)
	}
	r := NumberRefill{Series: series, Low: 100, Size: 1000}
	if err := w.svc.RefillNumbers(w.ctx, r); err != nil {
		t.Fatal(err)
	}
	tasks, _ := w.store.PendingTasks(w.ctx, 100)
	got := map[string]int{}
	for _, tk := range tasks {
		ev, err := oms.ParseEvent(tk.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == oms.EventTaskTrackingRange {
			got[ev.Site+"/"+ev.Station]++
		}
	}
	// LON has two stations, BER and EWR one each: two series each.
	if len(got) != 4 || got["LON/PACK-01"] != 2 || got["LON/PACK-02"] != 2 || got["EWR/PACK-01"] != 2 {
		t.Fatalf("ranges queued: %v", got)
	}
	if err := w.svc.RefillNumbers(w.ctx, r); err != nil {
		t.Fatal(err)
	}
	again, _ := w.store.PendingTasks(w.ctx, 100)
	if len(again) != len(tasks) {
		t.Fatalf("a station with plenty left got more: %d then %d tasks", len(tasks), len(again))
	}
}

// TestRefillCountsASeriesByItsCarrier: a series named other than its
// carrier (USPS IMpb, one per Mailer ID) is counted by that carrier's
// shipments, so a station that used its range gets another.
func TestRefillCountsASeriesByItsCarrier(t *testing.T) {
	w := newWorld(t)
	series := []shipping.Series{{Name: "usps:901649173", Carrier: "usps", First: 0, Last: 9_999_999}}
	if err := w.svc.DefineSeries(w.ctx, series); err != nil {
		t.Fatal(err)
	}
	r := NumberRefill{Series: series, Low: 5, Size: 10}
	ranges := func() int {
		tasks, _ := w.store.PendingTasks(w.ctx, 1000)
		n := 0
		for _, tk := range tasks {
			if ev, err := oms.ParseEvent(tk.Payload); err == nil && ev.Type == oms.EventTaskTrackingRange && ev.Site == "BER" {
				n++
			}
		}
		return n
	}
	if err := w.svc.RefillNumbers(w.ctx, r); err != nil || ranges() != 1 {
		t.Fatalf("first range: %d %v", ranges(), err)
	}
	// BER/PACK-01 ships 8 USPS parcels: 2 numbers of its 10 are left.
	var evs []oms.Event
	for i := range 8 {
		evs = append(evs, stationEvent("BER", "PACK-01", uint64(i+1), "", &oms.ShipmentCreated{Shipment: oms.Shipment{
			ID: fmt.Sprintf("SH-%d", i), Carrier: "usps", TrackingNumber: fmt.Sprintf("92055901649173%07d", i), Cartons: []oms.Carton{{Type: "BOX-S"}}}}))
	}
	if _, _, err := w.store.ApplyStationEvents(w.ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.RefillNumbers(w.ctx, r); err != nil || ranges() != 2 {
		t.Fatalf("after 8 of 10 used: %d ranges, %v", ranges(), err)
	}
	// A new Mailer ID is a new series: the old one's shipments are not its
	// own, so it gets its first range and no more, pass after pass.
	next := []shipping.Series{{Name: "usps:902000000", Carrier: "usps", First: 0, Last: 9_999_999}}
	if err := w.svc.DefineSeries(w.ctx, next); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := w.svc.RefillNumbers(w.ctx, NumberRefill{Series: next, Low: 5, Size: 10}); err != nil {
			t.Fatal(err)
		}
	}
	if ranges() != 3 {
		t.Fatalf("after a new Mailer ID: %d ranges, want 3 (one more)", ranges())
	}
}
