package shipping

import (
	"context"
	"fmt"
	"time"
)

// Carrier is an adapter to one carrier: rating, labels (tracking numbers),
// pickups and tracking. RateCard, working offline from the config and the
// station's number ranges, is the first implementation; adapters to live
// carrier APIs come later and must respect the carriers' rate limits
// (some allow 40 requests a minute), which is why the pack line never
// waits on them.
type Carrier interface {
	// ID is the carrier id of the config ("ups").
	ID() string
	// Name is the display name ("UPS").
	Name() string
	// Rate quotes every service that can carry p when it is ready at
	// readyAt; refusals say for each other service why not. err is for the
	// adapter failing (network, API), never for a parcel it cannot carry.
	Rate(ctx context.Context, p *Parcel, readyAt time.Time) (quotes []Quote, refusals []string, err error)
	// Label issues the tracking number for a parcel on a service.
	Label(ctx context.Context, req LabelRequest) (Label, error)
	// SchedulePickup books (or, offline, reports the standing) collection
	// for the first pickup on or after at.
	SchedulePickup(ctx context.Context, at time.Time) (Pickup, error)
	// Track reports where a parcel is.
	Track(ctx context.Context, number string) (TrackingStatus, error)
}

// LabelRequest asks a carrier for a parcel's label.
type LabelRequest struct {
	Service string // service code
	// SSCC is the parcel's SSCC; carriers that track by SSCC use it as the number.
	SSCC string
}

// Label is what a carrier returns for a parcel. Offline, only the tracking
// number: Packline prints the label itself (printers "shipping" template).
type Label struct {
	Carrier, Service string
	TrackingNumber   string
}

// TrackingStatus is a parcel's last known whereabouts.
type TrackingStatus struct {
	Number string
	Status string
	At     time.Time
}

// Pickup is a carrier collection.
type Pickup struct {
	Carrier  string
	Date     time.Time // the day, at midnight local time
	Ready    string    // HH:MM: parcels on the dock and manifested by then
	Until    string    // HH:MM: end of the collection window
	Location string
}

// Rate implements Carrier from the rate card.
func (rc *RateCard) Rate(ctx context.Context, p *Parcel, readyAt time.Time) ([]Quote, []string, error) {
	q, r := rc.Rates(ctx, p, readyAt)
	return q, r, nil
}

// Label implements Carrier: it takes the next number of the carrier's
// series from the station's ranges (committed before it returns, so it is
// never issued again) and formats it with its check digit.
func (rc *RateCard) Label(ctx context.Context, req LabelRequest) (Label, error) {
	var code string
	found := false
	for i := range rc.services {
		if rc.services[i].code == req.Service {
			code, found = rc.services[i].trackingCode, true
			break
		}
	}
	if !found {
		return Label{}, fmt.Errorf("label %s %s: %w", rc.id, req.Service, ErrUnknownCarrier)
	}
	if rc.tracking.format == FormatSSCC {
		if err := CheckSSCC(req.SSCC); err != nil {
			return Label{}, fmt.Errorf("label %s %s: tracks by SSCC: %w", rc.id, req.Service, err)
		}
		return Label{Carrier: rc.id, Service: req.Service, TrackingNumber: req.SSCC}, nil
	}
	if rc.numbers == nil {
		return Label{}, fmt.Errorf("label %s: no number store", rc.id)
	}
	serial, ok, err := rc.numbers.IssueNumber(ctx, rc.tracking.series)
	if err != nil {
		return Label{}, fmt.Errorf("label %s: issue tracking number: %w", rc.id, err)
	}
	if !ok {
		return Label{}, fmt.Errorf("label %s: series %s: %w", rc.id, rc.tracking.series, ErrNoNumbers)
	}
	n, err := rc.tracking.number(code, serial)
	if err != nil {
		return Label{}, fmt.Errorf("label %s: serial %s: %w", rc.id, itoa(serial), err)
	}
	return Label{Carrier: rc.id, Service: req.Service, TrackingNumber: n}, nil
}

// SchedulePickup implements Carrier: offline, the standing pickup from the
// config is the schedule.
func (rc *RateCard) SchedulePickup(_ context.Context, at time.Time) (Pickup, error) {
	return rc.nextPickup(at), nil
}

// Track implements Carrier; the offline card cannot track.
func (rc *RateCard) Track(context.Context, string) (TrackingStatus, error) {
	return TrackingStatus{}, fmt.Errorf("track with %s rate card: %w", rc.id, ErrNotSupported)
}

// nextPickup is the first pickup whose ready time has not passed at at.
func (rc *RateCard) nextPickup(at time.Time) Pickup {
	ready := rc.pickup.Ready
	if ready == "" {
		ready = fmt.Sprintf("%02d:%02d", rc.cutoff/60, rc.cutoff%60)
	}
	return Pickup{Carrier: rc.id, Date: rc.shipDate(at), Ready: ready, Until: rc.pickup.Until, Location: rc.pickup.Location}
}

var _ Carrier = (*RateCard)(nil)
