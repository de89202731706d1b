package printers

import (
	"fmt"
	"strings"

	"github.com/packline/packline/oms"
)

// GS1Element is one GS1 application identifier with its value, e.g. AI "00"
// with an 18-digit SSCC.
type GS1Element struct {
	AI    string
	Value string
}

type gs1Spec struct {
	fixed   bool // fixed length: no FNC1 separator needed after it
	n       int  // length if fixed, else maximum
	numeric bool
	check   bool // last digit is a GS1 mod-10 check digit
}

// gs1AIs holds the application identifiers the labels use.
var gs1AIs = map[string]gs1Spec{
	"00":   {fixed: true, n: 18, numeric: true, check: true}, // SSCC
	"01":   {fixed: true, n: 14, numeric: true, check: true}, // GTIN
	"02":   {fixed: true, n: 14, numeric: true, check: true}, // GTIN of contained items
	"10":   {n: 20},                                          // batch/lot
	"15":   {fixed: true, n: 6, numeric: true},               // best before YYMMDD
	"17":   {fixed: true, n: 6, numeric: true},               // expiry YYMMDD
	"21":   {n: 20},                                          // serial
	"37":   {n: 8, numeric: true},                            // count of items
	"3301": {fixed: true, n: 6, numeric: true},               // gross weight kg, 1 decimal
	"400":  {n: 30},                                          // customer purchase order
	"420":  {n: 20},                                          // ship-to postal code
}

// gs1Fixed reports whether ai is a predefined fixed-length AI.
func gs1Fixed(ai string) bool { return gs1AIs[ai].fixed }

// GS1CheckDigit computes the GS1 mod-10 check digit of digits (without it).
// It is oms.GS1CheckDigit for callers that have checked the digits.
func GS1CheckDigit(digits string) byte {
	d, _ := oms.GS1CheckDigit(digits)
	return d
}

// gs1AlnumOK limits alphanumeric values to a subset of GS1 character set 82
// that is safe in every symbology and printer mode used here.
func gs1AlnumOK(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}

// CheckGS1 validates one element against the AI table.
func CheckGS1(e GS1Element) error {
	spec, ok := gs1AIs[e.AI]
	if !ok {
		return fmt.Errorf("%w: GS1 AI (%s) not supported", ErrInvalidData, e.AI)
	}
	v := e.Value
	switch {
	case v == "":
		return fmt.Errorf("%w: GS1 AI (%s) empty", ErrInvalidData, e.AI)
	case spec.fixed && len(v) != spec.n:
		return fmt.Errorf("%w: GS1 AI (%s) needs %d characters, got %d", ErrInvalidData, e.AI, spec.n, len(v))
	case !spec.fixed && len(v) > spec.n:
		return fmt.Errorf("GS1 AI (%s) %d characters, limit %d: %w", e.AI, len(v), spec.n, ErrFieldTooLong)
	case spec.numeric && !oms.AllDigits(v):
		return fmt.Errorf("%w: GS1 AI (%s) must be digits, got %q", ErrInvalidData, e.AI, v)
	case !spec.numeric && !gs1AlnumOK(v):
		return fmt.Errorf("%w: GS1 AI (%s) may hold A-Z a-z 0-9 - . / only, got %q", ErrInvalidData, e.AI, v)
	case spec.check && GS1CheckDigit(v[:len(v)-1]) != v[len(v)-1]:
		return fmt.Errorf("%w: GS1 AI (%s) check digit of %s should be %c", ErrInvalidData, e.AI, v, GS1CheckDigit(v[:len(v)-1]))
	}
	return nil
}

// GS1ElementString validates elems and returns the element string a scanner
// reports: AIs and values concatenated, with ASCII 29 (GS) after each
// variable-length element that is not last.
func GS1ElementString(elems []GS1Element) (string, error) {
	if len(elems) == 0 {
		return "", fmt.Errorf("%w: no GS1 elements", ErrInvalidData)
	}
	var b strings.Builder
	for i, e := range elems {
		if err := CheckGS1(e); err != nil {
			return "", err
		}
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if i < len(elems)-1 && !gs1Fixed(e.AI) {
			b.WriteByte(0x1d)
		}
	}
	return b.String(), nil
}

// ValidSSCC checks an 18-digit SSCC with its check digit.
func ValidSSCC(s string) error { return CheckGS1(GS1Element{AI: "00", Value: s}) }

// ean13 returns the 13-digit EAN-13 for 12 digits, or checks 13 digits.
func ean13(s string) (string, error) {
	if !oms.AllDigits(s) || (len(s) != 12 && len(s) != 13) {
		return "", fmt.Errorf("%w: EAN-13 needs 12 or 13 digits, got %q", ErrInvalidData, s)
	}
	c := GS1CheckDigit(s[:12])
	if len(s) == 13 && s[12] != c {
		return "", fmt.Errorf("%w: EAN-13 check digit of %s should be %c", ErrInvalidData, s, c)
	}
	return s[:12] + string(c), nil
}
