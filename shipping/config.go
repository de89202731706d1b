package shipping

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/packline/packline/oms"
)

// Config is the shipping config of a deployment: the sites' numbering, the
// carriers with their rate cards, and customs rules. configs/shipping.example.toml
// documents every field. Load or Parse it; both validate.
type Config struct {
	// BaseCurrency is the currency SKU customs values are kept in and the
	// one quotes of carriers in different currencies are compared in.
	BaseCurrency string `toml:"base_currency"`
	// Rates are exchange rates: units of each currency per one unit of
	// BaseCurrency, as decimal strings ("1.0842") so no float rounding
	// creeps into money.
	Rates map[string]string `toml:"rates"`
	// Holidays (YYYY-MM-DD) are days no carrier picks up or delivers,
	// besides Saturdays and Sundays.
	Holidays []string `toml:"holidays"`
	// Sites are the sites that ship, with their GS1 company prefix for SSCCs.
	Sites []SiteConfig `toml:"sites"`
	// Customs says when a parcel needs a customs declaration and which form.
	Customs CustomsConfig `toml:"customs"`
	// Carriers are the carriers with their services and rate cards.
	Carriers []CarrierConfig `toml:"carriers"`
}

// SiteConfig is one shipping site.
type SiteConfig struct {
	// ID is the site id (as in omsd's config).
	ID string `toml:"id"`
	// Country is the site's ISO 3166-1 alpha-2 country, for customs.
	Country string `toml:"country"`
	// GS1CompanyPrefix (7-10 digits) is the prefix of the site's SSCCs.
	GS1CompanyPrefix string `toml:"gs1_company_prefix"`
}

// CustomsConfig holds the customs rules.
type CustomsConfig struct {
	// Union lists countries that form one customs territory (the EU):
	// parcels between two of them need no declaration.
	Union []string `toml:"union"`
	// CN22MaxValue is the highest declared value (minor units of
	// CN22Currency) that may go on a CN22; above it a CN23 is needed.
	CN22MaxValue int64 `toml:"cn22_max_value"`
	// CN22Currency is the currency of CN22MaxValue (default BaseCurrency).
	CN22Currency string `toml:"cn22_currency"`
	// CN22MaxWeightGrams is the heaviest parcel a CN22 may cover (UPU: 2 kg).
	CN22MaxWeightGrams int `toml:"cn22_max_weight_g"`
}

// CarrierConfig is one carrier: its rate card, numbering and pickups.
type CarrierConfig struct {
	// ID is short and stable ("ups"); it names the carrier's number series.
	ID string `toml:"id"`
	// Name is what the packer and the label see.
	Name string `toml:"name"`
	// Currency of every price on the card (ISO 4217).
	Currency string `toml:"currency"`
	// DimDivisor turns volume into weight: cm³ per kg (5000 means a
	// 40x30x20 cm box weighs at least 4.8 kg). 0: no dimensional weight.
	DimDivisor int `toml:"dim_divisor"`
	// FuelPercent is the fuel surcharge on base price plus surcharges.
	FuelPercent float64 `toml:"fuel_percent"`
	// ResidentialSurcharge is added for a delivery to a home address.
	ResidentialSurcharge int64 `toml:"residential_surcharge"`
	// RemoteSurcharge is added for destinations in RemoteAreas.
	RemoteSurcharge int64 `toml:"remote_surcharge"`
	// RemoteAreas are destinations the carrier charges extra for.
	RemoteAreas []AreaConfig `toml:"remote_areas"`
	// MaxLengthMM is the longest side the carrier takes (0: no limit).
	MaxLengthMM int `toml:"max_length_mm"`
	// Cutoff (HH:MM, the site's local time) is when parcels stop making
	// today's shipment if the carrier has no pickup schedule. Default 17:00.
	Cutoff string `toml:"cutoff"`
	// Tracking says how the carrier's tracking numbers are formed.
	Tracking TrackingConfig `toml:"tracking"`
	// Pickup is when the carrier collects; it also decides the ship date.
	Pickup PickupConfig `toml:"pickup"`
	// Zones map destinations to the card's zones, per shipping site.
	Zones []ZoneConfig `toml:"zones"`
	// Services are the carrier's products with their prices and transit times.
	Services []ServiceConfig `toml:"services"`
}

// AreaConfig is a set of postal prefixes in one country.
type AreaConfig struct {
	Country        string   `toml:"country"`
	PostalPrefixes []string `toml:"postal_prefixes"`
}

