package oms

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// examplePayloads holds a filled-in payload of every event type, so each
// field's wire name is exercised.
func examplePayloads() []Payload {
	o := validOrder()
	o.ID, o.Version, o.State = "ord-1", 3, StateReleased
	o.PromisedAt = time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	carton := Carton{SSCC: "106141411234567897", Type: "B2", WeightGrams: 1250, Items: []PackedItem{{SKU: "SKU-1", Qty: 2, Lot: "L42", Expiry: "2027-01-31"}}}
	return []Payload{
		&OperatorSignedIn{Name: "Sam", Method: "badge"},
		&OperatorSignedOut{Reason: "idle"},
		&ScanRecorded{Context: "pack", Raw: "]C1010950600013435217260131\x1d10AB-12", Symbology: "gs1-128", Kind: "product", Code: "09506000134352", SKU: "SKU-1", GTIN: "09506000134352", Lot: "AB-12", Expiry: "2026-01-31", Qty: 1, Accepted: false, Reason: "over_scan"},
		&PickConfirmed{LineNo: 1, SKU: "SKU-1", Location: "A-01-02-1", Qty: 2, Tote: "T-0042", Lot: "L42"},
		&PickShorted{LineNo: 2, SKU: "SKU-2", Location: "B-03-12-2", Wanted: 3, Picked: 1, Reason: ShortDamaged},
		&ToteHandedOff{Tote: "T-0042", To: "PACK-02"},
		&PackStarted{Tote: "T-0042"},
		&ItemPacked{LineNo: 1, SKU: "SKU-1", Qty: 1, GTIN: "09506000134352", Lot: "AB-12", Expiry: "2026-01-31", Serial: "S1", Carton: 1},
		&PackOverride{Lead: "lead-7", Action: "partial_pack", Reason: "customer asked to ship what we have"},
		&PackCompleted{Cartons: []Carton{carton}, Partial: true},
		&LabelPrinted{Job: "job-9", Template: "shipping", Printer: "zebra-1", SSCC: "106141411234567897", Tracking: "1Z999AA10123456784", Reprint: true},
		&ShipmentCreated{Shipment: Shipment{ID: "shp-1", OrderID: "ord-1", Site: "LON", Carrier: "ups", Service: "express", TrackingNumber: "1Z999AA10123456784", Cartons: []Carton{carton}, ShippedAt: time.Date(2026, 12, 1, 15, 4, 5, 0, time.UTC)}},
		&ReturnReceived{RMA: "RMA-77", Tracking: "1Z999AA10123456784"},
		&ReturnItemGraded{RMA: "RMA-77", SKU: "SKU-1", Qty: 1, Grade: GradeB, Disposition: DispositionRestock, Location: "R-01-01-1", Note: "box dented"},
		&ReturnCompleted{RMA: "RMA-77", Resolution: "refund"},
		&ExceptionRaised{Code: "order_cancelled", Message: "order ord-1 was cancelled while packing", Ref: "evt"},
		&OrderStateChanged{From: StatePacked, To: StateShipped, Reason: "label printed"},
		&TaskOrderReleased{Order: o, SKUs: []SKU{{SKU: "SKU-1", Description: "Widget ^ ~ _", Barcodes: []Barcode{{Code: "9506000134352", Kind: BarcodeGTIN13}}, LotTracked: true}}, Picks: []PickLine{{LineNo: 1, SKU: "SKU-1", Location: "A-01-02-1", WalkSeq: 17, Qty: 2}}},
		&TaskOrderCancelled{Reason: "customer cancelled"},
		&TaskOrderHeld{Reason: "fraud check"},
		&TaskHoldReleased{},
		&TaskRMAAuthorized{Return: Return{RMA: "RMA-77", OrderID: "ord-1", Reason: "too small", Lines: []ReturnLine{{SKU: "SKU-1", Qty: 1}}, Resolution: "exchange"}},
		&TaskException{Code: "order_cancelled", Message: "order ord-1 was cancelled while it was packed", Action: "return items to stock", Ref: "evt-1"},
		&TaskTrackingRange{Series: "ups", First: 1000, Last: 1999},
		&LeadAction{Action: "reassign", Target: "PL00000043", Detail: "to PACK-02"},
	}
}

