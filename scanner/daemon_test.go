package scanner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packline/packline/internal/testutil"
	"github.com/packline/packline/scanner/scannertest"
)

// checkFor calls fn every interval until it returns nil, and fails the
// test with fn's last error when total has passed.
func checkFor(t testing.TB, total, every time.Duration, fn func() error) {
	t.Helper()
	testutil.CheckFor(t, total, every, fn)
}

// testLog writes log lines to t.Log while the test runs and drops them
// after, so goroutines that log late do not fail the test run.
type testLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	w := &testLog{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	if _, ok := t.(*testing.B); ok {
		level = slog.LevelError
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// shortTempDir returns a temporary directory with a path short enough for
// a Unix socket (108 bytes).
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// testConfig returns a daemon config with a socket in dir and no scanners.
func testConfig(dir string) DaemonConfig {
	cfg := DefaultDaemonConfig()
	cfg.Socket = filepath.Join(dir, "scannerd.sock")
	cfg.Reopen = Duration{100 * time.Millisecond}
	return cfg
}

// startDaemon runs a daemon until the test ends.
func startDaemon(t testing.TB, cfg DaemonConfig) *Daemon {
	t.Helper()
	d, err := NewDaemon(cfg, testLogger(t))
	if err != nil {
		t.Fatalf("new daemon: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- d.Run(ctx) }()
	select {
	case <-d.Ready():
	case err := <-errc:
		cancel()
		t.Fatalf("daemon run: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("daemon run: %v", err)
		}
	})
	return d
}

func dialTest(t testing.TB, socket string) *Client {
	t.Helper()
	c, err := Dial(context.Background(), socket)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// nextEvent returns the next event, failing the test when none comes in
// a long while (a hang, not a timing assertion).
func nextEvent(t testing.TB, c *Client) Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ev, err := c.Next(ctx)
	if err != nil {
		t.Fatalf("next event: %v", err)
	}
	return ev
}

func nextScan(t testing.TB, c *Client) Event {
	t.Helper()
	for {
		if ev := nextEvent(t, c); ev.Type == EventScan {
			return ev
		}
	}
}

// waitStatus reads events until device reports state.
func waitStatus(t testing.TB, c *Client, device string, state DeviceState) Event {
	t.Helper()
	for {
		ev := nextEvent(t, c)
		if ev.Type == EventStatus && ev.Device == device && ev.State == state {
			return ev
		}
		if ev.Type == EventScan {
			t.Fatalf("scan %q while waiting for %s to be %s", ev.Scan.Raw, device, state)
		}
	}
}

// testPTY is a pseudo-terminal pair whose slave stands in for a serial
// scanner: the test writes to the master, the daemon opens the slave.
type testPTY struct {
	master, tty *os.File
	p           *scannertest.PTY
}

func newPTY(t testing.TB) *testPTY {
	t.Helper()
	p, err := scannertest.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here, so the serial tests cannot run: %v", err)
	}
	tp := &testPTY{master: p.Master, tty: p.TTY, p: p}
	t.Cleanup(tp.close)
	return tp
}

func (p *testPTY) close() { p.p.Close() }

// linkPTY points the symlink at link to p's slave.
func linkPTY(t testing.TB, p *testPTY, link string) {
	t.Helper()
	os.Remove(link)
	if err := os.Symlink(p.tty.Name(), link); err != nil {
		t.Fatal(err)
	}
}

func testScan(i int) string {
	return fmt.Sprintf("]C10109506000134352\x1d10LOT%05d", i)
}

// serialRig is a daemon reading one pty "scanner" through a symlink, and
// a station client connected to it.
type serialRig struct {
	dir  string
	link string
	pty  *testPTY
	d    *Daemon
	cfg  DaemonConfig
}

func newSerialRig(t testing.TB, mod func(*DaemonConfig)) *serialRig {
	t.Helper()
	r := &serialRig{dir: shortTempDir(t)}
	r.link = filepath.Join(r.dir, "ttyScanner")
	r.pty = newPTY(t)
	linkPTY(t, r.pty, r.link)
	r.cfg = testConfig(r.dir)
	r.cfg.Serial = []SerialConfig{{Name: "pack1", Path: r.link, Baud: 115200}}
	if mod != nil {
		mod(&r.cfg)
	}
	r.d = startDaemon(t, r.cfg)
	return r
}

func (r *serialRig) write(t testing.TB, s string) {
	t.Helper()
	if _, err := r.pty.master.Write([]byte(s)); err != nil {
		t.Fatalf("write to pty: %v", err)
	}
}

// station connects a station client and waits for the scanner to be up.
func (r *serialRig) station(t testing.TB) *Client {
	t.Helper()
	c := dialTest(t, r.cfg.Socket)
	waitStatus(t, c, "pack1", StateUp)
	return c
}

// wantScan reads the next scan and fails the test unless its raw data is want.
func wantScan(t testing.TB, c *Client, want string) Event {
	t.Helper()
	ev := nextScan(t, c)
	if ev.Scan.Raw != want {
		t.Fatalf("scan %q, want %q (%+v)", ev.Scan.Raw, want, ev.Scan)
	}
	return ev
}

// waitUp waits until the daemon has the scanner open, without a client.
func (r *serialRig) waitUp(t testing.TB) {
	t.Helper()
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		r.d.hub.mu.Lock()
		defer r.d.hub.mu.Unlock()
		if st := r.d.hub.status["pack1"]; st.State != StateUp {
			return fmt.Errorf("scanner state %q (%s), want up", st.State, st.Error)
		}
		return nil
	})
}

