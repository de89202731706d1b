package scanner

import (
	"errors"
	"testing"
)

func TestParseRetail(t *testing.T) {
	tests := []struct {
		in        string
		upcE      bool
		symbology string
		gtin      string
	}{
		{"4006381333931", false, "ean-13", "04006381333931"},
		{"0036000291452", false, "upc-a", "00036000291452"},
		{"036000291452", false, "upc-a", "00036000291452"},
		{"96385074", false, "ean-8", "00000096385074"},
		{"04252614", true, "upc-e", "00042100005264"},
	}
	for _, tt := range tests {
		r, err := ParseRetail(tt.in, tt.upcE)
		if err != nil {
			t.Errorf("ParseRetail(%q): %v", tt.in, err)
			continue
		}
		if r.Symbology != tt.symbology || r.GTIN != tt.gtin || r.Digits != tt.in {
			t.Errorf("ParseRetail(%q) = %+v, want %s %s", tt.in, r, tt.symbology, tt.gtin)
		}
	}
	bad := []struct {
		in   string
		upcE bool
		err  error
	}{
		{"4006381333932", false, ErrCheckDigit},
		{"036000291453", false, ErrCheckDigit},
		{"96385075", false, ErrCheckDigit},
		{"04252615", true, ErrCheckDigit},
		{"24252614", true, ErrBadRetailCode},
		{"40063813339", false, ErrBadRetailCode},
		{"40063813339A1", false, ErrBadRetailCode},
		{"", false, ErrBadRetailCode},
	}
	for _, tt := range bad {
		if _, err := ParseRetail(tt.in, tt.upcE); !errors.Is(err, tt.err) {
			t.Errorf("ParseRetail(%q) error %v, want %v", tt.in, err, tt.err)
		}
	}
}

// TestExpandUPCE covers each of the UPC-E compression forms (last digit
// 0-2, 3, 4, 5-9).
func TestExpandUPCE(t *testing.T) {
	tests := []struct{ upce, upca string }{
		{"04252614", "042100005264"}, // 0-2: manufacturer ends in X00, item 00XXX
		{"01234558", "012345000058"}, // 5-9: item 0000X
		{"01234531", "012300000451"}, // 3
		{"01234543", "012340000053"}, // 4
		{"11234555", "112345000055"}, // number system 1
	}
	for _, tt := range tests {
		got, err := ExpandUPCE(tt.upce)
		if err != nil {
			t.Errorf("ExpandUPCE(%s): %v", tt.upce, err)
			continue
		}
		if got != tt.upca {
			t.Errorf("ExpandUPCE(%s) = %s, want %s", tt.upce, got, tt.upca)
		}
	}
	for _, in := range []string{"0425261", "0425261A", "24252614"} {
		if _, err := ExpandUPCE(in); !errors.Is(err, ErrBadRetailCode) {
			t.Errorf("ExpandUPCE(%q) error %v, want ErrBadRetailCode", in, err)
		}
	}
}
