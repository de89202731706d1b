package central

import (
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
