package shipping

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// Parcel is a packed carton as the rater sees it.
type Parcel struct {
	// Site is the shipping site's id; zones are looked up from it.
	Site string
	// To is the destination; Country is required, PostalCode picks the zone.
	To oms.Address
	// Residential says the destination is a home, not a business.
	Residential bool
	// WeightGrams is the weighed gross weight.
	WeightGrams int
	// LengthMM, WidthMM, HeightMM are the carton's outside dimensions
	// (0: unknown, no dimensional weight).
	LengthMM, WidthMM, HeightMM int
	// Level is the service level the order paid for (empty: standard).
	Level oms.ServiceLevel
	// PromisedBy is the date promised to the customer (zero: no promise).
	// Only its date, in ReadyAt's location, counts.
	PromisedBy time.Time
	// ReadyAt is when the parcel is ready to go, in the site's local time
	// (zero: the service clock's now).
	ReadyAt time.Time
}

// Quote is one service's offer for a parcel.
type Quote struct {
	Carrier     string           // carrier id, e.g. "ups"
	CarrierName string           // e.g. "UPS"
	Service     string           // service code, e.g. "express"
	ServiceName string           // e.g. "UPS Express Saver"
	Level       oms.ServiceLevel // the fastest order level it satisfies
	Zone        string
	// ActualGrams is the weighed weight, DimGrams the dimensional weight
	// and BillableGrams the larger of the two, which the price is for.
	ActualGrams, DimGrams, BillableGrams int
	// Prices in minor units of Currency: Total = Base + Residential + Remote + Fuel.
	Currency                        string
	Base, Residential, Remote, Fuel int64
	Total                           int64
	// ShipDate is the pickup date, DeliveryDate ShipDate plus TransitDays
	// business days (dates at midnight, site local time).
	ShipDate, DeliveryDate time.Time
	TransitDays            int
	// MeetsPromise is true when DeliveryDate is on or before the promised
	// date (always true without a promise).
	MeetsPromise bool
	// baseTotal is Total in the config's base currency, for comparing
	// carriers that price in different currencies.
	baseTotal float64
}

// String is a one-line description for logs and the packer.
func (q Quote) String() string {
	return fmt.Sprintf("%s %s %s, delivery %s", q.CarrierName, q.ServiceName, FormatMoney(q.Total, q.Currency), q.DeliveryDate.Format("Mon 2006-01-02"))
}

// levelRank orders service levels by speed.
func levelRank(l oms.ServiceLevel) int {
	switch l {
	case oms.ServiceExpress:
		return 1
	case oms.ServiceNextDay:
		return 2
	}
	return 0
}

// Validate checks a parcel before rating; the error names the field.
func (p *Parcel) Validate() error {
	switch {
	case p.WeightGrams <= 0 || p.WeightGrams > 10_000_000:
		return fmt.Errorf("%w: weight_g: %d: want 1 to 10000000 grams", ErrInvalidParcel, p.WeightGrams)
	case p.LengthMM < 0 || p.WidthMM < 0 || p.HeightMM < 0 || p.LengthMM > 100_000 || p.WidthMM > 100_000 || p.HeightMM > 100_000:
		return fmt.Errorf("%w: dimensions %dx%dx%d mm: want 0 to 100000 each", ErrInvalidParcel, p.LengthMM, p.WidthMM, p.HeightMM)
	case !isCountry(p.To.Country):
		return fmt.Errorf("%w: to.country: %q is not an ISO 3166-1 alpha-2 code", ErrInvalidParcel, p.To.Country)
	case p.Level != "" && !p.Level.Valid():
		return fmt.Errorf("%w: level: %q is not one of standard, express, next_day", ErrInvalidParcel, p.Level)
	}
	return nil
}

// zoneRule is one destination of a rate card's zone table.
type zoneRule struct {
	prefix string
	zone   int
}

// rateService is a service compiled for fast rating.
type rateService struct {
	code, name, trackingCode string
	level                    oms.ServiceLevel
	transit                  []int     // per zone index; -1: not served
	breaks                   []int     // max grams, increasing
	prices                   [][]int64 // [break][zone]; -1: not priced
}

