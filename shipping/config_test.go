package shipping

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func exampleConfig(t testing.TB) *Config {
	t.Helper()
	c, err := Load(filepath.Join("..", "configs", "shipping.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestExampleConfigLoads(t *testing.T) {
	c := exampleConfig(t)
	if len(c.Carriers) != 3 {
		t.Fatalf("want 3 demo carriers, got %d", len(c.Carriers))
	}
	n := 0
	for _, cc := range c.Carriers {
		n += len(cc.Services)
	}
	if n != 10 {
		t.Fatalf("want 10 demo services, got %d", n)
	}
	names := map[string]bool{}
	for _, s := range c.Series() {
		names[s.Name] = true
		if s.Last <= s.First {
			t.Errorf("series %s: empty space %d..%d", s.Name, s.First, s.Last)
		}
	}
	for _, want := range []string{"ups", "royalmail", "sscc:5060123", "sscc:4012345", "sscc:0614141"} {
		if !names[want] {
			t.Errorf("series %s missing from %v", want, names)
		}
	}
	if names["dhl"] {
		t.Errorf("dhl tracks by SSCC and needs no series of its own")
	}
}

// TestBadConfigNamesTheField mutates the example and checks each error
// names the field that is wrong.
func TestBadConfigNamesTheField(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "configs", "shipping.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ from, to, want string }{
		{`base_currency = "EUR"`, `base_currency = "EURO"`, "base_currency"},
		{`GBP = "0.86"`, `GBP = "-1"`, "rates.GBP"},
		{`dim_divisor = 5000`, `dim_divisor = -5`, "carriers[1].dim_divisor"},
		{`fuel_percent = 12.5`, `fuel_percent = 120`, "carriers[1].fuel_percent"},
		{`shipper = "999AA1"`, `shipper = "999AA"`, "carriers[1].tracking.shipper"},
		{`format = "s10"`, `format = "s11"`, "carriers[3].tracking.format"},
		{`tracking_code = "65"`, `tracking_code = "6X"`, "carriers[1].services[2].tracking_code"},
		{`max_g = 5000`, `max_g = 900`, "carriers[1].services[1].rates[2].max_g"},
		{`ready = "16:30"`, `ready = "4pm"`, "carriers[1].pickup.ready"},
		{`site = "EWR"
country = "*"`, `site = "XYZ"
country = "*"`, "carriers[1].zones[14].site"},
		{`level = "express"`, `level = "fast"`, "carriers[1].services[2].level"},
		{`holidays = ["2026-12-25"`, `holidays = ["2026-13-25"`, "holidays[1]"},
		{`dim_divisor = 0 `, `dim_divisors = 0 `, "dim_divisors"},
		{`transit_days = { "UK" = 2 }`, `transit_days = { "XX" = 2 }`, "carriers[3].services[1].transit_days.XX"},
	}
	for _, c := range cases {
		s := strings.Replace(string(src), c.from, c.to, 1)
		if s == string(src) {
			t.Fatalf("case %q does not apply to the example", c.from)
		}
		_, err := Parse([]byte(s))
		if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s -> %s: got %v, want an error naming %s", c.from, c.to, err, c.want)
		}
	}
}

// FuzzParseConfig feeds arbitrary bytes to the config parser: it must
// return a config that validates or an error, never panic.
func FuzzParseConfig(f *testing.F) {
	// Small seeds: the fuzzer minimises every new input it finds, and
	// minimising the 12 kB example config takes minutes on a shared
	// 2-core machine. testCard covers every table of the format.
	f.Add([]byte(testCard))
	f.Add([]byte(impbCard))
	f.Add([]byte(`base_currency = "EUR"`))
	f.Add([]byte("[[carriers]]\nid = \"x\"\n[[carriers.services]]\n[[carriers.services.rates]]\nmax_g = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error does not wrap ErrConfig: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config Validate refuses: %v", err)
		}
		// A config that parses must compile and rate without panicking.
		for _, site := range c.Sites {
			svc, err := NewService(c, Options{Site: site.ID})
			if err != nil {
				t.Fatal(err)
			}
			svc.Rate(t.Context(), Parcel{To: testAddr("DE", "10115"), WeightGrams: 1500, LengthMM: 300, WidthMM: 200, HeightMM: 100})
		}
	})
}

// impbCard is testCard with a USPS carrier numbering by IMpb.
const impbCard = testCard + `
[[carriers]]
id = "usps"
name = "USPS"
currency = "EUR"
[carriers.tracking]
format = "impb"
mailer_id = "901649173"
[[carriers.zones]]
site = "HAM"
country = "US"
zone = "8"
[[carriers.services]]
code = "priority"
name = "USPS Priority Mail"
level = "express"
tracking_code = "055"
transit_days = { "8" = 3 }
rates = [ { max_g = 1000, prices = { "8" = 2500 } } ]
`

