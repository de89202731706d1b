package oms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/google/uuid"
	fastjson "github.com/segmentio/encoding/json"
)

// EventType names what an event says happened. The names are part of the
// wire form: never rename one, add a new one.
type EventType string

// IsTask reports whether t is a task from central ("task.*") rather than
// a fact from the floor.
func (t EventType) IsTask() bool { return strings.HasPrefix(string(t), "task.") }

// Payload is the type-specific body of an event.
type Payload interface {
	// EventType is the type the payload travels under.
	EventType() EventType
}

// Event is one fact or task with its envelope. Station events carry the
// station's gapless Seq; central applies them in Seq order and each ID at
// most once. Tasks from central carry the order's version, so a station
// never lets an older one overwrite a newer one.
type Event struct {
	ID           string    `json:"id"` // UUIDv7: time-ordered, unique across stations
	Type         EventType `json:"type"`
	Site         string    `json:"site"`
	Station      string    `json:"station,omitempty"`
	Seq          uint64    `json:"seq,omitempty"`
	At           time.Time `json:"at"`
	Operator     string    `json:"operator,omitempty"`
	OrderID      string    `json:"order_id,omitempty"`
	OrderVersion int64     `json:"order_version,omitempty"`
	Payload      Payload   `json:"payload"`
}

// NewEventID returns a fresh UUIDv7 string.
func NewEventID() string {
	// NewV7 only fails if the system's random source does; then nothing
	// else can be trusted either.
	return uuid.Must(uuid.NewV7()).String()
}

// NewEvent wraps p in an envelope with a new id, its type and the time now.
// Site, station, seq and operator are filled in by whoever records it.
func NewEvent(p Payload) Event {
	return Event{ID: NewEventID(), Type: p.EventType(), At: time.Now().UTC(), Payload: p}
}

// wireEvent is Event with the payload still raw, for decoding.
type wireEvent struct {
	ID           string          `json:"id"`
	Type         EventType       `json:"type"`
	Site         string          `json:"site"`
	Station      string          `json:"station,omitempty"`
	Seq          uint64          `json:"seq,omitempty"`
	At           time.Time       `json:"at"`
	Operator     string          `json:"operator,omitempty"`
	OrderID      string          `json:"order_id,omitempty"`
	OrderVersion int64           `json:"order_version,omitempty"`
	Payload      json.RawMessage `json:"payload"`
}

// wireEventIn is wireEvent as read: the time still raw, for time.Time to
// parse (strictly, as encoding/json would).
type wireEventIn struct {
	ID           string          `json:"id"`
	Type         EventType       `json:"type"`
	Site         string          `json:"site"`
	Station      string          `json:"station,omitempty"`
	Seq          uint64          `json:"seq,omitempty"`
	At           json.RawMessage `json:"at"`
	Operator     string          `json:"operator,omitempty"`
	OrderID      string          `json:"order_id,omitempty"`
	OrderVersion int64           `json:"order_version,omitempty"`
	Payload      json.RawMessage `json:"payload"`
}

// fastPayload holds the payload types the fast decoder may read: those
// with no time.Time anywhere inside (see UnmarshalJSON).
var fastPayload = func() map[EventType]bool {
	fast := map[EventType]bool{}
	for t, newPayload := range payloadTypes {
		fast[t] = !holdsTime(reflect.TypeOf(newPayload()), map[reflect.Type]bool{})
	}
	return fast
}()