// RateCard is a carrier's compiled rate card; it is the offline Carrier.
type RateCard struct {
	id, name, currency string
	toBase             float64
	dimDivisor         int64
	fuelBP             int64
	residential        int64
	remoteSurcharge    int64
	remote             map[string][]string
	maxLengthMM        int
	cutoff             int // minutes after midnight
	pickupDays         [7]bool
	pickup             PickupConfig
	zoneNames          []string
	zones              map[string]map[string][]zoneRule // site -> country -> rules, longest prefix first
	services           []rateService
	tracking           trackingFormatter
	cal                *calendar
	numbers            NumberStore
}

// newRateCard compiles a validated carrier config.
func newRateCard(c *Config, cc *CarrierConfig, cal *calendar) *RateCard {
	rc := &RateCard{
		id: cc.ID, name: cc.Name, currency: cc.Currency,
		dimDivisor: int64(cc.DimDivisor), fuelBP: basisPoints(cc.FuelPercent),
		residential: cc.ResidentialSurcharge, remoteSurcharge: cc.RemoteSurcharge,
		remote: map[string][]string{}, maxLengthMM: cc.MaxLengthMM, cutoff: 17 * 60,
		pickup: cc.Pickup, zones: map[string]map[string][]zoneRule{}, cal: cal,
		tracking: trackingFormatter{format: cc.Tracking.Format, shipper: cc.Tracking.Shipper, indicator: cc.Tracking.Indicator,
			country: cc.Tracking.Country, mailerID: cc.Tracking.MailerID, series: cc.trackingSeries()},
	}
	// A rough conversion is enough to rank quotes; money itself stays integer.
	rc.toBase = 1
	if v, err := c.convert(1_000_000, cc.Currency, c.BaseCurrency); err == nil {
		e1, _ := oms.CurrencyExponent(cc.Currency)
		e2, _ := oms.CurrencyExponent(c.BaseCurrency)
		rc.toBase = float64(v) / 1_000_000 * pow10f(e1-e2)
	}
	if cc.Pickup.Ready != "" {
		rc.cutoff, _ = parseClock(cc.Pickup.Ready)
	} else if cc.Cutoff != "" {
		rc.cutoff, _ = parseClock(cc.Cutoff)
	}
	if len(cc.Pickup.Days) == 0 {
		for d := time.Monday; d <= time.Friday; d++ {
			rc.pickupDays[d] = true
		}
	} else {
		for _, d := range cc.Pickup.Days {
			rc.pickupDays[weekdays[strings.ToLower(d)]] = true
		}
	}
	for _, a := range cc.RemoteAreas {
		for _, p := range a.PostalPrefixes {
			rc.remote[a.Country] = append(rc.remote[a.Country], normPostal(p))
		}
	}
	zoneIndex := map[string]int{}
	for _, z := range cc.Zones {
		i, ok := zoneIndex[z.Zone]
		if !ok {
			i = len(rc.zoneNames)
			zoneIndex[z.Zone] = i
			rc.zoneNames = append(rc.zoneNames, z.Zone)
		}
		bySite := rc.zones[z.Site]
		if bySite == nil {
			bySite = map[string][]zoneRule{}
			rc.zones[z.Site] = bySite
		}
		bySite[z.Country] = append(bySite[z.Country], zoneRule{prefix: normPostal(z.PostalPrefix), zone: i})
	}
	for _, bySite := range rc.zones {
		for _, rules := range bySite {
			// Longest prefix first; a later duplicate prefix loses to the first listed.
			sort.SliceStable(rules, func(i, j int) bool { return len(rules[i].prefix) > len(rules[j].prefix) })
		}
	}
	for _, s := range cc.Services {
		rs := rateService{code: s.Code, name: s.Name, level: s.Level, trackingCode: s.TrackingCode}
		rs.transit = make([]int, len(rc.zoneNames))
		for i, name := range rc.zoneNames {
			rs.transit[i] = -1
			if d, ok := s.TransitDays[name]; ok {
				rs.transit[i] = d
			}
		}
		for _, r := range s.Rates {
			row := make([]int64, len(rc.zoneNames))
			for i, name := range rc.zoneNames {
				row[i] = -1
				if p, ok := r.Prices[name]; ok {
					row[i] = p
				}
			}
			rs.breaks = append(rs.breaks, r.MaxGrams)
			rs.prices = append(rs.prices, row)
		}
		rc.services = append(rc.services, rs)
	}
	return rc
}

