package printers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"go.bug.st/serial"
)

// Transport delivers ZPL to one printer and reads its status.
//
// Send returns nil when the whole job was handed over, an error wrapping
// ErrCannotConnect when nothing was sent (a retry cannot print twice), and
// an error wrapping ErrInDoubt when some or all bytes may have reached the
// printer without a clean finish.
type Transport interface {
	Send(ctx context.Context, zpl []byte) error
	Status(ctx context.Context) (Status, error)
	String() string
}

// OdometerReader is implemented by transports that can read the printer's
// lifetime printed-label count; the spooler uses it to settle jobs whose
// delivery is in doubt.
type OdometerReader interface {
	Odometer(ctx context.Context) (int64, error)
}

// Timeouts for talking to a printer. Zero values take the defaults.
type Timeouts struct {
	Dial   time.Duration // connect; default 3s
	Write  time.Duration // write one job; default 30s
	Close  time.Duration // wait for the printer to close after a job; default 10s
	Answer time.Duration // wait for a ~HS or getvar answer; default 3s
}

func (t Timeouts) withDefaults() Timeouts {
	if t.Dial <= 0 {
		t.Dial = 3 * time.Second
	}
	if t.Write <= 0 {
		t.Write = 30 * time.Second
	}
	if t.Close <= 0 {
		t.Close = 10 * time.Second
	}
	if t.Answer <= 0 {
		t.Answer = 3 * time.Second
	}
	return t
}

// TCP is a printer on raw TCP port 9100: one job per connection, and the
// next job only after this connection is closed, so jobs never interleave.
type TCP struct {
	Addr     string
	Timeouts Timeouts
}

// String names the printer address.
func (p *TCP) String() string { return "tcp://" + p.Addr }

func (p *TCP) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: p.Timeouts.withDefaults().Dial}
	c, err := d.DialContext(ctx, "tcp", p.Addr)
	if err != nil {
		return nil, fmt.Errorf("printer %s: %w: %w", p.Addr, ErrCannotConnect, err)
	}
	return c, nil
}

// Send writes the job, half-closes the connection and waits until the
// printer closes its side: the job has then been taken in whole.
func (p *TCP) Send(ctx context.Context, zpl []byte) error {
	to := p.Timeouts.withDefaults()
	c, err := p.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	c.SetWriteDeadline(time.Now().Add(to.Write))
	n, err := c.Write(zpl)
	if err != nil {
		if n == 0 {
			return fmt.Errorf("printer %s: send: %w: %w", p.Addr, ErrCannotConnect, err)
		}
		return fmt.Errorf("printer %s: send after %d of %d bytes: %w: %w", p.Addr, n, len(zpl), ErrInDoubt, err)
	}
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.CloseWrite(); err != nil {
			return fmt.Errorf("printer %s: close write: %w: %w", p.Addr, ErrInDoubt, err)
		}
	}
	c.SetReadDeadline(time.Now().Add(to.Close))
	if _, err := io.Copy(io.Discard, c); err != nil {
		return fmt.Errorf("printer %s: wait for close: %w: %w", p.Addr, ErrInDoubt, err)
	}
	return nil
}

// Status sends ~HS on its own connection and parses the reply. A printer
// that accepts the connection but does not answer is ErrNotAnswering.
func (p *TCP) Status(ctx context.Context) (Status, error) {
	b, err := p.ask(ctx, []byte("~HS"), completeHostStatus)
	if err != nil {
		return Status{}, err
	}
	st, err := ParseHostStatus(b)
	if err != nil {
		return Status{}, fmt.Errorf("printer %s: %w", p.Addr, err)
	}
	return st, nil
}

// Odometer reads odometer.total_label_count over SGD (Link-OS printers).
func (p *TCP) Odometer(ctx context.Context) (int64, error) {
	b, err := p.ask(ctx, []byte(odometerQuery), func(b []byte) bool { return bytes.Count(b, []byte{'"'}) >= 2 })
	if err != nil {
		return 0, err
	}
	n, ok := parseOdometer(b)
	if !ok {
		return 0, fmt.Errorf("printer %s: odometer reply %q: %w", p.Addr, b, ErrNoOdometer)
	}
	return n, nil
}

