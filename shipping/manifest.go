package shipping

import (
	"fmt"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// ManifestLine is one shipment on a manifest.
type ManifestLine struct {
	ShipmentID     string
	OrderID        string
	Service        string
	TrackingNumber string
	Cartons        int
	WeightGrams    int
	SSCCs          []string
}

// Manifest is a carrier's end-of-day close-out at a station: every
// shipment handed to the carrier since the last close-out. The driver scans
// the manifest label's barcode (the ID) at pickup.
type Manifest struct {
	ID          string // e.g. BER-PACK-01-UPS-261127170200
	Site        string
	Station     string
	Carrier     string
	CarrierName string
	ClosedAt    time.Time
	Pickup      Pickup
	Lines       []ManifestLine
	Parcels     int // cartons
	WeightGrams int
}

// manifestID names a close-out; it is Code 128 safe and sorts by time.
func manifestID(site, station, carrier string, at time.Time) string {
	return strings.ToUpper(fmt.Sprintf("%s-%s-%s-%s", site, station, carrier, at.Format("060102150405")))
}

func buildManifest(id, site, station string, rc *RateCard, at time.Time, shipments []oms.Shipment) Manifest {
	m := Manifest{ID: id, Site: site, Station: station, Carrier: rc.id, CarrierName: rc.name, ClosedAt: at, Pickup: rc.nextPickup(at)}
	for _, s := range shipments {
		l := ManifestLine{ShipmentID: s.ID, OrderID: s.OrderID, Service: s.Service, TrackingNumber: s.TrackingNumber, Cartons: len(s.Cartons)}
		for _, c := range s.Cartons {
			l.WeightGrams += c.WeightGrams
			if c.SSCC != "" {
				l.SSCCs = append(l.SSCCs, c.SSCC)
			}
		}
		m.Parcels += l.Cartons
		m.WeightGrams += l.WeightGrams
		m.Lines = append(m.Lines, l)
	}
	return m
}
