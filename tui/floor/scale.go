package floor

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	stdsync "sync"
	"time"

	"go.bug.st/serial"
)

// Scale keeps the latest weight a serial scale reported. Pack stations'
// scales stream their reading continuously ("ST,GS,+  1.234kg"); the pack
// screen offers the latest stable one.
type Scale struct {
	mu     stdsync.Mutex // guards the fields below
	grams  int
	stable bool
	at     time.Time
}

// Reading is the scale's latest weight.
type Reading struct {
	Grams  int
	Stable bool
	At     time.Time
}

// Latest returns the newest reading if it is no older than maxAge.
func (s *Scale) Latest(now time.Time, maxAge time.Duration) (Reading, bool) {
	if s == nil {
		return Reading{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at.IsZero() || now.Sub(s.at) > maxAge {
		return Reading{}, false
	}
	return Reading{Grams: s.grams, Stable: s.stable, At: s.at}, true
}

func (s *Scale) record(grams int, stable bool, at time.Time) {
	s.mu.Lock()
	s.grams, s.stable, s.at = grams, stable, at
	s.mu.Unlock()
}

var weightRe = regexp.MustCompile(`(?i)([+-]?)\s*(\d+(?:[.,]\d+)?)\s*(kg|g|lb|oz)\b`)

// ParseWeight reads one line of a scale's output: a number and its unit
// (kg, g, lb, oz), with "US" (unstable) or "ST" (stable) as most scales
// prefix it. It reports false for lines without a weight and for
// negative weights (tare below zero).
func ParseWeight(line string) (grams int, stable, ok bool) {
	m := weightRe.FindStringSubmatch(line)
	if m == nil || m[1] == "-" {
		return 0, false, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(m[2], ",", "."), 64)
	if err != nil || v > 1e6 {
		return 0, false, false
	}
	switch strings.ToLower(m[3]) {
	case "kg":
		v *= 1000
	case "lb":
		v *= 453.59237
	case "oz":
		v *= 28.349523125
	}
	upper := strings.ToUpper(line)
	stable = !strings.Contains(upper, "US") && !strings.Contains(upper, "MOTION")
	return int(v + 0.5), stable, true
}

// OpenSerialScale opens a scale on a serial port (8N1 at baud).
func OpenSerialScale(path string, baud int) (io.ReadCloser, error) {
	if baud <= 0 {
		baud = 9600
	}
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("open scale %s: %w", path, err)
	}
	return p, nil
}

// Run reads the scale until ctx ends, opening it again (every second)
// whenever it is missing or fails.
func (s *Scale) Run(ctx context.Context, open func() (io.ReadCloser, error), log *slog.Logger) {
	for ctx.Err() == nil {
		r, err := open()
		if err != nil {
			if log != nil {
				log.Debug("scale", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		stop := context.AfterFunc(ctx, func() { r.Close() })
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 256), 4096)
		sc.Split(scanLines)
		for sc.Scan() {
			if g, stable, ok := ParseWeight(sc.Text()); ok {
				s.record(g, stable, time.Now())
			}
		}
		stop()
		r.Close()
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// scanLines splits on CR, LF or CRLF: scales use any of them.
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	for i, b := range data {
		if b == '\r' || b == '\n' {
			j := i + 1
			if b == '\r' && j < len(data) && data[j] == '\n' {
				j++
			}
			return j, data[:i], nil
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
