package oms

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func validOrder() Order {
	return Order{
		Channel: ChannelWeb, ExternalID: "W-1001",
		Customer:     Customer{Name: "Ada Lovelace", Email: "ada@example.com"},
		ShipTo:       Address{Name: "Ada Lovelace", Street1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GB"},
		Currency:     "GBP",
		ServiceLevel: ServiceStandard,
		Lines:        []Line{{LineNo: 1, SKU: "SKU-1", Qty: 2, UnitPrice: 1299}, {LineNo: 2, SKU: "SKU-2", Qty: 1, UnitPrice: 500}},
	}
}

func TestOrderValidate(t *testing.T) {
	o := validOrder()
	if err := o.Validate(); err != nil {
		t.Fatalf("valid order refused: %v", err)
	}
	if o.Total() != 3098 || o.Units() != 3 {
		t.Fatalf("total %d units %d", o.Total(), o.Units())
	}
	cases := []struct {
		name   string
		mutate func(*Order)
		field  string
	}{
		{"channel", func(o *Order) { o.Channel = "fax" }, "channel"},
		{"external id", func(o *Order) { o.ExternalID = " " }, "external_id"},
		{"customer", func(o *Order) { o.Customer.Name = "" }, "customer.name"},
		{"email", func(o *Order) { o.Customer.Email = "not-an-email" }, "customer.email"},
		{"country", func(o *Order) { o.ShipTo.Country = "Britain" }, "ship_to.country"},
		{"street", func(o *Order) { o.ShipTo.Street1 = "" }, "ship_to.street1"},
		{"control chars", func(o *Order) { o.ShipTo.City = "Lon\x00don" }, "ship_to.city"},
		{"currency", func(o *Order) { o.Currency = "XYZ" }, "currency"},
		{"service", func(o *Order) { o.ServiceLevel = "slow" }, "service_level"},
		{"no lines", func(o *Order) { o.Lines = nil }, "lines"},
		{"qty", func(o *Order) { o.Lines[1].Qty = 0 }, "lines[2].qty"},
		{"price", func(o *Order) { o.Lines[0].UnitPrice = -1 }, "lines[1].unit_price"},
		{"sku", func(o *Order) { o.Lines[0].SKU = "" }, "lines[1].sku"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := validOrder()
			c.mutate(&o)
			err := o.Validate()
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), c.field+":") {
				t.Fatalf("error %q does not name field %s", err, c.field)
			}
		})
	}
}

func TestCurrencyExponent(t *testing.T) {
	for code, want := range map[string]int{"EUR": 2, "JPY": 0, "KWD": 3, "USD": 2} {
		if got, ok := CurrencyExponent(code); !ok || got != want {
			t.Errorf("%s: %d %v, want %d", code, got, ok, want)
		}
	}
	if _, ok := CurrencyExponent("eur"); ok {
		t.Error("lower-case code accepted")
	}
}

func TestGTIN(t *testing.T) {
	valid := []string{"96385074", "036000291452", "4006381333931", "09506000134352", "5901234123457"}
	for _, g := range valid {
		if err := CheckGTIN(g); err != nil {
			t.Errorf("%s: %v", g, err)
		}
		n, err := NormalizeGTIN(g)
		if err != nil || len(n) != 14 || !strings.HasSuffix(n, g) {
			t.Errorf("NormalizeGTIN(%s) = %s, %v", g, n, err)
		}
	}
	for _, g := range []string{"4006381333932", "03600029145", "40063813339A1", "", "123456789012345"} {
		if err := CheckGTIN(g); err == nil {
			t.Errorf("%q accepted", g)
		}
	}
	if LookupKey("4006381333931") != "04006381333931" || LookupKey(" sku-9 ") != "SKU-9" {
		t.Error("LookupKey does not normalise")
	}
}

func TestBarcodeValidate(t *testing.T) {
	ok := []Barcode{{Code: "4006381333931", Kind: BarcodeGTIN13}, {Code: "96385074", Kind: BarcodeGTIN8}, {Code: "PL-000123", Kind: BarcodeInternal}}
	for _, b := range ok {
		if err := b.Validate(); err != nil {
			t.Errorf("%v: %v", b, err)
		}
	}
	bad := []Barcode{{Code: "4006381333931", Kind: BarcodeGTIN12}, {Code: "4006381333932", Kind: BarcodeGTIN13}, {Code: "x", Kind: "qr"}, {Code: "", Kind: BarcodeAlias}}
	for _, b := range bad {
		if err := b.Validate(); err == nil {
			t.Errorf("%v accepted", b)
		}
	}
}

