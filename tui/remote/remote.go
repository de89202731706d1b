// Package remote serves Packline's floor app over SSH (charmbracelet/wish):
// public-key login with a role per authorized-keys file (lead, operator),
// no passwords, no shell or exec, no forwarding; a persistent host key;
// each session drawn by its own lipgloss renderer at its own size; and
// sessions that outlive their connection: a handheld that walks through a
// Wi-Fi shadow and reconnects with the same key gets its running session
// back exactly where it was. Leads can watch any live session read-only.
package remote

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	stdsync "sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"
)

// Role is what a key may do.
type Role string

// The roles, each from its own authorized-keys file.
const (
	RoleLead     Role = "lead"
	RoleOperator Role = "operator"
)

// Config configures the SSH server.
type Config struct {
	// Addr is the listen address, e.g. 0.0.0.0:2222.
	Addr string `toml:"addr"`
	// HostKeyPath is the server's ed25519 host key, created (mode 0600)
	// on first start.
	HostKeyPath string `toml:"host_key"`
	// LeadKeys and OperatorKeys are authorized_keys files; a key's
	// comment names the person.
	LeadKeys     string `toml:"lead_keys"`
	OperatorKeys string `toml:"operator_keys"`
	// IdleTimeout closes a connection that sent nothing for this long
	// (its session is kept for Persist).
	IdleTimeout time.Duration `toml:"idle_timeout"`
	// Persist is how long a session whose connection dropped is kept for
	// its key to reattach.
	Persist time.Duration `toml:"persist"`
}

func (c Config) withDefaults() Config {
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	if c.Persist <= 0 {
		c.Persist = 10 * time.Minute
	}
	return c
}

// Identity is who is on the other end of a session.
type Identity struct {
	Role        Role
	Name        string // the key's comment, or the SSH user name
	User        string // the SSH user name
	Fingerprint string
}

// Env is what an app gets to build its model: who, the session's own
// renderer and size, the server's controls, and the session's bell.
type Env struct {
	Identity Identity
	Renderer *lipgloss.Renderer
	Width    int
	Height   int
	Server   *Server
	// Bell rings the terminal of whoever is attached to the session.
	Bell func()
}

// App builds the model for a new session.
type App func(Env) tea.Model

// Server is the SSH server and its live sessions.
type Server struct {
	cfg   Config
	apps  map[Role]App
	log   *slog.Logger
	ssh   *ssh.Server
	clock func() time.Time

	keysMu stdsync.RWMutex // guards keys
	keys   map[Role][]authorizedKey

	mu       stdsync.Mutex // guards sessions
	sessions map[string]*live
}

type authorizedKey struct {
	key     gossh.PublicKey
	comment string
}

// New builds the server. apps gives the model of each role; a role
// without an app cannot log in.
func New(cfg Config, apps map[Role]App, log *slog.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, apps: apps, log: log, keys: map[Role][]authorizedKey{}, sessions: map[string]*live{}, clock: time.Now}
	for role, path := range map[Role]string{RoleLead: cfg.LeadKeys, RoleOperator: cfg.OperatorKeys} {
		if path == "" {
			continue
		}
		keys, err := readAuthorizedKeys(path)
		if err != nil {
			return nil, err
		}
		s.keys[role] = keys
	}
	if err := ensureHostKey(cfg.HostKeyPath); err != nil {
		return nil, err
	}
	srv, err := wish.NewServer(
		wish.WithAddress(cfg.Addr),
		wish.WithHostKeyPath(cfg.HostKeyPath),
		wish.WithPublicKeyAuth(func(ctx ssh.Context, key ssh.PublicKey) bool { return s.roleOf(key) != "" }),
		wish.WithIdleTimeout(cfg.IdleTimeout),
		wish.WithMiddleware(s.middleware),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	// Only interactive sessions: exec (and so scp, sftp) is refused at the
	// protocol level; no forwarding callbacks means none is allowed.
	srv.SessionRequestCallback = func(_ ssh.Session, kind string) bool { return kind == "shell" }
	srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
	s.ssh = srv
	return s, nil
}

