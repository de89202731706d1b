// Package vprinter is a virtual Zebra printer on TCP: it stores every label
// it receives as a numbered .zpl file, answers ~HS from a simulated state and
// the SGD odometer query, and can be put into paper-out, head-open, paused,
// ribbon-out, not-answering and offline (refusing connections) at run time,
// through its Go API or its control HTTP endpoint (Handler).
package vprinter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/packline/packline/printers"
)

// State is the simulated printer state.
type State struct {
	PaperOut  bool `json:"paper_out"`
	HeadOpen  bool `json:"head_open"`
	RibbonOut bool `json:"ribbon_out"`
	Paused    bool `json:"paused"`
	// Offline closes the listener: connections are refused.
	Offline bool `json:"offline"`
	// Mute accepts connections but answers nothing, as a printer in some
	// fault states does.
	Mute bool `json:"mute"`
}

func (s State) faulted() bool { return s.PaperOut || s.HeadOpen || s.RibbonOut || s.Paused || s.Mute }

// Info is what the control endpoint reports.
type Info struct {
	State
	Addr    string `json:"addr"`
	Printed int64  `json:"printed"` // labels stored (the odometer)
	Held    int    `json:"held"`    // labels received and waiting for the fault to clear
}

// Server is a virtual printer.
type Server struct {
	dir string
	log *slog.Logger

	mu sync.Mutex // guards everything below
	// Lock should be held when touching these fields.
	addr    string
	ln      net.Listener
	state   State
	held    [][]byte
	printed int64
	conns   map[net.Conn]struct{}
	closed  bool
	// closeDelay keeps a job connection open this long after its data was
	// stored, widening the window in which a sender can die mid-send.
	closeDelay time.Duration
	wg         sync.WaitGroup
}

// New makes a printer that stores labels in dir, continuing the numbering
// (and the odometer) of the files already there.
func New(dir string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("vprinter label dir %s: %w", dir, err)
	}
	files, err := labelFiles(dir)
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, log: log, conns: map[net.Conn]struct{}{}}
	if len(files) > 0 {
		s.printed, _ = labelNumber(files[len(files)-1])
	}
	return s, nil
}

// labelNumber is the number of a stored label file NNNNNN.zpl; false for
// any other name.
func labelNumber(path string) (int64, bool) {
	name, ok := strings.CutSuffix(filepath.Base(path), ".zpl")
	if !ok || name == "" || strings.Trim(name, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(name, 10, 64)
	return n, err == nil
}

// labelFiles lists the stored labels in number order. Other files in the
// folder (a stray "1-copy.zpl") are ignored, so they can neither reset the
// numbering nor be taken for labels; past 999999 the names grow a digit
// and still sort by number.
func labelFiles(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "[0-9]*.zpl"))
	if err != nil {
		return nil, fmt.Errorf("vprinter label dir %s: %w", dir, err)
	}
	type numbered struct {
		n    int64
		path string
	}
	var files []numbered
	for _, m := range matches {
		if n, ok := labelNumber(m); ok {
			files = append(files, numbered{n, m})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].n < files[j].n })
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out, nil
}

// Listen starts accepting on addr (host:port; port 0 picks one).
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("vprinter listen %s: %w", addr, err)
	}
	s.mu.Lock()
	s.ln = ln
	s.addr = ln.Addr().String()
	s.mu.Unlock()
	s.wg.Add(1)
	go s.accept(ln)
	return nil
}

// Addr is the address the printer listens on (kept while offline).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Dir is the folder labels are stored in.
func (s *Server) Dir() string { return s.dir }

// Close stops the printer.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
		s.ln = nil
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed || s.state.Offline {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c)
	}
}

// Info reports state and counters.
func (s *Server) Info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Info{State: s.state, Addr: s.addr, Printed: s.printed, Held: len(s.held)}
}

// Set changes the simulated state. Going offline closes the listener and
// drops open connections; coming back listens on the same address again.
// Clearing the last fault prints the held labels.
func (s *Server) Set(st State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.state
	s.state = st
	if st.Offline && !was.Offline && s.ln != nil {
		s.ln.Close()
		s.ln = nil
		for c := range s.conns {
			c.Close()
		}
	}
	if !st.Offline && was.Offline && !s.closed {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			s.state.Offline = true
			return fmt.Errorf("vprinter back online on %s: %w", s.addr, err)
		}
		s.ln = ln
		s.wg.Add(1)
		go s.accept(ln)
	}
	if !st.faulted() {
		// Store the held labels in order; one that cannot be stored stays
		// held with those after it, so nothing received is lost.
		for len(s.held) > 0 {
			if err := s.storeLocked(s.held[0]); err != nil {
				return err
			}
			s.held = s.held[1:]
		}
		s.held = nil
	}
	s.log.Info("vprinter state", "state", fmt.Sprintf("%+v", st))
	return nil
}

// Update applies f to the current state and Sets the result.
func (s *Server) Update(f func(*State)) error {
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	f(&st)
	return s.Set(st)
}

func (s *Server) hostStatus() ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Mute {
		return nil, false
	}
	return printers.FormatHostStatus(printers.Status{
		PaperOut: s.state.PaperOut, HeadOpen: s.state.HeadOpen, RibbonOut: s.state.RibbonOut,
		Paused: s.state.Paused, FormatsInBuffer: len(s.held), LabelLengthDots: 1218,
	}), true
}

func (s *Server) odometer() ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Mute {
		return nil, false
	}
	return fmt.Appendf(nil, "\"%d\"", s.printed), true
}