func exampleEvent(p Payload, i int) Event {
	return Event{
		ID:   "019ad0c4-5e10-7" + strings.Repeat("0", 3) + "-8000-" + strings.Repeat("0", 10) + string(rune('a'+i/10)) + string(rune('0'+i%10)),
		Type: p.EventType(), Site: "LON", Station: "PACK-02", Seq: uint64(100 + i),
		At:       time.Date(2026, 11, 29, 10, 0, i, 0, time.UTC),
		Operator: "op-12", OrderID: "ord-1", OrderVersion: 3, Payload: p,
	}
}

func TestEventRoundTripEveryType(t *testing.T) {
	examples := examplePayloads()
	var covered []EventType
	var golden bytes.Buffer
	for i, p := range examples {
		e := exampleEvent(p, i)
		if err := e.Validate(); err != nil {
			t.Fatalf("%s: example does not validate: %v", e.Type, err)
		}
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
		back, err := ParseEvent(data)
		if err != nil {
			t.Fatalf("%s: parse: %v", e.Type, err)
		}
		if !reflect.DeepEqual(back, e) {
			t.Fatalf("%s: round trip changed the event\n got %#v\nwant %#v", e.Type, back, e)
		}
		covered = append(covered, e.Type)
		golden.Write(data)
		golden.WriteByte('\n')
	}
	for _, typ := range EventTypes() {
		if !slices.Contains(covered, typ) {
			t.Errorf("event type %s has no round-trip example", typ)
		}
	}
	// The wire form is a contract with stations of other versions: any
	// change to it shows up here.
	path := filepath.Join("testdata", "events.golden.jsonl")
	if *update {
		if err := os.WriteFile(path, golden.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./oms -update to create it)", err)
	}
	if !bytes.Equal(golden.Bytes(), want) {
		t.Fatalf("wire form changed; if on purpose, run go test ./oms -update\n got:\n%s", golden.String())
	}
}

func TestNewEventIsV7AndTimeOrdered(t *testing.T) {
	a := NewEvent(&PackStarted{})
	b := NewEvent(&PackStarted{})
	a.Site, b.Site = "LON", "LON"
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.ID >= b.ID {
		t.Fatalf("ids not increasing: %s then %s", a.ID, b.ID)
	}
}

func TestParseEventRejects(t *testing.T) {
	good, _ := json.Marshal(exampleEvent(&PackStarted{Tote: "T1"}, 0))
	cases := []struct {
		name, json, want string
	}{
		{"not json", `{"id":`, "parse event"},
		{"not json at its byte", `{"id": "x", "type": nope}`, "not JSON at byte 22"},
		{"unknown type", strings.Replace(string(good), `"pack.started"`, `"pack.exploded"`, 1), "unknown event type"},
		{"bad id", strings.Replace(string(good), `019ad0c4-5e10-7000`, `not-a-uuid`, 1), "id:"},
		{"v4 id", strings.Replace(string(good), `019ad0c4-5e10-7000`, `019ad0c4-5e10-4000`, 1), "version 4"},
		{"no site", strings.Replace(string(good), `"site":"LON"`, `"site":""`, 1), "site:"},
		{"no payload", strings.Replace(string(good), `"payload":{"tote":"T1"}`, `"payload":null`, 1), "payload"},
		{"payload of wrong shape", strings.Replace(string(good), `"payload":{"tote":"T1"}`, `"payload":{"tote":5}`, 1), "payload"},
		{"no time", strings.Replace(string(good), `"at":"2026-11-29T10:00:00Z"`, `"at":"0001-01-01T00:00:00Z"`, 1), "at:"},
	}
	cases = append(cases, []struct{ name, json, want string }{
		{"empty", ``, "not JSON"},
		{"trailing data", string(good) + ` {}`, "not JSON"},
		{"two events", string(good) + string(good), "not JSON"},
		{"array", `[` + string(good) + `]`, "not a JSON object"},
		{"seq of wrong type", strings.Replace(string(good), `"seq":100`, `"seq":"100"`, 1), "seq"},
		{"payload of wrong type", strings.Replace(string(good), `"payload":{"tote":"T1"}`, `"payload":[1]`, 1), "payload"},
	}...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseEvent([]byte(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want error containing %q", err, c.want)
			}
			// Callers tell bad input from their own failures by these.
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnknownEventType) {
				t.Fatalf("%v wraps neither ErrInvalid nor ErrUnknownEventType", err)
			}
		})
	}
	if _, err := ParseEvent(good); err != nil {
		t.Fatalf("good event refused: %v", err)
	}
	var e Event
	if err := json.Unmarshal([]byte(strings.Replace(string(good), `"pack.started"`, `"x"`, 1)), &e); !errors.Is(err, ErrUnknownEventType) {
		t.Fatalf("unknown type: %v", err)
	}
}

