package remote

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

// echoModel is a tiny app: it shows who it serves and what was typed, so
// tests can see state survive a reconnect.
type echoModel struct {
	env   Env
	typed string
}

func (m echoModel) Init() tea.Cmd { return nil }

func (m echoModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch k.Type {
		case tea.KeyCtrlC:
			return m, tea.Quit
		case tea.KeyRunes:
			m.typed += string(k.Runes)
		}
	}
	return m, nil
}

func (m echoModel) View() string {
	return fmt.Sprintf("%s %s typed=[%s]", m.env.Identity.Role, m.env.Identity.Name, m.typed)
}

type keyPair struct {
	signer gossh.Signer
	line   string // authorized_keys line
}

func newKey(t testing.TB, comment string) keyPair {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{signer: signer, line: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment + "\n"}
}

type testServer struct {
	addr                     string
	srv                      *Server
	lead, operator, stranger keyPair
}

func startServer(t testing.TB, persist time.Duration) *testServer {
	t.Helper()
	dir := t.TempDir()
	ts := &testServer{lead: newKey(t, "lena"), operator: newKey(t, "otto"), stranger: newKey(t, "mallory")}
	os.WriteFile(filepath.Join(dir, "lead_keys"), []byte("# leads\n"+ts.lead.line), 0o600)
	os.WriteFile(filepath.Join(dir, "operator_keys"), []byte(ts.operator.line), 0o600)
	app := func(env Env) tea.Model { return echoModel{env: env} }
	srv, err := New(Config{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "host_ed25519"),
		LeadKeys: filepath.Join(dir, "lead_keys"), OperatorKeys: filepath.Join(dir, "operator_keys"), Persist: persist},
		map[Role]App{RoleLead: app, RoleOperator: app}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	ts.addr, ts.srv = ln.Addr().String(), srv
	return ts
}

func dial(t testing.TB, addr, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
}

// term is an interactive session with a PTY whose output is collected.
type term struct {
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser
	mu     stdsync.Mutex
	out    bytes.Buffer
}

func openTerm(t testing.TB, addr, user string, key keyPair) *term {
	t.Helper()
	c, err := dial(t, addr, user, gossh.PublicKeys(key.signer))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	tm := &term{client: c, sess: s}
	tm.in, _ = s.StdinPipe()
	outPipe, _ := s.StdoutPipe()
	errPipe, _ := s.StderrPipe()
	for _, p := range []io.Reader{outPipe, errPipe} {
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := p.Read(buf)
				tm.mu.Lock()
				tm.out.Write(buf[:n])
				tm.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return tm
}

func (tm *term) waitFor(t testing.TB, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		tm.mu.Lock()
		ok := bytes.Contains(tm.out.Bytes(), []byte(text))
		tm.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	t.Fatalf("%q never appeared; got %q", text, tm.out.String())
}

func (tm *term) seen(text string) bool {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return bytes.Contains(tm.out.Bytes(), []byte(text))
}

func TestRefusals(t *testing.T) {
	ts := startServer(t, time.Minute)
	if _, err := dial(t, ts.addr, "mallory", gossh.PublicKeys(ts.stranger.signer)); err == nil {
		t.Fatal("an unknown key logged in")
	}
	if _, err := dial(t, ts.addr, "otto", gossh.Password("hunter2")); err == nil {
		t.Fatal("a password logged in")
	}
	if _, err := dial(t, ts.addr, "otto", gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"x"}, nil })); err == nil {
		t.Fatal("keyboard-interactive logged in")
	}
	c, err := dial(t, ts.addr, "otto", gossh.PublicKeys(ts.operator.signer))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, _ := c.NewSession()
	if err := s.Start("cat /etc/passwd"); err == nil {
		t.Fatal("an exec request was accepted")
	}
	if _, err := c.Dial("tcp", "127.0.0.1:22"); err == nil {
		t.Fatal("a local port forward was accepted")
	}
	if _, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		t.Fatal("a remote port forward was accepted")
	}
	s2, _ := c.NewSession()
	if err := s2.RequestSubsystem("sftp"); err == nil {
		t.Fatal("the sftp subsystem was accepted")
	}
	ok, _, err := c.SendRequest("auth-agent-req@openssh.com", true, nil)
	if ok && err == nil {
		t.Fatal("agent forwarding was accepted")
	}
	// The session-level agent request (what ssh -A sends) ends the session.
	s3, _ := c.NewSession()
	var out bytes.Buffer
	s3.Stderr = &out
	s3.RequestPty("xterm", 24, 80, gossh.TerminalModes{})
	s3.SendRequest("auth-agent-req@openssh.com", true, nil)
	if err := s3.Shell(); err != nil {
		t.Fatal(err)
	}
	if err := s3.Wait(); err == nil || !strings.Contains(out.String(), "agent forwarding is not allowed") {
		t.Fatalf("agent forwarding session: %v %q", err, out.String())
	}
}

