package scanner

import (
	"strconv"

	"github.com/packline/packline/oms"
)

// Retail is a decoded UPC/EAN code.
type Retail struct {
	// Symbology is "ean-13", "upc-a", "upc-e" or "ean-8".
	Symbology string
	// Digits are the digits as scanned (UPC-E in its 8-digit form).
	Digits string
	// GTIN is the code normalised to a 14-digit GTIN for lookup.
	GTIN string
}

// ExpandUPCE expands an 8-digit UPC-E (number system, six digits, check
// digit) to its 12-digit UPC-A. It checks the number system (0 or 1) and the
// check digit, which UPC-E takes from the expanded UPC-A.
func ExpandUPCE(upce string) (string, error) {
	if len(upce) != 8 || !oms.AllDigits(upce) {
		return "", &AIError{Pos: 0, Err: ErrBadRetailCode, Reason: "UPC-E needs 8 digits, got " + strconv.Quote(upce)}
	}
	if upce[0] != '0' && upce[0] != '1' {
		return "", &AIError{Pos: 0, Err: ErrBadRetailCode, Reason: "UPC-E number system must be 0 or 1"}
	}
	ns, d, check := upce[0:1], upce[1:7], upce[7]
	var body string
	switch d[5] {
	case '0', '1', '2':
		body = ns + d[0:2] + d[5:6] + "0000" + d[2:5]
	case '3':
		body = ns + d[0:3] + "00000" + d[3:5]
	case '4':
		body = ns + d[0:4] + "00000" + d[4:5]
	default:
		body = ns + d[0:5] + "0000" + d[5:6]
	}
	if want := gs1CheckDigit(body); want != check {
		return "", &AIError{Pos: 7, Err: ErrCheckDigit, Reason: "UPC-E check digit is " + string(check) + ", want " + string(want)}
	}
	return body + string(check), nil
}

// ParseRetail decodes a UPC-A (12 digits), EAN-13 (13), EAN-8 (8) or UPC-E
// (8, when upcE is true) and checks its check digit.
func ParseRetail(digits string, upcE bool) (Retail, error) {
	if !oms.AllDigits(digits) {
		return Retail{}, &AIError{Pos: 0, Err: ErrBadRetailCode, Reason: "retail codes are digits only, got " + strconv.Quote(digits)}
	}
	r := Retail{Digits: digits}
	switch len(digits) {
	case 8:
		if upcE {
			a, err := ExpandUPCE(digits)
			if err != nil {
				return Retail{}, err
			}
			r.Symbology, r.GTIN = "upc-e", "00"+a
			return r, nil
		}
		r.Symbology = "ean-8"
	case 12:
		r.Symbology = "upc-a"
	case 13:
		r.Symbology = "ean-13"
		if digits[0] == '0' {
			r.Symbology = "upc-a" // scanners send UPC-A as EAN-13 with a leading 0
		}
	default:
		return Retail{}, &AIError{Pos: 0, Err: ErrBadRetailCode, Reason: "retail codes have 8, 12 or 13 digits, got " + strconv.Itoa(len(digits))}
	}
	want := gs1CheckDigit(digits[:len(digits)-1])
	if digits[len(digits)-1] != want {
		return Retail{}, &AIError{Pos: len(digits) - 1, Err: ErrCheckDigit,
			Reason: r.Symbology + " check digit is " + digits[len(digits)-1:] + ", want " + string(want)}
	}
	r.GTIN = padGTIN(digits)
	return r, nil
}

// padGTIN left-pads a GTIN-8/12/13 to 14 digits.
func padGTIN(s string) string {
	const zeros = "00000000000000"
	if len(s) >= 14 {
		return s
	}
	return zeros[:14-len(s)] + s
}
