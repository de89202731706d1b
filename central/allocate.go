package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// Policy is how orders are allocated to sites and routed to stations.
type Policy struct {
	// Zones price shipping from a site to a destination. The zone with the
	// longest matching postal prefix for the site and country wins.
	Zones []Zone `toml:"zones" json:"zones"`
	// DomesticCost is the cost from a site to its own country when no zone
	// matches; ForeignCost the cost to any other.
	DomesticCost int64 `toml:"domestic_cost" json:"domestic_cost"`
	ForeignCost  int64 `toml:"foreign_cost" json:"foreign_cost"`
	// NoSplit forbids splitting an order across sites even when no single
	// site can ship it: it waits (backordered) for one that can.
	NoSplit bool `toml:"no_split" json:"no_split"`
}

// Zone is the shipping zone and cost from a site to destinations in a
// country, optionally narrowed by postal code prefix.
type Zone struct {
	Site         string `toml:"site" json:"site"`
	Country      string `toml:"country" json:"country"`
	PostalPrefix string `toml:"postal_prefix" json:"postal_prefix,omitempty"`
	Zone         int    `toml:"zone" json:"zone"`
	Cost         int64  `toml:"cost" json:"cost"`
}

// DefaultPolicy ships from the cheapest site that has everything, splits
// when none has, and prices home countries far below abroad.
func DefaultPolicy() Policy { return Policy{DomesticCost: 100, ForeignCost: 1000} }

// Validate names the first bad field of a policy.
func (p *Policy) Validate() error {
	for i, z := range p.Zones {
		if err := oms.ValidateID("site", z.Site); err != nil {
			return fmt.Errorf("allocation.zones[%d].site: %w", i+1, err)
		}
		if len(z.Country) != 2 {
			return fmt.Errorf("allocation.zones[%d].country: %q is not an ISO 3166-1 alpha-2 code", i+1, z.Country)
		}
		if z.Cost < 0 {
			return fmt.Errorf("allocation.zones[%d].cost: %d is negative", i+1, z.Cost)
		}
	}
	return nil
}

// cost is the price of shipping from site to addr under the policy.
func (p *Policy) cost(site oms.Site, addr oms.Address) int64 {
	best, bestLen := int64(-1), -1
	postal := strings.ToUpper(strings.ReplaceAll(addr.PostalCode, " ", ""))
	for _, z := range p.Zones {
		prefix := strings.ToUpper(strings.ReplaceAll(z.PostalPrefix, " ", ""))
		if z.Site == site.ID && z.Country == addr.Country && strings.HasPrefix(postal, prefix) && len(prefix) > bestLen {
			best, bestLen = z.Cost, len(prefix)
		}
	}
	if best >= 0 {
		return best
	}
	if site.Address.Country == addr.Country {
		return p.DomesticCost
	}
	return p.ForeignCost
}

// AllocResult counts what one allocation pass did.
type AllocResult struct {
	Examined    int
	Allocated   int // orders that got stock (all or part)
	Backordered int // orders left waiting for stock
	Released    int // orders sent to a station
	// Errors are the orders that could not be allocated this pass; each
	// was left as it was and is tried again on the next.
	Errors []error
}

// AllocatePending allocates up to limit orders that are waiting: newly
// received ones always, backordered ones when withBackorders (stock came
// in or was freed). Oldest first. The pass is one transaction, each order
// in its own savepoint: an order that fails is left as it was and the rest
// go on. Available stock never goes below zero (guarded in the UPDATE and
// by the table's CHECK).
func (s *Store) AllocatePending(ctx context.Context, p *Policy, limit int, withBackorders bool) (AllocResult, error) {
	var res AllocResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := newAllocTx(ctx, tx, p, s.now())
		if err != nil {
			return err
		}
		defer a.close()
		states := "'received'"
		if withBackorders {
			states = "'received', 'backordered', 'partially_shipped'"
		}
		// B2B/partial shipments (b2b.go): orders a shipment left with
		// unallocated units are looked at once on the next pass, whether
		// or not stock moved (realloc_wanted, written with the shipment).
		rows, err := tx.QueryContext(ctx, "SELECT id FROM orders WHERE state IN ("+states+") OR id IN (SELECT order_id FROM realloc_wanted) ORDER BY created_at, id LIMIT ?", limit)
		if err != nil {
			return fmt.Errorf("allocate: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("allocate: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("allocate: %w", err)
		}
		var reallocs bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM realloc_wanted)").Scan(&reallocs); err != nil {
			return fmt.Errorf("allocate: %w", err)
		}
		for _, id := range ids {
			res.Examined++
			if reallocs {
				if _, err := tx.ExecContext(ctx, "DELETE FROM realloc_wanted WHERE order_id = ?", id); err != nil {
					return fmt.Errorf("allocate: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "SAVEPOINT alloc"); err != nil {
				return err
			}
			outcome, err := a.allocate(id)
			if err != nil {
				if _, rbErr := tx.ExecContext(ctx, "ROLLBACK TO alloc"); rbErr != nil {
					return rbErr
				}
				a.errs = append(a.errs, fmt.Errorf("allocate order %s: %w", id, err))
			}
			if _, err := tx.ExecContext(ctx, "RELEASE alloc"); err != nil {
				return err
			}
			switch outcome {
			case outcomeReleased:
				res.Released++
				res.Allocated++
			case outcomeAllocated:
				res.Allocated++
			case outcomeBackordered:
				res.Backordered++
			}
		}
		res.Errors = a.errs
		return nil
	})
	return res, err
}

