package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms/demo"
)

// BenchmarkStationRSS measures the resident memory of a running station
// process whose cache holds 10,000 orders (target < 60 MB): the TUI signed
// in, on the pack screen and then the pick list, offline. It reports the
// resident set (rss-MB) and its high-water mark (hwm-MB).
func BenchmarkStationRSS(b *testing.B) {
	bin := binaries(b)
	data := b.TempDir()
	db, err := localdb.OpenStation(filepath.Join(data, "station.db"), "LON", "PACK-01")
	if err != nil {
		b.Fatal(err)
	}
	world := demo.Generate(demo.DefaultSeed, demo.Sizes{SKUs: 300, Orders: 30000}) // 10,000 for LON
	n, err := db.LoadDemo(context.Background(), world)
	db.Close()
	if err != nil {
		b.Fatal(err)
	}
	if n < 10000 {
		b.Fatalf("%d orders cached, want 10000", n)
	}
	b.ResetTimer()
	for b.Loop() {
		rss, hwm := stationRSS(b, filepath.Join(bin, "station"), data)
		b.ReportMetric(rss, "rss-MB")
		b.ReportMetric(hwm, "hwm-MB")
		b.ReportMetric(float64(n), "orders")
		if rss > 60 {
			b.Logf("MISSED TARGET: station with %d cached orders: %.1f MB resident, target under 60 MB", n, rss)
		}
	}
}

func stationRSS(b *testing.B, station, data string) (rss, hwm float64) {
	cmd := exec.Command(station, "run", "--data", data, "--site", "LON", "--station", "PACK-01", "--demo", "--operator", "ana")
	// A pty that never answers the background-colour query would cost
	// Bubble Tea's package init 5 s; tmux-like terminals are not asked.
	cmd.Env = append(os.Environ(), "TERM=tmux-256color")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait(); f.Close() }()
	seen := make(chan struct{}, 1)
	go func() {
		r := bufio.NewReader(f)
		var buf strings.Builder
		for {
			c, err := r.ReadByte()
			if err != nil {
				return
			}
			buf.WriteByte(c)
			if c == ':' && strings.HasSuffix(buf.String(), "Waiting:") {
				select {
				case seen <- struct{}{}:
				default:
				}
				buf.Reset()
			}
			if buf.Len() > 1<<16 {
				buf.Reset()
			}
		}
	}()
	start := time.Now()
	select {
	case <-seen:
	case <-time.After(20 * time.Second):
		b.Fatal("station did not show its pack screen")
	}
	b.ReportMetric(time.Since(start).Seconds()*1000, "start-ms")
	f.Write([]byte("\x1bOQ")) // F2: the pick list of the 10,000
	time.Sleep(2 * time.Second)
	st, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
	if err != nil {
		b.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(st), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}