// TrackingConfig is a carrier's tracking number format.
type TrackingConfig struct {
	// Format is "ups1z" (1Z + shipper + service + 7-digit serial + check),
	// "s10" (UPU S10: 2 letters + 8 digits + check + country), "sscc"
	// (the parcel's SSCC-18 from the site's GS1 company prefix) or "impb"
	// (USPS: 92 + service type code + 9-digit Mailer ID + 7-digit serial +
	// check, or 93 + ... + 6-digit Mailer ID + 10-digit serial + check).
	Format string `toml:"format"`
	// Shipper is the 6-character UPS shipper number (ups1z).
	Shipper string `toml:"shipper"`
	// Indicator is the default 2-letter S10 service indicator (s10).
	Indicator string `toml:"indicator"`
	// Country is the 2-letter country of the issuing post (s10).
	Country string `toml:"country"`
	// MailerID is the USPS Mailer ID (impb): 9 digits starting with 9, or
	// 6 digits up to 899999. Each Mailer ID has a number series of its
	// own, and belongs to one carrier of the config.
	MailerID string `toml:"mailer_id"`
	// First and Last bound the serials central may allocate (default the
	// whole space of the format).
	First int64 `toml:"first"`
	Last  int64 `toml:"last"`
}

// PickupConfig is a carrier's regular collection.
type PickupConfig struct {
	// Days are the weekdays the carrier collects ("mon".."sun"); empty: every business day.
	Days []string `toml:"days"`
	// Ready (HH:MM) is when parcels must be manifested and on the dock;
	// later parcels go with the next pickup.
	Ready string `toml:"ready"`
	// Until (HH:MM) is the end of the collection window.
	Until string `toml:"until"`
	// Location is where the driver collects ("Dock 3").
	Location string `toml:"location"`
}

// ZoneConfig maps destinations from one site to a zone of the card. The
// entry with the longest matching postal prefix wins; an empty prefix
// covers the whole country, country "*" every country not listed.
type ZoneConfig struct {
	Site         string `toml:"site"`
	Country      string `toml:"country"`
	PostalPrefix string `toml:"postal_prefix"`
	Zone         string `toml:"zone"`
}

// ServiceConfig is one product of a carrier.
type ServiceConfig struct {
	// Code is short and stable ("express").
	Code string `toml:"code"`
	// Name is what the packer sees.
	Name string `toml:"name"`
	// Level is the fastest order service level it satisfies:
	// standard, express or next_day.
	Level oms.ServiceLevel `toml:"level"`
	// TrackingCode is the service's part of the tracking number: the UPS
	// 2-digit service code, the S10 service indicator or the USPS 3-digit
	// IMpb service type code (mail class, product and extra services).
	TrackingCode string `toml:"tracking_code"`
	// TransitDays is business days from pickup to delivery, per zone. A
	// zone missing here (or in the rates) is not served.
	TransitDays map[string]int `toml:"transit_days"`
	// Rates are weight breaks in increasing order.
	Rates []RateConfig `toml:"rates"`
}

// RateConfig is one weight break: the price per zone of a parcel whose
// billable weight is at most MaxGrams.
type RateConfig struct {
	MaxGrams int              `toml:"max_g"`
	Prices   map[string]int64 `toml:"prices"`
}

// Load reads and validates the shipping config at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("shipping config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("shipping config %s: %w", path, err)
	}
	return c, nil
}

// maxConfigBytes bounds what Parse reads: a rate card is a few hundred kB at most.
const maxConfigBytes = 8 << 20

