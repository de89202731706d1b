package central

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
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

// TestApplyLogsRunsAsOneEventAtATime: runs of log-only events (scans,
// sign-ins, labels) are written many rows a statement; what ends up in
// the log, the watermarks and the counts must be exactly what applying
// the same events one at a time gives: order, duplicates (an id applied
// before under another seq), parked events, effects and exceptions in
// the middle of a run, two stations interleaved, more than one chunk.
func TestApplyLogsRunsAsOneEventAtATime(t *testing.T) {
	scan := func(station string, seq uint64) oms.Event {
		return stationEvent("LON", station, seq, "", &oms.ScanRecorded{Context: "pack", Raw: fmt.Sprintf("%s-%d \"quoted\"", station, seq), Kind: "unknown"})
	}
	var b1 []oms.Event
	for seq := uint64(1); seq <= 150; seq++ {
		e := scan("PACK-01", seq)
		if seq == 70 { // an effect in the middle of a run: an exception
			e = stationEvent("LON", "PACK-01", seq, "NO-SUCH-ORDER", &oms.PackStarted{})
		}
		b1 = append(b1, e)
		if seq <= 100 {
			b1 = append(b1, scan("PACK-02", seq))
		}
	}
	again := b1[8] // PACK-01 seq 5, sent again as seq 151 by a station restored from a backup
	again.Seq = 151
	var b2, b3 []oms.Event
	for seq := uint64(153); seq <= 200; seq++ {
		b2 = append(b2, scan("PACK-01", seq)) // ahead of a gap: parked
	}
	b3 = append(b3, again, scan("PACK-01", 152), scan("PACK-01", 201))
	b3 = append(b3, b1[:10]...) // a redelivery

	bulk, single := newWorld(t), newWorld(t)
	var bulkStats, singleStats ApplyStats
	add := func(to *ApplyStats, s ApplyStats) {
		to.Applied += s.Applied
		to.Duplicates += s.Duplicates
		to.Parked += s.Parked
		to.Exceptions += s.Exceptions
	}
	for _, batch := range [][]oms.Event{b1, b2, b3} {
		raws := make([][]byte, len(batch))
		for i, e := range batch {
			raws[i], _ = json.Marshal(e)
		}
		_, st, err := bulk.store.ApplyStationEventsRaw(bulk.ctx, batch, raws)
		if err != nil {
			t.Fatal(err)
		}
		add(&bulkStats, st)
		for i, e := range batch {
			_, st, err := single.store.ApplyStationEventsRaw(single.ctx, batch[i:i+1], raws[i:i+1])
			if err != nil {
				t.Fatalf("event %s/%d: %v", e.Station, e.Seq, err)
			}
			add(&singleStats, st)
		}
	}
	if bulkStats != singleStats {
		t.Fatalf("in batches %+v, one at a time %+v", bulkStats, singleStats)
	}
	if want := (ApplyStats{Applied: 200 + 100, Duplicates: 1 + 10, Parked: 48, Exceptions: 1}); bulkStats != want {
		t.Fatalf("stats %+v, want %+v", bulkStats, want)
	}
	const q = `SELECT event_id, site, station, seq, type, order_id, operator, at, hex(payload) FROM applied_events ORDER BY station, rowid`
	got, want := dumpRows(t, bulk, q), dumpRows(t, single, q)
	if len(got) != 300 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("log in batches (%d rows) differs from one at a time (%d rows)", len(got), len(want))
	}
	for _, k := range []StationKey{{"LON", "PACK-01"}, {"LON", "PACK-02"}} {
		a, _ := bulk.store.Watermark(bulk.ctx, k)
		b, _ := single.store.Watermark(single.ctx, k)
		if a != b {
			t.Fatalf("%v: watermark %d in batches, %d one at a time", k, a, b)
		}
	}
	// (By station: a batch is applied station by station.) Each payload is
	// kept byte for byte as it came.
	raw, _ := json.Marshal(b1[0])
	if got[0][strings.LastIndexByte(got[0], '|')+1:] != fmt.Sprintf("%X", raw) {
		t.Fatalf("first payload stored as %s", got[0])
	}
}