type outcome int

const (
	outcomeNone outcome = iota
	outcomeBackordered
	outcomeAllocated
	outcomeReleased
)

// allocTx is one allocation pass: the transaction, its prepared
// statements and what it has looked up so far.
type allocTx struct {
	ctx   context.Context
	tx    *sql.Tx
	p     *Policy
	now   time.Time
	sites map[string]oms.Site
	skus  map[string]oms.SKU
	errs  []error

	avail, take, addAlloc, lineAlloc, move, markDropShip, isB2B, station, walkSeq *sql.Stmt
	// dropShipSKUs says whether any SKU is drop-shipped (b2b.go).
	dropShipSKUs bool
}

func newAllocTx(ctx context.Context, tx *sql.Tx, p *Policy, now time.Time) (*allocTx, error) {
	a := &allocTx{ctx: ctx, tx: tx, p: p, now: now, sites: map[string]oms.Site{}, skus: map[string]oms.SKU{}}
	rows, err := tx.QueryContext(ctx, "SELECT id, body FROM sites")
	if err != nil {
		return nil, fmt.Errorf("allocate: sites: %w", err)
	}
	for rows.Next() {
		var id, body string
		var site oms.Site
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return nil, fmt.Errorf("allocate: sites: %w", err)
		}
		if json.Unmarshal([]byte(body), &site) == nil {
			a.sites[id] = site
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("allocate: sites: %w", err)
	}
	prep := func(dst **sql.Stmt, q string) {
		if err != nil {
			return
		}
		*dst, err = tx.PrepareContext(ctx, q)
	}
	prep(&a.avail, "SELECT site, location, on_hand - allocated FROM stock WHERE sku = ? AND on_hand > allocated ORDER BY site, on_hand - allocated DESC, location")
	prep(&a.take, "UPDATE stock SET allocated = allocated + ?1 WHERE site = ?2 AND location = ?3 AND sku = ?4 AND on_hand - allocated >= ?1")
	prep(&a.addAlloc, "INSERT INTO allocations (order_id, line_no, site, location, sku, qty) VALUES (?, ?, ?, ?, ?, ?)")
	prep(&a.lineAlloc, "UPDATE order_lines SET allocated = allocated + ? WHERE order_id = ? AND line_no = ?")
	prep(&a.move, `INSERT INTO stock_moves (at, site, location, sku, delta_on_hand, delta_allocated, reason, ref, by)
		VALUES (?, ?, ?, ?, 0, ?, ?, ?, 'allocator')`)
	// B2B (b2b.go): lines of drop-ship SKUs go to their supplier, not to a site.
	prep(&a.markDropShip, `INSERT OR IGNORE INTO drop_ship_lines (order_id, line_no, supplier)
		SELECT l.order_id, l.line_no, d.supplier FROM order_lines l JOIN drop_ship_skus d ON d.sku = l.sku
		WHERE l.order_id = ? AND l.allocated = 0 AND l.shipped = 0`)
	prep(&a.isB2B, "SELECT EXISTS (SELECT 1 FROM drop_ship_lines WHERE order_id = ?1) OR EXISTS (SELECT 1 FROM edi_orders WHERE order_id = ?1)")
	prep(&a.station, "SELECT id FROM stations WHERE site = ? AND enabled = 1 ORDER BY queue, id LIMIT 1")
	prep(&a.walkSeq, "SELECT walk_seq FROM locations WHERE site = ? AND code = ?")
	if err == nil {
		err = tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM drop_ship_skus)").Scan(&a.dropShipSKUs)
	}
	if err != nil {
		a.close()
		return nil, fmt.Errorf("allocate: prepare: %w", err)
	}
	return a, nil
}

