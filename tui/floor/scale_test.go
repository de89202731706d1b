package floor

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/creack/pty"
)

func TestParseWeight(t *testing.T) {
	for _, c := range []struct {
		line   string
		grams  int
		stable bool
		ok     bool
	}{
		{"ST,GS,+  1.234kg", 1234, true, true},
		{"US,GS,+  1.230kg", 1230, false, true},
		{"  850 g", 850, true, true},
		{"1,5 kg", 1500, true, true},
		{"2.00 lb", 907, true, true},
		{"ST,GS,-  0.010kg", 0, false, false},
		{"OL", 0, false, false},
		{"", 0, false, false},
	} {
		g, st, ok := ParseWeight(c.line)
		if g != c.grams || st != c.stable || ok != c.ok {
			t.Errorf("ParseWeight(%q) = %d %v %v, want %d %v %v", c.line, g, st, ok, c.grams, c.stable, c.ok)
		}
	}
}

// TestScaleOnPTY reads a scale streaming on a pseudo-terminal.
func TestScaleOnPTY(t *testing.T) {
	m, s, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	defer m.Close()
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sc Scale
	go sc.Run(ctx, func() (io.ReadCloser, error) { return os.Open(s.Name()) }, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		m.Write([]byte("ST,GS,+  0.750kg\r\n"))
		if r, ok := sc.Latest(time.Now(), time.Second); ok && r.Grams == 750 && r.Stable {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no reading from the scale")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
