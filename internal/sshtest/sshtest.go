// Package sshtest is what Packline's SSH tests share: keys made on the
// fly, a terminal session through the real x/crypto/ssh client, and an
// output collector that waits for text on screen instead of sleeping.
package sshtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// WaitTimeout is how long WaitFor waits for text to appear.
const WaitTimeout = 15 * time.Second

// Key is a fresh ed25519 key: its signer, its private key (to write an
// OpenSSH key file) and its authorized_keys line.
type Key struct {
	Signer  gossh.Signer
	Private ed25519.PrivateKey
	// Line is the authorized_keys line, ending in comment and a newline.
	Line string
}

// NewKey makes a key whose authorized_keys line carries comment.
func NewKey(t testing.TB, comment string) Key {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment + "\n"
	return Key{Signer: signer, Private: priv, Line: line}
}

// Dial connects as user with the given auth methods, once.
func Dial(addr, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
}

// Output collects what a terminal prints, safe for one writer goroutine
// per reader and any number of readers.
type Output struct {
	mu  stdsync.Mutex
	buf bytes.Buffer
}

// Collect copies r into the output until r ends; run it in a goroutine.
func (o *Output) Collect(r io.Reader) {
	buf := make([]byte, 8192)
	for {
		n, err := r.Read(buf)
		o.mu.Lock()
		o.buf.Write(buf[:n])
		o.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Seen reports whether text has been printed.
func (o *Output) Seen(text string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return bytes.Contains(o.buf.Bytes(), []byte(text))
}

// String is everything printed so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// WaitFor waits (up to WaitTimeout) until every one of texts has been
// printed, and fails the test with the output if they never are.
func (o *Output) WaitFor(t testing.TB, texts ...string) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for {
		all := true
		for _, x := range texts {
			all = all && o.Seen(x)
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q never appeared; got %q", texts, o.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Term is an interactive SSH session with a PTY; Output holds what the
// server drew (stdout and stderr).
type Term struct {
	Client  *gossh.Client
	Session *gossh.Session
	// In is the session's stdin: what the user (or a wedge scanner) types.
	In io.WriteCloser
	Output
}

// Open logs in as user with key, asks for a w x h PTY and starts the
// shell. It retries the connection for up to 5 s while the server may
// still be starting; the client is closed when the test ends.
func Open(t testing.TB, addr, user string, signer gossh.Signer, w, h int) *Term {
	t.Helper()
	var c *gossh.Client
	var err error
	for range 50 {
		if c, err = Dial(addr, user, gossh.PublicKeys(signer)); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	tm := &Term{Client: c, Session: s}
	if tm.In, err = s.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := s.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errOut, err := s.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	go tm.Collect(out)
	go tm.Collect(errOut)
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	return tm
}
