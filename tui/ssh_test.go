package tui

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// sshTerm is an interactive SSH session with a PTY, its output collected.
type sshTerm struct {
	client *gossh.Client
	in     io.WriteCloser
	mu     stdsync.Mutex
	out    bytes.Buffer
}

func dialTerm(t *testing.T, addr, user string, signer gossh.Signer, w, h int) *sshTerm {
	t.Helper()
	var c *gossh.Client
	var err error
	for range 50 { // the server may still be starting
		c, err = gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.NewSession()
	if err := s.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	st := &sshTerm{client: c}
	st.in, _ = s.StdinPipe()
	out, _ := s.StdoutPipe()
	go func() {
		buf := make([]byte, 8192)
		for {
			n, err := out.Read(buf)
			st.mu.Lock()
			st.out.Write(buf[:n])
			st.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return st
}

func (st *sshTerm) waitFor(t *testing.T, texts ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		st.mu.Lock()
		all := true
		for _, x := range texts {
			all = all && bytes.Contains(st.out.Bytes(), []byte(x))
		}
		st.mu.Unlock()
		if all {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	t.Fatalf("%q never appeared; got %q", texts, st.out.String())
}

func sshKey(t *testing.T, comment string) (gossh.Signer, string) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(priv)
	return signer, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment + "\n"
}

// TestStationOverSSH: a station serving SSH only (headless): an operator
// gets the station app at its own size, signs in by a wedge-typed badge,
// loses the connection and gets the signed-in session back; a lead gets
// the floor dashboard.
func TestStationOverSSH(t *testing.T) {
	dir := t.TempDir()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	opKey, opLine := sshKey(t, "ana")
	leadKey, leadLine := sshKey(t, "lee")
	os.MkdirAll(filepath.Join(dir, "ssh"), 0o700)
	os.WriteFile(filepath.Join(dir, "ssh", "operator_keys"), []byte(opLine), 0o600)
	os.WriteFile(filepath.Join(dir, "ssh", "lead_keys"), []byte(leadLine), 0o600)
	cfg := DefaultConfig()
	cfg.Data, cfg.Site, cfg.Station, cfg.Demo, cfg.SSH, cfg.Headless = dir, "LON", "PACK-01", true, addr, true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, nil, io.Discard) }()
	t.Cleanup(func() { cancel(); <-done })

	op := dialTerm(t, addr, "ana", opKey, 40, 8)
	op.waitFor(t, "SIGN IN")
	io.WriteString(op.in, "BADGE-1001\r") // a handheld's scanner types it in one burst
	op.waitFor(t, "ana")
	op.client.Conn.Close() // out of Wi-Fi range

	again := dialTerm(t, addr, "ana", opKey, 80, 24)
	again.waitFor(t, "ana", "PACK")

	lead := dialTerm(t, addr, "lee", leadKey, 80, 24)
	lead.waitFor(t, "FLOOR LON")
	if _, err := os.Stat(filepath.Join(dir, "ssh", "host_ed25519")); err != nil {
		t.Fatalf("host key: %v", err)
	}
}
