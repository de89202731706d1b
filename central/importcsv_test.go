package central

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/packline/packline/oms"
)

const importHeader = "channel,external_id,customer_name,customer_email,ship_to_name,ship_to_street1,ship_to_city,ship_to_postal_code,ship_to_country,currency,service_level,ship_complete,sku,qty,unit_price\n"

// storedOrder finds an order by its channel key, or reports false.
func (w *world) storedOrder(t testing.TB, ch oms.Channel, ext string) (OrderView, bool) {
	t.Helper()
	list, err := w.store.ListOrders(w.ctx, OrderFilter{Channel: ch, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list {
		if o.ExternalID == ext {
			return w.view(t, o.ID), true
		}
	}
	return OrderView{}, false
}

func TestImportCSVKeepsGoodOrdersAndNamesBadRows(t *testing.T) {
	w := newWorld(t)
	file := importHeader +
		"web,W-1,Ada Lovelace,ada@example.com,Ada Lovelace,1 High St,London,N1 9GU,GB,EUR,express,false,SKU-1,2,19.99\n" + // line 2
		"web,W-2,Bea,,Bea,Hauptstr. 1,Berlin,10115,DE,EUR,,,SKU-1,1,5\n" + // line 3
		"web,W-2,,,,,,,,,,,SKU-2,two,5.00\n" + // line 4: bad qty
		"web,W-1,,,,,,,,,,,SKU-2,1,0.5\n" + // line 5: second line of W-1, not next to its first
		"web,W-3,Cy,,Cy,1 Main St,Newark,07114,US,USD,,,NOPE-9,1,3.00\n" + // line 6: unknown sku
		"web,W-4,Di,,Di,1 Rue,,75001,FR,EUR,,,SKU-1,1,3.00\n" + // line 7: no city
		"web,W-5,Ed,,Ed,1 Way,Leeds,LS1,GB,EUR,,,SKU-1,1,3.00\n" + // line 8
		"web,W-5,,,,,,,,USD,,,SKU-2,1,3.00\n" + // line 9: contradicts line 8
		"pos,P-1,Flo,,Flo,2 Way,York,YO1,GB,JPY,,yes,SKU-3,3,1500\n" // line 10
	res, err := w.svc.ImportCSV(w.ctx, strings.NewReader(file), "import")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Imported) != 2 || res.Imported[0].ExternalID != "W-1" || res.Imported[1].ExternalID != "P-1" || !res.Imported[0].Created {
		t.Fatalf("imported = %+v, want W-1 and P-1", res.Imported)
	}
	want := []struct {
		line int
		has  []string
	}{
		{4, []string{"line 4", "web/W-2", "qty", `"two"`}},
		{6, []string{"line 6", "web/W-3", "sku", "unknown sku", "NOPE-9"}},
		{7, []string{"line 7", "web/W-4", "ship_to_city", "missing"}},
		{9, []string{"line 9", "web/W-5", "currency", "line 8"}},
	}
	if len(res.Errors) != len(want) {
		t.Fatalf("errors = %+v, want %d", res.Errors, len(want))
	}
	for i, wnt := range want {
		e := res.Errors[i]
		if e.Line != wnt.line {
			t.Errorf("errors[%d].line = %d, want %d (%s)", i, e.Line, wnt.line, e.Error)
		}
		for _, s := range wnt.has {
			if !strings.Contains(e.Error, s) {
				t.Errorf("errors[%d] = %q, want it to name %q", i, e.Error, s)
			}
		}
	}
	for _, ext := range []string{"W-2", "W-3", "W-4", "W-5"} {
		if _, ok := w.storedOrder(t, oms.ChannelWeb, ext); ok {
			t.Errorf("order %s stored despite its bad row", ext)
		}
	}
	o, ok := w.storedOrder(t, oms.ChannelWeb, "W-1")
	if !ok {
		t.Fatal("W-1 not stored")
	}
	if len(o.Lines) != 2 || o.Lines[0].UnitPrice != 1999 || o.Lines[0].Qty != 2 || o.Lines[1].SKU != "SKU-2" || o.Lines[1].UnitPrice != 50 {
		t.Errorf("W-1 lines = %+v, want SKU-1 2 x 1999, SKU-2 1 x 50", o.Lines)
	}
	if o.ServiceLevel != oms.ServiceExpress || o.Customer.Email != "ada@example.com" || o.ShipTo.City != "London" {
		t.Errorf("W-1 = %+v", o)
	}
	p, _ := w.storedOrder(t, oms.ChannelPOS, "P-1")
	if len(p.Lines) != 1 || p.Lines[0].UnitPrice != 1500 || !p.ShipComplete || p.Currency != "JPY" {
		t.Errorf("P-1 = %+v, want 3 x 1500 JPY, ship complete", p)
	}

	// The same file again stores nothing new.
	again, err := w.svc.ImportCSV(w.ctx, strings.NewReader(file), "import")
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Imported) != 2 || again.Imported[0].Created || again.Imported[0].ID != res.Imported[0].ID {
		t.Errorf("re-import = %+v, want the same two orders, not created", again.Imported)
	}
	all, _ := w.store.ListOrders(w.ctx, OrderFilter{})
	if len(all) != 2 {
		t.Errorf("%d orders stored after importing twice, want 2", len(all))
	}
}