func (a *allocTx) close() {
	for _, st := range []*sql.Stmt{a.avail, a.take, a.addAlloc, a.lineAlloc, a.move, a.markDropShip, a.isB2B, a.station, a.walkSeq} {
		if st != nil {
			st.Close()
		}
	}
}

type binStock struct {
	site, location string
	qty            int
}

type need struct {
	lineNo int
	sku    string
	qty    int // still to allocate
}

type pick struct {
	need
	site, location string
}

func (a *allocTx) allocate(id string) (outcome, error) {
	o, err := loadOrder(a.ctx, a.tx, id)
	if err != nil {
		return outcomeNone, err
	}
	switch o.State {
	case oms.StateReceived, oms.StateBackordered, oms.StatePartiallyShipped:
	default:
		// Listed in realloc_wanted but moved on since (cancelled, held,
		// released again): nothing to do.
		return outcomeNone, nil
	}
	first := o.State == oms.StateReceived
	if first && a.dropShipSKUs {
		// B2B (b2b.go): drop-ship SKUs are routed to their supplier before
		// the allocator looks at the order.
		if _, err := a.markDropShip.ExecContext(a.ctx, id); err != nil {
			return outcomeNone, err
		}
	}
	out, err := a.allocateStock(&o)
	if err != nil || !first {
		return out, err
	}
	var b2b bool
	if err := a.isB2B.QueryRowContext(a.ctx, id).Scan(&b2b); err != nil || !b2b {
		return out, err
	}
	// B2B (b2b.go): an order's first allocation decision queues its 855
	// (EDI orders) and its drop-ship purchase orders, in this transaction.
	if err := afterAllocation(a.ctx, a.tx, id, a.now); err != nil {
		return outcomeNone, err
	}
	return out, nil
}

// allocateStock allocates what the order still needs from site stock:
// every unshipped, unallocated unit of a line that is not drop-shipped.
func (a *allocTx) allocateStock(op *oms.Order) (outcome, error) {
	o, id := *op, op.ID
	if o.State == oms.StatePartiallyShipped {
		// Partial shipments: while a site still holds allocations for the
		// order, its station is working its pick list; a new release now
		// would replace that list under it. The rest is allocated once
		// that shipment is recorded (recordShipment frees what it left).
		var one int
		err := a.tx.QueryRowContext(a.ctx, "SELECT 1 FROM allocations WHERE order_id = ? LIMIT 1", id).Scan(&one)
		if err == nil {
			return outcomeNone, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return outcomeNone, err
		}
	}
	rows, err := a.tx.QueryContext(a.ctx, `SELECT line_no, sku, qty - allocated - shipped FROM order_lines WHERE order_id = ?
		AND NOT EXISTS (SELECT 1 FROM drop_ship_lines d WHERE d.order_id = order_lines.order_id AND d.line_no = order_lines.line_no)
		ORDER BY line_no`, id)
	if err != nil {
		return outcomeNone, err
	}
	var needs []need
	for rows.Next() {
		var n need
		if err := rows.Scan(&n.lineNo, &n.sku, &n.qty); err != nil {
			rows.Close()
			return outcomeNone, err
		}
		if n.qty > 0 {
			needs = append(needs, n)
		}
	}
	rows.Close()
	if len(needs) == 0 {
		return outcomeNone, nil
	}
	// What each site has of each SKU the order needs.
	stock := map[string][]binStock{} // sku -> bins
	for _, n := range needs {
		if _, ok := stock[n.sku]; ok {
			continue
		}
		r, err := a.avail.QueryContext(a.ctx, n.sku)
		if err != nil {
			return outcomeNone, err
		}
		var bins []binStock
		for r.Next() {
			var b binStock
			if err := r.Scan(&b.site, &b.location, &b.qty); err != nil {
				r.Close()
				return outcomeNone, err
			}
			bins = append(bins, b)
		}
		r.Close()
		if err := r.Err(); err != nil {
			return outcomeNone, err
		}
		stock[n.sku] = bins
	}
	sites := a.sitesByCost(o.ShipTo)
	picks := a.plan(needs, stock, sites, o.ShipComplete)
	if len(picks) == 0 {
		if o.State != oms.StateBackordered && o.State != oms.StatePartiallyShipped {
			if err := transition(a.ctx, a.tx, &o, oms.StateBackordered, a.now, "allocator", "no stock"); err != nil {
				return outcomeNone, err
			}
		}
		return outcomeBackordered, nil
	}
	for _, pk := range picks {
		res, err := a.take.ExecContext(a.ctx, pk.qty, pk.site, pk.location, pk.sku)
		if err != nil {
			return outcomeNone, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			// Cannot happen inside one transaction; if it does, refuse
			// rather than oversell.
			return outcomeNone, fmt.Errorf("stock of %s at %s/%s changed under the allocator", pk.sku, pk.site, pk.location)
		}
		if _, err := a.addAlloc.ExecContext(a.ctx, id, pk.lineNo, pk.site, pk.location, pk.sku, pk.qty); err != nil {
			return outcomeNone, err
		}
		if _, err := a.lineAlloc.ExecContext(a.ctx, pk.qty, id, pk.lineNo); err != nil {
			return outcomeNone, err
		}
		if _, err := a.move.ExecContext(a.ctx, timestamp(a.now), pk.site, pk.location, pk.sku, pk.qty, "allocate", id); err != nil {
			return outcomeNone, err
		}
	}
	// Partial shipments: an order that has shipped part stays
	// partially_shipped until its last line ships; the rest goes to a
	// station as new work (release below, with more set).
	more := o.State == oms.StatePartiallyShipped
	if !more {
		if err := transition(a.ctx, a.tx, &o, oms.StateAllocated, a.now, "allocator", allocReason(picks)); err != nil {
			return outcomeNone, err
		}
	}
	released, err := a.release(&o, picks, more)
	if err != nil {
		return outcomeNone, err
	}
	if released {
		return outcomeReleased, nil
	}
	return outcomeAllocated, nil
}

