package central

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/packline/packline/central/edi"
	"github.com/packline/packline/oms"
)

// EDIConfig is the [edi] table of omsd's config: the folders EDI files
// come in and go out through, who Packline is in an interchange, and the
// drop-ship suppliers. With In empty no EDI runs.
type EDIConfig struct {
	// In is the folder partners drop X12 files into (--edi-in).
	In string `toml:"in" env:"PACKLINE_EDI_IN"`
	// Out is where acknowledgments, ship notices and supplier purchase
	// orders are written (--edi-out).
	Out string `toml:"out" env:"PACKLINE_EDI_OUT"`
	// Rejected receives files that were not applied, each with its 997
	// beside it (--edi-rejected); default <in>/rejected.
	Rejected string `toml:"rejected" env:"PACKLINE_EDI_REJECTED"`
	// Processed receives files once applied; default <in>/processed.
	Processed string `toml:"processed"`
	// Poll is how often the in folder is looked at; default 2s.
	Poll TextDuration `toml:"poll"`
	// ISAQualifier and ISAID are Packline's ISA05/ISA06 in documents it
	// starts (850s to suppliers); answers to a partner use the ID the
	// partner sent to. Defaults ZZ and PACKLINE.
	ISAQualifier string `toml:"isa_qualifier"`
	ISAID        string `toml:"isa_id"`
	// GSID is GS02 in documents Packline starts; default the ISA ID.
	GSID string `toml:"gs_id"`
	// Test marks outbound interchanges as test data (ISA15 T).
	Test bool `toml:"test"`
	// Currency is used when an 850 has no CUR segment; default USD.
	Currency string `toml:"currency"`
	// ShipComplete makes EDI orders ship complete (all or nothing);
	// default false: they ship what there is and backorder the rest.
	ShipComplete bool `toml:"ship_complete"`
	// Suppliers are the drop-ship suppliers.
	Suppliers []SupplierConfig `toml:"suppliers"`
}

// SupplierConfig is a drop-ship supplier: where its purchase orders go
// and which SKUs it ships straight to customers.
type SupplierConfig struct {
	// ID names the supplier in Packline (letters, digits, - and _); it is
	// also the "site" of its shipments.
	ID   string `toml:"id"`
	Name string `toml:"name"`
	// ISAQualifier and ISAID address the supplier's interchanges; its
	// 856s are recognised by this ISA ID. GSID defaults to the ISA ID.
	ISAQualifier string      `toml:"isa_qualifier"`
	ISAID        string      `toml:"isa_id"`
	GSID         string      `toml:"gs_id"`
	Address      oms.Address `toml:"address"`
	// SKUs are drop-shipped by this supplier on every order.
	SKUs []string `toml:"skus"`
}

func (c *EDIConfig) withDefaults() EDIConfig {
	out := *c
	if out.ISAQualifier == "" {
		out.ISAQualifier = "ZZ"
	}
	if out.ISAID == "" {
		out.ISAID = "PACKLINE"
	}
	if out.GSID == "" {
		out.GSID = out.ISAID
	}
	if out.Currency == "" {
		out.Currency = "USD"
	}
	if out.Poll <= 0 {
		out.Poll = TextDuration(2 * time.Second)
	}
	return out
}

// Validate names the first bad field of the [edi] table.
func (c *EDIConfig) Validate() error {
	d := c.withDefaults()
	if (c.In == "") != (c.Out == "") {
		return errors.New("edi.in and edi.out go together")
	}
	if len(d.ISAQualifier) != 2 {
		return fmt.Errorf("edi.isa_qualifier: %q, want 2 characters", d.ISAQualifier)
	}
	if len(d.ISAID) > 15 || edi.Clean(d.ISAID, 15) != d.ISAID {
		return fmt.Errorf("edi.isa_id: %q, want 1-15 characters without delimiters", d.ISAID)
	}
	if _, ok := oms.CurrencyExponent(d.Currency); !ok {
		return fmt.Errorf("edi.currency: %q is not an ISO 4217 currency code", d.Currency)
	}
	seen := map[string]bool{}
	skus := map[string]string{}
	for i, s := range c.Suppliers {
		field := fmt.Sprintf("edi.suppliers[%d]", i+1)
		if err := oms.ValidateID("supplier", s.ID); err != nil {
			return fmt.Errorf("%s.id: %w", field, err)
		}
		if seen[s.ID] {
			return fmt.Errorf("%s.id: %q appears twice", field, s.ID)
		}
		seen[s.ID] = true
		if strings.TrimSpace(s.Name) == "" {
			return fmt.Errorf("%s.name: missing", field)
		}
		if len(s.ISAQualifier) != 2 {
			return fmt.Errorf("%s.isa_qualifier: %q, want 2 characters", field, s.ISAQualifier)
		}
		if s.ISAID == "" || len(s.ISAID) > 15 || edi.Clean(s.ISAID, 15) != s.ISAID {
			return fmt.Errorf("%s.isa_id: %q, want 1-15 characters without delimiters", field, s.ISAID)
		}
		if err := s.Address.Validate(); err != nil {
			return fmt.Errorf("%s.address.%w", field, err)
		}
		for j, sku := range s.SKUs {
			if other, ok := skus[sku]; ok {
				return fmt.Errorf("%s.skus[%d]: %q is drop-shipped by %s already", field, j+1, sku, other)
			}
			skus[sku] = s.ID
		}
	}
	return nil
}

// ApplyEDIConfig stores Packline's EDI identity, the suppliers and the
// drop-ship SKUs from the config, replacing what was there. It runs at
// start; orders already routed keep their supplier.
func (s *Store) ApplyEDIConfig(ctx context.Context, c EDIConfig) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	d := c.withDefaults()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO edi_settings (id, isa_qual, isa_id, gs_id, test, currency, ship_complete) VALUES (1, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET isa_qual = excluded.isa_qual, isa_id = excluded.isa_id, gs_id = excluded.gs_id, test = excluded.test,
				currency = excluded.currency, ship_complete = excluded.ship_complete`,
			d.ISAQualifier, d.ISAID, d.GSID, d.Test, d.Currency, d.ShipComplete); err != nil {
			return fmt.Errorf("edi settings: %w", err)
		}
		for _, q := range []string{"DELETE FROM edi_suppliers", "DELETE FROM drop_ship_skus"} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("edi suppliers: %w", err)
			}
		}
		for _, sup := range d.Suppliers {
			body, err := json.Marshal(sup.Address)
			if err != nil {
				return err
			}
			gs := sup.GSID
			if gs == "" {
				gs = sup.ISAID
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO edi_suppliers (id, name, isa_qual, isa_id, gs_id, body) VALUES (?, ?, ?, ?, ?, ?)",
				sup.ID, sup.Name, sup.ISAQualifier, sup.ISAID, gs, string(body)); err != nil {
				return fmt.Errorf("edi supplier %s: %w", sup.ID, err)
			}
			for _, sku := range sup.SKUs {
				if _, err := tx.ExecContext(ctx, "INSERT INTO drop_ship_skus (sku, supplier) VALUES (?, ?)", sku, sup.ID); err != nil {
					return fmt.Errorf("edi supplier %s sku %s: %w", sup.ID, sku, err)
				}
			}
		}
		return nil
	})
}

// MarkDropShip routes one line of an order to a supplier instead of a
// site. It is allowed only before anything of the line is allocated or
// shipped; the allocator then leaves the line alone and the next pass
// sends the supplier its purchase order.
func (s *Store) MarkDropShip(ctx context.Context, orderID string, lineNo int, supplier string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT 1 FROM edi_suppliers WHERE id = ?", supplier).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w drop-ship: supplier %q is not configured", oms.ErrInvalid, supplier)
		} else if err != nil {
			return fmt.Errorf("drop-ship order %s line %d: %w", orderID, lineNo, err)
		}
		var allocated, shipped int
		err := tx.QueryRowContext(ctx, "SELECT allocated, shipped FROM order_lines WHERE order_id = ? AND line_no = ?", orderID, lineNo).Scan(&allocated, &shipped)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("order %s line %d: %w", orderID, lineNo, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("drop-ship order %s line %d: %w", orderID, lineNo, err)
		}
		if allocated > 0 || shipped > 0 {
			return fmt.Errorf("%w: order %s line %d already has stock allocated or shipped", ErrConflict, orderID, lineNo)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO drop_ship_lines (order_id, line_no, supplier) VALUES (?, ?, ?)
			ON CONFLICT (order_id, line_no) DO UPDATE SET supplier = excluded.supplier WHERE state = 'new'`, orderID, lineNo, supplier)
		return err
	})
}

// DropShipView is what an order line shows when a supplier ships it.
type DropShipView struct {
	Supplier string `json:"supplier"`
	// PONumber is Packline's purchase order to the supplier, once sent.
	PONumber string `json:"po_number,omitempty"`
	// State is new, ordered, shipped or cancelled.
	State string `json:"state"`
}

// dropShipViews returns the drop-ship lines of an order by line number.
func dropShipViews(ctx context.Context, q querier, orderID string) (map[int]DropShipView, error) {
	rows, err := q.QueryContext(ctx, "SELECT line_no, supplier, po_number, state FROM drop_ship_lines WHERE order_id = ?", orderID)
	if err != nil {
		return nil, fmt.Errorf("order %s drop-ship lines: %w", orderID, err)
	}
	defer rows.Close()
	out := map[int]DropShipView{}
	for rows.Next() {
		var n int
		var v DropShipView
		if err := rows.Scan(&n, &v.Supplier, &v.PONumber, &v.State); err != nil {
			return nil, fmt.Errorf("order %s drop-ship lines: %w", orderID, err)
		}
		out[n] = v
	}
	return out, rows.Err()
}