func pow10f(n int) float64 {
	f := 1.0
	for ; n > 0; n-- {
		f *= 10
	}
	for ; n < 0; n++ {
		f /= 10
	}
	return f
}

// ID is the carrier id.
func (rc *RateCard) ID() string { return rc.id }

// Name is the carrier's display name.
func (rc *RateCard) Name() string { return rc.name }

// zone finds the zone of a destination from a site, or -1.
func (rc *RateCard) zone(site, country, postal string) int {
	bySite := rc.zones[site]
	for _, r := range bySite[country] {
		if strings.HasPrefix(postal, r.prefix) {
			return r.zone
		}
	}
	for _, r := range bySite["*"] {
		return r.zone
	}
	return -1
}

func (rc *RateCard) isRemote(country, postal string) bool {
	for _, p := range rc.remote[country] {
		if strings.HasPrefix(postal, p) {
			return true
		}
	}
	return false
}

// DimGrams is the dimensional weight of a carton under this card:
// length x width x height in mm³ divided by the divisor (cm³/kg) is grams,
// rounded up.
func (rc *RateCard) DimGrams(l, w, h int) int {
	if rc.dimDivisor <= 0 || l <= 0 || w <= 0 || h <= 0 {
		return 0
	}
	v := int64(l) * int64(w) * int64(h)
	return int((v + rc.dimDivisor - 1) / rc.dimDivisor)
}

// Rates quotes every service of the card that can carry p, and says for
// the others why not. It never fails for a parcel it cannot carry.
func (rc *RateCard) Rates(_ context.Context, p *Parcel, readyAt time.Time) (quotes []Quote, refusals []string) {
	postal := normPostal(p.To.PostalCode)
	z := rc.zone(p.Site, p.To.Country, postal)
	if z < 0 {
		return nil, []string{fmt.Sprintf("%s: no zone from site %s to %s %s", rc.id, p.Site, p.To.Country, p.To.PostalCode)}
	}
	if rc.maxLengthMM > 0 && max(p.LengthMM, p.WidthMM, p.HeightMM) > rc.maxLengthMM {
		return nil, []string{fmt.Sprintf("%s: longest side %d mm is over the carrier's %d mm", rc.id, max(p.LengthMM, p.WidthMM, p.HeightMM), rc.maxLengthMM)}
	}
	dim := rc.DimGrams(p.LengthMM, p.WidthMM, p.HeightMM)
	billable := max(p.WeightGrams, dim)
	var surRes, surRemote int64
	if p.Residential {
		surRes = rc.residential
	}
	if rc.isRemote(p.To.Country, postal) {
		surRemote = rc.remoteSurcharge
	}
	ship := rc.shipDate(readyAt)
	var promised time.Time
	if !p.PromisedBy.IsZero() {
		y, m, d := p.PromisedBy.In(readyAt.Location()).Date()
		promised = time.Date(y, m, d, 0, 0, 0, 0, readyAt.Location())
	}
	want := levelRank(p.Level)
	for i := range rc.services {
		s := &rc.services[i]
		if levelRank(s.level) < want {
			refusals = append(refusals, fmt.Sprintf("%s %s: %s service, order needs %s", rc.id, s.code, s.level, p.Level))
			continue
		}
		days := s.transit[z]
		if days < 0 {
			refusals = append(refusals, fmt.Sprintf("%s %s: does not serve zone %s", rc.id, s.code, rc.zoneNames[z]))
			continue
		}
		b, ok := slices.BinarySearch(s.breaks, billable)
		if !ok && b == len(s.breaks) {
			refusals = append(refusals, fmt.Sprintf("%s %s: %d g billable is over its heaviest break %d g", rc.id, s.code, billable, s.breaks[len(s.breaks)-1]))
			continue
		}
		base := s.prices[b][z]
		if base < 0 {
			refusals = append(refusals, fmt.Sprintf("%s %s: no price for zone %s at %d g", rc.id, s.code, rc.zoneNames[z], s.breaks[b]))
			continue
		}
		sub := base + surRes + surRemote
		fuel := (sub*rc.fuelBP + 5000) / 10000
		q := Quote{
			Carrier: rc.id, CarrierName: rc.name, Service: s.code, ServiceName: s.name, Level: s.level,
			Zone: rc.zoneNames[z], ActualGrams: p.WeightGrams, DimGrams: dim, BillableGrams: billable,
			Currency: rc.currency, Base: base, Residential: surRes, Remote: surRemote, Fuel: fuel, Total: sub + fuel,
			ShipDate: ship, DeliveryDate: rc.cal.addBusinessDays(ship, days), TransitDays: days,
		}
		q.MeetsPromise = promised.IsZero() || !q.DeliveryDate.After(promised)
		q.baseTotal = float64(q.Total) * rc.toBase
		quotes = append(quotes, q)
	}
	return quotes, refusals
}

