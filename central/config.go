package central

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/packline/packline/internal/tomlconfig"
	"github.com/packline/packline/oms"
)

// Config is omsd's configuration: defaults, then the TOML file, then
// PACKLINE_* environment variables, then flags; Validate names the first
// bad field. configs/omsd.example.toml documents every field.
type Config struct {
	// Data is the folder for the database and the embedded NATS store.
	Data string `toml:"data" env:"PACKLINE_DATA"`
	// HTTP is the address of the HTTP API.
	HTTP string `toml:"http" env:"PACKLINE_HTTP"`
	// NATS says which NATS to use: embedded (default) or an external cluster.
	NATS NATSConfig `toml:"nats" envPrefix:"PACKLINE_NATS_"`
	// Sites are loaded (created or updated) at start.
	Sites []SiteConfig `toml:"sites"`
	// SKUs are loaded (created or updated) at start.
	SKUs []SKUConfig `toml:"skus"`
	// Allocation is the allocation and routing policy.
	Allocation Policy `toml:"allocation"`
	// Notifications configures customer notifications.
	Notifications NotifyConfig `toml:"notifications"`
	// Shopify configures the Shopify orders/create webhook.
	Shopify ShopifyConfig `toml:"shopify"`
	// EDI configures X12 EDI through folders and drop-ship suppliers (b2b.go).
	EDI EDIConfig `toml:"edi"`
	// Shipping is the shipping config file (rate cards and number series,
	// configs/shipping.example.toml): omsd keeps every station stocked
	// with tracking-number and SSCC ranges from its series.
	Shipping string `toml:"shipping" env:"PACKLINE_SHIPPING"`
	// Web configures the customer pages (tracking, order, returns).
	Web WebConfig `toml:"web"`
}

// WebConfig configures the customer pages served by omsd.
type WebConfig struct {
	// BaseURL is how customers reach omsd's pages, for the links in
	// notifications, e.g. https://orders.example.com. omsd defaults it to
	// http://<its --http address>.
	BaseURL string `toml:"base_url" env:"PACKLINE_WEB_BASE_URL"`
	// ReturnWindowDays is how long after delivery a customer may return (default 30).
	ReturnWindowDays int `toml:"return_window_days"`
	// LookupsPerMinute is how many page lookups one client address may
	// make a minute, burst twice that (default 30).
	LookupsPerMinute int `toml:"lookups_per_minute"`
}

// NATSConfig chooses the NATS server.
type NATSConfig struct {
	// Listen is where the embedded server listens, when URL is empty.
	Listen string `toml:"listen" env:"LISTEN"`
	// URL of an external NATS cluster; when set no server is started.
	URL string `toml:"url" env:"URL"`
	// Creds is a NATS credentials file for the external cluster.
	Creds string `toml:"creds" env:"CREDS"`
	// TLSCert, TLSKey and TLSCA are PEM files for TLS to the cluster.
	TLSCert string `toml:"tls_cert" env:"TLS_CERT"`
	TLSKey  string `toml:"tls_key" env:"TLS_KEY"`
	TLSCA   string `toml:"tls_ca" env:"TLS_CA"`
	// Replicas of each stream: 1 embedded, 3 on a cluster.
	Replicas int `toml:"replicas" env:"REPLICAS"`
}

// SiteConfig is a site in the config file.
type SiteConfig struct {
	ID               string      `toml:"id"`
	Name             string      `toml:"name"`
	Address          oms.Address `toml:"address"`
	Stations         []string    `toml:"stations"`
	GS1CompanyPrefix string      `toml:"gs1_company_prefix"`
}

// SKUConfig is a SKU in the config file; barcodes are codes whose kind is
// inferred (a GTIN by its length, otherwise internal).
type SKUConfig struct {
	SKU           string   `toml:"sku"`
	Name          string   `toml:"name"`
	Barcodes      []string `toml:"barcodes"`
	WeightGrams   int      `toml:"weight_g"`
	DimsMM        []int    `toml:"dims_mm"`
	LotTracked    bool     `toml:"lot_tracked"`
	HSCode        string   `toml:"hs_code"`
	OriginCountry string   `toml:"origin_country"`
	CustomsValue  int64    `toml:"customs_value"`
}

