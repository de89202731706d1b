package printers

import (
	"errors"
	"strings"
	"testing"
)

func TestCN22LabelRefusesBadData(t *testing.T) {
	cases := []struct {
		field  string
		mutate func(d *CN22Label)
	}{
		{"category", func(d *CN22Label) { d.Category = "bribe" }},
		{"items", func(d *CN22Label) { d.Items = append(d.Items, d.Items[0], d.Items[0], d.Items[0]) }},
		{"items", func(d *CN22Label) { d.Items = nil; d.TotalValue = 0 }},
		{"items[1].hs_code", func(d *CN22Label) { d.Items[1].HSCode = "" }},
		{"items[0].origin", func(d *CN22Label) { d.Items[0].Origin = "pt" }},
		{"items[0].qty", func(d *CN22Label) { d.Items[0].Qty = 0 }},
		{"currency", func(d *CN22Label) { d.Currency = "XXX1" }},
		{"total_value", func(d *CN22Label) { d.TotalValue++ }},
		{"tracking_number", func(d *CN22Label) { d.TrackingNumber = "1Z>" }},
		{"date", func(d *CN22Label) { d.Date = "27.11.2026" }},
		{"recipient.country", func(d *CN22Label) { d.Recipient.Country = "" }},
	}
	ts, err := DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		d := DemoCN22()
		c.mutate(d)
		_, err := ts.Render("customs-cn22", DPI203, d)
		if err == nil || !strings.HasPrefix(err.Error(), c.field+":") {
			t.Errorf("%s: got %v", c.field, err)
		}
	}
	// Text that looks like ZPL prints as text.
	d := DemoCN22()
	d.Items[0].Description = "^XZ^XA^FDevil~JR"
	r, err := ts.Render("customs-cn22", DPI203, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(r.ZPL), "^FDevil") || strings.Contains(string(r.ZPL), "~JR") {
		t.Fatalf("injection reached the ZPL:\n%s", r.ZPL)
	}
	// Yen have no minor unit, dinars three.
	if got := (CN22Item{Value: 1500}).ValueText("JPY"); got != "1500 JPY" {
		t.Errorf("JPY: %s", got)
	}
	if got := (CN22Item{Value: 1250}).ValueText("KWD"); got != "1.250 KWD" {
		t.Errorf("KWD: %s", got)
	}
}

func TestManifestLabel(t *testing.T) {
	ts, err := DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	d := DemoManifest()
	for i := range 40 {
		d.Tracking = append(d.Tracking, "1Z999AA10123456784"+strings.Repeat("", i))
	}
	d.Shipments, d.Parcels = len(d.Tracking), len(d.Tracking)
	r, err := ts.Render("manifest", DPI300, d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.ZPL), "and 25 more") || r.Labels != 1 {
		t.Fatalf("a long manifest lists %d and counts the rest on one label", ManifestMaxLines)
	}
	d.Tracking = d.Tracking[:3]
	if _, err := ts.Render("manifest", DPI300, d); err == nil || !strings.HasPrefix(err.Error(), "tracking:") || !errors.Is(err, ErrInvalidData) {
		t.Fatalf("tracking count mismatch: %v", err)
	}
	d = DemoManifest()
	d.ManifestID = ""
	if _, err := ts.Render("manifest", DPI300, d); err == nil || !strings.HasPrefix(err.Error(), "manifest_id:") {
		t.Fatalf("missing id: %v", err)
	}
}
