package tui

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/packline/packline/internal/tomlconfig"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/oms/demo"
	"github.com/packline/packline/printers"
	"github.com/packline/packline/tui/floor"
)

// ErrNoSiteAddress means nothing gives the station's site an address: the
// config has no site_info (or one without an address) and the site is not
// a demo site. A carrier manifest must not go out with an empty ship-from.
var ErrNoSiteAddress = errors.New("no ship-from address: set [site_info] with the site's address in the station config")

// Config is the station's configuration: defaults, then the TOML file,
// then PACKLINE_STATION_* environment variables, then flags (the command
// applies those), then Validate.
type Config struct {
	// Data is the folder of station.db and station.log.
	Data string `toml:"data" env:"PACKLINE_STATION_DATA"`
	// Site and Station are this terminal's ids.
	Site    string `toml:"site" env:"PACKLINE_STATION_SITE"`
	Station string `toml:"station" env:"PACKLINE_STATION_ID"`
	// NATS is central's NATS URL(s); empty works offline only.
	NATS      string `toml:"nats" env:"PACKLINE_STATION_NATS"`
	NATSCreds string `toml:"nats_creds" env:"PACKLINE_STATION_NATS_CREDS"`
	// NATSTLSCert, NATSTLSKey and NATSTLSCA are PEM files for TLS to NATS.
	NATSTLSCert string `toml:"nats_tls_cert" env:"PACKLINE_STATION_NATS_TLS_CERT"`
	NATSTLSKey  string `toml:"nats_tls_key" env:"PACKLINE_STATION_NATS_TLS_KEY"`
	NATSTLSCA   string `toml:"nats_tls_ca" env:"PACKLINE_STATION_NATS_TLS_CA"`
	// ScannerSocket is scannerd's socket; empty reads the keyboard only.
	ScannerSocket string `toml:"scanner_socket" env:"PACKLINE_STATION_SCANNER_SOCKET"`
	// Printer is the label printer's URL (tcp://HOST:9100, serial://, file://, cups://).
	Printer string `toml:"printer" env:"PACKLINE_STATION_PRINTER"`
	// Scale is the pack bench's serial scale (a device path); empty: weights are typed.
	Scale     string `toml:"scale" env:"PACKLINE_STATION_SCALE"`
	ScaleBaud int    `toml:"scale_baud" env:"PACKLINE_STATION_SCALE_BAUD"`
	// SSH serves the floor app over SSH on this address (operators get
	// the station app, leads the floor dashboard); see docs/ssh.md.
	SSH string `toml:"ssh" env:"PACKLINE_STATION_SSH"`
	// SSHDir holds host_ed25519 (made on first start), lead_keys and
	// operator_keys (authorized_keys files); default DATA/ssh.
	SSHDir string `toml:"ssh_dir" env:"PACKLINE_STATION_SSH_DIR"`
	// SSHPersist is how long a dropped SSH session waits for its key to
	// come back (default 10m).
	SSHPersist time.Duration `toml:"ssh_persist" env:"PACKLINE_STATION_SSH_PERSIST"`
	// Shipping is the shipping config (rate cards, number series; see
	// configs/shipping.example.toml). Empty: the demo shipper.
	Shipping string `toml:"shipping" env:"PACKLINE_STATION_SHIPPING"`
	// OMSD is central's HTTP API, for the leads' dashboard.
	OMSD string `toml:"omsd" env:"PACKLINE_STATION_OMSD"`
	// Headless runs no TUI on this terminal (a station that only serves SSH).
	Headless bool `toml:"headless" env:"PACKLINE_STATION_HEADLESS"`
	// LogFile is where logs go (never the terminal); default DATA/station.log.
	LogFile string `toml:"log_file" env:"PACKLINE_STATION_LOG"`
	// Demo loads the demo catalog into an empty cache, signs in with the
	// demo operators and shows the demo barcodes.
	Demo bool `toml:"demo" env:"PACKLINE_STATION_DEMO"`
	// Operator signs this operator in at start (demo terminals only).
	Operator string `toml:"operator" env:"PACKLINE_STATION_OPERATOR"`
	// Start is the screen after sign-in: pick, pack, returns or exceptions.
	Start string `toml:"start" env:"PACKLINE_STATION_START"`
	// Operators may sign in here; with none configured the demo operators can.
	Operators []floor.Operator `toml:"operators"`
	// Cartons are the box sizes offered at pack; default the demo's.
	Cartons []oms.CartonType `toml:"cartons"`
	// SiteInfo is the site's address and GS1 prefix, for labels and SSCCs;
	// default the demo site of the same id.
	SiteInfo *oms.Site `toml:"site_info"`
}