// receive takes one complete label: stored at once, or held while faulted.
func (s *Server) receive(label []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.faulted() {
		s.held = append(s.held, label)
		return nil
	}
	return s.storeLocked(label)
}

// storeLocked writes the next numbered file and syncs it. Lock should be held.
func (s *Server) storeLocked(label []byte) error {
	n := s.printed + 1
	p := filepath.Join(s.dir, fmt.Sprintf("%06d.zpl", n))
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("vprinter store %s: %w", p, err)
	}
	_, err = f.Write(label)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("vprinter store %s: %w", p, err)
	}
	s.printed = n
	return nil
}

var (
	cmdHS       = []byte("~HS")
	cmdStart    = []byte("^XA")
	cmdEnd      = []byte("^XZ")
	cmdOdometer = []byte(`! U1 getvar "odometer.total_label_count"`)
)

// serve reads one connection: ~HS and the odometer query are answered at
// once, each ^XA...^XZ is a label; an incomplete label at EOF is dropped,
// as a printer drops a format cut off by a broken connection.
func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	var buf []byte
	tmp := make([]byte, 32<<10)
	for {
		c.SetReadDeadline(time.Now().Add(5 * time.Minute))
		n, err := c.Read(tmp)
		buf = append(buf, tmp[:n]...)
		for {
			var ok bool
			buf, ok = s.step(c, buf)
			if !ok {
				break
			}
		}
		if len(buf) > 16<<20 {
			s.log.Warn("vprinter: format too large, dropped", "bytes", len(buf))
			return
		}
		if err != nil {
			if len(bytes.TrimSpace(buf)) > 0 {
				s.log.Warn("vprinter: incomplete data dropped at close", "bytes", len(buf))
			}
			s.mu.Lock()
			d := s.closeDelay
			s.mu.Unlock()
			if d > 0 {
				time.Sleep(d)
			}
			return
		}
	}
}

// step handles the first complete command or label in buf and returns the
// rest; ok is false when buf needs more data.
func (s *Server) step(c net.Conn, buf []byte) ([]byte, bool) {
	hs := bytes.Index(buf, cmdHS)
	xa := bytes.Index(buf, cmdStart)
	od := bytes.Index(buf, cmdOdometer)
	first := -1
	for _, i := range []int{hs, xa, od} {
		if i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	switch {
	case first < 0:
		// Keep a tail that could be the start of a command.
		if len(buf) > len(cmdOdometer) {
			buf = buf[len(buf)-len(cmdOdometer):]
		}
		return buf, false
	case first == hs:
		if reply, ok := s.hostStatus(); ok {
			c.Write(reply)
		}
		return buf[hs+len(cmdHS):], true
	case first == od:
		if reply, ok := s.odometer(); ok {
			c.Write(reply)
		}
		return buf[od+len(cmdOdometer):], true
	}
	end := bytes.Index(buf[xa:], cmdEnd)
	if end < 0 {
		return buf, false
	}
	end += xa + len(cmdEnd)
	label := append([]byte(nil), buf[xa:end]...)
	if err := s.receive(label); err != nil {
		s.log.Error("vprinter", "err", err)
	}
	return buf[end:], true
}

// SetCloseDelay makes the printer wait d after storing a connection's labels
// before it closes the connection (tests use it to kill a station while it
// waits for the close).
func (s *Server) SetCloseDelay(d time.Duration) {
	s.mu.Lock()
	s.closeDelay = d
	s.mu.Unlock()
}

// Labels returns the stored label files in order.
func (s *Server) Labels() ([]string, error) { return labelFiles(s.dir) }

// Handler is the control endpoint:
//
//	GET  /state                       -> Info as JSON
//	POST /state?paper_out=1&paused=0  -> set the named flags (paper_out,
//	     head_open, ribbon_out, paused, offline, mute), then Info as JSON
//	POST /state?reset=1               -> clear every flag
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/state", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
		case http.MethodPost:
			if err := r.ParseForm(); err != nil {
				http.Error(w, fmt.Sprintf("vprinter control: %v", err), http.StatusBadRequest)
				return
			}
			if err := s.applyForm(r.Form); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		default:
			http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Info())
	})
	return mux
}

// applyForm checks every flag of a control request and only then sets the
// new state, so a request with a bad flag changes nothing. reset=1 clears
// every flag before the others in the same request are applied.
func (s *Server) applyForm(form url.Values) error {
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	if vs, ok := form["reset"]; ok {
		reset, err := strconv.ParseBool(vs[0])
		if err != nil {
			return fmt.Errorf("vprinter control: reset=%q: want 0/1/true/false", vs[0])
		}
		if reset {
			st = State{}
		}
	}
	flags := map[string]*bool{"paper_out": &st.PaperOut, "head_open": &st.HeadOpen, "ribbon_out": &st.RibbonOut,
		"paused": &st.Paused, "offline": &st.Offline, "mute": &st.Mute}
	for k, vs := range form {
		if k == "reset" {
			continue
		}
		p, ok := flags[k]
		if !ok {
			return fmt.Errorf("vprinter control: unknown flag %q (have paper_out, head_open, ribbon_out, paused, offline, mute, reset)", k)
		}
		v, err := strconv.ParseBool(vs[0])
		if err != nil {
			return fmt.Errorf("vprinter control: flag %s=%q: want 0/1/true/false", k, vs[0])
		}
		*p = v
	}
	if err := s.Set(st); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
