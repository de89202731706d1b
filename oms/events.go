package oms

import "fmt"

// The event types. Facts from the floor are named for what happened;
// tasks from central start with "task.".
const (
	EventOperatorSignedIn  EventType = "operator.signed_in"
	EventOperatorSignedOut EventType = "operator.signed_out"
	EventScanRecorded      EventType = "scan.recorded"
	EventPickConfirmed     EventType = "pick.confirmed"
	EventPickShorted       EventType = "pick.shorted"
	EventToteHandedOff     EventType = "tote.handed_off"
	EventPackStarted       EventType = "pack.started"
	EventItemPacked        EventType = "pack.item_packed"
	EventPackOverride      EventType = "pack.override"
	EventPackCompleted     EventType = "pack.completed"
	EventLabelPrinted      EventType = "label.printed"
	EventShipmentCreated   EventType = "shipment.created"
	EventReturnReceived    EventType = "return.received"
	EventReturnItemGraded  EventType = "return.item_graded"
	EventReturnCompleted   EventType = "return.completed"
	EventExceptionRaised   EventType = "exception.raised"
	EventOrderStateChanged EventType = "order.state_changed"
	EventTaskOrderReleased EventType = "task.order_released"
	EventTaskOrderCancel   EventType = "task.order_cancelled"
	EventTaskOrderHold     EventType = "task.order_held"
	EventTaskHoldReleased  EventType = "task.hold_released"
	EventTaskRMAAuthorized EventType = "task.rma_authorized"
	EventTaskException     EventType = "task.exception"
	EventLeadAction        EventType = "lead.action"
	EventTaskTrackingRange EventType = "task.tracking_range"
)

// payloadTypes maps each event type to a constructor of its payload; it is
// the registry the decoder uses. Every payload type must be listed here.
var payloadTypes = map[EventType]func() Payload{
	EventOperatorSignedIn:  func() Payload { return &OperatorSignedIn{} },
	EventOperatorSignedOut: func() Payload { return &OperatorSignedOut{} },
	EventScanRecorded:      func() Payload { return &ScanRecorded{} },
	EventPickConfirmed:     func() Payload { return &PickConfirmed{} },
	EventPickShorted:       func() Payload { return &PickShorted{} },
	EventToteHandedOff:     func() Payload { return &ToteHandedOff{} },
	EventPackStarted:       func() Payload { return &PackStarted{} },
	EventItemPacked:        func() Payload { return &ItemPacked{} },
	EventPackOverride:      func() Payload { return &PackOverride{} },
	EventPackCompleted:     func() Payload { return &PackCompleted{} },
	EventLabelPrinted:      func() Payload { return &LabelPrinted{} },
	EventShipmentCreated:   func() Payload { return &ShipmentCreated{} },
	EventReturnReceived:    func() Payload { return &ReturnReceived{} },
	EventReturnItemGraded:  func() Payload { return &ReturnItemGraded{} },
	EventReturnCompleted:   func() Payload { return &ReturnCompleted{} },
	EventExceptionRaised:   func() Payload { return &ExceptionRaised{} },
	EventOrderStateChanged: func() Payload { return &OrderStateChanged{} },
	EventTaskOrderReleased: func() Payload { return &TaskOrderReleased{} },
	EventTaskOrderCancel:   func() Payload { return &TaskOrderCancelled{} },
	EventTaskOrderHold:     func() Payload { return &TaskOrderHeld{} },
	EventTaskHoldReleased:  func() Payload { return &TaskHoldReleased{} },
	EventTaskRMAAuthorized: func() Payload { return &TaskRMAAuthorized{} },
	EventTaskException:     func() Payload { return &TaskException{} },
	EventLeadAction:        func() Payload { return &LeadAction{} },
	EventTaskTrackingRange: func() Payload { return &TaskTrackingRange{} },
}

