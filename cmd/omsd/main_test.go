package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freeAddr is a loopback address nothing listens on just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestRunServesAndStopsCleanly runs omsd as main does, on an embedded NATS
// server and a SQLite file in a temporary folder: the API, the metrics and
// the customer pages answer on --http, and cancelling the context (what
// SIGINT/SIGTERM do) stops everything and returns nil.
func TestRunServesAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	httpAddr, natsAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		done <- run(ctx, []string{"--data", filepath.Join(dir, "data"), "--http", httpAddr, "--nats-listen", natsAddr}, log)
	}()
	base := "http://" + httpAddr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("omsd stopped before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("omsd not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for path, want := range map[string]int{"/v1/orders": 200, "/metrics": 200, "/track/1Z999AA10123456784": 404, "/v1/orders/NOPE": 404} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if conn, err := net.Dial("tcp", natsAddr); err != nil {
		t.Errorf("embedded NATS not listening on %s: %v", natsAddr, err)
	} else {
		conn.Close()
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("omsd did not stop within 20s of its signal")
	}
	if _, err := net.Dial("tcp", httpAddr); err == nil {
		t.Error("HTTP still listening after shutdown")
	}
	if _, err := net.Dial("tcp", natsAddr); err == nil {
		t.Error("embedded NATS still listening after shutdown")
	}
}

// TestRunRefusesBadFlags: a bad flag or value stops omsd before it opens
// anything, with the field named.
func TestRunRefusesBadFlags(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := map[string][]string{
		"http":          {"--http", "nowhere"},
		"nats.listen":   {"--nats-listen", "4222"},
		"tls_key":       {"--nats", "nats://127.0.0.1:1", "--nats-tls-cert", "c.pem"},
		"edi.in":        {"--edi-out", filepath.Join(dir, "out")},
		"no such file":  {"--config", filepath.Join(dir, "missing.toml")},
		"flag provided": {"--no-such-flag"},
	}
	for want, args := range cases {
		err := run(context.Background(), append([]string{"--data", filepath.Join(dir, "data")}, args...), log)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("omsd %s: %v, want an error naming %q", strings.Join(args, " "), err, want)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "data", "*")); len(matches) != 0 {
		t.Errorf("refused starts left files: %v", matches)
	}
}
