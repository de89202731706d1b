// Package web is omsd's customer front: the tracking page, the private
// order page behind a token, and self-service returns with a printable
// return label. Plain HTML that works without JavaScript, mobile first,
// English and German by Accept-Language, a strict Content-Security-Policy,
// CSRF-protected forms and rate-limited lookups.
package web

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/packline/packline/central"
	"github.com/packline/packline/oms"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config tunes the customer pages; it is the [web] table of omsd's config.
type Config = central.WebConfig

func withDefaults(c Config) Config {
	if c.ReturnWindowDays <= 0 {
		c.ReturnWindowDays = 30
	}
	if c.LookupsPerMinute <= 0 {
		c.LookupsPerMinute = 30
	}
	return c
}

// CSP is the Content-Security-Policy of every page: nothing but our own
// stylesheet and images, no scripts at all, forms only to ourselves.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Server serves the customer pages.
type Server struct {
	svc    *central.Service
	tokens *Tokens
	cfg    Config
	log    *slog.Logger
	tmpl   *template.Template
	mux    *http.ServeMux
	now    func() time.Time

	mu       stdsync.Mutex // guards limiters
	limiters map[string]*limiter
}

type limiter struct {
	lim  *rate.Limiter
	seen time.Time
}

// New builds the customer front over a service.
func New(svc *central.Service, tokens *Tokens, cfg Config) (*Server, error) {
	tmpl, err := template.New("").Funcs(template.FuncMap{
		"date": func(t time.Time) string { return t.Format("2006-01-02") },
		"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i + 1
			}
			return out
		},
		"reasons":    func() []string { return reasons },
		"conditions": func() []string { return central.ExpectedConditions },
	}).ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	s := &Server{svc: svc, tokens: tokens, cfg: withDefaults(cfg), log: svc.Log, tmpl: tmpl, mux: http.NewServeMux(),
		now: time.Now, limiters: map[string]*limiter{}}
	static, _ := fs.Sub(staticFiles, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /track/{tracking}", s.limited(s.track))
	s.mux.HandleFunc("GET /orders/{token}", s.limited(s.order))
	s.mux.HandleFunc("POST /orders/{token}/returns", s.limited(s.postReturn))
	s.mux.HandleFunc("GET /orders/{token}/returns/{rma}", s.limited(s.returnPage))
	s.mux.HandleFunc("GET /orders/{token}/returns/{rma}/label.png", s.limited(s.returnLabel))
	return s, nil
}

// OrderURL is the customer's link to an order, for notifications.
func (s *Server) OrderURL(orderID string) string {
	if s.cfg.BaseURL == "" {
		return ""
	}
	tok, err := s.tokens.Seal(orderID)
	if err != nil {
		return ""
	}
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/orders/" + tok
}

// ServeHTTP sets the security headers on every answer and turns a panic
// in a page into a logged 500, as the API's handlers do.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("customer page panic", "path", r.URL.Path, "panic", p)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// limited applies the per-address lookup rate limit.
func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.allow(clientAddr(r)) {
			w.Header().Set("Retry-After", "60")
			s.render(w, r, http.StatusTooManyRequests, "message.html", page{Title: "title.track", Message: "too_many"})
			return
		}
		h(w, r)
	}
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) allow(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	l, ok := s.limiters[addr]
	if !ok {
		if len(s.limiters) > 10000 {
			for k, v := range s.limiters {
				if now.Sub(v.seen) > 10*time.Minute {
					delete(s.limiters, k)
				}
			}
		}
		per := rate.Every(time.Minute / time.Duration(s.cfg.LookupsPerMinute))
		l = &limiter{lim: rate.NewLimiter(per, 2*s.cfg.LookupsPerMinute)}
		s.limiters[addr] = l
	}
	l.seen = now
	return l.lim.AllowN(now, 1)
}

// page is what every template gets.
type page struct {
	Lang    string
	T       func(string) string
	Title   string
	Message string

	Track    *central.TrackingView
	Order    *orderPage
	Return   *central.RMAView
	Token    string
	CSRF     string
	Problem  string
	LabelURL string
}

