// Command station is the floor terminal: `station` (or `station run`)
// runs the TUI with sync, printing and scanner input; the other commands
// set up, inspect and sync a station's cache.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/oms/demo"
	"github.com/packline/packline/printers"
	"github.com/packline/packline/shipping"
	"github.com/packline/packline/sync"
	"github.com/packline/packline/tui"
	"github.com/packline/packline/tui/floor"
)

const usage = `usage: station [run] [flags]    the floor terminal (station run --help)
       station COMMAND [flags]

commands:
  run       the station TUI (the default): pick, pack, returns, exceptions
  init      create or open the station's local database (--demo loads demo data)
  status    show what the station holds and its sync backlog
  label     write the ZPL of one label to stdout (station label --help)
  sync      run the station's sync with central (outbox out, tasks in) until Ctrl-C
  closeout  end of day for a carrier: the manifest and its pickup label (--reprint ID|last: print one again)
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "station:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" {
		return runTUI(args, stderr)
	}
	switch args[0] {
	case "run":
		return runTUI(args[1:], stderr)
	case "init":
		return runInit(args[1:], stdout, stderr)
	case "status":
		return runStatus(args[1:], stdout, stderr)
	case "label":
		return printers.LabelCommand(args[1:], stdout, stderr)
	case "sync":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runSync(ctx, args[1:], stdout, stderr)
	case "closeout":
		return runCloseOut(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func runInit(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := newConfigFlags(fs)
	withDemo := fs.Bool("demo", false, "load the demo catalog and this site's bins")
	demoOrders := fs.Bool("demo-orders", false, "also load this site's demo orders as if released by central (for a station without omsd)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := cf.load()
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	db, err := openStation(cfg)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	defer db.Close()
	fmt.Fprintf(stdout, "station %s/%s: %s (schema v%d)\n", cfg.Site, cfg.Station, dbPath(cfg), localdb.SchemaVersion())
	if *withDemo || *demoOrders {
		data := demo.Default()
		if !*demoOrders {
			data.Orders = nil
		}
		n, err := db.LoadDemo(context.Background(), data)
		if err != nil {
			return fmt.Errorf("init: %w", err)
		}
		fmt.Fprintf(stdout, "demo data: %d SKUs, %d orders for site %s\n", len(data.SKUs), n, cfg.Site)
	}
	return nil
}

// runStatus shows what the configured data folder's database holds. It
// opens the database as it is, without setting an identity: when the
// configured one differs, it says so, since station run or sync with the
// same settings would be refused (or relabel a database with no events).
func runStatus(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := newConfigFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := cf.load()
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if _, err := os.Stat(dbPath(cfg)); err != nil {
		return fmt.Errorf("status: %w (run station init first)", err)
	}
	db, err := localdb.Open(dbPath(cfg))
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	defer db.Close()
	site, station := db.Identity()
	st, err := db.OutboxStats(context.Background())
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	fmt.Fprintf(stdout, "station %s/%s  db %s\n", site, station, db.Path())
	if site != cfg.Site || station != cfg.Station {
		fmt.Fprintf(stdout, "settings name station %s/%s, not this database's %s/%s (check --config, --site, --station)\n", cfg.Site, cfg.Station, site, station)
	}
	fmt.Fprintf(stdout, "events: last seq %d, waiting for central %d (unsent %d)\n", st.LastSeq, st.Waiting, st.Unsent)
	if !st.Oldest.IsZero() {
		fmt.Fprintf(stdout, "oldest waiting since %s\n", st.Oldest.Format("2006-01-02 15:04:05Z07:00"))
	}
	orders, err := db.OrderCounts(context.Background())
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	fmt.Fprintf(stdout, "orders: %v\n", orders)
	excs, err := db.OpenExceptions(context.Background())
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	for _, e := range excs {
		fmt.Fprintf(stdout, "EXCEPTION %s order %s: %s (%s)\n", e.Code, e.OrderID, e.Message, e.Action)
	}
	return nil
}

// runSync syncs the station's cache with central until ctx ends. Like
// station run it starts when central cannot be reached (the connection
// comes up in the background), and it takes the NATS URL, credentials
// and TLS from the station config.
func runSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := newConfigFlags(fs)
	cf.nats("central's NATS URL(s), comma separated (default: the config's, else " + defaultSyncNATS + ")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := cf.load()
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if cfg.NATS == "" {
		cfg.NATS = defaultSyncNATS
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	db, err := openStation(cfg)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	defer db.Close()
	nc, err := sync.Connect(sync.ConnectOptions{URL: cfg.NATS, Name: "station " + cfg.Site + "/" + cfg.Station, Creds: cfg.NATSCreds,
		TLSCert: cfg.NATSTLSCert, TLSKey: cfg.NATSTLSKey, TLSCA: cfg.NATSTLSCA, Log: log})
	if err != nil {
		return fmt.Errorf("sync: nats %s: %w", cfg.NATS, err)
	}
	defer nc.Close()
	st, err := sync.NewStation(nc, db, log)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	st.OnTask = func(ev oms.Event) {
		log.Info("task applied", "type", ev.Type, "order", ev.OrderID, "version", ev.OrderVersion)
	}
	go func() {
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
				if s, err := st.State(ctx); err == nil {
					log.Info("sync state", "online", s.Online, "waiting", s.Waiting, "watermark", s.Watermark)
				}
			}
		}
	}()
	log.Info("station sync running", "station", cfg.Site+"/"+cfg.Station, "db", dbPath(cfg), "nats", cfg.NATS)
	return st.Run(ctx)
}

// runTUI reads the config file and flags and runs the station TUI on this
// terminal until the operator quits or a signal arrives.
func runTUI(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := newConfigFlags(fs)
	cf.nats("central's NATS URL(s), comma separated; empty: offline only")
	cf.stringVar("scanner-socket", "scannerd's socket; empty: keyboard (wedge) scans only", func(c *tui.Config) *string { return &c.ScannerSocket })
	cf.stringVar("printer", "label printer URL, e.g. tcp://127.0.0.1:9100", func(c *tui.Config) *string { return &c.Printer })
	cf.stringVar("scale", "serial scale device for pack weights; empty: weights are typed", func(c *tui.Config) *string { return &c.Scale })
	cf.stringVar("ssh", "serve the floor app over SSH on ADDR (keys in DATA/ssh; see docs/ssh.md)", func(c *tui.Config) *string { return &c.SSH })
	cf.stringVar("shipping", "shipping config: rate cards and number ranges (configs/shipping.example.toml); empty: demo shipper",
		func(c *tui.Config) *string { return &c.Shipping })
	cf.stringVar("omsd", "central's HTTP API for the leads' dashboard (default http://127.0.0.1:8080)", func(c *tui.Config) *string { return &c.OMSD })
	cf.boolVar("headless", "no TUI on this terminal (serve SSH only)", func(c *tui.Config) *bool { return &c.Headless })
	cf.stringVar("log", "log file (default DATA/station.log); logs never go to the terminal", func(c *tui.Config) *string { return &c.LogFile })
	cf.boolVar("demo", "demo catalog, operators and on-screen barcode hints", func(c *tui.Config) *bool { return &c.Demo })
	cf.stringVar("operator", "sign this operator in at start (demo terminals)", func(c *tui.Config) *string { return &c.Operator })
	cf.stringVar("start", "screen after sign-in: pick, pack, returns, exceptions", func(c *tui.Config) *string { return &c.Start })
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("run: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return tui.Run(ctx, cfg, os.Stdin, os.Stdout)
}

// runCloseOut closes a carrier's day: every shipment labelled since the
// last close-out goes on a manifest, and its label (the driver's pickup
// scan) prints, or its ZPL goes to stdout without --printer. It reads the
// station config as `station run` does and takes the ship-from from it;
// without a known address, or with a printer that is not ready (paper out,
// head open, paused, not answering, ...), it refuses before closing
// anything. With --reprint ID (or last) it closes nothing and prints that
// manifest again, rebuilt from what the close-out stored.
func runCloseOut(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("closeout", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := newConfigFlags(fs)
	cf.stringVar("shipping", "shipping config (rate cards); required here or in the station config",
		func(c *tui.Config) *string { return &c.Shipping })
	carrier := fs.String("carrier", "", "carrier id to close out, e.g. ups: required")
	printer := fs.String("printer", "", "print the manifest label here (tcp://HOST:9100), checked ready before anything is closed (default: the config's printer)")
	toStdout := fs.Bool("stdout", false, "write the manifest's ZPL to stdout instead of printing it")
	reprint := fs.String("reprint", "", "close nothing: print manifest ID of the carrier again, or its latest with \"last\"")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("closeout: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := cf.load()
	if err != nil {
		return fmt.Errorf("closeout: %w", err)
	}
	if cfg.Shipping == "" || *carrier == "" {
		return errors.New("closeout: --shipping and --carrier are required (shipping may come from the station config)")
	}
	// Everything that can be refused is checked before the database: a
	// refused close-out leaves the day's shipments open for the next try.
	siteInfo, err := cfg.SiteDetails()
	if err != nil {
		return fmt.Errorf("closeout: %w", err)
	}
	from := siteInfo.Address
	// The station's own printer unless told otherwise: a station set up
	// by file must not close its day and print nothing.
	if *printer == "" && !*toStdout {
		*printer = cfg.Printer
	}
	var tr printers.Transport
	if *printer != "" && !*toStdout {
		if tr, err = printers.Open(*printer, printers.DirectTimeouts); err != nil {
			return fmt.Errorf("closeout: %w", err)
		}
	}
	tmpl, err := printers.DefaultTemplates()
	if err != nil {
		return fmt.Errorf("closeout: %w", err)
	}
	ctx := context.Background()
	db, err := localdb.OpenStation(dbPath(cfg), cfg.Site, cfg.Station)
	if err != nil {
		return fmt.Errorf("closeout: %w", err)
	}
	defer db.Close()
	scfg, err := shipping.Load(cfg.Shipping)
	if err != nil {
		return fmt.Errorf("closeout: %w", err)
	}
	svc, err := shipping.NewService(scfg, shipping.Options{Site: cfg.Site, Station: cfg.Station, From: from, Numbers: db, Manifests: db})
	if err != nil {
		return fmt.Errorf("closeout: %w", err)
	}
	if *reprint != "" {
		m, err := reprintManifest(ctx, svc, *carrier, *reprint)
		if err != nil {
			return fmt.Errorf("closeout: reprint: %w", err)
		}
		var p *printers.DirectPrinter
		if tr != nil {
			if p, err = printers.CheckReady(ctx, tr); err != nil {
				return fmt.Errorf("closeout: reprint manifest %s: %w; nothing was printed: fix the printer and run the same command again", m.ID, err)
			}
		}
		if err := printManifest(ctx, tmpl, p, m, from, "reprint ", stdout, stderr); err != nil {
			return fmt.Errorf("closeout: reprint manifest %s: %w; nothing was closed, run the same command again", m.ID, err)
		}
		return nil
	}
	// A Zebra that is out of paper, has its head open or is paused takes
	// the job and prints nothing: ask it first, so that the driver is not
	// left without the pickup scan while the shipments are closed.
	var p *printers.DirectPrinter
	if tr != nil {
		if p, err = printers.CheckReady(ctx, tr); err != nil {
			return fmt.Errorf("closeout: %w; nothing was closed, the shipments stay open: fix the printer and run the same command again", err)
		}
	}
	m, err := svc.CloseOut(ctx, *carrier)
	if err != nil {
		return fmt.Errorf("closeout: %w", err)
	}
	// From here the shipments are closed: a label that does not print must
	// say where they went and how to print it again.
	if err := printManifest(ctx, tmpl, p, m, from, "", stdout, stderr); err != nil {
		return fmt.Errorf("closeout: print manifest %s: %w; its shipments are closed on manifest %s (%d shipments, %d parcels): print it again with: %s",
			m.ID, err, m.ID, len(m.Lines), m.Parcels, reprintCommand(args, m.ID))
	}
	return nil
}

// reprintManifest rebuilds manifest which ("last": the carrier's latest)
// and refuses one of another carrier, whose driver would scan it wrongly.
func reprintManifest(ctx context.Context, svc *shipping.Service, carrier, which string) (shipping.Manifest, error) {
	if which == "last" {
		return svc.LastManifest(ctx, carrier)
	}
	m, err := svc.Manifest(ctx, which)
	if err != nil {
		return shipping.Manifest{}, err
	}
	if m.Carrier != carrier {
		return shipping.Manifest{}, fmt.Errorf("manifest %s is carrier %s's, not %s's", m.ID, m.Carrier, carrier)
	}
	return m, nil
}

// printManifest renders the manifest label, reports it on stderr and sends
// it to p, confirming it printed where p can tell, or writes its ZPL to
// stdout when p is nil.
func printManifest(ctx context.Context, tmpl *printers.Templates, p *printers.DirectPrinter, m shipping.Manifest, from oms.Address, what string, stdout, stderr io.Writer) error {
	r, err := tmpl.Render("manifest", printers.DPI203, floor.ManifestLabel(m, from))
	if err != nil {
		return fmt.Errorf("manifest label: %w", err)
	}
	fmt.Fprintf(stderr, "%smanifest %s: %d shipments, %d parcels, %.1f kg; pickup %s %s\n", what, m.ID, len(m.Lines), m.Parcels,
		float64(m.WeightGrams)/1000, m.Pickup.Date.Format(time.DateOnly), m.Pickup.Location)
	if p == nil {
		if _, err := stdout.Write(r.ZPL); err != nil {
			return fmt.Errorf("write label to stdout: %w", err)
		}
		return nil
	}
	return p.Send(ctx, r.ZPL, stderr)
}

// reprintCommand is the command line that prints manifest id again: the
// close-out's own arguments (same config, station and printer) plus
// --reprint id, quoted for a POSIX shell.
func reprintCommand(args []string, id string) string {
	words := []string{"station", "closeout"}
	for _, a := range append(args[:len(args):len(args)], "--reprint", id) {
		words = append(words, shellQuote(a))
	}
	return strings.Join(words, " ")
}

// shellQuote leaves words of safe characters as they are and puts any
// other in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
