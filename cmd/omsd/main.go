// Command omsd is Packline's central order service: order capture, the
// stock ledger, allocation and routing, and the visibility API, on an
// embedded NATS server with JetStream by default.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/packline/packline/central"
	"github.com/packline/packline/central/web"
	"github.com/packline/packline/oms/demo"
	"github.com/packline/packline/shipping"
	"github.com/packline/packline/sync"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], log); err != nil {
		log.Error("omsd stopped", "err", err)
		fmt.Fprintln(os.Stderr, "omsd:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("omsd", flag.ContinueOnError)
	configPath := fs.String("config", "", "TOML config file (see configs/omsd.example.toml)")
	data := fs.String("data", "", "data folder (default omsd-data)")
	httpAddr := fs.String("http", "", "HTTP API address (default 127.0.0.1:8080)")
	natsListen := fs.String("nats-listen", "", "embedded NATS listen address (default 127.0.0.1:4222)")
	natsURL := fs.String("nats", "", "external NATS URL; starts no embedded server")
	natsCreds := fs.String("nats-creds", "", "NATS credentials file")
	tlsCert := fs.String("nats-tls-cert", "", "client certificate for NATS TLS")
	tlsKey := fs.String("nats-tls-key", "", "client key for NATS TLS")
	tlsCA := fs.String("nats-tls-ca", "", "CA bundle for NATS TLS")
	withDemo := fs.Bool("demo", false, "load the demo data into an empty database")
	ediIn := fs.String("edi-in", "", "folder of inbound EDI X12 files (850, 856, 997)")
	ediOut := fs.String("edi-out", "", "folder for outbound EDI X12 files (997, 855, 856, 850)")
	shippingPath := fs.String("shipping", "", "shipping config: number series to keep stations stocked with (configs/shipping.example.toml)")
	ediRejected := fs.String("edi-rejected", "", "folder for rejected EDI files and their 997s (default <edi-in>/rejected)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := central.LoadConfig(*configPath)
	if err != nil {
		return err
	}
	for flagVal, field := range map[*string]*string{data: &cfg.Data, httpAddr: &cfg.HTTP, natsListen: &cfg.NATS.Listen, natsURL: &cfg.NATS.URL,
		natsCreds: &cfg.NATS.Creds, tlsCert: &cfg.NATS.TLSCert, tlsKey: &cfg.NATS.TLSKey, tlsCA: &cfg.NATS.TLSCA,
		ediIn: &cfg.EDI.In, ediOut: &cfg.EDI.Out, ediRejected: &cfg.EDI.Rejected, shippingPath: &cfg.Shipping} {
		if *flagVal != "" {
			*field = *flagVal
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	store, err := central.OpenStore(filepath.Join(cfg.Data, "central.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.ApplyConfig(ctx, &cfg); err != nil {
		return err
	}
	// SKUs stored before a catalog rule was added: stations would refuse
	// the releases that carry them, so say so at once.
	if bad, err := store.CheckCatalog(ctx); err != nil {
		log.Warn("check catalog", "err", err)
	} else {
		for i, p := range bad {
			if i == 20 {
				log.Warn("catalog: more SKUs break today's rules", "more", len(bad)-i)
				break
			}
			log.Warn("catalog: SKU breaks today's rules: stations refuse releases that carry it; fix it with PUT /v1/skus/{sku}, then move (reassign) any order already refused so it is released again", "sku", p.SKU, "err", p.Err)
		}
	}
	svc := central.NewService(store, cfg.Allocation, log, nil)
	svc.Shopify, svc.Notify = cfg.Shopify, cfg.Notifications
	if err := svc.ApplyNotifyConfig(ctx); err != nil {
		return err
	}
	if err := store.ApplyEDIConfig(ctx, cfg.EDI); err != nil {
		return err
	}
	if *withDemo {
		loaded, err := svc.LoadDemo(ctx, demo.Default(), &cfg)
		if err != nil {
			return err
		}
		log.Info("demo data", "loaded", loaded)
	}

	nc, shutdownNATS, err := connectNATS(&cfg, log)
	if err != nil {
		return err
	}
	defer shutdownNATS()
	defer nc.Close()

	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", cfg.HTTP, err)
	}
	key, err := web.LoadOrCreateKey(filepath.Join(cfg.Data, "web.key"))
	if err != nil {
		return err
	}
	tokens, err := web.NewTokens(key)
	if err != nil {
		return err
	}
	if cfg.Web.BaseURL == "" {
		// Links in notifications point at this omsd unless configured.
		cfg.Web.BaseURL = "http://" + cfg.HTTP
	}
	front, err := web.New(svc, tokens, cfg.Web)
	if err != nil {
		return err
	}
	svc.OrderURL = front.OrderURL
	mux := http.NewServeMux()
	api := central.NewAPI(svc)
	mux.Handle("/v1/", api)
	mux.Handle("/healthz", api)
	mux.Handle("/metrics", api)
	mux.Handle("/", front)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if err := ensureStreams(ctx, js, &cfg, log); err != nil {
		return err
	}
	sink := central.SyncSink{Store: store}
	applier := sync.NewApplier(js, sink, log)
	publisher := sync.NewTaskPublisher(js, sink, log)

	stopIntake, err := central.StartIntake(ctx, js, svc, cfg.NATS.Replicas)
	if err != nil {
		return err
	}
	defer stopIntake()

	var refill *central.NumberRefill
	if cfg.Shipping != "" {
		scfg, err := shipping.Load(cfg.Shipping)
		if err != nil {
			return err
		}
		if err := svc.DefineSeries(ctx, scfg.Series()); err != nil {
			return err
		}
		refill = &central.NumberRefill{Series: scfg.Series(), Low: 200, Size: 1000, Every: 30 * time.Second}
	}

	// The loops run on their own context, so that on the way out they are
	// stopped and waited for before NATS and the store close under them.
	loopCtx, stopLoops := context.WithCancel(ctx)
	defer stopLoops()
	errs := make(chan error, 7)
	loops := 0
	start := func(loop func(context.Context) error) {
		loops++
		go func() { errs <- loop(loopCtx) }()
	}
	start(func(context.Context) error { return srv.Serve(ln) })
	start(svc.Run)
	start(svc.RunNotifier)
	start(applier.Run)
	start(publisher.Run)
	if cfg.EDI.In != "" {
		start(func(ctx context.Context) error { return svc.RunEDI(ctx, cfg.EDI) })
	}
	if refill != nil {
		start(func(ctx context.Context) error { return svc.RunNumberRefill(ctx, *refill) })
	}
	log.Info("omsd ready", "http", ln.Addr().String(), "nats", nc.ConnectedUrl(), "data", cfg.Data)

	var failed error
	select {
	case <-ctx.Done():
	case err := <-errs:
		loops--
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			failed = err
		}
	}
	log.Info("omsd shutting down")
	stopLoops()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && failed == nil {
		failed = fmt.Errorf("http shutdown: %w", err)
	}
	for ; loops > 0; loops-- {
		select {
		case <-errs:
		case <-sctx.Done():
			log.Warn("omsd: loops still running at shutdown", "loops", loops)
			return failed
		}
	}
	return failed
}

// ensureStreams creates the streams, retrying while an external cluster
// is out of reach.
func ensureStreams(ctx context.Context, js jetstream.JetStream, cfg *central.Config, log *slog.Logger) error {
	for {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := sync.EnsureStreams(sctx, js, sync.StreamOptions{Replicas: cfg.NATS.Replicas})
		cancel()
		if err == nil {
			return nil
		}
		log.Warn("create streams (retrying)", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// connectNATS starts the embedded server (unless an external URL is set)
// and connects to it.
func connectNATS(cfg *central.Config, log *slog.Logger) (*nats.Conn, func(), error) {
	url := cfg.NATS.URL
	shutdown := func() {}
	if url == "" {
		ns, err := central.StartEmbeddedNATS(cfg.NATS.Listen, cfg.Data)
		if err != nil {
			return nil, nil, err
		}
		url = ns.ClientURL()
		shutdown = func() { ns.Shutdown(); ns.WaitForShutdown() }
	}
	nc, err := sync.Connect(sync.ConnectOptions{URL: url, Name: "omsd", Creds: cfg.NATS.Creds,
		TLSCert: cfg.NATS.TLSCert, TLSKey: cfg.NATS.TLSKey, TLSCA: cfg.NATS.TLSCA, Log: log})
	if err != nil {
		shutdown()
		return nil, nil, fmt.Errorf("nats %s: %w", url, err)
	}
	return nc, shutdown, nil
}