func (p *TCP) ask(ctx context.Context, q []byte, done func([]byte) bool) ([]byte, error) {
	to := p.Timeouts.withDefaults()
	c, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	c.SetDeadline(time.Now().Add(to.Answer))
	if _, err := c.Write(q); err != nil {
		return nil, fmt.Errorf("printer %s: %w: %w", p.Addr, ErrNotAnswering, err)
	}
	return readAnswer(c, done, p.Addr)
}

func readAnswer(r io.Reader, done func([]byte) bool, where string) ([]byte, error) {
	var buf []byte
	tmp := make([]byte, 512)
	for !done(buf) {
		n, err := r.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if len(buf) > 64<<10 {
			return nil, fmt.Errorf("printer %s: %w: reply too long", where, ErrBadStatus)
		}
		if err != nil {
			if done(buf) {
				break
			}
			return nil, fmt.Errorf("printer %s: %w: %w", where, ErrNotAnswering, err)
		}
	}
	return buf, nil
}

// Serial is a printer on a serial port (go.bug.st/serial).
type Serial struct {
	Port     string
	Baud     int // default 9600
	Timeouts Timeouts
}

// String names the port.
func (p *Serial) String() string { return "serial://" + p.Port }

func (p *Serial) open() (serial.Port, error) {
	baud := p.Baud
	if baud == 0 {
		baud = 9600
	}
	port, err := serial.Open(p.Port, &serial.Mode{BaudRate: baud})
	if err != nil {
		return nil, fmt.Errorf("printer %s: %w: %w", p.Port, ErrCannotConnect, err)
	}
	return port, nil
}

// Send writes the job and waits until it has left the port.
func (p *Serial) Send(ctx context.Context, zpl []byte) error {
	port, err := p.open()
	if err != nil {
		return err
	}
	defer port.Close()
	n, err := port.Write(zpl)
	if err == nil {
		err = port.Drain()
	}
	if err != nil {
		if n == 0 {
			return fmt.Errorf("printer %s: send: %w: %w", p.Port, ErrCannotConnect, err)
		}
		return fmt.Errorf("printer %s: send: %w: %w", p.Port, ErrInDoubt, err)
	}
	return nil
}

// Status sends ~HS and reads the reply within the answer timeout.
func (p *Serial) Status(ctx context.Context) (Status, error) {
	port, err := p.open()
	if err != nil {
		return Status{}, err
	}
	defer port.Close()
	to := p.Timeouts.withDefaults()
	if _, err := port.Write([]byte("~HS")); err != nil {
		return Status{}, fmt.Errorf("printer %s: %w: %w", p.Port, ErrNotAnswering, err)
	}
	deadline := time.Now().Add(to.Answer)
	var buf []byte
	tmp := make([]byte, 256)
	for !completeHostStatus(buf) {
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return Status{}, fmt.Errorf("printer %s: %w", p.Port, ErrNotAnswering)
		}
		port.SetReadTimeout(left)
		n, err := port.Read(tmp)
		if err != nil {
			return Status{}, fmt.Errorf("printer %s: %w: %w", p.Port, ErrNotAnswering, err)
		}
		buf = append(buf, tmp[:n]...)
	}
	st, err := ParseHostStatus(buf)
	if err != nil {
		return Status{}, fmt.Errorf("printer %s: %w", p.Port, err)
	}
	return st, nil
}

// DeviceFile is a printer behind a device file such as /dev/usb/lp0.
type DeviceFile struct {
	Path     string
	Timeouts Timeouts
}

// String names the device.
func (p *DeviceFile) String() string { return "file://" + p.Path }

// Send writes the job to the device.
func (p *DeviceFile) Send(ctx context.Context, zpl []byte) error {
	f, err := os.OpenFile(p.Path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("printer %s: %w: %w", p.Path, ErrCannotConnect, err)
	}
	n, err := f.Write(zpl)
	cerr := f.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		if n == 0 {
			return fmt.Errorf("printer %s: send: %w: %w", p.Path, ErrCannotConnect, err)
		}
		return fmt.Errorf("printer %s: send: %w: %w", p.Path, ErrInDoubt, err)
	}
	return nil
}

