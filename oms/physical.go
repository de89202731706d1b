package oms

import "time"

// Tote is a reusable container a picker fills and hands to packing.
type Tote struct {
	ID      string `json:"id"`
	Site    string `json:"site"`
	OrderID string `json:"order_id,omitempty"`
}

// CartonType is a box size the pack station offers.
type CartonType struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	LengthMM    int    `json:"length_mm"`
	WidthMM     int    `json:"width_mm"`
	HeightMM    int    `json:"height_mm"`
	TareGrams   int    `json:"tare_g"`
	MaxWeightGr int    `json:"max_weight_g"`
}

// Carton is one parcel of a shipment: a box with items, a weight and a label.
type Carton struct {
	SSCC        string       `json:"sscc,omitempty"`
	Type        string       `json:"type"`
	WeightGrams int          `json:"weight_g"`
	Items       []PackedItem `json:"items"`
}

// PackedItem is a quantity of one SKU in a carton, with the lot and expiry
// captured from its GS1 scan where the SKU tracks them.
type PackedItem struct {
	SKU    string `json:"sku"`
	Qty    int    `json:"qty"`
	Lot    string `json:"lot,omitempty"`
	Expiry string `json:"expiry,omitempty"` // YYYY-MM-DD
	Serial string `json:"serial,omitempty"`
}

// Shipment is what leaves the dock for one order: one or more cartons
// with a carrier and tracking number.
type Shipment struct {
	ID             string    `json:"id"`
	OrderID        string    `json:"order_id"`
	Site           string    `json:"site"`
	Carrier        string    `json:"carrier"`
	Service        string    `json:"service"`
	TrackingNumber string    `json:"tracking_number"`
	Cartons        []Carton  `json:"cartons"`
	ShippedAt      time.Time `json:"shipped_at,omitzero"`
	// EstimatedDelivery is the carrier service's delivery date from the
	// rate card's transit days, as quoted when the parcel was labelled.
	EstimatedDelivery time.Time `json:"estimated_delivery,omitzero"`
}

// Grade is how a returned item is judged at the returns bench.
type Grade string

// The grades of a returned item.
const (
	GradeA     Grade = "A"     // resell as new
	GradeB     Grade = "B"     // open box
	GradeC     Grade = "C"     // refurbish
	GradeScrap Grade = "scrap" // not sellable
)

// Valid reports whether g is a known grade.
func (g Grade) Valid() bool {
	switch g {
	case GradeA, GradeB, GradeC, GradeScrap:
		return true
	}
	return false
}

// Disposition is what happens to a returned item after grading.
type Disposition string

// The dispositions of a returned item.
const (
	DispositionRestock    Disposition = "restock"
	DispositionQuarantine Disposition = "quarantine"
	DispositionDispose    Disposition = "dispose"
)

// Valid reports whether d is a known disposition.
func (d Disposition) Valid() bool {
	switch d {
	case DispositionRestock, DispositionQuarantine, DispositionDispose:
		return true
	}
	return false
}

// Return is a return merchandise authorisation and what came back on it.
type Return struct {
	RMA     string       `json:"rma"`
	OrderID string       `json:"order_id"`
	Reason  string       `json:"reason,omitempty"`
	Lines   []ReturnLine `json:"lines"`
	// Resolution is what the customer gets: refund or exchange.
	Resolution string `json:"resolution,omitempty"`
}

// ReturnLine is one SKU expected back on an RMA, and what was found.
type ReturnLine struct {
	SKU         string      `json:"sku"`
	Qty         int         `json:"qty"`
	Received    int         `json:"received,omitempty"`
	Grade       Grade       `json:"grade,omitempty"`
	Disposition Disposition `json:"disposition,omitempty"`
}
