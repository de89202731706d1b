package floor

import (
	"context"
	"fmt"
	"time"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/printers"
)

// Completed is a packed, booked and labelled order.
type Completed struct {
	OrderID  string
	Shipment oms.Shipment
	Printed  bool   // label and slip went to the spooler
	PrintErr string // why they did not
}

// EstimateWeight is the packed items' catalogue weight plus the carton's tare, in grams.
func EstimateWeight(po localdb.PackOrder, c oms.CartonType) int {
	g := c.TareGrams
	for _, l := range po.Lines {
		g += l.Packed * l.WeightGrams
	}
	return max(g, 1)
}

// CompletePack closes the order's carton: books it with the shipper,
// renders the label and packing slip (bad label data stops here, before
// anything is recorded), records pack.completed and shipment.created in
// one transaction and queues both documents on the spooler.
func (f *Floor) CompletePack(ctx context.Context, op Operator, po localdb.PackOrder, carton oms.CartonType, weightG int, partial bool) (Completed, error) {
	ref := localdb.OrderRef{Operator: op.ID, OrderID: po.Order.ID, Version: po.Order.Version}
	items, err := f.DB.PackedItems(ctx, po.SessionID)
	if err != nil {
		return Completed{}, err
	}
	if len(items) == 0 {
		return Completed{}, fmt.Errorf("complete order %s: nothing packed", po.Order.ID)
	}
	c := oms.Carton{Type: carton.Code, WeightGrams: weightG, Items: items}
	req := ShipRequest{Site: f.Site, Order: po.Order, Cartons: []oms.Carton{c}}
	carrier, service, tracking, sscc, err := f.Shipper.Ship(ctx, req)
	if err != nil {
		return Completed{}, fmt.Errorf("book parcel for order %s: %w", po.Order.ID, err)
	}
	c.SSCC = sscc
	n, err := f.DB.NextCounter(ctx, "shipment")
	if err != nil {
		return Completed{}, err
	}
	sh := oms.Shipment{ID: fmt.Sprintf("SH-%s-%s-%06d", f.Site.ID, f.Station, n), OrderID: po.Order.ID, Site: f.Site.ID,
		Carrier: carrier, Service: service, TrackingNumber: tracking, Cartons: []oms.Carton{c}, ShippedAt: time.Now().UTC()}
	if e, ok := f.Shipper.(interface{ EstimatedDelivery(string) time.Time }); ok {
		sh.EstimatedDelivery = e.EstimatedDelivery(po.Order.ID)
	}
	label, slip, err := f.documents(po, sh, c)
	if err != nil {
		return Completed{}, err
	}
	docs := []struct {
		template string
		zpl      []byte
	}{{"shipping", label}, {"packing-slip", slip}}
	if rs, ok := f.Shipper.(*RateShipper); ok {
		cn22, err := rs.CN22(ctx, po.Order, c, tracking)
		if err != nil {
			return Completed{}, fmt.Errorf("customs declaration for order %s: %w", po.Order.ID, err)
		}
		if cn22 != nil {
			r, err := f.Templates.Render("customs-cn22", printers.DPI203, cn22)
			if err != nil {
				return Completed{}, fmt.Errorf("customs label for order %s: %w", po.Order.ID, err)
			}
			docs = append(docs, struct {
				template string
				zpl      []byte
			}{"customs-cn22", r.ZPL})
		}
	}
	if _, err := f.DB.CompletePack(ctx, ref, po.SessionID, oms.PackCompleted{Cartons: []oms.Carton{c}, Partial: partial}, sh); err != nil {
		return Completed{}, err
	}
	done := Completed{OrderID: po.Order.ID, Shipment: sh}
	if f.Spooler == nil {
		done.PrintErr = "no printer configured"
		return done, nil
	}
	for _, doc := range docs {
		j, err := f.Spooler.Enqueue(ctx, f.Printer, doc.template, doc.zpl, po.Order.ID, sh.ID)
		if err != nil {
			done.PrintErr = err.Error()
			return done, nil
		}
		if err := f.DB.ExpectLabel(ctx, ref, oms.LabelPrinted{Job: j.ID, Template: doc.template, Printer: f.Printer, SSCC: sscc, Tracking: tracking}); err != nil && f.Log != nil {
			f.Log.Error("remember label to report", "job", j.ID, "err", err)
		}
	}
	done.Printed = true
	return done, nil
}

func (f *Floor) documents(po localdb.PackOrder, sh oms.Shipment, c oms.Carton) (label, slip []byte, err error) {
	if f.Templates == nil {
		return nil, nil, fmt.Errorf("order %s: no label templates loaded", po.Order.ID)
	}
	sl := &printers.ShippingLabel{ShipFrom: f.Site.Address, ShipTo: po.Order.ShipTo, Carrier: sh.Carrier, Service: sh.Service,
		TrackingNumber: sh.TrackingNumber, SSCC: c.SSCC, WeightKG: float64(c.WeightGrams) / 1000, OrderID: po.Order.ID,
		Reference: po.Order.ExternalID, Package: 1, Packages: 1}
	r, err := f.Templates.Render("shipping", printers.DPI203, sl)
	if err != nil {
		return nil, nil, fmt.Errorf("shipping label for order %s: %w", po.Order.ID, err)
	}
	ps := &printers.PackingSlip{OrderID: po.Order.ID, Reference: po.Order.ExternalID, ShipTo: po.Order.ShipTo}
	for _, l := range po.Lines {
		if l.Packed == 0 {
			continue
		}
		title := l.Description
		if title == "" {
			title = l.SKU
		}
		ps.Lines = append(ps.Lines, printers.SlipLine{SKU: l.SKU, Title: title, Qty: l.Packed})
	}
	s, err := f.Templates.Render("packing-slip", printers.DPI203, ps)
	if err != nil {
		return nil, nil, fmt.Errorf("packing slip for order %s: %w", po.Order.ID, err)
	}
	return r.ZPL, s.ZPL, nil
}