// Status writes ~HS to the device and reads the reply (usblp supports
// reading back); no reply within the timeout is ErrNotAnswering.
func (p *DeviceFile) Status(ctx context.Context) (Status, error) {
	f, err := os.OpenFile(p.Path, os.O_RDWR, 0)
	if err != nil {
		return Status{}, fmt.Errorf("printer %s: %w: %w", p.Path, ErrCannotConnect, err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("~HS")); err != nil {
		return Status{}, fmt.Errorf("printer %s: %w: %w", p.Path, ErrNotAnswering, err)
	}
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := readAnswer(f, completeHostStatus, p.Path)
		ch <- result{b, err}
	}()
	t := time.NewTimer(p.Timeouts.withDefaults().Answer)
	defer t.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			return Status{}, r.err
		}
		st, err := ParseHostStatus(r.b)
		if err != nil {
			return Status{}, fmt.Errorf("printer %s: %w", p.Path, err)
		}
		return st, nil
	case <-t.C:
	case <-ctx.Done():
	}
	f.Close() // unblocks the reader
	return Status{}, fmt.Errorf("printer %s: %w", p.Path, ErrNotAnswering)
}

// CUPS is a raw CUPS queue reached through the lp command, for printers that
// are already set up in CUPS. CUPS cannot relay ~HS, so Status reports only
// whether the queue is enabled (a disabled queue shows as paused).
type CUPS struct {
	Queue  string
	LP     string // lp command; default "lp"
	LPStat string // lpstat command; default "lpstat"
}

// String names the queue.
func (p *CUPS) String() string { return "cups://" + p.Queue }

// Send submits the job with lp -o raw. When lp fails CUPS has not taken the
// job, so that is ErrCannotConnect.
func (p *CUPS) Send(ctx context.Context, zpl []byte) error {
	lp := p.LP
	if lp == "" {
		lp = "lp"
	}
	cmd := exec.CommandContext(ctx, lp, "-d", p.Queue, "-o", "raw")
	cmd.Stdin = bytes.NewReader(zpl)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cups queue %s: lp: %w: %w: %s", p.Queue, ErrCannotConnect, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// Status asks lpstat whether the queue exists and is enabled.
func (p *CUPS) Status(ctx context.Context) (Status, error) {
	lpstat := p.LPStat
	if lpstat == "" {
		lpstat = "lpstat"
	}
	out, err := exec.CommandContext(ctx, lpstat, "-p", p.Queue).CombinedOutput()
	if err != nil {
		return Status{}, fmt.Errorf("cups queue %s: lpstat: %w: %w: %s", p.Queue, ErrCannotConnect, err, strings.TrimSpace(string(out)))
	}
	return Status{Paused: strings.Contains(string(out), "disabled")}, nil
}

// Open returns the transport for a printer URL:
//
//	tcp://HOST:9100              raw TCP (port 9100 when omitted)
//	serial:///dev/ttyUSB0?baud=9600
//	file:///dev/usb/lp0
//	cups://QUEUE
func Open(raw string, to Timeouts) (Transport, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("printer url %q: %w", raw, err)
	}
	switch u.Scheme {
	case "tcp":
		host := u.Host
		if host == "" {
			return nil, fmt.Errorf("printer url %q: no host", raw)
		}
		if _, _, err := net.SplitHostPort(host); err != nil {
			host = net.JoinHostPort(host, "9100")
		}
		return &TCP{Addr: host, Timeouts: to}, nil
	case "serial":
		if u.Path == "" {
			return nil, fmt.Errorf("printer url %q: no port path", raw)
		}
		baud := 9600
		if b := u.Query().Get("baud"); b != "" {
			baud, err = strconv.Atoi(b)
			if err != nil || baud <= 0 {
				return nil, fmt.Errorf("printer url %q: baud %q", raw, b)
			}
		}
		return &Serial{Port: u.Path, Baud: baud, Timeouts: to}, nil
	case "file":
		if u.Path == "" {
			return nil, fmt.Errorf("printer url %q: no device path", raw)
		}
		return &DeviceFile{Path: u.Path, Timeouts: to}, nil
	case "cups":
		if u.Host == "" {
			return nil, fmt.Errorf("printer url %q: no queue", raw)
		}
		return &CUPS{Queue: u.Host}, nil
	}
	return nil, fmt.Errorf("printer url %q: scheme %q: %w", raw, u.Scheme, errors.ErrUnsupported)
}
