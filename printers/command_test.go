package printers

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLabelCommandDemo(t *testing.T) {
	for _, name := range TemplateNames() {
		var out, errb bytes.Buffer
		if err := LabelCommand([]string{name, "--demo", "--dpi", "300"}, &out, &errb); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.HasPrefix(out.Bytes(), []byte("^XA^CI28^PW")) || Lint(out.Bytes()) != nil {
			t.Errorf("%s: %s", name, out.String())
		}
	}
	var out bytes.Buffer
	if err := LabelCommand([]string{"--dpi=203", "--demo", "shipping"}, &out, &bytes.Buffer{}); err != nil || !bytes.Contains(out.Bytes(), []byte("^PW813")) {
		t.Fatalf("flags before the template: %v", err)
	}
}

func TestLabelCommandData(t *testing.T) {
	dir := t.TempDir()
	write := func(v any) string {
		b, _ := json.Marshal(v)
		p := filepath.Join(dir, "d.json")
		os.WriteFile(p, b, 0o644)
		return p
	}
	good := DemoShipping()
	var out bytes.Buffer
	if err := LabelCommand([]string{"shipping", "--data", write(good)}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("JJD014600003828495")) {
		t.Fatal("tracking number missing")
	}
	bad := []struct {
		name  string
		edit  func(d *ShippingLabel)
		field string
	}{
		{"no name", func(d *ShippingLabel) { d.ShipTo.Name = "" }, "ship_to.name"},
		{"country", func(d *ShippingLabel) { d.ShipFrom.Country = "Germany" }, "ship_from.country"},
		{"sscc", func(d *ShippingLabel) { d.SSCC = "340123450000000018" }, "sscc"},
		{"weight", func(d *ShippingLabel) { d.WeightKG = -1 }, "weight_kg"},
		{"package", func(d *ShippingLabel) { d.Package = 3 }, "package"},
		{"tracking", func(d *ShippingLabel) { d.TrackingNumber = "1Z>2" }, "tracking_number"},
		{"long", func(d *ShippingLabel) { d.ShipTo.Street1 = strings.Repeat("a", 61) }, "ship_to.street1"},
	}
	for _, c := range bad {
		d := *DemoShipping()
		c.edit(&d)
		var out bytes.Buffer
		err := LabelCommand([]string{"shipping", "--data", write(d)}, &out, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.field+":") {
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.field)
		}
		if out.Len() != 0 {
			t.Errorf("%s: ZPL written despite bad data", c.name)
		}
	}
	for _, raw := range []string{`{"weight_kg": "heavy"}`, `{"shipto": {}}`, `{`, `{} {}`} {
		p := filepath.Join(dir, "raw.json")
		os.WriteFile(p, []byte(raw), 0o644)
		var out bytes.Buffer
		err := LabelCommand([]string{"shipping", "--data", p}, &out, &bytes.Buffer{})
		if !errors.Is(err, ErrInvalidData) || out.Len() != 0 {
			t.Errorf("%s: %v", raw, err)
		}
	}
	// A syntax error says where.
	p := filepath.Join(dir, "syntax.json")
	os.WriteFile(p, []byte(`{"carrier": "DHL",, }`), 0o644)
	if err := LabelCommand([]string{"shipping", "--data", p}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "at byte 19") {
		t.Errorf("syntax error: %v, want its byte offset", err)
	}
	if err := LabelCommand([]string{"shipping", "--data", `{"weight_kg": "heavy"}`}, &out, &bytes.Buffer{}); err == nil {
		t.Error("missing file accepted")
	}
	for _, args := range [][]string{{}, {"shipping"}, {"shipping", "--demo", "--data", "x"}, {"nope", "--demo"}, {"shipping", "--demo", "--dpi", "250"}, {"a", "b", "--demo"}} {
		if err := LabelCommand(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
