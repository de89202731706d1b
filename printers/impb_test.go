package printers

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packline/packline/oms"
)

// uspsShipping is the shipping label of a USPS parcel to the postal code
// postal with the tracking number tracking.
func uspsShipping(postal, tracking string) *ShippingLabel {
	return &ShippingLabel{
		ShipFrom:       oms.Address{Company: "Packline Inc.", Name: "Newark DC", Street1: "100 Harbor Way", City: "Newark", Region: "NJ", PostalCode: "07114", Country: "US"},
		ShipTo:         oms.Address{Name: "Jordan Lee", Street1: "1600 Pennsylvania Ave NW", City: "Washington", Region: "DC", PostalCode: postal, Country: "US"},
		Carrier:        "USPS",
		Service:        "Priority Mail",
		TrackingNumber: tracking, SSCC: "340123450000000017",
		WeightKG: 1.2, OrderID: "SO-2026-000124", Package: 1, Packages: 1,
	}
}

func TestIsIMpb(t *testing.T) {
	for _, s := range []string{
		"9205590164917312751089", // the scanner's tests' IMpb
		"9212391234567812345670", // Publication 199's worked MOD 10 example
		"9300101234500000000424", // channel 93, 6-digit Mailer ID 012345, serial 42
	} {
		if !IsIMpb(s) {
			t.Errorf("%s is not taken for an IMpb", s)
		}
	}
	for _, s := range []string{
		"",
		"9205590164917312751088",         // check digit wrong
		"9405590164917312751087",         // check digit right, channel 94 (USPS online) not issued
		"9205580164917312751080",         // check digit right, channel 92 with a Mailer ID not starting with 9
		"9305590164917312751088",         // check digit right, channel 93 with a Mailer ID starting with 9
		"92055901649173127510890",        // 23 digits
		"420205009205590164917312751089", // with its routing code
		"920559016491731275108X",
		"9205 5901 6491 7312 7510 89",
		"JJD014600003828495",
		"1Z999AA10123456784",
	} {
		if IsIMpb(s) {
			t.Errorf("%q taken for an IMpb", s)
		}
	}
}

