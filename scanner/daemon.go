package scanner

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// EventType says what an Event on the daemon socket carries.
type EventType string

// The event types on the daemon socket.
const (
	// EventScan carries one decoded scan.
	EventScan EventType = "scan"
	// EventStatus says a scanner came up or went down. On connect a
	// station first gets the current status of every scanner.
	EventStatus EventType = "status"
	// EventOverflow says the buffer kept while no station was connected
	// was full, and how many scans (the oldest) were dropped.
	EventOverflow EventType = "overflow"
	// EventDaemon is made by Client, never sent by the daemon: the
	// connection to the daemon was lost (State down) or made (State up).
	EventDaemon EventType = "daemon"
)

// Event is one JSON line on the daemon socket.
type Event struct {
	// Type says which of the other fields are set.
	Type EventType `json:"type"`
	// Run identifies the daemon process; Seq restarts when Run changes.
	Run string `json:"run,omitempty"`
	// Seq numbers scans 1, 2, 3... across all scanners of one run. A scan
	// whose delivery failed is delivered again with the same Seq, so a
	// station may see a Seq twice, never a gap that is not reported in
	// an overflow event.
	Seq uint64 `json:"seq,omitempty"`
	// Time is when the scan's last byte arrived, or the state changed.
	Time time.Time `json:"time"`
	// Device is the configured scanner name.
	Device string `json:"device,omitempty"`
	// Scan is the decoded scan of a scan event.
	Scan *Scan `json:"scan,omitempty"`
	// State is the scanner's (or, for daemon events, the daemon
	// connection's) new state.
	State DeviceState `json:"state,omitempty"`
	// Error says why a scanner or connection is down.
	Error string `json:"error,omitempty"`
	// Dropped is how many scans were dropped since the last overflow event.
	Dropped uint64 `json:"dropped,omitempty"`
	// DroppedTotal is how many scans this run has dropped in all.
	DroppedTotal uint64 `json:"dropped_total,omitempty"`
}

// Stats is a snapshot of the daemon's delivery counters.
type Stats struct {
	// Clients is the number of connected stations.
	Clients int
	// Buffered is the number of scans waiting for a station.
	Buffered int
	// Dropped is how many scans were dropped since the start.
	Dropped uint64
	// Scans is how many scans were read since the start.
	Scans uint64
}

// Daemon reads the configured scanners, decodes their scans and serves
// them on a Unix socket as JSON lines (one Event each) to any number of
// stations.
type Daemon struct {
	cfg   DaemonConfig
	log   *slog.Logger
	dec   *Decoder
	hub   *hub
	ready chan struct{}
}

// NewDaemon returns a daemon for cfg, logging to log.
func NewDaemon(cfg DaemonConfig, log *slog.Logger) (*Daemon, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("scannerd config: %w", err)
	}
	if len(cfg.Serial) == 0 && len(cfg.HID) == 0 && !cfg.Autodetect {
		return nil, fmt.Errorf("scannerd config: %w", errNoScanners)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Daemon{
		cfg:   cfg,
		log:   log,
		dec:   NewDecoder(cfg.Decode),
		hub:   newHub(log, cfg.Buffer, cfg.ClientQueue),
		ready: make(chan struct{}),
	}, nil
}

// Ready is closed once the socket accepts connections.
func (d *Daemon) Ready() <-chan struct{} { return d.ready }

// Stats returns the daemon's delivery counters.
func (d *Daemon) Stats() Stats { return d.hub.stats() }

