package floor

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/printers"
	"github.com/packline/packline/shipping"
)

// exampleStation is the example shipping config and a fresh LON/PACK-01
// station database, closed when the test ends.
func exampleStation(t *testing.T) (*shipping.Config, *localdb.DB) {
	t.Helper()
	cfg, err := shipping.Load(filepath.Join("..", "..", "configs", "shipping.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := localdb.OpenStation(filepath.Join(t.TempDir(), "s.db"), "LON", "PACK-01")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return cfg, db
}

// TestRateShipperBooksFromRateCards: with the example rate cards and
// ranges from central, a parcel gets the cheapest service, a tracking
// number and an SSCC with valid check digits, and a delivery estimate; an
// international order without customs data is stopped with the SKU named.
func TestRateShipperBooksFromRateCards(t *testing.T) {
	ctx := context.Background()
	cfg, db := exampleStation(t)
	for _, s := range cfg.Series() {
		ev := oms.NewEvent(&oms.TaskTrackingRange{Series: s.Name, First: s.First + 1, Last: s.First + 100})
		ev.Site, ev.Station = "LON", "PACK-01"
		if _, err := db.ApplyTask(ctx, ev); err != nil {
			t.Fatalf("range %s: %v", s.Name, err)
		}
	}
	if err := db.UpsertSKUs(ctx, []oms.SKU{{SKU: "MUG", Description: "Mug", Barcodes: []oms.Barcode{{Code: "4006381333931", Kind: oms.BarcodeGTIN13}}}}); err != nil {
		t.Fatal(err)
	}
	site := oms.Site{ID: "LON", Name: "London", GS1CompanyPrefix: "5060123",
		Address: oms.Address{Company: "Packline Ltd", Street1: "Unit 4", City: "Dagenham", PostalCode: "RM9 6XX", Country: "GB"}}
	svc, err := shipping.NewService(cfg, shipping.Options{Site: "LON", Station: "PACK-01", From: site.Address, Numbers: db, Manifests: db})
	if err != nil {
		t.Fatal(err)
	}
	rs := &RateShipper{Svc: svc, SKU: db.SKU}
	order := oms.Order{ID: "PL00000001", Currency: "GBP", ServiceLevel: oms.ServiceStandard,
		ShipTo: oms.Address{Name: "Ada", Street1: "1 High St", City: "London", PostalCode: "N1 9GU", Country: "GB"},
		Lines:  []oms.Line{{LineNo: 1, SKU: "MUG", Qty: 1, UnitPrice: 1299}}}
	req := ShipRequest{Site: site, Order: order, Cartons: []oms.Carton{{Type: "BOX-S", WeightGrams: 900}}}
	quotes, err := rs.Quote(ctx, req)
	if err != nil || len(quotes) == 0 {
		t.Fatalf("quotes: %v %v", quotes, err)
	}
	carrier, service, tracking, sscc, err := rs.Ship(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if carrier != quotes[0].Carrier || service == "" {
		t.Fatalf("booked %s %s, cheapest was %+v", carrier, service, quotes[0])
	}
	if err := shipping.CheckTracking(tracking); err != nil {
		t.Fatalf("tracking %s: %v", tracking, err)
	}
	if err := shipping.CheckSSCC(sscc); err != nil || !strings.HasPrefix(sscc, "05060123") {
		t.Fatalf("sscc %s: %v", sscc, err)
	}
	if est := rs.EstimatedDelivery(order.ID); est.IsZero() || est.Before(time.Now().Add(-24*time.Hour)) {
		t.Fatalf("estimate %v", est)
	}
	abroad := order
	abroad.ID, abroad.ShipTo.Country, abroad.ShipTo.PostalCode, abroad.ShipTo.City = "PL00000002", "CH", "8001", "Zürich"
	_, _, _, _, err = rs.Ship(ctx, ShipRequest{Site: site, Order: abroad, Cartons: req.Cartons})
	if !errors.Is(err, shipping.ErrCustomsData) || !strings.Contains(err.Error(), "MUG") {
		t.Fatalf("customs: %v", err)
	}
}

// TestCN22AndManifestLabels: a small parcel to Switzerland gets a CN22
// that renders; the day's shipments close out to a manifest label.
func TestCN22AndManifestLabels(t *testing.T) {
	ctx := context.Background()
	cfg, db := exampleStation(t)
	if err := db.UpsertSKUs(ctx, []oms.SKU{{SKU: "MUG", Description: "Stoneware mug", WeightGrams: 350, HSCode: "691110", CountryOfOrigin: "PT",
		CustomsValue: 600, Barcodes: []oms.Barcode{{Code: "4006381333931", Kind: oms.BarcodeGTIN13}}}}); err != nil {
		t.Fatal(err)
	}
	from := oms.Address{Company: "Packline Ltd", Name: "London DC", Street1: "Unit 4", City: "Dagenham", PostalCode: "RM9 6XX", Country: "GB"}
	svc, err := shipping.NewService(cfg, shipping.Options{Site: "LON", Station: "PACK-01", From: from, Numbers: db, Manifests: db})
	if err != nil {
		t.Fatal(err)
	}
	rs := &RateShipper{Svc: svc, SKU: db.SKU}
	order := oms.Order{ID: "PL00000007", Currency: "GBP", ServiceLevel: oms.ServiceStandard,
		ShipTo: oms.Address{Name: "Heidi", Street1: "Bahnhofstrasse 1", City: "Zürich", PostalCode: "8001", Country: "CH"},
		Lines:  []oms.Line{{LineNo: 1, SKU: "MUG", Qty: 2, UnitPrice: 1299}}}
	carton := oms.Carton{Type: "BOX-S", WeightGrams: 900, Items: []oms.PackedItem{{SKU: "MUG", Qty: 2}}}
	cn22, err := rs.CN22(ctx, order, carton, "RR123456785GB")
	if err != nil || cn22 == nil {
		t.Fatalf("cn22: %+v %v", cn22, err)
	}
	tmpl, err := printers.DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if r, err := tmpl.Render("customs-cn22", printers.DPI203, cn22); err != nil || !strings.Contains(string(r.ZPL), "691110") {
		t.Fatalf("cn22 label: %v", err)
	}
	sh := oms.Shipment{ID: "SH-1", OrderID: order.ID, Site: "LON", Carrier: "ups", Service: "standard", TrackingNumber: "1Z999AA10123456784",
		Cartons: []oms.Carton{carton}, ShippedAt: time.Now()}
	if _, err := db.Record(ctx, func(tx *localdb.Tx) error { return tx.AddShipment(sh) }); err != nil {
		t.Fatal(err)
	}
	m, err := svc.CloseOut(ctx, "ups")
	if err != nil || len(m.Lines) != 1 {
		t.Fatalf("close out: %+v %v", m, err)
	}
	r, err := tmpl.Render("manifest", printers.DPI203, ManifestLabel(m, from))
	if err != nil || !strings.Contains(string(r.ZPL), "1Z999AA10123456784") {
		t.Fatalf("manifest label: %v", err)
	}
}