// waitStats waits until get(d.Stats()) is want.
func waitStats(t testing.TB, d *Daemon, what string, get func(Stats) int, want int) {
	t.Helper()
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if got := get(d.Stats()); got != want {
			return fmt.Errorf("%s: %d, want %d", what, got, want)
		}
		return nil
	})
}

func statClients(st Stats) int { return st.Clients }

func TestBufferWhileNoClient(t *testing.T) {
	r := newSerialRig(t, func(c *DaemonConfig) { c.Buffer = 50 })
	r.waitUp(t)
	const n = 30
	for i := range n {
		r.write(t, testScan(i)+"\r\n")
	}
	waitStats(t, r.d, "buffered scans", func(st Stats) int { return st.Buffered }, n)
	c := dialTest(t, r.cfg.Socket)
	if ev := nextEvent(t, c); ev.Type != EventStatus || ev.State != StateUp {
		t.Fatalf("first event %+v, want the scanner's status", ev)
	}
	for i := range n {
		ev := nextEvent(t, c)
		if ev.Type != EventScan || ev.Scan.Raw != testScan(i) || ev.Seq != uint64(i+1) || ev.Device != "pack1" {
			t.Fatalf("event %d = %+v, want scan %q seq %d", i, ev, testScan(i), i+1)
		}
	}
	if st := r.d.Stats(); st.Buffered != 0 || st.Dropped != 0 {
		t.Fatalf("stats after delivery %+v", st)
	}
}