// Run serves until ctx ends, then closes the scanners and the socket.
func (d *Daemon) Run(ctx context.Context) error {
	mode, err := d.cfg.socketMode()
	if err != nil {
		return err
	}
	ln, err := listenUnix(d.cfg.Socket, mode)
	if err != nil {
		return err
	}
	d.log.Info("scannerd listening", "socket", d.cfg.Socket, "run", d.hub.run)
	close(d.ready)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	started := map[string]bool{}
	for _, spec := range d.specs() {
		started[spec.path] = true
		wg.Go(func() { d.supervise(ctx, spec) })
	}
	if d.cfg.Autodetect {
		wg.Go(func() { d.autodetect(ctx, &wg, started) })
	}
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
					return
				}
				d.log.Warn("accept station", "error", err)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			d.hub.serve(c)
		}
	}()
	<-ctx.Done()
	ln.Close()
	<-acceptDone
	wg.Wait()
	d.hub.closeAll()
	st := d.hub.stats()
	d.log.Info("scannerd stopped", "scans", st.Scans, "dropped", st.Dropped, "undelivered", st.Buffered)
	return nil
}

func (d *Daemon) supervise(ctx context.Context, spec deviceSpec) {
	s := &supervisor{
		spec:    spec,
		reopen:  d.cfg.Reopen.Duration,
		log:     d.log,
		onFrame: d.frame,
		onState: d.hub.publishStatus,
	}
	s.run(ctx)
}

// specs lists the configured scanners.
func (d *Daemon) specs() []deviceSpec {
	var specs []deviceSpec
	for _, s := range d.cfg.Serial {
		s = s.withDefaults()
		specs = append(specs, serialSpec(s))
	}
	for _, h := range d.cfg.HID {
		h = h.withDefaults()
		specs = append(specs, deviceSpec{name: h.Name, kind: "hid", path: h.Path, open: func() (device, error) { return openHID(h) }})
	}
	return specs
}

func serialSpec(s SerialConfig) deviceSpec {
	return deviceSpec{name: s.Name, kind: "serial", path: s.Path, open: func() (device, error) { return openSerial(s) }}
}

// autodetect starts a supervisor for each serial port of a known scanner
// vendor that shows up and is not configured. Its supervisor then keeps
// looking for it if it goes away.
func (d *Daemon) autodetect(ctx context.Context, wg *sync.WaitGroup, started map[string]bool) {
	t := time.NewTicker(d.cfg.Reopen.Duration)
	defer t.Stop()
	for {
		ports, err := ListSerial()
		if err != nil {
			d.log.Debug("autodetect serial ports", "error", err)
		}
		for _, p := range ports {
			if p.Vendor == "" || started[p.Path] {
				continue
			}
			started[p.Path] = true
			s := d.cfg.SerialDefaults
			s.Path = p.Path
			if s.Name == "" {
				s.Name = filepath.Base(p.Path)
			}
			s = s.withDefaults()
			d.log.Info("scanner autodetected", "path", p.Path, "vendor", p.Vendor, "vid", p.VID, "pid", p.PID)
			wg.Go(func() { d.supervise(ctx, serialSpec(s)) })
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// frame decodes one framed scan and hands it to the stations.
func (d *Daemon) frame(device string, fr Frame) {
	now := time.Now()
	sc := d.dec.Decode(fr.Data)
	var bad error
	if fr.Cut {
		bad = fmt.Errorf("scan from %s longer than the frame limit: cut after %d bytes", device, len(fr.Data))
		d.log.Warn("scan cut", "device", device, "bytes", len(fr.Data))
	}
	if fr.Damaged {
		bad = fmt.Errorf("key events from %s were lost while this scan was typed: scan it again", device)
		d.log.Warn("scan damaged by lost key events", "device", device)
	}
	if bad != nil {
		// What the cut or damaged bytes decode to is not what was scanned
		// (the first bytes of a long scan can read as CMD-DONE): keep only
		// the raw data, never a kind, GTIN or value a station could act on.
		sc = failed(Scan{Raw: sc.Raw, Symbology: sc.Symbology, AIM: sc.AIM, Data: sc.Data, Kind: KindUnknown}, bad)
	}
	d.hub.publishScan(Event{Type: EventScan, Time: now, Device: device, Scan: &sc})
}

// listenUnix listens on the socket path, replacing a stale socket file
// left by a daemon that died, but not one another daemon still serves.
func listenUnix(path string, mode os.FileMode) (*net.UnixListener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create socket directory for %s: %w", path, err)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("socket %s: a file that is not a socket is in the way", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("socket %s: another scannerd is serving it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale socket %s: %w", path, err)
		}
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on socket %s: %w", path, err)
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("chmod socket %s: %w", path, err)
	}
	return ln, nil
}

// hub fans events out to the connected stations and buffers scans while
// none is connected.
type hub struct {
	log      *slog.Logger
	run      string
	queueLen int

	mu sync.Mutex
	// Lock must be held for everything below.
	clients      map[*station]struct{}
	pending      ring
	seq          uint64
	dropped      uint64 // since the last overflow event
	droppedTotal uint64
	warnedFull   bool
	status       map[string]Event
}

func newHub(log *slog.Logger, buffer, queueLen int) *hub {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &hub{
		log:      log,
		run:      hex.EncodeToString(b[:]),
		queueLen: queueLen,
		clients:  map[*station]struct{}{},
		pending:  newRing(buffer),
		status:   map[string]Event{},
	}
}

// station is one connected client.
type station struct {
	c    net.Conn
	q    chan Event
	dead bool // Lock (hub.mu) must be held; no more events are queued once set
	done chan struct{}
	once sync.Once
}

func (s *station) stop() { s.once.Do(func() { close(s.done) }) }

func (h *hub) stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Stats{Clients: len(h.clients), Buffered: h.pending.len(), Dropped: h.droppedTotal, Scans: h.seq}
}

