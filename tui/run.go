package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/nats-io/nats.go"
	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/oms/demo"
	"github.com/packline/packline/printers"
	"github.com/packline/packline/scanner"
	"github.com/packline/packline/shipping"
	"github.com/packline/packline/sync"
	"github.com/packline/packline/tui/common"
	"github.com/packline/packline/tui/floor"
	"github.com/packline/packline/tui/lead"
	"github.com/packline/packline/tui/remote"
)

// printerName is the spooler's name for the station's one label printer.
const printerName = "label"

// terminalFile is what Bubble Tea takes for a terminal: a file with a
// descriptor (*os.File).
type terminalFile interface {
	io.ReadWriteCloser
	Fd() uintptr
}

// ttyScreen is the console's screen as leads watch it (every write goes
// to the terminal and to the watchers) that still says which terminal it
// is. Behind a plain io.Writer Bubble Tea cannot learn the terminal's
// size, and a renderer that does not know the width never clears the end
// of a line that got shorter: the packer would read the tail of the
// previous step's prompt after the new one.
type ttyScreen struct {
	*remote.LocalScreen
	tty terminalFile
}

// Fd is the terminal's descriptor, for its size and resizes.
func (s ttyScreen) Fd() uintptr { return s.tty.Fd() }

// Read reads the terminal (Bubble Tea reads its input elsewhere).
func (s ttyScreen) Read(p []byte) (int, error) { return s.tty.Read(p) }

// Close leaves the terminal open: the program does not own it.
func (s ttyScreen) Close() error { return nil }

