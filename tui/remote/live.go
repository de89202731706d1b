package remote

import (
	"io"
	stdsync "sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
)

// Escape sequences written to a terminal that joins a running program:
// the program drew into the alternate screen with a hidden cursor.
const (
	enterAltScreen = "\x1b[?1049h\x1b[?25l"
	leaveAltScreen = "\x1b[?25h\x1b[?1049l"
)

// live is a session's program, which outlives the connections attached
// to it. Its input is a pipe fed by whichever connection is attached; its
// output goes to that connection and to any leads watching.
type live struct {
	program  *tea.Program
	input    *io.PipeWriter
	out      *fanout
	started  time.Time
	finished chan struct{}

	// local marks the station's own console: always attached, never
	// expires, watchable like any session.
	local bool

	mu       stdsync.Mutex // guards the fields below
	attached ssh.Session
	gen      int // bumped on every attach; an old connection's input is dropped
	timer    *time.Timer
	over     bool
}

func newLive(m tea.Model, out *fanout, now time.Time) *live {
	pr, pw := io.Pipe()
	p := tea.NewProgram(m, tea.WithInput(pr), tea.WithOutput(out), tea.WithAltScreen(), tea.WithoutSignalHandler())
	return &live{program: p, input: pw, out: out, started: now, finished: make(chan struct{})}
}

// attach connects sess to the program and blocks until the connection
// drops, another connection takes over, or the program ends.
func (l *live) attach(sess ssh.Session, w, h int, winch <-chan ssh.Window) {
	l.mu.Lock()
	if l.over {
		l.mu.Unlock()
		return
	}
	old := l.attached
	l.attached = sess
	l.gen++
	gen := l.gen
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.mu.Unlock()
	if old != nil {
		// A connection that went quiet (a handheld out of Wi-Fi) is
		// replaced by the new one from the same key.
		io.WriteString(old, leaveAltScreen+"\r\npackline: this session was reattached from another connection\r\n")
		old.Close()
	}
	io.WriteString(sess, enterAltScreen)
	l.out.setMain(sess)
	l.program.Send(tea.WindowSizeMsg{Width: w, Height: h})
	l.program.Send(tea.ClearScreen())
	current := func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.gen == gen
	}
	go func() {
		for win := range winch {
			if !current() {
				return
			}
			l.program.Send(tea.WindowSizeMsg{Width: win.Width, Height: win.Height})
		}
	}()
	buf := make([]byte, 4096)
	for {
		n, err := sess.Read(buf)
		if n > 0 && current() {
			if _, werr := l.input.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil || !current() {
			break
		}
	}
	l.mu.Lock()
	if l.gen == gen {
		l.attached = nil
		l.out.setMain(nil)
	}
	l.mu.Unlock()
}

// expireAfter ends the detached session after d unless something attaches.
func (l *live) expireAfter(d time.Duration, f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.attached != nil || l.over {
		return
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	l.timer = time.AfterFunc(d, f)
}

func (l *live) isAttached() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.attached != nil
}

func (l *live) done() bool {
	select {
	case <-l.finished:
		return true
	default:
		return false
	}
}

// finish is called when the program has ended: the attached connection
// and the viewers are closed.
func (l *live) finish() {
	l.mu.Lock()
	l.over = true
	sess := l.attached
	l.attached = nil
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Unlock()
	close(l.finished)
	l.input.Close()
	if sess != nil {
		io.WriteString(sess, leaveAltScreen)
		sess.Exit(0)
		sess.Close()
	}
	l.out.closeViewers()
}

func (l *live) addViewer(sess ssh.Session) {
	io.WriteString(sess, enterAltScreen)
	l.out.addViewer(sess)
	l.program.Send(tea.ClearScreen()) // a full frame for the newcomer
}

func (l *live) removeViewer(sess ssh.Session) {
	l.out.removeViewer(sess)
	io.WriteString(sess, leaveAltScreen)
}

func (l *live) info(id string) SessionInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return SessionInfo{ID: id, Attached: l.attached != nil || l.local, Viewers: l.out.viewerCount(), Since: l.started}
}

// viewerQueue is how many writes a watching lead may fall behind before
// the watch is cut: a viewer whose connection stalls (out of Wi-Fi) must
// never hold up the program it watches.
const viewerQueue = 256

// fanout writes the program's output to the attached connection (if
// any) and to every viewer. Each viewer is written by its own goroutine
// from a bounded queue, so a slow or dead viewer never blocks the program:
// when its queue is full it is dropped and its connection closed.
type fanout struct {
	mu      stdsync.Mutex // guards main, viewers
	main    io.Writer
	viewers map[ssh.Session]*viewer
}

// viewer is one watching connection and the queue its writer drains.
type viewer struct {
	sess ssh.Session
	q    chan []byte
	done chan struct{} // closed when the writer has stopped
}

// run writes the queue to the connection until the queue is closed.
func (v *viewer) run() {
	defer close(v.done)
	failed := false
	for b := range v.q {
		if failed {
			continue // drain, so the closer never waits on us
		}
		if _, err := v.sess.Write(b); err != nil {
			failed = true
		}
	}
}

func (f *fanout) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.main != nil {
		f.main.Write(p)
	}
	if len(f.viewers) == 0 {
		return len(p), nil
	}
	b := append([]byte(nil), p...) // the caller may reuse p
	for s, v := range f.viewers {
		select {
		case v.q <- b:
		default: // too far behind: cut the watch
			delete(f.viewers, s)
			close(v.q)
			go s.Close()
		}
	}
	return len(p), nil
}

func (f *fanout) setMain(w io.Writer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if w == nil {
		f.main = nil
		return
	}
	f.main = w
}

func (f *fanout) addViewer(s ssh.Session) {
	v := &viewer{sess: s, q: make(chan []byte, viewerQueue), done: make(chan struct{})}
	go v.run()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.viewers[s] = v
}

// removeViewer stops writing to s and waits until its writer has
// stopped, so that what the caller writes next comes last.
func (f *fanout) removeViewer(s ssh.Session) {
	f.mu.Lock()
	v, ok := f.viewers[s]
	delete(f.viewers, s)
	f.mu.Unlock()
	if ok {
		close(v.q)
		<-v.done
	}
}

func (f *fanout) viewerCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.viewers)
}

// closeViewers ends every watch: after its pending output, each viewer's
// terminal leaves the alternate screen and its connection closes. It does
// not wait for viewers that are slow to take their output.
func (f *fanout) closeViewers() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s, v := range f.viewers {
		close(v.q)
		go func() {
			<-v.done
			io.WriteString(s, leaveAltScreen)
			s.Exit(0)
			s.Close()
		}()
	}
	f.viewers = map[ssh.Session]*viewer{}
}

// LocalScreen is the station's own terminal, made watchable: the local
// program writes through it, and leads watching get the same bytes.
type LocalScreen struct{ f *fanout }

// NewLocalScreen wraps the terminal w.
func NewLocalScreen(w io.Writer) *LocalScreen {
	return &LocalScreen{f: &fanout{main: w, viewers: map[ssh.Session]*viewer{}}}
}

// Write implements io.Writer.
func (l *LocalScreen) Write(p []byte) (int, error) { return l.f.Write(p) }