type orderPage struct {
	ExternalID string
	Status     string
	Estimated  time.Time
	City       string
	Country    string
	Steps      []step
	Lines      []lineView
	Choices    []returnChoice // what the return form offers, one per SKU
	Shipments  []shipmentView
	CanReturn  bool
	// NoReturn is the message key of why there is no return form:
	// not_delivered, window_closed, nothing_left (every unit that shipped
	// is on an RMA) or return_unavailable (the store could not say what
	// is left).
	NoReturn string
}

type step struct {
	Key  string
	Done bool
	At   time.Time
}

type lineView struct {
	SKU, Description string
	Qty              int
}

// returnChoice is one SKU of the return form: the customer picks 0 to
// Max of it, Max being what can still come back (central's
// Store.Returnable). Lines of the same SKU are one choice, as an RMA
// counts by SKU.
type returnChoice struct {
	SKU, Description string
	Max              int
}

type shipmentView struct {
	Carrier, Service, Tracking, CarrierURL string
	Parcels                                int
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	p.Lang = lang(r)
	p.T = translator(p.Lang)
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "message.html", page{Title: "title.order", Message: "not_found"})
}

func (s *Server) track(w http.ResponseWriter, r *http.Request) {
	v, err := s.svc.Store.Track(r.Context(), r.PathValue("tracking"))
	if err != nil {
		if !errors.Is(err, central.ErrNotFound) && !errors.Is(err, oms.ErrInvalid) {
			s.log.Error("track page", "err", err)
		}
		s.notFound(w, r)
		return
	}
	s.render(w, r, http.StatusOK, "track.html", page{Title: "title.track", Track: &v})
}

// openOrder resolves the token of the request to its order.
func (s *Server) openOrder(r *http.Request) (central.OrderView, bool) {
	id, err := s.tokens.Open(r.PathValue("token"))
	if err != nil {
		return central.OrderView{}, false
	}
	v, err := s.svc.Store.GetOrder(r.Context(), id)
	if err != nil {
		return central.OrderView{}, false
	}
	return v, true
}

// csrfCookie is the double-submit cookie of the return form.
const csrfCookie = "pl_csrf"

func (s *Server) order(w http.ResponseWriter, r *http.Request) {
	v, ok := s.openOrder(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	tok := r.PathValue("token")
	p := page{Title: "title.order", Order: s.orderPage(r, v), Token: tok}
	if p.Order.CanReturn {
		cookie := ""
		if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 16 {
			cookie = c.Value
		} else {
			b := make([]byte, 16)
			rand.Read(b)
			cookie = base64.RawURLEncoding.EncodeToString(b)
			http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: cookie, Path: "/orders/", HttpOnly: true,
				SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 7200})
		}
		p.CSRF = s.tokens.CSRF(cookie, tok, s.now())
	}
	s.render(w, r, http.StatusOK, "order.html", p)
}

// customerSteps are the timeline a customer sees.
var customerSteps = []string{"received", "packed", "shipped", "out_for_delivery", "delivered"}

func (s *Server) orderPage(r *http.Request, v central.OrderView) *orderPage {
	op := &orderPage{ExternalID: v.ExternalID, Status: customerWord(v.Status), Estimated: v.PromisedAt, City: v.ShipTo.City, Country: v.ShipTo.Country}
	reached := map[string]time.Time{"received": v.CreatedAt}
	var deliveredAt time.Time
	for _, h := range v.History {
		switch h.Status {
		case oms.StatePacked:
			setOnce(reached, "packed", h.At)
		case oms.StateShipped, oms.StatePartiallyShipped:
			setOnce(reached, "packed", h.At)
			setOnce(reached, "shipped", h.At)
		case oms.StateDelivered:
			setOnce(reached, "packed", h.At)
			setOnce(reached, "shipped", h.At)
			setOnce(reached, "out_for_delivery", h.At)
			setOnce(reached, "delivered", h.At)
			deliveredAt = h.At
		}
	}
	for _, k := range customerSteps {
		at, done := reached[k]
		op.Steps = append(op.Steps, step{Key: k, Done: done, At: at})
	}
	for _, l := range v.Lines {
		desc := l.SKU
		if sku, err := s.svc.Store.GetSKU(r.Context(), l.SKU); err == nil && sku.Description != "" {
			desc = sku.Description
		}
		op.Lines = append(op.Lines, lineView{SKU: l.SKU, Description: desc, Qty: l.Qty})
	}
	for _, sh := range v.Shipments {
		// The carrier's transit days beat the promise made at checkout.
		if !sh.EstimatedDelivery.IsZero() && (op.Estimated.IsZero() || sh.EstimatedDelivery.After(op.Estimated) || v.Status != oms.StateDelivered) {
			op.Estimated = sh.EstimatedDelivery
		}
		op.Shipments = append(op.Shipments, shipmentView{Carrier: sh.Carrier, Service: sh.Service, Tracking: sh.TrackingNumber,
			CarrierURL: carrierURL(sh.Carrier, sh.TrackingNumber), Parcels: len(sh.Cartons)})
	}
	switch {
	case v.Status != oms.StateDelivered && v.Status != oms.StateRMAAuthorized:
		op.NoReturn = "not_delivered"
	case !deliveredAt.IsZero() && s.now().Sub(deliveredAt) > time.Duration(s.cfg.ReturnWindowDays)*24*time.Hour:
		op.NoReturn = "window_closed"
	default:
		left, err := s.svc.Store.Returnable(r.Context(), v.ID)
		if err != nil {
			// Never fall back to what shipped: that offers units already
			// on an RMA, which central then refuses.
			s.log.Error("return form: what can come back", "order", v.ID, "err", err)
			op.NoReturn = "return_unavailable"
			break
		}
		op.Choices = returnChoices(op.Lines, left)
		if len(op.Choices) == 0 {
			op.NoReturn = "nothing_left"
			break
		}
		op.CanReturn = true
	}
	return op
}

