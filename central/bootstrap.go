package central

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/oms/demo"
)

// ApplyConfig creates or updates the sites and SKUs named in the config.
func (s *Store) ApplyConfig(ctx context.Context, cfg *Config) error {
	for i, sc := range cfg.Sites {
		if err := s.PutSite(ctx, sc.site()); err != nil {
			return fmt.Errorf("config sites[%d]: %w", i+1, err)
		}
	}
	skus := make([]oms.SKU, 0, len(cfg.SKUs))
	for i, sc := range cfg.SKUs {
		sku, err := sc.sku()
		if err != nil {
			return fmt.Errorf("config skus[%d]: %w", i+1, err)
		}
		skus = append(skus, sku)
	}
	if len(skus) > 0 {
		if err := s.PutSKUs(ctx, skus); err != nil {
			return fmt.Errorf("config skus: %w", err)
		}
	}
	return nil
}

// DemoStations are the stations each demo site gets when the config
// names none.
var DemoStations = []string{"PACK-01", "PACK-02"}

// LoadDemo loads the demo world into an empty database: sites with
// stations, the catalog, bins, stock received into them, and the demo
// orders captured as if from their channels. On a database that already
// has orders it does nothing and reports false.
func (svc *Service) LoadDemo(ctx context.Context, d demo.Data, cfg *Config) (bool, error) {
	s := svc.Store
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM orders").Scan(&n); err != nil && err != sql.ErrNoRows {
		return false, fmt.Errorf("demo: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	configured := map[string]bool{}
	for _, sc := range cfg.Sites {
		configured[sc.ID] = true
	}
	for _, site := range d.Sites {
		if configured[site.ID] {
			continue // the config's version of the site wins
		}
		if err := s.PutSite(ctx, SiteWithStations{Site: site, Stations: DemoStations}); err != nil {
			return false, fmt.Errorf("demo site %s: %w", site.ID, err)
		}
	}
	if err := s.PutSKUs(ctx, d.SKUs); err != nil {
		return false, fmt.Errorf("demo skus: %w", err)
	}
	if err := s.PutLocations(ctx, d.Locations); err != nil {
		return false, fmt.Errorf("demo locations: %w", err)
	}
	moves := make([]StockMove, 0, len(d.Stock))
	for _, st := range d.Stock {
		moves = append(moves, StockMove{Site: st.Site, Location: st.Location, SKU: st.SKU, Qty: st.Qty, Ref: "demo opening stock"})
	}
	if err := s.Receive(ctx, moves, "demo"); err != nil {
		return false, fmt.Errorf("demo stock: %w", err)
	}
	for _, o := range d.Orders {
		in := OrderInput{Channel: o.Channel, ExternalID: o.ExternalID, Customer: o.Customer, ShipTo: o.ShipTo, Currency: o.Currency,
			ServiceLevel: o.ServiceLevel, PromisedAt: o.PromisedAt, ShipComplete: o.ShipComplete}
		for _, l := range o.Lines {
			in.Lines = append(in.Lines, LineInput{SKU: l.SKU, Qty: l.Qty, UnitPrice: l.UnitPrice})
		}
		if _, _, err := svc.Capture(ctx, in, "demo"); err != nil {
			return false, fmt.Errorf("demo order %s: %w", o.ExternalID, err)
		}
	}
	svc.Kick(true)
	return true, nil
}
