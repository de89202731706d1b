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

	tea "github.com/charmbracelet/bubbletea"

	"github.com/packline/packline/internal/sshtest"
	"github.com/packline/packline/tui/lead"
)

// dashEcho is the floor dashboard (ticking every second, 20 stations)
// with a line that echoes what was typed, so a benchmark can see when a
// keystroke has been drawn.
type dashEcho struct {
	dash  *lead.Model
	typed string
}

func (d *dashEcho) Init() tea.Cmd { return d.dash.Init() }

func (d *dashEcho) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyRunes {
		d.typed += string(k.Runes)
		return d, nil
	}
	_, cmd := d.dash.Update(msg)
	return d, cmd
}

func (d *dashEcho) View() string { return d.dash.View() + "\ntyped=[" + d.typed + "]" }

// BenchmarkSessions50 holds 50 concurrent SSH sessions on loopback, each
// showing the floor dashboard (20 stations, redrawn every second) and
// typing, waiting to see each keystroke drawn back. It reports the render
// latency (p50/p99), the CPU used (cores) and the resident memory.
func BenchmarkSessions50(b *testing.B) {
	ts := startServer(b, time.Minute)
	pres := lead.NewStaticPresence("LON", 20)
	ts.srv.apps[RoleOperator] = func(env Env) tea.Model {
		return &dashEcho{dash: lead.New(lead.Options{Site: "LON", Lead: env.Identity.Name, Renderer: env.Renderer, Presence: pres})}
	}
	const n = 50
	terms := make([]*sshtest.Term, n)
	for i := range terms {
		// Each session its own key, so each gets its own program.
		k := sshtest.NewKey(b, fmt.Sprintf("op%02d", i))
		ts.srv.AddKey(RoleOperator, k.Signer.PublicKey(), fmt.Sprintf("op%02d", i))
		terms[i] = openTerm(b, ts.addr, fmt.Sprintf("op%02d", i), k)
		terms[i].WaitFor(b, "typed=[]")
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
				io.WriteString(tm.In, c)
				want := "typed=[" + typed + "]"
				for !tm.Seen(want) {
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