// DefaultConfig is omsd on embedded defaults.
func DefaultConfig() Config {
	return Config{
		Data:       "omsd-data",
		HTTP:       "127.0.0.1:8080",
		NATS:       NATSConfig{Listen: "127.0.0.1:4222", Replicas: 1},
		Allocation: DefaultPolicy(),
	}
}

// LoadConfig reads defaults, then the TOML file at path (if not empty),
// then the environment. Unknown keys in the file are errors, so a typo
// never silently falls back to a default.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	err := tomlconfig.Load(path, &cfg)
	return cfg, err
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.Data) == "" {
		return errors.New("config: data: missing")
	}
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		return fmt.Errorf("config: http: %q is not host:port: %v", c.HTTP, err)
	}
	if c.NATS.URL == "" {
		if _, _, err := net.SplitHostPort(c.NATS.Listen); err != nil {
			return fmt.Errorf("config: nats.listen: %q is not host:port: %v", c.NATS.Listen, err)
		}
	}
	if c.NATS.Replicas < 1 || c.NATS.Replicas > 5 {
		return fmt.Errorf("config: nats.replicas: %d, want 1 to 5", c.NATS.Replicas)
	}
	if (c.NATS.TLSCert == "") != (c.NATS.TLSKey == "") {
		return errors.New("config: nats.tls_cert and nats.tls_key go together")
	}
	seen := map[string]bool{}
	for i, s := range c.Sites {
		if err := validateSite(s.site()); err != nil {
			return fmt.Errorf("config: sites[%d]: %w", i+1, err)
		}
		if seen[s.ID] {
			return fmt.Errorf("config: sites[%d].id: %q appears twice", i+1, s.ID)
		}
		seen[s.ID] = true
	}
	for i, s := range c.SKUs {
		sku, err := s.sku()
		if err == nil {
			err = sku.Validate()
		}
		if err != nil {
			return fmt.Errorf("config: skus[%d]: %w", i+1, err)
		}
	}
	if c.Web.BaseURL != "" && !strings.HasPrefix(c.Web.BaseURL, "https://") && !strings.HasPrefix(c.Web.BaseURL, "http://") {
		return fmt.Errorf("config: web.base_url: %q is not an http(s) URL", c.Web.BaseURL)
	}
	if c.Web.ReturnWindowDays < 0 || c.Web.LookupsPerMinute < 0 {
		return errors.New("config: web: return_window_days and lookups_per_minute must not be negative")
	}
	if err := c.Allocation.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := c.Notifications.Validate(); err != nil {
		return fmt.Errorf("config: notifications: %w", err)
	}
	if err := c.EDI.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := c.Shopify.Validate(); err != nil {
		return fmt.Errorf("config: shopify: %w", err)
	}
	return nil
}

func (s SiteConfig) site() SiteWithStations {
	return SiteWithStations{Site: oms.Site{ID: s.ID, Name: s.Name, Address: s.Address, GS1CompanyPrefix: s.GS1CompanyPrefix}, Stations: s.Stations}
}

func (s SKUConfig) sku() (oms.SKU, error) {
	in := SKUInput{Name: s.Name, WeightGrams: s.WeightGrams, DimsMM: s.DimsMM, LotTracked: s.LotTracked, ExpiryTracked: s.LotTracked,
		HSCode: s.HSCode, OriginCountry: s.OriginCountry, CustomsValue: s.CustomsValue}
	for _, b := range s.Barcodes {
		in.Barcodes = append(in.Barcodes, BarcodeInput{Code: b, Kind: inferBarcodeKind(b), Qty: 1})
	}
	return in.SKU(s.SKU)
}
