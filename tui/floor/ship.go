package floor

import (
	"context"
	"fmt"

	"github.com/packline/packline/oms"
)

// ShipRequest is what a carrier needs to price and book a parcel.
type ShipRequest struct {
	Site    oms.Site
	Order   oms.Order
	Cartons []oms.Carton
}

// Quote is one carrier's offer for a parcel.
type Quote struct {
	Carrier  string
	Service  string
	Cost     int64 // minor units
	Currency string
}

// Shipper books parcels with a carrier. The station's default is
// DemoShipper; the shipping package's carriers plug in here.
type Shipper interface {
	// Quote lists the offers for a parcel, cheapest first.
	Quote(ctx context.Context, req ShipRequest) ([]Quote, error)
	// Ship books the parcel and returns its carrier, service, tracking
	// number and the SSCC of its (first) carton.
	Ship(ctx context.Context, req ShipRequest) (carrier, service, tracking, sscc string, err error)
}

// Counter hands out the next number of a named, durable sequence.
type Counter func(ctx context.Context, name string) (int64, error)

// DemoShipper books every parcel with carrier "demo": tracking numbers from
// a station counter, SSCCs from the site's GS1 company prefix. It works
// offline, which is all the demo and the tests need.
type DemoShipper struct {
	Next    Counter
	Station string
}

// Quote implements Shipper.
func (s DemoShipper) Quote(_ context.Context, req ShipRequest) ([]Quote, error) {
	return []Quote{{Carrier: "demo", Service: serviceName(req.Order.ServiceLevel), Currency: req.Order.Currency}}, nil
}

// Ship implements Shipper.
func (s DemoShipper) Ship(ctx context.Context, req ShipRequest) (carrier, service, tracking, sscc string, err error) {
	n, err := s.Next(ctx, "tracking")
	if err != nil {
		return "", "", "", "", fmt.Errorf("demo shipper: %w", err)
	}
	sscc, err = SSCC(req.Site.GS1CompanyPrefix, n)
	if err != nil {
		return "", "", "", "", fmt.Errorf("demo shipper: %w", err)
	}
	tracking = fmt.Sprintf("DEMO%s%s%07d", req.Site.ID, s.Station, n)
	if len(tracking) > 40 {
		tracking = fmt.Sprintf("DEMO%s%09d", req.Site.ID, n)
	}
	return "demo", serviceName(req.Order.ServiceLevel), tracking, sscc, nil
}

func serviceName(l oms.ServiceLevel) string {
	if l == "" {
		return string(oms.ServiceStandard)
	}
	return string(l)
}

// SSCC builds an 18-digit SSCC: extension digit 0, the GS1 company prefix,
// serial n, and the check digit.
func SSCC(prefix string, n int64) (string, error) {
	if len(prefix) < 6 || len(prefix) > 12 {
		return "", fmt.Errorf("sscc: gs1 company prefix %q: want 6-12 digits", prefix)
	}
	width := 16 - len(prefix)
	limit := int64(1)
	for range width {
		limit *= 10
	}
	body := fmt.Sprintf("0%s%0*d", prefix, width, n%limit)
	cd, ok := oms.GS1CheckDigit(body)
	if !ok {
		return "", fmt.Errorf("sscc: gs1 company prefix %q is not all digits", prefix)
	}
	return body + string(cd), nil
}