func (h *hub) publishScan(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	ev.Seq = h.seq
	ev.Run = h.run
	delivered := false
	for s := range h.clients {
		if h.offer(s, ev) {
			delivered = true
		}
	}
	if !delivered {
		h.bufferLocked(ev)
	}
}

// offer queues ev for s without blocking. A station that has fallen a
// whole queue behind is disconnected (it will reconnect) rather than
// holding up the scanners. Lock must be held.
func (h *hub) offer(s *station, ev Event) bool {
	if s.dead {
		return false
	}
	select {
	case s.q <- ev:
		return true
	default:
		h.log.Warn("station too slow, disconnecting it", "remote", s.c.RemoteAddr().String(), "queue", cap(s.q))
		s.dead = true
		s.stop()
		return false
	}
}

// bufferLocked keeps a scan for the next station. Lock must be held.
func (h *hub) bufferLocked(ev Event) {
	if h.pending.pushBack(ev) {
		h.dropLocked()
	}
}

func (h *hub) dropLocked() {
	h.dropped++
	h.droppedTotal++
	if !h.warnedFull {
		h.warnedFull = true
		h.log.Warn("no station connected and the scan buffer is full: dropping the oldest scans", "buffer", h.pending.cap())
	}
}

func (h *hub) publishStatus(device string, state DeviceState, err error) {
	ev := Event{Type: EventStatus, Run: h.run, Time: time.Now(), Device: device, State: state, Error: errString(err)}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.status[device] = ev
	for s := range h.clients {
		h.offer(s, ev)
	}
}

// serve takes a new station connection.
func (h *hub) serve(c net.Conn) {
	h.mu.Lock()
	s := &station{c: c, done: make(chan struct{}), q: make(chan Event, h.queueLen+h.pending.cap()+len(h.status)+1)}
	devices := make([]string, 0, len(h.status))
	for d := range h.status {
		devices = append(devices, d)
	}
	sort.Strings(devices)
	for _, d := range devices {
		s.q <- h.status[d]
	}
	if h.dropped > 0 {
		s.q <- Event{Type: EventOverflow, Run: h.run, Time: time.Now(), Dropped: h.dropped, DroppedTotal: h.droppedTotal}
		h.log.Warn("station told of dropped scans", "dropped", h.dropped, "dropped_total", h.droppedTotal)
		h.dropped = 0
	}
	buffered := h.pending.len()
	h.pending.drain(func(ev Event) { s.q <- ev })
	h.warnedFull = false
	h.clients[s] = struct{}{}
	n := len(h.clients)
	h.mu.Unlock()
	h.log.Info("station connected", "stations", n, "buffered_scans", buffered)

	go func() {
		// Stations send nothing; reading tells when one hangs up.
		_, _ = io.Copy(io.Discard, c)
		h.markDead(s)
		s.stop()
	}()
	go h.write(s)
}