// ediSelf is who Packline is in interchanges it starts.
func ediSelf(ctx context.Context, tx *sql.Tx) (edi.Party, bool, error) {
	var p edi.Party
	var test bool
	err := tx.QueryRowContext(ctx, "SELECT isa_qual, isa_id, gs_id, test FROM edi_settings WHERE id = 1").Scan(&p.Qual, &p.ID, &p.App, &test)
	if errors.Is(err, sql.ErrNoRows) {
		return edi.Party{Qual: "ZZ", ID: "PACKLINE", App: "PACKLINE"}, false, nil
	}
	return p, test, err
}

// queueDoc renders an interchange around one set and queues it for the
// out folder, numbered in this transaction. A document already queued
// under (kind, ref) is left as it is: each is sent once.
func queueDoc(ctx context.Context, tx *sql.Tx, kind, ref, orderID string, from, to edi.Party, test bool, funcID string, body []edi.Segment, now time.Time) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM edi_outbound WHERE kind = ? AND ref = ?", kind, ref).Scan(&one)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("queue %s %s: %w", kind, ref, err)
	}
	ctl, err := nextCounter(ctx, tx, "edi_interchange")
	if err != nil {
		return false, err
	}
	ctl = (ctl-1)%999999999 + 1
	out := edi.Outgoing{From: from, To: to, Control: ctl, At: now, Test: test,
		Groups: []edi.OutGroup{{FunctionalID: funcID, SetID: kind, Sets: [][]edi.Segment{body}}}}
	data, err := out.Write()
	if err != nil {
		return false, fmt.Errorf("queue %s %s: %w", kind, ref, err)
	}
	name := fmt.Sprintf("%s-%s-%09d.x12", kind, safeName(to.ID), ctl)
	if _, err := tx.ExecContext(ctx, `INSERT INTO edi_outbound (kind, ref, partner, order_id, control, file_name, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, kind, ref, to.ID, orderID, ctl, name, data, timestamp(now)); err != nil {
		return false, fmt.Errorf("queue %s %s: %w", kind, ref, err)
	}
	return true, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// ediOrder is an edi_orders row with its stored purchase order.
type ediOrder struct {
	OrderID  string
	Partner  edi.Party // the buyer, as it addressed us
	Us       edi.Party // us, as the buyer addressed us
	PO       edi.PurchaseOrder
	LineMaps []poLineMap
}

// poLineMap says what became of one PO1 line.
type poLineMap struct {
	// LineNo is the order line; 0 when the line was rejected.
	LineNo int    `json:"line_no"`
	SKU    string `json:"sku,omitempty"`
	Reject string `json:"reject,omitempty"`
}

type storedPO struct {
	PO    edi.PurchaseOrder `json:"po"`
	Lines []poLineMap       `json:"lines"`
}

func loadEDIOrder(ctx context.Context, q querier, orderID string) (*ediOrder, error) {
	var e ediOrder
	var body string
	err := q.QueryRowContext(ctx, `SELECT order_id, partner_qual, partner_id, partner_gs, our_qual, our_id, our_gs, body FROM edi_orders WHERE order_id = ?`, orderID).
		Scan(&e.OrderID, &e.Partner.Qual, &e.Partner.ID, &e.Partner.App, &e.Us.Qual, &e.Us.ID, &e.Us.App, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("edi order %s: %w", orderID, err)
	}
	var sp storedPO
	if err := json.Unmarshal([]byte(body), &sp); err != nil {
		return nil, fmt.Errorf("edi order %s: stored body: %w", orderID, err)
	}
	e.PO, e.LineMaps = sp.PO, sp.Lines
	return &e, nil
}

// afterAllocation runs in the allocator's transaction after it has
// decided an order (called from allocTx.allocate): the first decision
// queues an EDI order's 855, and drop-ship lines not yet ordered get
// their 850 to the supplier. A received order whose every line is
// drop-shipped moves to allocated: the supplier, not a site, has it.
func afterAllocation(ctx context.Context, tx *sql.Tx, orderID string, now time.Time) error {
	ds, err := dropShipViews(ctx, tx, orderID)
	if err != nil {
		return err
	}
	for _, v := range ds {
		if v.State == "new" {
			if err := orderFromSuppliers(ctx, tx, orderID, now); err != nil {
				return err
			}
			break
		}
	}
	if len(ds) > 0 {
		o, err := loadOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		var nonDS int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM order_lines l WHERE l.order_id = ?
			AND NOT EXISTS (SELECT 1 FROM drop_ship_lines d WHERE d.order_id = l.order_id AND d.line_no = l.line_no)`, orderID).Scan(&nonDS); err != nil {
			return err
		}
		if nonDS == 0 && o.State == oms.StateReceived {
			suppliers := map[string]bool{}
			var names []string
			for _, v := range ds {
				if !suppliers[v.Supplier] {
					suppliers[v.Supplier] = true
					names = append(names, v.Supplier)
				}
			}
			sort.Strings(names)
			if err := transition(ctx, tx, &o, oms.StateAllocated, now, "allocator", "drop-ship from "+strings.Join(names, ", ")); err != nil {
				return err
			}
		}
	}
	return queuePOAck(ctx, tx, orderID, ds, now)
}

// queuePOAck queues the 855 of an EDI order, once: per PO line, what was
// allocated is accepted (IA), what is short is backordered (IB), a line
// that a supplier ships is accepted with the supplier as its ship-from, and
// a line the order could not take is rejected (IR). A line of a
// ship-complete order that has stock but waits for the others is
// accepted, not backordered: only lines that are short are.
func queuePOAck(ctx context.Context, tx *sql.Tx, orderID string, ds map[int]DropShipView, now time.Time) error {
	e, err := loadEDIOrder(ctx, tx, orderID)
	if err != nil || e == nil {
		return err
	}
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM edi_outbound WHERE kind = '855' AND ref = ?", orderID).Scan(&one); err == nil {
		return nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	type lineState struct {
		sku                    string
		qty, allocated, shiped int
	}
	lines := map[int]lineState{}
	rows, err := tx.QueryContext(ctx, "SELECT line_no, sku, qty, allocated, shipped FROM order_lines WHERE order_id = ?", orderID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n int
		var l lineState
		if err := rows.Scan(&n, &l.sku, &l.qty, &l.allocated, &l.shiped); err != nil {
			rows.Close()
			return err
		}
		lines[n] = l
	}
	rows.Close()
	ack := buildPOAck(e, now)
	for i := range ack.Lines {
		m := e.LineMaps[i]
		al := &ack.Lines[i]
		uom := al.UOM
		switch {
		case m.LineNo == 0:
			al.Statuses = []edi.AckStatus{{Code: edi.AckRejected, Qty: al.Qty, UOM: uom}}
		case ds[m.LineNo].Supplier != "":
			al.Statuses = []edi.AckStatus{{Code: edi.AckAccepted, Qty: al.Qty, UOM: uom}}
			sf, err := supplierAddress(ctx, tx, ds[m.LineNo].Supplier)
			if err != nil {
				return err
			}
			al.ShipFrom = &sf
		default:
			l := lines[m.LineNo]
			ok := l.allocated + l.shiped
			if short := l.qty - ok; short > 0 {
				var avail int
				if err := tx.QueryRowContext(ctx, "SELECT coalesce(sum(on_hand - allocated), 0) FROM stock WHERE sku = ?", l.sku).Scan(&avail); err != nil {
					return err
				}
				if avail >= short {
					ok = l.qty // has stock; waits only for the rest of a ship-complete order
				}
			}
			if ok > 0 {
				al.Statuses = append(al.Statuses, edi.AckStatus{Code: edi.AckAccepted, Qty: ok, UOM: uom})
			}
			if ok < l.qty {
				al.Statuses = append(al.Statuses, edi.AckStatus{Code: edi.AckBackordered, Qty: l.qty - ok, UOM: uom})
			}
		}
	}
	ack.Type = ackType(ack)
	_, err = queueDoc(ctx, tx, "855", orderID, orderID, e.Us, e.Partner, false, "PR", ack.Segments(), now)
	return err
}

func buildPOAck(e *ediOrder, now time.Time) edi.POAck {
	ack := edi.POAck{Purpose: "00", PONumber: e.PO.Number, PODate: e.PO.Date, OrderID: e.OrderID, Date: now}
	for _, l := range e.PO.Lines {
		ack.Lines = append(ack.Lines, edi.AckLine{POLine: edi.POLine{ID: l.ID, Qty: l.Qty, UOM: l.UOM, UnitPrice: l.UnitPrice, IDs: l.IDs, IDOrder: l.IDOrder}})
	}
	return ack
}

func ackType(a edi.POAck) string {
	all, rejected := true, 0
	for _, l := range a.Lines {
		for _, s := range l.Statuses {
			if s.Code != edi.AckAccepted {
				all = false
			}
			if s.Code == edi.AckRejected {
				rejected++
			}
		}
	}
	switch {
	case rejected == len(a.Lines):
		return edi.AckTypeRejected
	case all:
		return edi.AckTypeNoChange
	}
	return edi.AckTypeWithChange
}

func supplierAddress(ctx context.Context, q querier, id string) (edi.Address, error) {
	var name, body string
	err := q.QueryRowContext(ctx, "SELECT name, body FROM edi_suppliers WHERE id = ?", id).Scan(&name, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return edi.Address{Code: "SF", Name: id, IDQual: "92", ID: id}, nil
	}
	if err != nil {
		return edi.Address{}, fmt.Errorf("supplier %s: %w", id, err)
	}
	var a oms.Address
	_ = json.Unmarshal([]byte(body), &a)
	out := ediAddress("SF", a)
	out.Name, out.IDQual, out.ID = edi.Clean(name, 60), "92", id
	return out, nil
}

