package printers

import (
	"fmt"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// The shipping documents: a CN22 customs declaration (template
// "customs-cn22") and the end-of-day manifest label the driver scans at
// pickup (template "manifest"). Both are registered in specs (templates.go).

// CN22Categories are the categories of item a CN22 can declare, by their
// JSON value; the label ticks one box.
var CN22Categories = []string{"gift", "documents", "commercial_sample", "returned_goods", "sale_of_goods", "other"}

// CN22MaxItems is how many item lines fit on a CN22 label; more need a CN23.
const CN22MaxItems = 4

// CN22Item is one line of a CN22.
type CN22Item struct {
	Description string  `json:"description"`
	Qty         int     `json:"qty"`
	NetWeightKG float64 `json:"net_weight_kg"`
	// Value in minor units of the declaration's currency.
	Value  int64  `json:"value"`
	HSCode string `json:"hs_code"`
	Origin string `json:"origin"` // ISO 3166-1 alpha-2 country of origin
}

// CN22Label is the data of the 4x6 CN22 customs declaration label.
type CN22Label struct {
	Sender         oms.Address `json:"sender"`
	Recipient      oms.Address `json:"recipient"`
	Category       string      `json:"category"`
	Items          []CN22Item  `json:"items"`
	Currency       string      `json:"currency"`    // ISO 4217
	TotalValue     int64       `json:"total_value"` // minor units of Currency
	GrossWeightKG  float64     `json:"gross_weight_kg"`
	TrackingNumber string      `json:"tracking_number"`
	OrderID        string      `json:"order_id"`
	Date           string      `json:"date"`      // YYYY-MM-DD
	Signature      string      `json:"signature"` // who signs the declaration
}

// Validate checks every field; the error names the field.
func (d *CN22Label) Validate() error {
	v := validator{}
	v.address("sender", d.Sender)
	v.address("recipient", d.Recipient)
	known := false
	for _, c := range CN22Categories {
		known = known || c == d.Category
	}
	if !known {
		v.fail("category", fmt.Sprintf("%q is not one of %s", d.Category, strings.Join(CN22Categories, ", ")))
	}
	if len(d.Items) == 0 || len(d.Items) > CN22MaxItems {
		v.fail("items", fmt.Sprintf("%d items: a CN22 holds 1 to %d (use a CN23 for more)", len(d.Items), CN22MaxItems))
	}
	_, ok := oms.CurrencyExponent(d.Currency)
	if !ok {
		v.fail("currency", fmt.Sprintf("%q is not an ISO 4217 currency code", d.Currency))
	}
	var sum int64
	for i, it := range d.Items {
		p := fmt.Sprintf("items[%d]", i)
		v.text(p+".description", it.Description, true, 60)
		if it.Qty < 1 || it.Qty > 99999 {
			v.fail(p+".qty", fmt.Sprintf("must be 1..99999, got %d", it.Qty))
		}
		v.weight(p+".net_weight_kg", it.NetWeightKG, false)
		if it.Value < 0 || it.Value > 1e12 {
			v.fail(p+".value", fmt.Sprintf("must be 0..1000000000000 minor units, got %d", it.Value))
		}
		hs := strings.NewReplacer(".", "", " ", "").Replace(it.HSCode)
		if len(hs) < 6 || len(hs) > 10 || !oms.AllDigits(hs) {
			v.fail(p+".hs_code", fmt.Sprintf("%q is not 6-10 digits", it.HSCode))
		}
		if !isUpper2(it.Origin) {
			v.fail(p+".origin", fmt.Sprintf("ISO 3166-1 alpha-2 code in capitals required, got %q", it.Origin))
		}
		sum += it.Value
	}
	if ok && d.TotalValue != sum {
		v.fail("total_value", fmt.Sprintf("%s is not the sum of the items, %s", oms.FormatMoney(d.TotalValue, d.Currency), oms.FormatMoney(sum, d.Currency)))
	}
	v.weight("gross_weight_kg", d.GrossWeightKG, true)
	v.code128("tracking_number", d.TrackingNumber, true, 40)
	v.text("order_id", d.OrderID, false, 40)
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		v.fail("date", fmt.Sprintf("%q is not a YYYY-MM-DD date", d.Date))
	}
	v.text("signature", d.Signature, true, 40)
	return v.err
}

// TotalText is the total value as printed, e.g. "12.50 EUR".
func (d *CN22Label) TotalText() string {
	return oms.FormatMoney(d.TotalValue, d.Currency)
}

// ValueText is the item's value as printed in currency.
func (it CN22Item) ValueText(currency string) string {
	return oms.FormatMoney(it.Value, currency)
}

// ManifestMaxLines is how many tracking numbers the manifest label lists;
// the rest are counted ("and 12 more").
const ManifestMaxLines = 18