// EventTypes lists every known event type.
func EventTypes() []EventType {
	out := make([]EventType, 0, len(payloadTypes))
	for t := range payloadTypes {
		out = append(out, t)
	}
	return out
}

// NewPayload returns an empty payload for type t, or false if t is unknown.
func NewPayload(t EventType) (Payload, bool) {
	f, ok := payloadTypes[t]
	if !ok {
		return nil, false
	}
	return f(), true
}

// OperatorSignedIn says an operator started working at a station.
type OperatorSignedIn struct {
	Name   string `json:"name,omitempty"`
	Method string `json:"method"` // badge or pin
}

// OperatorSignedOut says an operator left a station.
type OperatorSignedOut struct {
	Reason string `json:"reason,omitempty"` // manual, idle
}

// ScanRecorded is one barcode read at a station, accepted or refused.
// Every scan is kept, so a dispute can be settled from the record.
type ScanRecorded struct {
	Context   string `json:"context"` // pick, pack, returns, signin
	Raw       string `json:"raw"`
	Symbology string `json:"symbology,omitempty"`
	Kind      string `json:"kind"`
	Code      string `json:"code,omitempty"`
	SKU       string `json:"sku,omitempty"`
	GTIN      string `json:"gtin,omitempty"`
	Lot       string `json:"lot,omitempty"`
	Expiry    string `json:"expiry,omitempty"`
	Qty       int    `json:"qty,omitempty"`
	Accepted  bool   `json:"accepted"`
	Reason    string `json:"reason,omitempty"` // why refused: wrong_item, over_scan, other_order, unknown_barcode
}

// PickConfirmed says items were taken from a location into a tote.
type PickConfirmed struct {
	LineNo   int    `json:"line_no"`
	SKU      string `json:"sku"`
	Location string `json:"location"`
	Qty      int    `json:"qty"`
	Tote     string `json:"tote,omitempty"`
	Lot      string `json:"lot,omitempty"`
}

// Short-pick reason codes.
const (
	ShortNoneOnShelf = "none_on_shelf"
	ShortDamaged     = "damaged"
	ShortWrongItem   = "wrong_item_found"
)

// PickShorted says a location held fewer than the task asked for. Central
// reallocates the missing quantity from elsewhere or backorders it.
type PickShorted struct {
	LineNo   int    `json:"line_no"`
	SKU      string `json:"sku"`
	Location string `json:"location"`
	Wanted   int    `json:"wanted"`
	Picked   int    `json:"picked"`
	Reason   string `json:"reason"`
}

// ToteHandedOff says a picked tote went to packing.
type ToteHandedOff struct {
	Tote string `json:"tote"`
	To   string `json:"to,omitempty"` // pack station or lane
}

// PackStarted says a packer opened an order, from a tote or an order scan.
type PackStarted struct {
	Tote string `json:"tote,omitempty"`
}

// ItemPacked says one verified item (or a pack of them) went into a carton.
type ItemPacked struct {
	LineNo int    `json:"line_no"`
	SKU    string `json:"sku"`
	Qty    int    `json:"qty"`
	GTIN   string `json:"gtin,omitempty"`
	Lot    string `json:"lot,omitempty"`
	Expiry string `json:"expiry,omitempty"`
	Serial string `json:"serial,omitempty"`
	Carton int    `json:"carton"`
}

// PackOverride records a lead allowing something the rules refuse, such
// as closing an order with lines missing: who, when (the envelope) and why.
type PackOverride struct {
	Lead   string `json:"lead"`
	Action string `json:"action"` // partial_pack, ...
	Reason string `json:"reason"`
}

// PackCompleted says an order's cartons are closed and weighed.
type PackCompleted struct {
	Cartons []Carton `json:"cartons"`
	Partial bool     `json:"partial,omitempty"`
}

// LabelPrinted says a label or slip reached the printer.
type LabelPrinted struct {
	Job      string `json:"job"`
	Template string `json:"template"`
	Printer  string `json:"printer"`
	SSCC     string `json:"sscc,omitempty"`
	Tracking string `json:"tracking,omitempty"`
	Reprint  bool   `json:"reprint,omitempty"`
}

