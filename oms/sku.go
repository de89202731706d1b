package oms

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// BarcodeKind says what standard a product barcode follows.
type BarcodeKind string

// The barcodes a SKU can carry.
const (
	BarcodeGTIN8    BarcodeKind = "gtin8"
	BarcodeGTIN12   BarcodeKind = "gtin12" // UPC-A
	BarcodeGTIN13   BarcodeKind = "gtin13" // EAN-13
	BarcodeGTIN14   BarcodeKind = "gtin14" // case / inner pack (ITF-14, GS1-128 AI 01)
	BarcodeInternal BarcodeKind = "internal"
	BarcodeAlias    BarcodeKind = "alias" // a supplier's or marketplace's code for the same item
)

// Barcode is one code that identifies a SKU when scanned. Qty is how many
// units one scan of it counts as (a GTIN-14 on an inner pack of 6 counts 6).
type Barcode struct {
	Code string      `json:"code"`
	Kind BarcodeKind `json:"kind"`
	Qty  int         `json:"qty,omitempty"`
}

// LookupKey is the form a barcode is stored and looked up under: GTINs of
// any length as GTIN-14, other codes upper-cased and trimmed. A scan and
// the catalog meet on this key, so one indexed lookup finds the SKU.
func (b Barcode) LookupKey() string { return LookupKey(b.Code) }

// LookupKey normalises a scanned or catalogued code for lookup: an
// all-digit code of 8, 12, 13 or 14 digits with a valid GTIN check digit
// becomes its GTIN-14; anything else is trimmed and upper-cased.
func LookupKey(code string) string {
	code = strings.TrimSpace(code)
	if g, err := NormalizeGTIN(code); err == nil {
		return g
	}
	return strings.ToUpper(code)
}

// SKU is a stock-keeping unit: one thing the warehouse stores and ships.
type SKU struct {
	SKU         string    `json:"sku"`
	Description string    `json:"description"`
	Barcodes    []Barcode `json:"barcodes"`
	// LotTracked SKUs need their lot (GS1 AI 10) captured at pack.
	LotTracked bool `json:"lot_tracked,omitempty"`
	// ExpiryTracked SKUs need their expiry (AI 17) captured at pack.
	ExpiryTracked bool `json:"expiry_tracked,omitempty"`
	// SerialTracked SKUs need a serial number (AI 21) per unit.
	SerialTracked bool `json:"serial_tracked,omitempty"`
	WeightGrams   int  `json:"weight_g,omitempty"`
	LengthMM      int  `json:"length_mm,omitempty"`
	WidthMM       int  `json:"width_mm,omitempty"`
	HeightMM      int  `json:"height_mm,omitempty"`
	// HSCode, CountryOfOrigin and CustomsValue are what a customs form needs.
	HSCode          string `json:"hs_code,omitempty"`
	CountryOfOrigin string `json:"country_of_origin,omitempty"`
	CustomsValue    int64  `json:"customs_value,omitempty"`
}

// MaxSKULen is the longest SKU code the catalog takes, in characters.
const MaxSKULen = 64

// Validate checks a SKU as imported into the catalog: a code of at most
// MaxSKULen characters without leading or trailing spaces, barcodes that
// fit their kinds, and no control characters or invalid UTF-8 in any
// text. The error names the bad field; it shows the SKU code only once
// the code itself has passed.
func (s *SKU) Validate() error {
	if err := checkSKUCode(s.SKU); err != nil {
		return fmt.Errorf("%w sku: sku: %w", ErrInvalid, err)
	}
	bad := func(field string, err error) error {
		return fmt.Errorf("%w sku %s: %s: %w", ErrInvalid, s.SKU, field, err)
	}
	if err := CheckText(s.Description); err != nil {
		return bad("description", err)
	}
	for i, b := range s.Barcodes {
		if err := b.Validate(); err != nil {
			return fmt.Errorf("%w sku %s: barcodes[%d].%w", ErrInvalid, s.SKU, i+1, err)
		}
	}
	if err := CheckText(s.HSCode); err != nil {
		return bad("hs_code", err)
	}
	if s.CountryOfOrigin != "" && !validCountry(s.CountryOfOrigin) {
		return bad("country_of_origin", fmt.Errorf("%q is not an ISO 3166-1 alpha-2 code", s.CountryOfOrigin))
	}
	return nil
}

// checkSKUCode checks a SKU code, in the catalog or on an order line:
// present, clean text, no white space at either end (" MUG-01" and
// "MUG-01" would be two SKUs that look the same) and at most MaxSKULen
// characters.
func checkSKUCode(code string) error {
	if err := CheckText(code); err != nil {
		return err
	}
	if strings.TrimSpace(code) == "" {
		return errors.New("missing")
	}
	if strings.TrimSpace(code) != code {
		return fmt.Errorf("%q has leading or trailing spaces", code)
	}
	if n := utf8.RuneCountInString(code); n > MaxSKULen {
		return fmt.Errorf("%d characters, more than %d", n, MaxSKULen)
	}
	return nil
}

// Validate checks that a barcode's code fits its kind, check digit
// included. The error starts with the bad field's name.
func (b Barcode) Validate() error {
	want := map[BarcodeKind]int{BarcodeGTIN8: 8, BarcodeGTIN12: 12, BarcodeGTIN13: 13, BarcodeGTIN14: 14}
	switch b.Kind {
	case BarcodeGTIN8, BarcodeGTIN12, BarcodeGTIN13, BarcodeGTIN14:
		if len(b.Code) != want[b.Kind] {
			return fmt.Errorf("code: %s %q: want %d digits, got %d", b.Kind, b.Code, want[b.Kind], len(b.Code))
		}
		if err := CheckGTIN(b.Code); err != nil {
			return fmt.Errorf("code: %w", err)
		}
	case BarcodeInternal, BarcodeAlias:
		if err := CheckText(b.Code); err != nil {
			return fmt.Errorf("code: %w", err)
		}
		if strings.TrimSpace(b.Code) == "" {
			return fmt.Errorf("code: empty %s code", b.Kind)
		}
	default:
		return fmt.Errorf("kind: %q is not one of gtin8, gtin12, gtin13, gtin14, internal, alias", b.Kind)
	}
	if b.Qty < 0 {
		return fmt.Errorf("qty: %d is negative", b.Qty)
	}
	return nil
}
