package scanner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/packline/packline/oms"
)

// decodeGS1 parses GS1 data and classifies it by its key AIs.
func (d *Decoder) decodeGS1(s Scan, data string) Scan {
	if sub := d.c.cfg.GSSubstitute; sub != "" {
		data = strings.ReplaceAll(data, sub, string(GS))
	}
	set, err := parseGS1(data, parseOpts{detectDroppedGS: !d.c.cfg.NoSeparatorCheck, skipReq: d.c.cfg.PerBarcodeReqOff})
	if err != nil {
		s.Format = gs1Format(data)
		return failed(s, err)
	}
	s.Format = gs1Format(data)
	s.AIs = make(map[string]string, len(set.elems))
	for _, e := range set.elems {
		s.AIs[e.AI] = e.Value
		if dv, ok := decimalValue(e.AI, e.Value); ok {
			if s.Decimals == nil {
				s.Decimals = map[string]string{}
			}
			s.Decimals[e.AI] = dv
		}
	}
	for _, k := range []string{"01", "02", "03"} {
		if v, ok := s.AIs[k]; ok {
			s.GTIN = v
			break
		}
	}
	s.OK = true
	classifyGS1(&s)
	return s
}

func gs1Format(data string) string {
	switch {
	case strings.HasPrefix(data, "("):
		return FormatGS1Bracketed
	case isHTTPURI(data):
		return FormatDigitalLink
	}
	return FormatGS1
}

// classifyGS1 sets the kind from the AIs, the most specific key first.
func classifyGS1(s *Scan) {
	ais := s.AIs
	if v, ok := ais["00"]; ok {
		s.Kind, s.Value = KindSSCC, v
		return
	}
	if _, ok := ais["420"]; ok { // USPS: ship-to ZIP, then the IMpb as AI 9x
		for _, k := range []string{"91", "92", "93", "94", "95"} {
			if v, ok := ais[k]; ok && validGS1Check(k+v) {
				s.Kind, s.Value, s.Carrier = KindTracking, k+v, "usps"
				return
			}
		}
	}
	for _, k := range []string{"01", "02", "03", "8006", "8026"} {
		if v, ok := ais[k]; ok {
			s.Kind, s.Value = KindProduct, v
			if len(k) == 4 {
				s.Value = v[:14]
				s.GTIN = v[:14]
			}
			return
		}
	}
	rules := []struct {
		ai   string
		kind Kind
	}{
		{"8003", KindTote}, {"8004", KindTote},
		{"414", KindLocation},
		{"8017", KindBadge},
		{"401", KindTracking}, {"402", KindTracking},
		{"400", KindOrder},
	}
	for _, r := range rules {
		if v, ok := ais[r.ai]; ok {
			s.Kind, s.Value = r.kind, v
			return
		}
	}
}

// decodeRetail decodes data under an EAN/UPC symbology identifier.
func decodeRetail(s Scan, aim, data string) Scan {
	s.Format = FormatRetail
	main := data
	switch aim {
	case "]E3":
		switch {
		case len(data) == 13+2 || len(data) == 13+5:
			main, s.Addon = data[:13], data[13:]
		case len(data) == 12+2 || len(data) == 12+5:
			main, s.Addon = data[:12], data[12:]
		case len(data) == 8+2 || len(data) == 8+5:
			main, s.Addon = data[:8], data[8:]
		}
	case "]E4":
		if len(data) != 8 {
			return failed(s, &AIError{Pos: 0, Err: ErrBadRetailCode, Reason: "EAN-8 needs 8 digits, got " + strconv.Itoa(len(data))})
		}
	}
	r, err := ParseRetail(main, aim != "]E4" && len(main) == 8)
	if err != nil {
		return failed(s, err)
	}
	s.Symbology, s.GTIN, s.Value, s.Kind, s.OK = r.Symbology, r.GTIN, r.GTIN, KindProduct, true
	return s
}

// classifyPlain classifies data that did not announce itself as GS1 or
// retail by its symbology identifier.
func (d *Decoder) classifyPlain(s Scan, data string) Scan {
	cfg := &d.c.cfg
	s.Format = FormatPlain
	// GS1 data without (or with a non-GS1) symbology identifier.
	var gs1Err error
	if looksGS1(data, cfg.GSSubstitute) {
		g := d.decodeGS1(s, data)
		if g.OK {
			return g
		}
		gs1Err = g.Err
		if strings.IndexByte(data, GS) >= 0 || data[0] == '(' || isHTTPURI(data) {
			return g // unmistakably GS1: its error is the answer
		}
	}
	if cfg.CommandPrefix != "" && strings.HasPrefix(data, cfg.CommandPrefix) {
		cmd := data[len(cfg.CommandPrefix):]
		if !d.c.commands[cmd] {
			return failed(s, fmt.Errorf("%w: %q is not a configured command", ErrUnknownCommand, cmd))
		}
		s.Kind, s.Value, s.OK = KindCommand, cmd, true
		return s
	}
	if sku, ok := cfg.Aliases[data]; ok {
		s.Kind, s.Value, s.OK = KindProduct, sku, true
		return s
	}
	for _, p := range d.c.patterns {
		if v, ok := p.match(data); ok {
			s.Kind, s.Value, s.OK = p.kind, v, true
			return s
		}
	}
	if oms.AllDigits(data) {
		switch len(data) {
		case 8, 12, 13:
			if r, err := ParseRetail(data, false); err == nil {
				s.Format, s.Symbology, s.GTIN, s.Value, s.Kind, s.OK = FormatRetail, refine(s.Symbology, r.Symbology), r.GTIN, r.GTIN, KindProduct, true
				return s
			}
			if len(data) == 8 {
				if r, err := ParseRetail(data, true); err == nil {
					s.Format, s.Symbology, s.GTIN, s.Value, s.Kind, s.OK = FormatRetail, refine(s.Symbology, r.Symbology), r.GTIN, r.GTIN, KindProduct, true
					return s
				}
			}
		case 14:
			if validGS1Check(data) {
				s.Format, s.Symbology, s.GTIN, s.Value, s.Kind, s.OK = FormatRetail, refine(s.Symbology, "itf-14"), data, data, KindProduct, true
				return s
			}
		}
	}
	if num, carrier, ok := trackingNumber(data); ok {
		s.Kind, s.Value, s.Carrier, s.OK = KindTracking, num, carrier, true
		return s
	}
	if d.c.sku != nil {
		if v, ok := d.c.sku.match(data); ok {
			s.Kind, s.Value, s.OK = KindProduct, v, true
			return s
		}
	}
	if gs1Err != nil {
		return failed(s, fmt.Errorf("%w: read as gs1 without a symbology identifier: %w", ErrUnknownBarcode, gs1Err))
	}
	return failed(s, fmt.Errorf("%w: %s", ErrUnknownBarcode, describePlain(data)))
}

