package central

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/packline/packline/oms"
)

// MaxBodyBytes is the largest JSON body the API reads; imports have their own limit.
const MaxBodyBytes = 1 << 20

// API is omsd's HTTP interface.
type API struct {
	svc *Service
	log *slog.Logger
	mux *http.ServeMux
}

// NewAPI builds the HTTP handler over a service.
func NewAPI(svc *Service) *API {
	a := &API{svc: svc, log: svc.Log, mux: http.NewServeMux()}
	a.handle("GET /healthz", a.healthz)
	a.mux.Handle("GET /metrics", promhttp.HandlerFor(svc.Metrics.Registry, promhttp.HandlerOpts{}))
	a.handle("POST /v1/orders", a.postOrder)
	a.handle("GET /v1/orders", a.listOrders)
	a.handle("GET /v1/orders/{id}", a.getOrder)
	a.handle("POST /v1/orders/{id}/cancel", a.cancelOrder)
	a.handle("POST /v1/orders/{id}/hold", a.holdOrder)
	a.handle("POST /v1/orders/{id}/release", a.releaseOrder)
	a.handle("PUT /v1/orders/{id}/ship_to", a.changeAddress)
	a.handle("POST /v1/orders/{id}/delivered", a.deliveredOrder)
	a.handle("PUT /v1/skus/{sku}", a.putSKU)
	a.handle("GET /v1/skus/{sku}", a.getSKU)
	a.handle("PUT /v1/sites/{id}", a.putSite)
	a.handle("GET /v1/sites", a.listSites)
	a.handle("POST /v1/inventory/receipts", a.receipts)
	a.handle("POST /v1/inventory/adjustments", a.adjustments)
	a.handle("GET /v1/inventory", a.inventory)
	a.handle("GET /v1/exceptions", a.exceptions)
	a.handle("GET /v1/dead-letters", a.deadLetters)
	a.handle("GET /v1/dead-letters/{id}/payload", a.deadLetterPayload)
	a.handle("POST /v1/dead-letters/{id}/replay", a.replayDeadLetter)
	a.handle("GET /v1/sites/{site}/throughput", a.throughput)
	a.handle("POST /v1/orders/{id}/reassign", a.reassign)
	a.extraRoutes()
	return a
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// statusWriter remembers the status code for metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// handle registers h under pattern with metrics and panic safety.
func (a *API) handle(pattern string, h http.HandlerFunc) {
	route := pattern
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("handler panic", "route", route, "panic", p)
				writeJSON(sw, http.StatusInternalServerError, errorBody{Error: "internal error"})
			}
			a.svc.Metrics.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
			a.svc.Metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		}()
		h(sw, r)
	})
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// writeError maps an error to its HTTP status: bad input 400/422, missing
// 404, not now 409; anything else is ours, 500, logged and not shown.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	code := http.StatusInternalServerError
	switch {
	case errors.As(err, &tooBig):
		code = http.StatusRequestEntityTooLarge
	case errors.Is(err, errBadRequest):
		code = http.StatusBadRequest
	case errors.Is(err, oms.ErrInvalid):
		code = http.StatusUnprocessableEntity
	case errors.Is(err, ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, ErrConflict), errors.Is(err, ErrInsufficientStock):
		code = http.StatusConflict
	}
	msg := err.Error()
	if code == http.StatusInternalServerError {
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error"
	}
	writeJSON(w, code, errorBody{Error: msg})
}

// errBadRequest marks a body that is not the JSON the endpoint reads.
var errBadRequest = errors.New("bad request")

// decodeJSON reads one JSON value into dst, refusing unknown fields, a
// second value, and bodies over MaxBodyBytes. Errors name the field or
// byte offset.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	return decodeStrict(r.Body, dst, "", "body")
}

