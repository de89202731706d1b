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

	"github.com/packline/packline/central"
	"github.com/packline/packline/oms/demo"
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := central.LoadConfig(*configPath)
	if err != nil {
		return err
	}
	for flagVal, field := range map[*string]*string{data: &cfg.Data, httpAddr: &cfg.HTTP, natsListen: &cfg.NATS.Listen, natsURL: &cfg.NATS.URL,
		natsCreds: &cfg.NATS.Creds, tlsCert: &cfg.NATS.TLSCert, tlsKey: &cfg.NATS.TLSKey, tlsCA: &cfg.NATS.TLSCA} {
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
	svc := central.NewService(store, cfg.Allocation, log, nil)
	svc.Shopify, svc.Notify = cfg.Shopify, cfg.Notifications
	if *withDemo {
		loaded, err := svc.LoadDemo(ctx, demo.Default(), &cfg)
		if err != nil {
			return err
		}
		log.Info("demo data", "loaded", loaded)
	}

	nc, shutdownNATS, err := connectNATS(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer shutdownNATS()
	defer nc.Close()

	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", cfg.HTTP, err)
	}
	srv := &http.Server{Handler: central.NewAPI(svc), ReadHeaderTimeout: 10 * time.Second}
	errs := make(chan error, 2)
	go func() { errs <- srv.Serve(ln) }()
	go func() { errs <- svc.Run(ctx) }()
	log.Info("omsd ready", "http", ln.Addr().String(), "nats", nc.ConnectedUrl(), "data", cfg.Data)

	select {
	case <-ctx.Done():
	case err := <-errs:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	log.Info("omsd shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// connectNATS starts the embedded server (unless an external URL is set)
// and connects to it.
func connectNATS(ctx context.Context, cfg *central.Config, log *slog.Logger) (*nats.Conn, func(), error) {
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
	opts := []nats.Option{nats.Name("omsd"), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true)}
	if cfg.NATS.Creds != "" {
		opts = append(opts, nats.UserCredentials(cfg.NATS.Creds))
	}
	if cfg.NATS.TLSCert != "" {
		opts = append(opts, nats.ClientCert(cfg.NATS.TLSCert, cfg.NATS.TLSKey))
	}
	if cfg.NATS.TLSCA != "" {
		opts = append(opts, nats.RootCAs(cfg.NATS.TLSCA))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		shutdown()
		return nil, nil, fmt.Errorf("nats %s: %w", url, err)
	}
	_ = ctx
	_ = log
	return nc, shutdown, nil
}
