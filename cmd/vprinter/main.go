// Command vprinter is a virtual Zebra printer for `make run` and tests: it
// listens on TCP (default 127.0.0.1:9100), stores every label as a numbered
// .zpl file, answers ~HS, and is switched into faults through its control
// endpoint, e.g.
//
//	curl -X POST 'http://127.0.0.1:9101/state?paper_out=1'
//	curl -X POST 'http://127.0.0.1:9101/state?reset=1'
//
// See docs/printers.md.
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
	"syscall"
	"time"

	"github.com/packline/packline/printers/vprinter"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "TCP address to take print jobs on")
	control := flag.String("control", "127.0.0.1:9101", "HTTP control endpoint address (empty: none)")
	dir := flag.String("dir", "vprinter-labels", "folder for the received labels (NNNNNN.zpl)")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, *addr, *control, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "vprinter:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, addr, control, dir string) error {
	s, err := vprinter.New(dir, log)
	if err != nil {
		return err
	}
	if err := s.Listen(addr); err != nil {
		return err
	}
	defer s.Close()
	log.Info("vprinter listening", "addr", s.Addr(), "dir", dir)
	if control != "" {
		ln, err := net.Listen("tcp", control)
		if err != nil {
			return fmt.Errorf("control listen %s: %w", control, err)
		}
		srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("control endpoint", "err", err)
			}
		}()
		defer srv.Close()
		log.Info("vprinter control", "addr", ln.Addr().String())
	}
	<-ctx.Done()
	return nil
}