// decodeStrict reads exactly one JSON value from r into dst, refusing
// unknown fields. Its errors are errBadRequest naming the field or byte
// offset, each starting with prefix; noun is what r holds ("body",
// "message"). A *http.MaxBytesError from r is returned as it is.
func decodeStrict(r io.Reader, dst any, prefix, noun string) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if dec.More() {
			return fmt.Errorf("%w: %s%s holds more than one JSON value", errBadRequest, prefix, noun)
		}
		return nil
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: %smalformed JSON at byte %d: %v", errBadRequest, prefix, syntax.Offset, err)
	case errors.As(err, &typeErr):
		return fmt.Errorf("%w: %sfield %s: want %s, got JSON %s", errBadRequest, prefix, typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %smalformed JSON: the %s ends in the middle of a value", errBadRequest, prefix, noun)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %sempty %s", errBadRequest, prefix, noun)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return fmt.Errorf("%w: %s%s", errBadRequest, prefix, strings.TrimPrefix(err.Error(), "json: "))
	}
	return fmt.Errorf("%w: %s%v", errBadRequest, prefix, err)
}

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	if err := a.svc.Store.db.PingContext(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "database: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) postOrder(w http.ResponseWriter, r *http.Request) {
	var in OrderInput
	if err := decodeJSON(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	o, created, err := a.svc.Capture(r.Context(), in, "api")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	v, err := a.svc.Store.GetOrder(r.Context(), o.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
		w.Header().Set("Location", "/v1/orders/"+o.ID)
	}
	writeJSON(w, code, v)
}

func (a *API) getOrder(w http.ResponseWriter, r *http.Request) {
	v, err := a.svc.Store.GetOrder(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *API) listOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := OrderFilter{Channel: oms.Channel(q.Get("channel")), Site: q.Get("site"), After: q.Get("after")}
	if s := q.Get("status"); s != "" {
		st, err := oms.ParseState(s)
		if err != nil {
			a.writeError(w, r, fmt.Errorf("%w: status: %v", errBadRequest, err))
			return
		}
		f.Status = st
	}
	if f.Channel != "" && !f.Channel.Valid() {
		a.writeError(w, r, fmt.Errorf("%w: channel: %q is not one of web, marketplace, phone, edi, pos", errBadRequest, f.Channel))
		return
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			a.writeError(w, r, fmt.Errorf("%w: limit: %q is not a number from 1 to 500", errBadRequest, l))
			return
		}
		f.Limit = n
	}
	orders, err := a.svc.Store.ListOrders(r.Context(), f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	page := map[string]any{"orders": orders}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if len(orders) == f.Limit {
		page["next"] = orders[len(orders)-1].ID
	}
	writeJSON(w, http.StatusOK, page)
}

type reasonBody struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
}

func (a *API) orderOp(w http.ResponseWriter, r *http.Request, op func(id, by, reason string) (OrderView, error), stockChanged bool) {
	var body reasonBody
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &body); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	if body.By == "" {
		body.By = "api"
	}
	// Both travel to the stations working the order and show on their
	// screens: no control characters (an ESC would rewrite the screen).
	for _, f := range []struct{ name, text string }{{"reason", body.Reason}, {"by", body.By}} {
		if err := oms.CheckText(f.text); err != nil {
			a.writeError(w, r, fmt.Errorf("%w: %s: %w", oms.ErrInvalid, f.name, err))
			return
		}
	}
	v, err := op(r.PathValue("id"), body.By, body.Reason)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.svc.Kick(stockChanged)
	writeJSON(w, http.StatusOK, v)
}

func (a *API) cancelOrder(w http.ResponseWriter, r *http.Request) {
	a.orderOp(w, r, func(id, by, reason string) (OrderView, error) { return a.svc.Store.Cancel(r.Context(), id, by, reason) }, true)
}

func (a *API) holdOrder(w http.ResponseWriter, r *http.Request) {
	a.orderOp(w, r, func(id, by, reason string) (OrderView, error) { return a.svc.Store.Hold(r.Context(), id, by, reason) }, false)
}

