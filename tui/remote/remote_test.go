package remote

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/packline/packline/internal/sshtest"
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

type testServer struct {
	addr                     string
	srv                      *Server
	lead, operator, stranger sshtest.Key
}

func startServer(t testing.TB, persist time.Duration) *testServer {
	t.Helper()
	dir := t.TempDir()
	ts := &testServer{lead: sshtest.NewKey(t, "lena"), operator: sshtest.NewKey(t, "otto"), stranger: sshtest.NewKey(t, "mallory")}
	os.WriteFile(filepath.Join(dir, "lead_keys"), []byte("# leads\n"+ts.lead.Line), 0o600)
	os.WriteFile(filepath.Join(dir, "operator_keys"), []byte(ts.operator.Line), 0o600)
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

// openTerm is an 80x24 terminal session as user with key k.
func openTerm(t testing.TB, addr, user string, k sshtest.Key) *sshtest.Term {
	t.Helper()
	return sshtest.Open(t, addr, user, k.Signer, 80, 24)
}

func TestRefusals(t *testing.T) {
	ts := startServer(t, time.Minute)
	if _, err := sshtest.Dial(ts.addr, "mallory", gossh.PublicKeys(ts.stranger.Signer)); err == nil {
		t.Fatal("an unknown key logged in")
	}
	if _, err := sshtest.Dial(ts.addr, "otto", gossh.Password("hunter2")); err == nil {
		t.Fatal("a password logged in")
	}
	if _, err := sshtest.Dial(ts.addr, "otto", gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"x"}, nil })); err == nil {
		t.Fatal("keyboard-interactive logged in")
	}
	c, err := sshtest.Dial(ts.addr, "otto", gossh.PublicKeys(ts.operator.Signer))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, _ := c.NewSession()
	if err := s.Start("cat /etc/passwd"); err == nil {
		t.Fatal("an exec request was accepted")
	}
	// A live target, so that only the server's refusal can make this fail.
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if conn, err := c.Dial("tcp", target.Addr().String()); err == nil {
		conn.Close()
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
	op.WaitFor(t, "operator otto typed=[]")
	io.WriteString(op.In, "abc")
	op.WaitFor(t, "typed=[abc]")
	lead := openTerm(t, ts.addr, "lena", ts.lead)
	lead.WaitFor(t, "lead lena typed=[]")

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
	spy.WaitFor(t, "only leads can watch")
	// A lead watches read-only: sees the screen, its keys go nowhere.
	w := openTerm(t, ts.addr, "watch:"+id, ts.lead)
	w.WaitFor(t, "typed=[abc]")
	io.WriteString(w.In, "zzz")
	io.WriteString(op.In, "d")
	w.WaitFor(t, "typed=[abcd]")
	time.Sleep(100 * time.Millisecond)
	if op.Seen("z") || w.Seen("abcdz") {
		t.Fatal("a watcher's keys reached the session")
	}
	// Nor does a lead's user name make an operator key a lead: the key
	// decides (here it takes its own session over).
	posing := openTerm(t, ts.addr, "lena", ts.operator)
	posing.WaitFor(t, "operator otto typed=[abcd]")
	if posing.Seen("lead ") {
		t.Fatalf("an operator key got the lead app: %q", posing.String())
	}
}

// TestReattachAfterDrop: the connection drops mid-work; the same key
// reconnects and finds its session exactly where it was.
func TestReattachAfterDrop(t *testing.T) {
	ts := startServer(t, time.Minute)
	first := openTerm(t, ts.addr, "otto", ts.operator)
	io.WriteString(first.In, "half-scanned")
	first.WaitFor(t, "typed=[half-scanned]")
	first.Client.Conn.Close() // the Wi-Fi shadow
	second := openTerm(t, ts.addr, "otto", ts.operator)
	second.WaitFor(t, "typed=[half-scanned]")
	io.WriteString(second.In, "-done")
	second.WaitFor(t, "typed=[half-scanned-done]")
	if n := len(ts.srv.Sessions()); n != 1 {
		t.Fatalf("%d sessions, want the one session back", n)
	}
}

func TestDetachedSessionExpires(t *testing.T) {
	ts := startServer(t, 200*time.Millisecond)
	first := openTerm(t, ts.addr, "otto", ts.operator)
	io.WriteString(first.In, "x")
	first.WaitFor(t, "typed=[x]")
	first.Client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for len(ts.srv.Sessions()) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(ts.srv.Sessions()); n != 0 {
		t.Fatalf("%d sessions left after the persist time", n)
	}
	again := openTerm(t, ts.addr, "otto", ts.operator)
	again.WaitFor(t, "typed=[]")
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
	w.WaitFor(t, "typed=[xyz]")
	io.WriteString(inW, "!")
	w.WaitFor(t, "typed=[xyz!]")
}
