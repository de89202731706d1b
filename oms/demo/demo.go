// Package demo generates Packline's demo data: a catalog, three sites with
// bins and stock, and orders across every channel. The same seed always
// gives the same data, so demos, docs and tests can name real SKUs and
// orders.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// Sizes says how much to generate.
type Sizes struct {
	SKUs   int
	Orders int
}

// DefaultSizes is what `make run` loads: a few hundred SKUs, several
// hundred orders.
var DefaultSizes = Sizes{SKUs: 300, Orders: 600}

// DefaultSeed is the seed of the demo data in docs and `make run`.
const DefaultSeed = 1

// Stock is a quantity of a SKU in a bin.
type Stock struct {
	Site     string `json:"site"`
	Location string `json:"location"`
	SKU      string `json:"sku"`
	Qty      int    `json:"qty"`
}

// Data is one generated demo world.
type Data struct {
	Sites     []oms.Site       `json:"sites"`
	Locations []oms.Location   `json:"locations"`
	SKUs      []oms.SKU        `json:"skus"`
	Stock     []Stock          `json:"stock"`
	Cartons   []oms.CartonType `json:"cartons"`
	Orders    []oms.Order      `json:"orders"`
}

// Epoch is the demo's "now": orders are placed in the day before it and
// promised after it. Fixed, so that the data does not depend on the clock.
var Epoch = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// Generate builds a demo world from seed.
func Generate(seed uint64, sizes Sizes) Data {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), used: map[string]bool{}}
	var d Data
	d.Sites = sites()
	for _, s := range d.Sites {
		d.Locations = append(d.Locations, locations(s.ID)...)
	}
	d.SKUs = g.skus(sizes.SKUs)
	d.Stock = g.stock(d.Sites, d.Locations, d.SKUs)
	d.Cartons = cartons()
	d.Orders = g.orders(sizes.Orders, d.Sites, d.SKUs)
	return d
}

// Default is Generate(DefaultSeed, DefaultSizes).
func Default() Data { return Generate(DefaultSeed, DefaultSizes) }