// Run runs the station: it opens the cache, starts sync, the spooler and
// the scanner connection in the background (none of them waits for the
// network) and runs the TUI on in/out until the operator quits or ctx ends.
func Run(ctx context.Context, cfg Config, in io.Reader, out io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("station data %s: %w", cfg.Data, err)
	}
	logPath := cfg.LogFile
	if logPath == "" {
		logPath = filepath.Join(cfg.Data, "station.log")
	}
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("station log %s: %w", logPath, err)
	}
	defer lf.Close()
	log := slog.New(slog.NewJSONHandler(lf, nil))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f, cleanup, err := Build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer cleanup()

	r := lipgloss.NewRenderer(out)
	// Asking the terminal for its background colour (OSC 11) waits up to
	// 5 s on terminals that never answer (serial RF handhelds, some
	// multiplexers): decide from COLORFGBG instead, dark by default.
	r.SetHasDarkBackground(darkBackground(os.Getenv("COLORFGBG")))
	var bellMu stdsync.Mutex
	pres := &Presence{}
	start, _ := screenByName(cfg.Start)
	scannerState := "keyboard"
	if cfg.ScannerSocket != "" {
		scannerState = "disconnected"
	}
	m := New(Options{Floor: f, Renderer: r, StatusEvery: time.Second, Hint: hint(cfg, f), Start: start, PackHint: packHint(cfg),
		Presence: pres, Scanner: scannerState,
		Bell: func() { bellMu.Lock(); out.Write([]byte("\a")); bellMu.Unlock() }})
	// With SSH on, the console is watchable by leads like any session.
	var screen *remote.LocalScreen
	progOut := out
	if cfg.SSH != "" && !cfg.Headless {
		screen = remote.NewLocalScreen(out)
		progOut = screen
		if tty, ok := out.(terminalFile); ok {
			progOut = ttyScreen{screen, tty}
		}
	}
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(progOut))
	// local sends to this terminal's program; a headless station runs none
	// (and a Send to a program that never runs would block for ever).
	local := func(msg tea.Msg) {
		if !cfg.Headless {
			p.Send(msg)
		}
	}

	if cfg.Operator != "" {
		op, ok := findOperator(f.Operators, cfg.Operator)
		if !ok {
			return fmt.Errorf("--operator %q: no such operator", cfg.Operator)
		}
		go func() {
			if err := f.RecordSignIn(ctx, op, "preset"); err != nil {
				log.Error("sign in", "err", err)
			}
			local(signInMsg{op})
		}()
	}
	var wg stdsync.WaitGroup
	start2 := func(fn func()) { wg.Add(1); go func() { defer wg.Done(); fn() }() }
	var remoteSrv *remote.Server
	var nc *nats.Conn
	if cfg.NATS != "" {
		nc, err = sync.Connect(sync.ConnectOptions{URL: cfg.NATS, Name: "station " + cfg.Site + "/" + cfg.Station, Creds: cfg.NATSCreds,
			TLSCert: cfg.NATSTLSCert, TLSKey: cfg.NATSTLSKey, TLSCA: cfg.NATSTLSCA, Log: log})
		if err != nil {
			return fmt.Errorf("nats %s: %w", cfg.NATS, err)
		}
		defer nc.Close()
		st, err := sync.NewStation(nc, f.DB, log)
		if err != nil {
			return fmt.Errorf("sync: %w", err)
		}
		st.OnTask = func(ev oms.Event) {
			if ev.Type == oms.EventTaskTrackingRange {
				return // numbers for the shipper, no news for the screens
			}
			local(common.TaskMsg{Event: ev})
			if remoteSrv != nil {
				remoteSrv.Broadcast(common.TaskMsg{Event: ev})
			}
		}
		st.Presence = func(pr *sync.Presence) {
			pr.Operator, pr.Screen = pres.Get()
			pr.Scanner = pres.Scanner()
			pst := f.Status(ctx)
			pr.Printer, _ = pst.Printer.Describe()
			if counts, err := f.DB.OrderCounts(ctx); err == nil {
				pr.Queue = counts[oms.StateReleased] + counts[oms.StatePicking] + counts[oms.StatePicked] + counts[oms.StatePacking]
			}
			pr.LastScan, _ = f.DB.LastScanAt(ctx)
		}
		f.Sync = st
		start2(func() { st.Run(ctx) })
	}
	if f.Spooler != nil {
		start2(func() { f.Spooler.Run(ctx) })
	}
	start2(func() { f.Monitor(ctx, 2*time.Second) })
	if cfg.Scale != "" {
		f.Scale = &floor.Scale{}
		start2(func() {
			f.Scale.Run(ctx, func() (io.ReadCloser, error) { return floor.OpenSerialScale(cfg.Scale, cfg.ScaleBaud) }, log)
		})
	}
	if cfg.ScannerSocket != "" && !cfg.Headless {
		start2(func() { readScanner(ctx, cfg.ScannerSocket, p, log) })
	}
	if nc != nil {
		// A lead's broadcast shows on this terminal and every SSH session.
		sub, err := nc.Subscribe(lead.BroadcastSubject(cfg.Site), func(m *nats.Msg) {
			b, err := lead.ParseBroadcast(cfg.Site, m.Data)
			if err != nil {
				log.Warn("broadcast refused", "subject", m.Subject, "err", err)
				return
			}
			msg := common.BroadcastMsg{From: b.From, Text: b.Message}
			local(msg)
			if remoteSrv != nil {
				remoteSrv.Broadcast(msg)
			}
		})
		if err != nil {
			log.Error("subscribe to broadcasts", "err", err)
		} else {
			defer sub.Unsubscribe()
		}
		// A lead's remote approval to close an order short.
		asub, err := nc.Subscribe(lead.ApprovalSubject(cfg.Site), func(m *nats.Msg) {
			a, err := lead.ParseApproval(cfg.Site, m.Data)
			if err != nil {
				log.Warn("approval refused", "subject", m.Subject, "err", err)
				return
			}
			msg := common.ApprovalMsg{OrderID: a.OrderID, Lead: a.Lead, Reason: a.Reason}
			local(msg)
			if remoteSrv != nil {
				remoteSrv.Broadcast(msg)
			}
		})
		if err != nil {
			log.Error("subscribe to approvals", "err", err)
		} else {
			defer asub.Unsubscribe()
		}
	}
	if cfg.SSH != "" {
		remoteSrv, err = serveSSH(ctx, cfg, f, nc, log, start2)
		if err != nil {
			return err
		}
		if screen != nil {
			defer remoteSrv.AddLocal("console-"+cfg.Station, p, screen)()
		}
	}
	log.Info("station running", "site", cfg.Site, "station", cfg.Station, "db", f.DB.Path(), "nats", cfg.NATS, "printer", cfg.Printer, "ssh", cfg.SSH)
	if cfg.Headless {
		<-ctx.Done()
		wg.Wait()
		return nil
	}
	_, err = p.Run()
	cancel()
	wg.Wait()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("station tui: %w", err)
	}
	return nil
}