// shipDate is the first pickup day on or after readyAt whose cutoff has
// not passed, as a date at midnight in readyAt's location. Pickup days are
// the carrier's configured weekdays (Monday to Friday by default; a
// carrier that collects on Saturday says so), never a holiday.
func (rc *RateCard) shipDate(readyAt time.Time) time.Time {
	y, m, d := readyAt.Date()
	loc := readyAt.Location()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	late := readyAt.Hour()*60+readyAt.Minute() >= rc.cutoff
	for i := 0; i < 400; i++ {
		if (i > 0 || !late) && rc.pickupDays[day.Weekday()] && !rc.cal.holidays[dateKey(day)] {
			return day
		}
		day = day.AddDate(0, 0, 1)
	}
	return day
}

// sortQuotes orders quotes cheapest first (in the base currency), then
// earliest delivery, then by carrier and service for a stable list.
func sortQuotes(qs []Quote) {
	sort.SliceStable(qs, func(i, j int) bool {
		a, b := &qs[i], &qs[j]
		if a.baseTotal != b.baseTotal {
			return a.baseTotal < b.baseTotal
		}
		if !a.DeliveryDate.Equal(b.DeliveryDate) {
			return a.DeliveryDate.Before(b.DeliveryDate)
		}
		if a.Carrier != b.Carrier {
			return a.Carrier < b.Carrier
		}
		return a.Service < b.Service
	})
}

// Choose picks the default from quotes as Rate returns them: the cheapest
// that meets the promise. When none does it returns the one that delivers
// first (cheapest among those) together with an error wrapping
// ErrPromiseUnmet that says by how much the promise is missed; the packer
// may ship it or pick another. With no quotes it returns ErrNoService.
func Choose(quotes []Quote) (Quote, error) {
	if len(quotes) == 0 {
		return Quote{}, ErrNoService
	}
	best := -1
	for i := range quotes {
		if quotes[i].MeetsPromise && (best < 0 || quotes[i].baseTotal < quotes[best].baseTotal) {
			best = i
		}
	}
	if best >= 0 {
		return quotes[best], nil
	}
	fast := 0
	for i := range quotes {
		a, b := &quotes[i], &quotes[fast]
		if a.DeliveryDate.Before(b.DeliveryDate) || a.DeliveryDate.Equal(b.DeliveryDate) && a.baseTotal < b.baseTotal {
			fast = i
		}
	}
	q := quotes[fast]
	return q, fmt.Errorf("%w: earliest delivery is %s by %s %s", ErrPromiseUnmet, q.DeliveryDate.Format("Mon 2006-01-02"), q.CarrierName, q.ServiceName)
}