// readAuthorizedKeys reads an authorized_keys file; a bad line is an
// error naming the file and line.
func readAuthorizedKeys(path string) ([]authorizedKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys %s: %w", path, err)
	}
	var out []authorizedKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("authorized keys %s:%d: %w", path, line, err)
		}
		out = append(out, authorizedKey{key: key, comment: comment})
	}
	return out, sc.Err()
}

// ensureHostKey creates an ed25519 host key with mode 0600 if none exists.
func ensureHostKey(path string) error {
	if path == "" {
		return errors.New("ssh: host key path missing")
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("host key %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("host key %s: %w", path, err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return fmt.Errorf("host key %s: %w", path, err)
	}
	return f.Close()
}

// AddKey authorizes one more key for a role, as if it were in the
// role's authorized-keys file.
func (s *Server) AddKey(role Role, key ssh.PublicKey, name string) {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	s.keys[role] = append(s.keys[role], authorizedKey{key: key, comment: name})
}

func (s *Server) roleOf(key ssh.PublicKey) Role {
	s.keysMu.RLock()
	defer s.keysMu.RUnlock()
	for _, role := range []Role{RoleLead, RoleOperator} {
		if s.apps[role] == nil {
			continue
		}
		for _, k := range s.keys[role] {
			if ssh.KeysEqual(key, k.key) {
				return role
			}
		}
	}
	return ""
}

func (s *Server) identity(sess ssh.Session) Identity {
	key := sess.PublicKey()
	id := Identity{Role: s.roleOf(key), User: sess.User(), Name: sess.User(), Fingerprint: gossh.FingerprintSHA256(key)}
	s.keysMu.RLock()
	defer s.keysMu.RUnlock()
	for _, k := range s.keys[id.Role] {
		if ssh.KeysEqual(key, k.key) && k.comment != "" {
			id.Name = k.comment
		}
	}
	return id
}

// ListenAndServe serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("ssh listen %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.ssh.Shutdown(sctx)
		s.mu.Lock()
		for _, l := range s.sessions {
			l.program.Kill()
		}
		s.mu.Unlock()
	}()
	err := s.ssh.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// AddLocal makes the station's own console program watchable by leads as
// session id; it is listed until the program ends (call the returned
// func then).
func (s *Server) AddLocal(id string, p *tea.Program, screen *LocalScreen) func() {
	l := &live{program: p, out: screen.f, started: s.clock(), finished: make(chan struct{}), local: true}
	s.mu.Lock()
	s.sessions[id] = l
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		if s.sessions[id] == l {
			delete(s.sessions, id)
		}
		s.mu.Unlock()
		close(l.finished)
		l.out.closeViewers()
	}
}

// Broadcast sends msg to every live session's program (news that every
// screen must show, such as a cancellation for work in progress).
func (s *Server) Broadcast(msg tea.Msg) {
	s.mu.Lock()
	progs := make([]*tea.Program, 0, len(s.sessions))
	for _, l := range s.sessions {
		if !l.local { // the local program gets its news from its owner
			progs = append(progs, l.program)
		}
	}
	s.mu.Unlock()
	for _, p := range progs {
		go p.Send(msg)
	}
}

// SessionIDs lists the live sessions' ids.
func (s *Server) SessionIDs() []string {
	var ids []string
	for _, in := range s.Sessions() {
		ids = append(ids, in.ID)
	}
	return ids
}

// SessionInfo describes a live session, for the leads' list.
type SessionInfo struct {
	ID       string
	Identity Identity
	Attached bool
	Viewers  int
	Since    time.Time
}

