package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// RMA states kept in the returns table. An RMA is authorised here; the
// returns bench moves it on through station events.
const (
	RMAAuthorized = "authorized"
	RMAReceived   = "received"
	RMAInspected  = "inspected"
	RMACompleted  = "completed"
	RMACancelled  = "cancelled"
)

// ExpectedConditions are the conditions a customer can say returned goods
// are in; the returns bench grades what actually arrives.
var ExpectedConditions = []string{"unopened", "opened", "used", "damaged", "defective"}

// ReturnInput is the body of POST /v1/returns.
type ReturnInput struct {
	OrderID           string            `json:"order_id"`
	Lines             []ReturnLineInput `json:"lines"`
	Reason            string            `json:"reason"`
	ExpectedCondition string            `json:"expected_condition,omitempty"`
	By                string            `json:"by,omitempty"`
}

// ReturnLineInput is a quantity of one SKU the customer sends back.
type ReturnLineInput struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// RMAView is an RMA as GET /v1/returns/{rma} shows it.
type RMAView struct {
	oms.Return
	State             string    `json:"state"`
	ExpectedCondition string    `json:"expected_condition,omitempty"`
	Site              string    `json:"site"`
	Station           string    `json:"station,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func (in *ReturnInput) validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w return: %s: %s", oms.ErrInvalid, field, fmt.Sprintf(format, args...))
	}
	in.OrderID = strings.TrimSpace(in.OrderID)
	in.Reason = strings.TrimSpace(in.Reason)
	in.ExpectedCondition = strings.ToLower(strings.TrimSpace(in.ExpectedCondition))
	switch {
	case in.OrderID == "":
		return bad("order_id", "missing")
	case in.Reason == "":
		return bad("reason", "missing (why is it coming back?)")
	case len(in.Reason) > 500:
		return bad("reason", "longer than 500 bytes")
	case oms.CheckText(in.Reason) != nil:
		return bad("reason", "%v", oms.CheckText(in.Reason))
	case in.ExpectedCondition != "" && !slices.Contains(ExpectedConditions, in.ExpectedCondition):
		return bad("expected_condition", "%q is not one of %s", in.ExpectedCondition, strings.Join(ExpectedConditions, ", "))
	case len(in.Lines) == 0:
		return bad("lines", "a return needs at least one line")
	}
	for i, l := range in.Lines {
		field := fmt.Sprintf("lines[%d]", i+1)
		if strings.TrimSpace(l.SKU) == "" {
			return bad(field+".sku", "missing")
		}
		if l.Qty <= 0 || l.Qty > maxReturnQty {
			return bad(field+".qty", "%d is not a quantity from 1 to %d", l.Qty, maxReturnQty)
		}
		in.Lines[i].SKU = strings.TrimSpace(l.SKU)
	}
	return nil
}

// maxReturnQty is the most units one return line may ask for.
const maxReturnQty = 1_000_000

// AuthorizeReturn issues an RMA for shipped lines of an order: it checks
// each quantity against what can still come back (the rule of
// Store.Returnable: what shipped less what earlier RMAs that still count
// cover), numbers the RMA, moves the order to rma_authorized and queues a
// task for a returns station at the site the goods shipped from, all in
// one transaction.
func (s *Store) AuthorizeReturn(ctx context.Context, in ReturnInput) (RMAView, error) {
	if err := in.validate(); err != nil {
		return RMAView{}, err
	}
	if in.By == "" {
		in.By = "api"
	}
	var v RMAView
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		o, err := loadOrder(ctx, tx, in.OrderID)
		if err != nil {
			return err
		}
		switch o.State {
		case oms.StateShipped, oms.StateDelivered, oms.StateRMAAuthorized:
		default:
			return fmt.Errorf("%w: order %s is %s; only shipped or delivered orders can be returned", ErrConflict, o.ID, o.State)
		}
		left, err := returnable(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		want := map[string]int{}
		var skus []string
		for i, l := range in.Lines {
			r, ok := left[l.SKU]
			if !ok {
				return fmt.Errorf("%w return: lines[%d].sku: %q is not on order %s", oms.ErrInvalid, i+1, l.SKU, o.ID)
			}
			if want[l.SKU] == 0 {
				skus = append(skus, l.SKU)
			}
			// Compared before it is added: a sum of huge lines must not wrap
			// round to a small one.
			if l.Qty > r.Left-want[l.SKU] {
				return fmt.Errorf("%w return: lines[%d].qty: %d of %s is more than can come back: %d shipped, %d already on earlier RMAs",
					oms.ErrInvalid, i+1, int64(want[l.SKU])+int64(l.Qty), l.SKU, r.Shipped, r.OnRMAs)
			}
			want[l.SKU] += l.Qty
		}
		site, err := returnSite(ctx, tx, o.ID, skus)
		if err != nil {
			return err
		}
		station, err := returnStation(ctx, tx, site)
		if err != nil {
			return err
		}
		n, err := nextCounter(ctx, tx, "rma")
		if err != nil {
			return err
		}
		now := s.now()
		ret := oms.Return{RMA: fmt.Sprintf("RMA%08d", n), OrderID: o.ID, Reason: in.Reason}
		for _, sku := range skus {
			ret.Lines = append(ret.Lines, oms.ReturnLine{SKU: sku, Qty: want[sku]})
		}
		body, err := json.Marshal(ret)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO returns (rma, order_id, state, body, created_at, updated_at, site, station, expected_condition)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ret.RMA, o.ID, RMAAuthorized, string(body), timestamp(now), timestamp(now), site, station, in.ExpectedCondition); err != nil {
			return fmt.Errorf("store rma %s for order %s: %w", ret.RMA, o.ID, err)
		}
		note := fmt.Sprintf("%s authorised: %s", ret.RMA, in.Reason)
		if o.State == oms.StateRMAAuthorized {
			// A further RMA on an order already awaiting one.
			if err := addHistory(ctx, tx, o.ID, o.State, now, in.By, note); err != nil {
				return err
			}
		} else if err := transition(ctx, tx, &o, oms.StateRMAAuthorized, now, in.By, note); err != nil {
			return err
		}
		if station != "" {
			ev := oms.NewEvent(&oms.TaskRMAAuthorized{Return: ret})
			ev.Site, ev.Station, ev.OrderID, ev.OrderVersion = site, station, o.ID, o.Version
			if err := insertTask(ctx, tx, ev, now); err != nil {
				return fmt.Errorf("rma %s: task for %s/%s: %w", ret.RMA, site, station, err)
			}
		}
		v = RMAView{Return: ret, State: RMAAuthorized, ExpectedCondition: in.ExpectedCondition, Site: site, Station: station, CreatedAt: now, UpdatedAt: now}
		return nil
	})
	return v, err
}

// rmaCounts are the RMA states whose units are spoken for: authorised
// and on the way, at the returns bench, graded, or done. An RMA in any
// other state (RMACancelled) frees its units to come back on another RMA.
// Nothing sets RMACancelled yet, and there is no expired RMA state: the
// order's rma_authorized -> delivered edge leaves its RMAs as they are.
var rmaCounts = []string{RMAAuthorized, RMAReceived, RMAInspected, RMACompleted}

// Returnable is how much of one SKU of an order can still come back.
type Returnable struct {
	SKU     string `json:"sku"`
	Shipped int    `json:"shipped"`
	// OnRMAs is what the order's RMAs in a state of rmaCounts cover.
	OnRMAs int `json:"on_rmas"`
	// Left is Shipped less OnRMAs, never below 0.
	Left int `json:"left"`
}

// Returnable says, per SKU on an order's lines, how many units can still
// come back: what shipped less what the order's RMAs that still count
// already cover (see rmaCounts). AuthorizeReturn refuses anything above
// it; the customers' return form offers no more. It does not say whether
// the order can be returned at all now (its state, the return window):
// the callers decide that.
func (s *Store) Returnable(ctx context.Context, orderID string) (map[string]Returnable, error) {
	var out map[string]Returnable
	err := s.readTx(ctx, func(q querier) error {
		if _, err := loadOrder(ctx, q, orderID); err != nil {
			return err
		}
		var err error
		out, err = returnable(ctx, q, orderID)
		return err
	})
	return out, err
}

// returnable is the one rule of how much can still come back, for
// Store.Returnable and AuthorizeReturn alike: one entry per SKU of the
// order's lines (shipped or not), lines of the same SKU summed, as an RMA
// counts by SKU.
func returnable(ctx context.Context, q querier, orderID string) (map[string]Returnable, error) {
	shipped, err := shippedBySKU(ctx, q, orderID)
	if err != nil {
		return nil, err
	}
	onRMAs, err := onRMAsBySKU(ctx, q, orderID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Returnable, len(shipped))
	for sku, n := range shipped {
		out[sku] = Returnable{SKU: sku, Shipped: n, OnRMAs: onRMAs[sku], Left: max(0, n-onRMAs[sku])}
	}
	return out, nil
}

func shippedBySKU(ctx context.Context, q querier, orderID string) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, "SELECT sku, sum(shipped) FROM order_lines WHERE order_id = ? GROUP BY sku", orderID)
	if err != nil {
		return nil, fmt.Errorf("order %s shipped lines: %w", orderID, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var sku string
		var n int
		if err := rows.Scan(&sku, &n); err != nil {
			return nil, fmt.Errorf("order %s shipped lines: %w", orderID, err)
		}
		out[sku] = n
	}
	return out, rows.Err()
}

// onRMAsBySKU sums, per SKU, the units on the order's RMAs whose state
// is one of rmaCounts.
func onRMAsBySKU(ctx context.Context, q querier, orderID string) (map[string]int, error) {
	args := []any{orderID}
	for _, st := range rmaCounts {
		args = append(args, st)
	}
	rows, err := q.QueryContext(ctx, "SELECT rma, body FROM returns WHERE order_id = ? AND state IN (?"+strings.Repeat(", ?", len(rmaCounts)-1)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("order %s returns: %w", orderID, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var rma, body string
		var ret oms.Return
		if err := rows.Scan(&rma, &body); err != nil {
			return nil, fmt.Errorf("order %s returns: %w", orderID, err)
		}
		if err := json.Unmarshal([]byte(body), &ret); err != nil {
			return nil, fmt.Errorf("order %s: rma %s: stored body: %w", orderID, rma, err)
		}
		for _, l := range ret.Lines {
			out[l.SKU] += l.Qty
		}
	}
	return out, rows.Err()
}

// returnSite is where the goods go back to: the site of the latest
// shipment that carried one of the returned SKUs, else of the latest
// shipment, else of the order's assignment.
func returnSite(ctx context.Context, tx *sql.Tx, orderID string, skus []string) (string, error) {
	shipments, err := orderShipments(ctx, tx, nil, orderID)
	if err != nil {
		return "", fmt.Errorf("order %s shipments: %w", orderID, err)
	}
	var latest, carrying string
	for _, sh := range slices.Backward(shipments) {
		if sh.Site == "" {
			continue
		}
		if latest == "" {
			latest = sh.Site
		}
		for _, c := range sh.Cartons {
			for _, it := range c.Items {
				if carrying == "" && slices.Contains(skus, it.SKU) {
					carrying = sh.Site
				}
			}
		}
	}
	if site := firstNonEmpty(carrying, latest); site != "" {
		return site, nil
	}
	var site string
	err = tx.QueryRowContext(ctx, "SELECT site FROM assignments WHERE order_id = ? ORDER BY at DESC LIMIT 1", orderID).Scan(&site)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: order %s has no shipment recorded; cannot tell which site takes the return", ErrConflict, orderID)
	}
	if err != nil {
		return "", fmt.Errorf("order %s assignments: %w", orderID, err)
	}
	return site, nil
}

// returnStation picks the station that gets an RMA's task: a returns
// bench (a station whose id starts with "RET", by convention) if the site
// has one, else any station; among equals the one with the fewest RMAs
// waiting. "" when the site has no enabled station: the RMA is issued and
// the bench finds it by number.
func returnStation(ctx context.Context, tx *sql.Tx, site string) (string, error) {
	var st string
	err := tx.QueryRowContext(ctx, `SELECT s.id FROM stations s WHERE s.site = ? AND s.enabled = 1
		ORDER BY upper(s.id) LIKE 'RET%' DESC,
			(SELECT count(*) FROM returns r WHERE r.site = s.site AND r.station = s.id AND r.state = 'authorized'), s.id
		LIMIT 1`, site).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("returns station at %s: %w", site, err)
	}
	return st, nil
}

// GetReturn returns one RMA.
func (s *Store) GetReturn(ctx context.Context, rma string) (RMAView, error) {
	var v RMAView
	var body, created, updated string
	err := s.db.QueryRowContext(ctx, `SELECT state, body, created_at, updated_at, site, station, expected_condition FROM returns WHERE rma = ?`, rma).
		Scan(&v.State, &body, &created, &updated, &v.Site, &v.Station, &v.ExpectedCondition)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("rma %s: %w", rma, ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("get rma %s: %w", rma, err)
	}
	if err := json.Unmarshal([]byte(body), &v.Return); err != nil {
		return v, fmt.Errorf("get rma %s: stored body: %w", rma, err)
	}
	v.CreatedAt, v.UpdatedAt = parseTime(created), parseTime(updated)
	return v, nil
}

// RecordShipment stores a shipment that left a site for an order, as
// the floor reports it (the sync layer calls this for shipment.created):
// the shipped quantities move from allocated to shipped on the order's
// lines, the stock leaves the ledger (on hand and allocated both down,
// journalled as 'ship'), and the order becomes shipped, or
// partially_shipped while lines are still open. Recording the same
// shipment id again is a no-op, so a redelivered event is harmless. A
// shipment of more than is allocated at its site, or for an order that
// cannot ship now (cancelled, on hold), is refused with ErrConflict and
// changes nothing: the caller raises an exception for the floor.
func (s *Store) RecordShipment(ctx context.Context, orderID string, sh oms.Shipment, by string) error {
	if err := validateShipment(orderID, &sh); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return recordShipment(ctx, tx, orderID, sh, s.now(), by) })
}

// recordShipment is RecordShipment within the caller's transaction; sh
// has passed validateShipment.
func recordShipment(ctx context.Context, tx *sql.Tx, orderID string, sh oms.Shipment, now time.Time, by string) error {
	if done, err := shipmentRecorded(ctx, tx, orderID, sh.ID); done || err != nil {
		return err
	}
	o, err := loadOrder(ctx, tx, orderID)
	if err != nil {
		return err
	}
	switch o.State {
	case oms.StatePacked, oms.StatePartiallyShipped:
	default:
		return fmt.Errorf("%w: shipment %s: order %s is %s; only packed or partially shipped orders ship", ErrConflict, sh.ID, o.ID, o.State)
	}
	if sh.ShippedAt.IsZero() {
		sh.ShippedAt = now
	}
	units := map[string]int{}
	var skus []string
	for _, c := range sh.Cartons {
		for _, it := range c.Items {
			if units[it.SKU] == 0 {
				skus = append(skus, it.SKU)
			}
			units[it.SKU] += it.Qty
		}
	}
	sort.Strings(skus)
	for _, sku := range skus {
		if err := shipSKU(ctx, tx, o.ID, sh, sku, units[sku], now, by); err != nil {
			return err
		}
	}
	left, err := insertShipment(ctx, tx, o.ID, sh)
	if err != nil {
		return fmt.Errorf("record shipment %s: %w", sh.ID, err)
	}
	// The station at this site is done with the order once nothing
	// more is allocated there: it no longer counts towards its queue.
	if _, err := tx.ExecContext(ctx, `UPDATE assignments SET open = 0 WHERE order_id = ? AND site = ?
		AND NOT EXISTS (SELECT 1 FROM allocations WHERE order_id = ? AND site = ?)`, o.ID, sh.Site, o.ID, sh.Site); err != nil {
		return fmt.Errorf("record shipment %s: %w", sh.ID, err)
	}
	to := oms.StateShipped
	if left > 0 {
		to = oms.StatePartiallyShipped
	}
	note := fmt.Sprintf("shipment %s from %s: %s %s", sh.ID, sh.Site, sh.Carrier, sh.TrackingNumber)
	if o.State == to {
		err = addHistory(ctx, tx, o.ID, to, now, by, note)
	} else {
		err = transition(ctx, tx, &o, to, now, by, note)
	}
	if err != nil {
		return err
	}
	// B2B/partial shipments (b2b.go): the 856 of an EDI order, and a look
	// by the next allocation pass at units still unallocated, in this
	// same transaction.
	return afterShipment(ctx, tx, o.ID, sh, now)
}

// shipmentRecorded reports whether shipment id is already stored: for
// orderID it is a redelivery and a no-op (true); for another order it is
// ErrConflict.
func shipmentRecorded(ctx context.Context, tx *sql.Tx, orderID, id string) (bool, error) {
	var existing string
	err := tx.QueryRowContext(ctx, "SELECT order_id FROM shipments WHERE id = ?", id).Scan(&existing)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("record shipment %s: %w", id, err)
	case existing != orderID:
		return false, fmt.Errorf("%w: shipment %s is already recorded for order %s", ErrConflict, id, existing)
	}
	return true, nil
}

// insertShipment stores sh for the order, whose lines have already been
// updated, and returns the units of the order still to ship.
func insertShipment(ctx context.Context, tx *sql.Tx, orderID string, sh oms.Shipment) (left int, err error) {
	body, err := json.Marshal(sh)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO shipments (id, order_id, tracking_number, body, at) VALUES (?, ?, ?, ?, ?)",
		sh.ID, orderID, sh.TrackingNumber, string(body), timestamp(sh.ShippedAt)); err != nil {
		return 0, err
	}
	err = tx.QueryRowContext(ctx, "SELECT coalesce(sum(qty - shipped), 0) FROM order_lines WHERE order_id = ?", orderID).Scan(&left)
	return left, err
}

func validateShipment(orderID string, sh *oms.Shipment) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w shipment %s: %s: %s", oms.ErrInvalid, sh.ID, field, fmt.Sprintf(format, args...))
	}
	sh.ID = strings.TrimSpace(sh.ID)
	switch {
	case sh.ID == "":
		return bad("id", "missing")
	case len(sh.ID) > 100:
		return bad("id", "longer than 100 characters")
	case sh.OrderID != "" && sh.OrderID != orderID:
		return bad("order_id", "%q is not order %s", sh.OrderID, orderID)
	case strings.TrimSpace(sh.Carrier) == "":
		return bad("carrier", "missing")
	case len(sh.TrackingNumber) > 64:
		return bad("tracking_number", "longer than 64 characters")
	case len(sh.Cartons) == 0:
		return bad("cartons", "a shipment needs at least one carton")
	}
	if err := oms.ValidateID("site", sh.Site); err != nil {
		return bad("site", "%v", err)
	}
	sh.OrderID = orderID
	for i, c := range sh.Cartons {
		for j, it := range c.Items {
			field := fmt.Sprintf("cartons[%d].items[%d]", i+1, j+1)
			if strings.TrimSpace(it.SKU) == "" {
				return bad(field+".sku", "missing")
			}
			if it.Qty <= 0 {
				return bad(field+".qty", "%d is not a positive quantity", it.Qty)
			}
		}
	}
	return nil
}

// shipSKU consumes qty units of sku allocated to the order at the
// shipment's site, line by line and bin by bin.
func shipSKU(ctx context.Context, tx *sql.Tx, orderID string, sh oms.Shipment, sku string, qty int, now time.Time, by string) error {
	type alloc struct {
		id       int64
		lineNo   int
		location string
		qty      int
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, line_no, location, qty FROM allocations WHERE order_id = ? AND site = ? AND sku = ? ORDER BY line_no, id",
		orderID, sh.Site, sku)
	if err != nil {
		return fmt.Errorf("shipment %s: allocations of %s: %w", sh.ID, sku, err)
	}
	var allocs []alloc
	total := 0
	for rows.Next() {
		var a alloc
		if err := rows.Scan(&a.id, &a.lineNo, &a.location, &a.qty); err != nil {
			rows.Close()
			return fmt.Errorf("shipment %s: allocations of %s: %w", sh.ID, sku, err)
		}
		allocs = append(allocs, a)
		total += a.qty
	}
	rows.Close()
	if qty > total {
		return fmt.Errorf("%w: shipment %s: %d of %s shipped, but only %d allocated to order %s at %s", ErrConflict, sh.ID, qty, sku, total, orderID, sh.Site)
	}
	left := qty
	for _, a := range allocs {
		if left == 0 {
			break
		}
		q := min(a.qty, left)
		left -= q
		if q == a.qty {
			_, err = tx.ExecContext(ctx, "DELETE FROM allocations WHERE id = ?", a.id)
		} else {
			_, err = tx.ExecContext(ctx, "UPDATE allocations SET qty = qty - ? WHERE id = ?", q, a.id)
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, "UPDATE order_lines SET allocated = allocated - ?, shipped = shipped + ? WHERE order_id = ? AND line_no = ?", q, q, orderID, a.lineNo)
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, "UPDATE stock SET on_hand = on_hand - ?, allocated = allocated - ? WHERE site = ? AND location = ? AND sku = ?",
				q, q, sh.Site, a.location, sku)
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO stock_moves (at, site, location, sku, delta_on_hand, delta_allocated, reason, ref, by)
				VALUES (?, ?, ?, ?, ?, ?, 'ship', ?, ?)`, timestamp(now), sh.Site, a.location, sku, -q, -q, orderID, by)
		}
		if err != nil {
			return fmt.Errorf("shipment %s: ship %d of %s from %s/%s: %w", sh.ID, q, sku, sh.Site, a.location, err)
		}
	}
	return nil
}

