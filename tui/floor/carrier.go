package floor

import (
	"context"
	"errors"
	"fmt"
	stdsync "sync"
	"time"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/printers"
	"github.com/packline/packline/shipping"
)

// RateShipper books parcels from the shipping package's rate cards and
// number ranges: no network needed. It stops an international order that
// lacks customs data, with a message naming each SKU and field.
type RateShipper struct {
	Svc *shipping.Service
	// SKU looks up a SKU's customs data.
	SKU func(ctx context.Context, sku string) (oms.SKU, error)

	mu       stdsync.Mutex // guards estimate
	estimate map[string]time.Time
}

func (r *RateShipper) parcel(req ShipRequest) shipping.Parcel {
	p := shipping.Parcel{Site: req.Site.ID, To: req.Order.ShipTo, Residential: req.Order.ShipTo.Company == "",
		Level: req.Order.ServiceLevel, PromisedBy: req.Order.PromisedAt}
	for _, c := range req.Cartons {
		p.WeightGrams += c.WeightGrams
	}
	return p
}

// Quote implements Shipper: every eligible service, cheapest first.
func (r *RateShipper) Quote(ctx context.Context, req ShipRequest) ([]Quote, error) {
	qs, err := r.Svc.Rate(ctx, r.parcel(req))
	if err != nil {
		return nil, err
	}
	out := make([]Quote, len(qs))
	for i, q := range qs {
		out[i] = Quote{Carrier: q.Carrier, Service: q.Service, Cost: q.Total, Currency: q.Currency}
	}
	return out, nil
}

// Ship implements Shipper: customs check, the cheapest service that meets
// the promise (the fastest when none does), an SSCC and a tracking number
// from the station's ranges.
func (r *RateShipper) Ship(ctx context.Context, req ShipRequest) (carrier, service, tracking, sscc string, err error) {
	if r.SKU != nil {
		skus := map[string]oms.SKU{}
		for _, l := range req.Order.Lines {
			if s, err := r.SKU(ctx, l.SKU); err == nil {
				skus[l.SKU] = s
			}
		}
		if err := r.Svc.CustomsCheck(req.Order, skus); err != nil {
			return "", "", "", "", err
		}
	}
	qs, err := r.Svc.Rate(ctx, r.parcel(req))
	if err != nil {
		return "", "", "", "", err
	}
	q, err := r.Svc.Choose(qs)
	if err != nil && !errors.Is(err, shipping.ErrPromiseUnmet) {
		return "", "", "", "", err
	}
	if sscc, err = r.Svc.NextSSCC(ctx); err != nil {
		return "", "", "", "", err
	}
	if tracking, err = r.Svc.IssueTracking(ctx, q.Carrier, q.Service, sscc); err != nil {
		return "", "", "", "", fmt.Errorf("%s tracking number: %w", q.Carrier, err)
	}
	r.mu.Lock()
	if r.estimate == nil {
		r.estimate = map[string]time.Time{}
	}
	r.estimate[req.Order.ID] = q.DeliveryDate
	r.mu.Unlock()
	return q.Carrier, q.Service, tracking, sscc, nil
}

// EstimatedDelivery is the delivery date of the service Ship chose for an
// order (zero if it shipped none).
func (r *RateShipper) EstimatedDelivery(orderID string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.estimate[orderID]
	delete(r.estimate, orderID)
	return t
}

// CN22 is the customs declaration label of a parcel, when its destination
// needs one and the parcel is small enough for a CN22 (nil otherwise:
// CN23 data goes to the carrier).
func (r *RateShipper) CN22(ctx context.Context, order oms.Order, c oms.Carton, tracking string) (*printers.CN22Label, error) {
	skus := map[string]oms.SKU{}
	for _, it := range c.Items {
		if s, err := r.SKU(ctx, it.SKU); err == nil {
			skus[it.SKU] = s
		}
	}
	decl, err := r.Svc.Declaration(order, c.Items, skus, c.WeightGrams)
	if err != nil || decl == nil || decl.Form != shipping.FormCN22 {
		return nil, err
	}
	l := &printers.CN22Label{Sender: decl.From, Recipient: decl.To, Category: decl.Category, Currency: decl.Currency,
		TotalValue: decl.TotalValue, GrossWeightKG: float64(decl.GrossGrams) / 1000, TrackingNumber: tracking,
		OrderID: decl.OrderID, Date: time.Now().Format(time.DateOnly), Signature: decl.From.Company}
	if l.Signature == "" {
		l.Signature = decl.From.Name
	}
	for _, it := range decl.Items {
		l.Items = append(l.Items, printers.CN22Item{Description: it.Description, Qty: it.Qty, NetWeightKG: float64(it.NetGrams) / 1000,
			Value: it.Value, HSCode: it.HSCode, Origin: it.CountryOfOrigin})
	}
	return l, nil
}

// ManifestLabel is the driver's pickup label of a close-out.
func ManifestLabel(m shipping.Manifest, from oms.Address) *printers.ManifestLabel {
	ml := &printers.ManifestLabel{ManifestID: m.ID, Carrier: m.CarrierName, ShipFrom: from, Station: m.Station,
		ClosedAt: m.ClosedAt.Format("2006-01-02 15:04"), PickupLocation: m.Pickup.Location, Shipments: len(m.Lines),
		Parcels: m.Parcels, TotalWeightKG: float64(m.WeightGrams) / 1000}
	if !m.Pickup.Date.IsZero() {
		ml.PickupDate = m.Pickup.Date.Format(time.DateOnly)
	}
	for _, l := range m.Lines {
		ml.Tracking = append(ml.Tracking, l.TrackingNumber)
	}
	return ml
}
