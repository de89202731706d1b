package printers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/packline/packline/internal/testutil"
	"github.com/packline/packline/localdb"
	"github.com/packline/packline/printers"
	"github.com/packline/packline/printers/vprinter"
)

// childEnv makes the test binary act as a station that only spools:
// PACKLINE_SPOOL_CHILD=DBPATH|PRINTERADDR.
const childEnv = "PACKLINE_SPOOL_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		os.Exit(spoolChild(v))
	}
	os.Exit(m.Run())
}

func spoolChild(arg string) int {
	dbPath, addr, _ := strings.Cut(arg, "|")
	db, err := localdb.Open(dbPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sp := printers.NewSpooler(db, map[string]printers.Transport{"p1": &printers.TCP{Addr: addr}},
		printers.SpoolerOptions{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	sp.Run(context.Background()) // until SIGKILL
	return 0
}

// checkFor polls fn every `every` until it returns nil or total has passed.
func checkFor(t testing.TB, total, every time.Duration, fn func() error) {
	t.Helper()
	testutil.CheckFor(t, total, every, fn)
}

func newVPrinter(t testing.TB) *vprinter.Server {
	t.Helper()
	vp, err := vprinter.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := vp.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vp.Close() })
	return vp
}

func openDB(t testing.TB, path string) *localdb.DB {
	t.Helper()
	db, err := localdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func fastOpts() printers.SpoolerOptions {
	return printers.SpoolerOptions{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}
}

var stampRE = regexp.MustCompile(`\^FXpackline-job=([0-9a-f-]+):(\d+)\^FS`)

// printedLabels lists "jobID:n" for every label the vprinter stored, in order.
func printedLabels(t testing.TB, vp *vprinter.Server) []string {
	t.Helper()
	files, err := vp.Labels()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := stampRE.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s has no job stamp", f)
		}
		out = append(out, string(m[1])+":"+string(m[2]))
	}
	return out
}

