package scanner

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestDecode(t *testing.T) {
	d := NewDecoder(DefaultConfig())
	tests := []struct {
		name      string
		raw       string
		kind      Kind
		symbology string
		format    string
		gtin      string
		value     string
		ais       map[string]string
	}{
		{"gs1-128 gtin expiry lot", "]C10109506000134352" + "17260131" + "10AB-12", KindProduct, "gs1-128", FormatGS1,
			"09506000134352", "09506000134352", map[string]string{"01": "09506000134352", "17": "260131", "10": "AB-12"}},
		{"trailing CR LF removed", "]C10109506000134352\r\n", KindProduct, "gs1-128", FormatGS1,
			"09506000134352", "09506000134352", map[string]string{"01": "09506000134352"}},
		{"gs1 datamatrix with GS", "]d20109506000134352" + "10L1\x1d" + "21SER1", KindProduct, "gs1-datamatrix", FormatGS1,
			"09506000134352", "09506000134352", map[string]string{"01": "09506000134352", "10": "L1", "21": "SER1"}},
		{"gs1 qr digital link", "]Q3https://id.gs1.org/01/09506000134352/10/AB-12?17=260131", KindProduct, "gs1-qr", FormatDigitalLink,
			"09506000134352", "09506000134352", map[string]string{"01": "09506000134352", "17": "260131", "10": "AB-12"}},
		{"plain qr digital link", "]Q1https://example.com/01/09506000134352", KindProduct, "qr", FormatDigitalLink,
			"09506000134352", "09506000134352", map[string]string{"01": "09506000134352"}},
		{"gs1 databar", "]e00109506000134352", KindProduct, "gs1-databar", FormatGS1,
			"09506000134352", "09506000134352", map[string]string{"01": "09506000134352"}},
		{"sscc label", "]C100106141411234567897" + "02" + "09506000134352" + "3712\x1d" + "400PO-77", KindSSCC, "gs1-128", FormatGS1,
			"09506000134352", "106141411234567897", map[string]string{"00": "106141411234567897", "02": "09506000134352", "37": "12", "400": "PO-77"}},
		{"bracketed without aim", "(01)09506000134352(17)260131(10)AB-12", KindProduct, "unknown", FormatGS1Bracketed,
			"09506000134352", "09506000134352", map[string]string{"01": "09506000134352", "17": "260131", "10": "AB-12"}},
		{"raw gs1 without aim", "0109506000134352" + "10AB-12", KindProduct, "unknown", FormatGS1,
			"09506000134352", "09506000134352", map[string]string{"01": "09506000134352", "10": "AB-12"}},
		{"gln location", "]C1414" + "9506000134369", KindLocation, "gs1-128", FormatGS1, "", "9506000134369", map[string]string{"414": "9506000134369"}},
		{"giai tote", "]C18004" + "9506000ABC123", KindTote, "gs1-128", FormatGS1, "", "9506000ABC123", map[string]string{"8004": "9506000ABC123"}},
		{"gsrn badge", "]C18017" + "950600013435200008", KindBadge, "gs1-128", FormatGS1, "", "950600013435200008", map[string]string{"8017": "950600013435200008"}},
		{"gsin shipment", "]C1402" + "95060001343520000", KindTracking, "gs1-128", FormatGS1, "", "95060001343520000", map[string]string{"402": "95060001343520000"}},
		{"usps impb as gs1", "]C1420" + "20500\x1d" + "9205590164917312751089", KindTracking, "gs1-128", FormatGS1, "", "9205590164917312751089",
			map[string]string{"420": "20500", "92": "05590164917312751089"}},
		{"other gs1 is decoded but unclassified", "]C1253" + "9506000134369ABC", KindUnknown, "gs1-128", FormatGS1, "", "", map[string]string{"253": "9506000134369ABC"}},
		{"ean-13", "]E04006381333931", KindProduct, "ean-13", FormatRetail, "04006381333931", "04006381333931", nil},
		{"upc-a via ean-13", "]E00036000291452", KindProduct, "upc-a", FormatRetail, "00036000291452", "00036000291452", nil},
		{"upc-e", "]E004252614", KindProduct, "upc-e", FormatRetail, "00042100005264", "00042100005264", nil},
		{"ean-8", "]E496385074", KindProduct, "ean-8", FormatRetail, "00000096385074", "00000096385074", nil},
		{"ean-13 with add-on", "]E3400638133393112", KindProduct, "ean-13", FormatRetail, "04006381333931", "04006381333931", nil},
		{"ean-13 without aim", "4006381333931", KindProduct, "ean-13", FormatRetail, "04006381333931", "04006381333931", nil},
		{"upc-a without aim", "036000291452", KindProduct, "upc-a", FormatRetail, "00036000291452", "00036000291452", nil},
		{"upc-e without aim", "04252614", KindProduct, "upc-e", FormatRetail, "00042100005264", "00042100005264", nil},
		{"itf-14", "]I115400141288763", KindProduct, "itf-14", FormatRetail, "15400141288763", "15400141288763", nil},
		{"ups", "]C01Z999AA10123456784", KindTracking, "code128", FormatPlain, "", "1Z999AA10123456784", nil},
		{"usps impb", "9205590164917312751089", KindTracking, "unknown", FormatPlain, "", "9205590164917312751089", nil},
		{"usps impb with zip routing", "42020500" + "9205590164917312751089", KindTracking, "unknown", FormatPlain, "", "9205590164917312751089", nil},
		{"fedex express", "568838414941", KindTracking, "unknown", FormatPlain, "", "568838414941", nil},
		{"fedex express 34-digit barcode", "1001901781040000000000" + "568838414941", KindTracking, "unknown", FormatPlain, "", "568838414941", nil},
		{"fedex ground 96 barcode", "9612019" + "449044304137821", KindTracking, "unknown", FormatPlain, "", "449044304137821", nil},
		{"upu s10", "RR123456785GB", KindTracking, "unknown", FormatPlain, "", "RR123456785GB", nil},
		{"command", "]A0CMD-DONE", KindCommand, "code39", FormatPlain, "", "DONE", nil},
		{"location code", "]C0LOC-A-01-02", KindLocation, "code128", FormatPlain, "", "A-01-02", nil},
		{"location by layout", "A01-02-03", KindLocation, "unknown", FormatPlain, "", "A01-02-03", nil},
		{"tote", "TOTE-000123", KindTote, "unknown", FormatPlain, "", "000123", nil},
		{"order", "ORD-1001234", KindOrder, "unknown", FormatPlain, "", "1001234", nil},
		{"rma", "RMA-55501", KindRMA, "unknown", FormatPlain, "", "55501", nil},
		{"badge", "BADGE-JS042", KindBadge, "unknown", FormatPlain, "", "JS042", nil},
		{"sku by internal code", "SKU-TSHIRT-RED-M", KindProduct, "unknown", FormatPlain, "", "TSHIRT-RED-M", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := d.Decode([]byte(tt.raw))
			if !s.OK {
				t.Fatalf("Decode(%q) failed: %s", tt.raw, s.Error)
			}
			if s.Kind != tt.kind || s.Symbology != tt.symbology || s.Format != tt.format || s.GTIN != tt.gtin || s.Value != tt.value {
				t.Errorf("Decode(%q) = kind %s sym %s format %s gtin %q value %q; want %s %s %s %q %q",
					tt.raw, s.Kind, s.Symbology, s.Format, s.GTIN, s.Value, tt.kind, tt.symbology, tt.format, tt.gtin, tt.value)
			}
			if !reflect.DeepEqual(s.AIs, tt.ais) {
				t.Errorf("Decode(%q).AIs = %v, want %v", tt.raw, s.AIs, tt.ais)
			}
			if s.Raw != tt.raw || s.Error != "" || s.Err != nil {
				t.Errorf("Decode(%q): raw %q error %q", tt.raw, s.Raw, s.Error)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	d := NewDecoder(DefaultConfig())
	tests := []struct {
		name, raw string
		err       error
		message   string
	}{
		{"empty", "", ErrEmptyScan, "empty scan"},
		{"aim only", "]C1", ErrEmptyScan, "empty scan"},
		{"gs1-128 bad check digit", "]C10109506000134353", ErrCheckDigit, "ai (01) at position 15"},
		{"gs1-128 dropped separator", "]C10109506000134352" + "10AB-12" + "17260131", ErrMissingSeparator, "ai (10) at position 23"},
		{"gs1-128 unknown ai", "]C1" + "2301234", ErrUnknownAI, "2301"},
		{"gs1-128 lot alone", "]C110AB-12", ErrMissingAI, "requires (01)"},
		{"gs1 qr bad digital link", "]Q3https://id.gs1.org/01/09506000134352/21/S/10/L", ErrBadDigitalLink, "order"},
		{"gs1 without aim is still checked", "0109506000134352\x1d" + "17261301", ErrBadDate, "month 13"},
		{"bracketed without aim is still checked", "(01)09506000134352(10)", ErrLength, "ai (10)"},
		{"digital link without aim is still checked", "https://id.gs1.org/01/09506000134353", ErrCheckDigit, "ai (01)"},
		{"ean-13 check digit", "]E04006381333932", ErrCheckDigit, "check digit is 2, want 1"},
		{"ean-8 length", "]E4963850", ErrBadRetailCode, "EAN-8 needs 8 digits"},
		{"ean letters", "]E0400638133393A", ErrBadRetailCode, "digits only"},
		{"unknown command", "CMD-FLY", ErrUnknownCommand, `"FLY"`},
		{"unknown plain code", "]C0HELLO WORLD", ErrUnknownBarcode, `"HELLO WORLD" matches no`},
		{"plain url is not a product", "]Q1https://example.com/menu", ErrUnknownBarcode, "matches no"},
		{"ups check digit", "1Z999AA10123456785", ErrUnknownBarcode, "matches no"},
		{"gs1-looking digits that fail", "0109506000134352" + "9", ErrUnknownBarcode, "read as gs1 without a symbology identifier: data at position 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := d.Decode([]byte(tt.raw))
			if s.OK {
				t.Fatalf("Decode(%q) ok (kind %s), want error %v", tt.raw, s.Kind, tt.err)
			}
			if !errors.Is(s.Err, tt.err) {
				t.Fatalf("Decode(%q) error %q, want %v", tt.raw, s.Error, tt.err)
			}
			if !strings.Contains(s.Error, tt.message) {
				t.Errorf("Decode(%q) error %q does not say %q", tt.raw, s.Error, tt.message)
			}
			if s.Kind != KindUnknown || s.Raw != tt.raw || s.AIs != nil {
				t.Errorf("Decode(%q) = kind %s raw %q ais %v: a failed scan must carry no partial result", tt.raw, s.Kind, s.Raw, s.AIs)
			}
			if strings.ContainsAny(s.Error, "\n\r") {
				t.Errorf("error %q spans lines", s.Error)
			}
		})
	}
}

func TestDecodeDecimalsAndGSSubstitute(t *testing.T) {
	cfg := DefaultConfig()
	cfg.GSSubstitute = "<GS>"
	d := NewDecoder(cfg)
	s := d.Decode([]byte("]C10109506000134352" + "10L7<GS>" + "3103001250"))
	if !s.OK {
		t.Fatalf("decode: %s", s.Error)
	}
	if s.AIs["10"] != "L7" || s.Decimals["3103"] != "1.250" {
		t.Errorf("AIs %v decimals %v", s.AIs, s.Decimals)
	}
	// Without AIM too.
	s = d.Decode([]byte("0109506000134352" + "10L7<GS>" + "3103001250"))
	if !s.OK || s.AIs["10"] != "L7" {
		t.Errorf("without aim: ok %v AIs %v err %s", s.OK, s.AIs, s.Error)
	}
}

func TestSeparatorCheckCanBeTurnedOff(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NoSeparatorCheck = true
	s := NewDecoder(cfg).Decode([]byte("]C10109506000134352" + "10L11260101"))
	if !s.OK || s.AIs["10"] != "L11260101" {
		t.Fatalf("ok %v AIs %v err %s", s.OK, s.AIs, s.Error)
	}
	s = NewDecoder(DefaultConfig()).Decode([]byte("]C10109506000134352" + "10L11260101"))
	if s.OK || !errors.Is(s.Err, ErrMissingSeparator) {
		t.Fatalf("default config accepted a lot hiding (11): %+v", s)
	}
}

func TestPerBarcodeReqOff(t *testing.T) {
	// A logistic label: SSCC alone in one symbol, lot and weight in another.
	cfg := DefaultConfig()
	cfg.PerBarcodeReqOff = true
	d := NewDecoder(cfg)
	first := d.Decode([]byte("]C100106141411234567897"))
	second := d.Decode([]byte("]C110LOT7\x1d3301000500"))
	if !first.OK || !second.OK {
		t.Fatalf("split label refused: %q / %q", first.Error, second.Error)
	}
	if s := NewDecoder(DefaultConfig()).Decode([]byte("]C110LOT7\x1d3301000500")); s.OK || !errors.Is(s.Err, ErrMissingAI) {
		t.Errorf("default config accepted a lot without a GTIN: %+v", s)
	}
	// Exclusions still hold per barcode.
	if s := d.Decode([]byte("]C10109506000134352" + "3103001250" + "3102000125")); s.OK || !errors.Is(s.Err, ErrExclusiveAIs) {
		t.Errorf("exclusive AIs accepted: %+v", s)
	}
	// The station checks the combined item.
	combined := []Element{{"00", first.AIs["00"]}, {"10", "LOT7"}, {"3301", "000500"}}
	if err := CheckAssociations(combined); !errors.Is(err, ErrMissingAI) {
		t.Errorf("CheckAssociations(%v) = %v; (10) needs a GTIN", combined, err)
	}
	combined = append(combined, Element{"02", "09506000134352"}, Element{"37", "4"})
	if err := CheckAssociations(combined); err != nil {
		t.Errorf("CheckAssociations(%v) = %v", combined, err)
	}
	if err := CheckAssociations([]Element{{"23", "x"}}); !errors.Is(err, ErrUnknownAI) {
		t.Errorf("unknown AI: %v", err)
	}
	if err := CheckAssociations([]Element{{"10", "A"}, {"10", "B"}}); !errors.Is(err, ErrDuplicateAI) {
		t.Errorf("conflicting lots: %v", err)
	}
}

func TestAliasesAndZeroConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Aliases = map[string]string{"OLD-4711": "TSHIRT-RED-M"}
	s := NewDecoder(cfg).Decode([]byte("OLD-4711"))
	if !s.OK || s.Kind != KindProduct || s.Value != "TSHIRT-RED-M" {
		t.Errorf("alias: %+v", s)
	}
	// The zero Config knows GS1, retail and carriers, and no site labels.
	z := NewDecoder(Config{})
	if s := z.Decode([]byte("]E04006381333931")); !s.OK || s.Kind != KindProduct {
		t.Errorf("zero config ean: %+v", s)
	}
	if s := z.Decode([]byte("TOTE-1234")); s.OK || !errors.Is(s.Err, ErrUnknownBarcode) {
		t.Errorf("zero config tote: %+v", s)
	}
	if s := z.Decode([]byte("CMD-DONE")); s.OK {
		t.Errorf("zero config command: %+v", s)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig invalid: %v", err)
	}
	tests := []struct {
		name  string
		mod   func(*Config)
		field string
	}{
		{"bad regexp", func(c *Config) { c.TotePattern = "([" }, "tote_pattern"},
		{"bad sku regexp", func(c *Config) { c.SKUPattern = "*" }, "sku_pattern"},
		{"empty command", func(c *Config) { c.Commands = append(c.Commands, "") }, "commands"},
		{"commands without prefix", func(c *Config) { c.CommandPrefix = "" }, "command_prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.mod(&cfg)
			err := cfg.Validate()
			if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate() = %v, want ErrBadConfig naming %s", err, tt.field)
			}
			s := NewDecoder(cfg).Decode([]byte("]E04006381333931"))
			if s.OK || !errors.Is(s.Err, ErrBadConfig) {
				t.Errorf("decoder with bad config decoded: %+v", s)
			}
		})
	}
	var nilDecoder *Decoder
	if s := nilDecoder.Decode([]byte("x")); s.OK {
		t.Error("nil decoder decoded")
	}
}

