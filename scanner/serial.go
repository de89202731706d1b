package scanner

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// SerialConfig configures one serial (RS-232 or USB CDC/virtual COM port)
// scanner. The zero values of the line settings mean 9600 8N1.
type SerialConfig struct {
	// Name identifies the scanner in events and logs; empty means the base
	// name of Path.
	Name string `toml:"name"`
	// Path is the device path. A /dev/serial/by-id/... link keeps naming the
	// same scanner when it is plugged into another USB port.
	Path string `toml:"path"`
	// Baud is the line speed in bits per second; 0 means 9600.
	Baud int `toml:"baud"`
	// DataBits is 5, 6, 7 or 8; 0 means 8.
	DataBits int `toml:"data_bits"`
	// Parity is none, odd, even, mark or space; empty means none.
	Parity string `toml:"parity"`
	// StopBits is 1 or 2; 0 means 1.
	StopBits int `toml:"stop_bits"`
	// RTSCTS turns on hardware flow control.
	RTSCTS bool `toml:"rts_cts"`
	// FrameEnd is how the scanner ends a scan: auto (CR, LF or CRLF),
	// cr, lf, crlf, suffix or none; empty means auto.
	FrameEnd FrameEnd `toml:"frame_end"`
	// Suffix is the frame end for frame_end = "suffix". TOML escapes such
	// as "\u0003" (ETX) are allowed.
	Suffix string `toml:"suffix"`
	// InterCharTimeout ends a scan after this long without a byte; needed
	// for frame_end = "none", optional otherwise. 0 means off.
	InterCharTimeout Duration `toml:"inter_char_timeout"`
	// MaxFrame is the longest scan in bytes; longer ones are cut and
	// reported as errors. 0 means 4096.
	MaxFrame int `toml:"max_frame"`
}

// withDefaults returns c with its zero values filled in.
func (c SerialConfig) withDefaults() SerialConfig {
	if c.Name == "" && c.Path != "" {
		c.Name = filepath.Base(c.Path)
	}
	if c.Baud == 0 {
		c.Baud = 9600
	}
	if c.DataBits == 0 {
		c.DataBits = 8
	}
	if c.Parity == "" {
		c.Parity = "none"
	}
	if c.StopBits == 0 {
		c.StopBits = 1
	}
	if c.FrameEnd == "" {
		c.FrameEnd = FrameEndAuto
	}
	return c
}

// Validate checks c (after defaults) and names the bad field.
func (c SerialConfig) Validate() error {
	c = c.withDefaults()
	if c.Path == "" {
		return errors.New("path is empty")
	}
	if c.Baud < 0 {
		return fmt.Errorf("baud %d is negative", c.Baud)
	}
	if c.DataBits < 5 || c.DataBits > 8 {
		return fmt.Errorf("data_bits %d: want 5, 6, 7 or 8", c.DataBits)
	}
	if _, err := parseParity(c.Parity); err != nil {
		return err
	}
	if c.StopBits != 1 && c.StopBits != 2 {
		return fmt.Errorf("stop_bits %d: want 1 or 2", c.StopBits)
	}
	return c.framerConfig().Validate()
}

func (c SerialConfig) framerConfig() FramerConfig {
	return FramerConfig{
		End:              c.FrameEnd,
		Suffix:           []byte(c.Suffix),
		InterCharTimeout: c.InterCharTimeout.Duration,
		Max:              c.MaxFrame,
	}
}

func (c SerialConfig) mode() (*serial.Mode, error) {
	p, err := parseParity(c.Parity)
	if err != nil {
		return nil, err
	}
	sb := serial.OneStopBit
	if c.StopBits == 2 {
		sb = serial.TwoStopBits
	}
	return &serial.Mode{BaudRate: c.Baud, DataBits: c.DataBits, Parity: p, StopBits: sb}, nil
}

func parseParity(s string) (serial.Parity, error) {
	switch strings.ToLower(s) {
	case "", "none", "n":
		return serial.NoParity, nil
	case "odd", "o":
		return serial.OddParity, nil
	case "even", "e":
		return serial.EvenParity, nil
	case "mark", "m":
		return serial.MarkParity, nil
	case "space", "s":
		return serial.SpaceParity, nil
	}
	return 0, fmt.Errorf("parity %q: want none, odd, even, mark or space", s)
}

// serialDevice is an open serial scanner.
type serialDevice struct {
	path   string
	port   serial.Port
	framer *Framer
}

// openSerial opens the scanner c describes and sets its line up.
func openSerial(c SerialConfig) (*serialDevice, error) {
	c = c.withDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("serial scanner %s: %w", c.Name, err)
	}
	framer, err := NewFramer(c.framerConfig())
	if err != nil {
		return nil, fmt.Errorf("serial scanner %s: %w", c.Name, err)
	}
	mode, err := c.mode()
	if err != nil {
		return nil, fmt.Errorf("serial scanner %s: %w", c.Name, err)
	}
	// go.bug.st/serial has no flow-control setting and takes the port
	// exclusively (TIOCEXCL), so hold a second descriptor from before the
	// exclusive open and set CRTSCTS through it: termios belongs to the
	// tty, not to the descriptor.
	flowFD := -1
	if c.RTSCTS {
		flowFD, err = unix.Open(c.Path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open serial port %s: %w", c.Path, err)
		}
		defer unix.Close(flowFD)
	}
	port, err := serial.Open(c.Path, mode)
	if err != nil {
		return nil, fmt.Errorf("open serial port %s: %w", c.Path, err)
	}
	if c.RTSCTS {
		if err := setRTSCTS(flowFD); err != nil {
			port.Close()
			return nil, fmt.Errorf("set rts/cts on %s: %w", c.Path, err)
		}
	}
	// Without an inter-character timeout reads block until a byte comes or
	// the port is closed; with one, reads return often enough to end a
	// scan within 1.5 times the timeout.
	rt := serial.NoTimeout
	if t := framer.Timeout(); t > 0 {
		rt = max(t/2, time.Millisecond)
	}
	if err := port.SetReadTimeout(rt); err != nil {
		port.Close()
		return nil, fmt.Errorf("set read timeout on %s: %w", c.Path, err)
	}
	return &serialDevice{path: c.Path, port: port, framer: framer}, nil
}

func setRTSCTS(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Cflag |= unix.CRTSCTS
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// readFrames reads scans until the port fails or is closed.
func (d *serialDevice) readFrames(emit func(Frame)) error {
	buf := make([]byte, 1024)
	for {
		n, err := d.port.Read(buf)
		now := time.Now()
		if n > 0 {
			for _, fr := range d.framer.Feed(buf[:n], now) {
				emit(fr)
			}
		} else if err == nil {
			// A read timeout: time to end a suffix-less scan?
			if fr, ok := d.framer.Tick(now); ok {
				emit(fr)
			}
		}
		if err != nil {
			if d.framer.Pending() {
				return fmt.Errorf("read serial port %s: %w (an unfinished scan was discarded)", d.path, err)
			}
			return fmt.Errorf("read serial port %s: %w", d.path, err)
		}
	}
}

func (d *serialDevice) close() error { return d.port.Close() }