func TestLocationCode(t *testing.T) {
	l, err := ParseLocationCode("b-3-12-2")
	if err != nil {
		t.Fatal(err)
	}
	if l.Code != "B-03-12-2" || l.Zone != "B" || l.Aisle != 3 || l.Bay != 12 || l.Level != 2 {
		t.Fatalf("%+v", l)
	}
	for _, bad := range []string{"", "A-1-2", "A1-01-02-1", "A-xx-02-1", "A-01-02-", "A-01-02-1-9", "A-00001-1-1"} {
		if _, err := ParseLocationCode(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// The serpentine walk goes up aisle 1 and back down aisle 2.
	a1b1, _ := ParseLocationCode("A-01-01-1")
	a1b9, _ := ParseLocationCode("A-01-09-1")
	a2b9, _ := ParseLocationCode("A-02-09-1")
	a2b1, _ := ParseLocationCode("A-02-01-1")
	seq := []int{SerpentineWalkSeq(a1b1, 10, 4), SerpentineWalkSeq(a1b9, 10, 4), SerpentineWalkSeq(a2b9, 10, 4), SerpentineWalkSeq(a2b1, 10, 4)}
	for i := 1; i < len(seq); i++ {
		if seq[i] <= seq[i-1] {
			t.Fatalf("walk order not increasing: %v", seq)
		}
	}
}

func TestOrderValidateRefusesControlCharacters(t *testing.T) {
	fields := []struct {
		field string
		set   func(*Order, string)
	}{
		{"id", func(o *Order, v string) { o.ID = v }},
		{"external_id", func(o *Order, v string) { o.ExternalID = v }},
		{"customer.name", func(o *Order, v string) { o.Customer.Name = v }},
		{"customer.email", func(o *Order, v string) { o.Customer.Email = v }},
		{"customer.phone", func(o *Order, v string) { o.Customer.Phone = v }},
		{"site", func(o *Order, v string) { o.Site = v }},
		{"ship_to.name", func(o *Order, v string) { o.ShipTo.Name = v }},
		{"ship_to.company", func(o *Order, v string) { o.ShipTo.Company = v }},
		{"ship_to.street1", func(o *Order, v string) { o.ShipTo.Street1 = v }},
		{"ship_to.street2", func(o *Order, v string) { o.ShipTo.Street2 = v }},
		{"ship_to.city", func(o *Order, v string) { o.ShipTo.City = v }},
		{"ship_to.region", func(o *Order, v string) { o.ShipTo.Region = v }},
		{"ship_to.postal_code", func(o *Order, v string) { o.ShipTo.PostalCode = v }},
		{"ship_to.phone", func(o *Order, v string) { o.ShipTo.Phone = v }},
		{"ship_to.email", func(o *Order, v string) { o.ShipTo.Email = v }},
		{"lines[1].sku", func(o *Order, v string) { o.Lines[0].SKU = v }},
		{"lines[2].sku", func(o *Order, v string) { o.Lines[1].SKU = v }},
	}
	for _, f := range fields {
		for _, c := range forbidden {
			t.Run(f.field+"/"+c.name, func(t *testing.T) {
				o := validOrder()
				f.set(&o, "AB"+c.s+"CD")
				wantRefused(t, o.Validate(), f.field, c.shown, 3)
			})
		}
	}
	// A field that is nothing but a control character is refused for
	// that, not reported missing.
	o := validOrder()
	o.ExternalID = "\t"
	wantRefused(t, o.Validate(), "external_id", `'\t'`, 1)
}

func TestOrderValidateAcceptsUnicode(t *testing.T) {
	o := validOrder()
	o.ExternalID = "Bestellung-Nº-4711"
	o.Customer = Customer{Name: "Zoë Ångström 李小龙 🙂", Email: "zoe@example.com", Phone: "+41 44 000 00 00"}
	o.ShipTo = Address{Name: "Zoë Ångström", Company: "Café Zürich", Street1: "Bahnhofstraße 1", City: "Zürich", PostalCode: "8001", Country: "CH"}
	o.Lines[0].SKU = "CAFÉ-中文-01"
	if err := o.Validate(); err != nil {
		t.Fatalf("refused: %v", err)
	}
}

func TestOrderLineSKUCode(t *testing.T) {
	for _, c := range []struct{ sku, want string }{
		{" SKU-1", "leading or trailing spaces"},
		{"SKU-1\u00a0", "leading or trailing spaces"},
		{strings.Repeat("S", MaxSKULen+1), "65 characters"},
	} {
		o := validOrder()
		o.Lines[1].SKU = c.sku
		err := o.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "lines[2].sku: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want ErrInvalid naming lines[2].sku and %q", c.sku, err, c.want)
		}
	}
}

// FuzzOrderValidate: an order Validate accepts holds only clean text in
// the fields a channel fills in, and a refusal's message is clean itself.
func FuzzOrderValidate(f *testing.F) {
	f.Add("W-1001", "Ada Lovelace", "ada@example.com", "London", "SKU-1")
	// One fault each, so each is the reason for its refusal.
	f.Add("W-1\x1b[2J", "Ada", "", "London", "SKU-1")
	f.Add("W-1", "Ada\u009b", "", "London", "SKU-1")
	f.Add("W-1", "Ada", "ada\n@example.com", "London", "SKU-1")
	f.Add("W-1", "Ada", "\"x\\\x01\" <a@b.c>", "London", "SKU-1")
	f.Add("W-1", "Ada", "", "Lon\x00don", "SKU-1")
	f.Add("W-1", "Ada", "", "London", "SKU\x7f")
	f.Add("W-\xff", "Zoë 李", "", "Zürich", "SKU-1")
	f.Add("W-1", "Ada", "", "London", " SKU-1")
	f.Fuzz(func(t *testing.T, ext, name, email, city, sku string) {
		o := validOrder()
		o.ExternalID, o.Customer.Name, o.Customer.Email, o.ShipTo.City, o.Lines[0].SKU = ext, name, email, city, sku
		err := o.Validate()
		if err == nil {
			for _, s := range []string{ext, name, email, city, sku} {
				if !cleanText(s) {
					t.Fatalf("accepted %q in %+v", s, o)
				}
			}
			if strings.TrimSpace(sku) != sku || utf8.RuneCountInString(sku) > MaxSKULen {
				t.Fatalf("accepted line sku %q", sku)
			}
			return
		}
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("%v does not wrap ErrInvalid", err)
		}
		if !cleanText(err.Error()) {
			t.Fatalf("error %q carries the bad text itself", err)
		}
	})
}
