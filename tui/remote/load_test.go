package remote

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	stdsync "sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSessions50 holds 50 concurrent SSH sessions on loopback, each
// typing and waiting to see its keystroke drawn back, and reports the
// render latency (p50/p99), the CPU time used per second of wall time and
// the process's resident memory.
func BenchmarkSessions50(b *testing.B) {
	ts := startServer(b, time.Minute)
	const n = 50
	terms := make([]*term, n)
	for i := range terms {
		// Each session its own key, so each gets its own program.
		k := newKey(b, fmt.Sprintf("op%02d", i))
		ts.srv.AddKey(RoleOperator, k.signer.PublicKey(), fmt.Sprintf("op%02d", i))
		terms[i] = openTerm(b, ts.addr, fmt.Sprintf("op%02d", i), k)
		terms[i].waitFor(b, "typed=[]")
	}
	var mu stdsync.Mutex
	var lat []time.Duration
	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	b.ResetTimer()
	var wg stdsync.WaitGroup
	for i, tm := range terms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			typed := ""
			for j := 0; j < b.N; j++ {
				c := string(rune('a' + (i+j)%26))
				typed += c
				t0 := time.Now()
				io.WriteString(tm.in, c)
				want := "typed=[" + typed + "]"
				for !tm.seen(want) {
					time.Sleep(200 * time.Microsecond)
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	var after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cpu-cores")
	b.ReportMetric(rssMB(), "rss-MB")
}

// rssMB is this process's resident memory from /proc.
func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
