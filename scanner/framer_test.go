package scanner

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func mustFramer(t testing.TB, c FramerConfig) *Framer {
	t.Helper()
	f, err := NewFramer(c)
	if err != nil {
		t.Fatalf("new framer: %v", err)
	}
	return f
}

func frameStrings(frs []Frame) []string {
	out := make([]string, 0, len(frs))
	for _, fr := range frs {
		s := string(fr.Data)
		if fr.Cut {
			s += "<cut>"
		}
		out = append(out, s)
	}
	return out
}

func TestFramerEnds(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	tests := []struct {
		name  string
		cfg   FramerConfig
		input []string // chunks as they arrive
		want  []string
	}{
		{"auto cr", FramerConfig{}, []string{"A1\rB2\r"}, []string{"A1", "B2"}},
		{"auto lf", FramerConfig{}, []string{"A1\nB2\n"}, []string{"A1", "B2"}},
		{"auto crlf", FramerConfig{}, []string{"A1\r\nB2\r\n"}, []string{"A1", "B2"}},
		{"auto crlf split", FramerConfig{}, []string{"A1\r", "\nB", "2\r", "\n"}, []string{"A1", "B2"}},
		{"auto keeps GS", FramerConfig{}, []string{"]C10109506000134352\x1d10AB\r\n"}, []string{"]C10109506000134352\x1d10AB"}},
		{"auto blank lines", FramerConfig{}, []string{"\r\n\r\n\nX\n\n"}, []string{"X"}},
		{"cr keeps lf", FramerConfig{End: FrameEndCR}, []string{"A\nB\r"}, []string{"A\nB"}},
		{"lf keeps cr", FramerConfig{End: FrameEndLF}, []string{"A\rB\n"}, []string{"A\rB"}},
		{"crlf", FramerConfig{End: FrameEndCRLF}, []string{"A\rB\r", "\nC\r\n"}, []string{"A\rB", "C"}},
		{"suffix", FramerConfig{End: FrameEndSuffix, Suffix: []byte("#END")}, []string{"ab#E", "ND", "cd#END#END"}, []string{"ab", "cd"}},
		{"cut auto", FramerConfig{Max: 4}, []string{"abcdefg\rhi\r"}, []string{"abcd<cut>", "hi"}},
		{"cut suffix", FramerConfig{End: FrameEndCRLF, Max: 3}, []string{"abcdef\r", "\nxy\r\n"}, []string{"abc<cut>", "xy"}},
		{"exact max", FramerConfig{End: FrameEndCRLF, Max: 3}, []string{"abc\r\n"}, []string{"abc"}},
		{"max plus one", FramerConfig{End: FrameEndCR, Max: 3}, []string{"abcd\r"}, []string{"abc<cut>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustFramer(t, tt.cfg)
			var got []Frame
			for i, chunk := range tt.input {
				got = append(got, f.Feed([]byte(chunk), t0.Add(time.Duration(i)*time.Millisecond))...)
			}
			if g := frameStrings(got); strings.Join(g, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("frames = %q, want %q", g, tt.want)
			}
		})
	}
}

func TestFramerInterCharTimeout(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	f := mustFramer(t, FramerConfig{End: FrameEndNone, InterCharTimeout: 50 * time.Millisecond})
	if got := f.Feed([]byte("ABC"), t0); len(got) != 0 {
		t.Fatalf("frames before timeout: %q", frameStrings(got))
	}
	if _, ok := f.Tick(t0.Add(49 * time.Millisecond)); ok {
		t.Fatal("tick before the timeout ended the scan")
	}
	// More bytes within the timeout belong to the same scan.
	f.Feed([]byte("DEF"), t0.Add(40*time.Millisecond))
	if _, ok := f.Tick(t0.Add(80 * time.Millisecond)); ok {
		t.Fatal("the timeout runs from the last byte, not the first")
	}
	fr, ok := f.Tick(t0.Add(90 * time.Millisecond))
	if !ok || string(fr.Data) != "ABCDEF" {
		t.Fatalf("tick after timeout = %q, %v; want ABCDEF", fr.Data, ok)
	}
	if f.Pending() {
		t.Fatal("framer still pending after emitting")
	}
	// A late byte after silence starts a new scan even without a tick.
	f.Feed([]byte("X"), t0.Add(time.Second))
	got := f.Feed([]byte("Y"), t0.Add(2*time.Second))
	if len(got) != 1 || string(got[0].Data) != "X" {
		t.Fatalf("feed after silence = %q; want [X]", frameStrings(got))
	}
}

func TestFramerConfigValidate(t *testing.T) {
	bad := []struct {
		cfg  FramerConfig
		want string
	}{
		{FramerConfig{End: "semicolon"}, "frame_end"},
		{FramerConfig{End: FrameEndSuffix}, "suffix"},
		{FramerConfig{End: FrameEndNone}, "inter_char_timeout"},
		{FramerConfig{InterCharTimeout: -1}, "inter_char_timeout"},
		{FramerConfig{Max: -1}, "max_frame"},
	}
	for _, b := range bad {
		err := b.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Validate(%+v) = %v; want an error naming %s", b.cfg, err, b.want)
		}
	}
}

// FuzzFramer checks that no input panics the framer, that no frame is
// longer than the limit or contains a frame end, and that in auto mode the
// frames are exactly the non-empty lines of the input.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("A1\r\nB2\rC3\n"), uint8(0), uint8(8))
	f.Add([]byte("]C10109506000134352\x1d10AB#END"), uint8(4), uint8(0))
	f.Add([]byte("\r\r\n\n"), uint8(3), uint8(1))
	ends := []FrameEnd{FrameEndAuto, FrameEndCR, FrameEndLF, FrameEndCRLF, FrameEndSuffix}
	f.Fuzz(func(t *testing.T, data []byte, endSel, max uint8) {
		cfg := FramerConfig{End: ends[int(endSel)%len(ends)], Max: int(max)}
		if cfg.End == FrameEndSuffix {
			cfg.Suffix = []byte("#END")
		}
		fr := mustFramer(t, cfg)
		limit := cfg.Max
		if limit == 0 {
			limit = DefaultMaxFrame
		}
		now := time.Unix(0, 0)
		var got []Frame
		// Feed in chunks of varying size to exercise split frame ends.
		for i := 0; i < len(data); {
			n := 1 + i%7
			if i+n > len(data) {
				n = len(data) - i
			}
			got = append(got, fr.Feed(data[i:i+n], now)...)
			i += n
		}
		for _, g := range got {
			if len(g.Data) > limit {
				t.Fatalf("frame of %d bytes over limit %d", len(g.Data), limit)
			}
			if len(g.Data) == 0 && !g.Cut {
				t.Fatal("empty frame emitted")
			}
		}
		if cfg.End != FrameEndAuto || cfg.Max != 0 {
			return
		}
		var want [][]byte
		start := 0
		for i, b := range data {
			if b == '\r' || b == '\n' {
				if i > start {
					want = append(want, data[start:i])
				}
				start = i + 1
			}
		}
		if len(got) != len(want) {
			t.Fatalf("got %d frames, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i].Data, want[i]) {
				t.Fatalf("frame %d = %q, want %q", i, got[i].Data, want[i])
			}
		}
	})
}