func (h *hub) markDead(s *station) {
	h.mu.Lock()
	s.dead = true
	h.mu.Unlock()
}

// write sends queued events to s until it fails or goes away.
func (h *hub) write(s *station) {
	bw := bufio.NewWriterSize(s.c, 16<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var unsent []Event
	var failErr error
	for failErr == nil {
		select {
		case <-s.done:
			failErr = io.EOF
		case ev := <-s.q:
			unsent = append(unsent, ev)
			if err := enc.Encode(ev); err != nil {
				failErr = err
				break
			}
			// Batch what is already queued into one write.
			if len(s.q) > 0 && bw.Buffered() < 12<<10 {
				continue
			}
			_ = s.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := bw.Flush(); err != nil {
				failErr = err
				break
			}
			unsent = unsent[:0]
		}
	}
	h.remove(s, unsent, failErr)
}

// remove forgets s. The scans it was handed but did not send go back to
// the front of the buffer when no other station got them.
func (h *hub) remove(s *station, unsent []Event, cause error) {
	s.c.Close()
	h.mu.Lock()
	s.dead = true
	delete(h.clients, s)
drain:
	for {
		select {
		case ev := <-s.q:
			unsent = append(unsent, ev)
		default:
			break drain
		}
	}
	requeued := 0
	if len(h.clients) == 0 {
		for i := len(unsent) - 1; i >= 0; i-- {
			if unsent[i].Type != EventScan {
				continue
			}
			if h.pending.pushFront(unsent[i]) {
				h.dropLocked()
			} else {
				requeued++
			}
		}
	}
	n := len(h.clients)
	h.mu.Unlock()
	attrs := []any{"stations", n, "requeued_scans", requeued}
	if cause != nil && !errors.Is(cause, io.EOF) && !strings.Contains(cause.Error(), "use of closed") {
		attrs = append(attrs, "error", cause.Error())
	}
	h.log.Info("station disconnected", attrs...)
}

// closeAll disconnects every station.
func (h *hub) closeAll() {
	h.mu.Lock()
	for s := range h.clients {
		s.dead = true
		s.stop()
	}
	h.mu.Unlock()
}

// ring is a bounded FIFO of events that drops its oldest when full.
type ring struct {
	buf  []Event
	head int
	n    int
}

func newRing(size int) ring { return ring{buf: make([]Event, size)} }

func (r *ring) len() int { return r.n }
func (r *ring) cap() int { return len(r.buf) }

// pushBack appends ev, dropping the oldest event when full; it reports
// whether one was dropped.
func (r *ring) pushBack(ev Event) bool {
	if r.n == len(r.buf) {
		r.buf[r.head] = ev
		r.head = (r.head + 1) % len(r.buf)
		return true
	}
	r.buf[(r.head+r.n)%len(r.buf)] = ev
	r.n++
	return false
}

// pushFront puts ev before the others. When full, ev is the oldest and is
// dropped instead; it reports whether that happened.
func (r *ring) pushFront(ev Event) bool {
	if r.n == len(r.buf) {
		return true
	}
	r.head = (r.head - 1 + len(r.buf)) % len(r.buf)
	r.buf[r.head] = ev
	r.n++
	return false
}

// drain hands every event to fn, oldest first, and empties the ring.
func (r *ring) drain(fn func(Event)) {
	for r.n > 0 {
		fn(r.buf[r.head])
		r.buf[r.head] = Event{}
		r.head = (r.head + 1) % len(r.buf)
		r.n--
	}
}

// parseLogLevel reads a log_level setting.
func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log_level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// NewLogger returns the JSON logger scannerd uses, writing to w at the
// config's level.
func NewLogger(w io.Writer, c DaemonConfig) (*slog.Logger, error) {
	l, err := parseLogLevel(c.LogLevel)
	if err != nil {
		return nil, err
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}
