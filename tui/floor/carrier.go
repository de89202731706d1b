package floor

import (
	"context"
	"errors"
	"fmt"
	stdsync "sync"
	"time"

	"github.com/packline/packline/oms"
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
