package shipping

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packline/packline/oms"
)

// memNumbers is an in-memory NumberStore: next serial per series, up to a limit.
type memNumbers struct {
	mu    sync.Mutex
	next  map[string]int64
	limit int64
}

func (m *memNumbers) IssueNumber(_ context.Context, series string) (int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.next[series]
	if n >= m.limit {
		return 0, false, nil
	}
	m.next[series] = n + 1
	return n, true, nil
}

func (m *memNumbers) NumbersLeft(_ context.Context, series string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.limit - m.next[series], nil
}

// memManifests is an in-memory ManifestStore. Like localdb it keeps the
// closing instant in UTC, not the clock's zone.
type memManifests struct {
	open   []oms.Shipment
	ids    []string
	closed map[string]memManifest
}

type memManifest struct {
	carrier   string
	at        time.Time
	shipments []oms.Shipment
}

func (m *memManifests) CloseOut(_ context.Context, carrier, id string, at time.Time) ([]oms.Shipment, error) {
	var out, keep []oms.Shipment
	for _, s := range m.open {
		if s.Carrier == carrier {
			out = append(out, s)
		} else {
			keep = append(keep, s)
		}
	}
	m.open = keep
	if len(out) > 0 {
		if _, dup := m.closed[id]; dup {
			return nil, fmt.Errorf("manifest %s exists", id)
		}
		if m.closed == nil {
			m.closed = map[string]memManifest{}
		}
		m.ids = append(m.ids, id)
		m.closed[id] = memManifest{carrier: carrier, at: at.UTC(), shipments: out}
	}
	return out, nil
}

func (m *memManifests) ManifestShipments(_ context.Context, id string) (string, time.Time, []oms.Shipment, bool, error) {
	c, ok := m.closed[id]
	return c.carrier, c.at, c.shipments, ok, nil
}

func (m *memManifests) LastManifest(_ context.Context, carrier string) (string, bool, error) {
	var last string
	for _, id := range m.ids {
		c := m.closed[id]
		if c.carrier == carrier && (last == "" || !c.at.Before(m.closed[last].at)) {
			last = id
		}
	}
	return last, last != "", nil
}

var berlin = oms.Address{Company: "Packline GmbH", Name: "Berlin DC", Street1: "Am Juliusturm 40", City: "Berlin", PostalCode: "13599", Country: "DE"}