// returnChoices is what the return form offers: each SKU of the order
// once, in the order of its lines, up to what can still come back; a SKU
// with nothing left is not offered.
func returnChoices(lines []lineView, left map[string]central.Returnable) []returnChoice {
	var out []returnChoice
	for _, l := range lines {
		if left[l.SKU].Left <= 0 || slices.ContainsFunc(out, func(c returnChoice) bool { return c.SKU == l.SKU }) {
			continue
		}
		out = append(out, returnChoice{SKU: l.SKU, Description: l.Description, Max: left[l.SKU].Left})
	}
	return out
}

func setOnce(m map[string]time.Time, k string, at time.Time) {
	if _, ok := m[k]; !ok {
		m[k] = at
	}
}

// customerWord is the message key of an order state for customers.
func customerWord(st oms.State) string {
	switch st {
	case oms.StateReceived, oms.StateBackordered, oms.StateAllocated, oms.StateReleased, oms.StatePicking,
		oms.StatePicked, oms.StatePacking, oms.StateOnHold:
		return "processing"
	case oms.StateRMAAuthorized:
		return "return_authorized"
	case oms.StateInspected, oms.StateRestocked:
		return "return_received"
	}
	return string(st)
}

// carrierURL links to a carrier's own tracking page.
func carrierURL(carrier, tracking string) string {
	q := url.QueryEscape(tracking)
	switch strings.ToLower(carrier) {
	case "ups":
		return "https://www.ups.com/track?tracknum=" + q
	case "fedex":
		return "https://www.fedex.com/fedextrack/?trknbr=" + q
	case "usps":
		return "https://tools.usps.com/go/TrackConfirmAction?tLabels=" + q
	case "dhl":
		return "https://www.dhl.com/global-en/home/tracking.html?tracking-id=" + q
	case "royalmail":
		return "https://www.royalmail.com/track-your-item#/tracking-results/" + q
	case "dpd":
		return "https://tracking.dpd.de/status/en_US/parcel/" + q
	}
	return ""
}

