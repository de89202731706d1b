package shipping

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/oms"
)

// testCard is a small card whose prices are easy to compute by hand.
// acme: EUR, dim divisor 5000 (cm³/kg), fuel 10 %, residential 3.00,
// remote 10.00 (DE 25849). Zones from HAM: DE 1; DE 8xxxx 2; DE 80xxx 3;
// AT 4; nothing else. bob: GBP (1 EUR = 0.5 GBP), no fuel, DE only.
const testCard = `
base_currency = "EUR"
holidays = ["2026-12-24"]
[rates]
GBP = "0.5"
[[sites]]
id = "HAM"
country = "DE"
gs1_company_prefix = "4012345"
[customs]
union = ["DE", "AT", "FR"]
cn22_max_value = 30000
cn22_max_weight_g = 2000

[[carriers]]
id = "acme"
name = "Acme"
currency = "EUR"
dim_divisor = 5000
fuel_percent = 10
residential_surcharge = 300
remote_surcharge = 1000
[[carriers.remote_areas]]
country = "DE"
postal_prefixes = ["25849"]
[carriers.tracking]
format = "ups1z"
shipper = "999AA1"
[carriers.pickup]
ready = "16:00"
[[carriers.zones]]
site = "HAM"
country = "DE"
zone = "1"
[[carriers.zones]]
site = "HAM"
country = "DE"
postal_prefix = "8"
zone = "2"
[[carriers.zones]]
site = "HAM"
country = "DE"
postal_prefix = "80"
zone = "3"
[[carriers.zones]]
site = "HAM"
country = "AT"
zone = "4"
[[carriers.services]]
code = "eco"
name = "Acme Eco"
level = "standard"
tracking_code = "11"
transit_days = { "1" = 3, "2" = 3, "3" = 4, "4" = 5 }
rates = [ { max_g = 1000, prices = { "1" = 500, "2" = 600, "3" = 700, "4" = 1500 } },
          { max_g = 5000, prices = { "1" = 800, "2" = 900, "3" = 1000, "4" = 2500 } } ]
[[carriers.services]]
code = "fast"
name = "Acme Fast"
level = "express"
tracking_code = "01"
transit_days = { "1" = 1, "2" = 1, "3" = 2, "4" = 2 }
rates = [ { max_g = 1000, prices = { "1" = 1200, "2" = 1300, "3" = 1400, "4" = 2200 } },
          { max_g = 5000, prices = { "1" = 1900, "2" = 2000, "3" = 2100, "4" = 3200 } } ]

[[carriers]]
id = "bob"
name = "Bob Post"
currency = "GBP"
[carriers.tracking]
format = "s10"
indicator = "RR"
country = "GB"
[[carriers.zones]]
site = "HAM"
country = "DE"
zone = "1"
[[carriers.services]]
code = "eco"
name = "Bob Eco"
level = "standard"
transit_days = { "1" = 2 }
rates = [ { max_g = 1000, prices = { "1" = 300 } } ]
`

func testAddr(country, postal string) oms.Address {
	return oms.Address{Name: "A Customer", Street1: "1 Street", City: "Town", PostalCode: postal, Country: country}
}

