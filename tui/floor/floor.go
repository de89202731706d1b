// Package floor is what the station screens do, without the screens: it
// resolves scans against the station cache, records facts through
// localdb.Record, prices and labels parcels and reports the station's
// status. Every method may block on SQLite, a printer or the network, so
// the screens call them only from tea.Cmds, never in Update.
package floor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	stdsync "sync"
	"time"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/printers"
	"github.com/packline/packline/scanner"
	"github.com/packline/packline/sync"
)

// Operator is someone who may sign in at the station.
type Operator struct {
	ID    string `toml:"id" json:"id"`
	Name  string `toml:"name" json:"name"`
	Badge string `toml:"badge" json:"badge"` // the badge's id, e.g. "1001" for BADGE-1001
	PIN   string `toml:"pin" json:"pin"`
	Lead  bool   `toml:"lead" json:"lead"` // may override (partial pack)
}

// DemoOperators are the operators of `make run` and the tests.
func DemoOperators() []Operator {
	return []Operator{
		{ID: "ana", Name: "Ana Packer", Badge: "1001", PIN: "1111"},
		{ID: "ben", Name: "Ben Picker", Badge: "1002", PIN: "2222"},
		{ID: "lee", Name: "Lee Lead", Badge: "9001", PIN: "9999", Lead: true},
	}
}

// ErrSignIn is returned for a badge or id/PIN that does not sign anyone in.
var ErrSignIn = errors.New("unknown badge or wrong id/PIN")

// SyncStater reports sync state; sync.Station implements it.
type SyncStater interface {
	State(ctx context.Context) (sync.State, error)
}

// Floor is one station's floor logic.
type Floor struct {
	DB        *localdb.DB
	Decoder   *scanner.Decoder
	Site      oms.Site
	Station   string
	Operators []Operator
	Cartons   []oms.CartonType
	Shipper   Shipper
	Templates *printers.Templates
	// Spooler and Printer print labels; with no spooler the station packs
	// without printing (and says so).
	Spooler *printers.Spooler
	Printer string
	// PrinterStatus asks the printer for its state; nil when none.
	PrinterStatus func(ctx context.Context) (printers.Status, error)
	// Sync reports connectivity; nil means no NATS is configured.
	Sync SyncStater
	// Scale is the pack bench's scale; nil when weights are typed.
	Scale *Scale
	Log   *slog.Logger

	mu      stdsync.Mutex // guards the fields below
	printer PrinterState
}

// SignInBadge finds the operator a badge scan belongs to.
func (f *Floor) SignInBadge(badge string) (Operator, error) {
	badge = strings.TrimSpace(badge)
	for _, o := range f.Operators {
		if o.Badge != "" && strings.EqualFold(o.Badge, badge) {
			return o, nil
		}
	}
	return Operator{}, fmt.Errorf("badge %q: %w", badge, ErrSignIn)
}

// SignInPIN checks an operator id and PIN.
func (f *Floor) SignInPIN(id, pin string) (Operator, error) {
	for _, o := range f.Operators {
		if strings.EqualFold(o.ID, strings.TrimSpace(id)) && o.PIN != "" && o.PIN == pin {
			return o, nil
		}
	}
	return Operator{}, fmt.Errorf("operator %q: %w", id, ErrSignIn)
}

// RecordSignIn reports the sign-in.
func (f *Floor) RecordSignIn(ctx context.Context, o Operator, method string) error {
	return f.DB.RecordSignIn(ctx, o.ID, &oms.OperatorSignedIn{Name: o.Name, Method: method})
}

// RecordSignOut reports the sign-out.
func (f *Floor) RecordSignOut(ctx context.Context, o Operator, reason string) error {
	return f.DB.RecordSignIn(ctx, o.ID, &oms.OperatorSignedOut{Reason: reason})
}

// Decode decodes a raw scan typed by a keyboard-wedge scanner, the same
// way scannerd decodes what it reads.
func (f *Floor) Decode(raw string) scanner.Scan { return f.Decoder.Decode([]byte(raw)) }

// RecordRefusal writes a refused scan (rec with reason) to the station's
// record and returns the operator's message: text, and if the write failed
// a note saying so, so that a refusal missing from the record never looks
// like one that is on disk. A scan with no bytes is not recorded.
func (f *Floor) RecordRefusal(ctx context.Context, sc localdb.ScanContext, rec oms.ScanRecorded, reason, text string) string {
	rec.Accepted, rec.Reason = false, reason
	if rec.Raw == "" {
		return text
	}
	if _, err := f.DB.RecordScan(ctx, sc, rec); err != nil {
		return fmt.Sprintf("%s (not recorded: %v)", text, err)
	}
	return text
}

// ScanRecord is the scan.recorded body for a scan in a context.
func ScanRecord(context string, s scanner.Scan) oms.ScanRecorded {
	r := oms.ScanRecorded{Context: context, Raw: s.Raw, Symbology: s.Symbology, Kind: string(s.Kind), Code: s.Value, GTIN: s.GTIN}
	if r.Raw == "" {
		r.Raw = s.Data
	}
	if s.AIs != nil {
		r.Lot = s.AIs["10"]
		r.Expiry = expiryDate(s.AIs["17"])
	}
	if r.Kind == "" {
		r.Kind = string(scanner.KindUnknown)
	}
	return r
}

// expiryDate turns a GS1 YYMMDD (DD 00 = end of month) into YYYY-MM-DD.
func expiryDate(v string) string {
	if len(v) != 6 {
		return v
	}
	t, err := time.Parse("060102", v)
	if err != nil {
		if v[4:] == "00" {
			if t, err = time.Parse("060102", v[:4]+"01"); err == nil {
				return t.AddDate(0, 1, -1).Format("2006-01-02")
			}
		}
		return v
	}
	return t.Format("2006-01-02")
}

// Code is the identifier a scan carries for lookups: its value, else the
// data as scanned.
func Code(s scanner.Scan) string {
	if s.Value != "" {
		return s.Value
	}
	return strings.TrimSpace(s.Data)
}

// ResolveSKU finds the SKU and units per scan of a product scan by any of
// its barcodes (GTIN from GS1 scans, internal codes, aliases).
func (f *Floor) ResolveSKU(ctx context.Context, s scanner.Scan) (localdb.BarcodeMatch, error) {
	var tries []string
	if s.GTIN != "" {
		tries = append(tries, s.GTIN)
	}
	tries = append(tries, s.Value, strings.TrimSpace(s.Data))
	var last error = localdb.ErrUnknownBarcode
	for _, code := range tries {
		if code == "" {
			continue
		}
		m, err := f.DB.LookupBarcode(ctx, code)
		if err == nil {
			return m, nil
		}
		last = err
		if !errors.Is(err, localdb.ErrUnknownBarcode) {
			return m, err
		}
	}
	// A product scanned by its internal SKU code (SKU-XXX) names the SKU itself.
	if s.Kind == scanner.KindProduct && s.GTIN == "" && s.Value != "" {
		if _, err := f.DB.SKU(ctx, s.Value); err == nil {
			return localdb.BarcodeMatch{SKU: s.Value, Qty: 1}, nil
		}
	}
	return localdb.BarcodeMatch{}, last
}

// Carton finds a carton type by code (scanned or typed) or 1-based list number.
func (f *Floor) Carton(code string) (oms.CartonType, bool) {
	code = strings.TrimSpace(code)
	for i, c := range f.Cartons {
		if strings.EqualFold(c.Code, code) || fmt.Sprint(i+1) == code {
			return c, true
		}
	}
	return oms.CartonType{}, false
}
