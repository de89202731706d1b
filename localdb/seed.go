package localdb

import (
	"context"
	"fmt"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/oms/demo"
)

// LoadDemo fills a station's cache with the demo world as central would
// send it: the catalog, the site's bins, and the site's orders as released
// tasks. Loading twice changes nothing the second time.
func (d *DB) LoadDemo(ctx context.Context, data demo.Data) (orders int, err error) {
	site, station := d.Identity()
	if site == "" {
		return 0, fmt.Errorf("load demo into %s: %w", d.path, ErrNoIdentity)
	}
	if err := d.UpsertSKUs(ctx, data.SKUs); err != nil {
		return 0, err
	}
	var locs []oms.Location
	for _, l := range data.Locations {
		if l.Site == site {
			locs = append(locs, l)
		}
	}
	if err := d.UpsertLocations(ctx, locs); err != nil {
		return 0, err
	}
	for _, o := range data.Orders {
		if o.Site != site {
			continue
		}
		o.State, o.Version = oms.StateReleased, 1
		ev := oms.NewEvent(&oms.TaskOrderReleased{Order: o})
		// A stable id per order keeps a second load a no-op.
		ev.ID, ev.At = demoTaskID(orders), demo.Epoch
		ev.Site, ev.Station, ev.OrderID, ev.OrderVersion = site, station, o.ID, 1
		if _, err := d.ApplyTask(ctx, ev); err != nil {
			return orders, fmt.Errorf("load demo order %s: %w", o.ID, err)
		}
		orders++
	}
	return orders, nil
}

// demoTaskID is a fixed UUIDv7 for the n-th demo task.
func demoTaskID(n int) string {
	return fmt.Sprintf("019ad0c4-0000-7000-8000-%012x", n)
}