func (a *API) releaseOrder(w http.ResponseWriter, r *http.Request) {
	a.orderOp(w, r, func(id, by, _ string) (OrderView, error) { return a.svc.Store.ReleaseHold(r.Context(), id, by) }, false)
}

func (a *API) deliveredOrder(w http.ResponseWriter, r *http.Request) {
	a.orderOp(w, r, func(id, by, _ string) (OrderView, error) { return a.svc.Store.MarkDelivered(r.Context(), id, by) }, false)
}

func (a *API) changeAddress(w http.ResponseWriter, r *http.Request) {
	var addr oms.Address
	if err := decodeJSON(w, r, &addr); err != nil {
		a.writeError(w, r, err)
		return
	}
	v, err := a.svc.Store.ChangeAddress(r.Context(), r.PathValue("id"), addr, "api")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// SKUInput is the body of PUT /v1/skus/{sku}.
type SKUInput struct {
	Name          string         `json:"name"`
	Barcodes      []BarcodeInput `json:"barcodes"`
	WeightGrams   int            `json:"weight_g"`
	DimsMM        []int          `json:"dims_mm"`
	LotTracked    bool           `json:"lot_tracked"`
	ExpiryTracked bool           `json:"expiry_tracked"`
	SerialTracked bool           `json:"serial_tracked"`
	HSCode        string         `json:"hs_code"`
	OriginCountry string         `json:"origin_country"`
	CustomsValue  int64          `json:"customs_value"`
}

// BarcodeInput is a barcode given either as a bare code (its kind is
// inferred: a GTIN by its length, otherwise internal) or as an object.
type BarcodeInput oms.Barcode

// UnmarshalJSON accepts "4006381333931" or {"code": ..., "kind": ..., "qty": ...}.
func (b *BarcodeInput) UnmarshalJSON(data []byte) error {
	var code string
	if err := json.Unmarshal(data, &code); err == nil {
		*b = BarcodeInput{Code: code, Kind: inferBarcodeKind(code), Qty: 1}
		return nil
	}
	var full oms.Barcode
	if err := json.Unmarshal(data, &full); err != nil {
		return err
	}
	if full.Kind == "" {
		full.Kind = inferBarcodeKind(full.Code)
	}
	*b = BarcodeInput(full)
	return nil
}

func inferBarcodeKind(code string) oms.BarcodeKind {
	if strings.IndexFunc(code, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		switch len(code) {
		case 8:
			return oms.BarcodeGTIN8
		case 12:
			return oms.BarcodeGTIN12
		case 13:
			return oms.BarcodeGTIN13
		case 14:
			return oms.BarcodeGTIN14
		}
	}
	return oms.BarcodeInternal
}

// SKU builds the domain SKU named sku.
func (in SKUInput) SKU(sku string) (oms.SKU, error) {
	s := oms.SKU{SKU: sku, Description: in.Name, WeightGrams: in.WeightGrams, LotTracked: in.LotTracked, ExpiryTracked: in.ExpiryTracked,
		SerialTracked: in.SerialTracked, HSCode: in.HSCode, CountryOfOrigin: in.OriginCountry, CustomsValue: in.CustomsValue}
	for _, b := range in.Barcodes {
		s.Barcodes = append(s.Barcodes, oms.Barcode(b))
	}
	switch len(in.DimsMM) {
	case 0:
	case 3:
		s.LengthMM, s.WidthMM, s.HeightMM = in.DimsMM[0], in.DimsMM[1], in.DimsMM[2]
	default:
		return s, fmt.Errorf("%w sku %s: dims_mm: want [length, width, height], got %d numbers", oms.ErrInvalid, sku, len(in.DimsMM))
	}
	if s.WeightGrams < 0 || s.LengthMM < 0 || s.WidthMM < 0 || s.HeightMM < 0 || s.CustomsValue < 0 {
		return s, fmt.Errorf("%w sku %s: weight_g, dims_mm and customs_value must not be negative", oms.ErrInvalid, sku)
	}
	return s, nil
}

func (a *API) putSKU(w http.ResponseWriter, r *http.Request) {
	var in SKUInput
	if err := decodeJSON(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	sku, err := in.SKU(r.PathValue("sku"))
	if err == nil {
		err = a.svc.Store.PutSKU(r.Context(), sku)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sku)
}

func (a *API) getSKU(w http.ResponseWriter, r *http.Request) {
	sku, err := a.svc.Store.GetSKU(r.Context(), r.PathValue("sku"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sku)
}

func (a *API) putSite(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name             string      `json:"name"`
		Address          oms.Address `json:"address"`
		Stations         []string    `json:"stations"`
		GS1CompanyPrefix string      `json:"gs1_company_prefix"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	site := SiteWithStations{Site: oms.Site{ID: r.PathValue("id"), Name: in.Name, Address: in.Address, GS1CompanyPrefix: in.GS1CompanyPrefix}, Stations: in.Stations}
	if err := a.svc.Store.PutSite(r.Context(), site); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.svc.Kick(true) // a new station may release waiting orders
	writeJSON(w, http.StatusOK, site)
}

func (a *API) listSites(w http.ResponseWriter, r *http.Request) {
	sites, err := a.svc.Store.Sites(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if sites == nil {
		sites = []SiteWithStations{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sites": sites})
}

func (a *API) stockMoves(w http.ResponseWriter, r *http.Request, apply func([]StockMove) error) {
	var in struct {
		Moves []StockMove `json:"moves"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	if len(in.Moves) == 0 {
		a.writeError(w, r, fmt.Errorf("%w: moves: empty", oms.ErrInvalid))
		return
	}
	if err := apply(in.Moves); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.svc.Kick(true)
	writeJSON(w, http.StatusOK, map[string]int{"applied": len(in.Moves)})
}

func (a *API) receipts(w http.ResponseWriter, r *http.Request) {
	a.stockMoves(w, r, func(m []StockMove) error { return a.svc.Store.Receive(r.Context(), m, "api") })
}

func (a *API) adjustments(w http.ResponseWriter, r *http.Request) {
	a.stockMoves(w, r, func(m []StockMove) error { return a.svc.Store.Adjust(r.Context(), m, "api") })
}

func (a *API) inventory(w http.ResponseWriter, r *http.Request) {
	levels, err := a.svc.Store.Inventory(r.Context(), r.URL.Query().Get("sku"), r.URL.Query().Get("site"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var onHand, allocated int
	for _, l := range levels {
		onHand += l.OnHand
		allocated += l.Allocated
	}
	writeJSON(w, http.StatusOK, map[string]any{"stock": levels, "on_hand": onHand, "allocated": allocated, "available": onHand - allocated})
}

func (a *API) deadLetters(w http.ResponseWriter, r *http.Request) {
	list, err := a.svc.Store.DeadLetterList(r.Context(), 500)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []DeadLetter{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"dead_letters": list})
}

func (a *API) deadLetterPayload(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.writeError(w, r, fmt.Errorf("%w: dead letter id %q is not a number", errBadRequest, r.PathValue("id")))
		return
	}
	p, err := a.svc.Store.DeadLetterPayload(r.Context(), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(p)
}

func (a *API) replayDeadLetter(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.writeError(w, r, fmt.Errorf("%w: dead letter id %q is not a number", errBadRequest, r.PathValue("id")))
		return
	}
	res, err := a.svc.Store.ReplayDeadLetter(r.Context(), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.svc.Kick(true)
	writeJSON(w, http.StatusOK, res)
}

func (a *API) exceptions(w http.ResponseWriter, r *http.Request) {
	list, err := a.svc.Store.Exceptions(r.Context(), 500)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []FloorException{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"exceptions": list})
}
