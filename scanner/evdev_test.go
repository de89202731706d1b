package scanner

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// recording is an evemu-format recording of a keyboard-mode scanner with
// the scans it must give.
type recording struct {
	layout string
	want   []string
	events []InputEvent
	times  []time.Time
}

// readRecording parses testdata/<name>: "# layout: us", "# want: ..." (Go
// escapes allowed) and evemu lines "E: <sec>.<usec> <type> <code> <value>"
// with type and code in hex.
func readRecording(t *testing.T, name string) recording {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r recording
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		switch {
		case strings.HasPrefix(s, "# layout: "):
			r.layout = strings.TrimPrefix(s, "# layout: ")
		case strings.HasPrefix(s, "# want: "):
			w, err := strconv.Unquote(`"` + strings.TrimPrefix(s, "# want: ") + `"`)
			if err != nil {
				t.Fatalf("%s:%d: want: %v", name, line, err)
			}
			r.want = append(r.want, w)
		case strings.HasPrefix(s, "E: "):
			var sec, usec int64
			var typ, code uint16
			var val int32
			if _, err := fmt.Sscanf(s, "E: %d.%d %x %x %d", &sec, &usec, &typ, &code, &val); err != nil {
				t.Fatalf("%s:%d: %v", name, line, err)
			}
			r.events = append(r.events, InputEvent{Type: typ, Code: code, Value: val})
			r.times = append(r.times, time.Unix(sec, usec*1000))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

var recordings = []string{"evdev_us_gs1.evemu", "evdev_de_altgr.evemu"}

// TestKeyDecoderRecordings plays recorded event sequences through the key
// decoder and framer.
func TestKeyDecoderRecordings(t *testing.T) {
	for _, name := range recordings {
		t.Run(name, func(t *testing.T) {
			r := readRecording(t, name)
			l, err := LayoutByName(r.layout)
			if err != nil {
				t.Fatal(err)
			}
			k := NewKeyDecoder(l)
			fr := mustFramer(t, FramerConfig{})
			var got []string
			for i, ev := range r.events {
				if ev.Type != evKey {
					continue
				}
				for _, f := range fr.Feed(k.Key(ev.Code, ev.Value, nil), r.times[i]) {
					got = append(got, string(f.Data))
				}
			}
			if strings.Join(got, "|") != strings.Join(r.want, "|") {
				t.Fatalf("scans = %q, want %q", got, r.want)
			}
			if k.Unknown() != 0 {
				t.Fatalf("%d keys mapped to nothing", k.Unknown())
			}
		})
	}
}

// TestHIDDeviceReadsKernelEvents streams the recordings as binary struct
// input_event records, as the kernel delivers them, through the device
// reader, cut at awkward places.
func TestHIDDeviceReadsKernelEvents(t *testing.T) {
	for _, name := range recordings {
		t.Run(name, func(t *testing.T) {
			r := readRecording(t, name)
			var raw []byte
			for i, ev := range r.events {
				raw = appendInputEvent(raw, ev, r.times[i])
			}
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			d, err := newHIDDevice(HIDConfig{Path: "recording", Layout: r.layout}, pr)
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				for len(raw) > 0 {
					n := min(len(raw), 37) // not a multiple of the record size
					pw.Write(raw[:n])
					raw = raw[n:]
				}
				pw.Close()
			}()
			var got []string
			err = d.readFrames(func(f Frame) { got = append(got, string(f.Data)) })
			if err == nil || !strings.Contains(err.Error(), "read hid scanner recording") {
				t.Errorf("readFrames at end of stream: %v", err)
			}
			if strings.Join(got, "|") != strings.Join(r.want, "|") {
				t.Fatalf("scans = %q, want %q", got, r.want)
			}
		})
	}
}

func TestHIDLostEventsMarkTheScanDamaged(t *testing.T) {
	var raw []byte
	add := func(typ, code uint16, value int32) {
		raw = appendInputEvent(raw, InputEvent{Type: typ, Code: code, Value: value}, time.Now())
	}
	tap := func(codes ...uint16) {
		for _, c := range codes {
			add(evKey, c, 1)
			add(evKey, c, 0)
			add(evSyn, 0, 0)
		}
	}
	tap(2, 3, keyEnter, 4, 5)
	add(evKey, keyLeftShift, 1) // its release is lost
	add(evSyn, synDropped, 0)
	tap(6, keyEnter, 7, 8, keyEnter)
	d, err := newHIDDevice(HIDConfig{Path: "dropped"}, io.NopCloser(strings.NewReader(string(raw))))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	d.readFrames(func(f Frame) {
		s := string(f.Data)
		if f.Damaged {
			s += "<damaged>"
		}
		got = append(got, s)
	})
	if want := "12|345<damaged>|67"; strings.Join(got, "|") != want {
		t.Fatalf("scans %q, want %s", got, want)
	}
}

func TestHIDInterCharTimeout(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	d, err := newHIDDevice(HIDConfig{Path: "pipe", InterCharTimeout: Duration{20 * time.Millisecond}}, pr)
	if err != nil {
		t.Fatal(err)
	}
	frames := make(chan string, 4)
	done := make(chan error, 1)
	go func() { done <- d.readFrames(func(f Frame) { frames <- string(f.Data) }) }()
	var raw []byte
	for _, code := range []uint16{2, 3, 4} { // 1 2 3, no Enter
		raw = appendInputEvent(raw, InputEvent{Type: evKey, Code: code, Value: 1}, time.Now())
		raw = appendInputEvent(raw, InputEvent{Type: evKey, Code: code, Value: 0}, time.Now())
	}
	pw.Write(raw)
	select {
	case got := <-frames:
		if got != "123" {
			t.Fatalf("scan = %q, want 123", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no scan after the inter-character timeout")
	}
	pw.Close()
	<-done
}

func TestKeyDecoderDetails(t *testing.T) {
	us, _ := LayoutByName("us")
	de, _ := LayoutByName("DE")
	type key struct {
		code  uint16
		value int32
	}
	press := func(codes ...uint16) []key {
		var ks []key
		for _, c := range codes {
			ks = append(ks, key{c, 1}, key{c, 0})
		}
		return ks
	}
	cat := func(parts ...[]key) []key {
		var ks []key
		for _, p := range parts {
			ks = append(ks, p...)
		}
		return ks
	}
	tests := []struct {
		name   string
		layout *Layout
		keys   []key
		want   string
	}{
		{"us caps lock", us, cat(press(keyCapsLock, 30), []key{{keyLeftShift, 1}}, press(30), []key{{keyLeftShift, 0}}, press(2)), "Aa1"},
		{"us keypad", us, press(79, 80, 81, 83, 74), "123.-"},
		{"us alt numpad", us, cat([]key{{keyLeftAlt, 1}}, press(82, 82, 80, 73), []key{{keyLeftAlt, 0}}), "\x1d"},
		{"us right alt numpad", us, cat([]key{{keyRightAlt, 1}}, press(79, 81), []key{{keyRightAlt, 0}}), "\r"},
		{"us ctrl letter", us, cat([]key{{keyLeftCtrl, 1}}, press(34), []key{{keyLeftCtrl, 0}}), "\x07"},
		{"autorepeat ignored", us, []key{{30, 1}, {30, 2}, {30, 2}, {30, 0}}, "a"},
		{"enter tab", us, press(30, keyEnter, 48, keyTab, 46, keyKPEnter), "a\nb\nc\n"},
		{"de dead key then space", de, press(41, 57, 2), "^1"},
		{"de dead key then letter", de, press(13, 18), "´e"},
		{"de altgr euro and backslash", de, cat([]key{{keyRightAlt, 1}}, press(18, 12), []key{{keyRightAlt, 0}}), "€\\"},
		{"de altgr nothing", de, cat([]key{{keyRightAlt, 1}}, press(30), []key{{keyRightAlt, 0}}, press(30)), "a"},
		{"unknown key", us, press(200, 30), "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := NewKeyDecoder(tt.layout)
			var out []byte
			for _, ks := range tt.keys {
				out = k.Key(ks.code, ks.value, out)
			}
			if string(out) != tt.want {
				t.Fatalf("typed %q, want %q", out, tt.want)
			}
		})
	}
	if _, err := LayoutByName("dvorak"); err == nil || !strings.Contains(err.Error(), "us") {
		t.Errorf("unknown layout: %v", err)
	}
}

func TestHIDConfigValidate(t *testing.T) {
	if err := (HIDConfig{}).Validate(); err == nil || !strings.Contains(err.Error(), "path") {
		t.Errorf("empty path: %v", err)
	}
	if err := (HIDConfig{Path: "x", Layout: "fr"}).Validate(); err == nil || !strings.Contains(err.Error(), "layout") {
		t.Errorf("bad layout: %v", err)
	}
	if _, err := openHID(HIDConfig{Path: filepath.Join(t.TempDir(), "event99")}); err == nil || !strings.Contains(err.Error(), "open hid scanner") {
		t.Errorf("open of a missing device: %v", err)
	}
}

// FuzzHIDEvents feeds arbitrary bytes as input events: nothing may panic.
func FuzzHIDEvents(f *testing.F) {
	var seed []byte
	for _, c := range []uint16{keyLeftShift, 30, keyEnter} {
		seed = appendInputEvent(seed, InputEvent{Type: evKey, Code: c, Value: 1}, time.Unix(0, 0))
	}
	f.Add(seed, false)
	f.Fuzz(func(t *testing.T, data []byte, german bool) {
		layout := "us"
		if german {
			layout = "de"
		}
		d, err := newHIDDevice(HIDConfig{Path: "fuzz", Layout: layout, MaxFrame: 64}, io.NopCloser(strings.NewReader(string(data))))
		if err != nil {
			t.Fatal(err)
		}
		_ = d.readFrames(func(fr Frame) {
			if len(fr.Data) > 64 {
				t.Fatalf("frame of %d bytes over the limit", len(fr.Data))
			}
		})
	})
}
