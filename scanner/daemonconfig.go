package scanner

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Duration is a time.Duration written in config files as a Go duration
// string such as "250ms" or "2s".
type Duration struct{ time.Duration }

// UnmarshalText parses a duration string such as "250ms".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want a number with a unit such as 250ms or 2s", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a string such as "250ms".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// DaemonConfig is scannerd's configuration. It is loaded as defaults
// (DefaultDaemonConfig), then a TOML file (LoadDaemonConfig), then
// Validate.
type DaemonConfig struct {
	// Socket is the Unix socket path stations connect to.
	Socket string `toml:"socket"`
	// SocketMode is the socket file's permission bits, as an octal string;
	// stations' users need read and write.
	SocketMode string `toml:"socket_mode"`
	// Buffer is how many scans are kept while no station is connected.
	// When it is full the oldest scan is dropped and counted, and the next
	// station to connect is told how many were dropped.
	Buffer int `toml:"buffer"`
	// ClientQueue is how many events may wait for one slow station before
	// the daemon disconnects it (its unsent scans are kept if it was the
	// last station).
	ClientQueue int `toml:"client_queue"`
	// Reopen is how often a missing or unplugged scanner is looked for
	// again. Replugged scanners come back within this interval.
	Reopen Duration `toml:"reopen"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `toml:"log_level"`
	// Autodetect, when true, also opens every serial port whose USB vendor
	// is a known scanner maker (see `scannerd list`) with the serial
	// defaults below.
	Autodetect bool `toml:"autodetect"`
	// SerialDefaults are the line and framing settings for autodetected
	// serial scanners.
	SerialDefaults SerialConfig `toml:"serial_defaults"`
	// Decode is the site's classification config for decoded scans.
	Decode Config `toml:"decode"`
	// Serial lists the serial scanners.
	Serial []SerialConfig `toml:"serial"`
	// HID lists the USB HID (keyboard-mode) scanners.
	HID []HIDConfig `toml:"hid"`
}

// DefaultDaemonConfig returns scannerd's defaults.
func DefaultDaemonConfig() DaemonConfig {
	return DaemonConfig{
		Socket:      "/run/scannerd/scannerd.sock",
		SocketMode:  "0660",
		Buffer:      1000,
		ClientQueue: 4096,
		Reopen:      Duration{500 * time.Millisecond},
		LogLevel:    "info",
		Decode:      DefaultConfig(),
	}
}

// LoadDaemonConfig reads the TOML file at path over the defaults and
// validates the result. Unknown keys are errors, so a misspelt setting
// is not silently ignored.
func LoadDaemonConfig(path string) (DaemonConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return DefaultDaemonConfig(), fmt.Errorf("read scannerd config: %w", err)
	}
	return parseDaemonConfig(path, b)
}

// parseDaemonConfig is LoadDaemonConfig of the file contents b; path names
// the file in errors.
func parseDaemonConfig(path string, b []byte) (DaemonConfig, error) {
	cfg := DefaultDaemonConfig()
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		var serr *toml.StrictMissingError
		if errors.As(err, &serr) {
			var keys []string
			for _, e := range serr.Errors {
				row, _ := e.Position()
				keys = append(keys, fmt.Sprintf("%s (line %d)", strings.Join(e.Key(), "."), row))
			}
			return cfg, fmt.Errorf("scannerd config %s: unknown key %s", path, strings.Join(keys, ", "))
		}
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			row, col := derr.Position()
			if key := derr.Key(); len(key) > 0 {
				return cfg, fmt.Errorf("scannerd config %s:%d:%d: %s: %w", path, row, col, strings.Join(key, "."), err)
			}
			return cfg, fmt.Errorf("scannerd config %s:%d:%d: %w", path, row, col, err)
		}
		return cfg, fmt.Errorf("scannerd config %s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("scannerd config %s: %w", path, err)
	}
	return cfg, nil
}

// Validate checks the config and names the bad field.
func (c DaemonConfig) Validate() error {
	if c.Socket == "" {
		return errors.New("socket is empty")
	}
	if _, err := c.socketMode(); err != nil {
		return err
	}
	if c.Buffer < 1 {
		return fmt.Errorf("buffer %d: want at least 1", c.Buffer)
	}
	if c.ClientQueue < 1 {
		return fmt.Errorf("client_queue %d: want at least 1", c.ClientQueue)
	}
	if c.Reopen.Duration <= 0 || c.Reopen.Duration > 2*time.Second {
		return fmt.Errorf("reopen %s: want above 0 and at most 2s, so replugged scanners come back in time", c.Reopen.Duration)
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		return err
	}
	if err := c.Decode.Validate(); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if c.Autodetect {
		sd := c.SerialDefaults
		sd.Path = "autodetect"
		if err := sd.Validate(); err != nil {
			return fmt.Errorf("serial_defaults: %w", err)
		}
	}
	names := map[string]string{}
	seen := func(kind string, i int, name string) error {
		field := fmt.Sprintf("%s[%d]", kind, i)
		if prev, ok := names[name]; ok {
			return fmt.Errorf("%s: name %q already used by %s", field, name, prev)
		}
		names[name] = field
		return nil
	}
	for i, s := range c.Serial {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("serial[%d]: %w", i, err)
		}
		if err := seen("serial", i, s.withDefaults().Name); err != nil {
			return err
		}
	}
	for i, h := range c.HID {
		if err := h.Validate(); err != nil {
			return fmt.Errorf("hid[%d]: %w", i, err)
		}
		if err := seen("hid", i, h.withDefaults().Name); err != nil {
			return err
		}
	}
	return nil
}

// errNoScanners is NewDaemon's answer to a config without scanners. It is
// not a Validate error, so that `scannerd decode -config` can read a file
// that holds only a [decode] section.
var errNoScanners = errors.New("no scanners: configure [[serial]] or [[hid]], or set autodetect = true")

func (c DaemonConfig) socketMode() (os.FileMode, error) {
	m, err := strconv.ParseUint(c.SocketMode, 8, 32)
	if err != nil || m > 0o777 {
		return 0, fmt.Errorf("socket_mode %q: want octal permission bits such as 0660", c.SocketMode)
	}
	return os.FileMode(m), nil
}