func TestBufferOverflowCountsDrops(t *testing.T) {
	r := newSerialRig(t, func(c *DaemonConfig) { c.Buffer = 10 })
	r.waitUp(t)
	const n = 25
	for i := range n {
		r.write(t, testScan(i)+"\r")
	}
	waitStats(t, r.d, "scans read", func(st Stats) int { return int(st.Scans) }, n)
	if st := r.d.Stats(); st.Buffered != 10 || st.Dropped != n-10 {
		t.Fatalf("stats %+v, want 10 buffered and %d dropped", st, n-10)
	}
	c := dialTest(t, r.cfg.Socket)
	waitStatusEvent := nextEvent(t, c)
	if waitStatusEvent.Type != EventStatus {
		t.Fatalf("first event %+v, want status", waitStatusEvent)
	}
	ov := nextEvent(t, c)
	if ov.Type != EventOverflow || ov.Dropped != n-10 || ov.DroppedTotal != n-10 {
		t.Fatalf("event %+v, want overflow of %d", ov, n-10)
	}
	// The newest scans survive, in order.
	for i := n - 10; i < n; i++ {
		ev := nextEvent(t, c)
		if ev.Type != EventScan || ev.Scan.Raw != testScan(i) || ev.Seq != uint64(i+1) {
			t.Fatalf("event = %+v, want scan %q seq %d", ev, testScan(i), i+1)
		}
	}
	// A second station is not told again.
	c2 := dialTest(t, r.cfg.Socket)
	if ev := nextEvent(t, c2); ev.Type != EventStatus {
		t.Fatalf("second station's first event %+v, want status", ev)
	}
	r.write(t, "AFTER\r")
	if ev := nextEvent(t, c2); ev.Type != EventScan || ev.Scan.Raw != "AFTER" {
		t.Fatalf("second station got %+v, want scan AFTER", ev)
	}
}

func TestManyClientsGetEveryScan(t *testing.T) {
	r := newSerialRig(t, nil)
	r.waitUp(t)
	clients := []*Client{dialTest(t, r.cfg.Socket), dialTest(t, r.cfg.Socket), dialTest(t, r.cfg.Socket)}
	for _, c := range clients {
		waitStatus(t, c, "pack1", StateUp)
	}
	waitStats(t, r.d, "clients", statClients, len(clients))
	for i := range 20 {
		r.write(t, testScan(i)+"\n")
	}
	for ci, c := range clients {
		for i := range 20 {
			if ev := nextScan(t, c); ev.Scan.Raw != testScan(i) {
				t.Fatalf("client %d scan %d = %q, want %q", ci, i, ev.Scan.Raw, testScan(i))
			}
		}
	}
}

