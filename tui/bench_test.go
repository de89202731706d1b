package tui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/oms/demo"
	"github.com/packline/packline/tui/common"
	"github.com/packline/packline/tui/floor"
	"github.com/packline/packline/tui/screens/login"
)

// run executes cmd as the Bubble Tea loop would and feeds what it returns
// back into m, until nothing is left.
func run(m *Model, cmd tea.Cmd) {
	for cmd != nil {
		msg := cmd()
		switch msg := msg.(type) {
		case nil:
			return
		case tea.BatchMsg:
			for _, c := range msg {
				run(m, c)
			}
			return
		default:
			_, cmd = m.Update(msg)
		}
	}
}

// bigOrder opens a 200-line order on a fresh model at w x h.
func bigOrder(b *testing.B, w, h int) (*Model, *fixture, []string) {
	b.Helper()
	fx := newFixture(b)
	world := demo.Generate(demo.DefaultSeed, demo.Sizes{SKUs: 200})
	if err := fx.db.UpsertSKUs(context.Background(), world.SKUs); err != nil {
		b.Fatal(err)
	}
	var lines []oms.Line
	var codes []string
	for i, s := range world.SKUs {
		lines = append(lines, oms.Line{LineNo: i + 1, SKU: s.SKU, Qty: 100000, UnitPrice: 100})
		codes = append(codes, "PL"+s.SKU)
	}
	fx.release(b, "B200", lines, nil)
	m := New(Options{Floor: fx.f, Renderer: lipgloss.DefaultRenderer(), Now: func() time.Time { return fixedNow }})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(login.SignedInMsg{Operator: floor.DemoOperators()[0]})
	_, cmd := m.Update(common.ScanMsg{Scan: fx.f.Decode("B200")})
	run(m, cmd)
	if m.screens[ScreenPack].View() == "" || !strings.Contains(m.View(), "PACK B200") {
		b.Fatalf("order not open:\n%s", m.View())
	}
	return m, fx, codes
}

// BenchmarkScanToView is one item scan on a 200-line order, from the scan
// message to the updated View(). "commit" is the whole path, including the
// durable SQLite commit of the scan and its events; "screen" is what the
// TUI adds once the commit is done (result message to View). Both report
// p50 and p99 in ms; the target is p99 < 2 ms.
func BenchmarkScanToView(b *testing.B) {
	m, fx, codes := bigOrder(b, 80, 24)
	scans := make([]common.ScanMsg, len(codes))
	for i, c := range codes {
		scans[i] = common.ScanMsg{Scan: fx.f.Decode(c)}
	}
	var full, ui []time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		_, cmd := m.Update(scans[i%len(scans)])
		done := cmd() // the handling: lookup, checks, Record (commit)
		t1 := time.Now()
		_, cmd = m.Update(done)
		_ = m.View()
		t2 := time.Now()
		full = append(full, t2.Sub(t0))
		ui = append(ui, t2.Sub(t1))
		if cmd != nil {
			run(m, cmd)
		}
		i++
	}
	b.StopTimer()
	if p99 := report(b, "commit", full); p99 > 2 {
		// The durable commit waits on the disk, which the TUI does not
		// control: reported, not failed.
		b.Logf("MISSED TARGET: scan with its SQLite commit: p99 %.2f ms, over the 2 ms target on this disk", p99)
	}
	// Speed is reported, never asserted: a miss of the 2 ms target is
	// logged (the p99 moves with other load on a shared machine).
	if p99 := report(b, "screen", ui); p99 > 2 {
		b.Logf("MISSED TARGET: scan result to updated View(): p99 %.2f ms, over the 2 ms target (machine load?)", p99)
	}
	if p50 := quantile(ui, 0.50); p50 > 2 {
		b.Logf("MISSED TARGET: scan result to updated View(): p50 %.2f ms, target p99 under 2 ms", p50)
	}
}

// report sorts ds, reports its p50 and p99 as name-p50-ms and
// name-p99-ms, and returns the p99 in ms.
func report(b *testing.B, name string, ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	b.ReportMetric(quantile(ds, 0.50), name+"-p50-ms")
	b.ReportMetric(quantile(ds, 0.99), name+"-p99-ms")
	return quantile(ds, 0.99)
}

// quantile is the q quantile of the sorted ds, in ms.
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	return float64(ds[min(int(q*float64(len(ds))), len(ds)-1)]) / 1e6
}

// BenchmarkView80x24 draws the pack screen of a 200-line order at 80x24
// (target < 1 ms).
func BenchmarkView80x24(b *testing.B) {
	m, _, _ := bigOrder(b, 80, 24)
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
	if per := b.Elapsed() / time.Duration(b.N); per > time.Millisecond {
		b.Logf("MISSED TARGET: View() at 80x24 takes %s, target under 1 ms", per)
	}
}

// BenchmarkView200x60 is the same on a wide screen.
func BenchmarkView200x60(b *testing.B) {
	m, _, _ := bigOrder(b, 200, 60)
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}
