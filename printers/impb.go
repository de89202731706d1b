package printers

import (
	"fmt"
	"strings"

	"github.com/packline/packline/oms"
)

// The USPS Intelligent Mail package barcode (IMpb, USPS Publication 199).
// A USPS parcel's tracking barcode is a GS1-128 of FNC1, AI 420 with the
// destination ZIP Code, FNC1 and the 22-digit IMpb tracking number; the
// human-readable line under it is the tracking number alone, grouped in
// fours, under a "USPS TRACKING #" banner.
//
// printers decides what an IMpb is itself rather than asking
// shipping.CheckIMpb: printers and shipping are peers that depend only on
// oms (docs/DESIGN.md, "Dependencies point one way"), and shipping says it
// imports neither localdb nor printers. IsIMpb applies the same rules;
// TestIMpbAgreesWithShipping keeps the two in step.

// impbDigits is the length of the IMpb tracking numbers the shipping
// package issues (Publication 199's 26-digit form and the 20-digit legacy
// numbers are not issued, so they print as plain Code 128).
const impbDigits = 22

// IMpb barcode dimensions from Publication 199: an X dimension (narrow bar)
// of 13 to 21 mils and bars at least 3/4 inch high, with a quiet zone of
// at least 1/8 inch or ten modules, whichever is wider, on each side.
const (
	impbMinModuleMM = 0.013 * 25.4
	impbMaxModuleMM = 0.021 * 25.4
	impbMinHeightMM = 0.75 * 25.4
	impbQuietMM     = 0.125 * 25.4
)

// IsIMpb reports whether s is a 22-digit USPS IMpb tracking number of the
// forms shipping.MakeIMpb issues: channel application identifier 92 with
// a 9-digit Mailer ID (which starts with 9) or 93 with a 6-digit one
// (which does not), a 3-digit service type code, the serial, and a GS1
// mod-10 check digit over the 21 digits before it.
func IsIMpb(s string) bool { return oms.CheckIMpb(s) == nil }

// USZIP returns a US postal code as the IMpb routing element (AI 420)
// carries it: the 5-digit ZIP Code, or ZIP+4 as 9 digits without its
// hyphen ("12345", "123456789" and "12345-6789" are accepted, with spaces
// around them ignored). ok is false for anything else.
func USZIP(postal string) (zip string, ok bool) {
	p := strings.TrimSpace(postal)
	if len(p) == 10 && p[5] == '-' {
		p = p[:5] + p[6:]
	}
	if (len(p) != 5 && len(p) != 9) || !oms.AllDigits(p) {
		return "", false
	}
	return p, true
}

// IMpbText is an IMpb as Publication 199 prints it under the barcode: in
// groups of four digits separated by a space, the last group holding what
// is left ("9205 5901 6491 7312 7510 89"). The routing code (420 and the
// ZIP Code) is not printed.
func IMpbText(impb string) string {
	var b strings.Builder
	b.Grow(len(impb) + len(impb)/4)
	for i := 0; i < len(impb); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(impb[i:min(i+4, len(impb))])
	}
	return b.String()
}

// impbModules is the width in modules of the IMpb symbol with a ZIP Code of
// zipLen digits. Every part is an even run of digits, so the symbol is
// Code 128 subset C throughout: start C, FNC1, "420" and the ZIP in pairs,
// FNC1, the 22 digits in pairs, the symbol check character, and the stop
// character (13 modules).
func impbModules(zipLen int) int {
	return 11 + 11 + 11*((3+zipLen)/2) + 11 + 11*(impbDigits/2) + 11 + 13
}

// IMpb prints a USPS Intelligent Mail package barcode at x,y, h mm high
// with modules of module mm: a GS1-128 of FNC1, AI 420 with the ZIP Code of
// postal (USZIP), FNC1 and the 22-digit IMpb, whose leading 92 or 93 (the
// channel application identifier) simply follows the FNC1. It prints no
// interpretation line: Publication 199 wants the tracking number alone
// under the barcode, in groups of four (IMpbText), not "(420)...", so the
// template prints that line as text. The module, the height and the quiet
// zones on the label must meet Publication 199's minimums at this
// resolution, or the field fails.
func (l *Label) IMpb(x, y, h, module float64, field, postal, impb string) {
	if !l.needOpen(field) {
		return
	}
	zip, ok := USZIP(postal)
	if !ok {
		l.fail(field, fmt.Errorf("%w: the IMpb routing code needs a US ZIP Code (12345 or 12345-6789), got %q", ErrInvalidData, postal))
		return
	}
	if !IsIMpb(impb) {
		l.fail(field, fmt.Errorf("%w: %q is not a 22-digit USPS IMpb (92 or 93, GS1 mod-10 check digit)", ErrInvalidData, impb))
		return
	}
	dpmm := float64(l.dpi.DotsPerMM())
	md := l.moduleDots(module)
	if mm := float64(md) / dpmm; mm < impbMinModuleMM || mm > impbMaxModuleMM {
		l.fail(field, fmt.Errorf("%w: IMpb module %.3f mm (%d dots at %d dpi), Publication 199 wants 0.330 to 0.533 mm (13 to 21 mils)", ErrInvalidData, mm, md, l.dpi))
		return
	}
	if mm := float64(l.dots(h)) / dpmm; mm < impbMinHeightMM {
		l.fail(field, fmt.Errorf("%w: IMpb bars %.2f mm high, Publication 199 wants at least 19.05 mm (3/4 inch)", ErrInvalidData, mm))
		return
	}
	quiet := max(l.dots(impbQuietMM), 10*md)
	left, right := l.dots(x), l.dots(x)+impbModules(len(zip))*md
	if left < quiet || right > l.width-quiet {
		l.fail(field, fmt.Errorf("%w: IMpb barcode spans dots %d to %d of %d, leaving less than its quiet zone of %d dots on a side", ErrInvalidData, left, right, l.width, quiet))
		return
	}
	l.linear(x, y, h, module, "^BCN,", ",N,N,N,D^FH^FD")
	l.buf = append(l.buf, "(420)"...)
	l.buf = append(l.buf, zip...)
	l.buf = append(l.buf, ">8"...)
	l.buf = append(l.buf, impb...)
	l.buf = append(l.buf, "^FS"...)
	l.barcode(field, SymGS1128, x, y, "420"+zip+"\x1d"+impb)
}
