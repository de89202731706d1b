package scanner

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// HIDConfig configures one USB HID scanner in keyboard mode, read through
// Linux evdev.
type HIDConfig struct {
	// Name identifies the scanner in events and logs; empty means the base
	// name of Path.
	Name string `toml:"name"`
	// Path is the evdev node. A /dev/input/by-id/...-event-kbd link keeps
	// naming the same scanner across replugging; /dev/input/eventN does not.
	Path string `toml:"path"`
	// Layout is the keyboard layout the scanner is set to type in: us or
	// de; empty means us.
	Layout string `toml:"layout"`
	// NoGrab leaves the device ungrabbed, so its keystrokes also reach the
	// console or desktop. Only for debugging.
	NoGrab bool `toml:"no_grab"`
	// InterCharTimeout ends a scan after this long without a key, for
	// scanners set to send no Enter or Tab. 0 means off.
	InterCharTimeout Duration `toml:"inter_char_timeout"`
	// MaxFrame is the longest scan in bytes; 0 means 4096.
	MaxFrame int `toml:"max_frame"`
}

func (c HIDConfig) withDefaults() HIDConfig {
	if c.Name == "" && c.Path != "" {
		c.Name = filepath.Base(c.Path)
	}
	if c.Layout == "" {
		c.Layout = "us"
	}
	return c
}

// Validate checks c (after defaults) and names the bad field.
func (c HIDConfig) Validate() error {
	c = c.withDefaults()
	if c.Path == "" {
		return errors.New("path is empty")
	}
	if _, err := LayoutByName(c.Layout); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	return c.framerConfig().Validate()
}

func (c HIDConfig) framerConfig() FramerConfig {
	return FramerConfig{End: FrameEndAuto, InterCharTimeout: c.InterCharTimeout.Duration, Max: c.MaxFrame}
}

// Event types and the EVIOCGRAB request from linux/input.h.
const (
	evSyn      = 0x00
	evKey      = 0x01
	synDropped = 0x03
	eviocgrab  = 0x40044590 // _IOW('E', 0x90, int)
)

// InputEvent is one Linux input event (struct input_event) without its
// timestamp.
type InputEvent struct {
	// Type is the event type: 1 EV_KEY, 0 EV_SYN, 4 EV_MSC, ...
	Type uint16
	// Code is the key code for EV_KEY.
	Code uint16
	// Value is 1 press, 0 release, 2 autorepeat for EV_KEY.
	Value int32
}

// inputEventSize is sizeof(struct input_event): two longs of time, then
// type, code and value.
var inputEventSize = 2*strconv.IntSize/8 + 8

// parseInputEvents decodes whole struct input_event records in native
// byte order from p and returns them with the count of bytes used.
func parseInputEvents(p []byte) ([]InputEvent, int) {
	n := len(p) / inputEventSize
	evs := make([]InputEvent, 0, n)
	for i := 0; i < n; i++ {
		rec := p[i*inputEventSize : (i+1)*inputEventSize]
		off := inputEventSize - 8
		evs = append(evs, InputEvent{
			Type:  binary.NativeEndian.Uint16(rec[off:]),
			Code:  binary.NativeEndian.Uint16(rec[off+2:]),
			Value: int32(binary.NativeEndian.Uint32(rec[off+4:])),
		})
	}
	return evs, n * inputEventSize
}

// appendInputEvent encodes ev as a struct input_event stamped t, as the
// kernel delivers it; used by tests and recorders.
func appendInputEvent(dst []byte, ev InputEvent, t time.Time) []byte {
	word := strconv.IntSize / 8
	rec := make([]byte, inputEventSize)
	if word == 8 {
		binary.NativeEndian.PutUint64(rec[0:], uint64(t.Unix()))
		binary.NativeEndian.PutUint64(rec[8:], uint64(t.Nanosecond()/1000))
	} else {
		binary.NativeEndian.PutUint32(rec[0:], uint32(t.Unix()))
		binary.NativeEndian.PutUint32(rec[4:], uint32(t.Nanosecond()/1000))
	}
	off := 2 * word
	binary.NativeEndian.PutUint16(rec[off:], ev.Type)
	binary.NativeEndian.PutUint16(rec[off+2:], ev.Code)
	binary.NativeEndian.PutUint32(rec[off+4:], uint32(ev.Value))
	return append(dst, rec...)
}