func (s *Server) postReturn(w http.ResponseWriter, r *http.Request) {
	v, ok := s.openOrder(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	tok := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "message.html", page{Title: "title.return", Message: "return_error"})
		return
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || !sameOrigin(r) || !s.tokens.CheckCSRF(r.PostForm.Get("csrf"), c.Value, tok, s.now()) {
		s.render(w, r, http.StatusForbidden, "message.html", page{Title: "title.return", Message: "forbidden"})
		return
	}
	// The form is read against what can come back now, not when it was
	// shown: another RMA may have been issued since.
	op := s.orderPage(r, v)
	if !op.CanReturn {
		code := http.StatusConflict
		if op.NoReturn == "return_unavailable" {
			code = http.StatusServiceUnavailable
		}
		s.render(w, r, code, "message.html", page{Title: "title.return", Message: op.NoReturn})
		return
	}
	in, problem := readReturnForm(r.PostForm, op.Choices)
	if problem != "" {
		if problem != "nothing_chosen" {
			// The form offers no way to send this: a tampered or broken post.
			s.log.Warn("self-service return form refused", "order", v.ID, "problem", problem)
		}
		p := page{Title: "title.order", Order: op, Token: tok, CSRF: r.PostForm.Get("csrf"), Problem: problem}
		s.render(w, r, http.StatusUnprocessableEntity, "order.html", p)
		return
	}
	in.OrderID, in.By = v.ID, "customer"
	rma, err := s.svc.Store.AuthorizeReturn(r.Context(), in)
	if err != nil {
		s.log.Warn("self-service return refused", "order", v.ID, "err", err)
		p := page{Title: "title.order", Order: op, Token: tok, CSRF: r.PostForm.Get("csrf"), Problem: "return_error"}
		s.render(w, r, http.StatusUnprocessableEntity, "order.html", p)
		return
	}
	http.Redirect(w, r, "/orders/"+tok+"/returns/"+url.PathEscape(rma.RMA), http.StatusSeeOther)
}

// readReturnForm reads a return form post into a return (without its
// order). Every field must be one the form offers: for each SKU at most
// one quantity from 0 to what can come back (a SKU not posted is 0, the
// form's own default), one reason and one condition from their lists.
// Anything else is refused with the message key of the problem, never
// replaced by a default: the warehouse grades and refunds by what the
// customer sent.
func readReturnForm(form url.Values, choices []returnChoice) (central.ReturnInput, string) {
	var in central.ReturnInput
	for key := range form {
		sku, ok := strings.CutPrefix(key, "qty_")
		if ok && !slices.ContainsFunc(choices, func(c returnChoice) bool { return c.SKU == sku }) {
			return in, "bad_quantity"
		}
	}
	for _, c := range choices {
		vals, ok := form["qty_"+c.SKU]
		if !ok {
			continue
		}
		if len(vals) != 1 {
			return in, "bad_quantity"
		}
		n, err := strconv.Atoi(vals[0])
		if err != nil || n < 0 || n > c.Max || strconv.Itoa(n) != vals[0] {
			return in, "bad_quantity"
		}
		if n > 0 {
			in.Lines = append(in.Lines, central.ReturnLineInput{SKU: c.SKU, Qty: n})
		}
	}
	if len(in.Lines) == 0 {
		return in, "nothing_chosen"
	}
	if vals := form["reason"]; len(vals) != 1 || !slices.Contains(reasons, vals[0]) {
		return in, "bad_reason"
	}
	if vals := form["condition"]; len(vals) != 1 || !slices.Contains(central.ExpectedConditions, vals[0]) {
		return in, "bad_condition"
	}
	in.Reason, in.ExpectedCondition = form.Get("reason"), form.Get("condition")
	return in, ""
}

// sameOrigin refuses cross-site posts when the browser says where the
// form came from.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// openReturn resolves token and RMA, and checks they belong together.
func (s *Server) openReturn(r *http.Request) (central.RMAView, bool) {
	v, ok := s.openOrder(r)
	if !ok {
		return central.RMAView{}, false
	}
	rma, err := s.svc.Store.GetReturn(r.Context(), r.PathValue("rma"))
	if err != nil || rma.OrderID != v.ID {
		return central.RMAView{}, false
	}
	return rma, true
}

func (s *Server) returnPage(w http.ResponseWriter, r *http.Request) {
	rma, ok := s.openReturn(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	tok := r.PathValue("token")
	s.render(w, r, http.StatusOK, "return.html", page{Title: "title.return", Return: &rma, Token: tok,
		LabelURL: "/orders/" + tok + "/returns/" + url.PathEscape(rma.RMA) + "/label.png"})
}

func (s *Server) returnLabel(w http.ResponseWriter, r *http.Request) {
	rma, ok := s.openReturn(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	var site oms.Site
	if sites, err := s.svc.Store.Sites(r.Context()); err == nil {
		for _, st := range sites {
			if st.ID == rma.Site {
				site = st.Site
			}
		}
	}
	png, err := ReturnLabelPNG(rma, site)
	if err != nil {
		s.log.Error("return label", "rma", rma.RMA, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}