// BenchmarkParseEvent is central's cost of reading one station event.
func BenchmarkParseEvent(b *testing.B) {
	data, err := json.Marshal(exampleEvent(&ScanRecorded{Context: "pack", Raw: "]E04006381333931", Kind: "product", Accepted: true}, 1))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseEvent(data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEventTypeIsTask(t *testing.T) {
	for _, typ := range EventTypes() {
		if got, want := typ.IsTask(), strings.HasPrefix(string(typ), "task."); got != want {
			t.Errorf("%s: IsTask %v", typ, got)
		}
	}
	if EventType("taskforce").IsTask() || !EventTaskOrderReleased.IsTask() || EventPackStarted.IsTask() {
		t.Fatal("IsTask")
	}
}

func TestTaskOrderReleasedValidate(t *testing.T) {
	good := func() *TaskOrderReleased {
		o := validOrder()
		o.ID, o.State = "ord-1", StateReleased
		o.Lines = []Line{{LineNo: 1, SKU: "SKU-1", Qty: 2}, {LineNo: 2, SKU: "SKU-2", Qty: 1}}
		return &TaskOrderReleased{Order: o, Picks: []PickLine{{LineNo: 1, SKU: "SKU-1", Location: "A-01-01-1", Qty: 2}, {LineNo: 2, SKU: "SKU-2", Location: "B-01-01-1", Qty: 1}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("good release refused: %v", err)
	}
	cases := []struct {
		name, want string
		spoil      func(p *TaskOrderReleased)
	}{
		{"unknown state", "order.state", func(p *TaskOrderReleased) { p.Order.State = "teleported" }},
		{"no lines", "order.lines", func(p *TaskOrderReleased) { p.Order.Lines = nil }},
		{"line 0", "order.lines[1].line_no", func(p *TaskOrderReleased) { p.Order.Lines[0].LineNo = 0 }},
		{"repeated line", "order.lines[2].line_no: 1 appears twice", func(p *TaskOrderReleased) { p.Order.Lines[1].LineNo = 1 }},
		{"no sku", "order.lines[2].sku", func(p *TaskOrderReleased) { p.Order.Lines[1].SKU = "" }},
		{"zero qty", "order.lines[1].qty", func(p *TaskOrderReleased) { p.Order.Lines[0].Qty = 0 }},
		{"pick of no line", "picks[2].line_no", func(p *TaskOrderReleased) { p.Picks[1].LineNo = 9 }},
		{"pick of another sku", "picks[1].sku", func(p *TaskOrderReleased) { p.Picks[0].SKU = "SKU-2" }},
		{"pick without location", "picks[2].location", func(p *TaskOrderReleased) { p.Picks[1].Location = "" }},
		{"pick of nothing", "picks[1].qty", func(p *TaskOrderReleased) { p.Picks[0].Qty = 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := good()
			c.spoil(p)
			err := p.Validate()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "ord-1") {
				t.Fatalf("got %v, want ErrInvalid naming order ord-1 and %q", err, c.want)
			}
		})
	}
}

func FuzzParseEvent(f *testing.F) {
	for i, p := range examplePayloads() {
		data, _ := json.Marshal(exampleEvent(p, i))
		f.Add(data)
	}
	f.Add([]byte(`{"type":"task.hold_released","payload":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEvent(data)
		// The fast decoder must read exactly what encoding/json reads:
		// swapping decoders may not change what central accepts.
		std, stdErr := stdParseEvent(data)
		if (err == nil) != (stdErr == nil) {
			t.Fatalf("ParseEvent: %v; with encoding/json: %v\n%q", err, stdErr, data)
		}
		env, envErr := ParseEnvelope(data)
		if err != nil {
			return
		}
		// What parses whole has an envelope, the same one.
		if envErr != nil || env.ID != e.ID || env.Type != e.Type || env.Site != e.Site || env.Station != e.Station || env.Seq != e.Seq || !env.At.Equal(e.At) {
			t.Fatalf("envelope %+v (%v) of event %+v", env, envErr, e)
		}
		a, _ := json.Marshal(e)
		b, _ := json.Marshal(std)
		if !bytes.Equal(a, b) {
			t.Fatalf("decoders disagree on %q:\n%s\n%s", data, a, b)
		}
		// Whatever parses must survive its own round trip.
		again, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("marshal parsed event: %v", err)
		}
		if _, err := ParseEvent(again); err != nil {
			t.Fatalf("re-parse: %v\n%s", err, again)
		}
	})
}

// stdParseEvent is ParseEvent done with encoding/json alone, the
// reference the fuzz target holds the fast decoder to.
func stdParseEvent(data []byte) (Event, error) {
	var w wireEvent
	if err := json.Unmarshal(data, &w); err != nil {
		return Event{}, err
	}
	newPayload, ok := payloadTypes[w.Type]
	if !ok || len(w.Payload) == 0 || bytes.Equal(w.Payload, []byte("null")) {
		return Event{}, errors.New("bad type or no payload")
	}
	p := newPayload()
	if err := json.Unmarshal(w.Payload, p); err != nil {
		return Event{}, err
	}
	e := Event{ID: w.ID, Type: w.Type, Site: w.Site, Station: w.Station, Seq: w.Seq, At: w.At,
		Operator: w.Operator, OrderID: w.OrderID, OrderVersion: w.OrderVersion, Payload: p}
	return e, e.Validate()
}

func TestParseEnvelopeReadsWhatParseEventRefuses(t *testing.T) {
	good, _ := json.Marshal(exampleEvent(&PackStarted{Tote: "T1"}, 0))
	future := strings.Replace(string(good), `"pack.started"`, `"pack.teleported"`, 1)
	if _, err := ParseEvent([]byte(future)); !errors.Is(err, ErrUnknownEventType) {
		t.Fatalf("ParseEvent of an unknown type: %v", err)
	}
	e, err := ParseEnvelope([]byte(future))
	if err != nil || e.Type != "pack.teleported" || e.Site != "LON" || e.Seq != 100 || e.ID == "" || e.At.IsZero() || e.Payload != nil {
		t.Fatalf("envelope: %+v %v", e, err)
	}
	for _, bad := range []string{`[1]`, `{"id":"x","site":"LON"}`, strings.Replace(string(good), `"site":"LON"`, `"site":""`, 1), `{"id":`,
		// What central would keep and show: a sane type and order id only.
		strings.Replace(string(good), `"pack.started"`, `"`+strings.Repeat("<", 65)+`"`, 1),
		strings.Replace(string(good), `"order_id":"ord-1"`, `"order_id":"ord\u001b[2J"`, 1)} {
		if _, err := ParseEnvelope([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseEnvelope(%s): %v, want ErrInvalid", bad, err)
		}
	}
}