func allocReason(picks []pick) string {
	seen := map[string]bool{}
	var sites []string
	for _, p := range picks {
		if !seen[p.site] {
			seen[p.site] = true
			sites = append(sites, p.site)
		}
	}
	return "from " + strings.Join(sites, ", ")
}

// sitesByCost orders the known sites from cheapest to dearest for addr,
// pricing each site once.
func (a *allocTx) sitesByCost(addr oms.Address) []string {
	type priced struct {
		id   string
		cost int64
	}
	ps := make([]priced, 0, len(a.sites))
	for id, site := range a.sites {
		ps = append(ps, priced{id, a.p.cost(site, addr)})
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].cost != ps[j].cost {
			return ps[i].cost < ps[j].cost
		}
		return ps[i].id < ps[j].id
	})
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.id
	}
	return ids
}

// plan decides which bins fill the order: the cheapest single site that
// has everything; otherwise, unless the policy forbids it, a split across
// sites cheapest first. A ship-complete order gets all or nothing; any
// other gets what there is, the rest stays backordered.
func (a *allocTx) plan(needs []need, stock map[string][]binStock, sites []string, shipComplete bool) []pick {
	siteHas := func(site, sku string) int {
		t := 0
		for _, b := range stock[sku] {
			if b.site == site {
				t += b.qty
			}
		}
		return t
	}
	for _, site := range sites {
		whole := true
		for _, n := range needs {
			if siteHas(site, n.sku) < n.qty {
				whole = false
				break
			}
		}
		if whole {
			return takeFrom(needs, stock, []string{site})
		}
	}
	if a.p.NoSplit {
		if shipComplete {
			return nil
		}
		// Without splitting, ship what the best-stocked site has.
		best, bestUnits := "", 0
		for _, site := range sites {
			units := 0
			for _, n := range needs {
				units += min(n.qty, siteHas(site, n.sku))
			}
			if units > bestUnits {
				best, bestUnits = site, units
			}
		}
		if best == "" {
			return nil
		}
		return takeFrom(needs, stock, []string{best})
	}
	picks := takeFrom(needs, stock, sites)
	if shipComplete {
		got := map[int]int{}
		for _, p := range picks {
			got[p.lineNo] += p.qty
		}
		for _, n := range needs {
			if got[n.lineNo] < n.qty {
				return nil
			}
		}
	}
	return picks
}

// takeFrom fills each need from the given sites in order, biggest bins
// first, so a line is picked from as few bins as possible.
func takeFrom(needs []need, stock map[string][]binStock, sites []string) []pick {
	var picks []pick
	used := map[string]int{} // site/location/sku -> taken in this plan
	for _, n := range needs {
		left := n.qty
		for _, site := range sites {
			for _, b := range stock[n.sku] {
				if left == 0 {
					break
				}
				if b.site != site {
					continue
				}
				key := b.site + "/" + b.location + "/" + n.sku
				free := b.qty - used[key]
				if free <= 0 {
					continue
				}
				q := min(free, left)
				used[key] += q
				left -= q
				picks = append(picks, pick{need: need{lineNo: n.lineNo, sku: n.sku, qty: q}, site: b.site, location: b.location})
			}
		}
	}
	return picks
}