// holdsTime reports whether t is or contains a time.Time.
func holdsTime(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if t == reflect.TypeFor[time.Time]() {
		return true
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return holdsTime(t.Elem(), seen)
	case reflect.Map:
		return holdsTime(t.Key(), seen) || holdsTime(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsTime(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

// MarshalJSON writes the stable wire form. The envelope's type always
// comes from the payload, so the two cannot disagree.
func (e Event) MarshalJSON() ([]byte, error) {
	if e.Payload == nil {
		return nil, fmt.Errorf("event %s: no payload", e.ID)
	}
	p, err := json.Marshal(e.Payload)
	if err != nil {
		return nil, fmt.Errorf("event %s payload: %w", e.ID, err)
	}
	return json.Marshal(wireEvent{
		ID: e.ID, Type: e.Payload.EventType(), Site: e.Site, Station: e.Station, Seq: e.Seq,
		At: e.At, Operator: e.Operator, OrderID: e.OrderID, OrderVersion: e.OrderVersion, Payload: p,
	})
}

// UnmarshalJSON reads the wire form, decoding the payload by type. It does
// not validate the envelope; use ParseEvent for input from outside. Input
// that is not JSON, or whose payload does not fit its type, is ErrInvalid.
//
// It decodes with segmentio/encoding/json, a drop-in for encoding/json
// (same error types) about five times as fast here: central decodes every
// station event, and this was the largest cost on its path. Its time
// parser is more lenient than the standard library's, so times are read
// by time.Time itself (see wireEventIn and fastPayload); FuzzParseEvent
// holds the two decoders to the same answers.
func (e *Event) UnmarshalJSON(data []byte) error {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		return fmt.Errorf("%w event: not a JSON object (it starts with %q)", ErrInvalid, t[:1])
	}
	var w wireEventIn
	if err := fastjson.Unmarshal(data, &w); err != nil {
		// The fast decoder's errors carry no offset and quote raw input:
		// on this path only, take encoding/json's.
		if serr := json.Unmarshal(data, &wireEventIn{}); serr != nil {
			err = serr
		}
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return fmt.Errorf("%w event: not JSON at byte %d: %v", ErrInvalid, syn.Offset, err)
		}
		return fmt.Errorf("%w event: %v", ErrInvalid, err)
	}
	var at time.Time
	if len(w.At) > 0 {
		if err := at.UnmarshalJSON(w.At); err != nil {
			return fmt.Errorf("%w event %s: at: %v", ErrInvalid, w.ID, err)
		}
	}
	newPayload, ok := payloadTypes[w.Type]
	if !ok {
		return fmt.Errorf("event %s: %w %q", w.ID, ErrUnknownEventType, w.Type)
	}
	p := newPayload()
	if len(w.Payload) == 0 || bytes.Equal(w.Payload, []byte("null")) {
		return fmt.Errorf("%w event %s: payload: missing", ErrInvalid, w.ID)
	}
	unmarshal := json.Unmarshal
	if fastPayload[w.Type] {
		unmarshal = fastjson.Unmarshal
	}
	if err := unmarshal(w.Payload, p); err != nil {
		if serr := json.Unmarshal(w.Payload, newPayload()); serr != nil {
			err = serr // encoding/json's error names the field and offset
		}
		return fmt.Errorf("%w event %s (%s): payload: %v", ErrInvalid, w.ID, w.Type, err)
	}
	*e = Event{
		ID: w.ID, Type: w.Type, Site: w.Site, Station: w.Station, Seq: w.Seq, At: at,
		Operator: w.Operator, OrderID: w.OrderID, OrderVersion: w.OrderVersion, Payload: p,
	}
	return nil
}

// MaxEventBytes is the largest event, in its JSON wire form, a station
// records and central accepts. A scan or a pack event is a few hundred
// bytes; a pack of a 2,000-line order about 120 KiB.
const MaxEventBytes = 256 << 10

// maxEnvelopeText bounds the type and order id ParseEnvelope takes, and
// the order id Validate takes.
const maxEnvelopeText = 64

// ParseEnvelope reads only an event's envelope: its id (a UUIDv7), type
// (not checked against the known ones), site, station, seq, time,
// operator and order. Central uses it to place an event it refuses in its
// station's sequence. The payload is left nil.
func ParseEnvelope(data []byte) (Event, error) {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		return Event{}, fmt.Errorf("%w envelope: not a JSON object", ErrInvalid)
	}
	var w wireEventIn
	if err := fastjson.Unmarshal(data, &w); err != nil {
		return Event{}, fmt.Errorf("%w envelope: %v", ErrInvalid, err)
	}
	e := Event{ID: w.ID, Type: w.Type, Site: w.Site, Station: w.Station, Seq: w.Seq, Operator: w.Operator, OrderID: w.OrderID, OrderVersion: w.OrderVersion}
	if len(w.At) > 0 {
		if err := e.At.UnmarshalJSON(w.At); err != nil {
			return Event{}, fmt.Errorf("%w envelope %s: at: %v", ErrInvalid, w.ID, err)
		}
	}
	if id, err := uuid.Parse(e.ID); err != nil || id.Version() != 7 {
		return Event{}, fmt.Errorf("%w envelope: id %q is not a UUIDv7", ErrInvalid, e.ID)
	}
	if e.Site == "" {
		return Event{}, fmt.Errorf("%w envelope %s: site: missing", ErrInvalid, e.ID)
	}
	// What central keeps of a refused event and shows people: a type and
	// an order id of sane size and plain text, or no envelope at all.
	for _, f := range []struct{ name, text string }{{"type", string(e.Type)}, {"order_id", e.OrderID}, {"operator", e.Operator}} {
		if len(f.text) > maxEnvelopeText && f.name != "operator" {
			return Event{}, fmt.Errorf("%w envelope %s: %s: %d bytes, more than %d", ErrInvalid, e.ID, f.name, len(f.text), maxEnvelopeText)
		}
		if err := CheckText(f.text); err != nil {
			return Event{}, fmt.Errorf("%w envelope %s: %s: %w", ErrInvalid, e.ID, f.name, err)
		}
	}
	return e, nil
}

// ParseEvent decodes and validates an event from outside (a NATS message,
// a file). The error says what is wrong and in which field.
func ParseEvent(data []byte) (Event, error) {
	var e Event
	// Straight to UnmarshalJSON: json.Unmarshal(data, &e) would first
	// scan the whole input once more just to check it, before handing it
	// to UnmarshalJSON (central reads every event).
	if err := e.UnmarshalJSON(data); err != nil {
		return Event{}, fmt.Errorf("parse event: %w", err)
	}
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// Validate checks the envelope: a UUIDv7 id, a known type matching the
// payload, a site and a time.
func (e *Event) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w event %s: %s: %s", ErrInvalid, e.ID, field, fmt.Sprintf(format, args...))
	}
	id, err := uuid.Parse(e.ID)
	if err != nil {
		return bad("id", "%q is not a UUID", e.ID)
	}
	if id.Version() != 7 {
		return bad("id", "%q is a version %d UUID, want version 7", e.ID, id.Version())
	}
	if _, ok := payloadTypes[e.Type]; !ok {
		return bad("type", "%v %q", ErrUnknownEventType, e.Type)
	}
	if e.Payload == nil {
		return bad("payload", "missing")
	}
	if e.Payload.EventType() != e.Type {
		return bad("type", "%q does not match payload type %q", e.Type, e.Payload.EventType())
	}
	if e.Site == "" {
		return bad("site", "missing")
	}
	if e.At.IsZero() {
		return bad("at", "missing")
	}
	// Shown on screens (exceptions, the lead's dashboard): plain text.
	if len(e.OrderID) > maxEnvelopeText {
		return bad("order_id", "%d bytes, more than %d", len(e.OrderID), maxEnvelopeText)
	}
	if err := CheckText(e.OrderID); err != nil {
		return bad("order_id", "%v", err)
	}
	if err := CheckText(e.Operator); err != nil {
		return bad("operator", "%v", err)
	}
	return nil
}
