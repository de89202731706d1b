package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// artifactDir is where the browser test keeps its screenshots.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("PACKLINE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts")
	}
	dir = filepath.Join(dir, "web")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts Debian's Chromium headless, as a person's browser would
// see the pages (no JavaScript of ours runs: the pages have none).
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not found: run scripts/testdeps.sh (installs Debian's chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.NoSandbox, chromedp.Flag("disable-gpu", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// Start the browser on a context without a deadline (a deadline on the
	// first run would stop the browser); later steps get their own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

func screenshot(ctx context.Context, t *testing.T, name string, w, h int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatalf("viewport %s: %v", name, err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(artifactDir(t), name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// timelineDone is the steps of the order page's timeline marked done,
// as the browser shows them.
func timelineDone(ctx context.Context, t *testing.T) string {
	t.Helper()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("#timeline li.done > span")))
	if err != nil {
		t.Fatalf("timeline: %v", err)
	}
	var steps []string
	for _, n := range nodes {
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.NodeIDs{n.NodeID}))
		if err != nil {
			t.Fatalf("timeline step: %v", err)
		}
		steps = append(steps, strings.TrimSpace(text))
	}
	return strings.Join(steps, " ")
}

// TestBrowserTrackAndReturn follows an order in a real browser from
// shipped to delivered, requests a return and sees its RMA, with
// screenshots at phone and desktop sizes.
func TestBrowserTrackAndReturn(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	s := newShop(t, Config{})
	ctx := browser(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	text := func(id string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		must(err)
		return strings.TrimSpace(v)
	}
	must(chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/track/"+s.tracking)))
	if status := text("status"); status != "Shipped" {
		t.Fatalf("tracking page says %q", status)
	}
	screenshot(ctx, t, "track-shipped-phone", 390, 844)
	// The order page's timeline: done up to shipped, the rest to come.
	must(chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/orders/"+s.token)))
	if done := timelineDone(ctx, t); done != "Received Packed Shipped" {
		t.Fatalf("shipped order: timeline done %q", done)
	}
	s.deliver(t)
	must(chromedp.Do(ctx, chromedp.Reload()))
	if status := text("status"); status != "Delivered" {
		t.Fatalf("after delivery the tracking page says %q", status)
	}
	screenshot(ctx, t, "track-delivered-desktop", 1280, 900)

	must(chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/orders/"+s.token)))
	if done := timelineDone(ctx, t); done != "Received Packed Shipped Out for delivery Delivered" {
		t.Fatalf("delivered order: timeline done %q", done)
	}
	screenshot(ctx, t, "order-phone", 390, 844)
	screenshot(ctx, t, "order-desktop", 1280, 900)

	must(chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`select[name="qty_MUG"]`), "1"),
		chromedp.SetValue(chromedp.CSS(`select[name="reason"]`), "damaged"),
		chromedp.Click(chromedp.CSS(`#return-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("rma")),
	))
	rma := text("rma")
	v, err := s.svc.Store.GetReturn(context.Background(), rma)
	if err != nil || v.OrderID != s.orderID || v.Reason != "damaged" {
		t.Fatalf("RMA %q: %+v %v", rma, v, err)
	}
	screenshot(ctx, t, "return-phone", 390, 844)
	screenshot(ctx, t, "return-desktop", 1280, 900)
	t.Logf("RMA %s; screenshots in %s", rma, artifactDir(t))
}
