package printers

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzLabelData feeds arbitrary JSON to every template's data decoder and
// renders what it accepts: no panic, bad data is ErrInvalidData or
// ErrFieldTooLong with no ZPL, and good data is ZPL that passes Lint with
// one ^XA/^XZ pair per label.
func FuzzLabelData(f *testing.F) {
	names := TemplateNames()
	for i, name := range names {
		d, _ := DemoData(name)
		b, _ := json.Marshal(d)
		f.Add(uint8(i), b)
	}
	for i, name := range names {
		if name == "shipping" { // a USPS label, and an IMpb to a postal code that is no ZIP Code
			b, _ := json.Marshal(uspsShipping("20500-0003", "9205590164917312751089"))
			f.Add(uint8(i), b)
			f.Add(uint8(i), bytes.Replace(b, []byte(`"20500-0003"`), []byte(`"SW1A 1AA"`), 1))
		}
	}
	f.Add(uint8(0), []byte(`{"ship_to":{"name":"^XA~JR_5E"}}`))
	f.Add(uint8(1), []byte(`{"lines":[{"qty":-1}]} trailing`))
	f.Add(uint8(2), []byte(`{"weight_kg":"heavy"}`))
	ts, err := DefaultTemplates()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		name := names[int(which)%len(names)]
		data, err := NewData(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := DecodeData(b, data); err != nil {
			if !errors.Is(err, ErrInvalidData) {
				t.Fatalf("%s: decode error %v is not ErrInvalidData", name, err)
			}
			return
		}
		r, err := ts.Render(name, DPI203, data)
		if err != nil {
			if !errors.Is(err, ErrInvalidData) && !errors.Is(err, ErrFieldTooLong) {
				t.Fatalf("%s: render error %v is neither ErrInvalidData nor ErrFieldTooLong", name, err)
			}
			if r != nil {
				t.Fatalf("%s: ZPL returned with error %v", name, err)
			}
			return
		}
		if err := Lint(r.ZPL); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := bytes.Count(r.ZPL, []byte("^XA")); n != r.Labels || bytes.Count(r.ZPL, []byte("^XZ")) != n {
			t.Fatalf("%s: %d ^XA for %d labels", name, n, r.Labels)
		}
	})
}
