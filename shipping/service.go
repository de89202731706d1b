package shipping

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// NumberStore is where a station keeps the number ranges central gave it
// (localdb implements it). IssueNumber must commit the issue durably
// before returning, in a transaction, so a serial is never returned twice,
// even across a crash; ok is false when no unissued serial of the series is
// left.
type NumberStore interface {
	IssueNumber(ctx context.Context, series string) (serial int64, ok bool, err error)
	NumbersLeft(ctx context.Context, series string) (int64, error)
}

// ManifestStore keeps the station's shipments until a close-out, and the
// manifests they went on after it (localdb implements it).
//
// CloseOut marks every shipment of carrier not yet on a manifest as on
// manifest id and returns them, in one transaction. ManifestShipments reads
// a manifest back: its carrier, the closing time CloseOut was given (the
// same instant; the zone may differ) and its shipments in the order CloseOut
// returned them; ok is false when the store holds no manifest id.
// LastManifest is the id of carrier's latest manifest; ok is false when the
// carrier has none.
type ManifestStore interface {
	CloseOut(ctx context.Context, carrier, manifestID string, at time.Time) ([]oms.Shipment, error)
	ManifestShipments(ctx context.Context, manifestID string) (carrier string, at time.Time, shipments []oms.Shipment, ok bool, err error)
	LastManifest(ctx context.Context, carrier string) (manifestID string, ok bool, err error)
}

// Options wire a Service to its station.
type Options struct {
	// Site and Station are the station's ids; Site must be in the config.
	Site, Station string
	// From is the ship-from address printed on customs forms.
	From oms.Address
	// Numbers issues tracking numbers and SSCCs (the station's localdb).
	Numbers NumberStore
	// Manifests closes out shipments (the station's localdb).
	Manifests ManifestStore
	// Now is the clock in the site's local time zone (default time.Now).
	Now func() time.Time
	// Adapters replace a carrier's offline rate card with a live adapter,
	// by carrier id. Leave empty to work from the rate cards alone.
	Adapters map[string]Carrier
}

// Service is what the pack screen calls: rating, number issue, customs,
// close-out and pickups for one station. It holds no Bubble Tea types and
// is safe for concurrent use (its state is read-only after NewService; the
// stores serialise their own writes).
type Service struct {
	cfg      *Config
	opt      Options
	site     SiteConfig
	cards    map[string]*RateCard
	carriers []Carrier // in config order
	now      func() time.Time
}

// NewService validates cfg and compiles its rate cards for the station's site.
func NewService(cfg *Config, opt Options) (*Service, error) {
	if cfg == nil {
		return nil, fmt.Errorf("shipping service: no config")
	}
	// A config built in code rather than by Parse is checked too: the rate
	// cards index into what Validate guarantees.
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("shipping service: %w", err)
	}
	s := &Service{cfg: cfg, opt: opt, cards: map[string]*RateCard{}, now: opt.Now}
	if s.now == nil {
		s.now = time.Now
	}
	found := false
	for _, site := range cfg.Sites {
		if site.ID == opt.Site {
			s.site, found = site, true
		}
	}
	if !found {
		return nil, fmt.Errorf("shipping service: site %q is not in the shipping config's [[sites]]", opt.Site)
	}
	cal := newCalendar(cfg.Holidays)
	for i := range cfg.Carriers {
		cc := &cfg.Carriers[i]
		rc := newRateCard(cfg, cc, cal)
		rc.numbers = opt.Numbers
		rc.tracking.prefix = s.site.GS1CompanyPrefix
		s.cards[cc.ID] = rc
		var c Carrier = rc
		if a, ok := opt.Adapters[cc.ID]; ok && a != nil {
			c = a
		}
		s.carriers = append(s.carriers, c)
	}
	return s, nil
}

// Carriers lists the carrier ids in config order.
func (s *Service) Carriers() []string {
	out := make([]string, len(s.carriers))
	for i, c := range s.carriers {
		out[i] = c.ID()
	}
	return out
}

