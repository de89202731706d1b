package edi

import (
	"strconv"
	"strings"
	"time"
)

// Address is an N1 loop: a party with its name, ID and address.
type Address struct {
	// Code is N101, the entity: ST ship-to, BT bill-to, BY buyer, SF
	// ship-from, VN vendor.
	Code    string
	Name    string // N102
	IDQual  string // N103: 1 DUNS, 9 DUNS+4, 91 seller's code, 92 buyer's code, UL GLN
	ID      string // N104
	Name2   string // N201
	Street1 string // N301
	Street2 string // N302
	City    string // N401
	Region  string // N402
	Postal  string // N403
	Country string // N404
	Contact string // PER02
	Phone   string // PER TE
	Email   string // PER EM
}

// readLocation fills the street (N3) or city, region, postal code and
// country (N4) of the N1 loop a is reading, without checks: the 855 and
// 856 are read leniently. A nil a (no N1 loop open) takes nothing.
func (a *Address) readLocation(s Segment) {
	switch {
	case a == nil:
	case s.ID == "N3":
		a.Street1, a.Street2 = s.El(1), s.El(2)
	case s.ID == "N4":
		a.City, a.Region, a.Postal, a.Country = s.El(1), s.El(2), s.El(3), s.El(4)
	}
}

// DateRef is a DTM: a qualified date.
type DateRef struct {
	Qual string // 002 delivery requested, 010 requested ship, 037 ship not before, 038 ship no later, ...
	Date time.Time
}

// ItemIDs are a line's product identifiers by qualifier: BP buyer's
// part, VP/VN vendor's part, UP UPC (GTIN-12), EN EAN (GTIN-13), UK
// GTIN-14, IN buyer's item, SK SKU.
type ItemIDs map[string]string

// Product ID qualifiers read on PO1, LIN and echoed on 855/856.
var productQuals = []string{"BP", "VP", "VN", "UP", "EN", "UK", "IN", "SK", "UA", "UI", "MG", "CB"}

// POLine is a PO1 line.
type POLine struct {
	ID          string // PO101, the buyer's line number
	Qty         int    // PO102
	UOM         string // PO103
	UnitPrice   string // PO104, a decimal in the order currency
	IDs         ItemIDs
	IDOrder     []string // qualifiers in the order they came
	Description string   // PID05
	Dates       []DateRef
	Parties     []Address // line-level N1 loops (SF for a drop-ship line)
}

// appendSegments appends the line's PO1, and its PID when it has a
// description, as both the 850 and the 855 write them.
func (l *POLine) appendSegments(out []Segment) []Segment {
	els := []string{l.ID, strconv.Itoa(l.Qty), l.UOM, l.UnitPrice, ""}
	for _, q := range l.IDOrder {
		els = append(els, q, l.IDs[q])
	}
	out = append(out, Seg("PO1", els...))
	if l.Description != "" {
		out = append(out, Seg("PID", "F", "", "", "", Clean(l.Description, 80)))
	}
	return out
}

// PurchaseOrder is an 850.
type PurchaseOrder struct {
	Purpose  string // BEG01: 00 original, 01 cancellation, 06 confirmation, 07 duplicate
	Type     string // BEG02: SA stand-alone, DS drop ship, ...
	Number   string // BEG03
	Release  string // BEG04
	Date     time.Time
	Currency string // CUR02
	Contact  Address
	Dates    []DateRef
	Parties  []Address
	Lines    []POLine
	// Carrier is TD503 (SCAC) and Service TD505 (routing), if given.
	Carrier, Service string
}

// Party returns the N1 loop with entity code code.
func (po *PurchaseOrder) Party(code string) (Address, bool) {
	for _, a := range po.Parties {
		if a.Code == code {
			return a, true
		}
	}
	return Address{}, false
}

// DateOf returns the first date with qualifier qual.
func DateOf(ds []DateRef, qual string) time.Time {
	for _, d := range ds {
		if d.Qual == qual {
			return d.Date
		}
	}
	return time.Time{}
}

var (
	entityCodes = []string{"ST", "BT", "BY", "SF", "VN", "SE", "SO", "Z7", "BS", "OB", "RI"}
	idQuals     = []string{"1", "9", "91", "92", "UL", "ZZ"}
	dtmQuals    = []string{"002", "010", "037", "038", "063", "064", "001", "004", "011", "017", "067", "068", "069"}
	uoms        = []string{"EA", "CA", "PC", "BX", "PK", "DZ", "CT", "PL", "UN"}
)