// ShipmentCreated says cartons were labelled for a carrier and left packing.
type ShipmentCreated struct {
	Shipment Shipment `json:"shipment"`
}

// ReturnReceived says a parcel on an RMA arrived at the returns bench.
type ReturnReceived struct {
	RMA      string `json:"rma"`
	Tracking string `json:"tracking,omitempty"`
}

// ReturnItemGraded says one returned item was inspected and disposed of.
type ReturnItemGraded struct {
	RMA         string      `json:"rma"`
	SKU         string      `json:"sku"`
	Qty         int         `json:"qty"`
	Grade       Grade       `json:"grade"`
	Disposition Disposition `json:"disposition"`
	Location    string      `json:"location,omitempty"` // where it was restocked
	Note        string      `json:"note,omitempty"`
}

// ReturnCompleted says an RMA's inspection is finished; central refunds or exchanges.
type ReturnCompleted struct {
	RMA        string `json:"rma"`
	Resolution string `json:"resolution"` // refund or exchange
}

// ExceptionRaised is a problem the floor must see: a fact for a cancelled
// order, a damaged item, a printer fault that stopped the line.
type ExceptionRaised struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Ref     string `json:"ref,omitempty"` // the event id or object it is about
}

// OrderStateChanged is central's record of a lifecycle move.
type OrderStateChanged struct {
	From   State  `json:"from"`
	To     State  `json:"to"`
	Reason string `json:"reason,omitempty"`
}

// PickLine is one line of a pick task: where to go and what to take.
type PickLine struct {
	LineNo   int    `json:"line_no"`
	SKU      string `json:"sku"`
	Location string `json:"location"`
	WalkSeq  int    `json:"walk_seq"`
	Qty      int    `json:"qty"`
}

// TaskOrderReleased sends a released order to a station, with the SKUs it
// needs and where to pick them. The whole order travels, so the station
// can work without asking central anything.
type TaskOrderReleased struct {
	Order Order      `json:"order"`
	SKUs  []SKU      `json:"skus,omitempty"`
	Picks []PickLine `json:"picks,omitempty"`
}

// Validate checks a release as received from central, for what the
// station stores and works from: a known state, lines numbered from 1
// without repeats, each with a SKU and a positive quantity, and picks
// that name one of those lines, its SKU, a location and a positive
// quantity. The error names the first bad field.
func (p *TaskOrderReleased) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w release of order %s: %s: %s", ErrInvalid, p.Order.ID, field, fmt.Sprintf(format, args...))
	}
	if !p.Order.State.Valid() {
		return bad("order.state", "%q is not an order state", p.Order.State)
	}
	if len(p.Order.Lines) == 0 {
		return bad("order.lines", "none")
	}
	lines := make(map[int]string, len(p.Order.Lines))
	for i, l := range p.Order.Lines {
		field := fmt.Sprintf("order.lines[%d]", i+1)
		switch _, dup := lines[l.LineNo]; {
		case l.LineNo <= 0:
			return bad(field+".line_no", "%d is not positive", l.LineNo)
		case dup:
			return bad(field+".line_no", "%d appears twice", l.LineNo)
		case l.SKU == "":
			return bad(field+".sku", "missing")
		case l.Qty <= 0:
			return bad(field+".qty", "%d is not a positive quantity", l.Qty)
		}
		lines[l.LineNo] = l.SKU
	}
	for i, pk := range p.Picks {
		field := fmt.Sprintf("picks[%d]", i+1)
		sku, ok := lines[pk.LineNo]
		switch {
		case !ok:
			return bad(field+".line_no", "%d is not a line of the order", pk.LineNo)
		case pk.SKU != sku:
			return bad(field+".sku", "%q, but line %d is %q", pk.SKU, pk.LineNo, sku)
		case pk.Location == "":
			return bad(field+".location", "missing")
		case pk.Qty <= 0:
			return bad(field+".qty", "%d is not a positive quantity", pk.Qty)
		}
	}
	return nil
}