// friday10 is Friday 2026-11-27 10:00, before every cutoff.
var friday10 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func testService(t testing.TB, card string) *Service {
	t.Helper()
	c, err := Parse([]byte(card))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(c, Options{Site: "HAM", Station: "PACK-01", Now: func() time.Time { return friday10 }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func find(t *testing.T, qs []Quote, carrier, service string) Quote {
	t.Helper()
	for _, q := range qs {
		if q.Carrier == carrier && q.Service == service {
			return q
		}
	}
	t.Fatalf("no quote for %s %s in %v", carrier, service, qs)
	return Quote{}
}

// TestRateCardHandComputed checks prices worked out by hand from testCard.
func TestRateCardHandComputed(t *testing.T) {
	s := testService(t, testCard)
	cases := []struct {
		name        string
		p           Parcel
		service     string
		zone        string
		billable    int
		base, total int64
		delivery    time.Time
	}{
		// 900 g, zone 1: 5.00 + 10 % fuel = 5.50; ships Fri, 3 days -> Wed.
		{"plain", Parcel{To: testAddr("DE", "20457"), WeightGrams: 900}, "eco", "1", 900, 500, 550, date(2026, 12, 2)},
		// Weight break edge: 1000 g is still the first break, 1001 g the second.
		{"break edge at", Parcel{To: testAddr("DE", "20457"), WeightGrams: 1000}, "eco", "1", 1000, 500, 550, date(2026, 12, 2)},
		{"break edge over", Parcel{To: testAddr("DE", "20457"), WeightGrams: 1001}, "eco", "1", 1001, 800, 880, date(2026, 12, 2)},
		// Zone edges by postal prefix: 79999 is zone 1, 80000 zone 3 (the
		// longer prefix "80" beats "8"), 81000 zone 2.
		{"zone 79999", Parcel{To: testAddr("DE", "79999"), WeightGrams: 500}, "eco", "1", 500, 500, 550, date(2026, 12, 2)},
		{"zone 80000", Parcel{To: testAddr("DE", "80000"), WeightGrams: 500}, "eco", "3", 500, 700, 770, date(2026, 12, 3)},
		{"zone 81000", Parcel{To: testAddr("DE", "81000"), WeightGrams: 500}, "eco", "2", 500, 600, 660, date(2026, 12, 2)},
		{"zone by country", Parcel{To: testAddr("AT", "1010"), WeightGrams: 500}, "eco", "4", 500, 1500, 1650, date(2026, 12, 4)},
		// Dimensional weight beats actual: 400x300x200 mm = 24,000 cm³ / 5000
		// = 4.8 kg > 0.9 kg, so the 5 kg break: 8.00 + 0.80 fuel.
		{"dim weight", Parcel{To: testAddr("DE", "20457"), WeightGrams: 900, LengthMM: 400, WidthMM: 300, HeightMM: 200}, "eco", "1", 4800, 800, 880, date(2026, 12, 2)},
		// Actual beats a small box: 200x150x100 = 3,000 cm³ -> 600 g < 900 g.
		{"actual weight", Parcel{To: testAddr("DE", "20457"), WeightGrams: 900, LengthMM: 200, WidthMM: 150, HeightMM: 100}, "eco", "1", 900, 500, 550, date(2026, 12, 2)},
		// Residential: (5.00 + 3.00) + 10 % = 8.80.
		{"residential", Parcel{To: testAddr("DE", "20457"), WeightGrams: 900, Residential: true}, "eco", "1", 900, 500, 880, date(2026, 12, 2)},
		// Remote area 25849: (5.00 + 10.00) + 10 % = 16.50.
		{"remote", Parcel{To: testAddr("DE", "25849"), WeightGrams: 900}, "eco", "1", 900, 500, 1650, date(2026, 12, 2)},
		// Ready after the 16:00 pickup: ships Monday, 3 days -> Thursday.
		{"after cutoff", Parcel{To: testAddr("DE", "20457"), WeightGrams: 900, ReadyAt: friday10.Add(6*time.Hour + 30*time.Minute)}, "eco", "1", 900, 500, 550, date(2026, 12, 3)},
		// Fast: 1 business day from Friday is Monday.
		{"fast", Parcel{To: testAddr("DE", "20457"), WeightGrams: 900}, "fast", "1", 900, 1200, 1320, date(2026, 11, 30)},
		// A holiday (24 Dec, Thursday) is skipped: ready Tue 22 Dec, 3 days -> Mon 28.
		{"holiday", Parcel{To: testAddr("DE", "20457"), WeightGrams: 900, ReadyAt: time.Date(2026, 12, 22, 9, 0, 0, 0, time.UTC)}, "eco", "1", 900, 500, 550, date(2026, 12, 28)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			qs, err := s.Rate(t.Context(), c.p)
			if err != nil {
				t.Fatal(err)
			}
			q := find(t, qs, "acme", c.service)
			if q.Zone != c.zone || q.BillableGrams != c.billable || q.Base != c.base || q.Total != c.total || !q.DeliveryDate.Equal(c.delivery) {
				t.Errorf("got zone %s, %d g, base %d, total %d, delivery %s; want zone %s, %d g, base %d, total %d, delivery %s",
					q.Zone, q.BillableGrams, q.Base, q.Total, q.DeliveryDate.Format(time.DateOnly),
					c.zone, c.billable, c.base, c.total, c.delivery.Format(time.DateOnly))
			}
			if q.Total != q.Base+q.Residential+q.Remote+q.Fuel {
				t.Errorf("total %d is not the sum of its parts %+v", q.Total, q)
			}
		})
	}
}

func TestFuelRoundsHalfUp(t *testing.T) {
	card := strings.Replace(testCard, "fuel_percent = 10", "fuel_percent = 12.5", 1)
	s := testService(t, card)
	// 5.00 x 12.5 % = 0.625 -> 0.63 (half up)... in cents 62.5 -> 63.
	qs, err := s.Rate(t.Context(), Parcel{To: testAddr("DE", "20457"), WeightGrams: 100})
	if err != nil {
		t.Fatal(err)
	}
	if q := find(t, qs, "acme", "eco"); q.Fuel != 63 || q.Total != 563 {
		t.Fatalf("fuel %d total %d, want 63 and 563", q.Fuel, q.Total)
	}
}

func TestRateShoppingAcrossCurrencies(t *testing.T) {
	s := testService(t, testCard)
	qs, err := s.Rate(t.Context(), Parcel{To: testAddr("DE", "20457"), WeightGrams: 900})
	if err != nil {
		t.Fatal(err)
	}
	// acme eco 5.50 EUR; bob eco 3.00 GBP = 6.00 EUR at 0.5 GBP/EUR;
	// acme fast 13.20 EUR. Cheapest first, compared in EUR.
	var got []string
	for _, q := range qs {
		got = append(got, q.Carrier+"/"+q.Service)
	}
	if strings.Join(got, " ") != "acme/eco bob/eco acme/fast" {
		t.Fatalf("order %v, want acme/eco bob/eco acme/fast", got)
	}
	q, err := Choose(qs)
	if err != nil || q.Carrier != "acme" || q.Service != "eco" {
		t.Fatalf("no promise: chose %v, %v; want acme eco", q, err)
	}
	if b := find(t, qs, "bob", "eco"); b.Total != 300 || b.Currency != "GBP" {
		t.Fatalf("bob quote %d %s, want 300 GBP", b.Total, b.Currency)
	}
}

func TestPromise(t *testing.T) {
	s := testService(t, testCard)
	p := Parcel{To: testAddr("DE", "20457"), WeightGrams: 900}

	// Promised Tuesday 1 Dec: acme eco (Wed) misses; bob eco (Tue, 6.00 EUR)
	// and acme fast (Mon, 13.20) meet: the cheapest that meets is bob.
	p.PromisedBy = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	qs, err := s.Rate(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 3 {
		t.Fatalf("every eligible quote is listed, met or not: got %d", len(qs))
	}
	q, err := Choose(qs)
	if err != nil || q.Carrier != "bob" {
		t.Fatalf("chose %v, %v; want bob eco", q, err)
	}

	// Promised Friday 27 Nov, the ship date itself: no service can meet it.
	// Choose says so clearly and offers the fastest (acme fast, Monday).
	p.PromisedBy = time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	qs, err = s.Rate(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if q.MeetsPromise {
			t.Fatalf("%v claims to meet a same-day promise", q)
		}
	}
	q, err = Choose(qs)
	if !errors.Is(err, ErrPromiseUnmet) || q.Carrier != "acme" || q.Service != "fast" {
		t.Fatalf("chose %v, %v; want acme fast with ErrPromiseUnmet", q, err)
	}
	if !strings.Contains(err.Error(), "2026-11-30") || !strings.Contains(err.Error(), "Acme Fast") {
		t.Fatalf("message does not say the earliest delivery: %v", err)
	}

	// An express order cannot go economy.
	p.PromisedBy, p.Level = time.Time{}, oms.ServiceExpress
	qs, _ = s.Rate(t.Context(), p)
	if len(qs) != 1 || qs[0].Service != "fast" {
		t.Fatalf("express order: got %v, want only acme fast", qs)
	}
}

func TestNoServiceSaysWhy(t *testing.T) {
	s := testService(t, testCard)
	_, err := s.Rate(t.Context(), Parcel{To: testAddr("US", "10001"), WeightGrams: 900})
	if !errors.Is(err, ErrNoService) || !strings.Contains(err.Error(), "no zone from site HAM to US") {
		t.Fatalf("got %v", err)
	}
	// 5001 g is over every break; bob's heaviest is 1 kg.
	_, err = s.Rate(t.Context(), Parcel{To: testAddr("DE", "20457"), WeightGrams: 5001})
	if !errors.Is(err, ErrNoService) || !strings.Contains(err.Error(), "over its heaviest break 5000 g") {
		t.Fatalf("got %v", err)
	}
	for _, p := range []Parcel{
		{To: testAddr("DE", "20457")},
		{To: testAddr("DE", "20457"), WeightGrams: -1},
		{To: testAddr("", "20457"), WeightGrams: 100},
		{To: testAddr("DE", "20457"), WeightGrams: 100, LengthMM: -4},
		{To: testAddr("DE", "20457"), WeightGrams: 100, Level: "warp"},
	} {
		if _, err := s.Rate(t.Context(), p); !errors.Is(err, ErrInvalidParcel) {
			t.Errorf("%+v: got %v, want ErrInvalidParcel", p, err)
		}
	}
}

// BenchmarkRateShop rates one parcel across the demo config's 3 carriers
// and 10 services (target under 50 µs).
func BenchmarkRateShop(b *testing.B) {
	c := exampleConfig(b)
	s, err := NewService(c, Options{Site: "LON", Station: "PACK-01", Now: func() time.Time { return friday10 }})
	if err != nil {
		b.Fatal(err)
	}
	p := Parcel{To: testAddr("GB", "M1 1AE"), WeightGrams: 1800, LengthMM: 350, WidthMM: 250, HeightMM: 150,
		Residential: true, PromisedBy: friday10.AddDate(0, 0, 4)}
	qs, err := s.Rate(b.Context(), p)
	if err != nil {
		b.Fatal(err)
	}
	if len(qs) != 9 { // every service but Royal Mail International (no zone for GB)
		b.Fatalf("got %d quotes: %v", len(qs), qs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		qs, _ := s.Rate(b.Context(), p)
		if _, err := Choose(qs); err != nil {
			b.Fatal(err)
		}
	}
	if per := b.Elapsed() / time.Duration(b.N); per > 50*time.Microsecond {
		b.Logf("MISSED TARGET: rate shopping takes %s a parcel, target under 50µs", per)
	}
}