// SiteDetails is the station's site (address, GS1 company prefix) for
// labels, SSCCs and manifests: site_info from the config, else the demo
// site of the same id. `station run` and `station closeout` both take it
// from here, so a parcel's label and its carrier's manifest can never name
// different ship-from addresses. The id is always c.Site.
//
// With no address known (no site_info and not a demo site, or a site_info
// whose address is empty) it returns a placeholder (the id as name, GS1
// prefix 0000000) and an error wrapping ErrNoSiteAddress: the TUI runs on
// with it, a close-out refuses. A site_info address that a carrier would
// refuse is an error naming the field.
func (c *Config) SiteDetails() (oms.Site, error) {
	if c.SiteInfo != nil {
		s := *c.SiteInfo
		s.ID = c.Site
		if s.Address == (oms.Address{}) {
			return s, fmt.Errorf("site %s: site_info has no address: %w", c.Site, ErrNoSiteAddress)
		}
		if err := s.Address.Validate(); err != nil {
			return s, fmt.Errorf("site %s: site_info.address.%w", c.Site, err)
		}
		// As every label and manifest prints it: checked here, before a
		// close-out closes anything or a station books a parcel.
		if err := printers.CheckAddress("site_info.address", s.Address); err != nil {
			return s, fmt.Errorf("site %s: %w", c.Site, err)
		}
		return s, nil
	}
	for _, s := range demo.Generate(demo.DefaultSeed, demo.Sizes{}).Sites {
		if s.ID == c.Site {
			return s, nil
		}
	}
	return oms.Site{ID: c.Site, Name: c.Site, GS1CompanyPrefix: "0000000"},
		fmt.Errorf("site %s: not a demo site and no site_info: %w", c.Site, ErrNoSiteAddress)
}

// DefaultConfig is the configuration with no file.
func DefaultConfig() Config {
	return Config{Data: "station-data", Site: "LON", Station: "PACK-01", Start: "pack"}
}

// LoadConfig reads defaults, the TOML file at path (if any) and the
// environment. Unknown keys in the file are errors naming their line.
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
	if err := oms.ValidateID("site", c.Site); err != nil {
		return fmt.Errorf("config: site: %w", err)
	}
	if err := oms.ValidateID("station", c.Station); err != nil {
		return fmt.Errorf("config: station: %w", err)
	}
	if c.Printer != "" && !strings.Contains(c.Printer, "://") {
		return fmt.Errorf("config: printer: %q is not a printer URL like tcp://HOST:9100", c.Printer)
	}
	if (c.NATSTLSCert == "") != (c.NATSTLSKey == "") {
		return errors.New("config: nats_tls_cert and nats_tls_key go together")
	}
	if c.SSH != "" {
		if _, _, err := net.SplitHostPort(c.SSH); err != nil {
			return fmt.Errorf("config: ssh: %q is not host:port", c.SSH)
		}
	}
	if _, ok := screenByName(c.Start); !ok {
		return fmt.Errorf("config: start: %q is not one of pick, pack, returns, exceptions", c.Start)
	}
	for i, o := range c.Operators {
		if strings.TrimSpace(o.ID) == "" {
			return fmt.Errorf("config: operators[%d].id: missing", i+1)
		}
		if o.Badge == "" && o.PIN == "" {
			return fmt.Errorf("config: operators[%d] (%s): needs a badge or a pin", i+1, o.ID)
		}
	}
	return nil
}

func screenByName(name string) (Screen, bool) {
	switch name {
	case "", "pack":
		return ScreenPack, true
	case "pick":
		return ScreenPick, true
	case "returns":
		return ScreenReturns, true
	case "exceptions":
		return ScreenExceptions, true
	}
	return ScreenPack, false
}