// serveSSH starts the SSH server: operators get the station app at their
// own size with their own renderer and bell, leads the floor dashboard.
func serveSSH(ctx context.Context, cfg Config, f *floor.Floor, nc *nats.Conn, log *slog.Logger, start func(func())) (*remote.Server, error) {
	dir := cfg.SSHDir
	if dir == "" {
		dir = filepath.Join(cfg.Data, "ssh")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ssh folder %s: %w", dir, err)
	}
	keys := map[remote.Role]string{}
	for role, name := range map[remote.Role]string{remote.RoleLead: "lead_keys", remote.RoleOperator: "operator_keys"} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			keys[role] = path
		}
	}
	if len(keys) == 0 {
		log.Warn("ssh: no lead_keys or operator_keys yet: nobody can log in", "dir", dir)
	}
	var leadPresence *lead.Presence
	if nc != nil {
		p, stop, err := lead.NewPresence(nc, cfg.Site, log)
		if err != nil {
			return nil, err
		}
		go func() { <-ctx.Done(); stop() }()
		leadPresence = p
	}
	omsd := cfg.OMSD
	if omsd == "" {
		omsd = "http://127.0.0.1:8080"
	}
	var srv *remote.Server
	apps := map[remote.Role]remote.App{
		remote.RoleOperator: func(env remote.Env) tea.Model {
			return New(Options{Floor: f, Renderer: env.Renderer, StatusEvery: time.Second, Hint: hint(cfg, f), PackHint: packHint(cfg),
				Presence: &Presence{}, Scanner: "keyboard", Bell: env.Bell})
		},
		remote.RoleLead: func(env remote.Env) tea.Model {
			who := "lead:" + env.Identity.Name
			o := lead.Options{Site: cfg.Site, Lead: env.Identity.Name, Renderer: env.Renderer, Presence: leadPresence,
				Central: &lead.Central{Base: omsd}, Sessions: srv.SessionIDs,
				Audit: func(ctx context.Context, action, target, detail string) error {
					_, err := f.DB.Record(ctx, func(tx *localdb.Tx) error {
						_, err := tx.Emit(oms.Event{Operator: who, Payload: &oms.LeadAction{Action: action, Target: target, Detail: detail}})
						return err
					})
					return err
				}}
			if nc != nil {
				o.Publish = nc.Publish
			}
			return lead.New(o)
		},
	}
	srv, err := remote.New(remote.Config{Addr: cfg.SSH, HostKeyPath: filepath.Join(dir, "host_ed25519"),
		LeadKeys: keys[remote.RoleLead], OperatorKeys: keys[remote.RoleOperator], Persist: cfg.SSHPersist}, apps, log)
	if err != nil {
		return nil, err
	}
	start(func() {
		if err := srv.ListenAndServe(ctx); err != nil {
			log.Error("ssh server", "err", err)
		}
	})
	return srv, nil
}

// signInMsg signs the preset operator in.
type signInMsg struct{ op floor.Operator }

func findOperator(ops []floor.Operator, id string) (floor.Operator, bool) {
	for _, o := range ops {
		if strings.EqualFold(o.ID, id) {
			return o, true
		}
	}
	return floor.Operator{}, false
}

