package oms

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func validSKU() SKU {
	return SKU{
		SKU:             "MUG-01",
		Description:     "Stoneware mug, 350 ml",
		Barcodes:        []Barcode{{Code: "4006381333931", Kind: BarcodeGTIN13, Qty: 1}, {Code: "PLMUG-01", Kind: BarcodeInternal, Qty: 1}},
		WeightGrams:     350,
		HSCode:          "691110",
		CountryOfOrigin: "PT",
	}
}

func TestSKUValidateRefusesControlCharacters(t *testing.T) {
	if s := validSKU(); s.Validate() != nil {
		t.Fatalf("valid SKU refused: %v", s.Validate())
	}
	fields := []struct {
		field string
		set   func(*SKU, string)
	}{
		{"sku", func(s *SKU, v string) { s.SKU = v }},
		{"description", func(s *SKU, v string) { s.Description = v }},
		{"hs_code", func(s *SKU, v string) { s.HSCode = v }},
		{"barcodes[2].code", func(s *SKU, v string) { s.Barcodes[1].Code = v }},
	}
	for _, f := range fields {
		for _, c := range forbidden {
			t.Run(f.field+"/"+c.name, func(t *testing.T) {
				s := validSKU()
				f.set(&s, "AB"+c.s+"CD")
				wantRefused(t, s.Validate(), f.field, c.shown, 3)
			})
		}
	}
	// An alias barcode is free text too.
	s := validSKU()
	s.Barcodes[1] = Barcode{Code: "B0\x1b[2J", Kind: BarcodeAlias}
	wantRefused(t, s.Validate(), "barcodes[2].code", `'\x1b'`, 3)
}

func TestSKUValidateAcceptsUnicode(t *testing.T) {
	s := validSKU()
	s.Description = "Tasse à café, 中文说明, 🍵☕ — “quoted”, no\u00a0break"
	s.SKU = "CAFÉ-中文-01"
	s.Barcodes[1].Code = "PL-CAFÉ-中文"
	if err := s.Validate(); err != nil {
		t.Fatalf("%+v refused: %v", s, err)
	}
}

func TestSKUCode(t *testing.T) {
	for _, code := range []string{"A", strings.Repeat("X", MaxSKULen), strings.Repeat("é", MaxSKULen), "MUG 01"} {
		s := validSKU()
		s.SKU = code
		if err := s.Validate(); err != nil {
			t.Errorf("%q refused: %v", code, err)
		}
	}
	for _, c := range []struct{ code, want string }{
		{"", "sku: missing"},
		{"   ", "sku: missing"},
		{" MUG-01", "leading or trailing spaces"},
		{"MUG-01 ", "leading or trailing spaces"},
		{"MUG-01\u00a0", "leading or trailing spaces"},
		{"\u3000MUG-01", "leading or trailing spaces"},
		{strings.Repeat("X", MaxSKULen+1), "65 characters"},
		{strings.Repeat("é", MaxSKULen+1), "65 characters"},
	} {
		s := validSKU()
		s.SKU = c.code
		err := s.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "sku: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want ErrInvalid naming sku and %q", c.code, err, c.want)
		}
	}
}

func TestSKUValidateNamesField(t *testing.T) {
	for _, c := range []struct {
		field  string
		mutate func(*SKU)
	}{
		{"barcodes[1].code", func(s *SKU) { s.Barcodes[0].Code = "4006381333932" }},
		{"barcodes[2].kind", func(s *SKU) { s.Barcodes[1].Kind = "qr" }},
		{"barcodes[2].code", func(s *SKU) { s.Barcodes[1].Code = " " }},
		{"barcodes[1].qty", func(s *SKU) { s.Barcodes[0].Qty = -1 }},
		{"country_of_origin", func(s *SKU) { s.CountryOfOrigin = "P\tT" }},
	} {
		s := validSKU()
		c.mutate(&s)
		err := s.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "sku MUG-01: "+c.field+": ") {
			t.Errorf("%s: got %v", c.field, err)
		}
	}
}

// FuzzSKUValidate holds SKU.Validate to what the catalog promises the
// terminals, labels and EDI files: a SKU it accepts holds only valid
// UTF-8 without control characters, and a code without surrounding
// spaces of at most MaxSKULen characters. And the other way: clean text
// is not refused. Whatever the input, a refusal is ErrInvalid and its
// message is itself clean.
func FuzzSKUValidate(f *testing.F) {
	f.Add("MUG-01", "Stoneware mug", "691110", "PLMUG-01")
	f.Add("CAFÉ-中文", "Tasse à café 🍵", "", "B0ABC")
	// One fault each, so each is the reason for its refusal.
	f.Add("MUG\x1b[2J", "desc", "", "X")
	f.Add("MUG", "clear\x1b[2Jscreen", "", "X")
	f.Add("MUG", "", "6911\n10", "X")
	f.Add("MUG", "", "", "A\tB")
	f.Add("MUG", "c1 \u009b31m", "", "X")
	f.Add("MUG", "nul\x00", "", "X")
	f.Add("MUG", "", "", "del\x7f")
	f.Add("MUG", "bad utf8 \xff\xfe", "", "X")
	f.Add("MUG", "", "", "\xed\xa0\x80")
	f.Add(" MUG", "", "", "X")
	f.Add(strings.Repeat("Z", 65), "", "", "Z")
	f.Add("MUG\u00a0", "", "", "Z")
	f.Fuzz(func(t *testing.T, code, desc, hs, barcode string) {
		s := SKU{SKU: code, Description: desc, HSCode: hs, Barcodes: []Barcode{{Code: barcode, Kind: BarcodeInternal, Qty: 1}}}
		err := s.Validate()
		clean := cleanText(code) && cleanText(desc) && cleanText(hs) && cleanText(barcode)
		goodCode := strings.TrimSpace(code) == code && code != "" && utf8.RuneCountInString(code) <= MaxSKULen
		goodBarcode := strings.TrimSpace(barcode) != ""
		if err == nil {
			if !clean || !goodCode || !goodBarcode {
				t.Fatalf("accepted %+v", s)
			}
			return
		}
		if clean && goodCode && goodBarcode {
			t.Fatalf("clean %+v refused: %v", s, err)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("%v does not wrap ErrInvalid", err)
		}
		if !cleanText(err.Error()) {
			t.Fatalf("error %q carries the bad text itself", err)
		}
	})
}
