package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/packline/packline/oms"
)

// PutSKU creates or replaces a SKU and its barcodes. A barcode that
// belongs to another SKU is refused: one scan must mean one thing.
func (s *Store) PutSKU(ctx context.Context, sku oms.SKU) error {
	if err := sku.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return putSKU(ctx, tx, sku, timestamp(s.now())) })
}

// PutSKUs stores many SKUs in one transaction: all or none.
func (s *Store) PutSKUs(ctx context.Context, skus []oms.SKU) error {
	for i := range skus {
		if err := skus[i].Validate(); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		at := timestamp(s.now())
		for _, sku := range skus {
			if err := putSKU(ctx, tx, sku, at); err != nil {
				return err
			}
		}
		return nil
	})
}

func putSKU(ctx context.Context, tx *sql.Tx, sku oms.SKU, at string) error {
	body, err := json.Marshal(sku)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO skus (sku, body, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (sku) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, sku.SKU, string(body), at)
	if err != nil {
		return fmt.Errorf("put sku %s: %w", sku.SKU, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM barcodes WHERE sku = ?", sku.SKU); err != nil {
		return fmt.Errorf("put sku %s: %w", sku.SKU, err)
	}
	for i, b := range sku.Barcodes {
		var owner string
		err := tx.QueryRowContext(ctx, "SELECT sku FROM barcodes WHERE lookup_key = ?", b.LookupKey()).Scan(&owner)
		if err == nil && owner != sku.SKU {
			return fmt.Errorf("%w sku %s: barcodes[%d]: %s already belongs to sku %s", oms.ErrInvalid, sku.SKU, i+1, b.Code, owner)
		}
		if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO barcodes (lookup_key, sku) VALUES (?, ?)", b.LookupKey(), sku.SKU); err != nil {
			return fmt.Errorf("put sku %s barcode %s: %w", sku.SKU, b.Code, err)
		}
	}
	return nil
}

// CatalogProblem is a stored SKU that today's rules refuse (oms.SKU
// Validate): stored before a rule was added. Stations refuse such a SKU
// in a release, so its orders would not reach the floor until it is
// fixed (PUT /v1/skus/{sku}).
type CatalogProblem struct {
	SKU string
	Err error
}

// CheckCatalog returns every stored SKU that today's rules refuse. omsd
// runs it at start and logs what it finds.
func (s *Store) CheckCatalog(ctx context.Context) ([]CatalogProblem, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT sku, body FROM skus ORDER BY sku")
	if err != nil {
		return nil, fmt.Errorf("check catalog: %w", err)
	}
	defer rows.Close()
	var out []CatalogProblem
	for rows.Next() {
		var code, body string
		if err := rows.Scan(&code, &body); err != nil {
			return nil, fmt.Errorf("check catalog: %w", err)
		}
		var sku oms.SKU
		if err := json.Unmarshal([]byte(body), &sku); err != nil {
			out = append(out, CatalogProblem{SKU: code, Err: fmt.Errorf("stored body: %w", err)})
			continue
		}
		if err := sku.Validate(); err != nil {
			out = append(out, CatalogProblem{SKU: code, Err: err})
		}
	}
	return out, rows.Err()
}

// GetSKU returns one SKU.
func (s *Store) GetSKU(ctx context.Context, sku string) (oms.SKU, error) {
	var body string
	err := s.db.QueryRowContext(ctx, "SELECT body FROM skus WHERE sku = ?", sku).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return oms.SKU{}, fmt.Errorf("sku %s: %w", sku, ErrNotFound)
	}
	if err != nil {
		return oms.SKU{}, fmt.Errorf("get sku %s: %w", sku, err)
	}
	var out oms.SKU
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return oms.SKU{}, fmt.Errorf("get sku %s: stored body: %w", sku, err)
	}
	return out, nil
}

// SiteWithStations is a site and the stations that work at it.
type SiteWithStations struct {
	oms.Site
	Stations []string `json:"stations"`
}

// PutSite creates or replaces a site and its stations. Stations no longer
// listed are disabled, not deleted: their history stays.
func (s *Store) PutSite(ctx context.Context, site SiteWithStations) error {
	if err := validateSite(site); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return putSite(ctx, tx, site, timestamp(s.now())) })
}

func validateSite(site SiteWithStations) error {
	if err := oms.ValidateID("site", site.ID); err != nil {
		return err
	}
	if strings.TrimSpace(site.Name) == "" {
		return fmt.Errorf("%w site %s: name: missing", oms.ErrInvalid, site.ID)
	}
	if err := site.Address.Validate(); err != nil {
		return fmt.Errorf("%w site %s: address.%w", oms.ErrInvalid, site.ID, err)
	}
	for i, st := range site.Stations {
		if err := oms.ValidateID("station", st); err != nil {
			return fmt.Errorf("site %s: stations[%d]: %w", site.ID, i+1, err)
		}
	}
	return nil
}

func putSite(ctx context.Context, tx *sql.Tx, site SiteWithStations, at string) error {
	body, err := json.Marshal(site.Site)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sites (id, body, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, site.ID, string(body), at); err != nil {
		return fmt.Errorf("put site %s: %w", site.ID, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE stations SET enabled = 0 WHERE site = ?", site.ID); err != nil {
		return fmt.Errorf("put site %s: %w", site.ID, err)
	}
	for _, st := range site.Stations {
		if _, err := tx.ExecContext(ctx, `INSERT INTO stations (site, id, enabled) VALUES (?, ?, 1)
			ON CONFLICT (site, id) DO UPDATE SET enabled = 1`, site.ID, st); err != nil {
			return fmt.Errorf("put site %s station %s: %w", site.ID, st, err)
		}
	}
	return nil
}

// Sites lists every site with its enabled stations.
func (s *Store) Sites(ctx context.Context) ([]SiteWithStations, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, body FROM sites ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	defer rows.Close()
	var out []SiteWithStations
	for rows.Next() {
		var id, body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, fmt.Errorf("list sites: %w", err)
		}
		var site SiteWithStations
		if err := json.Unmarshal([]byte(body), &site.Site); err != nil {
			return nil, fmt.Errorf("list sites: site %s: %w", id, err)
		}
		out = append(out, site)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		st, err := s.db.QueryContext(ctx, "SELECT id FROM stations WHERE site = ? AND enabled = 1 ORDER BY id", out[i].ID)
		if err != nil {
			return nil, fmt.Errorf("list sites: %w", err)
		}
		for st.Next() {
			var id string
			st.Scan(&id)
			out[i].Stations = append(out[i].Stations, id)
		}
		st.Close()
		if out[i].Stations == nil {
			out[i].Stations = []string{}
		}
	}
	return out, nil
}

// PutLocations stores bins with their walk order.
func (s *Store) PutLocations(ctx context.Context, locs []oms.Location) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO locations (site, code, walk_seq) VALUES (?, ?, ?)
			ON CONFLICT (site, code) DO UPDATE SET walk_seq = excluded.walk_seq`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, l := range locs {
			if _, err := stmt.ExecContext(ctx, l.Site, l.Code, l.WalkSeq); err != nil {
				return fmt.Errorf("put location %s/%s: %w", l.Site, l.Code, err)
			}
		}
		return nil
	})
}