// Build opens the station's cache and puts together its floor logic; the
// caller starts the background parts (spooler, monitor). cleanup closes
// what Build opened.
func Build(ctx context.Context, cfg Config, log *slog.Logger) (*floor.Floor, func(), error) {
	db, err := localdb.OpenStation(filepath.Join(cfg.Data, "station.db"), cfg.Site, cfg.Station)
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { db.Close() }
	world := demo.Generate(demo.DefaultSeed, demo.Sizes{})
	if cfg.Demo {
		if _, err := db.SKU(ctx, "KIT-0001"); err != nil {
			d := demo.Default()
			d.Orders = nil
			if _, err := db.LoadDemo(ctx, d); err != nil {
				cleanup()
				return nil, nil, err
			}
		}
	}
	f := &floor.Floor{DB: db, Decoder: scanner.NewDecoder(scanner.DefaultConfig()), Station: cfg.Station, Operators: cfg.Operators,
		Cartons: cfg.Cartons, Log: log, Printer: printerName}
	if len(f.Operators) == 0 {
		f.Operators = floor.DemoOperators()
	}
	if len(f.Cartons) == 0 {
		f.Cartons = world.Cartons
	}
	// By the rule closeout uses too (Config.SiteDetails), so a parcel's
	// label and its manifest name the same ship-from. With no address known
	// the station still runs; closeout refuses.
	site, err := cfg.SiteDetails()
	if errors.Is(err, ErrNoSiteAddress) && cfg.Shipping == "" {
		err = nil // the demo shipper prints no ship-from
	}
	if err != nil {
		// Booking real parcels (--shipping) needs the address they ship
		// from, on every label and customs form.
		cleanup()
		return nil, nil, err
	}
	f.Site = site
	f.Site.ID = cfg.Site
	f.Shipper = floor.DemoShipper{Next: db.NextCounter, Station: cfg.Station}
	if cfg.Shipping != "" {
		scfg, err := shipping.Load(cfg.Shipping)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		svc, err := shipping.NewService(scfg, shipping.Options{Site: cfg.Site, Station: cfg.Station, From: f.Site.Address, Numbers: db, Manifests: db})
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		f.Shipper = &floor.RateShipper{Svc: svc, SKU: db.SKU}
	}
	if f.Templates, err = printers.DefaultTemplates(); err != nil {
		cleanup()
		return nil, nil, err
	}
	if cfg.Printer != "" {
		tr, err := printers.Open(cfg.Printer, printers.Timeouts{})
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		f.Spooler = printers.NewSpooler(db, map[string]printers.Transport{printerName: tr}, printers.SpoolerOptions{Logger: log})
		f.PrinterStatus = tr.Status
	}
	return f, cleanup, nil
}

// readScanner connects to scannerd (again and again while it is away) and
// hands every scan to the program.
func readScanner(ctx context.Context, path string, p *tea.Program, log *slog.Logger) {
	for ctx.Err() == nil {
		c, err := scanner.Dial(ctx, path)
		if err != nil {
			p.Send(ScannerStateMsg("disconnected"))
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		p.Send(ScannerStateMsg("connected"))
		for ev := range c.Events() {
			switch ev.Type {
			case scanner.EventScan:
				if ev.Scan != nil {
					p.Send(common.ScanMsg{Scan: *ev.Scan, Source: "scannerd"})
				}
			case scanner.EventDaemon:
				if ev.State == scanner.StateUp {
					p.Send(ScannerStateMsg("connected"))
				} else {
					p.Send(ScannerStateMsg("disconnected"))
				}
			}
		}
		c.Close()
		log.Info("scannerd connection closed")
	}
}

// hint is the demo's on-screen help: badges and ids to sign in with.
func hint(cfg Config, f *floor.Floor) []string {
	if !cfg.Demo {
		return nil
	}
	var b []string
	for _, o := range f.Operators {
		b = append(b, fmt.Sprintf("BADGE-%s (%s, PIN %s)", o.Badge, o.ID, o.PIN))
	}
	return []string{"Demo: " + strings.Join(b, ", ")}
}

// packHint tells a demo user how to scan items without a scanner.
func packHint(cfg Config) string {
	if !cfg.Demo {
		return ""
	}
	return "Demo: type an order id + Enter; items scan as PL+SKU (PLKIT-0001), CMD-DONE closes"
}

// darkBackground reads COLORFGBG ("fg;bg", bg 0-6 or 8 is dark); without
// it the floor's usual dark terminal is assumed.
func darkBackground(colorfgbg string) bool {
	i := strings.LastIndexByte(colorfgbg, ';')
	if i < 0 {
		return true
	}
	switch colorfgbg[i+1:] {
	case "7", "9", "10", "11", "12", "13", "14", "15":
		return false
	}
	return true
}
