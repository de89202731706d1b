package printers

import (
	"fmt"

	"github.com/packline/packline/oms"
)

func demoWarehouse() oms.Address {
	return oms.Address{Name: "Packline Demo Warehouse", Company: "Packline GmbH", Street1: "Hafenstrasse 12", Street2: "Dock 4", City: "Hamburg", PostalCode: "20457", Country: "DE"}
}

func demoCustomer() oms.Address {
	return oms.Address{Name: "Zoë Ångström", Company: "Ångström & Söhne", Street1: "Kungsgatan 5", Street2: "Lgh 1102", City: "Stockholm", PostalCode: "111 43", Country: "SE"}
}

// DemoShipping is the shipping label `station label shipping --demo` prints.
func DemoShipping() *ShippingLabel {
	return &ShippingLabel{
		ShipFrom: demoWarehouse(), ShipTo: demoCustomer(),
		Carrier: "DHL", Service: "Paket International",
		TrackingNumber: "JJD014600003828495", SSCC: "340123450000000017",
		WeightKG: 2.35, OrderID: "SO-2026-000123", Reference: "WEB-88231",
		Package: 1, Packages: 2,
	}
}

// DemoPackingSlip is a packing slip long enough to need two labels.
func DemoPackingSlip() *PackingSlip {
	d := &PackingSlip{OrderID: "SO-2026-000123", Reference: "WEB-88231", ShipTo: demoCustomer(),
		Note: "Thank you for your order. Returns within 30 days: see the return label in the parcel."}
	titles := []string{"Merino wool socks, grey, size 39-42", "Espresso cup set (4 pcs) – porcelain", "USB-C cable 2 m", "Notebook A5 dotted", "Ceramic mug „Hafen“", "LED desk lamp with dimmer and USB charging port, black", "Tea sampler 12 kinds", "Bamboo cutting board", "Scented candle: fig & cedar", "Phone case 6.1\""}
	for i, t := range titles {
		d.Lines = append(d.Lines, SlipLine{SKU: fmt.Sprintf("SKU-%05d", 1001+i*7), Title: t, Qty: 1 + i%3})
	}
	return d
}

// DemoReturn is a demo return label.
func DemoReturn() *ReturnLabel {
	return &ReturnLabel{RMA: "RMA-2026-00042", OrderID: "SO-2026-000123", From: demoCustomer(), To: demoWarehouse(),
		Carrier: "DHL", Service: "Retoure Online", TrackingNumber: "JJD014600003828501",
		PortalURL: "https://returns.example.com/r/RMA-2026-00042"}
}

// DemoSKU is a demo SKU/bin label.
func DemoSKU() *SKULabel {
	return &SKULabel{SKU: "SKU-01001", Title: "Merino wool socks, grey, size 39-42", GTIN: "4006381333931", Bin: "A-03-02-1"}
}

// DemoSSCC is a demo pallet label.
func DemoSSCC() *SSCCLabel {
	return &SSCCLabel{SSCC: "340123450000000024", ShipFrom: demoWarehouse(), ShipTo: oms.Address{Name: "Nordic Retail AB", Street1: "Lagervägen 3", City: "Jönköping", PostalCode: "553 03", Country: "SE"},
		GTIN: "04006381333931", Count: 48, Batch: "LOT2611A", WeightKG: 312.5, OrderID: "SO-2026-000123", PurchaseOrder: "PO45001"}
}
