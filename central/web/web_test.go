package web

import (
	"bytes"
	"context"
	"database/sql"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"

	"github.com/packline/packline/central"
	"github.com/packline/packline/oms"
)

// shop is omsd with one shipped order, its API and customer pages on
// one test server.
type shop struct {
	srv      *httptest.Server
	front    *Server
	svc      *central.Service
	orderID  string
	token    string
	tracking string
}

// newShop is a shop whose order is two mugs and a tea.
func newShop(t testing.TB, cfg Config) *shop {
	t.Helper()
	return newShopOf(t, cfg, central.LineInput{SKU: "MUG", Qty: 2, UnitPrice: 1299}, central.LineInput{SKU: "TEA", Qty: 1, UnitPrice: 499})
}

// newShopOf is a shop whose order has these lines (of MUG and TEA, ten
// of each in stock), all shipped.
func newShopOf(t testing.TB, cfg Config, lines ...central.LineInput) *shop {
	t.Helper()
	ctx := context.Background()
	store, err := central.OpenStore(filepath.Join(t.TempDir(), "central.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := central.NewService(store, central.DefaultPolicy(), nil, nil)
	site := oms.Address{Company: "Packline Ltd", Name: "Returns", Street1: "Unit 4", City: "Dagenham", PostalCode: "RM9 6XX", Country: "GB"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(store.PutSite(ctx, central.SiteWithStations{Site: oms.Site{ID: "LON", Name: "London", Address: site}, Stations: []string{"PACK-01"}}))
	must(store.PutSKUs(ctx, []oms.SKU{
		{SKU: "MUG", Description: "Nordic Slate Mug", Barcodes: []oms.Barcode{{Code: "4006381333931", Kind: oms.BarcodeGTIN13}}},
		{SKU: "TEA", Description: "Green Tea", Barcodes: []oms.Barcode{{Code: "5901234123457", Kind: oms.BarcodeGTIN13}}},
	}))
	must(store.Receive(ctx, []central.StockMove{{Site: "LON", Location: "A-01-01-1", SKU: "MUG", Qty: 10}, {Site: "LON", Location: "A-01-02-1", SKU: "TEA", Qty: 10}}, "test"))
	o, _, err := svc.Capture(ctx, central.OrderInput{Channel: oms.ChannelWeb, ExternalID: "W-4711",
		Customer: oms.Customer{Name: "Ada Lovelace", Email: "ada@example.com"},
		ShipTo:   oms.Address{Name: "Ada Lovelace", Street1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GB"},
		Currency: "GBP", Lines: lines}, "test")
	must(err)
	svc.AllocateAll(ctx)
	s := &shop{svc: svc, orderID: o.ID, tracking: "1Z999AA10123456784"}
	s.ship(t, 0)
	front, err := New(svc, mustTokens(t), cfg)
	must(err)
	s.front = front
	s.token, err = front.tokens.Seal(o.ID)
	must(err)
	mux := http.NewServeMux()
	mux.Handle("/v1/", central.NewAPI(svc))
	mux.Handle("/", front)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// ship reports the floor's facts up to shipped (and, with delivered,
// the carrier's proof of delivery).
func (s *shop) ship(t testing.TB, _ int) {
	t.Helper()
	ctx := context.Background()
	v, _ := s.svc.Store.GetOrder(ctx, s.orderID)
	st := v.Assignments[0].Station
	var items []oms.PackedItem
	for _, l := range v.Lines {
		items = append(items, oms.PackedItem{SKU: l.SKU, Qty: l.Qty})
	}
	evs := []oms.Event{
		floorEvent(st, 1, s.orderID, &oms.PackCompleted{Cartons: []oms.Carton{{Type: "BOX-S", Items: items}}}),
		floorEvent(st, 2, s.orderID, &oms.ShipmentCreated{Shipment: oms.Shipment{ID: "SH-1", Carrier: "ups", Service: "express",
			TrackingNumber: s.tracking, Cartons: []oms.Carton{{Type: "BOX-S", Items: items}}}}),
	}
	if _, _, err := s.svc.Store.ApplyStationEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
}

func (s *shop) deliver(t testing.TB) {
	t.Helper()
	if _, err := s.svc.Store.MarkDelivered(context.Background(), s.orderID, "carrier"); err != nil {
		t.Fatal(err)
	}
}

func floorEvent(station string, seq uint64, orderID string, p oms.Payload) oms.Event {
	e := oms.NewEvent(p)
	e.Site, e.Station, e.Seq, e.OrderID = "LON", station, seq, orderID
	return e
}

func mustTokens(t testing.TB) *Tokens {
	t.Helper()
	tk, err := NewTokens(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func get(t testing.TB, client *http.Client, u, lang string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func TestTrackPageInTwoLanguages(t *testing.T) {
	s := newShop(t, Config{})
	code, body, h := get(t, http.DefaultClient, s.srv.URL+"/track/"+s.tracking, "en-GB,en;q=0.9")
	if code != 200 || !strings.Contains(body, `<strong id="status">Shipped</strong>`) || !strings.Contains(body, "London, GB") {
		t.Fatalf("track page: %d\n%s", code, body)
	}
	if h.Get("Content-Security-Policy") != CSP || !strings.Contains(CSP, "default-src 'none'") || strings.Contains(body, "<script") {
		t.Fatalf("headers: %v", h)
	}
	for _, private := range []string{"Ada", "Analytical", s.orderID, "ada@example.com"} {
		if strings.Contains(body, private) {
			t.Fatalf("tracking page shows %q", private)
		}
	}
	s.deliver(t)
	_, body, h = get(t, http.DefaultClient, s.srv.URL+"/track/"+s.tracking, "de-DE,de;q=0.9,en;q=0.5")
	if !strings.Contains(body, "Zugestellt") || h.Get("Content-Language") != "de" {
		t.Fatalf("german page:\n%s", body)
	}
	if code, _, _ := get(t, http.DefaultClient, s.srv.URL+"/track/1Z000000000000000", ""); code != 404 {
		t.Fatalf("unknown tracking: %d", code)
	}
}

func TestOrderTokens(t *testing.T) {
	s := newShop(t, Config{})
	code, body, _ := get(t, http.DefaultClient, s.srv.URL+"/orders/"+s.token, "")
	if code != 200 || !strings.Contains(body, "W-4711") || !strings.Contains(body, "Nordic Slate Mug") || !strings.Contains(body, "https://www.ups.com/track?tracknum=") {
		t.Fatalf("order page: %d\n%s", code, body)
	}
	if len(s.token) < 22 { // 128 bits in base64
		t.Fatalf("token %q too short", s.token)
	}
	other, _ := s.front.tokens.Seal("PL99999999")
	flip := []byte(s.token)
	flip[len(flip)/2] ^= 1
	bad := map[string]string{
		"truncated":     s.token[:len(s.token)-5],
		"tampered":      string(flip),
		"random":        strings.Repeat("A", len(s.token)),
		"internal id":   s.orderID,
		"unknown order": other,
		"empty-ish":     "x",
	}
	var bodies []string
	for name, tok := range bad {
		code, body, _ := get(t, http.DefaultClient, s.srv.URL+"/orders/"+url.PathEscape(tok), "")
		if code != 404 {
			t.Fatalf("%s token: %d", name, code)
		}
		bodies = append(bodies, body)
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Fatal("404 pages differ between bad tokens")
		}
	}
	if _, err := s.front.tokens.Open(s.token[:10]); err != ErrBadToken {
		t.Fatal(err)
	}
}

// TestPagePanicIsA500: a page that panics answers 500 with the security
// headers and the server goes on.
func TestPagePanicIsA500(t *testing.T) {
	front, err := New(&central.Service{Log: slog.New(slog.DiscardHandler)}, mustTokens(t), Config{}) // no store: every lookup panics
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	front.ServeHTTP(rec, httptest.NewRequest("GET", "/track/1Z999AA10123456784", nil))
	if rec.Code != 500 || rec.Header().Get("Content-Security-Policy") != CSP {
		t.Fatalf("panicking page: %d %v", rec.Code, rec.Header())
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestSelfServiceReturnNeedsCSRF(t *testing.T) {
	s := newShop(t, Config{})
	code, body, _ := get(t, http.DefaultClient, s.srv.URL+"/orders/"+s.token, "")
	if code != 200 || strings.Contains(body, `id="return-form"`) {
		t.Fatal("the return form shows before delivery")
	}
	s.deliver(t)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, body, _ = get(t, client, s.srv.URL+"/orders/"+s.token, "")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no return form:\n%s", body)
	}
	form := url.Values{"qty_MUG": {"1"}, "reason": {"too_small"}, "condition": {"unopened"}, "csrf": {m[1]}}
	post := func(c *http.Client, v url.Values, origin string) *http.Response {
		req, _ := http.NewRequest("POST", s.srv.URL+"/orders/"+s.token+"/returns", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	noJar := &http.Client{CheckRedirect: client.CheckRedirect}
	if r := post(noJar, form, ""); r.StatusCode != 403 {
		t.Fatalf("post without the cookie: %d", r.StatusCode)
	}
	forged := url.Values{"qty_MUG": {"1"}, "reason": {"too_small"}, "csrf": {"1700000000.AAAA"}}
	if r := post(client, forged, ""); r.StatusCode != 403 {
		t.Fatalf("post with a forged token: %d", r.StatusCode)
	}
	if r := post(client, form, "https://evil.example"); r.StatusCode != 403 {
		t.Fatalf("cross-origin post: %d", r.StatusCode)
	}
	// The refused posts stored nothing: the order has no return yet.
	if v, err := s.svc.Store.GetOrder(context.Background(), s.orderID); err != nil || v.Status != oms.StateDelivered {
		t.Fatalf("after refused posts the order is %q (%v), want delivered", v.Status, err)
	}
	r := post(client, form, s.srv.URL)
	if r.StatusCode != 303 {
		t.Fatalf("good post: %d", r.StatusCode)
	}
	loc := r.Header.Get("Location")
	code, body, _ = get(t, client, s.srv.URL+loc, "")
	rma := regexp.MustCompile(`id="rma">([^<]+)<`).FindStringSubmatch(body)
	if code != 200 || rma == nil {
		t.Fatalf("return page: %d\n%s", code, body)
	}
	v, err := s.svc.Store.GetReturn(context.Background(), rma[1])
	if err != nil || v.OrderID != s.orderID || v.Lines[0].SKU != "MUG" || v.Lines[0].Qty != 1 {
		t.Fatalf("RMA %+v %v", v, err)
	}
	// The label: a PNG whose barcode is the RMA number the bench scans.
	resp, err := client.Get(s.srv.URL + loc + "/label.png")
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("label: %v %v", resp, err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := oned.NewCode128Reader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil || res.GetText() != rma[1] {
		t.Fatalf("label barcode: %v %v", res, err)
	}
	// Another order's token cannot open this RMA.
	other, _ := s.front.tokens.Seal("PL00000099")
	if code, _, _ := get(t, client, s.srv.URL+"/orders/"+other+"/returns/"+rma[1], ""); code != 404 {
		t.Fatalf("RMA under another token: %d", code)
	}
}

func TestLookupRateLimit(t *testing.T) {
	s := newShop(t, Config{LookupsPerMinute: 3})
	codes := []int{}
	for range 8 {
		code, _, _ := get(t, http.DefaultClient, s.srv.URL+"/track/"+s.tracking, "")
		codes = append(codes, code)
	}
	ok, limited := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 429:
			limited++
		}
	}
	if ok != 6 || limited != 2 {
		t.Fatalf("codes %v: want 6 answered (burst) then 429", codes)
	}
}

func BenchmarkTrackPage(b *testing.B) {
	s := newShop(b, Config{LookupsPerMinute: 1 << 30})
	u := s.srv.URL + "/track/" + s.tracking
	client := &http.Client{}
	lat := make([]float64, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		resp, err := client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, float64(time.Since(start).Microseconds()))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(percentile(lat, 0.99), "p99-µs")
}

// BenchmarkOpenToken times opening a wrong token and a truncated one:
// they take the same path and should cost the same.
func BenchmarkOpenToken(b *testing.B) {
	tk := mustTokens(b)
	good, _ := tk.Seal("PL00000001")
	flip := []byte(good)
	flip[len(flip)/2] ^= 1
	wrong := strings.Repeat("A", len(good))
	for _, c := range []struct{ name, tok string }{{"wrong", wrong}, {"tampered", string(flip)}, {"truncated", good[:9]},
		{"not-base64", "!!"}, {"empty", ""}, {"good", good}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				tk.Open(c.tok)
			}
		})
	}
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[int(p*float64(len(s)-1))]
}

// TestOrderURLForNotifications: with a base URL the notifier's link opens
// the customer's order; without one there is no link.
func TestOrderURLForNotifications(t *testing.T) {
	s := newShop(t, Config{BaseURL: "https://orders.example.com/"})
	link := s.front.OrderURL(s.orderID)
	tok, ok := strings.CutPrefix(link, "https://orders.example.com/orders/")
	if !ok {
		t.Fatalf("link %q", link)
	}
	if id, err := s.front.tokens.Open(tok); err != nil || id != s.orderID {
		t.Fatalf("link opens %q, %v", id, err)
	}
	if code, _, _ := get(t, http.DefaultClient, s.srv.URL+"/orders/"+tok, ""); code != 200 {
		t.Fatalf("link page: %d", code)
	}
	noBase := newShop(t, Config{})
	if noBase.front.OrderURL(noBase.orderID) != "" {
		t.Fatal("a link without a base URL")
	}
}

// returnCount is how many RMAs central's database holds, read from the
// file itself (read-only): the store has no call that lists them.
func returnCount(t *testing.T, s *shop) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+s.svc.Store.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM returns").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// openReturnForm delivers the order and opens its page as the customer's
// browser would, keeping the CSRF cookie; it returns that browser and the
// form's CSRF token.
func openReturnForm(t *testing.T, s *shop) (*http.Client, string) {
	t.Helper()
	s.deliver(t)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, body, _ := get(t, client, s.srv.URL+"/orders/"+s.token, "")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no return form:\n%s", body)
	}
	return client, m[1]
}

// postReturn posts the return form from the page's own origin.
func postReturn(t *testing.T, s *shop, client *http.Client, form url.Values, lang string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.srv.URL+"/orders/"+s.token+"/returns", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.srv.URL)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

// TestSelfServiceReturnRefusesTamperedForm: a return form post with a
// reason, condition, item or quantity the form does not offer creates no
// RMA and gives the customer the form back with what to fix, in their
// language; it is never turned into some other return. The offered
// choices still make the RMA the customer asked for.
func TestSelfServiceReturnRefusesTamperedForm(t *testing.T) {
	good := func(csrf string) url.Values {
		return url.Values{"csrf": {csrf}, "qty_MUG": {"2"}, "qty_TEA": {"0"}, "reason": {"damaged"}, "condition": {"opened"}}
	}
	const (
		badReason    = "The return was not created: choose a reason from the list."
		badCondition = "The return was not created: choose the condition of the items from the list."
		badQuantity  = "The return was not created: choose how many of each item to send back from the list."
	)
	cases := []struct {
		name   string
		change func(url.Values)
		lang   string
		want   string
	}{
		{"unknown reason", func(f url.Values) { f.Set("reason", "free_upgrade") }, "", badReason},
		{"unknown reason, german", func(f url.Values) { f.Set("reason", "free_upgrade") }, "de-DE,de;q=0.9",
			"Die Rücksendung wurde nicht angelegt: Wählen Sie einen Grund aus der Liste."},
		{"no reason", func(f url.Values) { f.Del("reason") }, "", badReason},
		{"empty reason", func(f url.Values) { f.Set("reason", "") }, "", badReason},
		{"reason in another case", func(f url.Values) { f.Set("reason", "Damaged") }, "", badReason},
		{"two reasons", func(f url.Values) { f.Add("reason", "changed_mind") }, "", badReason},
		{"unknown condition", func(f url.Values) { f.Set("condition", "like_new") }, "", badCondition},
		{"unknown condition, german", func(f url.Values) { f.Set("condition", "like_new") }, "de",
			"Die Rücksendung wurde nicht angelegt: Wählen Sie den Zustand der Artikel aus der Liste."},
		{"no condition", func(f url.Values) { f.Del("condition") }, "", badCondition},
		{"more than shipped", func(f url.Values) { f.Set("qty_MUG", "5") }, "", badQuantity},
		{"more than shipped, german", func(f url.Values) { f.Set("qty_MUG", "5") }, "de",
			"Die Rücksendung wurde nicht angelegt: Wählen Sie aus der Liste, wie viele von jedem Artikel zurückgehen."},
		{"negative quantity", func(f url.Values) { f.Set("qty_MUG", "-1"); f.Set("qty_TEA", "1") }, "", badQuantity},
		{"quantity not a number", func(f url.Values) { f.Set("qty_MUG", "two"); f.Set("qty_TEA", "1") }, "", badQuantity},
		{"empty quantity", func(f url.Values) { f.Set("qty_MUG", ""); f.Set("qty_TEA", "1") }, "", badQuantity},
		{"two quantities", func(f url.Values) { f.Add("qty_MUG", "1") }, "", badQuantity},
		{"item not on the order", func(f url.Values) { f.Set("qty_GOLD", "1") }, "", badQuantity},
		{"nothing chosen", func(f url.Values) { f.Set("qty_MUG", "0") }, "", "Choose at least one item to return."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newShop(t, Config{}) // each case on its own order: one wrong RMA must not hide the next case
			client, csrf := openReturnForm(t, s)
			before := returnCount(t, s)
			form := good(csrf)
			c.change(form)
			code, body, h := postReturn(t, s, client, form, c.lang)
			if code != http.StatusUnprocessableEntity || h.Get("Location") != "" {
				t.Errorf("%d %q, want 422 and the form", code, h.Get("Location"))
			}
			if !strings.Contains(body, `<p role="alert" class="problem">`+c.want+`</p>`) || !strings.Contains(body, `id="return-form"`) {
				t.Errorf("want the form back saying %q:\n%s", c.want, body)
			}
			if after := returnCount(t, s); after != before {
				t.Errorf("%d RMAs before the refused post, %d after", before, after)
			}
			if v, err := s.svc.Store.GetOrder(context.Background(), s.orderID); err != nil || v.Status != oms.StateDelivered {
				t.Errorf("after the refused post the order is %q (%v), want delivered", v.Status, err)
			}
		})
	}

	// The offered choices still make exactly the return asked for.
	s := newShop(t, Config{})
	client, csrf := openReturnForm(t, s)
	before := returnCount(t, s)
	code, _, h := postReturn(t, s, client, good(csrf), "")
	if code != http.StatusSeeOther {
		t.Fatalf("good post: %d", code)
	}
	if after := returnCount(t, s); after != before+1 {
		t.Fatalf("good post: %d RMAs before, %d after", before, after)
	}
	rma := h.Get("Location")[strings.LastIndex(h.Get("Location"), "/")+1:]
	v, err := s.svc.Store.GetReturn(context.Background(), rma)
	if err != nil || v.Reason != "damaged" || v.ExpectedCondition != "opened" || len(v.Lines) != 1 || v.Lines[0].SKU != "MUG" || v.Lines[0].Qty != 2 {
		t.Fatalf("RMA %q: %+v %v", rma, v, err)
	}
}

// TestReturnFormOneChoicePerSKU: an order with the same SKU on two lines
// offers it once, up to what shipped on both, and a post for that much
// is read as one line of it (never twice, never capped). A SKU with
// nothing left to come back (here all on an RMA) is not offered.
func TestReturnFormOneChoicePerSKU(t *testing.T) {
	s := newShopOf(t, Config{}, central.LineInput{SKU: "MUG", Qty: 1}, central.LineInput{SKU: "TEA", Qty: 1}, central.LineInput{SKU: "MUG", Qty: 2})
	s.deliver(t)
	ctx := context.Background()
	if _, err := s.svc.Store.AuthorizeReturn(ctx, central.ReturnInput{OrderID: s.orderID, Reason: "damaged", Lines: []central.ReturnLineInput{{SKU: "TEA", Qty: 1}}}); err != nil {
		t.Fatal(err)
	}
	v, err := s.svc.Store.GetOrder(ctx, s.orderID)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/orders/"+s.token, nil)
	op := s.front.orderPage(req, v)
	if want := []returnChoice{{SKU: "MUG", Description: "Nordic Slate Mug", Max: 3}}; !op.CanReturn || !slices.Equal(op.Choices, want) {
		t.Fatalf("choices %+v (can return: %v), want %+v", op.Choices, op.CanReturn, want)
	}
	rec := httptest.NewRecorder()
	s.front.render(rec, req, http.StatusOK, "order.html", page{Title: "title.order", Order: op, Token: s.token, CSRF: "x"})
	if n := strings.Count(rec.Body.String(), `name="qty_MUG"`); n != 1 || !strings.Contains(rec.Body.String(), `<option value="3">3</option>`) ||
		strings.Contains(rec.Body.String(), `name="qty_TEA"`) {
		t.Fatalf("form offers MUG %d times:\n%s", n, rec.Body.String())
	}
	form := url.Values{"qty_MUG": {"3"}, "reason": {"too_large"}, "condition": {"unopened"}}
	in, problem := readReturnForm(form, op.Choices)
	if problem != "" || len(in.Lines) != 1 || in.Lines[0] != (central.ReturnLineInput{SKU: "MUG", Qty: 3}) || in.Reason != "too_large" {
		t.Fatalf("read %+v, problem %q", in, problem)
	}
	form.Set("qty_MUG", "4")
	if _, problem := readReturnForm(form, op.Choices); problem != "bad_quantity" {
		t.Fatalf("4 of 3 shipped: problem %q", problem)
	}
	form.Set("qty_MUG", "1")
	form.Set("qty_TEA", "1") // all on an RMA already, so not offered
	if _, problem := readReturnForm(form, op.Choices); problem != "bad_quantity" {
		t.Fatalf("an item the form does not offer: problem %q", problem)
	}
}

// TestReturnFormOffersOnlyWhatIsLeft: once an RMA covers one of the two
// mugs and the tea, the form offers one mug and no tea; a post for two
// mugs is refused and makes no RMA, a post for one makes it; then nothing
// is left and the page says so, in English and German, instead of the
// form, and a post is refused.
func TestReturnFormOffersOnlyWhatIsLeft(t *testing.T) {
	s := newShop(t, Config{})
	client, csrf := openReturnForm(t, s)
	ctx := context.Background()
	if _, err := s.svc.Store.AuthorizeReturn(ctx, central.ReturnInput{OrderID: s.orderID, Reason: "damaged",
		Lines: []central.ReturnLineInput{{SKU: "MUG", Qty: 1}, {SKU: "TEA", Qty: 1}}}); err != nil {
		t.Fatal(err)
	}
	mugChoice := regexp.MustCompile(`<select name="qty_MUG">(.*?)</select>`)
	code, body, _ := get(t, client, s.srv.URL+"/orders/"+s.token, "")
	m := mugChoice.FindStringSubmatch(body)
	if code != 200 || m == nil || m[1] != `<option value="0">0</option><option value="1">1</option>` || strings.Contains(body, `name="qty_TEA"`) {
		t.Fatalf("after an RMA for one mug and the tea: %d, want the form offering 0 or 1 mug and no tea:\n%s", code, body)
	}

	before := returnCount(t, s)
	form := url.Values{"csrf": {csrf}, "qty_MUG": {"2"}, "reason": {"too_small"}, "condition": {"unopened"}}
	code, body, h := postReturn(t, s, client, form, "")
	if code != http.StatusUnprocessableEntity || h.Get("Location") != "" ||
		!strings.Contains(body, `<p role="alert" class="problem">The return was not created: choose how many of each item to send back from the list.</p>`) {
		t.Fatalf("post for 2 mugs with 1 left: %d %q, want 422 and the form:\n%s", code, h.Get("Location"), body)
	}
	if after := returnCount(t, s); after != before {
		t.Fatalf("post for 2 mugs with 1 left: %d RMAs before, %d after", before, after)
	}

	form.Set("qty_MUG", "1")
	code, _, h = postReturn(t, s, client, form, "")
	if code != http.StatusSeeOther {
		t.Fatalf("post for the last mug: %d, want 303", code)
	}
	if after := returnCount(t, s); after != before+1 {
		t.Fatalf("post for the last mug: %d RMAs before, %d after", before, after)
	}
	rma := h.Get("Location")[strings.LastIndex(h.Get("Location"), "/")+1:]
	if v, err := s.svc.Store.GetReturn(ctx, rma); err != nil || len(v.Lines) != 1 || v.Lines[0] != (oms.ReturnLine{SKU: "MUG", Qty: 1}) {
		t.Fatalf("RMA %q: %+v %v", rma, v, err)
	}

	for _, c := range []struct{ lang, want string }{
		{"en", "<p>Everything from this order is already on a return.</p>"},
		{"de-DE,de;q=0.9", "<p>Alle Artikel dieser Bestellung sind bereits für eine Rücksendung angemeldet.</p>"},
	} {
		code, body, _ := get(t, client, s.srv.URL+"/orders/"+s.token, c.lang)
		if code != 200 || strings.Contains(body, `id="return-form"`) || !strings.Contains(body, c.want) {
			t.Fatalf("%s page with nothing left: %d, want no form and %q:\n%s", c.lang, code, c.want, body)
		}
	}
	code, body, _ = postReturn(t, s, client, form, "")
	if code != http.StatusConflict || !strings.Contains(body, "Everything from this order is already on a return.") {
		t.Fatalf("post with nothing left: %d, want 409 saying so:\n%s", code, body)
	}
	if after := returnCount(t, s); after != before+1 {
		t.Fatalf("post with nothing left: %d RMAs, want %d", after, before+1)
	}
}

// TestReturnFormWhenCentralCannotSay: when the store cannot say what can
// still come back, the page offers no form (never what shipped, which may
// already be on RMAs) and says to try later.
func TestReturnFormWhenCentralCannotSay(t *testing.T) {
	s := newShop(t, Config{})
	s.deliver(t)
	v, err := s.svc.Store.GetOrder(context.Background(), s.orderID)
	if err != nil {
		t.Fatal(err)
	}
	s.svc.Store.Close() // every query fails from here on
	op := s.front.orderPage(httptest.NewRequest("GET", "/orders/"+s.token, nil), v)
	if op.CanReturn || len(op.Choices) != 0 || op.NoReturn != "return_unavailable" {
		t.Fatalf("can return %v, choices %+v, no return %q; want no form and return_unavailable", op.CanReturn, op.Choices, op.NoReturn)
	}
}

// TestEveryStateHasACustomerWord: whatever state an order is in, the
// customer reads a word in their language, never an internal state name.
func TestEveryStateHasACustomerWord(t *testing.T) {
	for _, st := range oms.States() {
		for lang, words := range messages {
			if _, ok := words[customerWord(st)]; !ok {
				t.Errorf("state %s: no %s word for %q", st, lang, customerWord(st))
			}
		}
	}
}