func TestTrackingNumbers(t *testing.T) {
	good := map[string]string{
		"1Z999AA10123456784":     "ups",
		"RR123456785GB":          "upu-s10",
		"EE123456785US":          "upu-s10",
		"9205590164917312751089": "usps",
		"568838414941":           "fedex", // FedEx Express, from FedEx's test numbers
		"449044304137821":        "fedex", // FedEx Ground
	}
	for in, carrier := range good {
		if n, c, ok := trackingNumber(in); !ok || c != carrier || n != in {
			t.Errorf("trackingNumber(%q) = %q %q %v, want %s", in, n, c, ok, carrier)
		}
	}
	for _, in := range []string{"1Z999AA10123456785", "1Z999AA1012345678!", "RR123456784GB", "RR123456785XX", "9205590164917312751088", "8205590164917312751089", "568838414942", "449044304137822"} {
		if _, _, ok := trackingNumber(in); ok {
			t.Errorf("trackingNumber(%q) accepted", in)
		}
	}
}

func TestDecodeConcurrent(t *testing.T) {
	d := NewDecoder(DefaultConfig())
	inputs := []string{"]C10109506000134352" + "17260131" + "10AB-12", "]E04006381333931", "TOTE-1234", "bad"}
	want := make([]Scan, len(inputs))
	for i, in := range inputs {
		want[i] = d.Decode([]byte(in))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				i := n % len(inputs)
				got := d.Decode([]byte(inputs[i]))
				if fmt.Sprint(got) != fmt.Sprint(want[i]) {
					t.Errorf("concurrent Decode(%q) = %+v, want %+v", inputs[i], got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}