func demoService(t *testing.T, site string) (*Service, *memNumbers, *memManifests) {
	t.Helper()
	nums := &memNumbers{next: map[string]int64{}, limit: 3}
	mans := &memManifests{}
	s, err := NewService(exampleConfig(t), Options{Site: site, Station: "PACK-01", From: berlin, Numbers: nums, Manifests: mans,
		Now: func() time.Time { return friday10.Add(7 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	return s, nums, mans
}

func TestIssueTrackingAndSSCC(t *testing.T) {
	s, _, _ := demoService(t, "LON")
	ctx := t.Context()
	n, err := s.IssueTracking(ctx, "ups", "express", "")
	if err != nil || n != "1Z999AA10100000000"[:17]+n[17:] || CheckUPS1Z(n) != nil {
		t.Fatalf("ups: %s %v", n, err)
	}
	n, err = s.IssueTracking(ctx, "royalmail", "tracked24", "")
	if err != nil || !strings.HasPrefix(n, "TS00000000") || !strings.HasSuffix(n, "GB") || CheckS10(n) != nil {
		t.Fatalf("royal mail: %s %v", n, err)
	}
	sscc, err := s.NextSSCC(ctx)
	if err != nil || sscc != "050601230000000000"[:17]+sscc[17:] || CheckSSCC(sscc) != nil {
		t.Fatalf("sscc: %s %v", sscc, err)
	}
	// DHL tracks by the parcel's SSCC.
	if n, err := s.IssueTracking(ctx, "dhl", "paket", sscc); err != nil || n != sscc {
		t.Fatalf("dhl: %s %v", n, err)
	}
	if _, err := s.IssueTracking(ctx, "dhl", "paket", "123"); err == nil {
		t.Fatal("dhl took a bad SSCC")
	}
	if _, err := s.IssueTracking(ctx, "fedex", "x", ""); !errors.Is(err, ErrUnknownCarrier) {
		t.Fatalf("unknown carrier: %v", err)
	}
	if _, err := s.IssueTracking(ctx, "ups", "warp", ""); !errors.Is(err, ErrUnknownCarrier) {
		t.Fatalf("unknown service: %v", err)
	}
	// Out of numbers is ErrNoNumbers, not a made-up number.
	for range 2 {
		s.IssueTracking(ctx, "ups", "standard", "")
	}
	if left, _ := s.NumbersLeft(ctx, "ups"); left != 0 {
		t.Fatalf("left %d", left)
	}
	if _, err := s.IssueTracking(ctx, "ups", "standard", ""); !errors.Is(err, ErrNoNumbers) {
		t.Fatalf("exhausted: %v", err)
	}
}

func customsOrder(country, currency string, lines ...oms.Line) oms.Order {
	return oms.Order{ID: "SO-1", Currency: currency, ShipTo: testAddr(country, "8001"), Lines: lines}
}

func goodSKU(id string, value int64) oms.SKU {
	return oms.SKU{SKU: id, Description: "Thing " + id, WeightGrams: 300, HSCode: "6115.95", CountryOfOrigin: "PT", CustomsValue: value}
}

func TestCustomsCheckNamesSKUAndField(t *testing.T) {
	s, _, _ := demoService(t, "BER")
	o := customsOrder("CH", "CHF", oms.Line{LineNo: 1, SKU: "A", Qty: 1, UnitPrice: 1000}, oms.Line{LineNo: 2, SKU: "B", Qty: 1, UnitPrice: 1000}, oms.Line{LineNo: 3, SKU: "C", Qty: 1})
	skus := map[string]oms.SKU{"A": goodSKU("A", 500), "B": {SKU: "B", HSCode: "12AB", CountryOfOrigin: "PT", CustomsValue: 100}}
	err := s.CustomsCheck(o, skus)
	var ce *CustomsError
	if !errors.Is(err, ErrCustomsData) || !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"order SO-1 to CH", `sku B: hs_code "12AB" is not 6-10 digits`, "sku C: sku is not in the station's catalog"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	skus["B"] = goodSKU("B", 100)
	skus["C"] = oms.SKU{SKU: "C", HSCode: "611595"}
	err = s.CustomsCheck(o, skus)
	if err == nil || !strings.Contains(err.Error(), "sku C: country_of_origin missing; sku C: customs_value missing") {
		t.Fatalf("got %v", err)
	}
	// Inside the customs union nothing is needed, even with data missing.
	if err := s.CustomsCheck(customsOrder("FR", "EUR", oms.Line{SKU: "C", Qty: 1}), skus); err != nil {
		t.Fatalf("DE -> FR: %v", err)
	}
	if !s.NeedsCustoms("GB") || s.NeedsCustoms("DE") || s.NeedsCustoms("AT") {
		t.Fatal("NeedsCustoms from BER")
	}
}

func TestDeclarationFormAndCurrency(t *testing.T) {
	s, _, _ := demoService(t, "BER")
	skus := map[string]oms.SKU{"A": goodSKU("A", 1000), "B": goodSKU("B", 2000)}
	// Paid lines are declared at the price paid in the order's currency;
	// a free line at the SKU's customs value (EUR) converted: 20.00 EUR x
	// 0.94 = 18.80 CHF.
	o := customsOrder("CH", "CHF", oms.Line{LineNo: 1, SKU: "A", Qty: 2, UnitPrice: 1290}, oms.Line{LineNo: 2, SKU: "B", Qty: 1})
	d, err := s.Declaration(o, nil, skus, 1050)
	if err != nil {
		t.Fatal(err)
	}
	if d.Form != FormCN22 || d.Currency != "CHF" || d.TotalValue != 2*1290+1880 || d.Items[1].Value != 1880 || d.Items[0].HSCode != "611595" || d.Items[0].NetGrams != 600 {
		t.Fatalf("declaration %+v", d)
	}
	// Yen: no minor unit. 20.00 EUR x 162 = 3240 JPY.
	o = customsOrder("JP", "JPY", oms.Line{LineNo: 1, SKU: "B", Qty: 1})
	if d, err = s.Declaration(o, nil, skus, 500); err != nil || d.TotalValue != 3240 || d.Form != FormCN22 {
		t.Fatalf("JPY: %+v, %v", d, err)
	}
	// Over 370.00 EUR (in CHF: 400.00 CHF = 425.53 EUR) -> CN23.
	o = customsOrder("CH", "CHF", oms.Line{LineNo: 1, SKU: "A", Qty: 1, UnitPrice: 40000})
	if d, err = s.Declaration(o, nil, skus, 500); err != nil || d.Form != FormCN23 {
		t.Fatalf("high value: %+v, %v", d, err)
	}
	// Over 2 kg -> CN23.
	o = customsOrder("CH", "CHF", oms.Line{LineNo: 1, SKU: "A", Qty: 1, UnitPrice: 100})
	if d, err = s.Declaration(o, nil, skus, 2001); err != nil || d.Form != FormCN23 {
		t.Fatalf("heavy: %+v, %v", d, err)
	}
	// Only what is in the parcel is declared.
	o = customsOrder("CH", "CHF", oms.Line{LineNo: 1, SKU: "A", Qty: 5, UnitPrice: 100}, oms.Line{LineNo: 2, SKU: "B", Qty: 1, UnitPrice: 100})
	if d, err = s.Declaration(o, []oms.PackedItem{{SKU: "A", Qty: 2}}, skus, 500); err != nil || len(d.Items) != 1 || d.TotalValue != 200 {
		t.Fatalf("partial parcel: %+v, %v", d, err)
	}
	// Domestic: no declaration.
	if d, err = s.Declaration(customsOrder("DE", "EUR", oms.Line{SKU: "A", Qty: 1}), nil, skus, 500); d != nil || err != nil {
		t.Fatalf("domestic: %+v, %v", d, err)
	}
	// Missing data stops the declaration too.
	if _, err := s.Declaration(customsOrder("US", "USD", oms.Line{SKU: "Z", Qty: 1}), nil, skus, 500); !errors.Is(err, ErrCustomsData) {
		t.Fatalf("missing: %v", err)
	}
}

func TestCloseOutAndPickup(t *testing.T) {
	s, _, mans := demoService(t, "LON")
	ctx := t.Context()
	mans.open = []oms.Shipment{
		{ID: "s1", OrderID: "o1", Carrier: "ups", Service: "standard", TrackingNumber: "1Z999AA10123456784", Cartons: []oms.Carton{{SSCC: "106141411234567897", WeightGrams: 1200}, {WeightGrams: 800}}},
		{ID: "s2", OrderID: "o2", Carrier: "ups", Service: "express", TrackingNumber: "1Z999AA11110000011", Cartons: []oms.Carton{{WeightGrams: 500}}},
		{ID: "s3", OrderID: "o3", Carrier: "royalmail", Service: "tracked48", TrackingNumber: "RR123456785GB", Cartons: []oms.Carton{{WeightGrams: 300}}},
	}
	m, err := s.CloseOut(ctx, "ups")
	if err != nil {
		t.Fatal(err)
	}
	// Closed Friday 17:00, after UPS's 16:30 ready time: picked up Monday.
	if m.ID != "LON-PACK-01-UPS-261127170000" || len(m.Lines) != 2 || m.Parcels != 3 || m.WeightGrams != 2500 ||
		m.Lines[0].WeightGrams != 2000 || len(m.Lines[0].SSCCs) != 1 || !m.Pickup.Date.Equal(date(2026, 11, 30)) || m.Pickup.Location != "Dock 1" {
		t.Fatalf("manifest %+v", m)
	}
	if _, err := s.CloseOut(ctx, "ups"); !errors.Is(err, ErrNothingToClose) {
		t.Fatalf("second close-out: %v", err)
	}
	if _, err := s.CloseOut(ctx, "nope"); !errors.Is(err, ErrUnknownCarrier) {
		t.Fatalf("unknown: %v", err)
	}
	// Royal Mail collects on Saturdays too, at 15:30.
	p, err := s.NextPickup(ctx, "royalmail", time.Time{})
	if err != nil || !p.Date.Equal(date(2026, 11, 28)) || p.Ready != "15:30" || p.Until != "16:30" {
		t.Fatalf("royal mail pickup %+v, %v", p, err)
	}
	p, err = s.NextPickup(ctx, "dhl", friday10)
	if err != nil || !p.Date.Equal(date(2026, 11, 27)) || p.Location != "Dock 2" {
		t.Fatalf("dhl pickup %+v, %v", p, err)
	}
	if _, err := NewService(exampleConfig(t), Options{Site: "XYZ"}); err == nil {
		t.Fatal("unknown site accepted")
	}
	if st, err := s.carrier("ups"); err != nil {
		t.Fatal(err)
	} else if _, err := st.Track(ctx, "1Z999AA10123456784"); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("track: %v", err)
	}
}

// TestManifestRebuildsCloseOut: a manifest read back from the store is
// the one the close-out returned, field for field, in the station's zone
// (closed 16:00 in New Jersey, before UPS's 16:30 ready time: picked up the
// same Friday; read back in UTC it would be Monday). The latest is the
// carrier's last close-out; an unknown id or a carrier never closed out is
// refused by name.
func TestManifestRebuildsCloseOut(t *testing.T) {
	newark := time.FixedZone("EST", -5*3600)
	now := time.Date(2026, 11, 27, 16, 0, 0, 123456789, newark)
	mans := &memManifests{}
	s, err := NewService(exampleConfig(t), Options{Site: "EWR", Station: "PACK-02", Manifests: mans, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	mans.open = []oms.Shipment{
		{ID: "s1", OrderID: "o1", Carrier: "ups", Service: "standard", TrackingNumber: "1Z999AA10123456784", Cartons: []oms.Carton{{SSCC: "106141411234567897", WeightGrams: 1200}, {WeightGrams: 800}}},
		{ID: "s2", OrderID: "o2", Carrier: "ups", Service: "express", TrackingNumber: "1Z999AA11110000011", Cartons: []oms.Carton{{WeightGrams: 500}}},
	}
	first, err := s.CloseOut(ctx, "ups")
	if err != nil {
		t.Fatal(err)
	}
	if !first.Pickup.Date.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, newark)) {
		t.Fatalf("close-out pickup %v, want Friday 2026-11-27 in EST", first.Pickup.Date)
	}
	got, err := s.Manifest(ctx, first.ID)
	if err != nil {
		t.Fatalf("manifest %s: %v", first.ID, err)
	}
	if !reflect.DeepEqual(got, first) {
		t.Fatalf("manifest %s read back differs from the close-out:\n got %+v\nwant %+v", first.ID, got, first)
	}

	now = now.Add(24 * time.Hour)
	mans.open = []oms.Shipment{{ID: "s3", OrderID: "o3", Carrier: "ups", Service: "standard", TrackingNumber: "1Z999AA10123456795", Cartons: []oms.Carton{{WeightGrams: 300}}}}
	second, err := s.CloseOut(ctx, "ups")
	if err != nil {
		t.Fatal(err)
	}
	if last, err := s.LastManifest(ctx, "ups"); err != nil || !reflect.DeepEqual(last, second) {
		t.Fatalf("last ups manifest: %v\n got %+v\nwant %+v", err, last, second)
	}
	if again, err := s.Manifest(ctx, first.ID); err != nil || !reflect.DeepEqual(again, first) {
		t.Fatalf("manifest %s after a later close-out: %v\n got %+v\nwant %+v", first.ID, err, again, first)
	}

	if _, err := s.Manifest(ctx, "EWR-PACK-02-UPS-000000000000"); !errors.Is(err, ErrUnknownManifest) || !strings.Contains(err.Error(), "EWR-PACK-02-UPS-000000000000") {
		t.Errorf("unknown manifest id: got %v, want ErrUnknownManifest naming the id", err)
	}
	if _, err := s.LastManifest(ctx, "dhl"); !errors.Is(err, ErrUnknownManifest) || !strings.Contains(err.Error(), "dhl") {
		t.Errorf("last manifest of a carrier never closed out: got %v, want ErrUnknownManifest naming dhl", err)
	}
	if _, err := s.LastManifest(ctx, "fedex"); !errors.Is(err, ErrUnknownCarrier) {
		t.Errorf("last manifest of a carrier not in the config: got %v, want ErrUnknownCarrier", err)
	}
}

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		minor int64
		cur   string
		want  string
	}{{1250, "EUR", "12.50 EUR"}, {5, "EUR", "0.05 EUR"}, {-1250, "GBP", "-12.50 GBP"}, {1500, "JPY", "1500 JPY"}, {1250, "KWD", "1.250 KWD"}} {
		if got := FormatMoney(c.minor, c.cur); got != c.want {
			t.Errorf("FormatMoney(%d, %s) = %s, want %s", c.minor, c.cur, got, c.want)
		}
	}
}

// A config built in code is validated too, so a rate card never indexes
// into what is not there.
func TestNewServiceValidatesHandBuiltConfig(t *testing.T) {
	c := &Config{BaseCurrency: "EUR", Sites: []SiteConfig{{ID: "HAM", Country: "DE"}},
		Carriers: []CarrierConfig{{ID: "x", Name: "X", Currency: "EUR", Tracking: TrackingConfig{Format: FormatSSCC},
			Zones:    []ZoneConfig{{Site: "HAM", Country: "DE", Zone: "1"}},
			Services: []ServiceConfig{{Code: "s", Name: "S", Level: oms.ServiceStandard, TransitDays: map[string]int{"1": 1}}}}}}
	if _, err := NewService(c, Options{Site: "HAM"}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "carriers[1].services[1].rates") {
		t.Fatalf("got %v", err)
	}
	if _, err := NewService(nil, Options{Site: "HAM"}); err == nil {
		t.Fatal("nil config accepted")
	}
}

// TestIssueIMpb issues USPS numbers through the service: each from the
// carrier's series under its Mailer ID, with the service's type code, in
// order, until the station's range is used up.
func TestIssueIMpb(t *testing.T) {
	c, err := Parse([]byte(impbCard))
	if err != nil {
		t.Fatal(err)
	}
	nums := &memNumbers{next: map[string]int64{}, limit: 3}
	s, err := NewService(c, Options{Site: "HAM", Station: "PACK-01", Numbers: nums, Now: func() time.Time { return friday10 }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for serial := range int64(3) {
		n, err := s.IssueTracking(ctx, "usps", "priority", "")
		want, _ := MakeIMpb("92", "055", "901649173", serial)
		if err != nil || n != want || CheckIMpb(n) != nil {
			t.Fatalf("usps number %d: %s %v, want %s", serial, n, err, want)
		}
	}
	if nums.next["usps:901649173"] != 3 || nums.next["usps"] != 0 {
		t.Fatalf("series used: %v, want 3 of usps:901649173", nums.next)
	}
	if left, err := s.NumbersLeft(ctx, "usps"); err != nil || left != 0 {
		t.Fatalf("numbers left %d %v, want 0 of usps:901649173", left, err)
	}
	if _, err := s.IssueTracking(ctx, "usps", "priority", ""); !errors.Is(err, ErrNoNumbers) || !strings.Contains(err.Error(), "usps:901649173") {
		t.Fatalf("exhausted: %v, want ErrNoNumbers naming series usps:901649173", err)
	}
	// The other carriers still number from a series named after them.
	if n, err := s.IssueTracking(ctx, "acme", "eco", ""); err != nil || CheckUPS1Z(n) != nil || nums.next["acme"] != 1 {
		t.Fatalf("acme: %s %v, series %v", n, err, nums.next)
	}
}
