package scanner

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// TestSerialPTYTwentyPerSecond writes scans to a real pseudo-terminal at
// 20 per second, back to back, and checks that every one reaches a
// station through the daemon socket, in order and intact.
func TestSerialPTYTwentyPerSecond(t *testing.T) {
	r := newSerialRig(t, nil)
	c := r.station(t)

	const n = 100
	// Vary the frame ends and put every byte a scanner may send (GS, non
	// ASCII) in the data.
	ends := []string{"\r\n", "\r", "\n"}
	want := make([]string, n)
	for i := range want {
		want[i] = testScan(i)
		if i%10 == 3 {
			want[i] = fmt.Sprintf("]d2\x1d0104012345012345\x1d21ÄÖ%d", i)
		}
	}
	errc := make(chan error, 1)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := range n {
			if _, err := r.pty.master.Write([]byte(want[i] + ends[i%len(ends)])); err != nil {
				errc <- err
				return
			}
			<-tick.C
		}
		errc <- nil
	}()
	for i := range n {
		ev := nextScan(t, c)
		if ev.Seq != uint64(i+1) || ev.Device != "pack1" {
			t.Fatalf("scan %d: seq %d device %q, want seq %d from pack1", i, ev.Seq, ev.Device, i+1)
		}
		if ev.Scan.Raw != want[i] {
			t.Fatalf("scan %d = %q, want %q", i, ev.Scan.Raw, want[i])
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("write to pty: %v", err)
	}
	// Nothing more than what was written: no scan split in two or doubled.
	if st := r.d.Stats(); st.Scans != n || st.Dropped != 0 {
		t.Fatalf("daemon stats %+v, want exactly %d scans read and none dropped", st, n)
	}
}

// TestSerialPTYBurst writes many scans in one go: the framer must split
// them however the reads cut the stream.
func TestSerialPTYBurst(t *testing.T) {
	r := newSerialRig(t, nil)
	c := r.station(t)
	const n = 500
	var b strings.Builder
	for i := range n {
		b.WriteString(testScan(i) + "\r\n")
	}
	go r.pty.master.Write([]byte(b.String()))
	for i := range n {
		if ev := nextScan(t, c); ev.Scan.Raw != testScan(i) || ev.Seq != uint64(i+1) {
			t.Fatalf("scan %d = %q seq %d, want %q seq %d", i, ev.Scan.Raw, ev.Seq, testScan(i), i+1)
		}
	}
}

// TestSerialInterCharTimeout reads a scanner that sends no suffix.
func TestSerialInterCharTimeout(t *testing.T) {
	r := newSerialRig(t, func(c *DaemonConfig) {
		c.Serial[0].FrameEnd = FrameEndNone
		c.Serial[0].InterCharTimeout = Duration{30 * time.Millisecond}
	})
	c := r.station(t)
	r.write(t, "4006381333931")
	wantScan(t, c, "4006381333931")
	r.write(t, "]E05901234123457")
	wantScan(t, c, "]E05901234123457")
}

// TestHotplugPTY unplugs the scanner (closes the pty and removes its
// path) and plugs a new one in under the same path: the daemon must pick
// it up again within 2 seconds, and say so to the station.
func TestHotplugPTY(t *testing.T) {
	r := newSerialRig(t, func(c *DaemonConfig) { c.Reopen = Duration{250 * time.Millisecond} })
	c := r.station(t)
	r.write(t, "BEFORE\r")
	wantScan(t, c, "BEFORE")

	// Unplug.
	r.pty.close()
	if err := os.Remove(r.link); err != nil {
		t.Fatal(err)
	}
	down := waitStatus(t, c, "pack1", StateDown)
	if down.Error == "" {
		t.Errorf("down status without a reason: %+v", down)
	}
	// Plug a new one in.
	p2 := newPTY(t)
	pluggedAt := time.Now()
	linkPTY(t, p2, r.link)
	var upAt time.Time
	checkFor(t, 2*time.Second, 10*time.Millisecond, func() error {
		r.d.hub.mu.Lock()
		defer r.d.hub.mu.Unlock()
		if st := r.d.hub.status["pack1"]; st.State != StateUp {
			return fmt.Errorf("scanner not back up: %s %s", st.State, st.Error)
		}
		upAt = time.Now()
		return nil
	})
	t.Logf("scanner back up %s after it was plugged in", upAt.Sub(pluggedAt).Round(time.Millisecond))
	waitStatus(t, c, "pack1", StateUp)
	if _, err := p2.master.Write([]byte("AFTER\r")); err != nil {
		t.Fatal(err)
	}
	wantScan(t, c, "AFTER")
}