type gen struct {
	r    *rand.Rand
	used map[string]bool // lookup keys of barcodes issued so far
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func sites() []oms.Site {
	return []oms.Site{
		{ID: "LON", Name: "London DC", GS1CompanyPrefix: "5060123",
			Address: oms.Address{Company: "Packline Ltd", Name: "London DC", Street1: "Unit 4, Thames Gateway Park", City: "Dagenham", Region: "Essex", PostalCode: "RM9 6XX", Country: "GB"}},
		{ID: "BER", Name: "Berlin DC", GS1CompanyPrefix: "4012345",
			Address: oms.Address{Company: "Packline GmbH", Name: "Berlin DC", Street1: "Am Juliusturm 40", City: "Berlin", PostalCode: "13599", Country: "DE"}},
		{ID: "EWR", Name: "Newark DC", GS1CompanyPrefix: "0614141",
			Address: oms.Address{Company: "Packline Inc", Name: "Newark DC", Street1: "200 Port Street", City: "Newark", Region: "NJ", PostalCode: "07114", Country: "US"}},
	}
}

// locations lays out zones A-C, 6 aisles of 10 bays with 4 levels, and
// numbers them along a serpentine walk.
func locations(site string) []oms.Location {
	const aisles, bays, levels = 6, 10, 4
	var out []oms.Location
	for zi, zone := range []string{"A", "B", "C"} {
		for a := 1; a <= aisles; a++ {
			for b := 1; b <= bays; b++ {
				for l := 1; l <= levels; l++ {
					loc := oms.Location{Site: site, Zone: zone, Aisle: a, Bay: b, Level: l, Code: oms.FormatLocationCode(zone, a, b, l)}
					loc.WalkSeq = zi*100000 + oms.SerpentineWalkSeq(loc, bays, levels)
					out = append(out, loc)
				}
			}
		}
	}
	return out
}

type category struct {
	name      string
	nouns     []string
	hs        string
	lot       bool
	grams     [2]int
	price     [2]int64 // minor units
	caseQty   int
	countries []string
}

var categories = []category{
	{"kitchen", []string{"Mug", "Teapot", "Cafetière", "Chopping Board", "Colander", "Whisk", "Ladle"}, "691110", false, [2]int{150, 1200}, [2]int64{499, 3999}, 6, []string{"GB", "CN", "PT"}},
	{"home", []string{"Cushion", "Throw", "Candle", "Vase", "Picture Frame", "Doormat"}, "630493", false, [2]int{200, 1800}, [2]int64{899, 5999}, 4, []string{"IN", "CN", "TR"}},
	{"beauty", []string{"Hand Cream", "Lip Balm", "Face Serum", "Shampoo", "Soap Bar"}, "330499", true, [2]int{40, 450}, [2]int64{299, 2499}, 12, []string{"FR", "DE", "KR"}},
	{"food", []string{"Coffee Beans", "Green Tea", "Dark Chocolate", "Honey", "Olive Oil", "Granola"}, "090121", true, [2]int{100, 1000}, [2]int64{349, 1899}, 12, []string{"IT", "ES", "CO", "GB"}},
	{"outdoor", []string{"Water Bottle", "Head Torch", "Trekking Pole", "Dry Bag", "Camping Mug"}, "732393", false, [2]int{90, 900}, [2]int64{999, 6999}, 6, []string{"CN", "VN", "TW"}},
	{"stationery", []string{"Notebook", "Fountain Pen", "Pencil Set", "Desk Tidy", "Planner"}, "482010", false, [2]int{30, 600}, [2]int64{199, 4999}, 10, []string{"JP", "DE", "GB"}},
}

var adjectives = []string{"Classic", "Nordic", "Rustic", "Everyday", "Premium", "Compact", "Organic", "Heritage", "Studio", "Coastal", "Alpine", "Urban"}
var colours = []string{"Slate", "Sage", "Ivory", "Ochre", "Navy", "Charcoal", "Terracotta", "Mint", "Sand", "Plum"}

// gtin issues a GTIN of the given length with a valid check digit, never
// one already issued in this world.
func (g *gen) gtin(prefix string, length int) string {
	for {
		body := prefix
		for len(body) < length-1 {
			body += string(rune('0' + g.r.IntN(10)))
		}
		cd, _ := oms.GS1CheckDigit(body)
		code := body + string(rune(cd))
		if key := oms.LookupKey(code); !g.used[key] {
			g.used[key] = true
			return code
		}
	}
}

func (g *gen) skus(n int) []oms.SKU {
	prefixes := []string{"50", "400", "401", "402", "590", "800", "760"}
	out := make([]oms.SKU, 0, n)
	for i := range n {
		c := categories[i%len(categories)]
		noun := g.pick(c.nouns)
		s := oms.SKU{
			SKU:             fmt.Sprintf("%s-%04d", strings.ToUpper(c.name[:3]), i+1),
			Description:     fmt.Sprintf("%s %s %s", g.pick(adjectives), g.pick(colours), noun),
			LotTracked:      c.lot,
			ExpiryTracked:   c.lot,
			WeightGrams:     c.grams[0] + g.r.IntN(c.grams[1]-c.grams[0]),
			LengthMM:        50 + g.r.IntN(300),
			WidthMM:         40 + g.r.IntN(200),
			HeightMM:        20 + g.r.IntN(150),
			HSCode:          c.hs,
			CountryOfOrigin: g.pick(c.countries),
		}
		s.CustomsValue = c.price[0] + g.r.Int64N(c.price[1]-c.price[0])
		// Unit barcode: mostly EAN-13; some US items carry UPC-A, small ones EAN-8.
		switch {
		case i%10 == 3:
			s.Barcodes = append(s.Barcodes, oms.Barcode{Code: g.gtin("0", 12), Kind: oms.BarcodeGTIN12, Qty: 1})
		case i%25 == 7:
			s.Barcodes = append(s.Barcodes, oms.Barcode{Code: g.gtin("9", 8), Kind: oms.BarcodeGTIN8, Qty: 1})
		default:
			s.Barcodes = append(s.Barcodes, oms.Barcode{Code: g.gtin(g.pick(prefixes), 13), Kind: oms.BarcodeGTIN13, Qty: 1})
		}
		// Case barcode (GTIN-14, indicator 1) for a third of the catalog.
		if i%3 == 0 {
			unit := fmt.Sprintf("%013s", s.Barcodes[0].Code)
			body := "1" + unit[:12]
			cd, _ := oms.GS1CheckDigit(body)
			code := body + string(rune(cd))
			if !g.used[code] {
				g.used[code] = true
				s.Barcodes = append(s.Barcodes, oms.Barcode{Code: code, Kind: oms.BarcodeGTIN14, Qty: c.caseQty})
			}
		}
		s.Barcodes = append(s.Barcodes, oms.Barcode{Code: "PL" + s.SKU, Kind: oms.BarcodeInternal, Qty: 1})
		g.used[oms.LookupKey("PL"+s.SKU)] = true
		if i%4 == 1 {
			alias := fmt.Sprintf("B0%08X", g.r.Uint32())
			if !g.used[alias] {
				g.used[alias] = true
				s.Barcodes = append(s.Barcodes, oms.Barcode{Code: alias, Kind: oms.BarcodeAlias, Qty: 1})
			}
		}
		out = append(out, s)
	}
	return out
}

// stock puts each SKU in one to three bins at each site; about one SKU in
// twenty is out of stock at a site, so some orders backorder.
func (g *gen) stock(sites []oms.Site, locs []oms.Location, skus []oms.SKU) []Stock {
	bySite := map[string][]oms.Location{}
	for _, l := range locs {
		bySite[l.Site] = append(bySite[l.Site], l)
	}
	var out []Stock
	for _, site := range sites {
		bins := bySite[site.ID]
		for _, s := range skus {
			if g.r.IntN(20) == 0 {
				continue
			}
			for range 1 + g.r.IntN(3) {
				out = append(out, Stock{Site: site.ID, Location: bins[g.r.IntN(len(bins))].Code, SKU: s.SKU, Qty: 5 + g.r.IntN(200)})
			}
		}
	}
	return out
}

func cartons() []oms.CartonType {
	return []oms.CartonType{
		{Code: "MAILER-S", Name: "Padded mailer S", LengthMM: 250, WidthMM: 180, HeightMM: 30, TareGrams: 20, MaxWeightGr: 1000},
		{Code: "BOX-S", Name: "Box S", LengthMM: 230, WidthMM: 160, HeightMM: 90, TareGrams: 110, MaxWeightGr: 5000},
		{Code: "BOX-M", Name: "Box M", LengthMM: 350, WidthMM: 250, HeightMM: 150, TareGrams: 220, MaxWeightGr: 15000},
		{Code: "BOX-L", Name: "Box L", LengthMM: 500, WidthMM: 350, HeightMM: 300, TareGrams: 420, MaxWeightGr: 25000},
	}
}

type country struct {
	code, currency string
	cities         []string
	postal         func(r *rand.Rand) string
	streets        []string
	regions        []string
}

var countries = []country{
	{"GB", "GBP", []string{"London", "Manchester", "Leeds", "Bristol", "Glasgow"}, func(r *rand.Rand) string {
		return fmt.Sprintf("%c%c%d %d%c%c", 'A'+rune(r.IntN(26)), 'A'+rune(r.IntN(26)), 1+r.IntN(20), r.IntN(10), 'A'+rune(r.IntN(26)), 'A'+rune(r.IntN(26)))
	}, []string{"High Street", "Station Road", "Church Lane", "Victoria Road"}, nil},
	{"DE", "EUR", []string{"München", "Hamburg", "Köln", "Düsseldorf", "Leipzig"}, func(r *rand.Rand) string { return fmt.Sprintf("%05d", 10000+r.IntN(89999)) },
		[]string{"Hauptstraße", "Schulstraße", "Gartenweg", "Bahnhofstraße"}, nil},
	{"US", "USD", []string{"Brooklyn", "Philadelphia", "Boston", "Baltimore", "Hartford"}, func(r *rand.Rand) string { return fmt.Sprintf("%05d", 1000+r.IntN(98999)) },
		[]string{"Main Street", "Oak Avenue", "Maple Drive", "2nd Street"}, []string{"NY", "PA", "MA", "MD", "CT"}},
	{"FR", "EUR", []string{"Paris", "Lyon", "Lille"}, func(r *rand.Rand) string { return fmt.Sprintf("%05d", 10000+r.IntN(85000)) },
		[]string{"Rue de la Paix", "Avenue Jean Jaurès"}, nil},
	{"CH", "CHF", []string{"Zürich", "Genève", "Basel"}, func(r *rand.Rand) string { return fmt.Sprintf("%04d", 1000+r.IntN(8999)) },
		[]string{"Bahnhofstrasse", "Seestrasse"}, nil},
	{"JP", "JPY", []string{"東京都", "大阪市"}, func(r *rand.Rand) string { return fmt.Sprintf("%03d-%04d", 100+r.IntN(899), r.IntN(9999)) },
		[]string{"千代田1-1", "中央区2-3"}, nil},
}

var firstNames = []string{"Amelia", "Oliver", "Hannah", "Lukas", "Sofia", "Noah", "Mia", "Jamal", "Priya", "Chen", "Zoë", "Björn", "Aoife", "Mateo", "Yuki", "Fatima"}
var lastNames = []string{"Smith", "Müller", "García", "O'Brien", "Nguyen", "Kowalski", "Patel", "Schäfer", "Johnson", "Rossi", "Tanaka", "Dubois", "Okafor", "Larsen"}

func (g *gen) orders(n int, sites []oms.Site, skus []oms.SKU) []oms.Order {
	// Weighted channels: web dominates, EDI and POS are a trickle.
	channels := []oms.Channel{oms.ChannelWeb, oms.ChannelWeb, oms.ChannelWeb, oms.ChannelWeb, oms.ChannelMarketplace, oms.ChannelMarketplace,
		oms.ChannelMarketplace, oms.ChannelPhone, oms.ChannelEDI, oms.ChannelPOS}
	levels := []oms.ServiceLevel{oms.ServiceStandard, oms.ServiceStandard, oms.ServiceStandard, oms.ServiceExpress, oms.ServiceNextDay}
	homeCountry := map[string]int{"LON": 0, "BER": 1, "EWR": 2}
	out := make([]oms.Order, 0, n)
	for i := range n {
		ch := channels[g.r.IntN(len(channels))]
		if i < len(oms.Channels()) {
			ch = oms.Channels()[i] // every channel appears even in a small world
		}
		site := sites[i%len(sites)]
		c := countries[homeCountry[site.ID]]
		if g.r.IntN(8) == 0 {
			c = countries[g.r.IntN(len(countries))] // an international order
		}
		first, last := g.pick(firstNames), g.pick(lastNames)
		name := first + " " + last
		ship := oms.Address{Name: name, Street1: fmt.Sprintf("%d %s", 1+g.r.IntN(240), g.pick(c.streets)), City: g.pick(c.cities), PostalCode: c.postal(g.r), Country: c.code}
		if c.regions != nil {
			ship.Region = g.pick(c.regions)
		}
		if c.code == "DE" || c.code == "FR" || c.code == "CH" {
			ship.Street1 = fmt.Sprintf("%s %d", g.pick(c.streets), 1+g.r.IntN(240))
		}
		if ch == oms.ChannelEDI {
			ship.Company = g.pick([]string{"Corner Shop Ltd", "Kaufhaus Nord GmbH", "Main St Retail LLC"})
		}
		level := levels[g.r.IntN(len(levels))]
		placed := Epoch.Add(-time.Duration(g.r.IntN(24*60)) * time.Minute)
		days := map[oms.ServiceLevel]int{oms.ServiceStandard: 4, oms.ServiceExpress: 2, oms.ServiceNextDay: 1}[level]
		o := oms.Order{
			ID:           fmt.Sprintf("D%06d", i+1),
			Channel:      ch,
			ExternalID:   externalID(ch, i),
			Customer:     oms.Customer{Name: name, Email: strings.ToLower(fmt.Sprintf("%s.%d@example.com", asciiFold(first), i+1))},
			ShipTo:       ship,
			Currency:     c.currency,
			ServiceLevel: level,
			PromisedAt:   placed.Truncate(24*time.Hour).AddDate(0, 0, days).Add(18 * time.Hour),
			ShipComplete: g.r.IntN(3) != 0,
			State:        oms.StateReceived,
			Site:         site.ID,
			Created:      placed,
		}
		if ch == oms.ChannelPhone {
			o.Customer.Phone = fmt.Sprintf("+44 20 7946 %04d", g.r.IntN(10000))
		}
		nLines := 1 + g.r.IntN(4)
		if g.r.IntN(15) == 0 {
			nLines = 8 + g.r.IntN(10) // a long order: multi-label packing slip
		}
		seen := map[string]bool{}
		exp, _ := oms.CurrencyExponent(c.currency)
		for len(o.Lines) < nLines {
			s := skus[g.r.IntN(len(skus))]
			if seen[s.SKU] {
				continue
			}
			seen[s.SKU] = true
			price := s.CustomsValue * 2
			switch exp {
			case 0:
				price = s.CustomsValue * 2 // yen: no minor unit, priced in whole yen
			case 3:
				price = s.CustomsValue * 20
			}
			qty := 1
			if g.r.IntN(5) == 0 {
				qty = 2 + g.r.IntN(4)
			}
			if ch == oms.ChannelEDI {
				qty = 6 * (1 + g.r.IntN(4))
			}
			o.Lines = append(o.Lines, oms.Line{LineNo: len(o.Lines) + 1, SKU: s.SKU, Qty: qty, UnitPrice: price})
		}
		out = append(out, o)
	}
	return out
}

func externalID(ch oms.Channel, i int) string {
	switch ch {
	case oms.ChannelWeb:
		return fmt.Sprintf("W-%06d", 100000+i)
	case oms.ChannelMarketplace:
		return fmt.Sprintf("MP-%03d-%07d-%07d", 200+i%700, i*7919%10000000, i*104729%10000000)
	case oms.ChannelPhone:
		return fmt.Sprintf("PH-%05d", 20000+i)
	case oms.ChannelEDI:
		return fmt.Sprintf("PO-45%08d", i)
	default:
		return fmt.Sprintf("POS-%02d-%06d", 1+i%12, i)
	}
}

// asciiFold keeps email local parts plain ASCII.
func asciiFold(s string) string {
	r := strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ë", "e", "ø", "o", "é", "e")
	return r.Replace(strings.ToLower(s))
}