// TaskOrderCancelled tells a station an order was cancelled.
type TaskOrderCancelled struct {
	Reason string `json:"reason,omitempty"`
}

// TaskOrderHeld tells a station to stop work on an order.
type TaskOrderHeld struct {
	Reason string `json:"reason,omitempty"`
}

// TaskHoldReleased tells a station work on an order may go on.
type TaskHoldReleased struct{}

// TaskRMAAuthorized tells a returns station what to expect on an RMA.
type TaskRMAAuthorized struct {
	Return Return `json:"return"`
}

// TaskException tells a station that one of its facts could not be
// applied as it stands (the order was cancelled or changed meanwhile) and
// what to do with the items.
type TaskException struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Action  string `json:"action,omitempty"` // what the floor should do: return items to stock, hold the parcel
	Ref     string `json:"ref,omitempty"`    // the event it is about
}

// EventType implements Payload.
func (*TaskException) EventType() EventType { return EventTaskException }

// LeadAction is a shift lead's action from the floor dashboard (release a
// hold, move an order, broadcast a message), recorded as a floor fact so
// central's log says who did what and when. The envelope's operator is
// the lead.
type LeadAction struct {
	Action string `json:"action"` // release_hold, reassign, broadcast
	Target string `json:"target,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// EventType implements Payload.
func (*LeadAction) EventType() EventType { return EventLeadAction }

// EventType implements Payload.
func (*OperatorSignedIn) EventType() EventType { return EventOperatorSignedIn }

// EventType implements Payload.
func (*OperatorSignedOut) EventType() EventType { return EventOperatorSignedOut }

// EventType implements Payload.
func (*ScanRecorded) EventType() EventType { return EventScanRecorded }

// EventType implements Payload.
func (*PickConfirmed) EventType() EventType { return EventPickConfirmed }

// EventType implements Payload.
func (*PickShorted) EventType() EventType { return EventPickShorted }

// EventType implements Payload.
func (*ToteHandedOff) EventType() EventType { return EventToteHandedOff }

// EventType implements Payload.
func (*PackStarted) EventType() EventType { return EventPackStarted }

// EventType implements Payload.
func (*ItemPacked) EventType() EventType { return EventItemPacked }

// EventType implements Payload.
func (*PackOverride) EventType() EventType { return EventPackOverride }

// EventType implements Payload.
func (*PackCompleted) EventType() EventType { return EventPackCompleted }

// EventType implements Payload.
func (*LabelPrinted) EventType() EventType { return EventLabelPrinted }

// EventType implements Payload.
func (*ShipmentCreated) EventType() EventType { return EventShipmentCreated }

// EventType implements Payload.
func (*ReturnReceived) EventType() EventType { return EventReturnReceived }

// EventType implements Payload.
func (*ReturnItemGraded) EventType() EventType { return EventReturnItemGraded }

// EventType implements Payload.
func (*ReturnCompleted) EventType() EventType { return EventReturnCompleted }

// EventType implements Payload.
func (*ExceptionRaised) EventType() EventType { return EventExceptionRaised }

// EventType implements Payload.
func (*OrderStateChanged) EventType() EventType { return EventOrderStateChanged }

// EventType implements Payload.
func (*TaskOrderReleased) EventType() EventType { return EventTaskOrderReleased }

// EventType implements Payload.
func (*TaskOrderCancelled) EventType() EventType { return EventTaskOrderCancel }

// EventType implements Payload.
func (*TaskOrderHeld) EventType() EventType { return EventTaskOrderHold }

// EventType implements Payload.
func (*TaskHoldReleased) EventType() EventType { return EventTaskHoldReleased }

// EventType implements Payload.
func (*TaskRMAAuthorized) EventType() EventType { return EventTaskRMAAuthorized }