// TestHotplugPathSwitched points the device link at another pty without
// closing the first: the daemon notices the path names another device.
func TestHotplugPathSwitched(t *testing.T) {
	r := newSerialRig(t, func(c *DaemonConfig) { c.Reopen = Duration{100 * time.Millisecond} })
	c := r.station(t)
	p2 := newPTY(t)
	tmp := r.link + ".new"
	if err := os.Symlink(p2.tty.Name(), tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, r.link); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, "pack1", StateDown)
	waitStatus(t, c, "pack1", StateUp)
	if _, err := p2.master.Write([]byte("NEW\r")); err != nil {
		t.Fatal(err)
	}
	wantScan(t, c, "NEW")
}

func TestSerialLineSettings(t *testing.T) {
	p := newPTY(t)
	dev, err := openSerial(SerialConfig{Path: p.tty.Name(), Baud: 19200, DataBits: 7, Parity: "even", StopBits: 2, RTSCTS: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer dev.close()
	tio, err := unix.IoctlGetTermios(int(p.tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	// The Linux pty driver forces CS8 and no parity whatever is set, so
	// data bits and parity are checked on the mode handed to the port.
	mode, err := SerialConfig{Path: "x", DataBits: 7, Parity: "even"}.withDefaults().mode()
	if err != nil || mode.DataBits != 7 || mode.Parity != serial.EvenParity {
		t.Errorf("mode = %+v, %v; want 7 data bits, even parity", mode, err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"2 stop bits", tio.Cflag&unix.CSTOPB != 0},
		{"rts/cts", tio.Cflag&unix.CRTSCTS != 0},
		{"19200 baud", tio.Cflag&unix.CBAUD == unix.B19200},
		{"raw", tio.Lflag&unix.ICANON == 0 && tio.Iflag&unix.ICRNL == 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("termios after open: no %s (cflag %#o)", c.name, tio.Cflag)
		}
	}
}

func TestSerialDefaultsAre9600_8N1(t *testing.T) {
	p := newPTY(t)
	dev, err := openSerial(SerialConfig{Path: p.tty.Name()})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer dev.close()
	tio, err := unix.IoctlGetTermios(int(p.tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Cflag&unix.CBAUD != unix.B9600 || tio.Cflag&unix.CSIZE != unix.CS8 || tio.Cflag&(unix.PARENB|unix.CSTOPB|unix.CRTSCTS) != 0 {
		t.Fatalf("termios cflag %#o, want 9600 8N1 without flow control", tio.Cflag)
	}
}

func TestSerialConfigValidate(t *testing.T) {
	bad := []struct {
		cfg  SerialConfig
		want string
	}{
		{SerialConfig{}, "path"},
		{SerialConfig{Path: "x", DataBits: 9}, "data_bits"},
		{SerialConfig{Path: "x", Parity: "weird"}, "parity"},
		{SerialConfig{Path: "x", StopBits: 3}, "stop_bits"},
		{SerialConfig{Path: "x", Baud: -1}, "baud"},
		{SerialConfig{Path: "x", FrameEnd: FrameEndSuffix}, "suffix"},
		{SerialConfig{Path: "x", FrameEnd: FrameEndNone}, "inter_char_timeout"},
	}
	for _, b := range bad {
		if err := b.cfg.Validate(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Validate(%+v) = %v; want an error naming %s", b.cfg, err, b.want)
		}
	}
	if _, err := openSerial(SerialConfig{Path: filepath.Join(t.TempDir(), "missing")}); err == nil || !strings.Contains(err.Error(), "open serial port") {
		t.Errorf("open of a missing port: %v", err)
	}
}

// BenchmarkScanLatency measures the time from writing a scan's bytes to
// the pty until the decoded scan is read from the daemon socket, and
// reports the median and 99th percentile.
func BenchmarkScanLatency(b *testing.B) {
	r := newSerialRig(b, nil)
	c := dialTest(b, r.cfg.Socket)
	waitStatus(b, c, "pack1", StateUp)
	scan := []byte("]C101095060001343521726013110AB-12\x1d3103000250\r\n")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := r.pty.master.Write(scan); err != nil {
			b.Fatal(err)
		}
		nextScan(b, c)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	benchTarget(b, b.N >= 100, pct(0.99) < 5000, "p99 scan latency %.0fµs, target under 5ms", pct(0.99))
}
