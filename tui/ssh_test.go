package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/packline/packline/internal/sshtest"
	"github.com/packline/packline/internal/testutil"
	"github.com/packline/packline/tui/lead"
)

// TestStationOverSSH: a station serving SSH only (headless): an operator
// gets the station app at its own size, signs in by a wedge-typed badge,
// loses the connection and gets the signed-in session back; a lead gets
// the floor dashboard.
func TestStationOverSSH(t *testing.T) {
	dir := t.TempDir()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	opKey, leadKey := sshtest.NewKey(t, "ana"), sshtest.NewKey(t, "lee")
	os.MkdirAll(filepath.Join(dir, "ssh"), 0o700)
	os.WriteFile(filepath.Join(dir, "ssh", "operator_keys"), []byte(opKey.Line), 0o600)
	os.WriteFile(filepath.Join(dir, "ssh", "lead_keys"), []byte(leadKey.Line), 0o600)
	cfg := DefaultConfig()
	cfg.Data, cfg.Site, cfg.Station, cfg.Demo, cfg.SSH, cfg.Headless = dir, "LON", "PACK-01", true, addr, true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, nil, io.Discard) }()
	t.Cleanup(func() { cancel(); <-done })

	op := sshtest.Open(t, addr, "ana", opKey.Signer, 40, 8)
	op.WaitFor(t, "SIGN IN")
	io.WriteString(op.In, "BADGE-1001\r") // a handheld's scanner types it in one burst
	// The pack screen's prompt, which only a signed-in operator sees (the
	// sign-in screen's demo hint already says "ana").
	op.WaitFor(t, "Scan a tote or an order.")
	op.Client.Conn.Close() // out of Wi-Fi range

	again := sshtest.Open(t, addr, "ana", opKey.Signer, 80, 24)
	again.WaitFor(t, "Scan a tote or an order.")
	if again.Seen("SIGN IN") {
		t.Fatalf("the reattached session shows the sign-in screen: %q", again.String())
	}

	lead := sshtest.Open(t, addr, "lee", leadKey.Signer, 80, 24)
	lead.WaitFor(t, "FLOOR LON")
	if _, err := os.Stat(filepath.Join(dir, "ssh", "host_ed25519")); err != nil {
		t.Fatalf("host key: %v", err)
	}
}

// TestBroadcastOverNATSReachesSSHSessions: a lead's broadcast on a real
// NATS server shows on an operator's SSH session; a broken message before
// it is refused in the log, and nothing else changes.
func TestBroadcastOverNATSReachesSSHSessions(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	t.Cleanup(ns.Shutdown)
	dir := t.TempDir()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	opKey := sshtest.NewKey(t, "ana")
	os.MkdirAll(filepath.Join(dir, "ssh"), 0o700)
	os.WriteFile(filepath.Join(dir, "ssh", "operator_keys"), []byte(opKey.Line), 0o600)
	cfg := DefaultConfig()
	cfg.Data, cfg.Site, cfg.Station, cfg.Demo, cfg.SSH, cfg.Headless, cfg.NATS = dir, "LON", "PACK-01", true, addr, true, ns.ClientURL()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, nil, io.Discard) }()
	t.Cleanup(func() { cancel(); <-done })

	op := sshtest.Open(t, addr, "ana", opKey.Signer, 80, 24)
	op.WaitFor(t, "SIGN IN")
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// The station subscribes as it starts; publish until the message shows.
	testutil.CheckFor(t, 10*time.Second, 200*time.Millisecond, func() error {
		nc.Publish(lead.BroadcastSubject("LON"), []byte(`{"site":"LON","from":"lena"`)) // cut short
		nc.Publish(lead.BroadcastSubject("LON"), []byte(`{"site":"LON","from":"lena","message":"Break in 5 minutes"}`))
		if !op.Seen("MSG lena: Break in 5 minutes") {
			return errors.New("broadcast not on the operator's screen")
		}
		return nil
	})
	testutil.CheckFor(t, 5*time.Second, 50*time.Millisecond, func() error {
		b, err := os.ReadFile(filepath.Join(dir, "station.log"))
		if err != nil || !strings.Contains(string(b), "broadcast refused") {
			return fmt.Errorf("station.log does not say the broken broadcast was refused (%v)", err)
		}
		return nil
	})
}