func TestIMpbConfig(t *testing.T) {
	card := impbCard
	c, err := Parse([]byte(card))
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]Series{}
	for _, s := range c.Series() {
		series[s.Name] = s
	}
	if s, ok := series["usps:901649173"]; !ok || s.Carrier != "usps" || s.First != 0 || s.Last != 9_999_999 {
		t.Errorf("usps series %+v (found %v), want usps:901649173 of carrier usps, 0..9999999", s, ok)
	}
	if _, ok := series["usps"]; ok {
		t.Error("usps has a series without its Mailer ID")
	}
	if s := series["acme"]; s.Carrier != "acme" {
		t.Errorf("acme series %+v: carrier should be acme", s)
	}
	// A 6-digit Mailer ID: channel 93 and a 10-digit serial.
	c6, err := Parse([]byte(strings.Replace(card, `mailer_id = "901649173"`, `mailer_id = "012345"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c6.Series() {
		if s.Carrier == "usps" && (s.Name != "usps:012345" || s.Last != 9_999_999_999) {
			t.Errorf("6-digit Mailer ID series %+v, want usps:012345 up to 9999999999", s)
		}
	}

	cases := []struct{ from, to, want string }{
		{`mailer_id = "901649173"`, `mailer_id = "90164917"`, "carriers[3].tracking.mailer_id"},
		{`mailer_id = "901649173"`, `mailer_id = "801649173"`, "carriers[3].tracking.mailer_id"},
		{`mailer_id = "901649173"`, `mailer_id = "901649"`, "carriers[3].tracking.mailer_id"},
		{`mailer_id = "901649173"`, `mailer_id = "90164917A"`, "carriers[3].tracking.mailer_id"},
		{`mailer_id = "901649173"`, ``, "carriers[3].tracking.mailer_id"},
		{`mailer_id = "901649173"`, `mailer_id = "901649173"` + "\nlast = 10000000", "carriers[3].tracking.last"},
		{`tracking_code = "055"`, `tracking_code = "55"`, "carriers[3].services[1].tracking_code"},
		{`tracking_code = "055"`, `tracking_code = "05A"`, "carriers[3].services[1].tracking_code"},
		{`tracking_code = "055"`, ``, "carriers[3].services[1].tracking_code"},
		// Two carriers with one Mailer ID would issue the same serials under it.
		{`[[carriers]]
id = "usps"`, `[[carriers]]
id = "usps2"
name = "USPS again"
currency = "EUR"
[carriers.tracking]
format = "impb"
mailer_id = "901649173"
[[carriers.zones]]
site = "HAM"
country = "US"
zone = "8"
[[carriers.services]]
code = "ground"
name = "Ground"
level = "standard"
tracking_code = "001"
transit_days = { "8" = 5 }
rates = [ { max_g = 1000, prices = { "8" = 900 } } ]
[[carriers]]
id = "usps"`, "carriers[4].tracking.mailer_id"},
	}
	for _, cs := range cases {
		s := strings.Replace(card, cs.from, cs.to, 1)
		if s == card {
			t.Fatalf("case %q does not apply to the card", cs.from)
		}
		_, err := Parse([]byte(s))
		if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), cs.want) {
			t.Errorf("%s -> %s: got %v, want an error naming %s", cs.from, cs.to, err, cs.want)
		}
	}
}

// TestDocsIMpbExample parses the USPS carrier docs/shipping.md shows
// (kept out of the demo config) as a fourth carrier of the example.
func TestDocsIMpbExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "shipping.md"))
	if err != nil {
		t.Fatal(err)
	}
	var block string
	for _, part := range strings.Split(string(doc), "```toml\n")[1:] {
		if b, _, _ := strings.Cut(part, "```"); strings.Contains(b, `format = "impb"`) {
			block = b
		}
	}
	if block == "" {
		t.Fatal("docs/shipping.md has no toml block with an impb carrier")
	}
	src, err := os.ReadFile(filepath.Join("..", "configs", "shipping.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(append(src, "\n"+block...))
	if err != nil {
		t.Fatalf("docs example: %v", err)
	}
	last := c.Carriers[len(c.Carriers)-1]
	if last.Tracking.Format != FormatIMpb || last.Tracking.MailerID == "" {
		t.Fatalf("docs example carrier %s: tracking %+v", last.ID, last.Tracking)
	}
}
