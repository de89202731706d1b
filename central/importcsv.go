package central

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// ImportMaxBytes is the largest CSV body POST /v1/orders/import reads;
// a bigger one is refused with 413 and nothing is imported.
const ImportMaxBytes = 32 << 20

// ImportColumns are the columns of an order import, in the order the
// documented header lists them. The file's first row names its columns;
// they may come in any order, the optional ones may be left out, and a
// column not listed here is refused (a typo must not silently drop data).
// Each row is one order line; the rows of one order share channel and
// external_id and need not be next to each other. Order-level fields are
// taken from an order's first row; a later row may leave them empty but
// must not contradict them.
var ImportColumns = []string{
	"channel", "external_id",
	"customer_name", "customer_email", "customer_phone",
	"ship_to_name", "ship_to_company", "ship_to_street1", "ship_to_street2", "ship_to_city",
	"ship_to_region", "ship_to_postal_code", "ship_to_country", "ship_to_phone", "ship_to_email",
	"currency", "service_level", "ship_complete", "promised_at",
	"sku", "qty", "unit_price",
}

// importRequired are the columns every import header must have.
var importRequired = []string{
	"channel", "external_id", "customer_name", "ship_to_street1", "ship_to_city", "ship_to_country",
	"currency", "sku", "qty", "unit_price",
}

// importLineColumns are the per-line columns; all others describe the order.
var importLineColumns = map[string]bool{"sku": true, "qty": true, "unit_price": true}

// ImportResult is the answer to an import: the orders stored (or found
// already stored: importing the same file twice is safe) and the orders
// refused, each error naming its file line and column.
type ImportResult struct {
	Imported []ImportedOrder `json:"imported"`
	Errors   []ImportError   `json:"errors"`
}

// ImportedOrder is one order of the file that is now stored.
type ImportedOrder struct {
	Line       int         `json:"line"` // the order's first row
	Channel    oms.Channel `json:"channel"`
	ExternalID string      `json:"external_id"`
	ID         string      `json:"id"`
	// Created is false when the order was already stored (same channel
	// and external_id), for example by an earlier import of the file.
	Created bool `json:"created"`
}

// ImportError is one problem with the file; the order it belongs to was
// not imported. Line counts file lines from 1 (the header).
type ImportError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// importOrder is one order being assembled from the rows of a file.
type importOrder struct {
	key   string
	line  int   // first row's file line
	rows  []int // file line of each order line, in.Lines[i] came from rows[i]
	in    OrderInput
	first map[string]string // order-level values as the first row gave them
	errs  []ImportError
}

// importFile is a parsed import: its orders in order of first appearance
// and the rows that belong to no order.
type importFile struct {
	orders []*importOrder
	stray  []ImportError
}

// parseImportCSV reads a whole import file. A bad header or broken CSV
// quoting is an error for the whole file (wrapping errBadRequest): rows
// cannot be told apart, so nothing is imported. Problems with single
// rows are recorded against their order.
func parseImportCSV(r io.Reader) (*importFile, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: import: empty file; the first row must be the header (%s)", errBadRequest, strings.Join(importRequired, ","))
	}
	if err != nil {
		return nil, csvFileError(err)
	}
	col := map[string]int{}
	known := map[string]bool{}
	for _, c := range ImportColumns {
		known[c] = true
	}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // spreadsheets write a byte order mark
		}
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case h == "":
			return nil, fmt.Errorf("%w: import: header column %d is empty", errBadRequest, i+1)
		case !known[h]:
			return nil, fmt.Errorf("%w: import: header column %d: unknown column %q (known: %s)", errBadRequest, i+1, h, strings.Join(ImportColumns, ","))
		}
		if prev, dup := col[h]; dup {
			return nil, fmt.Errorf("%w: import: header: column %q appears twice (columns %d and %d)", errBadRequest, h, prev+1, i+1)
		}
		col[h] = i
	}
	for _, c := range importRequired {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%w: import: header: required column %q is missing", errBadRequest, c)
		}
	}

	f := &importFile{}
	byKey := map[string]*importOrder{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		shortRow := ""
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			shortRow = fmt.Sprintf("has %d columns, the header has %d", len(rec), len(header))
		} else if err != nil {
			return nil, csvFileError(err)
		}
		if len(rec) == 0 {
			continue // cannot happen: csv skips empty lines
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		// The key is what Capture is idempotent on; "Web" and "web" are
		// one order, or the second would be taken for a duplicate.
		ch, ext := strings.ToLower(get("channel")), get("external_id")
		if ext == "" {
			msg := "external_id: missing (every row names its order by channel and external_id)"
			if shortRow != "" {
				msg = "row " + shortRow
			}
			f.stray = append(f.stray, ImportError{Line: line, Error: fmt.Sprintf("line %d: %s", line, msg)})
			continue
		}
		key := ch + "/" + ext
		o := byKey[key]
		if o == nil {
			o = &importOrder{key: key, line: line, first: map[string]string{}}
			byKey[key] = o
			f.orders = append(f.orders, o)
		}
		if shortRow != "" {
			o.fail(line, "row %s", shortRow)
			continue
		}
		o.addRow(line, get, col)
	}
	return f, nil
}

func csvFileError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: import: line %d, column %d: %v; nothing imported", errBadRequest, pe.Line, pe.Column, pe.Err)
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fmt.Errorf("import: file larger than %d bytes: %w", tooBig.Limit, err)
	}
	return fmt.Errorf("import: read: %w", err)
}

func (o *importOrder) fail(line int, format string, args ...any) {
	o.errs = append(o.errs, ImportError{Line: line, Error: fmt.Sprintf("line %d: order %s: %s", line, o.key, fmt.Sprintf(format, args...))})
}