// hidDevice is an open evdev scanner.
type hidDevice struct {
	path    string
	r       io.ReadCloser
	keys    *KeyDecoder
	framer  *Framer
	damaged bool // events were lost; the next scan is marked damaged
}

// openHID opens and grabs the evdev node c names.
func openHID(c HIDConfig) (*hidDevice, error) {
	c = c.withDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("hid scanner %s: %w", c.Name, err)
	}
	f, err := os.OpenFile(c.Path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("open hid scanner %s: %w", c.Path, err)
	}
	if !c.NoGrab {
		if err := grab(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("grab hid scanner %s: %w", c.Path, err)
		}
	}
	d, err := newHIDDevice(c, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

// newHIDDevice reads input events from r, which is an evdev node or, in
// tests, a pipe.
func newHIDDevice(c HIDConfig, r io.ReadCloser) (*hidDevice, error) {
	c = c.withDefaults()
	l, err := LayoutByName(c.Layout)
	if err != nil {
		return nil, fmt.Errorf("hid scanner %s: layout: %w", c.Name, err)
	}
	fr, err := NewFramer(c.framerConfig())
	if err != nil {
		return nil, fmt.Errorf("hid scanner %s: %w", c.Name, err)
	}
	return &hidDevice{path: c.Path, r: r, keys: NewKeyDecoder(l), framer: fr}, nil
}

// grab takes the device for this process alone (EVIOCGRAB), so the
// scanner's keystrokes do not also type into the console.
func grab(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ioErr error
	if err := rc.Control(func(fd uintptr) {
		ioErr = unix.IoctlSetInt(int(fd), eviocgrab, 1)
	}); err != nil {
		return err
	}
	return ioErr
}

// deadliner is what an *os.File on a pollable device offers.
type deadliner interface{ SetReadDeadline(time.Time) error }

// readFrames reads key events until the device fails or is closed.
func (d *hidDevice) readFrames(emit func(Frame)) error {
	buf := make([]byte, 64*inputEventSize)
	var carry int
	var typed []byte
	dl, _ := d.r.(deadliner)
	timeout := d.framer.Timeout()
	for {
		if dl != nil && timeout > 0 {
			// Errors mean the device cannot time out reads; the scan then
			// ends at the next key instead.
			_ = dl.SetReadDeadline(time.Now().Add(max(timeout/2, time.Millisecond)))
		}
		n, err := d.r.Read(buf[carry:])
		now := time.Now()
		if n > 0 {
			evs, used := parseInputEvents(buf[:carry+n])
			typed = typed[:0]
			for _, ev := range evs {
				switch {
				case ev.Type == evKey:
					typed = d.keys.Key(ev.Code, ev.Value, typed)
				case ev.Type == evSyn && ev.Code == synDropped:
					// The kernel's buffer overflowed and key events were
					// lost: the scan being typed is incomplete, and so may
					// be the modifier state.
					d.feed(typed, now, emit)
					typed = typed[:0]
					d.keys.Reset()
					d.damaged = true
				}
			}
			carry = copy(buf, buf[used:carry+n])
			d.feed(typed, now, emit)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if fr, ok := d.framer.Tick(now); ok {
				d.emit(fr, emit)
			}
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			if d.framer.Pending() {
				return fmt.Errorf("read hid scanner %s: %w (an unfinished scan was discarded)", d.path, err)
			}
			return fmt.Errorf("read hid scanner %s: %w", d.path, err)
		}
	}
}

// feed hands typed bytes to the framer and emits the scans they end. The
// first scan to end after lost events is marked damaged.
func (d *hidDevice) feed(typed []byte, now time.Time, emit func(Frame)) {
	for _, fr := range d.framer.Feed(typed, now) {
		d.emit(fr, emit)
	}
}

func (d *hidDevice) emit(fr Frame, emit func(Frame)) {
	if d.damaged {
		fr.Damaged = true
		d.damaged = false
	}
	emit(fr)
}

func (d *hidDevice) close() error { return d.r.Close() }