func TestUSZIP(t *testing.T) {
	for in, want := range map[string]string{"20500": "20500", "20500-0003": "205000003", "205000003": "205000003", " 07114 ": "07114"} {
		if got, ok := USZIP(in); !ok || got != want {
			t.Errorf("USZIP(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "2050", "205000", "20500-003", "2050-00003", "20500 0003", "20500-", "-20500", "2O500", "111 43", "SW1A 1AA", "K1A 0B1", "20500-0003-1"} {
		if got, ok := USZIP(in); ok {
			t.Errorf("USZIP(%q) = %q, accepted", in, got)
		}
	}
}

func TestIMpbText(t *testing.T) {
	for in, want := range map[string]string{
		"9205590164917312751089": "9205 5901 6491 7312 7510 89",
		"9300101234500000000424": "9300 1012 3450 0000 0004 24",
		"92055901":               "9205 5901",
	} {
		if got := IMpbText(in); got != want {
			t.Errorf("IMpbText(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestShippingIMpbLabel renders the USPS label at every resolution against
// its golden file and checks what Publication 199 asks of it: the banner,
// the barcode as GS1-128 of FNC1 420 ZIP FNC1 IMpb with no interpretation
// line of its own, and the IMpb alone in groups of four under it.
func TestShippingIMpbLabel(t *testing.T) {
	ts, err := DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	d := uspsShipping("20500-0003", "9205590164917312751089")
	if !d.IMpb() {
		t.Fatal("the USPS label's tracking number is not taken for an IMpb")
	}
	for _, dpi := range []DPI{DPI203, DPI300, DPI600} {
		t.Run(fmt.Sprint(dpi), func(t *testing.T) {
			r, err := ts.Render("shipping", dpi, d)
			if err != nil {
				t.Fatal(err)
			}
			z := string(r.ZPL)
			for _, want := range []string{
				"^FDUSPS TRACKING #^FS",
				"^FD9205 5901 6491 7312 7510 89^FS",
				",N,N,N,D^FH^FD(420)205000003>89205590164917312751089^FS",
			} {
				if !strings.Contains(z, want) {
					t.Errorf("zpl lacks %q:\n%s", want, z)
				}
			}
			if strings.Contains(z, "TRACKING NUMBER") || strings.Count(z, "9205590164917312751089") != 1 {
				t.Errorf("the plain tracking barcode or its heading is still there:\n%s", z)
			}
			var got []string
			for _, bc := range r.Barcodes {
				got = append(got, fmt.Sprintf("%s %s %q", bc.Field, bc.Sym, bc.Want))
			}
			want := []string{`tracking_number gs1-128 "420205000003\x1d9205590164917312751089"`, `sscc gs1-128 "00340123450000000017"`}
			if strings.Join(got, "; ") != strings.Join(want, "; ") {
				t.Errorf("barcodes %q, want %q", got, want)
			}
			path := filepath.Join("testdata", fmt.Sprintf("shipping-usps-%d.zpl", dpi))
			if *update {
				if err := os.WriteFile(path, r.ZPL, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			golden, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./printers -run TestShippingIMpbLabel -update)", err)
			}
			if !bytes.Equal(r.ZPL, golden) {
				t.Errorf("%s differs from the golden file; if intended, rerun with -update\ngot:\n%s", path, r.ZPL)
			}
		})
	}
}

// TestShippingIMpbNeedsZIP: a label with an IMpb is refused, naming
// ship_to.postal_code, unless the ship-to has a US ZIP Code; the same
// address with any other tracking number is fine.
func TestShippingIMpbNeedsZIP(t *testing.T) {
	ts, err := DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, postal := range []string{"", "111 43", "SW1A 1AA", "K1A 0B1", "2050", "20500-00", "2050-00003", "205000"} {
		r, err := ts.Render("shipping", DPI203, uspsShipping(postal, "9205590164917312751089"))
		if err == nil || !strings.HasPrefix(err.Error(), "ship_to.postal_code:") || !errors.Is(err, ErrInvalidData) || r != nil {
			t.Errorf("postal code %q with an IMpb: %v, want ship_to.postal_code refused", postal, err)
		}
		if postal == "" {
			continue // required for every label
		}
		if _, err := ts.Render("shipping", DPI203, uspsShipping(postal, "1Z999AA10123456784")); err != nil {
			t.Errorf("postal code %q with a UPS number: %v", postal, err)
		}
	}
	// A German postcode looks like a ZIP; the country says it is not one.
	berlin := uspsShipping("10115", "9205590164917312751089")
	berlin.ShipTo.Country, berlin.ShipTo.City, berlin.ShipTo.Region = "DE", "Berlin", ""
	if _, err := ts.Render("shipping", DPI203, berlin); err == nil || !strings.Contains(err.Error(), "ship_to.country:") {
		t.Errorf("IMpb to Berlin: %v, want ship_to.country refused", err)
	}
	for _, postal := range []string{"20500", "20500-0003", "205000003"} {
		if _, err := ts.Render("shipping", DPI203, uspsShipping(postal, "9300101234500000000424")); err != nil {
			t.Errorf("ZIP Code %q: %v", postal, err)
		}
	}
}

// TestShippingNonIMpbUnchanged: every tracking number that is not an IMpb,
// near misses included, prints exactly as before: the demo label's golden
// file with only the number changed.
func TestShippingNonIMpbUnchanged(t *testing.T) {
	ts, err := DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, dpi := range []DPI{DPI203, DPI300, DPI600} {
		golden, err := os.ReadFile(filepath.Join("testdata", fmt.Sprintf("shipping-%d.zpl", dpi)))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{
			"1Z999AA10123456784",
			"9205590164917312751088",  // check digit wrong
			"9405590164917312751087",  // channel 94
			"9205580164917312751080",  // channel 92, 6-digit Mailer ID
			"92055901649173127510890", // 23 digits
		} {
			d := DemoShipping()
			d.TrackingNumber = n
			r, err := ts.Render("shipping", dpi, d)
			if err != nil {
				t.Fatalf("%s at %d dpi: %v", n, dpi, err)
			}
			want := bytes.Replace(golden, []byte("^FDJJD014600003828495^FS"), []byte("^FD"+n+"^FS"), 1)
			if bytes.Equal(want, golden) || !bytes.Equal(r.ZPL, want) {
				t.Errorf("%s at %d dpi does not print as before:\n%s", n, dpi, r.ZPL)
			}
		}
	}
}

// TestIMpbBuilderRefuses: the builder refuses an IMpb it cannot print to
// Publication 199 (narrow or wide modules, short bars, quiet zones cut by
// the label's edge) and data that is not a ZIP Code and an IMpb, naming
// the field.
func TestIMpbBuilderRefuses(t *testing.T) {
	const zip4, impb = "20500-0003", "9205590164917312751089"
	cases := []struct {
		name      string
		dpi       DPI
		x, h, mod float64
		postal    string
		impb      string
		want      string
	}{
		{"template placement 203", DPI203, 5, 19.1, 0.33, zip4, impb, ""},
		{"template placement 300", DPI300, 5, 19.1, 0.33, zip4, impb, ""},
		{"template placement 600", DPI600, 5, 19.1, 0.33, zip4, impb, ""},
		{"narrow module", DPI203, 5, 19.1, 0.25, zip4, impb, "module 0.250 mm"},
		{"wide module", DPI203, 5, 19.1, 0.6, "20500", impb, "module 0.625 mm"},
		{"short bars", DPI300, 5, 18, 0.33, zip4, impb, "bars 18.00 mm high"},
		{"right quiet zone", DPI203, 8, 19.1, 0.33, zip4, impb, "quiet zone"},
		{"left quiet zone", DPI300, 2, 19.1, 0.33, "20500", impb, "quiet zone"},
		{"not a zip", DPI203, 5, 19.1, 0.33, "111 43", impb, "US ZIP Code"},
		{"not an impb", DPI203, 5, 19.1, 0.33, zip4, "9205590164917312751088", "not a 22-digit USPS IMpb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := NewLabel(c.dpi)
			l.Start(101.6, 152.4)
			l.IMpb(c.x, 75, c.h, c.mod, "tracking_number", c.postal, c.impb)
			l.End()
			_, err := l.Bytes()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), "tracking_number: ") || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalidData) {
				t.Fatalf("err %v, want tracking_number: ... %q", err, c.want)
			}
		})
	}
}