// ReadPO reads an 850. group and set are the set's indexes in the
// interchange, for the problems it returns.
func ReadPO(set Set, group, setIdx int) (PurchaseOrder, Errors) {
	r := &reader{group: group, set: setIdx}
	var po PurchaseOrder
	var party *Address
	var line *POLine
	sawBEG, sawCTT := false, false
	for _, s := range set.Body() {
		switch s.ID {
		case "BEG":
			r.loop = ""
			sawBEG = true
			po.Purpose = r.needCode(s, 1, "353", "00", "01", "06", "07")
			po.Type = r.needCode(s, 2, "92", "SA", "NE", "DS", "KN", "RL", "RO", "OS", "CN", "BK", "RE")
			po.Number = r.need(s, 3, "324")
			if len(po.Number) > 22 {
				r.add(s, 3, "324", ElemTooLong, po.Number, "BEG03 is %d characters; at most 22", len(po.Number))
			}
			po.Release = r.maxLen(s, 4, "328", 30)
			po.Date = r.date(s, 5, "373", true)
		case "CUR":
			r.needCode(s, 1, "98", entityCodes...)
			cur := r.need(s, 2, "100")
			if cur != "" && (len(cur) != 3 || strings.ToUpper(cur) != cur) {
				r.add(s, 2, "100", ElemInvalidCode, cur, "CUR02 %q is not an ISO 4217 currency code", cur)
			}
			po.Currency = cur
		case "DTM":
			d := DateRef{Qual: r.needCode(s, 1, "374", dtmQuals...), Date: r.date(s, 2, "373", true)}
			if line != nil {
				line.Dates = append(line.Dates, d)
			} else {
				po.Dates = append(po.Dates, d)
			}
		case "TD5":
			po.Carrier, po.Service = r.maxLen(s, 3, "67", 80), r.maxLen(s, 5, "387", 35)
		case "N1":
			r.loop = "N1"
			a := Address{Code: r.needCode(s, 1, "98", entityCodes...), Name: r.maxLen(s, 2, "93", 60), IDQual: r.code(s, 3, "66", idQuals...), ID: r.maxLen(s, 4, "67", 80)}
			if a.Name == "" && a.ID == "" {
				r.add(s, 2, "93", ElemConditionalMiss, "", "N1 needs N102 (a name) or N103/N104 (an ID)")
			}
			if (s.El(3) == "") != (s.El(4) == "") {
				el, ref := 3, "66"
				if s.El(4) == "" {
					el, ref = 4, "67"
				}
				r.add(s, el, ref, ElemConditionalMiss, "", "N103 and N104 go together")
			}
			if line != nil {
				line.Parties = append(line.Parties, a)
				party = &line.Parties[len(line.Parties)-1]
			} else {
				po.Parties = append(po.Parties, a)
				party = &po.Parties[len(po.Parties)-1]
			}
		case "N2", "N3", "N4":
			if party == nil {
				r.unexpected(s, s.ID+" outside an N1 loop")
				continue
			}
			switch s.ID {
			case "N2":
				party.Name2 = r.maxLen(s, 1, "93", 60)
			case "N3":
				party.Street1, party.Street2 = r.need(s, 1, "166"), r.maxLen(s, 2, "166", 55)
			case "N4":
				party.City, party.Region, party.Postal = r.maxLen(s, 1, "19", 30), r.maxLen(s, 2, "156", 2), r.maxLen(s, 3, "116", 15)
				party.Country = r.maxLen(s, 4, "26", 3)
				if c := party.Country; c != "" && (len(c) != 2 || strings.ToUpper(c) != c) {
					r.add(s, 4, "26", ElemInvalidCode, c, "N404 %q is not an ISO 3166 two-letter country code", c)
				}
			}
		case "PER":
			target := &po.Contact
			if party != nil {
				target = party
			}
			r.needCode(s, 1, "366", "BD", "IC", "OC", "DC", "CR", "SR", "BC", "EB")
			target.Contact = r.maxLen(s, 2, "93", 60)
			for i := 3; i+1 <= len(s.Elements) && i <= 7; i += 2 {
				q := r.code(s, i, "365", "TE", "EM", "FX", "EX", "WP", "HP", "CP")
				switch q {
				case "TE", "WP", "HP", "CP":
					target.Phone = s.El(i + 1)
				case "EM":
					target.Email = s.El(i + 1)
				}
			}
		case "PO1":
			r.loop, party = "PO1", nil
			l := POLine{ID: r.maxLen(s, 1, "350", 20), UOM: r.needCode(s, 3, "355", uoms...), UnitPrice: r.decimal(s, 4, "212"), IDs: ItemIDs{}}
			l.Qty = r.num(s, 2, "330")
			if l.ID == "" {
				l.ID = strconv.Itoa(len(po.Lines) + 1)
			}
			readIDs(r, s, 6, &l.IDs, &l.IDOrder)
			if len(l.IDs) == 0 {
				r.add(s, 7, "234", ElemMandatoryMissing, "", "PO1 needs a product ID (PO106/PO107): a buyer's item or a GTIN")
			}
			po.Lines = append(po.Lines, l)
			line = &po.Lines[len(po.Lines)-1]
		case "PID":
			if line != nil && line.Description == "" {
				line.Description = r.maxLen(s, 5, "352", 80)
			}
		case "CTT":
			r.loop, party = "", nil
			sawCTT = true
			if n := r.num(s, 1, "354"); n != len(po.Lines) && n != 0 {
				r.add(s, 1, "354", ElemInvalidCode, s.El(1), "CTT01 says %d line items, the order has %d PO1 lines", n, len(po.Lines))
			}
		}
	}
	if !sawBEG {
		r.missing(set, "BEG", 2, "")
	}
	if len(po.Lines) == 0 && sawBEG {
		pos := len(set.Segments)
		if sawCTT {
			pos--
		}
		r.missing(set, "PO1", pos, "PO1")
	}
	return po, r.errs
}