// TrackingView is what a customer sees of a parcel: no names, streets or
// contact details, and no order id (that would open the staff API).
type TrackingView struct {
	TrackingNumber string      `json:"tracking_number"`
	Carrier        string      `json:"carrier"`
	Service        string      `json:"service"`
	Status         string      `json:"status"`
	ShippedAt      time.Time   `json:"shipped_at,omitzero"`
	PromisedAt     time.Time   `json:"promised_at,omitzero"`
	Parcels        int         `json:"parcels"`
	Destination    Destination `json:"destination"`
	History        []TrackStep `json:"history"`
}

// Destination is the part of the ship-to address a tracking page shows.
type Destination struct {
	City    string `json:"city"`
	Country string `json:"country"`
}

// TrackStep is one customer-facing step of an order's life.
type TrackStep struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
}

// customerStatus is the word a customer sees for an order state: the
// floor's steps before shipping are all "processing".
func customerStatus(s oms.State) string {
	switch s {
	case oms.StateReceived, oms.StateBackordered:
		return "ordered"
	case oms.StateAllocated, oms.StateReleased, oms.StatePicking, oms.StatePicked, oms.StatePacking, oms.StatePacked, oms.StateOnHold:
		return "processing"
	case oms.StateRMAAuthorized:
		return "return_authorized"
	case oms.StateInspected, oms.StateRestocked:
		return "return_received"
	}
	return string(s)
}