func TestClientReconnectsToRestartedDaemon(t *testing.T) {
	dir := shortTempDir(t)
	cfg := testConfig(dir)
	cfg.Serial = []SerialConfig{{Path: filepath.Join(dir, "absent")}}
	d1, err := NewDaemon(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	done1 := make(chan error, 1)
	go func() { done1 <- d1.Run(ctx1) }()
	<-d1.Ready()
	c := dialTest(t, cfg.Socket)
	cancel1()
	if err := <-done1; err != nil {
		t.Fatal(err)
	}
	for {
		ev := nextEvent(t, c)
		if ev.Type == EventDaemon && ev.State == StateDown {
			break
		}
	}
	d2 := startDaemon(t, cfg)
	for {
		ev := nextEvent(t, c)
		if ev.Type == EventDaemon && ev.State == StateUp {
			break
		}
	}
	waitStats(t, d2, "clients of the new daemon", statClients, 1)
	d2.frame("manual", Frame{Data: []byte("X1")})
	if ev := nextScan(t, c); ev.Scan.Raw != "X1" || ev.Seq != 1 {
		t.Fatalf("scan after reconnect = %+v", ev)
	}
}

func TestScansAfterStationLeftAreBuffered(t *testing.T) {
	dir := shortTempDir(t)
	cfg := testConfig(dir)
	cfg.Serial = []SerialConfig{{Path: filepath.Join(dir, "absent")}}
	d := startDaemon(t, cfg)
	// A raw connection that never reads: the daemon's writes back up.
	raw, err := net.Dial("unix", cfg.Socket)
	if err != nil {
		t.Fatal(err)
	}
	waitStats(t, d, "stations connected", statClients, 1)
	raw.Close()
	waitStats(t, d, "stations connected", statClients, 0)
	for i := range 5 {
		d.frame("manual", Frame{Data: []byte(testScan(i))})
	}
	c := dialTest(t, cfg.Socket)
	for i := range 5 {
		if ev := nextScan(t, c); ev.Scan.Raw != testScan(i) {
			t.Fatalf("scan %d = %q", i, ev.Scan.Raw)
		}
	}
}

func TestCutScanIsAnError(t *testing.T) {
	r := newSerialRig(t, func(c *DaemonConfig) { c.Serial[0].MaxFrame = 8 })
	c := r.station(t)
	r.write(t, "0123456789ABCDEF\rOK\r")
	ev := nextScan(t, c)
	if ev.Scan.OK || !strings.Contains(ev.Scan.Error, "cut after 8 bytes") || ev.Scan.Raw != "01234567" {
		t.Fatalf("cut scan = %+v", ev.Scan)
	}
	wantScan(t, c, "OK")
	// The first 8 bytes of this long scan are a command on their own; cut,
	// they must not carry the command a station would act on.
	r.write(t, "CMD-DONE-AND-MORE\r")
	ev = nextScan(t, c)
	if s := ev.Scan; s.OK || s.Raw != "CMD-DONE" || s.Kind != KindUnknown || s.Value != "" || s.GTIN != "" || len(s.AIs) != 0 {
		t.Fatalf("cut scan carries a result: %+v", s)
	}
}

func TestSecondDaemonOnSameSocketFails(t *testing.T) {
	dir := shortTempDir(t)
	cfg := testConfig(dir)
	cfg.Serial = []SerialConfig{{Path: filepath.Join(dir, "absent")}}
	startDaemon(t, cfg)
	d2, err := NewDaemon(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	err = d2.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another scannerd") {
		t.Fatalf("second daemon: %v, want an error saying another scannerd serves the socket", err)
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	dir := shortTempDir(t)
	cfg := testConfig(dir)
	cfg.Serial = []SerialConfig{{Path: filepath.Join(dir, "absent")}}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: cfg.Socket, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	startDaemon(t, cfg)
	dialTest(t, cfg.Socket)
}

func TestRemoveRequeuesUnsentScans(t *testing.T) {
	h := newHub(slog.New(slog.DiscardHandler), 4, 16)
	a, b := net.Pipe()
	defer b.Close()
	s := &station{c: a, done: make(chan struct{}), q: make(chan Event, 8)}
	h.clients[s] = struct{}{}
	h.bufferLocked(Event{Type: EventScan, Seq: 9}) // a scan kept while the station was going away
	failed := Event{Type: EventScan, Seq: 5}
	s.q <- Event{Type: EventStatus}
	s.q <- Event{Type: EventScan, Seq: 6}
	h.remove(s, []Event{failed}, errors.New("broken pipe"))
	var got []uint64
	h.pending.drain(func(ev Event) { got = append(got, ev.Seq) })
	if fmt.Sprint(got) != "[5 6 9]" {
		t.Fatalf("pending seqs %v, want [5 6 9]", got)
	}
}

func TestRing(t *testing.T) {
	r := newRing(3)
	for i := 1; i <= 5; i++ {
		dropped := r.pushBack(Event{Seq: uint64(i)})
		if dropped != (i > 3) {
			t.Fatalf("push %d dropped=%v", i, dropped)
		}
	}
	if !r.pushFront(Event{Seq: 99}) {
		t.Fatal("pushFront into a full ring did not report a drop")
	}
	var got []uint64
	r.drain(func(ev Event) { got = append(got, ev.Seq) })
	if fmt.Sprint(got) != "[3 4 5]" {
		t.Fatalf("ring = %v, want [3 4 5]", got)
	}
	r.pushBack(Event{Seq: 7})
	r.pushFront(Event{Seq: 6})
	got = got[:0]
	r.drain(func(ev Event) { got = append(got, ev.Seq) })
	if fmt.Sprint(got) != "[6 7]" {
		t.Fatalf("ring = %v, want [6 7]", got)
	}
}