// readIDs reads qualifier/ID pairs from element first on.
func readIDs(r *reader, s Segment, first int, ids *ItemIDs, order *[]string) {
	for i := first; i+1 <= len(s.Elements); i += 2 {
		q, v := strings.TrimSpace(s.El(i)), strings.TrimSpace(s.El(i+1))
		if q == "" && v == "" {
			continue
		}
		if q == "" || v == "" {
			el, ref := i, "235"
			if v == "" {
				el, ref = i+1, "234"
			}
			r.add(s, el, ref, ElemConditionalMiss, "", "%s%02d and %s%02d go together (a qualifier and its product ID)", s.ID, i, s.ID, i+1)
			continue
		}
		if r.code(s, i, "235", productQuals...) == "" {
			continue
		}
		if len(v) > 48 {
			r.add(s, i+1, "234", ElemTooLong, v, "%s%02d is %d characters; at most 48", s.ID, i+1, len(v))
			continue
		}
		if _, dup := (*ids)[q]; !dup {
			*order = append(*order, q)
		}
		(*ids)[q] = v
	}
}

// Segments renders the 850 body.
func (po *PurchaseOrder) Segments() []Segment {
	purpose, typ := po.Purpose, po.Type
	if purpose == "" {
		purpose = "00"
	}
	if typ == "" {
		typ = "SA"
	}
	out := []Segment{Seg("BEG", purpose, typ, po.Number, po.Release, po.Date.Format("20060102"))}
	if po.Currency != "" {
		out = append(out, Seg("CUR", "BY", po.Currency))
	}
	if po.Contact.Contact != "" || po.Contact.Phone != "" || po.Contact.Email != "" {
		out = append(out, perSegment(po.Contact))
	}
	for _, d := range po.Dates {
		out = append(out, Seg("DTM", d.Qual, d.Date.Format("20060102")))
	}
	if po.Carrier != "" || po.Service != "" {
		out = append(out, Seg("TD5", "", "2", po.Carrier, "", po.Service))
	}
	for _, a := range po.Parties {
		out = append(out, addressSegments(a)...)
	}
	for _, l := range po.Lines {
		out = l.appendSegments(out)
		for _, d := range l.Dates {
			out = append(out, Seg("DTM", d.Qual, d.Date.Format("20060102")))
		}
		for _, a := range l.Parties {
			out = append(out, addressSegments(a)...)
		}
	}
	out = append(out, Seg("CTT", strconv.Itoa(len(po.Lines))))
	return out
}

func perSegment(a Address) Segment {
	els := []string{"BD", Clean(a.Contact, 60)}
	if a.Phone != "" {
		els = append(els, "TE", Clean(a.Phone, 80))
	}
	if a.Email != "" {
		els = append(els, "EM", Clean(a.Email, 80))
	}
	return Seg("PER", els...)
}

// addressSegments renders an N1 loop; empty parts are left out.
func addressSegments(a Address) []Segment {
	out := []Segment{Seg("N1", a.Code, Clean(a.Name, 60), a.IDQual, a.ID)}
	if a.Name2 != "" {
		out = append(out, Seg("N2", Clean(a.Name2, 60)))
	}
	if a.Street1 != "" {
		out = append(out, Seg("N3", Clean(a.Street1, 55), Clean(a.Street2, 55)))
	}
	if a.City != "" || a.Postal != "" || a.Country != "" {
		out = append(out, Seg("N4", Clean(a.City, 30), Clean(a.Region, 2), Clean(a.Postal, 15), a.Country))
	}
	if a.Contact != "" || a.Phone != "" || a.Email != "" {
		out = append(out, perSegment(a))
	}
	return out
}
