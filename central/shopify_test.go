package central

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/packline/packline/oms"
)

const shopifySecret = "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"

func shopifySign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func shopifyWorld(t *testing.T) (*world, *httptest.Server, []byte) {
	t.Helper()
	w := newWorld(t)
	for _, sku := range []string{"MUG-SLATE-350", "TEAPOT-CI-12"} {
		if err := w.store.PutSKU(w.ctx, oms.SKU{SKU: sku, Description: sku}); err != nil {
			t.Fatal(err)
		}
	}
	w.svc.Shopify = ShopifyConfig{Secret: shopifySecret, ShopDomain: "example.myshopify.com"}
	srv := httptest.NewServer(NewAPI(w.svc))
	t.Cleanup(srv.Close)
	body, err := os.ReadFile("testdata/shopify/orders_create.json")
	if err != nil {
		t.Fatal(err)
	}
	return w, srv, body
}

func postShopify(t *testing.T, srv *httptest.Server, body []byte, sig string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/v1/webhooks/shopify/orders-create", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Topic", "orders/create")
	req.Header.Set("X-Shopify-Shop-Domain", "example.myshopify.com")
	if sig != "" {
		req.Header.Set("X-Shopify-Hmac-Sha256", sig)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestShopifyWebhookCapturesSignedOrder(t *testing.T) {
	w, srv, body := shopifyWorld(t)
	code, out := postShopify(t, srv, body, shopifySign(shopifySecret, body), nil)
	if code != http.StatusCreated {
		t.Fatalf("signed order: %d %v, want 201", code, out)
	}
	o := w.view(t, out["id"].(string))
	if o.Channel != oms.ChannelWeb || o.ExternalID != "5738094870774542921" || o.Currency != "USD" || o.ServiceLevel != oms.ServiceExpress {
		t.Errorf("order = %+v", o)
	}
	if o.Customer.Name != "Jon Smith" || o.Customer.Email != "jon.smith@example.com" {
		t.Errorf("customer = %+v", o.Customer)
	}
	want := oms.Address{Name: "Jon Smith", Street1: "52 Garden Avenue", Street2: "Apt 3", City: "Hoboken", Region: "NJ", PostalCode: "07030", Country: "US", Phone: "+1 201 555 0143"}
	if o.ShipTo != want {
		t.Errorf("ship_to = %+v, want %+v", o.ShipTo, want)
	}
	if len(o.Lines) != 2 || o.Lines[0].SKU != "MUG-SLATE-350" || o.Lines[0].Qty != 2 || o.Lines[0].UnitPrice != 2450 ||
		o.Lines[1].SKU != "TEAPOT-CI-12" || o.Lines[1].UnitPrice != 19450 {
		t.Errorf("lines = %+v, want 2 mugs at 2450 and a teapot at 19450 (the gift card is not shipped)", o.Lines)
	}
	if last := o.History[len(o.History)-1]; last.By != "shopify" {
		t.Errorf("history = %+v, want captured by shopify", o.History)
	}
	// Shopify delivers a webhook at least once.
	code, again := postShopify(t, srv, body, shopifySign(shopifySecret, body), nil)
	if code != http.StatusOK || again["id"] != out["id"] {
		t.Errorf("second delivery: %d %v, want 200 and the same order", code, again)
	}
}

func TestShopifyWebhookRefusesBadSignatureAndStoresNothing(t *testing.T) {
	w, srv, body := shopifyWorld(t)
	tampered := bytes.Replace(body, []byte(`"quantity": 2`), []byte(`"quantity": 20`), 1)
	cases := []struct {
		name string
		body []byte
		sig  string
		hdr  map[string]string
	}{
		{"missing signature", body, "", nil},
		{"wrong secret", body, shopifySign("not-the-secret", body), nil},
		{"body changed after signing", tampered, shopifySign(shopifySecret, body), nil},
		{"not base64", body, "%%%", nil},
		{"other shop", body, shopifySign(shopifySecret, body), map[string]string{"X-Shopify-Shop-Domain": "evil.myshopify.com"}},
	}
	for _, c := range cases {
		if code, out := postShopify(t, srv, c.body, c.sig, c.hdr); code != http.StatusUnauthorized {
			t.Errorf("%s: %d %v, want 401", c.name, code, out)
		}
	}
	if list, _ := w.store.ListOrders(w.ctx, OrderFilter{}); len(list) != 0 {
		t.Errorf("%d orders stored from refused webhooks", len(list))
	}
}

func TestShopifyWebhookBadOrders(t *testing.T) {
	w, srv, body := shopifyWorld(t)
	send := func(b []byte) (int, string) {
		code, out := postShopify(t, srv, b, shopifySign(shopifySecret, b), nil)
		msg, _ := out["error"].(string)
		return code, msg
	}
	unknown := bytes.Replace(body, []byte(`"TEAPOT-CI-12"`), []byte(`"TEAPOT-XX"`), 1)
	if code, msg := send(unknown); code != http.StatusUnprocessableEntity || !strings.Contains(msg, "TEAPOT-XX") {
		t.Errorf("unknown sku: %d %q, want 422 naming the sku", code, msg)
	}
	badPrice := bytes.Replace(body, []byte(`"price": "194.50"`), []byte(`"price": "194.505"`), 1)
	if code, msg := send(badPrice); code != http.StatusUnprocessableEntity || !strings.Contains(msg, "line_items[2].price") {
		t.Errorf("bad price: %d %q, want 422 naming line_items[2].price", code, msg)
	}
	noCity := bytes.Replace(body, []byte(`"city": "Hoboken"`), []byte(`"city": ""`), -1)
	if code, msg := send(noCity); code != http.StatusUnprocessableEntity || !strings.Contains(msg, "shipping_address: city") {
		t.Errorf("no city: %d %q, want 422 naming shipping_address city", code, msg)
	}
	if code, msg := send([]byte(`{"id": 1, "line_items": [`)); code != http.StatusBadRequest {
		t.Errorf("truncated JSON: %d %q, want 400", code, msg)
	}
	if list, _ := w.store.ListOrders(w.ctx, OrderFilter{}); len(list) != 0 {
		t.Errorf("%d orders stored from bad webhooks", len(list))
	}
	w.svc.Shopify.Secret = ""
	if code, msg := send(body); code != http.StatusServiceUnavailable {
		t.Errorf("unconfigured: %d %q, want 503", code, msg)
	}
}

func TestShopifyServiceLevels(t *testing.T) {
	c := ShopifyConfig{ServiceLevels: map[string]oms.ServiceLevel{"DHL-EXP-12": oms.ServiceNextDay}}
	for _, tc := range []struct {
		line shopifyShippingLine
		want oms.ServiceLevel
	}{
		{shopifyShippingLine{Code: "dhl-exp-12", Title: "DHL"}, oms.ServiceNextDay},
		{shopifyShippingLine{Title: "Overnight Air"}, oms.ServiceNextDay},
		{shopifyShippingLine{Code: "Priority Mail"}, oms.ServiceExpress},
		{shopifyShippingLine{Title: "Standard"}, oms.ServiceStandard},
	} {
		if got := c.serviceLevel(tc.line); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.line, got, tc.want)
		}
	}
	if err := (&ShopifyConfig{ServiceLevels: map[string]oms.ServiceLevel{"x": "warp"}}).Validate(); err == nil || !strings.Contains(err.Error(), "service_levels.x") {
		t.Errorf("Validate = %v, want it to name service_levels.x", err)
	}
}

func FuzzShopifyOrder(f *testing.F) {
	body, err := os.ReadFile("testdata/shopify/orders_create.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body)
	f.Add([]byte(`{"id":"12","currency":"JPY","shipping_address":{"address1":"x","city":"y","country_code":"jp","name":"n"},"line_items":[{"sku":"A","quantity":1,"price":1500.00}]}`))
	f.Add([]byte(`{"id":null,"line_items":[{"price":"-1"}],"shipping_lines":[{}]}`))
	c := &ShopifyConfig{}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := c.parseShopifyOrder(data)
		if err != nil {
			return
		}
		o := in.Order()
		_ = o.Validate()
		for _, l := range in.Lines {
			if l.UnitPrice < 0 {
				t.Fatalf("negative price from %q", data)
			}
		}
	})
}
