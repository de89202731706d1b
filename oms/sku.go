package oms

import (
	"fmt"
	"strings"
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

// Validate checks a SKU as imported into the catalog.
func (s *SKU) Validate() error {
	if strings.TrimSpace(s.SKU) == "" {
		return fmt.Errorf("%w sku: sku: missing", ErrInvalid)
	}
	for i, b := range s.Barcodes {
		if err := b.Validate(); err != nil {
			return fmt.Errorf("%w sku %s: barcodes[%d]: %w", ErrInvalid, s.SKU, i+1, err)
		}
	}
	if s.CountryOfOrigin != "" && !validCountry(s.CountryOfOrigin) {
		return fmt.Errorf("%w sku %s: country_of_origin: %q is not an ISO 3166-1 alpha-2 code", ErrInvalid, s.SKU, s.CountryOfOrigin)
	}
	return nil
}

// Validate checks that a barcode's code fits its kind, check digit included.
func (b Barcode) Validate() error {
	want := map[BarcodeKind]int{BarcodeGTIN8: 8, BarcodeGTIN12: 12, BarcodeGTIN13: 13, BarcodeGTIN14: 14}
	switch b.Kind {
	case BarcodeGTIN8, BarcodeGTIN12, BarcodeGTIN13, BarcodeGTIN14:
		if len(b.Code) != want[b.Kind] {
			return fmt.Errorf("%s %q: want %d digits, got %d", b.Kind, b.Code, want[b.Kind], len(b.Code))
		}
		if err := CheckGTIN(b.Code); err != nil {
			return err
		}
	case BarcodeInternal, BarcodeAlias:
		if strings.TrimSpace(b.Code) == "" {
			return fmt.Errorf("%s: empty code", b.Kind)
		}
	default:
		return fmt.Errorf("kind %q is not one of gtin8, gtin12, gtin13, gtin14, internal, alias", b.Kind)
	}
	if b.Qty < 0 {
		return fmt.Errorf("qty %d is negative", b.Qty)
	}
	return nil
}