func ediAddress(code string, a oms.Address) edi.Address {
	name := a.Name
	if name == "" {
		name = a.Company
	}
	return edi.Address{Code: code, Name: edi.Clean(name, 60), Street1: edi.Clean(a.Street1, 55), Street2: edi.Clean(a.Street2, 55),
		City: edi.Clean(a.City, 30), Region: edi.Clean(a.Region, 2), Postal: edi.Clean(a.PostalCode, 15), Country: a.Country}
}

// orderFromSuppliers queues one 850 per supplier for the order's
// drop-ship lines not yet ordered, shipping straight to the customer.
func orderFromSuppliers(ctx context.Context, tx *sql.Tx, orderID string, now time.Time) error {
	o, err := loadOrder(ctx, tx, orderID)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT d.line_no, d.supplier, l.sku, l.qty - l.shipped FROM drop_ship_lines d
		JOIN order_lines l ON l.order_id = d.order_id AND l.line_no = d.line_no
		WHERE d.order_id = ? AND d.state = 'new' ORDER BY d.supplier, d.line_no`, orderID)
	if err != nil {
		return fmt.Errorf("order %s drop-ship lines: %w", orderID, err)
	}
	type dsLine struct {
		lineNo   int
		supplier string
		sku      string
		qty      int
	}
	var all []dsLine
	for rows.Next() {
		var l dsLine
		if err := rows.Scan(&l.lineNo, &l.supplier, &l.sku, &l.qty); err != nil {
			rows.Close()
			return err
		}
		all = append(all, l)
	}
	rows.Close()
	self, test, err := ediSelf(ctx, tx)
	if err != nil {
		return err
	}
	for i := 0; i < len(all); {
		sup := all[i].supplier
		var to edi.Party
		err := tx.QueryRowContext(ctx, "SELECT isa_qual, isa_id, gs_id FROM edi_suppliers WHERE id = ?", sup).Scan(&to.Qual, &to.ID, &to.App)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("order %s: drop-ship supplier %q is not configured", orderID, sup)
		}
		if err != nil {
			return err
		}
		n, err := nextCounter(ctx, tx, "drop_ship_po")
		if err != nil {
			return err
		}
		poNumber := fmt.Sprintf("DS%08d", n)
		st := ediAddress("ST", o.ShipTo)
		st.Contact, st.Phone, st.Email = edi.Clean(o.ShipTo.Name, 60), edi.Clean(o.ShipTo.Phone, 80), edi.Clean(o.ShipTo.Email, 80)
		po := edi.PurchaseOrder{Purpose: "00", Type: "DS", Number: poNumber, Date: now, Currency: o.Currency,
			Parties: []edi.Address{st}}
		if !o.PromisedAt.IsZero() {
			po.Dates = []edi.DateRef{{Qual: "002", Date: o.PromisedAt}}
		}
		for ; i < len(all) && all[i].supplier == sup; i++ {
			l := all[i]
			if l.qty <= 0 {
				continue
			}
			ids := edi.ItemIDs{"BP": l.sku}
			order := []string{"BP"}
			if g := skuGTIN(ctx, tx, l.sku); g != "" {
				ids["UK"] = g
				order = append(order, "UK")
			}
			po.Lines = append(po.Lines, edi.POLine{ID: strconv.Itoa(l.lineNo), Qty: l.qty, UOM: "EA", IDs: ids, IDOrder: order})
			if _, err := tx.ExecContext(ctx, "UPDATE drop_ship_lines SET state = 'ordered', po_number = ? WHERE order_id = ? AND line_no = ?", poNumber, orderID, l.lineNo); err != nil {
				return err
			}
		}
		if len(po.Lines) == 0 {
			continue
		}
		if _, err := queueDoc(ctx, tx, "850", poNumber, orderID, self, to, test, "PO", po.Segments(), now); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, orderID, o.State, now, "allocator", fmt.Sprintf("drop-ship purchase order %s to %s", poNumber, sup)); err != nil {
			return err
		}
	}
	return nil
}

// cancelDropShips tells the suppliers of a cancelled order to stop, in the
// transaction that cancels it (Store.Cancel, and the buyer's cancellation
// 850): for each purchase order sent to a supplier that still has units
// the supplier has not shipped, a cancellation 850 (BEG01 01) with the
// original's PO number, date and ship-to and its open lines at their open
// quantity, queued like the original. Lines the supplier has shipped in
// full are left out, and a purchase order shipped in full gets nothing.
// Every drop-ship line not shipped becomes cancelled, so a line not yet
// ordered is never ordered and nothing is cancelled twice. When a
// purchase order sent cannot be read back from edi_outbound the supplier
// cannot be told, and it returns ErrConflict: the cancellation must fail
// with it. It refuses an order that is not cancelled: call it after the
// transition.
func cancelDropShips(ctx context.Context, tx *sql.Tx, orderID string, now time.Time, by string) error {
	o, err := loadOrder(ctx, tx, orderID)
	if err != nil {
		return err
	}
	if o.State != oms.StateCancelled {
		return fmt.Errorf("order %s is %s, not cancelled: its drop-ship purchase orders stand", orderID, o.State)
	}
	rows, err := tx.QueryContext(ctx, `SELECT d.line_no, d.supplier, d.po_number, l.qty - l.shipped FROM drop_ship_lines d
		JOIN order_lines l ON l.order_id = d.order_id AND l.line_no = d.line_no
		WHERE d.order_id = ? AND d.state = 'ordered' ORDER BY d.po_number, d.line_no`, orderID)
	if err != nil {
		return fmt.Errorf("order %s drop-ship lines: %w", orderID, err)
	}
	type supplierPO struct {
		number, supplier string
		open             map[int]int // line -> units not shipped
	}
	var pos []*supplierPO
	for rows.Next() {
		var lineNo, qty int
		var supplier, number string
		if err := rows.Scan(&lineNo, &supplier, &number, &qty); err != nil {
			rows.Close()
			return fmt.Errorf("order %s drop-ship lines: %w", orderID, err)
		}
		if qty <= 0 {
			continue
		}
		if len(pos) == 0 || pos[len(pos)-1].number != number {
			pos = append(pos, &supplierPO{number: number, supplier: supplier, open: map[int]int{}})
		}
		pos[len(pos)-1].open[lineNo] = qty
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("order %s drop-ship lines: %w", orderID, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE drop_ship_lines SET state = 'cancelled' WHERE order_id = ? AND state IN ('new', 'ordered')", orderID); err != nil {
		return fmt.Errorf("order %s drop-ship lines: %w", orderID, err)
	}
	for _, po := range pos {
		if err := cancelSupplierPO(ctx, tx, orderID, po.supplier, po.number, po.open, now); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, orderID, o.State, now, by, fmt.Sprintf("drop-ship purchase order %s to %s cancelled", po.number, po.supplier)); err != nil {
			return err
		}
	}
	return nil
}

// cancelSupplierPO queues the cancellation 850 of one purchase order to a
// supplier: the 850 that was sent, read back from edi_outbound, with
// BEG01 01 and only the lines in open (line -> units), at those
// quantities. It goes to the supplier as configured now, or, when the
// supplier is no longer configured, to whom the original went.
func cancelSupplierPO(ctx context.Context, tx *sql.Tx, orderID, supplier, number string, open map[int]int, now time.Time) error {
	where := fmt.Sprintf("order %s: cancel drop-ship purchase order %s to %s", orderID, number, supplier)
	var body []byte
	err := tx.QueryRowContext(ctx, "SELECT body FROM edi_outbound WHERE kind = '850' AND ref = ?", number).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s: the 850 sent is not in edi_outbound", ErrConflict, where)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	ic, err := edi.Parse(body)
	if err != nil || len(ic.Problems) > 0 || len(ic.Groups) != 1 || len(ic.Groups[0].Sets) != 1 {
		return fmt.Errorf("%w: %s: the 850 sent does not read back: %v %v", ErrConflict, where, err, ic.Problems)
	}
	// Read leniently: the reader's checks are for partners' 850s, and
	// what was sent stands as it was (a ship-to name Clean emptied, say).
	sent, _ := edi.ReadPO(ic.Groups[0].Sets[0], 0, 0)
	if sent.Number != number {
		return fmt.Errorf("%w: %s: the 850 sent is for purchase order %q", ErrConflict, where, sent.Number)
	}
	cancel := sent
	cancel.Purpose, cancel.Lines = "01", nil
	for _, l := range sent.Lines {
		if n, err := strconv.Atoi(l.ID); err == nil && open[n] > 0 {
			l.Qty = open[n]
			cancel.Lines = append(cancel.Lines, l)
		}
	}
	if len(cancel.Lines) == 0 {
		return nil // none of its lines is open
	}
	self, test, err := ediSelf(ctx, tx)
	if err != nil {
		return err
	}
	to := edi.Party{Qual: ic.ISA.ReceiverQual, ID: ic.ISA.ReceiverID, App: ic.Groups[0].Receiver}
	err = tx.QueryRowContext(ctx, "SELECT isa_qual, isa_id, gs_id FROM edi_suppliers WHERE id = ?", supplier).Scan(&to.Qual, &to.ID, &to.App)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", where, err)
	}
	if _, err := queueDoc(ctx, tx, "850", "cancel:"+number, orderID, self, to, test, "PO", cancel.Segments(), now); err != nil {
		var de *edi.DelimiterError
		if errors.As(err, &de) {
			// What was sent cannot be written again (data an older
			// writer let through): the supplier cannot be told, and the
			// cancellation must fail as a conflict, not stop the caller.
			return fmt.Errorf("%w: %s: %w", ErrConflict, where, err)
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// skuGTIN is a SKU's first GTIN, as GTIN-14, if it has one.
func skuGTIN(ctx context.Context, q querier, sku string) string {
	var key string
	err := q.QueryRowContext(ctx, "SELECT lookup_key FROM barcodes WHERE sku = ? AND length(lookup_key) = 14 AND lookup_key NOT GLOB '*[^0-9]*' ORDER BY lookup_key LIMIT 1", sku).Scan(&key)
	if err != nil {
		return ""
	}
	return key
}

// queueShipNotice queues the customer's 856 for a shipment of an EDI
// order, in the transaction that records the shipment (called from
// recordShipment and for drop-ship shipments). Orders from other
// channels get nothing.
func queueShipNotice(ctx context.Context, tx *sql.Tx, orderID string, sh oms.Shipment, now time.Time) error {
	e, err := loadEDIOrder(ctx, tx, orderID)
	if err != nil || e == nil {
		return err
	}
	o, err := loadOrder(ctx, tx, orderID)
	if err != nil {
		return err
	}
	n, err := nextCounter(ctx, tx, "asn")
	if err != nil {
		return err
	}
	at := sh.ShippedAt
	if at.IsZero() {
		at = now
	}
	notice := edi.ShipNotice{Purpose: "00", ShipmentID: fmt.Sprintf("ASN%08d", n), Date: now, Carrier: sh.Carrier, Service: sh.Service,
		Tracking: edi.Clean(sh.TrackingNumber, 30), ShipDate: at, ShipTo: ediAddress("ST", o.ShipTo)}
	if from, err := shipFrom(ctx, tx, sh.Site); err == nil {
		notice.ShipFrom = from
	}
	// SKU -> the PO line it answers (the first line of that SKU).
	bySKU := map[string]int{}
	for i, m := range e.LineMaps {
		if _, ok := bySKU[m.SKU]; !ok && m.LineNo > 0 {
			bySKU[m.SKU] = i
		}
	}
	so := edi.ShipOrder{PONumber: e.PO.Number, PODate: e.PO.Date, OrderID: orderID}
	for _, c := range sh.Cartons {
		p := edi.Pack{}
		sscc := c.SSCC
		if len(sscc) == 20 && strings.HasPrefix(sscc, "00") {
			sscc = sscc[2:] // written with its AI (00)
		}
		if len(sscc) == 18 && strings.Trim(sscc, "0123456789") == "" {
			p.SSCC = sscc // MAN*GM carries only a well-formed SSCC
		}
		for _, it := range c.Items {
			item := edi.ShipItem{Qty: it.Qty, UOM: "EA", IDs: edi.ItemIDs{"BP": it.SKU}, IDOrder: []string{"BP"}}
			if i, ok := bySKU[it.SKU]; ok {
				pl := e.PO.Lines[i]
				item.LineID, item.IDs, item.IDOrder = pl.ID, pl.IDs, pl.IDOrder
				if len(item.IDs) == 0 {
					item.IDs, item.IDOrder = edi.ItemIDs{"BP": it.SKU}, []string{"BP"}
				}
			}
			p.Items = append(p.Items, item)
		}
		so.Packs = append(so.Packs, p)
	}
	notice.Orders = []edi.ShipOrder{so}
	_, err = queueDoc(ctx, tx, "856", "shipment:"+sh.ID, orderID, e.Us, e.Partner, false, "SH", notice.Segments(), now)
	return err
}

// shipFrom is the ship-from party of a shipment: its site, or the
// drop-ship supplier.
func shipFrom(ctx context.Context, q querier, site string) (edi.Address, error) {
	var body string
	err := q.QueryRowContext(ctx, "SELECT body FROM sites WHERE id = ?", site).Scan(&body)
	if err == nil {
		var s oms.Site
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			return edi.Address{}, err
		}
		a := ediAddress("SF", s.Address)
		a.Name, a.IDQual, a.ID = edi.Clean(s.Name, 60), "92", s.ID
		return a, nil
	}
	return supplierAddress(ctx, q, site)
}

// EDIFileResult is what became of one inbound file.
type EDIFileResult struct {
	// FileID is the file's row in edi_files.
	FileID int64
	// Accepted is true when everything in the file was applied; false
	// when nothing was (the file belongs in the rejected folder).
	Accepted bool
	// Duplicate is true when this name and content were processed before;
	// nothing was done this time.
	Duplicate bool
	// Ack is the interchange answering the file: a TA1 when the sender
	// asked for one (ISA14 1) or the envelope itself is bad, and a 997 for
	// the groups; the TA1 goes first in the same interchange, or alone
	// when there is no 997 to send. Empty when there is nothing to answer
	// or the file is not X12 at all. A duplicate returns the answer that
	// was sent the first time.
	Ack []byte
	// ReceivedTA1 are the TA1s the file carried: the partner
	// acknowledging interchanges we sent. They change nothing and are
	// never answered with a TA1.
	ReceivedTA1 []edi.InterchangeAck
	// Orders are the orders the file created.
	Orders []string
	// Problems are what was wrong with it.
	Problems edi.Errors
	// Err is set when the file is not X12 at all.
	Err error
}

// ProcessEDIFile applies one inbound X12 file in one transaction: 850s
// become orders on channel edi, a supplier's 856 records its drop-ship
// shipment, 997s and TA1s are taken note of. The file is applied whole or
// not at all: any problem in any set rejects the file, stores nothing but
// the file's record and its answer, and every problem is named in the 997
// (segment, position, element); a problem with the interchange envelope
// itself is also answered by a TA1 rejecting it. The same name and
// content is processed once, however often it is offered, and answered
// once.
func (s *Store) ProcessEDIFile(ctx context.Context, name string, data []byte) (EDIFileResult, error) {
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	var res EDIFileResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = EDIFileResult{}
		var status string
		err := tx.QueryRowContext(ctx, "SELECT id, status FROM edi_files WHERE name = ? AND sha256 = ?", name, hash).Scan(&res.FileID, &status)
		if err == nil {
			res.Duplicate, res.Accepted = true, status == "accepted"
			_ = tx.QueryRowContext(ctx, "SELECT body FROM edi_outbound WHERE kind = '997' AND ref = ?", "file:"+strconv.FormatInt(res.FileID, 10)).Scan(&res.Ack)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("edi file %s: %w", name, err)
		}
		now := s.now()
		ic, perr := edi.Parse(data)
		if perr != nil {
			res.Err = fmt.Errorf("edi file %s: %w", name, perr)
			return s.recordEDIFile(ctx, tx, &res, name, hash, "rejected", "", "", perr.Error(), now)
		}
		problems := append(edi.Errors(nil), ic.Problems...)
		var apply []func() error
		if len(problems) == 0 {
			for gi, g := range ic.Groups {
				for si, set := range g.Sets {
					fn, errs := s.prepareSet(ctx, tx, ic, g, set, gi, si, &res, now)
					problems = append(problems, errs...)
					if fn != nil {
						apply = append(apply, fn)
					}
				}
			}
		}
		if len(problems) == 0 {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT edifile"); err != nil {
				return err
			}
			for _, fn := range apply {
				if err := fn(); err != nil {
					var se *edi.SyntaxError
					if !errors.As(err, &se) {
						return err
					}
					problems = append(problems, se)
					break
				}
			}
			if len(problems) > 0 {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO edifile"); err != nil {
					return err
				}
				res.Orders = nil
			}
			if _, err := tx.ExecContext(ctx, "RELEASE edifile"); err != nil {
				return err
			}
		}
		res.Problems = problems
		status = "accepted"
		if len(problems) > 0 {
			status = "rejected"
		}
		res.Accepted = status == "accepted"
		// A partner's acknowledgment of what we sent: kept in the file's
		// record only, like its 997s.
		res.ReceivedTA1 = ic.TA1
		detail := problems.Error()
		for _, a := range ic.TA1 {
			if detail != "" {
				detail += "\n"
			}
			detail += a.String()
		}
		if err := s.recordEDIFile(ctx, tx, &res, name, hash, status, ic.ISA.SenderID, ic.ISA.Control, detail, now); err != nil {
			return err
		}
		// The 997: one per received group, back to the sender. An
		// interchange without groups has nothing for a 997 to say unless
		// something is wrong with it.
		var sets [][]edi.Segment
		if len(ic.Groups) > 0 || len(problems) > 0 {
			for _, a := range edi.Acknowledge(ic, problems, len(problems) > 0) {
				if a.FunctionalID == "FA" && a.Status == "A" {
					continue // an accepted 997 is not itself acknowledged
				}
				sets = append(sets, a.Segments())
			}
		}
		// The TA1, in the same interchange: asked for, or rejecting a bad
		// envelope.
		ta1, wantTA1 := edi.InterchangeAnswer(ic)
		if len(sets) == 0 && !wantTA1 {
			return nil
		}
		us := edi.Party{Qual: ic.ISA.ReceiverQual, ID: ic.ISA.ReceiverID}
		them := edi.Party{Qual: ic.ISA.SenderQual, ID: ic.ISA.SenderID}
		if len(ic.Groups) > 0 {
			us.App, them.App = ic.Groups[0].Receiver, ic.Groups[0].Sender
		}
		isaOK := len(us.Qual) == 2 && us.ID != "" && len(them.Qual) == 2 && them.ID != "" && edi.Clean(them.ID, 15) == them.ID && edi.Clean(us.ID, 15) == us.ID
		appsOK := edi.Clean(them.App, 15) == them.App && edi.Clean(us.App, 15) == us.App
		var ta1s []edi.Segment
		if wantTA1 && isaOK {
			ta1s = []edi.Segment{ta1.Segment()}
		}
		if len(sets) > 0 && (!isaOK || !appsOK) {
			// Too broken to know who to answer: the 997 goes only beside
			// the file in the rejected folder. A TA1 needs only the ISA:
			// when that names the sender, it still goes, alone.
			self, _, err := ediSelf(ctx, tx)
			if err != nil {
				return err
			}
			out := edi.Outgoing{From: self, To: edi.Party{Qual: "ZZ", ID: "UNKNOWN"}, Control: 1, At: now,
				Groups: []edi.OutGroup{{FunctionalID: "FA", SetID: "997", Sets: sets}}}
			if res.Ack, err = out.Write(); err != nil {
				return err
			}
			sets = nil
		}
		if len(ta1s) == 0 && len(sets) == 0 {
			return nil
		}
		ref := "file:" + strconv.FormatInt(res.FileID, 10)
		if _, err := queueAcks(ctx, tx, ref, us, them, ta1s, sets, now); err != nil {
			return err
		}
		if len(res.Ack) > 0 {
			return nil // the 997 beside the file; its TA1 went out alone
		}
		return tx.QueryRowContext(ctx, "SELECT body FROM edi_outbound WHERE kind = '997' AND ref = ?", ref).Scan(&res.Ack)
	})
	if err != nil {
		return EDIFileResult{}, err
	}
	return res, nil
}

// queueAcks queues the interchange answering a received file, once: its
// TA1s, then one 997 group of sets. (ref is "file:<id>".) It is kept as
// kind 997 even when it holds a TA1 alone: the queue's kinds are fixed
// by migration 0005, and (kind, ref) is what makes the answer to a file
// go once. Its file name says what it holds: 997-... or TA1-....
func queueAcks(ctx context.Context, tx *sql.Tx, ref string, us, them edi.Party, ta1 []edi.Segment, sets [][]edi.Segment, now time.Time) (bool, error) {
	// queueDoc takes one set; a 997 interchange may hold several.
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM edi_outbound WHERE kind = '997' AND ref = ?", ref).Scan(&one); err == nil {
		return false, nil
	}
	ctl, err := nextCounter(ctx, tx, "edi_interchange")
	if err != nil {
		return false, err
	}
	ctl = (ctl-1)%999999999 + 1
	out := edi.Outgoing{From: us, To: them, Control: ctl, At: now, TA1: ta1}
	what := "997"
	if len(sets) > 0 {
		out.Groups = []edi.OutGroup{{FunctionalID: "FA", SetID: "997", Sets: sets}}
	} else {
		what = "TA1"
	}
	data, err := out.Write()
	if err != nil {
		return false, fmt.Errorf("%s for %s: %w", what, ref, err)
	}
	name := fmt.Sprintf("%s-%s-%09d.x12", what, safeName(them.ID), ctl)
	_, err = tx.ExecContext(ctx, `INSERT INTO edi_outbound (kind, ref, partner, control, file_name, body, created_at) VALUES ('997', ?, ?, ?, ?, ?, ?)`,
		ref, them.ID, ctl, name, data, timestamp(now))
	return err == nil, err
}

func (s *Store) recordEDIFile(ctx context.Context, tx *sql.Tx, res *EDIFileResult, name, hash, status, sender, control, detail string, now time.Time) error {
	if len(detail) > 4000 {
		detail = detail[:4000]
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO edi_files (name, sha256, status, sender, interchange, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		name, hash, status, sender, control, detail, timestamp(now)).Scan(&res.FileID)
	if err != nil {
		return fmt.Errorf("edi file %s: %w", name, err)
	}
	return nil
}

// prepareSet checks one transaction set against the database without
// writing and returns what applying it would do. Problems are named by
// segment and element for the 997.
func (s *Store) prepareSet(ctx context.Context, tx *sql.Tx, ic *edi.Interchange, g edi.Group, set edi.Set, gi, si int, res *EDIFileResult, now time.Time) (func() error, edi.Errors) {
	switch set.ID {
	case "850":
		po, errs := edi.ReadPO(set, gi, si)
		if len(errs) > 0 {
			return nil, errs
		}
		return s.preparePO(ctx, tx, ic, g, set, gi, si, po, res, now)
	case "856":
		asn, errs := edi.ReadShipNotice(set, gi, si)
		if len(errs) > 0 {
			return nil, errs
		}
		return prepareSupplierASN(ctx, tx, ic, set, gi, si, asn, now)
	case "997":
		fa, errs := edi.ReadFuncAck(set, gi, si)
		if len(errs) > 0 {
			return nil, errs
		}
		_ = fa // a partner's acknowledgment of what we sent: kept in the file's record only
		return nil, nil
	case "855":
		_, errs := edi.ReadPOAck(set, gi, si)
		return nil, errs // a supplier's acknowledgment of our 850: nothing to apply
	}
	st := set.Segments[0]
	return nil, edi.Errors{{Segment: "ST", SetPos: 1, Line: st.Line, Element: 1, Ref: "143", SegCode: edi.SegElementErrors, ElemCode: edi.ElemInvalidCode,
		Bad: set.ID, SetCode: edi.SetNotSupported, Msg: fmt.Sprintf("transaction set %s is not one Packline reads (850, 856, 855, 997)", set.ID), Group: gi, Set: si}}
}

// elemErr builds a problem about element el of segment seg in a set.
func elemErr(seg edi.Segment, gi, si int, loop string, el int, ref, code, bad, format string, args ...any) *edi.SyntaxError {
	return &edi.SyntaxError{Segment: seg.ID, SetPos: seg.SetPos, Line: seg.Line, Loop: loop, Element: el, Ref: ref, SegCode: edi.SegElementErrors,
		ElemCode: code, Bad: bad, SetCode: edi.SetSegmentsInError, Msg: fmt.Sprintf(format, args...), Group: gi, Set: si}
}

// nthSegment finds the n-th (from 0) segment with id in a set, or the
// first segment after it whose id is next (when next is not empty).
func nthSegment(set edi.Set, id string, n int, match func(edi.Segment) bool) (edi.Segment, bool) {
	for _, s := range set.Segments {
		if s.ID == id && (match == nil || match(s)) {
			if n == 0 {
				return s, true
			}
			n--
		}
	}
	return edi.Segment{}, false
}

// partySegment finds segment id (N1, N3, N4) of the N1 loop with entity code.
func partySegment(set edi.Set, code, id string) edi.Segment {
	in := false
	for _, s := range set.Segments {
		switch {
		case s.ID == "N1":
			in = s.El(1) == code
			if in && id == "N1" {
				return s
			}
		case s.ID == "PO1":
			in = false
		case in && s.ID == id:
			return s
		}
	}
	s, _ := nthSegment(set, "N1", 0, func(s edi.Segment) bool { return s.El(1) == code })
	return s
}

// preparePO maps an 850 to an order on channel edi.
func (s *Store) preparePO(ctx context.Context, tx *sql.Tx, ic *edi.Interchange, g edi.Group, set edi.Set, gi, si int, po edi.PurchaseOrder, res *EDIFileResult, now time.Time) (func() error, edi.Errors) {
	beg, _ := nthSegment(set, "BEG", 0, nil)
	// What the 855 and 856 echo back must be writable with Packline's
	// delimiters (* > ~): refused now rather than stuck later.
	var unsafe edi.Errors
	echo := func(seg edi.Segment, el int, ref, v string) {
		if strings.ContainsAny(v, "*>~\r\n") {
			unsafe = append(unsafe, elemErr(seg, gi, si, "", el, ref, edi.ElemInvalidChar, v, "%s%02d %q contains * > or ~, which Packline's answers cannot carry", seg.ID, el, v))
		}
	}
	echo(beg, 3, "324", po.Number)
	for i, l := range po.Lines {
		seg, _ := nthSegment(set, "PO1", i, nil)
		echo(seg, 1, "350", l.ID)
		for k, q := range l.IDOrder {
			echo(seg, 7+2*k, "234", l.IDs[q])
		}
	}
	if len(unsafe) > 0 {
		return nil, unsafe
	}
	var existing, partner string
	err := tx.QueryRowContext(ctx, `SELECT o.id, coalesce(e.partner_id, '') FROM orders o LEFT JOIN edi_orders e ON e.order_id = o.id
		WHERE o.channel = ? AND o.external_id = ?`, oms.ChannelEDI, po.Number).Scan(&existing, &partner)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return func() error { return err }, nil
	}
	if existing != "" && partner != ic.ISA.SenderID {
		// Orders are unique on (edi, PO number): another buyer's PO with
		// the same number is refused, never silently dropped, and another
		// buyer can never cancel it.
		return nil, edi.Errors{elemErr(beg, gi, si, "", 3, "324", edi.ElemInvalidCode, po.Number,
			"purchase order number %q is already used by another trading partner's order %s", po.Number, existing)}
	}
	if po.Purpose == "01" {
		if existing == "" {
			return nil, edi.Errors{elemErr(beg, gi, si, "", 3, "324", edi.ElemInvalidCode, po.Number, "cancellation of purchase order %q, which Packline does not have", po.Number)}
		}
		return func() error {
			o, err := loadOrder(ctx, tx, existing)
			if err != nil || o.State == oms.StateCancelled {
				return err
			}
			if err := transition(ctx, tx, &o, oms.StateCancelled, now, "edi", "cancelled by the buyer's 850 "+po.Number); err != nil {
				return elemErr(beg, gi, si, "", 1, "353", edi.ElemInvalidCode, "01", "purchase order %s cannot be cancelled now: %v", po.Number, err)
			}
			if err := deallocate(ctx, tx, o.ID, now, "edi"); err != nil {
				return err
			}
			if err := cancelDropShips(ctx, tx, o.ID, now, "edi"); errors.Is(err, ErrConflict) {
				// The supplier cannot be told: the order stays, and the
				// buyer hears so rather than the folder stopping on it.
				return elemErr(beg, gi, si, "", 1, "353", edi.ElemInvalidCode, "01", "purchase order %s cannot be cancelled now: %v", po.Number, err)
			} else if err != nil {
				return err
			}
			return tellStations(ctx, tx, &o, &oms.TaskOrderCancelled{Reason: "cancelled by the buyer"}, now, true)
		}, nil
	}
	if existing != "" {
		return nil, nil // sent again: the order is already captured and answered
	}
	defCurrency, shipComplete := ediOrderDefaults(ctx, tx)
	in := OrderInput{Channel: oms.ChannelEDI, ExternalID: po.Number, Currency: po.Currency, ShipComplete: shipComplete}
	if in.Currency == "" {
		in.Currency = defCurrency
	}
	st, ok := po.Party("ST")
	if !ok {
		return nil, edi.Errors{{Segment: "N1", SetPos: 2, Line: beg.Line, Loop: "N1", SegCode: edi.SegMandatoryMissing, SetCode: edi.SetSegmentsInError,
			Msg: "the ship-to (N1*ST loop) is missing", Group: gi, Set: si}}
	}
	in.ShipTo = oms.Address{Name: st.Name, Company: st.Name2, Street1: st.Street1, Street2: st.Street2, City: st.City, Region: st.Region,
		PostalCode: st.Postal, Country: st.Country, Phone: st.Phone, Email: st.Email}
	if err := in.ShipTo.Validate(); err != nil {
		field, _, _ := strings.Cut(err.Error(), ":")
		seg, el, ref := partySegment(set, "ST", "N1"), 2, "93"
		switch field {
		case "street1", "street2":
			seg, el, ref = partySegment(set, "ST", "N3"), 1, "166"
		case "city":
			seg, el, ref = partySegment(set, "ST", "N4"), 1, "19"
		case "region":
			seg, el, ref = partySegment(set, "ST", "N4"), 2, "156"
		case "postal_code":
			seg, el, ref = partySegment(set, "ST", "N4"), 3, "116"
		case "country":
			seg, el, ref = partySegment(set, "ST", "N4"), 4, "26"
		}
		if seg.ID == "" {
			seg = partySegment(set, "ST", "N1")
		}
		return nil, edi.Errors{elemErr(seg, gi, si, "N1", el, ref, edi.ElemMandatoryMissing, seg.El(el), "ship-to %v", err)}
	}
	buyer := st
	for _, code := range []string{"BY", "BT"} {
		if a, ok := po.Party(code); ok && a.Name != "" {
			buyer = a
			break
		}
	}
	in.Customer = oms.Customer{Name: buyer.Name, Email: firstNonEmpty(st.Email, buyer.Email, po.Contact.Email), Phone: firstNonEmpty(st.Phone, po.Contact.Phone)}
	if in.Customer.Name == "" {
		in.Customer.Name = firstNonEmpty(st.Name, st.Name2, g.Sender)
	}
	if _, err := mail.ParseAddress(in.Customer.Email); in.Customer.Email != "" && err != nil {
		in.Customer.Email = "" // an unusable address is not a reason to refuse the order
	}
	for _, q := range []string{"002", "010", "038"} {
		if d := edi.DateOf(po.Dates, q); !d.IsZero() {
			in.PromisedAt = d
			break
		}
	}
	exp, ok := oms.CurrencyExponent(in.Currency)
	if !ok {
		cur, _ := nthSegment(set, "CUR", 0, nil)
		return nil, edi.Errors{elemErr(cur, gi, si, "", 2, "100", edi.ElemInvalidCode, in.Currency, "CUR02 %q is not an ISO 4217 currency code", in.Currency)}
	}
	var problems edi.Errors
	maps := make([]poLineMap, len(po.Lines))
	for i, l := range po.Lines {
		seg, _ := nthSegment(set, "PO1", i, nil)
		sku, reject := resolveItem(ctx, tx, l)
		price := int64(0)
		if l.UnitPrice != "" {
			p, err := parseAmount(l.UnitPrice, exp)
			if err != nil {
				problems = append(problems, elemErr(seg, gi, si, "PO1", 4, "212", edi.ElemInvalidChar, l.UnitPrice, "PO104 unit price: %v", err))
				continue
			}
			price = p
		}
		switch {
		case reject != "":
		case l.UOM != "EA":
			reject = fmt.Sprintf("unit of measure %s: Packline takes orders in EA (each)", l.UOM)
		case l.Qty <= 0 || l.Qty > 100000:
			reject = fmt.Sprintf("quantity %d is not 1 to 100000", l.Qty)
		}
		if reject != "" {
			maps[i] = poLineMap{Reject: reject}
			continue
		}
		in.Lines = append(in.Lines, LineInput{SKU: sku, Qty: l.Qty, UnitPrice: price})
		maps[i] = poLineMap{LineNo: len(in.Lines), SKU: sku}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	body, err := json.Marshal(storedPO{PO: po, Lines: maps})
	if err != nil {
		return func() error { return err }, nil
	}
	us := edi.Party{Qual: ic.ISA.ReceiverQual, ID: ic.ISA.ReceiverID, App: g.Receiver}
	them := edi.Party{Qual: ic.ISA.SenderQual, ID: ic.ISA.SenderID, App: g.Sender}
	if len(in.Lines) == 0 {
		// Nothing on it can be taken: answered with a rejecting 855, no order.
		return func() error {
			e := &ediOrder{OrderID: "", Partner: them, Us: us, PO: po, LineMaps: maps}
			ack := buildPOAck(e, now)
			for i := range ack.Lines {
				ack.Lines[i].Statuses = []edi.AckStatus{{Code: edi.AckRejected, Qty: ack.Lines[i].Qty, UOM: ack.Lines[i].UOM}}
			}
			ack.Type = edi.AckTypeRejected
			_, err := queueDoc(ctx, tx, "855", "po:"+them.ID+":"+po.Number, "", us, them, false, "PR", ack.Segments(), now)
			return err
		}, nil
	}
	o := in.Order()
	if err := o.Validate(); err != nil {
		return nil, edi.Errors{elemErr(beg, gi, si, "", 3, "324", edi.ElemInvalidCode, po.Number, "purchase order %s cannot become an order: %v", po.Number, err)}
	}
	return func() error {
		id, err := captureTx(ctx, tx, &o, now, "edi")
		if err != nil {
			return elemErr(beg, gi, si, "", 3, "324", edi.ElemInvalidCode, po.Number, "purchase order %s: %v", po.Number, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO edi_orders (order_id, po_number, partner_qual, partner_id, partner_gs, our_qual, our_id, our_gs, body, file_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`, id, po.Number, them.Qual, them.ID, them.App, us.Qual, us.ID, us.App, string(body)); err != nil {
			return fmt.Errorf("edi order %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO drop_ship_lines (order_id, line_no, supplier)
			SELECT l.order_id, l.line_no, d.supplier FROM order_lines l JOIN drop_ship_skus d ON d.sku = l.sku WHERE l.order_id = ?`, id); err != nil {
			return fmt.Errorf("edi order %s drop-ship lines: %w", id, err)
		}
		res.Orders = append(res.Orders, id)
		return nil
	}, nil
}

// ediOrderDefaults are the [edi] currency and ship_complete settings.
func ediOrderDefaults(ctx context.Context, tx *sql.Tx) (currency string, shipComplete bool) {
	err := tx.QueryRowContext(ctx, "SELECT currency, ship_complete FROM edi_settings WHERE id = 1").Scan(&currency, &shipComplete)
	if err != nil {
		return "USD", false
	}
	return currency, shipComplete
}

// resolveItem finds the SKU a PO line asks for: by our SKU or the
// vendor's part number (SK, VP, VN), else by the buyer's item (BP, IN)
// or a GTIN (UP, EN, UK) through the barcodes table. A line no ID finds
// is rejected, with the reason.
func resolveItem(ctx context.Context, q querier, l edi.POLine) (string, string) {
	for _, qual := range []string{"SK", "VP", "VN"} {
		if v := l.IDs[qual]; v != "" {
			var sku string
			if err := q.QueryRowContext(ctx, "SELECT sku FROM skus WHERE sku = ?", v).Scan(&sku); err == nil {
				return sku, ""
			}
		}
	}
	for _, qual := range []string{"UK", "EN", "UP", "BP", "IN", "UA", "UI"} {
		if v := l.IDs[qual]; v != "" {
			var sku string
			if err := q.QueryRowContext(ctx, "SELECT sku FROM barcodes WHERE lookup_key = ?", oms.LookupKey(v)).Scan(&sku); err == nil {
				return sku, ""
			}
			if qual == "BP" || qual == "IN" {
				if err := q.QueryRowContext(ctx, "SELECT sku FROM skus WHERE sku = ?", v).Scan(&sku); err == nil {
					return sku, ""
				}
			}
		}
	}
	var ids []string
	for _, q := range l.IDOrder {
		ids = append(ids, q+" "+l.IDs[q])
	}
	return "", "unknown item (" + strings.Join(ids, ", ") + ")"
}

// captureTx is Store.Capture's insert within the caller's transaction
// (the EDI file's): o has passed Validate and is not yet stored.
func captureTx(ctx context.Context, tx *sql.Tx, o *oms.Order, now time.Time, by string) (string, error) {
	for i, l := range o.Lines {
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT 1 FROM skus WHERE sku = ?", l.SKU).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("%w order: lines[%d].sku: %w %q", oms.ErrInvalid, i+1, ErrUnknownSKU, l.SKU)
		} else if err != nil {
			return "", err
		}
	}
	n, err := nextCounter(ctx, tx, "order")
	if err != nil {
		return "", err
	}
	o.ID = fmt.Sprintf("PL%08d", n)
	o.Version = 1
	o.Created = now
	if err := insertOrder(ctx, tx, o, now); err != nil {
		return "", fmt.Errorf("capture order %s/%s: %w", o.Channel, o.ExternalID, err)
	}
	return o.ID, addHistory(ctx, tx, o.ID, oms.StateReceived, now, by, "captured from edi")
}

// prepareSupplierASN maps a supplier's 856 to the drop-ship lines it
// ships: each order level names our 850 (PRF01), each item our SKU (BP)
// or the PO line (LIN01).
func prepareSupplierASN(ctx context.Context, tx *sql.Tx, ic *edi.Interchange, set edi.Set, gi, si int, asn edi.ShipNotice, now time.Time) (func() error, edi.Errors) {
	var supplier string
	err := tx.QueryRowContext(ctx, "SELECT id FROM edi_suppliers WHERE isa_id = ?", ic.ISA.SenderID).Scan(&supplier)
	if errors.Is(err, sql.ErrNoRows) {
		bsn, _ := nthSegment(set, "BSN", 0, nil)
		return nil, edi.Errors{elemErr(bsn, gi, si, "", 2, "396", edi.ElemInvalidCode, asn.ShipmentID,
			"ship notice from %q, which is not a configured drop-ship supplier (edi.suppliers isa_id)", ic.ISA.SenderID)}
	}
	if err != nil {
		return func() error { return err }, nil
	}
	var problems edi.Errors
	type shipLine struct {
		lineNo int
		sku    string
		qty    int
	}
	type plan struct {
		orderID string
		sh      oms.Shipment
		lines   []shipLine
	}
	var plans []plan
	itemN := 0
	for oi, so := range asn.Orders {
		prf, _ := nthSegment(set, "PRF", oi, nil)
		rows, err := tx.QueryContext(ctx, `SELECT d.order_id, d.line_no, l.sku, l.qty - l.shipped FROM drop_ship_lines d
			JOIN order_lines l ON l.order_id = d.order_id AND l.line_no = d.line_no
			WHERE d.po_number = ? AND d.supplier = ? AND d.state = 'ordered' ORDER BY d.line_no`, so.PONumber, supplier)
		if err != nil {
			return func() error { return err }, nil
		}
		var orderID string
		open := map[int]*shipLine{}
		var order []int
		for rows.Next() {
			var l shipLine
			if err := rows.Scan(&orderID, &l.lineNo, &l.sku, &l.qty); err != nil {
				rows.Close()
				return func() error { return err }, nil
			}
			open[l.lineNo] = &l
			order = append(order, l.lineNo)
		}
		rows.Close()
		if orderID == "" {
			why := "is not an open drop-ship purchase order of supplier " + supplier
			var cancelled string
			if tx.QueryRowContext(ctx, "SELECT order_id FROM drop_ship_lines WHERE po_number = ? AND supplier = ? AND state = 'cancelled' LIMIT 1",
				so.PONumber, supplier).Scan(&cancelled) == nil {
				why = fmt.Sprintf("was cancelled with order %s (a cancellation 850 went to supplier %s)", cancelled, supplier)
			}
			problems = append(problems, elemErr(prf, gi, si, "HL", 1, "324", edi.ElemInvalidCode, so.PONumber, "PRF01 %q %s", so.PONumber, why))
			continue
		}
		tracking := asn.Tracking
		sh := oms.Shipment{ID: "DS-" + supplier + "-" + asn.ShipmentID, OrderID: orderID, Site: supplier, Carrier: asn.Carrier, Service: asn.Service}
		if len(asn.Orders) > 1 {
			sh.ID += "-" + strconv.Itoa(oi+1)
		}
		if !asn.ShipDate.IsZero() {
			sh.ShippedAt = asn.ShipDate
		}
		p := plan{orderID: orderID}
		for _, pk := range so.Packs {
			c := oms.Carton{SSCC: pk.SSCC, Type: "supplier"}
			if tracking == "" {
				tracking = pk.Tracking
			}
			for _, it := range pk.Items {
				lin, _ := nthSegment(set, "LIN", itemN, nil)
				sn1, _ := nthSegment(set, "SN1", itemN, nil)
				itemN++
				var target *shipLine
				if n, err := strconv.Atoi(it.LineID); err == nil && open[n] != nil {
					target = open[n]
				}
				if target == nil {
					for _, n := range order {
						if l := open[n]; l.sku == it.IDs["BP"] || l.sku == it.IDs["VP"] || l.sku == it.IDs["SK"] {
							target = l
							break
						}
					}
				}
				if target == nil {
					problems = append(problems, elemErr(lin, gi, si, "HL", 3, "234", edi.ElemInvalidCode, it.IDs["BP"],
						"item %v is not on purchase order %s", it.IDs, so.PONumber))
					continue
				}
				if it.Qty <= 0 || it.Qty > target.qty {
					problems = append(problems, elemErr(sn1, gi, si, "HL", 2, "382", edi.ElemInvalidCode, strconv.Itoa(it.Qty),
						"SN102 ships %d of %s, but %d are open on purchase order %s", it.Qty, target.sku, target.qty, so.PONumber))
					continue
				}
				target.qty -= it.Qty
				c.Items = append(c.Items, oms.PackedItem{SKU: target.sku, Qty: it.Qty})
				p.lines = append(p.lines, shipLine{lineNo: target.lineNo, sku: target.sku, qty: it.Qty})
			}
			if len(c.Items) > 0 {
				sh.Cartons = append(sh.Cartons, c)
			}
		}
		sh.TrackingNumber = tracking
		if err := validateShipment(orderID, &sh); err != nil && len(problems) == 0 {
			bsn, _ := nthSegment(set, "BSN", 0, nil)
			problems = append(problems, elemErr(bsn, gi, si, "", 2, "396", edi.ElemInvalidCode, asn.ShipmentID, "%v", err))
		}
		p.sh = sh
		plans = append(plans, p)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return func() error {
		for _, p := range plans {
			lines := map[int]int{}
			for _, l := range p.lines {
				lines[l.lineNo] += l.qty
			}
			if err := recordDropShipment(ctx, tx, p.orderID, p.sh, lines, now, "supplier/"+supplier); err != nil {
				if errors.Is(err, ErrConflict) || errors.Is(err, oms.ErrInvalid) {
					// The order cannot take it now (cancelled, on hold):
					// the file is refused with a 997, not retried for ever.
					bsn, _ := nthSegment(set, "BSN", 0, nil)
					return elemErr(bsn, gi, si, "", 2, "396", edi.ElemInvalidCode, asn.ShipmentID, "%v", err)
				}
				return err
			}
		}
		return nil
	}, nil
}

// RecordDropShipment records a supplier's shipment of drop-ship lines
// (lineNo -> units) that came by API rather than an 856.
func (s *Store) RecordDropShipment(ctx context.Context, orderID string, sh oms.Shipment, lines map[int]int, by string) error {
	if err := validateShipment(orderID, &sh); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return recordDropShipment(ctx, tx, orderID, sh, lines, s.now(), by) })
}

// recordDropShipment is a supplier's shipment: the drop-ship lines'
// units move to shipped (no site stock is touched), the shipment is
// stored like any other, so the customer sees it on the order and its
// tracking page, and is told. The order becomes shipped when nothing is
// left; otherwise it becomes partially_shipped where the lifecycle allows
// (from packed or partially_shipped), and elsewhere (the floor still
// working, or waiting for stock) keeps its state with a history note and a
// partially_shipped notification carrying the tracking number.
func recordDropShipment(ctx context.Context, tx *sql.Tx, orderID string, sh oms.Shipment, lines map[int]int, now time.Time, by string) error {
	if done, err := shipmentRecorded(ctx, tx, orderID, sh.ID); done || err != nil {
		return err
	}
	o, err := loadOrder(ctx, tx, orderID)
	if err != nil {
		return err
	}
	if o.State == oms.StateCancelled || o.State == oms.StateOnHold {
		return fmt.Errorf("%w: drop-ship shipment %s: order %s is %s", ErrConflict, sh.ID, o.ID, o.State)
	}
	if sh.ShippedAt.IsZero() {
		sh.ShippedAt = now
	}
	for lineNo, q := range lines {
		res, err := tx.ExecContext(ctx, `UPDATE order_lines SET shipped = shipped + ?1 WHERE order_id = ?2 AND line_no = ?3 AND qty - shipped - allocated >= ?1
			AND EXISTS (SELECT 1 FROM drop_ship_lines d WHERE d.order_id = ?2 AND d.line_no = ?3)`, q, orderID, lineNo)
		if err != nil {
			return fmt.Errorf("drop-ship shipment %s line %d: %w", sh.ID, lineNo, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: drop-ship shipment %s: order %s line %d is not a drop-ship line with %d units open", ErrConflict, sh.ID, orderID, lineNo, q)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE drop_ship_lines SET state = 'shipped' WHERE order_id = ? AND line_no = ?
			AND (SELECT qty - shipped FROM order_lines WHERE order_id = ? AND line_no = ?) = 0`, orderID, lineNo, orderID, lineNo); err != nil {
			return err
		}
	}
	left, err := insertShipment(ctx, tx, o.ID, sh)
	if err != nil {
		return fmt.Errorf("record drop-ship shipment %s: %w", sh.ID, err)
	}
	note := fmt.Sprintf("drop-ship shipment %s from %s: %s %s", sh.ID, sh.Site, sh.Carrier, sh.TrackingNumber)
	switch {
	case left == 0 && o.State == oms.StatePartiallyShipped || left == 0 && o.State == oms.StatePacked:
		err = transition(ctx, tx, &o, oms.StateShipped, now, by, note)
	case left == 0:
		// Nothing was on the floor (every line drop-shipped): walk the
		// lifecycle to packed so the history stays lawful, then ship.
		if o.State == oms.StateAllocated {
			err = transition(ctx, tx, &o, oms.StateReleased, now, by, "released to supplier "+sh.Site)
		}
		if err == nil {
			err = advance(ctx, tx, &o, oms.StatePacked, now, by)
		}
		if err == nil {
			err = transition(ctx, tx, &o, oms.StateShipped, now, by, note)
		}
	case o.State == oms.StatePacked:
		err = transition(ctx, tx, &o, oms.StatePartiallyShipped, now, by, note)
	default:
		if err = addHistory(ctx, tx, o.ID, o.State, now, by, note); err == nil {
			err = enqueueNotification(ctx, tx, &o, oms.StatePartiallyShipped, now)
		}
	}
	if err != nil {
		return fmt.Errorf("drop-ship shipment %s: %w", sh.ID, err)
	}
	return queueShipNotice(ctx, tx, o.ID, sh, now)
}