func TestImportCSVChannelCaseIsOneOrder(t *testing.T) {
	w := newWorld(t)
	file := importHeader +
		"web,W-1,Ada,,Ada,1 High St,London,N1,GB,EUR,,,SKU-1,1,1.00\n" +
		"Web,W-1,,,,,,,,,,,SKU-2,1,1.00\n"
	res, err := w.svc.ImportCSV(w.ctx, strings.NewReader(file), "import")
	if err != nil || len(res.Imported) != 1 || len(res.Errors) != 0 {
		t.Fatalf("res = %+v, %v", res, err)
	}
	if o := w.view(t, res.Imported[0].ID); len(o.Lines) != 2 {
		t.Errorf("lines = %+v, want both rows", o.Lines)
	}
}

func TestImportCSVOverHTTP(t *testing.T) {
	w := newWorld(t)
	srv := httptest.NewServer(NewAPI(w.svc))
	defer srv.Close()
	post := func(body []byte) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/v1/orders/import", "text/csv", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	good := "web,W-1,Ada,,Ada,1 High St,London,N1,GB,EUR,,,SKU-1,1,1.00\n"

	code, out := post([]byte(importHeader + good))
	if code != http.StatusOK || len(out["imported"].([]any)) != 1 {
		t.Fatalf("good file: %d %v", code, out)
	}
	cases := []struct {
		name string
		body string
		code int
		has  string
	}{
		{"unknown column", strings.Replace(importHeader, "ship_to_city", "ship_to_town", 1) + good, 400, `"ship_to_town"`},
		{"missing column", strings.Replace(importHeader, ",qty", "", 1) + good, 400, `"qty"`},
		{"empty", "", 400, "header"},
		{"broken quoting", importHeader + strings.Replace(good, "W-1", "W-9", 1) + "web,W-8,\"Ada,,Ada,1 High St,London,N1,GB,EUR,,,SKU-1,1,1.00\n", 400, "line 3"},
	}
	for _, c := range cases {
		code, out := post([]byte(c.body))
		if code != c.code || !strings.Contains(out["error"].(string), c.has) {
			t.Errorf("%s: %d %v, want %d naming %s", c.name, code, out, c.code, c.has)
		}
	}
	if _, ok := w.storedOrder(t, oms.ChannelWeb, "W-9"); ok {
		t.Error("a file with broken quoting was partly imported")
	}

	big := bytes.Repeat([]byte(good), ImportMaxBytes/len(good)+1)
	code, out = post(append([]byte(importHeader), big...))
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized file: %d %v, want 413", code, out)
	}
}

func FuzzParseImportCSV(f *testing.F) {
	f.Add([]byte(importHeader + "web,W-1,Ada,,Ada,1 High St,London,N1,GB,EUR,,,SKU-1,1,1.00\n"))
	f.Add([]byte(importHeader + "web,W-1,Ada,,Ada,1 High St,London,N1,GB,EUR,,,SKU-1,1\n,,\n\"x"))
	f.Add([]byte("\ufeffchannel,external_id\n"))
	f.Add([]byte(importHeader + "web,W-1,,,,,,,,KWD,,maybe,SKU-1,-1,1.0001\nweb,W-1,,,,,,,,EUR,,,,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := parseImportCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, o := range file.orders {
			if len(o.rows) != len(o.in.Lines) {
				t.Fatalf("order %s: %d rows, %d lines", o.key, len(o.rows), len(o.in.Lines))
			}
			for _, e := range o.errs {
				if e.Line < 2 || !strings.Contains(e.Error, "line ") {
					t.Fatalf("error without its line: %+v", e)
				}
			}
			if len(o.errs) == 0 {
				order := o.in.Order()
				if err := order.Validate(); err != nil {
					if e := o.locate(err); e.Line < 2 {
						t.Fatalf("located error without line: %+v", e)
					}
				}
			}
		}
	})
}