// release assigns the order to the least-loaded station at each site it
// ships from and writes a task for each. An order whose site has no
// station stays allocated until one is added.
//
// With more (partial shipments), the order has shipped part and stays
// partially_shipped: its version goes up and a history entry records the
// release, and the station's task shows the order as released to it.
func (a *allocTx) release(o *oms.Order, picks []pick, more bool) (bool, error) {
	bySite := map[string][]pick{}
	var order []string
	for _, p := range picks {
		if _, ok := bySite[p.site]; !ok {
			order = append(order, p.site)
		}
		bySite[p.site] = append(bySite[p.site], p)
	}
	stations := map[string]string{}
	for _, site := range order {
		var st string
		err := a.station.QueryRowContext(a.ctx, site).Scan(&st)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		stations[site] = st
	}
	if more {
		o.Version++
		if _, err := a.tx.ExecContext(a.ctx, "UPDATE orders SET version = ?, updated_at = ? WHERE id = ?", o.Version, timestamp(a.now), o.ID); err != nil {
			return false, err
		}
		if err := addHistory(a.ctx, a.tx, o.ID, o.State, a.now, "allocator", "rest "+allocReason(picks)+", to "+describeStations(order, stations)); err != nil {
			return false, err
		}
	} else if err := transition(a.ctx, a.tx, o, oms.StateReleased, a.now, "allocator", "to "+describeStations(order, stations)); err != nil {
		return false, err
	}
	for _, site := range order {
		st := stations[site]
		if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO assignments (order_id, site, station, open, at) VALUES (?, ?, ?, 1, ?)
			ON CONFLICT (order_id, site) DO UPDATE SET station = excluded.station, open = 1, at = excluded.at`,
			o.ID, site, st, timestamp(a.now)); err != nil {
			return false, err
		}
		work := *o
		work.State = oms.StateReleased // the station's view: released to it
		task, err := a.releaseTask(&work, site, bySite[site])
		if err != nil {
			return false, err
		}
		task.Site, task.Station, task.OrderID, task.OrderVersion = site, st, o.ID, o.Version
		if err := insertTask(a.ctx, a.tx, task, a.now); err != nil {
			return false, err
		}
	}
	return true, nil
}

func describeStations(order []string, stations map[string]string) string {
	parts := make([]string, len(order))
	for i, site := range order {
		parts[i] = site + "/" + stations[site]
	}
	return strings.Join(parts, ", ")
}

// releaseTask is everything a station needs to pick and pack its part of
// an order without asking central: the order, its SKUs and the bins in
// walk order.
func (a *allocTx) releaseTask(o *oms.Order, site string, picks []pick) (oms.Event, error) {
	p := &oms.TaskOrderReleased{Order: *o}
	seen := map[string]bool{}
	for _, pk := range picks {
		// A bin the site has not mapped walks first (walk_seq 0).
		var walk int
		if err := a.walkSeq.QueryRowContext(a.ctx, site, pk.location).Scan(&walk); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return oms.Event{}, fmt.Errorf("location %s/%s: %w", site, pk.location, err)
		}
		p.Picks = append(p.Picks, oms.PickLine{LineNo: pk.lineNo, SKU: pk.sku, Location: pk.location, WalkSeq: walk, Qty: pk.qty})
		if seen[pk.sku] {
			continue
		}
		seen[pk.sku] = true
		sku, ok := a.skus[pk.sku]
		if !ok {
			var body string
			if err := a.tx.QueryRowContext(a.ctx, "SELECT body FROM skus WHERE sku = ?", pk.sku).Scan(&body); err != nil {
				return oms.Event{}, fmt.Errorf("sku %s: %w", pk.sku, err)
			}
			if err := json.Unmarshal([]byte(body), &sku); err != nil {
				return oms.Event{}, fmt.Errorf("sku %s: %w", pk.sku, err)
			}
			a.skus[pk.sku] = sku
		}
		p.SKUs = append(p.SKUs, sku)
	}
	sort.SliceStable(p.Picks, func(i, j int) bool { return p.Picks[i].WalkSeq < p.Picks[j].WalkSeq })
	return oms.NewEvent(p), nil
}

// insertTask queues a task for its station in the current transaction.
func insertTask(ctx context.Context, tx *sql.Tx, ev oms.Event, now time.Time) error {
	ev.At = now
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO task_outbox (event_id, site, station, order_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		ev.ID, ev.Site, ev.Station, ev.OrderID, payload, timestamp(now))
	return err
}