// Track returns the customer-facing status of the parcel with a tracking
// number.
func (s *Store) Track(ctx context.Context, tracking string) (TrackingView, error) {
	tracking = strings.TrimSpace(tracking)
	if tracking == "" || len(tracking) > 64 {
		return TrackingView{}, fmt.Errorf("%w tracking number %q: want 1-64 characters", oms.ErrInvalid, tracking)
	}
	var v TrackingView
	err := s.readTx(ctx, func(q querier) (err error) {
		v, err = track(ctx, q, tracking)
		return err
	})
	return v, err
}

func track(ctx context.Context, q querier, tracking string) (TrackingView, error) {
	var orderID, body string
	err := q.QueryRowContext(ctx, "SELECT order_id, body FROM shipments WHERE tracking_number = ? ORDER BY at LIMIT 1", tracking).Scan(&orderID, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return TrackingView{}, fmt.Errorf("tracking number %s: %w", tracking, ErrNotFound)
	}
	if err != nil {
		return TrackingView{}, fmt.Errorf("track %s: %w", tracking, err)
	}
	var sh oms.Shipment
	if err := json.Unmarshal([]byte(body), &sh); err != nil {
		return TrackingView{}, fmt.Errorf("track %s: stored shipment: %w", tracking, err)
	}
	o, err := loadOrder(ctx, q, orderID)
	if err != nil {
		return TrackingView{}, fmt.Errorf("track %s: %w", tracking, err)
	}
	v := TrackingView{TrackingNumber: tracking, Carrier: sh.Carrier, Service: sh.Service, Status: customerStatus(o.State),
		ShippedAt: sh.ShippedAt, PromisedAt: estimatedDelivery(sh, o), Parcels: len(sh.Cartons),
		Destination: Destination{City: o.ShipTo.City, Country: o.ShipTo.Country}, History: []TrackStep{}}
	rows, err := q.QueryContext(ctx, "SELECT state, at FROM order_history WHERE order_id = ? ORDER BY id", orderID)
	if err != nil {
		return TrackingView{}, fmt.Errorf("track %s: %w", tracking, err)
	}
	defer rows.Close()
	for rows.Next() {
		var state, at string
		if err := rows.Scan(&state, &at); err != nil {
			return TrackingView{}, fmt.Errorf("track %s: %w", tracking, err)
		}
		st := customerStatus(oms.State(state))
		if n := len(v.History); n > 0 && v.History[n-1].Status == st {
			continue
		}
		v.History = append(v.History, TrackStep{Status: st, At: parseTime(at)})
	}
	return v, rows.Err()
}

func (a *API) postReturn(w http.ResponseWriter, r *http.Request) {
	var in ReturnInput
	if err := decodeJSON(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	v, err := a.svc.Store.AuthorizeReturn(r.Context(), in)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/returns/"+v.RMA)
	writeJSON(w, http.StatusCreated, v)
}

func (a *API) getReturn(w http.ResponseWriter, r *http.Request) {
	v, err := a.svc.Store.GetReturn(r.Context(), r.PathValue("rma"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *API) track(w http.ResponseWriter, r *http.Request) {
	v, err := a.svc.Store.Track(r.Context(), r.PathValue("tracking"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// estimatedDelivery is the carrier's estimate for a parcel when the
// station quoted one, else the promise made at checkout.
func estimatedDelivery(sh oms.Shipment, o oms.Order) time.Time {
	if !sh.EstimatedDelivery.IsZero() {
		return sh.EstimatedDelivery
	}
	return o.PromisedAt
}