// ManifestLabel is the data of the 4x6 end-of-day manifest label: the
// close-out's totals and its id as a barcode for the driver's pickup scan.
type ManifestLabel struct {
	ManifestID     string      `json:"manifest_id"`
	Carrier        string      `json:"carrier"`
	ShipFrom       oms.Address `json:"ship_from"`
	Station        string      `json:"station"`
	ClosedAt       string      `json:"closed_at"` // as printed, e.g. 2026-11-27 17:02
	PickupDate     string      `json:"pickup_date"`
	PickupLocation string      `json:"pickup_location"`
	Shipments      int         `json:"shipments"`
	Parcels        int         `json:"parcels"`
	TotalWeightKG  float64     `json:"total_weight_kg"`
	Tracking       []string    `json:"tracking"` // every tracking number on the manifest
}

// Validate checks every field; the error names the field.
func (d *ManifestLabel) Validate() error {
	v := validator{}
	v.code128("manifest_id", d.ManifestID, true, 40)
	v.text("carrier", d.Carrier, true, 30)
	v.address("ship_from", d.ShipFrom)
	v.text("station", d.Station, false, 32)
	v.text("closed_at", d.ClosedAt, true, 20)
	v.text("pickup_date", d.PickupDate, false, 20)
	v.text("pickup_location", d.PickupLocation, false, 40)
	if d.Shipments < 1 || d.Shipments > 1_000_000 {
		v.fail("shipments", fmt.Sprintf("must be 1..1000000, got %d", d.Shipments))
	}
	if d.Parcels < d.Shipments || d.Parcels > 1_000_000 {
		v.fail("parcels", fmt.Sprintf("must be %d..1000000 (at least one per shipment), got %d", d.Shipments, d.Parcels))
	}
	if !(d.TotalWeightKG > 0 && d.TotalWeightKG <= 1_000_000) {
		v.fail("total_weight_kg", fmt.Sprintf("must be more than 0 and at most 1000000, got %g", d.TotalWeightKG))
	}
	if len(d.Tracking) != d.Shipments {
		v.fail("tracking", fmt.Sprintf("%d tracking numbers for %d shipments", len(d.Tracking), d.Shipments))
	}
	for i, t := range d.Tracking {
		v.text(fmt.Sprintf("tracking[%d]", i), t, true, 40)
	}
	return v.err
}

// Listed is the tracking numbers the label has room for.
func (d *ManifestLabel) Listed() []string {
	if len(d.Tracking) > ManifestMaxLines {
		return d.Tracking[:ManifestMaxLines]
	}
	return d.Tracking
}

// More is how many tracking numbers are not listed on the label.
func (d *ManifestLabel) More() int { return max(0, len(d.Tracking)-ManifestMaxLines) }

// DemoCN22 is a demo CN22 from the Berlin demo site to Zürich.
func DemoCN22() *CN22Label {
	return &CN22Label{
		Sender:    oms.Address{Company: "Packline GmbH", Name: "Berlin DC", Street1: "Am Juliusturm 40", City: "Berlin", PostalCode: "13599", Country: "DE"},
		Recipient: oms.Address{Name: "Zoë Ångström", Street1: "Bahnhofstrasse 12", City: "Zürich", PostalCode: "8001", Country: "CH"},
		Category:  "sale_of_goods",
		Items: []CN22Item{
			{Description: "Merino wool socks", Qty: 2, NetWeightKG: 0.18, Value: 2580, HSCode: "6115.95", Origin: "PT"},
			{Description: "Espresso cup set, porcelain", Qty: 1, NetWeightKG: 0.62, Value: 3490, HSCode: "6911.10", Origin: "DE"},
		},
		Currency: "CHF", TotalValue: 6070, GrossWeightKG: 1.05,
		TrackingNumber: "1Z999AA10123456784", OrderID: "SO-2026-000123", Date: "2026-11-27", Signature: "Packline GmbH, shipping",
	}
}

// DemoManifest is a demo close-out of three UPS shipments.
func DemoManifest() *ManifestLabel {
	return &ManifestLabel{
		ManifestID: "BER-PACK-01-UPS-261127170200", Carrier: "UPS",
		ShipFrom: oms.Address{Company: "Packline GmbH", Name: "Berlin DC", Street1: "Am Juliusturm 40", City: "Berlin", PostalCode: "13599", Country: "DE"},
		Station:  "PACK-01", ClosedAt: "2026-11-27 17:02", PickupDate: "2026-11-27", PickupLocation: "Dock 1",
		Shipments: 3, Parcels: 4, TotalWeightKG: 7.35,
		Tracking: []string{"1Z999AA10123456784", "1Z999AA11110000011", "1Z999AA16510000027"},
	}
}

func isUpper2(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}
