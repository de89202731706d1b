package edi

import (
	"strconv"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// ShipNotice is an 856 with the standard pick-and-pack structure
// (BSN05 0001): shipment, then order, then pack (a carton with its
// SSCC), then item.
type ShipNotice struct {
	Purpose    string // BSN01, "00"
	ShipmentID string // BSN02
	Date       time.Time
	// Carrier is TD503 (SCAC or carrier code), Service TD505.
	Carrier, Service string
	// Tracking is REF*2I at shipment level.
	Tracking string
	ShipDate time.Time // DTM*011
	ShipTo   Address
	ShipFrom Address
	Orders   []ShipOrder
}

// ShipOrder is the order level: which purchase order the goods are for.
type ShipOrder struct {
	PONumber string    // PRF01
	PODate   time.Time // PRF04
	// OrderID is REF*VN, the seller's order number.
	OrderID string
	Packs   []Pack
}

// Pack is one carton.
type Pack struct {
	SSCC string // MAN*GM
	// Tracking is the carton's own REF*2I, when cartons have their own.
	Tracking string
	Items    []ShipItem
}

// ShipItem is the item level: a line's quantity in the carton.
type ShipItem struct {
	LineID  string // LIN01, the buyer's PO line number
	IDs     ItemIDs
	IDOrder []string
	Qty     int    // SN102
	UOM     string // SN103
}

// Segments renders the 856 body with its HL numbering and CTT count.
func (n *ShipNotice) Segments() []Segment {
	purpose := n.Purpose
	if purpose == "" {
		purpose = "00"
	}
	out := []Segment{Seg("BSN", purpose, n.ShipmentID, n.Date.Format("20060102"), n.Date.Format("1504"), "0001")}
	hl := 1
	out = append(out, Seg("HL", "1", "", "S"))
	if n.Carrier != "" || n.Service != "" {
		out = append(out, Seg("TD5", "B", "2", Clean(n.Carrier, 80), "", Clean(n.Service, 35)))
	}
	if n.Tracking != "" {
		out = append(out, Seg("REF", "2I", n.Tracking))
	}
	if !n.ShipDate.IsZero() {
		out = append(out, Seg("DTM", "011", n.ShipDate.Format("20060102")))
	}
	if n.ShipTo.Code != "" {
		out = append(out, addressSegments(n.ShipTo)...)
	}
	if n.ShipFrom.Code != "" {
		out = append(out, addressSegments(n.ShipFrom)...)
	}
	for _, o := range n.Orders {
		hl++
		orderHL := hl
		out = append(out, Seg("HL", strconv.Itoa(orderHL), "1", "O"))
		date := ""
		if !o.PODate.IsZero() {
			date = o.PODate.Format("20060102")
		}
		out = append(out, Seg("PRF", o.PONumber, "", "", date))
		if o.OrderID != "" {
			out = append(out, Seg("REF", "VN", o.OrderID))
		}
		for _, p := range o.Packs {
			hl++
			packHL := hl
			out = append(out, Seg("HL", strconv.Itoa(packHL), strconv.Itoa(orderHL), "P"))
			if p.SSCC != "" {
				out = append(out, Seg("MAN", "GM", p.SSCC))
			}
			if p.Tracking != "" {
				out = append(out, Seg("REF", "2I", p.Tracking))
			}
			for _, it := range p.Items {
				hl++
				out = append(out, Seg("HL", strconv.Itoa(hl), strconv.Itoa(packHL), "I"))
				els := []string{it.LineID}
				for _, q := range it.IDOrder {
					els = append(els, q, it.IDs[q])
				}
				out = append(out, Seg("LIN", els...))
				uom := it.UOM
				if uom == "" {
					uom = "EA"
				}
				out = append(out, Seg("SN1", "", strconv.Itoa(it.Qty), uom))
			}
		}
	}
	out = append(out, Seg("CTT", strconv.Itoa(hl)))
	return out
}

// ReadShipNotice reads an 856: the HL tree is checked (IDs in order,
// parents that exist, levels S > O > P > I; a pack level may be left out,
// items then hang off the order).
func ReadShipNotice(set Set, group, setIdx int) (ShipNotice, Errors) {
	r := &reader{group: group, set: setIdx}
	var n ShipNotice
	levels := map[string]string{} // HL id -> level code
	var level string
	var order *ShipOrder
	var pack *Pack
	var item *ShipItem
	var party *Address
	sawBSN, hls := false, 0
	for _, s := range set.Body() {
		switch s.ID {
		case "BSN":
			sawBSN = true
			n.Purpose = r.needCode(s, 1, "353", "00", "01", "05", "06", "07")
			n.ShipmentID = r.need(s, 2, "396")
			n.Date = r.date(s, 3, "373", true)
			r.code(s, 5, "1005", "0001", "0002", "0004")
		case "HL":
			r.loop, party = "HL", nil
			hls++
			id := r.need(s, 1, "628")
			parent := strings.TrimSpace(s.El(2))
			code := r.needCode(s, 3, "735", "S", "O", "P", "T", "I")
			if id != "" && id != strconv.Itoa(hls) {
				r.add(s, 1, "628", ElemInvalidCode, id, "HL01 %q out of sequence; want %d", id, hls)
			}
			if parent != "" {
				if _, ok := levels[parent]; !ok {
					r.add(s, 2, "734", ElemInvalidCode, parent, "HL02 parent %q is not an earlier HL", parent)
				}
			}
			want := map[string][]string{"S": {""}, "O": {"S"}, "P": {"O", "T"}, "T": {"O"}, "I": {"P", "O", "T"}}
			if code != "" {
				ok := false
				for _, p := range want[code] {
					if levels[parent] == p {
						ok = true
					}
				}
				if !ok {
					r.add(s, 3, "735", ElemInvalidCode, code, "HL level %s cannot hang off %q", code, levels[parent])
				}
			}
			levels[id], level = code, code
			switch code {
			case "O":
				n.Orders = append(n.Orders, ShipOrder{})
				order, pack, item = &n.Orders[len(n.Orders)-1], nil, nil
			case "P", "T":
				if order != nil {
					order.Packs = append(order.Packs, Pack{})
					pack, item = &order.Packs[len(order.Packs)-1], nil
				}
			case "I":
				if order != nil && pack == nil {
					order.Packs = append(order.Packs, Pack{})
					pack = &order.Packs[len(order.Packs)-1]
				}
				if pack != nil {
					pack.Items = append(pack.Items, ShipItem{IDs: ItemIDs{}})
					item = &pack.Items[len(pack.Items)-1]
				}
			}
		case "TD5":
			n.Carrier, n.Service = s.El(3), s.El(5)
			if n.Carrier == "" && n.Service == "" {
				r.add(s, 3, "67", ElemConditionalMiss, "", "TD5 needs a carrier (TD503) or a routing (TD505)")
			}
		case "REF":
			q := r.need(s, 1, "128")
			v := r.need(s, 2, "127")
			switch {
			case q == "2I" || q == "CN" || q == "BM":
				if level == "P" && pack != nil {
					pack.Tracking = v
				} else if q == "2I" || n.Tracking == "" {
					n.Tracking = v
				}
			case q == "VN" && order != nil:
				order.OrderID = v
			}
		case "DTM":
			q := r.needCode(s, 1, "374", dtmQuals...)
			d := r.date(s, 2, "373", true)
			if q == "011" {
				n.ShipDate = d
			}
		case "N1":
			a := Address{Code: r.needCode(s, 1, "98", entityCodes...), Name: s.El(2), IDQual: r.code(s, 3, "66", idQuals...), ID: s.El(4)}
			switch a.Code {
			case "ST":
				n.ShipTo = a
				party = &n.ShipTo
			case "SF":
				n.ShipFrom = a
				party = &n.ShipFrom
			default:
				party = nil
			}
		case "N3", "N4":
			party.readLocation(s)
		case "PRF":
			if order == nil {
				r.unexpected(s, "PRF outside an order (HL*O) level")
				continue
			}
			order.PONumber = r.need(s, 1, "324")
			order.PODate = r.date(s, 4, "373", false)
		case "MAN":
			if pack == nil {
				r.unexpected(s, "MAN outside a pack (HL*P) level")
				continue
			}
			q := r.needCode(s, 1, "88", "GM", "CP", "W", "UC", "ZZ", "AA", "L")
			v := r.need(s, 2, "87")
			if q == "GM" {
				if len(v) == 20 && strings.HasPrefix(v, "00") {
					v = v[2:] // the AI 00 written in front
				}
				if len(v) != 18 || !oms.AllDigits(v) {
					r.add(s, 2, "87", ElemInvalidChar, v, "MAN02 %q is not an 18-digit SSCC", v)
				}
			}
			pack.SSCC = v
		case "LIN":
			if item == nil {
				r.unexpected(s, "LIN outside an item (HL*I) level")
				continue
			}
			item.LineID = s.El(1)
			readIDs(r, s, 2, &item.IDs, &item.IDOrder)
			if len(item.IDs) == 0 {
				r.add(s, 3, "234", ElemMandatoryMissing, "", "LIN needs a product ID (LIN02/LIN03)")
			}
		case "SN1":
			if item == nil {
				r.unexpected(s, "SN1 outside an item (HL*I) level")
				continue
			}
			item.Qty = r.num(s, 2, "382")
			item.UOM = r.needCode(s, 3, "355", uoms...)
		case "CTT":
			if c := r.num(s, 1, "354"); c != hls && c != 0 {
				r.add(s, 1, "354", ElemInvalidCode, s.El(1), "CTT01 says %d HL levels, the notice has %d", c, hls)
			}
		}
	}
	if !sawBSN {
		r.missing(set, "BSN", 2, "")
	}
	if hls == 0 {
		r.missing(set, "HL", 3, "HL")
	}
	return n, r.errs
}
