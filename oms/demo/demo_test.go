package demo

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/packline/packline/oms"
)

func TestDeterministic(t *testing.T) {
	a, b := Default(), Default()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different data")
	}
	c := Generate(2, DefaultSizes)
	if reflect.DeepEqual(a.SKUs, c.SKUs) {
		t.Fatal("another seed gave the same catalog")
	}
}

func TestDemoDataIsValid(t *testing.T) {
	d := Default()
	if len(d.Sites) != 3 || len(d.SKUs) != DefaultSizes.SKUs || len(d.Orders) != DefaultSizes.Orders {
		t.Fatalf("sizes: %d sites, %d skus, %d orders", len(d.Sites), len(d.SKUs), len(d.Orders))
	}
	skus := map[string]oms.SKU{}
	keys := map[string]string{}
	for _, s := range d.SKUs {
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		if len(s.Barcodes) < 2 {
			t.Fatalf("%s has %d barcodes", s.SKU, len(s.Barcodes))
		}
		for _, b := range s.Barcodes {
			if other, dup := keys[b.LookupKey()]; dup {
				t.Fatalf("barcode %s on both %s and %s", b.Code, other, s.SKU)
			}
			keys[b.LookupKey()] = s.SKU
		}
		skus[s.SKU] = s
	}
	locs := map[string]bool{}
	walk := map[string]map[int]bool{}
	for _, l := range d.Locations {
		p, err := oms.ParseLocationCode(l.Code)
		if err != nil || p.Code != l.Code {
			t.Fatalf("location %s: %v", l.Code, err)
		}
		if walk[l.Site] == nil {
			walk[l.Site] = map[int]bool{}
		}
		if walk[l.Site][l.WalkSeq] {
			t.Fatalf("two bins share walk seq %d at %s", l.WalkSeq, l.Site)
		}
		walk[l.Site][l.WalkSeq] = true
		locs[l.Site+"/"+l.Code] = true
	}
	for _, st := range d.Stock {
		if !locs[st.Site+"/"+st.Location] || skus[st.SKU].SKU == "" || st.Qty <= 0 {
			t.Fatalf("bad stock row %+v", st)
		}
	}
	channels := map[oms.Channel]int{}
	for _, o := range d.Orders {
		if err := o.Validate(); err != nil {
			t.Fatalf("order %s: %v", o.ID, err)
		}
		for _, l := range o.Lines {
			if _, ok := skus[l.SKU]; !ok {
				t.Fatalf("order %s line %d: unknown sku %s", o.ID, l.LineNo, l.SKU)
			}
		}
		channels[o.Channel]++
	}
	for _, ch := range oms.Channels() {
		if channels[ch] == 0 {
			t.Errorf("no %s orders", ch)
		}
	}
	// Lot-tracked SKUs exist, so the pack screen's lot capture has work.
	lot := 0
	for _, s := range d.SKUs {
		if s.LotTracked {
			lot++
		}
	}
	if lot == 0 {
		t.Error("no lot-tracked SKUs")
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
}