// refine keeps a symbology the AIM identifier named, else takes the one the
// data implies.
func refine(aim, fromData string) string {
	if aim == "unknown" || aim == "" || aim == "itf" {
		return fromData
	}
	return aim
}

func describePlain(data string) string {
	const max = 40
	if len(data) > max {
		return strconv.Quote(data[:max]) + "... matches no gs1, retail, carrier or site pattern"
	}
	return strconv.Quote(data) + " matches no gs1, retail, carrier or site pattern"
}

// match returns the Value for data if the pattern matches.
func (p *pattern) match(data string) (string, bool) {
	m := p.re.FindStringSubmatch(data)
	if m == nil {
		return "", false
	}
	if p.id > 0 && m[p.id] != "" {
		return m[p.id], true
	}
	return data, true
}

// looksGS1 reports whether data without a GS1 symbology identifier is
// probably GS1: it has a GS (or its configured stand-in), is in bracketed
// form, is a Digital Link, or starts with an SSCC or GTIN whose check digit
// holds.
func looksGS1(data, sub string) bool {
	switch {
	case strings.IndexByte(data, GS) >= 0:
		return true
	case sub != "" && strings.Contains(data, sub) && len(data) > 2 && data[0] >= '0' && data[0] <= '9':
		return true
	case len(data) > 4 && data[0] == '(' && strings.IndexByte(data, ')') > 2:
		return true
	case isHTTPURI(data):
		return looksLikeDigitalLink(data)
	case strings.HasPrefix(data, "00") && len(data) >= 20:
		return validGS1Check(data[2:20])
	case (strings.HasPrefix(data, "01") || strings.HasPrefix(data, "02")) && len(data) > 16:
		return validGS1Check(data[2:16])
	}
	return false
}

// trackingNumber recognises carrier tracking numbers whose check digit can
// be verified: UPS 1Z, USPS IMpb (with or without its 420 ZIP routing
// prefix), UPU S10 international items (EMS, registered mail), FedEx
// Express (12 digits, or the 34-digit barcode) and FedEx Ground (15 digits,
// or the 22-digit "96" barcode). Plain 12-digit numbers are tried as UPC-A
// first by the caller, so a FedEx Express number whose last digit also
// happens to be a valid UPC-A check digit reads as a product.
func trackingNumber(data string) (num, carrier string, ok bool) {
	if len(data) == 18 && strings.HasPrefix(data, "1Z") {
		want, valid := oms.UPSCheckDigit(data[2:17])
		if valid && data[17] == want {
			return data, "ups", true
		}
		return "", "", false
	}
	if len(data) == 13 && isUpper(data[0]) && isUpper(data[1]) && oms.AllDigits(data[2:11]) && isUpper(data[11]) && isUpper(data[12]) {
		if c, ok := oms.S10CheckDigit(data[2:10]); ok && c == data[10] && inSorted(iso3166Alpha2, data[11:13]) {
			return data, "upu-s10", true
		}
		return "", "", false
	}
	if oms.AllDigits(data) {
		n := data
		if strings.HasPrefix(n, "420") {
			switch len(n) {
			case 8 + 22, 8 + 20:
				n = n[8:]
			case 12 + 22, 12 + 20:
				n = n[12:]
			}
		}
		if (len(n) == 22 || len(n) == 20) && n[0] == '9' && n[1] >= '1' && n[1] <= '5' && validGS1Check(n) {
			return n, "usps", true
		}
		switch {
		case len(data) == 12 && fedexExpressCheckDigit(data[:11]) == data[11]:
			return data, "fedex", true
		case len(data) == 34 && fedexExpressCheckDigit(data[22:33]) == data[33]:
			return data[22:], "fedex", true // FedEx Express 1D barcode: number in the last 12 digits
		case len(data) == 15 && validGS1Check(data):
			return data, "fedex", true // FedEx Ground
		case len(data) == 22 && strings.HasPrefix(data, "96") && validGS1Check(data[7:]):
			return data[7:], "fedex", true // FedEx Ground "96" barcode: number in the last 15 digits
		}
	}
	return "", "", false
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