// dumpRows returns each row of q with its columns joined by "|".
func dumpRows(t *testing.T, w *world, q string) []string {
	t.Helper()
	rows, err := w.store.db.QueryContext(w.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, v := range vals {
			parts = append(parts, fmt.Sprint(v))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// TestApplyRefusedEventsKeepTheirPlace: a station's event central refuses
// takes its seq (kept in dead_letters, raised as an exception), in order
// and from the parked queue alike, so the station's later events apply.
// A parked event that no longer reads as one (parked by an older omsd) is
// refused when its turn comes instead of stopping the station.
func TestApplyRefusedEventsKeepTheirPlace(t *testing.T) {
	w := newWorld(t)
	k := StationKey{"LON", "PACK-01"}
	scan := func(seq uint64) StationEvent {
		return StationEvent{Event: stationEvent("LON", "PACK-01", seq, "", &oms.ScanRecorded{Context: "pack", Raw: "x", Kind: "unknown"})}
	}
	refused := scan(3)
	refused.Event.Payload, refused.Event.Type = nil, "scan.teleported"
	refused.Raw, refused.Refused = []byte(`{"type":"scan.teleported"}`), "unknown event type" // not even an envelope
	marks, stats, err := w.store.ApplyStationBatch(w.ctx, []StationEvent{refused, scan(2)})
	if err != nil || stats.Parked != 2 || marks[k] != 0 {
		t.Fatalf("ahead of the gap: %v %+v %v", marks, stats, err)
	}
	// Seq 5 as an older omsd parked it: it no longer reads as an event.
	future := scan(5)
	future.Event.Type = "scan.teleported"
	raw, _ := json.Marshal(future.Event)
	raw = []byte(strings.Replace(string(raw), `"scan.recorded"`, `"scan.teleported"`, 1))
	if _, err := w.store.db.Exec("INSERT INTO parked_events (site, station, seq, event_id, payload, at) VALUES ('LON', 'PACK-01', 5, ?, ?, '2026-11-29T10:00:00.000000000Z')", future.Event.ID, raw); err != nil {
		t.Fatal(err)
	}
	marks, stats, err = w.store.ApplyStationBatch(w.ctx, []StationEvent{scan(1), scan(4)})
	if err != nil || marks[k] != 5 || stats.Applied != 3 || stats.Refused != 2 || stats.Exceptions != 2 {
		t.Fatalf("gap filled: %v %+v %v", marks, stats, err)
	}
	got := dumpRows(t, w, "SELECT seq, event_id, reason FROM dead_letters ORDER BY seq")
	if len(got) != 2 || !strings.HasPrefix(got[0], "3|"+refused.Event.ID+"|unknown event type") || !strings.HasPrefix(got[1], "5|"+future.Event.ID+"|") || !strings.Contains(got[1], "unknown event type") {
		t.Fatalf("dead letters: %q", got)
	}
	if ex := dumpRows(t, w, "SELECT count(*) FROM exceptions WHERE code = 'event_refused'"); ex[0] != "2" {
		t.Fatalf("%s exceptions, want 2", ex[0])
	}
	if seqs := dumpRows(t, w, "SELECT seq FROM applied_events ORDER BY rowid"); strings.Join(seqs, ",") != "1,2,4" {
		t.Fatalf("applied %v, want 1,2,4", seqs)
	}
	// A redelivery of the refused event is a duplicate, not a second refusal.
	if _, stats, err = w.store.ApplyStationBatch(w.ctx, []StationEvent{refused}); err != nil || stats.Duplicates != 1 || stats.Refused != 0 {
		t.Fatalf("redelivered: %+v %v", stats, err)
	}

	// People find them over HTTP, newest first, with the bytes as they came,
	// and count them in the metrics.
	srv := httptest.NewServer(NewAPI(w.svc))
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, body := get("/v1/dead-letters")
	var list struct {
		DeadLetters []DeadLetter `json:"dead_letters"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != 200 || len(list.DeadLetters) != 2 || list.DeadLetters[0].Seq != 5 || list.DeadLetters[1].Station != "PACK-01" {
		t.Fatalf("GET /v1/dead-letters: %d %s", code, body)
	}
	if code, body := get(fmt.Sprintf("/v1/dead-letters/%d/payload", list.DeadLetters[0].ID)); code != 200 || body != string(raw) {
		t.Fatalf("payload: %d %s", code, body)
	}
	if code, _ := get("/v1/dead-letters/abc/payload"); code != 400 {
		t.Fatalf("bad id: %d, want 400", code)
	}
	if code, _ := get("/v1/dead-letters/999/payload"); code != 404 {
		t.Fatalf("missing: %d, want 404", code)
	}
	if _, body := get("/metrics"); !strings.Contains(body, "packline_sync_refused_events 2") || !strings.Contains(body, "packline_sync_dead_letters 2") {
		t.Fatal("metrics do not count the refused events")
	}
}

// TestReplayDeadLetterAppliesARefusedEventOnce: an event an older omsd
// refused (here: it did not know the type) and passed is applied once a
// person replays it: logged, its exception resolved, the watermark left
// where it is; a second replay, junk, and an unknown id are refused.
func TestReplayDeadLetterAppliesARefusedEventOnce(t *testing.T) {
	w := newWorld(t)
	k := StationKey{"LON", "PACK-01"}
	ev := stationEvent("LON", "PACK-01", 1, "", &oms.ScanRecorded{Context: "pack", Raw: "x", Kind: "unknown"})
	raw, _ := json.Marshal(ev)
	env := ev
	env.Payload = nil
	next := stationEvent("LON", "PACK-01", 2, "", &oms.ScanRecorded{Context: "pack", Raw: "y", Kind: "unknown"})
	if _, st, err := w.store.ApplyStationBatch(w.ctx, []StationEvent{{Event: env, Raw: raw, Refused: "unknown event type (an older omsd)"}, {Event: next}}); err != nil || st.Refused != 1 || st.Applied != 1 {
		t.Fatalf("refused then applied: %+v %v", st, err)
	}
	if err := w.store.DeadLetter(w.ctx, "oms.LON.PACK-01.events", "not JSON", []byte("{junk")); err != nil {
		t.Fatal(err)
	}
	ids := dumpRows(t, w, "SELECT id FROM dead_letters ORDER BY id")
	refused, junk := ids[0], ids[1]
	id := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

	res, err := w.store.ReplayDeadLetter(w.ctx, id(refused))
	if err != nil || res.EventID != ev.ID {
		t.Fatalf("replay: %+v %v", res, err)
	}
	if got := dumpRows(t, w, "SELECT seq FROM applied_events ORDER BY rowid"); strings.Join(got, ",") != "2,1" {
		t.Fatalf("applied seqs %v, want 2 then the replayed 1", got)
	}
	if open := dumpRows(t, w, "SELECT count(*) FROM exceptions WHERE code = 'event_refused' AND resolved = 0"); open[0] != "0" {
		t.Fatalf("%s event_refused exceptions still open", open[0])
	}
	if mark, _ := w.store.Watermark(w.ctx, k); mark != 2 {
		t.Fatalf("watermark %d after the replay, want 2", mark)
	}
	for _, c := range []struct {
		id   int64
		want string
	}{{id(refused), "replayed already"}, {id(junk), "no seq"}} {
		if _, err := w.store.ReplayDeadLetter(w.ctx, c.id); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("replay %d: %v, want a conflict saying %q", c.id, err, c.want)
		}
	}
	if _, err := w.store.ReplayDeadLetter(w.ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("replay of no dead letter: %v", err)
	}
	if n, _ := w.store.AppliedEvents(w.ctx, k); n != 2 {
		t.Fatalf("%d events applied, want 2", n)
	}
	// Over HTTP: a replay of one replayed already is a 409.
	srv := httptest.NewServer(NewAPI(w.svc))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/dead-letters/"+refused+"/replay", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 409 {
		t.Fatalf("POST replay again: %d, want 409", resp.StatusCode)
	}
}