// Parse reads and validates a shipping config. Unknown fields are errors,
// so a misspelt key is not silently ignored.
func Parse(data []byte) (*Config, error) {
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrConfig, len(data), maxConfigBytes)
	}
	var c Config
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) {
			return nil, fmt.Errorf("%w: %s", ErrConfig, strings.TrimSpace(sm.String()))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, fmt.Errorf("%w: line %d column %d: %v", ErrConfig, row, col, de)
		}
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrConfig, field, fmt.Sprintf(format, args...))
	}
	if _, ok := oms.CurrencyExponent(c.BaseCurrency); !ok {
		return bad("base_currency", "%q is not an ISO 4217 currency code", c.BaseCurrency)
	}
	for cur, r := range c.Rates {
		if _, ok := oms.CurrencyExponent(cur); !ok {
			return bad("rates."+cur, "not an ISO 4217 currency code")
		}
		if _, err := parseRate(r); err != nil {
			return bad("rates."+cur, "%v", err)
		}
	}
	for i, h := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return bad(fmt.Sprintf("holidays[%d]", i+1), "%q is not a YYYY-MM-DD date", h)
		}
	}
	sites := map[string]bool{}
	for i, s := range c.Sites {
		f := fmt.Sprintf("sites[%d]", i+1)
		if err := oms.ValidateID("site", s.ID); err != nil {
			return bad(f+".id", "%v", err)
		}
		if sites[s.ID] {
			return bad(f+".id", "site %s listed twice", s.ID)
		}
		sites[s.ID] = true
		if !isCountry(s.Country) {
			return bad(f+".country", "%q is not an ISO 3166-1 alpha-2 code", s.Country)
		}
		if p := s.GS1CompanyPrefix; p != "" && (len(p) < 7 || len(p) > 10 || !oms.AllDigits(p)) {
			return bad(f+".gs1_company_prefix", "%q: want 7-10 digits", p)
		}
	}
	for i, u := range c.Customs.Union {
		if !isCountry(u) {
			return bad(fmt.Sprintf("customs.union[%d]", i+1), "%q is not an ISO 3166-1 alpha-2 code", u)
		}
	}
	if c.Customs.CN22MaxValue < 0 {
		return bad("customs.cn22_max_value", "%d is negative", c.Customs.CN22MaxValue)
	}
	if cur := c.Customs.CN22Currency; cur != "" {
		if _, ok := oms.CurrencyExponent(cur); !ok {
			return bad("customs.cn22_currency", "%q is not an ISO 4217 currency code", cur)
		}
		if _, err := c.convert(1, cur, c.BaseCurrency); err != nil {
			return bad("customs.cn22_currency", "%v", err)
		}
	}
	if c.Customs.CN22MaxWeightGrams < 0 {
		return bad("customs.cn22_max_weight_g", "%d is negative", c.Customs.CN22MaxWeightGrams)
	}
	if len(c.Carriers) == 0 {
		return bad("carriers", "at least one carrier is needed")
	}
	carriers := map[string]bool{}
	mailerIDs := map[string]string{} // Mailer ID -> the carrier field that has it
	for i := range c.Carriers {
		cc := &c.Carriers[i]
		f := fmt.Sprintf("carriers[%d]", i+1)
		if err := oms.ValidateID("carrier", cc.ID); err != nil {
			return bad(f+".id", "%v", err)
		}
		if carriers[cc.ID] {
			return bad(f+".id", "carrier %s listed twice", cc.ID)
		}
		carriers[cc.ID] = true
		if err := cc.validate(c, f, sites); err != nil {
			return err
		}
		if cc.Tracking.Format == FormatIMpb {
			// Series are per carrier and Mailer ID: two carriers sharing
			// one would issue the same serials under it.
			mid := cc.Tracking.MailerID
			if other, dup := mailerIDs[mid]; dup {
				return bad(f+".tracking.mailer_id", "%s is also %s.tracking.mailer_id; list all services of a Mailer ID under one carrier", mid, other)
			}
			mailerIDs[mid] = f
		}
	}
	return nil
}