func testLabel(t testing.TB, i int) []byte {
	t.Helper()
	l := printers.NewLabel(printers.DPI203)
	l.Start(50, 25)
	l.Text(2, 2, 45, 4, "n", fmt.Sprintf("label %d", i))
	l.End()
	b, err := l.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func enqueueN(t testing.TB, sp *printers.Spooler, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		j, err := sp.Enqueue(context.Background(), "p1", "test", testLabel(t, i), fmt.Sprintf("SO-%d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	return ids
}

// wantExactlyOnce checks the printer output is each job's label(s) once, in order.
func wantExactlyOnce(t testing.TB, vp *vprinter.Server, ids []string) {
	t.Helper()
	got := printedLabels(t, vp)
	var want []string
	for _, id := range ids {
		want = append(want, id+":1")
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("printer output:\n%s\nwant each job once, in order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func allPrinted(db *localdb.DB, ids []string) func() error {
	return func() error {
		for _, id := range ids {
			j, err := db.PrintJob(context.Background(), id)
			if err != nil {
				return err
			}
			if j.State != printers.JobPrinted {
				return fmt.Errorf("job %s is %s (%s)", id, j.State, j.LastError)
			}
		}
		return nil
	}
}

func runSpooler(t testing.TB, sp *printers.Spooler) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sp.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestSpoolInOrderReprintVoid(t *testing.T) {
	vp := newVPrinter(t)
	db := openDB(t, filepath.Join(t.TempDir(), "station.db"))
	sp := printers.NewSpooler(db, map[string]printers.Transport{"p1": &printers.TCP{Addr: vp.Addr()}}, fastOpts())
	ids := enqueueN(t, sp, 10)
	// Void one before the spooler runs; it must never print.
	if err := sp.Void(context.Background(), ids[3]); err != nil {
		t.Fatal(err)
	}
	runSpooler(t, sp)
	live := append(append([]string{}, ids[:3]...), ids[4:]...)
	checkFor(t, 20*time.Second, 10*time.Millisecond, allPrinted(db, live))
	wantExactlyOnce(t, vp, live)
	if err := sp.Void(context.Background(), ids[0]); !errors.Is(err, printers.ErrJobState) {
		t.Errorf("void of a printed job: %v, want ErrJobState", err)
	}
	re, err := sp.Reprint(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	checkFor(t, 20*time.Second, 10*time.Millisecond, allPrinted(db, []string{re.ID}))
	j, _ := db.PrintJob(context.Background(), re.ID)
	if j.ReprintOf != ids[0] || j.OrderID != "SO-0" {
		t.Errorf("reprint links: reprint_of %q order %q", j.ReprintOf, j.OrderID)
	}
	wantExactlyOnce(t, vp, append(live, re.ID))
	if _, err := sp.Reprint(context.Background(), "nope"); !errors.Is(err, printers.ErrJobNotFound) {
		t.Errorf("reprint of unknown job: %v", err)
	}
}

func TestSpoolPrinterSwitchedOffMidQueue(t *testing.T) {
	vp := newVPrinter(t)
	db := openDB(t, filepath.Join(t.TempDir(), "station.db"))
	sp := printers.NewSpooler(db, map[string]printers.Transport{"p1": &printers.TCP{Addr: vp.Addr()}}, fastOpts())
	vp.SetCloseDelay(2 * time.Millisecond)
	ids := enqueueN(t, sp, 30)
	runSpooler(t, sp)
	checkFor(t, 20*time.Second, time.Millisecond, func() error {
		if n := vp.Info().Printed; n < 5 {
			return fmt.Errorf("%d printed", n)
		}
		return nil
	})
	if err := vp.Update(func(s *vprinter.State) { s.Offline = true }); err != nil {
		t.Fatal(err)
	}
	// While off, the queue waits and says why.
	checkFor(t, 20*time.Second, 10*time.Millisecond, func() error {
		jobs, err := db.PrintJobs(context.Background(), "p1", 100)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.State == printers.JobQueued && strings.Contains(j.LastError, "cannot connect") {
				return nil
			}
		}
		return errors.New("no job waiting on 'cannot connect'")
	})
	if err := vp.Update(func(s *vprinter.State) { s.Offline = false }); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 30*time.Second, 10*time.Millisecond, allPrinted(db, ids))
	wantExactlyOnce(t, vp, ids)
}

func TestSpoolPaperOut(t *testing.T) {
	vp := newVPrinter(t)
	db := openDB(t, filepath.Join(t.TempDir(), "station.db"))
	tr := &printers.TCP{Addr: vp.Addr()}
	sp := printers.NewSpooler(db, map[string]printers.Transport{"p1": tr}, fastOpts())
	ids := enqueueN(t, sp, 3)
	runSpooler(t, sp)
	checkFor(t, 20*time.Second, 5*time.Millisecond, allPrinted(db, ids))
	if err := vp.Update(func(s *vprinter.State) { s.PaperOut = true }); err != nil {
		t.Fatal(err)
	}
	more := enqueueN(t, sp, 5)
	checkFor(t, 20*time.Second, 10*time.Millisecond, func() error {
		j, err := db.PrintJob(context.Background(), more[0])
		if err != nil {
			return err
		}
		if j.State != printers.JobQueued || !strings.Contains(j.LastError, "paper out") {
			return fmt.Errorf("first job after paper out: %s %q", j.State, j.LastError)
		}
		return nil
	})
	st, err := tr.Status(context.Background())
	if err != nil || !st.PaperOut || st.Ready() {
		t.Fatalf("status with paper out: %v %v (an out-of-paper printer must not look offline)", st, err)
	}
	if vp.Info().Held != 0 {
		t.Fatalf("spooler sent to a printer that is out of paper")
	}
	if err := vp.Update(func(s *vprinter.State) { s.PaperOut = false }); err != nil {
		t.Fatal(err)
	}
	all := append(ids, more...)
	checkFor(t, 30*time.Second, 10*time.Millisecond, allPrinted(db, all))
	wantExactlyOnce(t, vp, all)
}

// TestSpoolStationKilledMidJob runs the spooler in a child process, kills it
// with SIGKILL while it waits for the printer to close a job connection (the
// label is stored, the job is still "sending"), restarts spooling from the
// same database and checks every job printed exactly once, in order.
func TestSpoolStationKilledMidJob(t *testing.T) {
	vp := newVPrinter(t)
	vp.SetCloseDelay(30 * time.Millisecond)
	dbPath := filepath.Join(t.TempDir(), "station.db")
	db := openDB(t, dbPath)
	sp := printers.NewSpooler(db, map[string]printers.Transport{"p1": &printers.TCP{Addr: vp.Addr()}}, fastOpts())
	ids := enqueueN(t, sp, 20)
	inDoubt := 0
	// At least three kills, and more until one has left a job in doubt:
	// a run where every kill fell between jobs would not test recovery.
	for round := 0; round < 3 || inDoubt == 0 && round < 6; round++ {
		before := vp.Info().Printed
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dbPath+"|"+vp.Addr())
		stderr := &syncBuffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		checkFor(t, 20*time.Second, time.Millisecond, func() error {
			if vp.Info().Printed < before+2 {
				return fmt.Errorf("child printed %d so far; stderr: %s", vp.Info().Printed-before, stderr.String())
			}
			return nil
		})
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		jobs, err := db.PrintJobs(context.Background(), "p1", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.State == printers.JobSending {
				inDoubt++
			}
		}
	}
	t.Logf("jobs left in 'sending' by the kills: %d", inDoubt)
	if inDoubt == 0 {
		t.Fatal("no kill left a job in 'sending': the in-doubt recovery was not exercised")
	}
	runSpooler(t, sp)
	checkFor(t, 30*time.Second, 10*time.Millisecond, allPrinted(db, ids))
	wantExactlyOnce(t, vp, ids)
}

// syncBuffer is a bytes.Buffer safe to read while a child process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cutTransport sends only the first n labels of a job and then reports the
// send in doubt, as a connection that broke mid-job would.
type cutTransport struct {
	*printers.TCP
	cut int
}

func (c *cutTransport) Send(ctx context.Context, zpl []byte) error {
	if c.cut < 0 {
		return c.TCP.Send(ctx, zpl)
	}
	parts := bytes.SplitAfter(zpl, []byte("^XZ"))
	n := c.cut
	c.cut = -1
	if err := c.TCP.Send(ctx, bytes.Join(parts[:n], nil)); err != nil {
		return err
	}
	return fmt.Errorf("test cut: %w", printers.ErrInDoubt)
}

func TestSpoolPartlyPrintedJobResendsTheRest(t *testing.T) {
	vp := newVPrinter(t)
	db := openDB(t, filepath.Join(t.TempDir(), "station.db"))
	tr := &cutTransport{TCP: &printers.TCP{Addr: vp.Addr()}, cut: 2}
	sp := printers.NewSpooler(db, map[string]printers.Transport{"p1": tr}, fastOpts())
	ts, err := printers.DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	slip := printers.DemoPackingSlip()
	for i := 0; i < 20; i++ {
		slip.Lines = append(slip.Lines, slip.Lines[i%len(slip.Lines)])
	}
	r, err := ts.Render("packing-slip", printers.DPI203, slip)
	if err != nil {
		t.Fatal(err)
	}
	if r.Labels < 3 {
		t.Fatalf("slip has %d labels, want 3+", r.Labels)
	}
	j, err := sp.Enqueue(context.Background(), "p1", "packing-slip", r.ZPL, slip.OrderID, "")
	if err != nil {
		t.Fatal(err)
	}
	runSpooler(t, sp)
	checkFor(t, 20*time.Second, 10*time.Millisecond, allPrinted(db, []string{j.ID}))
	got := printedLabels(t, vp)
	var want []string
	for k := 1; k <= r.Labels; k++ {
		want = append(want, fmt.Sprintf("%s:%d", j.ID, k))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("printed %v, want %v", got, want)
	}
}

// noOdometer hides the odometer: a printer that cannot report its count.
type noOdometer struct{ tcp *printers.TCP }

func (n noOdometer) Send(ctx context.Context, zpl []byte) error {
	n.tcp.Send(ctx, zpl)
	return fmt.Errorf("test: %w", printers.ErrInDoubt)
}
func (n noOdometer) Status(ctx context.Context) (printers.Status, error) { return n.tcp.Status(ctx) }
func (n noOdometer) String() string                                      { return n.tcp.String() }

func TestSpoolInDoubtWithoutOdometerIsNotResent(t *testing.T) {
	vp := newVPrinter(t)
	db := openDB(t, filepath.Join(t.TempDir(), "station.db"))
	sp := printers.NewSpooler(db, map[string]printers.Transport{"p1": noOdometer{&printers.TCP{Addr: vp.Addr()}}}, fastOpts())
	ids := enqueueN(t, sp, 2)
	runSpooler(t, sp)
	checkFor(t, 20*time.Second, 10*time.Millisecond, func() error {
		for _, id := range ids {
			j, err := db.PrintJob(context.Background(), id)
			if err != nil {
				return err
			}
			if j.State != printers.JobFailed || !strings.Contains(j.LastError, "in doubt") {
				return fmt.Errorf("job %s: %s %q", id, j.State, j.LastError)
			}
		}
		return nil
	})
	wantExactlyOnce(t, vp, ids)
	// The operator decides: void one, reprint the other.
	if err := sp.Void(context.Background(), ids[0]); err != nil {
		t.Fatal(err)
	}
}

func TestStatusNotAnsweringIsNotCannotConnect(t *testing.T) {
	vp := newVPrinter(t)
	tr := &printers.TCP{Addr: vp.Addr(), Timeouts: printers.Timeouts{Answer: 200 * time.Millisecond}}
	if err := vp.Update(func(s *vprinter.State) { s.Mute = true }); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Status(context.Background()); !errors.Is(err, printers.ErrNotAnswering) {
		t.Errorf("mute printer: %v, want ErrNotAnswering", err)
	}
	if err := vp.Update(func(s *vprinter.State) { s.Mute = false; s.Offline = true }); err != nil {
		t.Fatal(err)
	}
	_, err := tr.Status(context.Background())
	if !errors.Is(err, printers.ErrCannotConnect) || errors.Is(err, printers.ErrNotAnswering) {
		t.Errorf("offline printer: %v, want ErrCannotConnect", err)
	}
	if err := vp.Update(func(s *vprinter.State) { s.Offline = false; s.HeadOpen = true; s.Paused = true }); err != nil {
		t.Fatal(err)
	}
	st, err := tr.Status(context.Background())
	if err != nil || !st.HeadOpen || !st.Paused || st.PaperOut {
		t.Errorf("head open + paused: %+v %v", st, err)
	}
}

// BenchmarkSpoolToVPrinter measures spooled labels per second through the
// whole path: SQLite job rows (synchronous=FULL), ~HS and odometer checks,
// one TCP connection per job, vprinter storing each label with fsync.
func BenchmarkSpoolToVPrinter(b *testing.B) {
	vp := newVPrinter(b)
	db := openDB(b, filepath.Join(b.TempDir(), "station.db"))
	sp := printers.NewSpooler(db, map[string]printers.Transport{"p1": &printers.TCP{Addr: vp.Addr()}}, fastOpts())
	label := testLabel(b, 1)
	ids := make([]string, 0, b.N)
	for range b.N {
		j, err := sp.Enqueue(context.Background(), "p1", "bench", label, "SO-1", "")
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	b.ResetTimer()
	start := time.Now()
	runSpooler(b, sp)
	checkFor(b, 10*time.Minute, time.Millisecond, func() error {
		if n := vp.Info().Printed; n < int64(b.N) {
			return fmt.Errorf("%d of %d printed", n, b.N)
		}
		return nil
	})
	b.StopTimer()
	rate := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(rate, "labels/s")
	printers.BenchTarget(b, b.N >= 50, rate >= 200, "spooled %.0f labels/s, target at least 200", rate)
	checkFor(b, time.Minute, time.Millisecond, allPrinted(db, ids[len(ids)-1:]))
}

// TestSpoolDamagedRowFailsNotPrints stores rows that Enqueue would refuse,
// as a damaged or hand-edited station database may hold: each fails with
// the reason, nothing of it reaches the printer, and the queue goes on.
func TestSpoolDamagedRowFailsNotPrints(t *testing.T) {
	vp := newVPrinter(t)
	db := openDB(t, filepath.Join(t.TempDir(), "station.db"))
	sp := printers.NewSpooler(db, map[string]printers.Transport{"p1": &printers.TCP{Addr: vp.Addr()}}, fastOpts())
	ctx := context.Background()
	bad := []printers.Job{
		{ID: "bad-zpl", ZPL: []byte("not zpl at all"), Labels: 1},
		{ID: "bad-tilde", ZPL: []byte("^XA~JR^XZ"), Labels: 1},
		{ID: "bad-count", ZPL: testLabel(t, 0), Labels: 0},
	}
	for _, j := range bad {
		j.Printer, j.Template = "p1", "test"
		if err := db.AddPrintJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	good := enqueueN(t, sp, 2)
	runSpooler(t, sp)
	checkFor(t, 20*time.Second, 10*time.Millisecond, allPrinted(db, good))
	for _, b := range bad {
		j, err := db.PrintJob(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != printers.JobFailed || !strings.Contains(j.LastError, "damaged") {
			t.Errorf("job %s: %s %q, want failed as damaged", b.ID, j.State, j.LastError)
		}
	}
	wantExactlyOnce(t, vp, good)
}
