package main

import (
	"flag"
	"os"
	"path/filepath"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/tui"
)

// defaultSyncNATS is where `station sync` looks for central when neither
// the config nor --nats names it: `station run` without a URL works
// offline, but a sync without one has nothing to do.
const defaultSyncNATS = "nats://127.0.0.1:4222"

// configFlags is how every command that needs the station's identity,
// data folder or NATS settings reads them: defaults, then the --config
// file, then PACKLINE_STATION_* variables, then the flags given on the
// command line and only those. A flag left out must not put its default
// over the file's value, which is why the flags have no defaults of their
// own and are copied into the config by fs.Visit. All commands go through
// here so that a station configured by file never has to repeat its
// settings as flags for one of them.
type configFlags struct {
	fs   *flag.FlagSet
	path string
	// set copies a given flag's value into the config, by flag name.
	set map[string]func(*tui.Config)
}

// newConfigFlags registers --config, --data, --site and --station on fs.
func newConfigFlags(fs *flag.FlagSet) *configFlags {
	c := &configFlags{fs: fs, set: map[string]func(*tui.Config){}}
	fs.StringVar(&c.path, "config", "", "the station's TOML config file (see docs/station.md)")
	c.stringVar("data", "the station's data folder: station.db, station.log (default: the config's, else station-data)",
		func(cfg *tui.Config) *string { return &cfg.Data })
	c.stringVar("site", "site id (default: the config's, else LON)", func(cfg *tui.Config) *string { return &cfg.Site })
	c.stringVar("station", "station id (default: the config's, else PACK-01)", func(cfg *tui.Config) *string { return &cfg.Station })
	return c
}

// nats registers --nats, --nats-creds and the --nats-tls-* flags; urlUsage
// is --nats's help, which says what no URL means for the command.
func (c *configFlags) nats(urlUsage string) {
	c.stringVar("nats", urlUsage, func(cfg *tui.Config) *string { return &cfg.NATS })
	c.stringVar("nats-creds", "NATS credentials file", func(cfg *tui.Config) *string { return &cfg.NATSCreds })
	c.stringVar("nats-tls-cert", "client certificate for NATS TLS", func(cfg *tui.Config) *string { return &cfg.NATSTLSCert })
	c.stringVar("nats-tls-key", "client key for NATS TLS", func(cfg *tui.Config) *string { return &cfg.NATSTLSKey })
	c.stringVar("nats-tls-ca", "CA bundle for NATS TLS", func(cfg *tui.Config) *string { return &cfg.NATSTLSCA })
}

// stringVar registers flag name; given, it overrides the config's field.
func (c *configFlags) stringVar(name, usage string, field func(*tui.Config) *string) {
	v := c.fs.String(name, "", usage)
	c.set[name] = func(cfg *tui.Config) { *field(cfg) = *v }
}

// boolVar registers flag name; given, it overrides the config's field.
func (c *configFlags) boolVar(name, usage string, field func(*tui.Config) *bool) {
	v := c.fs.Bool(name, false, usage)
	c.set[name] = func(cfg *tui.Config) { *field(cfg) = *v }
}

// load reads the configuration once fs is parsed and validates it.
func (c *configFlags) load() (tui.Config, error) {
	cfg, err := tui.LoadConfig(c.path)
	if err != nil {
		return cfg, err
	}
	c.fs.Visit(func(f *flag.Flag) {
		if set, ok := c.set[f.Name]; ok {
			set(&cfg)
		}
	})
	return cfg, cfg.Validate()
}

// dbPath is the station's database in its data folder.
func dbPath(cfg tui.Config) string { return filepath.Join(cfg.Data, "station.db") }

// openStation makes the data folder and opens (or creates) the station's
// database with the configured identity.
func openStation(cfg tui.Config) (*localdb.DB, error) {
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, err
	}
	return localdb.OpenStation(dbPath(cfg), cfg.Site, cfg.Station)
}