// EDIDoc is an outbound document waiting for the out folder.
type EDIDoc struct {
	ID       int64
	Kind     string
	Ref      string
	Partner  string
	OrderID  string
	FileName string
	Body     []byte
}

// PendingEDIDocs returns up to limit documents not yet written out, in
// the order they were queued.
func (s *Store) PendingEDIDocs(ctx context.Context, limit int) ([]EDIDoc, error) {
	return s.ediDocs(ctx, "written_at IS NULL", limit)
}

// EDIDocs returns the documents queued for an order (all kinds), oldest first.
func (s *Store) EDIDocs(ctx context.Context, orderID string) ([]EDIDoc, error) {
	return s.ediDocs(ctx, "order_id = ?", 1000, orderID)
}

func (s *Store) ediDocs(ctx context.Context, where string, limit int, args ...any) ([]EDIDoc, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, kind, ref, partner, order_id, file_name, body FROM edi_outbound WHERE "+where+" ORDER BY id LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("edi outbound: %w", err)
	}
	defer rows.Close()
	var out []EDIDoc
	for rows.Next() {
		var d EDIDoc
		if err := rows.Scan(&d.ID, &d.Kind, &d.Ref, &d.Partner, &d.OrderID, &d.FileName, &d.Body); err != nil {
			return nil, fmt.Errorf("edi outbound: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkEDIDocWritten records that a document is in the out folder.
func (s *Store) MarkEDIDocWritten(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, "UPDATE edi_outbound SET written_at = ? WHERE id = ?", timestamp(s.now()), id)
	if err != nil {
		return fmt.Errorf("edi outbound %d: %w", id, err)
	}
	return nil
}

// afterShipment runs in the transaction that records a shipment (called
// from recordShipment): the customer's 856 for an EDI order, and, when
// units of the order are still neither allocated nor shipped, a request
// that the next allocation pass look at it (stock may have come in while
// the first part was on the floor).
func afterShipment(ctx context.Context, tx *sql.Tx, orderID string, sh oms.Shipment, now time.Time) error {
	if err := wantRealloc(ctx, tx, orderID); err != nil {
		return err
	}
	return queueShipNotice(ctx, tx, orderID, sh, now)
}

// wantRealloc asks the allocator to look at the order again when some of
// its site-shipped lines have units neither allocated nor shipped.
func wantRealloc(ctx context.Context, tx *sql.Tx, orderID string) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO realloc_wanted (order_id)
		SELECT ?1 WHERE EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = ?1 AND l.qty > l.allocated + l.shipped
			AND NOT EXISTS (SELECT 1 FROM drop_ship_lines d WHERE d.order_id = l.order_id AND d.line_no = l.line_no))`, orderID)
	if err != nil {
		return fmt.Errorf("order %s: reallocation request: %w", orderID, err)
	}
	return nil
}

// releaseLeftovers frees what a station's shipment left allocated to the
// order at its site (called when a station's shipment.created is
// applied). A station ships one shipment per pack session, and closing
// the session closes its pick list: units allocated there but not in the
// shipment were not packed (a lead allowed a partial pack, or they were
// short), so their reservation goes back to available stock and the
// units go back to the allocator, which finds them elsewhere or
// backorders them. Without this the reservation of a partly delivered
// pick list would be held for ever.
func releaseLeftovers(ctx context.Context, tx *sql.Tx, orderID, site, shipmentID string, now time.Time, by string) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, line_no, location, sku, qty FROM allocations WHERE order_id = ? AND site = ?", orderID, site)
	if err != nil {
		return fmt.Errorf("order %s: leftovers at %s: %w", orderID, site, err)
	}
	type left struct {
		id            int64
		lineNo        int
		location, sku string
		qty           int
	}
	var ls []left
	for rows.Next() {
		var l left
		if err := rows.Scan(&l.id, &l.lineNo, &l.location, &l.sku, &l.qty); err != nil {
			rows.Close()
			return err
		}
		ls = append(ls, l)
	}
	rows.Close()
	if len(ls) == 0 {
		return nil
	}
	var freed []string
	for _, l := range ls {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM allocations WHERE id = ?", []any{l.id}},
			{"UPDATE order_lines SET allocated = allocated - ? WHERE order_id = ? AND line_no = ?", []any{l.qty, orderID, l.lineNo}},
			{"UPDATE stock SET allocated = allocated - ? WHERE site = ? AND location = ? AND sku = ?", []any{l.qty, site, l.location, l.sku}},
			{`INSERT INTO stock_moves (at, site, location, sku, delta_on_hand, delta_allocated, reason, ref, by)
				VALUES (?, ?, ?, ?, 0, ?, 'deallocate', ?, ?)`, []any{timestamp(now), site, l.location, l.sku, -l.qty, orderID, by}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return fmt.Errorf("order %s: free %d of %s at %s/%s: %w", orderID, l.qty, l.sku, site, l.location, err)
			}
		}
		freed = append(freed, fmt.Sprintf("%d %s", l.qty, l.sku))
	}
	if _, err := tx.ExecContext(ctx, "UPDATE assignments SET open = 0 WHERE order_id = ? AND site = ?", orderID, site); err != nil {
		return err
	}
	o, err := loadOrder(ctx, tx, orderID)
	if err != nil {
		return err
	}
	if err := addHistory(ctx, tx, orderID, o.State, now, by, fmt.Sprintf("shipment %s closed the pick list at %s; not shipped, reservation freed: %s",
		shipmentID, site, strings.Join(freed, ", "))); err != nil {
		return err
	}
	return wantRealloc(ctx, tx, orderID)
}

// shortPick takes a short pick's missing units out of the bin: the
// picker found them not there, so they leave on hand and the order's
// reservation of them ends (journalled as an adjustment). The line's
// units go back to the allocator after the order's shipment.
func shortPick(ctx context.Context, tx *sql.Tx, ev oms.Event, p *oms.PickShorted, now time.Time) error {
	missing := p.Wanted - p.Picked
	if missing <= 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, qty FROM allocations WHERE order_id = ? AND line_no = ? AND site = ? AND location = ? AND sku = ? ORDER BY id",
		ev.OrderID, p.LineNo, ev.Site, p.Location, p.SKU)
	if err != nil {
		return err
	}
	type alloc struct {
		id  int64
		qty int
	}
	var as []alloc
	for rows.Next() {
		var a alloc
		if err := rows.Scan(&a.id, &a.qty); err != nil {
			rows.Close()
			return err
		}
		as = append(as, a)
	}
	rows.Close()
	by := ev.Site + "/" + ev.Station
	for _, a := range as {
		if missing == 0 {
			break
		}
		q := min(a.qty, missing)
		missing -= q
		var err error
		if q == a.qty {
			_, err = tx.ExecContext(ctx, "DELETE FROM allocations WHERE id = ?", a.id)
		} else {
			_, err = tx.ExecContext(ctx, "UPDATE allocations SET qty = qty - ? WHERE id = ?", q, a.id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE order_lines SET allocated = allocated - ? WHERE order_id = ? AND line_no = ?", q, ev.OrderID, p.LineNo); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE stock SET on_hand = on_hand - ?1, allocated = allocated - ?1 WHERE site = ?2 AND location = ?3 AND sku = ?4",
			q, ev.Site, p.Location, p.SKU); err != nil {
			return fmt.Errorf("short pick of %s at %s/%s: %w", p.SKU, ev.Site, p.Location, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stock_moves (at, site, location, sku, delta_on_hand, delta_allocated, reason, ref, by)
			VALUES (?, ?, ?, ?, ?, ?, 'adjustment', ?, ?)`, timestamp(now), ev.Site, p.Location, p.SKU, -q, -q, "short pick "+ev.OrderID, by); err != nil {
			return err
		}
	}
	return nil
}