func (cc *CarrierConfig) validate(c *Config, f string, sites map[string]bool) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s.%s: %s", ErrConfig, f, field, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(cc.Name) == "" {
		return bad("name", "missing")
	}
	if _, ok := oms.CurrencyExponent(cc.Currency); !ok {
		return bad("currency", "%q is not an ISO 4217 currency code", cc.Currency)
	}
	if _, err := c.convert(1, cc.Currency, c.BaseCurrency); err != nil {
		return bad("currency", "%v", err)
	}
	if cc.DimDivisor < 0 || cc.DimDivisor > 1_000_000 {
		return bad("dim_divisor", "%d: want 0 (none) to 1000000 cm³/kg", cc.DimDivisor)
	}
	if !(cc.FuelPercent >= 0 && cc.FuelPercent <= 100) {
		return bad("fuel_percent", "%v: want 0 to 100", cc.FuelPercent)
	}
	if cc.ResidentialSurcharge < 0 || cc.ResidentialSurcharge > maxPrice {
		return bad("residential_surcharge", "%d: want 0 to %d", cc.ResidentialSurcharge, int64(maxPrice))
	}
	if cc.RemoteSurcharge < 0 || cc.RemoteSurcharge > maxPrice {
		return bad("remote_surcharge", "%d: want 0 to %d", cc.RemoteSurcharge, int64(maxPrice))
	}
	for i, a := range cc.RemoteAreas {
		if !isCountry(a.Country) {
			return bad(fmt.Sprintf("remote_areas[%d].country", i+1), "%q is not an ISO 3166-1 alpha-2 code", a.Country)
		}
		for k, p := range a.PostalPrefixes {
			if normPostal(p) == "" {
				return bad(fmt.Sprintf("remote_areas[%d].postal_prefixes[%d]", i+1, k+1), "empty prefix")
			}
		}
	}
	if cc.MaxLengthMM < 0 {
		return bad("max_length_mm", "%d is negative", cc.MaxLengthMM)
	}
	if cc.Cutoff != "" {
		if _, err := parseClock(cc.Cutoff); err != nil {
			return bad("cutoff", "%v", err)
		}
	}
	if field, msg := cc.Tracking.check(); field != "" {
		return bad("tracking."+field, "%s", msg)
	}
	for i, d := range cc.Pickup.Days {
		if _, ok := weekdays[strings.ToLower(d)]; !ok {
			return bad(fmt.Sprintf("pickup.days[%d]", i+1), "%q is not one of mon, tue, wed, thu, fri, sat, sun", d)
		}
	}
	for _, t := range []struct{ name, v string }{{"ready", cc.Pickup.Ready}, {"until", cc.Pickup.Until}} {
		if t.v != "" {
			if _, err := parseClock(t.v); err != nil {
				return bad("pickup."+t.name, "%v", err)
			}
		}
	}
	if len(cc.Zones) == 0 {
		return bad("zones", "at least one zone is needed")
	}
	zones := map[string]bool{}
	for i, z := range cc.Zones {
		zf := fmt.Sprintf("zones[%d]", i+1)
		if !sites[z.Site] {
			return bad(zf+".site", "%q is not a site listed under [[sites]]", z.Site)
		}
		if z.Country != "*" && !isCountry(z.Country) {
			return bad(zf+".country", "%q is not an ISO 3166-1 alpha-2 code or *", z.Country)
		}
		if z.Country == "*" && z.PostalPrefix != "" {
			return bad(zf+".postal_prefix", "country * takes no postal prefix")
		}
		if strings.TrimSpace(z.Zone) == "" {
			return bad(zf+".zone", "missing")
		}
		zones[z.Zone] = true
	}
	if len(cc.Services) == 0 {
		return bad("services", "at least one service is needed")
	}
	codes := map[string]bool{}
	for i := range cc.Services {
		if err := cc.Services[i].validate(cc, fmt.Sprintf("%s.services[%d]", f, i+1), zones, codes); err != nil {
			return err
		}
	}
	return nil
}

// maxPrice bounds any price or surcharge (in minor units) so sums never overflow.
const maxPrice = 1e12

func (s *ServiceConfig) validate(cc *CarrierConfig, f string, zones, codes map[string]bool) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s.%s: %s", ErrConfig, f, field, fmt.Sprintf(format, args...))
	}
	if err := oms.ValidateID("service", s.Code); err != nil {
		return bad("code", "%v", err)
	}
	if codes[s.Code] {
		return bad("code", "service %s listed twice", s.Code)
	}
	codes[s.Code] = true
	if strings.TrimSpace(s.Name) == "" {
		return bad("name", "missing")
	}
	if !s.Level.Valid() {
		return bad("level", "%q is not one of standard, express, next_day", s.Level)
	}
	switch cc.Tracking.Format {
	case FormatUPS1Z:
		if len(s.TrackingCode) != 2 || !oms.AllDigits(s.TrackingCode) {
			return bad("tracking_code", "%q: a UPS service code is 2 digits", s.TrackingCode)
		}
	case FormatS10:
		if s.TrackingCode != "" && !isCountry(s.TrackingCode) {
			return bad("tracking_code", "%q: an S10 service indicator is 2 capital letters", s.TrackingCode)
		}
	case FormatIMpb:
		if len(s.TrackingCode) != 3 || !oms.AllDigits(s.TrackingCode) {
			return bad("tracking_code", "%q: an IMpb service type code is 3 digits (USPS service type code list)", s.TrackingCode)
		}
	}
	if len(s.TransitDays) == 0 {
		return bad("transit_days", "at least one zone is needed")
	}
	for z, d := range s.TransitDays {
		if !zones[z] {
			return bad("transit_days."+z, "zone %q is not in the carrier's zones", z)
		}
		if d < 0 || d > 60 {
			return bad("transit_days."+z, "%d: want 0 to 60 business days", d)
		}
	}
	if len(s.Rates) == 0 {
		return bad("rates", "at least one weight break is needed")
	}
	prev := 0
	for i, r := range s.Rates {
		rf := fmt.Sprintf("rates[%d]", i+1)
		if r.MaxGrams <= prev || r.MaxGrams > 10_000_000 {
			return bad(rf+".max_g", "%d: weight breaks must increase (previous %d) and stay under 10 t", r.MaxGrams, prev)
		}
		prev = r.MaxGrams
		for z, p := range r.Prices {
			if !zones[z] {
				return bad(rf+".prices."+z, "zone %q is not in the carrier's zones", z)
			}
			if p < 0 || p > maxPrice {
				return bad(rf+".prices."+z, "%d: want 0 to %d", p, int64(maxPrice))
			}
		}
	}
	return nil
}