// addRow takes one row's order line, and on the order's first row its
// order-level fields.
func (o *importOrder) addRow(line int, get func(string) string, col map[string]int) {
	if len(o.rows) == 0 {
		o.setOrderFields(line, get, col)
	} else {
		for name := range col {
			if importLineColumns[name] {
				continue
			}
			if v := get(name); v != "" && !strings.EqualFold(v, o.first[name]) {
				o.fail(line, "%s: %q differs from %q on line %d (rows of one order must agree)", name, v, o.first[name], o.line)
			}
		}
	}
	l := LineInput{SKU: get("sku")}
	q := get("qty")
	n, err := strconv.Atoi(q)
	if err != nil {
		o.fail(line, "qty: %q is not a whole number", q)
	}
	l.Qty = n
	if exp, ok := oms.CurrencyExponent(o.in.Currency); ok {
		p, err := parseAmount(get("unit_price"), exp)
		if err != nil {
			o.fail(line, "unit_price: %v", err)
		}
		l.UnitPrice = p
	}
	o.rows = append(o.rows, line)
	o.in.Lines = append(o.in.Lines, l)
}

func (o *importOrder) setOrderFields(line int, get func(string) string, col map[string]int) {
	for name := range col {
		if !importLineColumns[name] {
			o.first[name] = get(name)
		}
	}
	in := &o.in
	in.Channel = oms.Channel(strings.ToLower(get("channel")))
	in.ExternalID = get("external_id")
	in.Customer = oms.Customer{Name: get("customer_name"), Email: get("customer_email"), Phone: get("customer_phone")}
	in.ShipTo = oms.Address{Name: get("ship_to_name"), Company: get("ship_to_company"), Street1: get("ship_to_street1"),
		Street2: get("ship_to_street2"), City: get("ship_to_city"), Region: get("ship_to_region"),
		PostalCode: get("ship_to_postal_code"), Country: strings.ToUpper(get("ship_to_country")),
		Phone: get("ship_to_phone"), Email: get("ship_to_email")}
	in.Currency = strings.ToUpper(get("currency"))
	in.ServiceLevel = oms.ServiceLevel(strings.ToLower(get("service_level")))
	if _, ok := oms.CurrencyExponent(in.Currency); !ok {
		o.fail(line, "currency: %q is not an ISO 4217 currency code", get("currency"))
	}
	switch v := strings.ToLower(get("ship_complete")); v {
	case "", "false", "no", "n", "0":
	case "true", "yes", "y", "1":
		in.ShipComplete = true
	default:
		o.fail(line, "ship_complete: %q is not true or false", get("ship_complete"))
	}
	if v := get("promised_at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.Parse(time.DateOnly, v)
		}
		if err != nil {
			o.fail(line, "promised_at: %q is not a date (2026-12-24) or an RFC 3339 time", v)
		}
		in.PromisedAt = t.UTC()
	}
}

// validationLine matches the "lines[N].field: " part of an order
// validation error, so the error can point at the file line.
var validationLine = regexp.MustCompile(`^lines\[(\d+)\]\.`)

// locate turns an order validation error into an import error naming the
// file line and the column.
func (o *importOrder) locate(err error) ImportError {
	msg := strings.TrimPrefix(err.Error(), oms.ErrInvalid.Error()+" order: ")
	line := o.line
	if m := validationLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n >= 1 && n <= len(o.rows) {
			line = o.rows[n-1]
		}
		msg = msg[len(m[0]):]
	}
	msg = strings.NewReplacer("ship_to.", "ship_to_", "customer.", "customer_").Replace(msg)
	return ImportError{Line: line, Error: fmt.Sprintf("line %d: order %s: %s", line, o.key, msg)}
}

// ImportCSV imports orders from a CSV file (see ImportColumns). Each
// order is captured in its own transaction, all or nothing; an order with
// any bad row is not imported and its errors are reported, while the
// file's other orders are. A bad header or broken quoting imports nothing.
// An error of our own (the database) stops the import and is returned:
// sending the file again is safe, orders already stored are found, not
// stored twice.
func (svc *Service) ImportCSV(ctx context.Context, r io.Reader, by string) (ImportResult, error) {
	res := ImportResult{Imported: []ImportedOrder{}, Errors: []ImportError{}}
	f, err := parseImportCSV(r)
	if err != nil {
		return res, err
	}
	res.Errors = append(res.Errors, f.stray...)
	for _, o := range f.orders {
		if len(o.errs) > 0 {
			res.Errors = append(res.Errors, o.errs...)
			continue
		}
		order := o.in.Order()
		if err := order.Validate(); err != nil {
			res.Errors = append(res.Errors, o.locate(err))
			continue
		}
		stored, created, err := svc.Capture(ctx, o.in, by)
		if errors.Is(err, oms.ErrInvalid) {
			res.Errors = append(res.Errors, o.locate(err))
			continue
		}
		if err != nil {
			return res, fmt.Errorf("import order %s (line %d): %w", o.key, o.line, err)
		}
		res.Imported = append(res.Imported, ImportedOrder{Line: o.line, Channel: stored.Channel, ExternalID: stored.ExternalID, ID: stored.ID, Created: created})
	}
	sortImportErrors(res.Errors)
	return res, nil
}

func sortImportErrors(errs []ImportError) {
	// Stable: errors of one line stay in the order found.
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
}

// importOrders serves POST /v1/orders/import.
func (a *API) importOrders(w http.ResponseWriter, r *http.Request) {
	body := http.MaxBytesReader(w, r.Body, ImportMaxBytes)
	// Read it all first: a file over the limit imports nothing at all.
	data, err := io.ReadAll(body)
	if err != nil {
		a.writeError(w, r, csvFileError(err))
		return
	}
	res, err := a.svc.ImportCSV(r.Context(), bytes.NewReader(data), "import")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