// Sessions lists the live sessions.
func (s *Server) Sessions() []SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SessionInfo, 0, len(s.sessions))
	for id, l := range s.sessions {
		out = append(out, l.info(id))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// sessionID is the key a session is kept under: the same key and role
// get the same session back.
func sessionID(id Identity) string {
	fp := strings.TrimPrefix(id.Fingerprint, "SHA256:")
	if len(fp) > 12 {
		fp = fp[:12]
	}
	return string(id.Role) + "-" + sanitize(id.Name) + "-" + fp
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

func (s *Server) middleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		id := s.identity(sess)
		if ssh.AgentRequested(sess) {
			// The library says yes to the request; we never open the agent
			// channel, and we end the session so nobody believes otherwise.
			wish.Fatalln(sess, "packline: agent forwarding is not allowed; connect without -A")
			return
		}
		pty, winch, ok := sess.Pty()
		if !ok {
			wish.Fatalln(sess, "packline: this server serves an interactive terminal; connect with ssh -t")
			return
		}
		// ssh watch:<session>@host: a lead watches a live session read-only.
		if target, ok := strings.CutPrefix(id.User, "watch:"); ok {
			if id.Role != RoleLead {
				wish.Fatalln(sess, "packline: only leads can watch sessions")
				return
			}
			s.watch(sess, target)
			return
		}
		key := sessionID(id)
		s.mu.Lock()
		l, ok := s.sessions[key]
		if !ok {
			app := s.apps[id.Role]
			out := &fanout{viewers: map[ssh.Session]*viewer{}}
			env := Env{Identity: id, Renderer: sessionRenderer(sess, pty.Term), Width: pty.Window.Width, Height: pty.Window.Height, Server: s,
				Bell: func() { out.Write([]byte("\a")) }}
			l = newLive(app(env), out, s.clock())
			s.sessions[key] = l
			go s.run(key, l)
			s.log.Info("ssh session started", "session", key, "role", id.Role, "name", id.Name)
		} else {
			s.log.Info("ssh session reattached", "session", key)
		}
		s.mu.Unlock()
		l.attach(sess, pty.Window.Width, pty.Window.Height, winch)
		s.mu.Lock()
		if s.sessions[key] == l && !l.done() {
			l.expireAfter(s.cfg.Persist, func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				if s.sessions[key] == l && !l.isAttached() {
					s.log.Info("ssh session expired", "session", key)
					l.program.Quit()
				}
			})
		}
		s.mu.Unlock()
		next(sess)
	}
}

// sessionRenderer styles for the session's own terminal: its color
// profile from TERM (and NO_COLOR), without querying the terminal, which
// a handheld may never answer.
func sessionRenderer(sess ssh.Session, term string) *lipgloss.Renderer {
	profile := termenv.ANSI256
	switch {
	case term == "" || term == "dumb" || term == "vt100" || term == "vt220":
		profile = termenv.Ascii
	case strings.Contains(term, "truecolor") || strings.Contains(term, "direct"):
		profile = termenv.TrueColor
	case !strings.Contains(term, "256"):
		profile = termenv.ANSI
	}
	for _, kv := range sess.Environ() {
		if strings.HasPrefix(kv, "NO_COLOR=") && kv != "NO_COLOR=" {
			profile = termenv.Ascii
		}
		if kv == "COLORTERM=truecolor" {
			profile = termenv.TrueColor
		}
	}
	r := lipgloss.NewRenderer(sess, termenv.WithProfile(profile))
	r.SetHasDarkBackground(true)
	return r
}

// run runs a session's program until it quits, then forgets it.
func (s *Server) run(key string, l *live) {
	if _, err := l.program.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		s.log.Error("session program", "session", key, "err", err)
	}
	l.finish()
	s.mu.Lock()
	if s.sessions[key] == l {
		delete(s.sessions, key)
	}
	s.mu.Unlock()
}

func (s *Server) watch(sess ssh.Session, target string) {
	s.mu.Lock()
	l, ok := s.sessions[target]
	s.mu.Unlock()
	if !ok {
		var ids []string
		for _, in := range s.Sessions() {
			ids = append(ids, in.ID)
		}
		wish.Fatalln(sess, "packline: no live session "+target+"; live: "+strings.Join(ids, ", "))
		return
	}
	l.addViewer(sess)
	defer l.removeViewer(sess)
	// A viewer's keys go nowhere; q or Ctrl-C ends the watch.
	buf := make([]byte, 64)
	for {
		n, err := sess.Read(buf)
		if err != nil || bytes.ContainsAny(buf[:n], "q\x03") {
			return
		}
		select {
		case <-l.finished:
			return
		default:
		}
	}
}