// Rate quotes every eligible service of every carrier for p, cheapest
// first (compared in the base currency), each with its delivery date and
// whether it meets the promise. If none can carry the parcel the error
// wraps ErrNoService and says why for each service. A carrier adapter that
// fails is skipped (its error is in the refusals) so one API outage never
// blocks the others.
func (s *Service) Rate(ctx context.Context, p Parcel) ([]Quote, error) {
	if p.Site == "" {
		p.Site = s.site.ID
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	ready := p.ReadyAt
	if ready.IsZero() {
		ready = s.now()
	}
	quotes := make([]Quote, 0, 16)
	var refusals []string
	for _, c := range s.carriers {
		q, r, err := c.Rate(ctx, &p, ready)
		if err != nil {
			refusals = append(refusals, fmt.Sprintf("%s: %v", c.ID(), err))
			continue
		}
		quotes = append(quotes, q...)
		refusals = append(refusals, r...)
	}
	if len(quotes) == 0 {
		return nil, fmt.Errorf("%w to %s %s (%d g): %s", ErrNoService, p.To.Country, p.To.PostalCode, p.WeightGrams, strings.Join(refusals, "; "))
	}
	sortQuotes(quotes)
	return quotes, nil
}

// Choose picks the default quote: see the package function Choose.
func (s *Service) Choose(quotes []Quote) (Quote, error) { return Choose(quotes) }

func (s *Service) carrier(id string) (Carrier, error) {
	for _, c := range s.carriers {
		if c.ID() == id {
			return c, nil
		}
	}
	return nil, fmt.Errorf("carrier %q: %w", id, ErrUnknownCarrier)
}

// IssueTracking issues the tracking number of one parcel on a carrier's
// service, from the station's ranges, with the format's check digit. The
// number is committed as issued before it is returned: a voided label
// wastes it, it is never reused. For carriers that track by SSCC, pass the
// parcel's SSCC (from NextSSCC); other carriers ignore it.
func (s *Service) IssueTracking(ctx context.Context, carrier, service, sscc string) (string, error) {
	c, err := s.carrier(carrier)
	if err != nil {
		return "", err
	}
	l, err := c.Label(ctx, LabelRequest{Service: service, SSCC: sscc})
	if err != nil {
		return "", err
	}
	return l.TrackingNumber, nil
}

// NextSSCC issues the next SSCC-18 of the site's GS1 company prefix.
func (s *Service) NextSSCC(ctx context.Context) (string, error) {
	prefix := s.site.GS1CompanyPrefix
	if prefix == "" {
		return "", fmt.Errorf("sscc: site %s has no gs1_company_prefix in the shipping config", s.site.ID)
	}
	if s.opt.Numbers == nil {
		return "", fmt.Errorf("sscc: no number store")
	}
	series := SSCCSeries(prefix)
	serial, ok, err := s.opt.Numbers.IssueNumber(ctx, series)
	if err != nil {
		return "", fmt.Errorf("sscc: %w", err)
	}
	if !ok {
		return "", fmt.Errorf("sscc: series %s: %w", series, ErrNoNumbers)
	}
	return MakeSSCC(prefix, serial)
}

// NumbersLeft is how many tracking numbers of a carrier (or, with carrier
// "sscc", SSCCs) the station can still issue offline.
func (s *Service) NumbersLeft(ctx context.Context, carrier string) (int64, error) {
	if s.opt.Numbers == nil {
		return 0, fmt.Errorf("numbers left: no number store")
	}
	if carrier == "sscc" {
		return s.opt.Numbers.NumbersLeft(ctx, SSCCSeries(s.site.GS1CompanyPrefix))
	}
	rc, ok := s.cards[carrier]
	if !ok {
		return 0, fmt.Errorf("carrier %q: %w", carrier, ErrUnknownCarrier)
	}
	if rc.tracking.format == FormatSSCC {
		return s.opt.Numbers.NumbersLeft(ctx, SSCCSeries(s.site.GS1CompanyPrefix))
	}
	return s.opt.Numbers.NumbersLeft(ctx, rc.tracking.series)
}

// NeedsCustoms reports whether an order going to country needs a customs
// declaration from this site.
func (s *Service) NeedsCustoms(country string) bool {
	return s.cfg.NeedsCustoms(s.site.Country, country)
}

// CustomsCheck is the pack-time gate: for an order that crosses a customs
// border it returns a *CustomsError (wrapping ErrCustomsData) naming every
// SKU and field the declaration would lack; nil when the order may ship.
// skus holds the order's SKUs by id (the station catalog).
func (s *Service) CustomsCheck(order oms.Order, skus map[string]oms.SKU) error {
	if !s.NeedsCustoms(order.ShipTo.Country) {
		return nil
	}
	ids := make([]string, len(order.Lines))
	for i, l := range order.Lines {
		ids[i] = l.SKU
	}
	return checkCustoms(order.ID, order.ShipTo.Country, ids, skus)
}

// Declaration builds the customs declaration for the items in one parcel
// (nil: the whole order) weighing grossGrams: a CN22 when it is small
// enough (value, weight, at most 4 item lines), otherwise CN23 data. It
// returns nil, nil when the destination needs no declaration.
func (s *Service) Declaration(order oms.Order, items []oms.PackedItem, skus map[string]oms.SKU, grossGrams int) (*Declaration, error) {
	if !s.NeedsCustoms(order.ShipTo.Country) {
		return nil, nil
	}
	return s.cfg.declare(s.opt.From, &order, items, skus, grossGrams)
}

// CloseOut closes the day for one carrier: every shipment the station
// recorded for it since the last close-out goes on a new manifest, in one
// transaction. Print the manifest label (printers "manifest" template) for
// the driver's pickup scan. The shipments are closed once it returns: if
// the label does not print, Manifest(ctx, m.ID) rebuilds the same manifest
// for printing again.
func (s *Service) CloseOut(ctx context.Context, carrier string) (Manifest, error) {
	rc, ok := s.cards[carrier]
	if !ok {
		return Manifest{}, fmt.Errorf("close out %q: %w", carrier, ErrUnknownCarrier)
	}
	if s.opt.Manifests == nil {
		return Manifest{}, fmt.Errorf("close out %s: no manifest store", carrier)
	}
	// The store keeps the instant, not the clock's monotonic reading:
	// dropping it here makes the manifest equal to its rebuild by Manifest.
	at := s.now().Round(0)
	id := manifestID(s.site.ID, s.opt.Station, carrier, at)
	ships, err := s.opt.Manifests.CloseOut(ctx, carrier, id, at)
	if err != nil {
		return Manifest{}, fmt.Errorf("close out %s: %w", carrier, err)
	}
	if len(ships) == 0 {
		return Manifest{}, fmt.Errorf("close out %s: %w", carrier, ErrNothingToClose)
	}
	return buildManifest(id, s.site.ID, s.opt.Station, rc, at, ships), nil
}

// Manifest rebuilds a closed manifest from what the store kept, the same
// way CloseOut built it (buildManifest, with the stored closing time in the
// clock's zone), so its label is the one the close-out printed: for printing
// a manifest again when its label did not print. It closes nothing. An id
// the station has no manifest for wraps ErrUnknownManifest. The pickup is
// worked out from the rate card as it is now: a card whose pickup changed
// since gives the new pickup.
func (s *Service) Manifest(ctx context.Context, id string) (Manifest, error) {
	if s.opt.Manifests == nil {
		return Manifest{}, fmt.Errorf("manifest %s: no manifest store", id)
	}
	carrier, at, ships, ok, err := s.opt.Manifests.ManifestShipments(ctx, id)
	if err != nil {
		return Manifest{}, fmt.Errorf("manifest %s: %w", id, err)
	}
	if !ok {
		return Manifest{}, fmt.Errorf("manifest %q: %w", id, ErrUnknownManifest)
	}
	rc, ok := s.cards[carrier]
	if !ok {
		return Manifest{}, fmt.Errorf("manifest %s: carrier %q: %w", id, carrier, ErrUnknownCarrier)
	}
	// Stored as an instant (localdb keeps UTC); the pickup day and the
	// printed closing time are in the site's zone, as at the close-out.
	return buildManifest(id, s.site.ID, s.opt.Station, rc, at.In(s.now().Location()), ships), nil
}

// LastManifest rebuilds the carrier's latest manifest, as Manifest does. A
// carrier the station has never closed out wraps ErrUnknownManifest.
func (s *Service) LastManifest(ctx context.Context, carrier string) (Manifest, error) {
	if _, ok := s.cards[carrier]; !ok {
		return Manifest{}, fmt.Errorf("last manifest of %q: %w", carrier, ErrUnknownCarrier)
	}
	if s.opt.Manifests == nil {
		return Manifest{}, fmt.Errorf("last manifest of %s: no manifest store", carrier)
	}
	id, ok, err := s.opt.Manifests.LastManifest(ctx, carrier)
	if err != nil {
		return Manifest{}, fmt.Errorf("last manifest of %s: %w", carrier, err)
	}
	if !ok {
		return Manifest{}, fmt.Errorf("last manifest of %s: %w: %s was never closed out here", carrier, ErrUnknownManifest, carrier)
	}
	return s.Manifest(ctx, id)
}

// NextPickup is the carrier's next collection at or after at (zero: now).
func (s *Service) NextPickup(ctx context.Context, carrier string, at time.Time) (Pickup, error) {
	c, err := s.carrier(carrier)
	if err != nil {
		return Pickup{}, err
	}
	if at.IsZero() {
		at = s.now()
	}
	return c.SchedulePickup(ctx, at)
}