// check returns the first bad field and what is wrong with it, or "".
func (t *TrackingConfig) check() (field, msg string) {
	switch t.Format {
	case FormatUPS1Z:
		if len(t.Shipper) != 6 || !alnumUpper(t.Shipper) {
			return "shipper", fmt.Sprintf("%q: a UPS shipper number is 6 capital letters or digits", t.Shipper)
		}
	case FormatS10:
		if !isCountry(t.Indicator) {
			return "indicator", fmt.Sprintf("%q: an S10 service indicator is 2 capital letters", t.Indicator)
		}
		if !isCountry(t.Country) {
			return "country", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 code", t.Country)
		}
	case FormatSSCC:
		if t.First != 0 || t.Last != 0 {
			return "first", "an sscc carrier numbers from the site's SSCC series; first and last do not apply"
		}
		return "", ""
	case FormatIMpb:
		if msg := checkMailerID(t.MailerID); msg != "" {
			return "mailer_id", fmt.Sprintf("%q: %s", t.MailerID, msg)
		}
	default:
		return "format", fmt.Sprintf("%q is not one of ups1z, s10, sscc, impb", t.Format)
	}
	limit := serialLimit(t.Format, t.MailerID)
	if t.First < 0 || t.First > limit {
		return "first", fmt.Sprintf("%d: want 0 to %d", t.First, limit)
	}
	if t.Last != 0 && (t.Last < t.First || t.Last > limit) {
		return "last", fmt.Sprintf("%d: want %d to %d", t.Last, t.First, limit)
	}
	return "", ""
}

// parseRate reads a decimal exchange rate such as "1.0842"; it must be positive.
func parseRate(s string) (*big.Rat, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok || len(s) > 40 || strings.ContainsAny(s, "/eE") {
		return nil, fmt.Errorf("%q is not a decimal number", s)
	}
	if r.Sign() <= 0 {
		return nil, fmt.Errorf("%q is not positive", s)
	}
	return r, nil
}

// rate returns units of cur per unit of the base currency.
func (c *Config) rate(cur string) (*big.Rat, error) {
	if cur == c.BaseCurrency {
		return big.NewRat(1, 1), nil
	}
	s, ok := c.Rates[cur]
	if !ok {
		return nil, fmt.Errorf("no exchange rate for %s in [rates] (units per 1 %s)", cur, c.BaseCurrency)
	}
	return parseRate(s)
}

// convert turns amount minor units of from into minor units of to,
// rounding half away from zero, through the base currency's rates.
func (c *Config) convert(amount int64, from, to string) (int64, error) {
	ef, ok := oms.CurrencyExponent(from)
	if !ok {
		return 0, fmt.Errorf("%q is not an ISO 4217 currency code", from)
	}
	et, ok := oms.CurrencyExponent(to)
	if !ok {
		return 0, fmt.Errorf("%q is not an ISO 4217 currency code", to)
	}
	if from == to {
		return amount, nil
	}
	rf, err := c.rate(from)
	if err != nil {
		return 0, err
	}
	rt, err := c.rate(to)
	if err != nil {
		return 0, err
	}
	// amount / 10^ef (major of from) / rf (base) * rt (major of to) * 10^et
	v := new(big.Rat).SetInt64(amount)
	v.Mul(v, rt)
	v.Quo(v, rf)
	v.Mul(v, new(big.Rat).SetFrac(pow10(et), pow10(ef)))
	return roundRat(v)
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// roundRat rounds half away from zero to an int64.
func roundRat(v *big.Rat) (int64, error) {
	num, den := new(big.Int).Set(v.Num()), v.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Mul(r, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("amount out of range")
	}
	return q.Int64(), nil
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// parseClock reads HH:MM into minutes after midnight.
func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func isCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

func alnumUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return s != ""
}

// normPostal is the form postal codes are compared in: capitals, no spaces or dashes.
func normPostal(p string) string {
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
		case c >= 'a' && c <= 'z':
			b = append(b, c-32)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// basisPoints turns a percentage into hundredths of a percent.
func basisPoints(pct float64) int64 { return int64(math.Round(pct * 100)) }