func TestRolesAndWatch(t *testing.T) {
	ts := startServer(t, time.Minute)
	op := openTerm(t, ts.addr, "otto", ts.operator)
	op.waitFor(t, "operator otto typed=[]")
	io.WriteString(op.in, "abc")
	op.waitFor(t, "typed=[abc]")
	lead := openTerm(t, ts.addr, "lena", ts.lead)
	lead.waitFor(t, "lead lena typed=[]")

	var id string
	for _, s := range ts.srv.Sessions() {
		if s.Identity.Role == RoleOperator || strings.HasPrefix(s.ID, "operator-") {
			id = s.ID
		}
	}
	if id == "" {
		t.Fatalf("operator session not listed: %+v", ts.srv.Sessions())
	}
	// An operator key cannot watch, nor become a lead.
	spy := openTerm(t, ts.addr, "watch:"+id, ts.operator)
	spy.waitFor(t, "only leads can watch")
	// A lead watches read-only: sees the screen, its keys go nowhere.
	w := openTerm(t, ts.addr, "watch:"+id, ts.lead)
	w.waitFor(t, "typed=[abc]")
	io.WriteString(w.in, "zzz")
	io.WriteString(op.in, "d")
	w.waitFor(t, "typed=[abcd]")
	time.Sleep(100 * time.Millisecond)
	if op.seen("z") || w.seen("abcdz") {
		t.Fatal("a watcher's keys reached the session")
	}
}

// TestReattachAfterDrop: the connection drops mid-work; the same key
// reconnects and finds its session exactly where it was.
func TestReattachAfterDrop(t *testing.T) {
	ts := startServer(t, time.Minute)
	first := openTerm(t, ts.addr, "otto", ts.operator)
	io.WriteString(first.in, "half-scanned")
	first.waitFor(t, "typed=[half-scanned]")
	first.client.Conn.Close() // the Wi-Fi shadow
	second := openTerm(t, ts.addr, "otto", ts.operator)
	second.waitFor(t, "typed=[half-scanned]")
	io.WriteString(second.in, "-done")
	second.waitFor(t, "typed=[half-scanned-done]")
	if n := len(ts.srv.Sessions()); n != 1 {
		t.Fatalf("%d sessions, want the one session back", n)
	}
}

func TestDetachedSessionExpires(t *testing.T) {
	ts := startServer(t, 200*time.Millisecond)
	first := openTerm(t, ts.addr, "otto", ts.operator)
	io.WriteString(first.in, "x")
	first.waitFor(t, "typed=[x]")
	first.client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for len(ts.srv.Sessions()) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(ts.srv.Sessions()); n != 0 {
		t.Fatalf("%d sessions left after the persist time", n)
	}
	again := openTerm(t, ts.addr, "otto", ts.operator)
	again.waitFor(t, "typed=[]")
}

func TestHostKeyIsPersistentAndPrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "host")
	if err := ensureHostKey(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v %v", st.Mode(), err)
	}
	before, _ := os.ReadFile(path)
	ensureHostKey(path)
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("host key changed on second start")
	}
	bad := filepath.Join(dir, "bad_keys")
	os.WriteFile(bad, []byte("ssh-ed25519 not-base64 x\n"), 0o600)
	if _, err := readAuthorizedKeys(bad); err == nil || !strings.Contains(err.Error(), "bad_keys:1") {
		t.Fatalf("bad authorized_keys: %v", err)
	}
}

// TestWatchTheLocalConsole: a lead watches the station's own console
// session read-only.
func TestWatchTheLocalConsole(t *testing.T) {
	ts := startServer(t, time.Minute)
	var console bytes.Buffer
	screen := NewLocalScreen(&console)
	in, inW := io.Pipe()
	p := tea.NewProgram(echoModel{env: Env{Identity: Identity{Role: RoleOperator, Name: "console"}}}, tea.WithInput(in), tea.WithOutput(screen))
	done := make(chan struct{})
	go func() { p.Run(); close(done) }()
	remove := ts.srv.AddLocal("local-PACK-01", p, screen)
	defer func() { p.Quit(); inW.Close(); <-done; remove() }()
	io.WriteString(inW, "xyz")
	w := openTerm(t, ts.addr, "watch:local-PACK-01", ts.lead)
	w.waitFor(t, "typed=[xyz]")
	io.WriteString(inW, "!")
	w.waitFor(t, "typed=[xyz!]")
}
