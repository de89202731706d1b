package edi

import (
	"strconv"
	"time"
)

// Line item status codes (data element 668, ACK01) Packline writes.
const (
	AckAccepted    = "IA" // item accepted
	AckBackordered = "IB" // item backordered
	AckRejected    = "IR" // item rejected
	AckQtyChanged  = "IQ" // item accepted, quantity changed
)

// Acknowledgment types (data element 587, BAK02).
const (
	AckTypeNoChange   = "AD" // acknowledge with detail, no change
	AckTypeWithChange = "AC" // acknowledge with detail and change
	AckTypeRejected   = "RD" // reject with detail
)

// POAck is an 855.
type POAck struct {
	Purpose  string // BAK01, "00"
	Type     string // BAK02: AD, AC, RD
	PONumber string // BAK03
	PODate   time.Time
	// OrderID is BAK08, the seller's order number.
	OrderID string
	Date    time.Time // BAK09
	Lines   []AckLine
}

// AckLine is a PO1 loop of an 855: the line as ordered and what happens
// to it, one ACK per status with its quantity.
type AckLine struct {
	POLine
	Statuses []AckStatus
	// ShipFrom is set when the line ships from somewhere other than the
	// seller's warehouse: a drop-ship supplier (line N1*SF).
	ShipFrom *Address
}

// AckStatus is one ACK segment.
type AckStatus struct {
	Code string // ACK01
	Qty  int    // ACK02
	UOM  string // ACK03
	// Reason is free text about a rejection (written as a line PID).
	Reason string
}

// Segments renders the 855 body.
func (a *POAck) Segments() []Segment {
	out := []Segment{Seg("BAK", a.Purpose, a.Type, a.PONumber, a.PODate.Format("20060102"), "", "", "", a.OrderID, a.Date.Format("20060102"))}
	for _, l := range a.Lines {
		out = l.appendSegments(out)
		for _, st := range l.Statuses {
			out = append(out, Seg("ACK", st.Code, strconv.Itoa(st.Qty), st.UOM))
		}
		if l.ShipFrom != nil {
			out = append(out, addressSegments(*l.ShipFrom)...)
		}
	}
	out = append(out, Seg("CTT", strconv.Itoa(len(a.Lines))))
	return out
}

// ReadPOAck reads an 855.
func ReadPOAck(set Set, group, setIdx int) (POAck, Errors) {
	r := &reader{group: group, set: setIdx}
	var a POAck
	var line *AckLine
	var party *Address
	sawBAK := false
	for _, s := range set.Body() {
		switch s.ID {
		case "BAK":
			sawBAK = true
			a.Purpose = r.needCode(s, 1, "353", "00", "01", "04", "05", "06")
			a.Type = r.needCode(s, 2, "587", "AC", "AD", "AE", "AK", "AP", "RD", "RF", "RJ", "RN", "RO", "RV", "ZZ")
			a.PONumber = r.need(s, 3, "324")
			a.PODate = r.date(s, 4, "373", true)
			a.OrderID = s.El(8)
			a.Date = r.date(s, 9, "373", false)
		case "PO1":
			r.loop, party = "PO1", nil
			l := AckLine{POLine: POLine{ID: s.El(1), UOM: r.needCode(s, 3, "355", uoms...), UnitPrice: r.decimal(s, 4, "212"), IDs: ItemIDs{}}}
			l.Qty = r.num(s, 2, "330")
			readIDs(r, s, 6, &l.IDs, &l.IDOrder)
			a.Lines = append(a.Lines, l)
			line = &a.Lines[len(a.Lines)-1]
		case "PID":
			if line != nil && line.Description == "" {
				line.Description = s.El(5)
			}
		case "ACK":
			if line == nil {
				r.unexpected(s, "ACK outside a PO1 loop")
				continue
			}
			line.Statuses = append(line.Statuses, AckStatus{Code: r.needCode(s, 1, "668", "AC", "AR", "BP", "DR", "IA", "IB", "IC", "ID", "IH", "IP", "IQ", "IR", "IS", "SP"),
				Qty: r.num(s, 2, "380"), UOM: r.code(s, 3, "355", uoms...)})
		case "N1":
			addr := Address{Code: r.needCode(s, 1, "98", entityCodes...), Name: s.El(2), IDQual: r.code(s, 3, "66", idQuals...), ID: s.El(4)}
			if line != nil {
				line.ShipFrom = &addr
				party = line.ShipFrom
			} else {
				party = &addr
			}
		case "N3", "N4":
			party.readLocation(s)
		}
	}
	if !sawBAK {
		r.missing(set, "BAK", 2, "")
	}
	return a, r.errs
}
