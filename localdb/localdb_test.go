package localdb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/oms/demo"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := OpenStation(filepath.Join(t.TempDir(), "station.db"), "LON", "PACK-01")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenSetsPragmasAndSchema(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"} {
		var got string
		if err := db.sql.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	var v int
	db.sql.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion() || v < 1 {
		t.Fatalf("user_version %d, want %d", v, SchemaVersion())
	}
	// Reopening applies nothing twice.
	db.Close()
	db2, err := Open(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if site, station := db2.Identity(); site != "LON" || station != "PACK-01" {
		t.Fatalf("identity after reopen: %s/%s", site, station)
	}
}

func TestOpenRefusesNonSQLiteFiles(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"text.db":    []byte("order_id,sku,qty\n1,A,2\n"),
		"garbage.db": bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 2048),
		"short.db":   []byte("SQLite"),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path)
			if !errors.Is(err, ErrNotDatabase) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want ErrNotDatabase naming %s", err, path)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, content) {
				t.Fatal("the file was changed")
			}
		})
	}
}

func TestOpenRefusesCorruptDatabase(t *testing.T) {
	db := openTest(t)
	path := db.Path()
	if _, err := db.RecordScan(context.Background(), ScanContext{Operator: "op"}, oms.ScanRecorded{Context: "pack", Raw: "123", Kind: "product"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the header, wreck the pages that follow it.
	for i := 100; i < len(data); i++ {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("corrupt database opened or error does not name it: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, data) {
		t.Fatal("the corrupt file was changed")
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	db := openTest(t)
	path := db.Path()
	if _, err := db.sql.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	_, err := Open(path)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "99") {
		t.Fatalf("got %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("the newer database was changed")
	}
}

// TestOpenReadOnlyDirectory needs a user that file permissions apply to.
// As root (CI runs as root) it re-runs itself as the nobody user.
func TestOpenReadOnlyDirectory(t *testing.T) {
	if dir := os.Getenv("PACKLINE_RO_DIR"); dir != "" {
		checkReadOnlyDir(t, dir)
		return
	}
	dir, err := os.MkdirTemp("", "packline-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755); os.RemoveAll(dir) })
	// An existing station database in the folder, which must survive.
	existing, err := OpenStation(filepath.Join(dir, "existing.db"), "LON", "PACK-01")
	if err != nil {
		t.Fatal(err)
	}
	existing.Close()
	if err := os.Chmod(filepath.Join(dir, "existing.db"), 0o444); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "existing.db"))
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		checkReadOnlyDir(t, dir)
	} else {
		runAsNobody(t, "TestOpenReadOnlyDirectory", "PACKLINE_RO_DIR="+dir)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "existing.db"))
	if !bytes.Equal(before, after) {
		t.Fatal("the existing database was changed")
	}
}

func checkReadOnlyDir(t *testing.T, dir string) {
	for _, name := range []string{"new.db", "existing.db"} {
		path := filepath.Join(dir, name)
		db, err := Open(path)
		if err == nil {
			db.Close()
			t.Fatalf("%s opened in a read-only folder", path)
		}
		if !strings.Contains(err.Error(), path) {
			t.Fatalf("error does not name the file: %v", err)
		}
		t.Logf("%s: %v", name, err)
	}
}

// runAsNobody runs one test of this binary as uid/gid 65534.
func runAsNobody(t *testing.T, test string, env ...string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	binDir, err := os.MkdirTemp("", "packline-bin-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(binDir)
	bin := filepath.Join(binDir, "localdb.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(binDir, 0o755)
	cmd := exec.Command(bin, "-test.run=^"+test+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = binDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("--- PASS")) {
		t.Fatalf("child ran no test:\n%s", out)
	}
	t.Logf("as nobody:\n%s", out)
}

func TestRecordIsAllOrNothing(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	_, err := db.Record(ctx, func(tx *Tx) error {
		if _, err := tx.Exec("INSERT INTO meta (key, value) VALUES ('k', 'v')"); err != nil {
			return err
		}
		if _, err := tx.Emit(oms.Event{Payload: &oms.PackStarted{Tote: "T1"}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	var n int
	db.sql.QueryRow("SELECT count(*) FROM meta WHERE key = 'k'").Scan(&n)
	stats, _ := db.OutboxStats(ctx)
	if n != 0 || stats.Waiting != 0 || stats.LastSeq != 0 {
		t.Fatalf("half-applied: meta %d, outbox %+v", n, stats)
	}
	evs, err := db.Record(ctx, func(tx *Tx) error {
		for range 3 {
			if _, err := tx.Emit(oms.Event{Operator: "op", Payload: &oms.PackStarted{}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) || e.Site != "LON" || e.Station != "PACK-01" {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
}

func TestOnlyEmitWritesTheOutbox(t *testing.T) {
	db := openTest(t)
	_, err := db.Record(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("INSERT INTO Outbox (seq, event_id, subject, payload, created_at) VALUES (5, 'x', 's', 'p', 'now')")
		return err
	})
	if !errors.Is(err, ErrOutboxWrite) {
		t.Fatalf("got %v", err)
	}
}

// TestEmitRefusesAnEventCentralWouldNotTake: an event over the size limit
// is refused when it is recorded, naming its size, and nothing of the
// transaction is stored; it never reaches the outbox to be set aside.
func TestEmitRefusesAnEventCentralWouldNotTake(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	_, err := db.Record(ctx, func(tx *Tx) error {
		if _, err := tx.Exec("INSERT INTO meta (key, value) VALUES ('k', 'v')"); err != nil {
			return err
		}
		_, err := tx.Emit(oms.Event{Payload: &oms.ScanRecorded{Context: "pack", Raw: strings.Repeat("A", oms.MaxEventBytes), Kind: "unknown"}})
		return err
	})
	if !errors.Is(err, oms.ErrInvalid) || !strings.Contains(err.Error(), "over the 262144 byte limit") {
		t.Fatalf("got %v", err)
	}
	var n int
	db.sql.QueryRow("SELECT count(*) FROM meta WHERE key = 'k'").Scan(&n)
	if st, _ := db.OutboxStats(ctx); n != 0 || st.Waiting != 0 || st.LastSeq != 0 {
		t.Fatalf("half-applied: meta %d, outbox %+v", n, st)
	}
}

func TestIdentity(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Record(ctx, func(tx *Tx) error { return nil }); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("no identity: %v", err)
	}
	if err := db.SetIdentity(ctx, "LON", "pack.01"); !errors.Is(err, oms.ErrInvalid) {
		t.Fatalf("dot in station id: %v", err)
	}
	if err := db.SetIdentity(ctx, "LON", "PACK-01"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordScan(ctx, ScanContext{Operator: "op"}, oms.ScanRecorded{Context: "pack", Raw: "x", Kind: "unknown"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetIdentity(ctx, "LON", "PACK-02"); !errors.Is(err, ErrIdentityChanged) {
		t.Fatalf("changed identity: %v", err)
	}
	if err := db.SetIdentity(ctx, "LON", "PACK-01"); err != nil {
		t.Fatalf("same identity again: %v", err)
	}
}

func TestOutboxLifecycle(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for i := range 5 {
		if _, err := db.RecordScan(ctx, ScanContext{Operator: "op", OrderID: "o1", OrderVersion: 2},
			oms.ScanRecorded{Context: "pack", Raw: "4006381333931", Kind: "product", Qty: i + 1, Accepted: true}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.PendingOutbox(ctx, 0, 10)
	if err != nil || len(rows) != 5 {
		t.Fatalf("pending: %d %v", len(rows), err)
	}
	ev, err := oms.ParseEvent(rows[2].Payload)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Seq != 3 || ev.OrderID != "o1" || ev.Payload.(*oms.ScanRecorded).Qty != 3 || rows[2].Subject != "oms.LON.PACK-01.events" {
		t.Fatalf("row 3: %+v %s", ev, rows[2].Subject)
	}
	now := time.Now()
	db.MarkSent(ctx, 1, now)
	db.MarkFailed(ctx, 2, errors.New("nats: timeout"))
	st, _ := db.OutboxStats(ctx)
	if st.Waiting != 5 || st.Unsent != 4 || st.LastSeq != 5 || st.Oldest.IsZero() || st.LastSentAt.IsZero() {
		t.Fatalf("stats: %+v", st)
	}
	rows, _ = db.PendingOutbox(ctx, 0, 2)
	if rows[1].LastError != "nats: timeout" || rows[1].Attempts != 1 || rows[0].SentAt.IsZero() || !rows[1].SentAt.IsZero() {
		t.Fatalf("rows: %+v", rows)
	}
	// What JetStream stored is a prefix of the outbox, and never shrinks.
	db.MarkSentRange(ctx, 2, 3, now)
	db.MarkSent(ctx, 1, now)
	if st, _ := db.OutboxStats(ctx); st.Unsent != 2 {
		t.Fatalf("after 1-3 stored: %d unsent, want 2", st.Unsent)
	}
	rows, _ = db.PendingOutbox(ctx, 0, 5)
	if rows[2].SentAt.IsZero() || !rows[3].SentAt.IsZero() {
		t.Fatalf("rows 3 and 4: %+v %+v", rows[2], rows[3])
	}
	if n, err := db.PruneOutbox(ctx, 5); err != nil || n != 5 {
		t.Fatalf("prune: %d %v", n, err)
	}
	// Seqs keep counting after the outbox empties: central dedupes on them.
	e, err := db.RecordScan(ctx, ScanContext{Operator: "op"}, oms.ScanRecorded{Context: "pack", Raw: "x", Kind: "unknown"})
	if err != nil || e.Seq != 6 {
		t.Fatalf("seq after prune: %d %v", e.Seq, err)
	}
}

func TestBarcodeLookup(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	err := db.UpsertSKUs(ctx, []oms.SKU{{SKU: "MUG-01", Description: "Mug", Barcodes: []oms.Barcode{
		{Code: "4006381333931", Kind: oms.BarcodeGTIN13},
		{Code: "14006381333938", Kind: oms.BarcodeGTIN14, Qty: 6},
		{Code: "pl-mug-01", Kind: oms.BarcodeInternal},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]int{"4006381333931": 1, "04006381333931": 1, "14006381333938": 6, "PL-MUG-01": 1} {
		m, err := db.LookupBarcode(ctx, code)
		if err != nil || m.SKU != "MUG-01" || m.Qty != want {
			t.Errorf("%s: %+v %v", code, m, err)
		}
	}
	if _, err := db.LookupBarcode(ctx, "5901234123457"); !errors.Is(err, ErrUnknownBarcode) {
		t.Fatalf("unknown: %v", err)
	}
	err = db.UpsertSKUs(ctx, []oms.SKU{{SKU: "BAD", Barcodes: []oms.Barcode{{Code: "4006381333932", Kind: oms.BarcodeGTIN13}}}})
	if err == nil || !strings.Contains(err.Error(), "check digit") {
		t.Fatalf("bad check digit: %v", err)
	}
	if _, err := db.SKU(ctx, "BAD"); !errors.Is(err, sql.ErrNoRows) {
		t.Fatal("a refused batch left a SKU behind")
	}
	s, err := db.SKU(ctx, "MUG-01")
	if err != nil || len(s.Barcodes) != 3 {
		t.Fatalf("%+v %v", s, err)
	}
}

func task(p oms.Payload, order string, version int64) oms.Event {
	e := oms.NewEvent(p)
	e.Site, e.Station, e.OrderID, e.OrderVersion = "LON", "PACK-01", order, version
	return e
}

func TestApplyTaskVersions(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	o := oms.Order{Channel: oms.ChannelWeb, ExternalID: "W1", State: oms.StateReleased, Currency: "EUR", ServiceLevel: oms.ServiceExpress,
		Lines: []oms.Line{{LineNo: 1, SKU: "MUG-01", Qty: 2, UnitPrice: 899}}}
	rel := task(&oms.TaskOrderReleased{Order: o, SKUs: []oms.SKU{{SKU: "MUG-01", Barcodes: []oms.Barcode{{Code: "4006381333931", Kind: oms.BarcodeGTIN13}}}}}, "o1", 2)
	if changed, err := db.ApplyTask(ctx, rel); err != nil || !changed {
		t.Fatalf("release: %v %v", changed, err)
	}
	if changed, err := db.ApplyTask(ctx, rel); err != nil || changed {
		t.Fatalf("same task twice: %v %v", changed, err)
	}
	hold := task(&oms.TaskOrderHeld{Reason: "fraud"}, "o1", 4)
	if changed, err := db.ApplyTask(ctx, hold); err != nil || !changed {
		t.Fatalf("hold: %v %v", changed, err)
	}
	// Version 3 arrives late: kept in the inbox, changes nothing.
	late := task(&oms.TaskOrderCancelled{}, "o1", 3)
	if changed, err := db.ApplyTask(ctx, late); err != nil || changed {
		t.Fatalf("late task: %v %v", changed, err)
	}
	got, err := db.Order(ctx, "o1")
	if err != nil || got.State != oms.StateOnHold || got.Version != 4 || got.HeldFrom != oms.StateReleased {
		t.Fatalf("order: %+v %v", got, err)
	}
	if _, err := db.LookupBarcode(ctx, "4006381333931"); err != nil {
		t.Fatalf("task's SKUs not stored: %v", err)
	}
	rel2 := task(&oms.TaskHoldReleased{}, "o1", 5)
	db.ApplyTask(ctx, rel2)
	got, _ = db.Order(ctx, "o1")
	if got.State != oms.StateReleased {
		t.Fatalf("after hold released: %s", got.State)
	}
	bad := task(&oms.PackStarted{}, "o1", 6)
	if _, err := db.ApplyTask(ctx, bad); !errors.Is(err, oms.ErrInvalid) {
		t.Fatalf("a fact as a task: %v", err)
	}
	other := task(&oms.TaskOrderCancelled{}, "o1", 7)
	other.Station = "PACK-02"
	if _, err := db.ApplyTask(ctx, other); !errors.Is(err, oms.ErrInvalid) || !strings.Contains(err.Error(), "addressed to LON/PACK-02") {
		t.Fatalf("another station's task: %v", err)
	}
	if got, _ := db.Order(ctx, "o1"); got.State != oms.StateReleased || got.Version != 5 {
		t.Fatalf("another station's task changed the order: %+v", got)
	}
}

func TestLoadDemoTwiceChangesNothing(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	data := demo.Generate(7, demo.Sizes{SKUs: 40, Orders: 30})
	n, err := db.LoadDemo(ctx, data)
	if err != nil || n != 10 {
		t.Fatalf("first load: %d orders, %v", n, err)
	}
	var tasks1, locs int
	db.sql.QueryRow("SELECT count(*) FROM tasks").Scan(&tasks1)
	db.sql.QueryRow("SELECT count(*) FROM locations WHERE site != 'LON'").Scan(&locs)
	if _, err := db.LoadDemo(ctx, data); err != nil {
		t.Fatal(err)
	}
	var tasks2 int
	db.sql.QueryRow("SELECT count(*) FROM tasks").Scan(&tasks2)
	if tasks1 != 10 || tasks2 != 10 || locs != 0 {
		t.Fatalf("tasks %d then %d; other sites' bins %d", tasks1, tasks2, locs)
	}
	o, err := db.Order(ctx, data.Orders[0].ID)
	if err != nil || o.State != oms.StateReleased || len(o.Lines) == 0 {
		t.Fatalf("%+v %v", o, err)
	}
	// Every SKU's GTIN finds it in one lookup.
	for _, s := range data.SKUs {
		m, err := db.LookupBarcode(ctx, s.Barcodes[0].Code)
		if err != nil || m.SKU != s.SKU {
			t.Fatalf("%s: %+v %v", s.Barcodes[0].Code, m, err)
		}
	}
}

// TestApplyTaskRefusesBadReleases: a release the station could not work
// from is refused as invalid (so the sync layer drops rather than retries
// it), names what is wrong, and leaves nothing behind: no order, no inbox
// row, none of its SKUs.
func TestApplyTaskRefusesBadReleases(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	release := func(spoil func(o *oms.Order, p *oms.TaskOrderReleased)) oms.Event {
		o := oms.Order{ID: "o1", Channel: oms.ChannelWeb, ExternalID: "W1", State: oms.StateReleased, Currency: "EUR", ServiceLevel: oms.ServiceExpress,
			Lines: []oms.Line{{LineNo: 1, SKU: "MUG-01", Qty: 2, UnitPrice: 899}}}
		p := &oms.TaskOrderReleased{SKUs: []oms.SKU{{SKU: "MUG-01", Barcodes: []oms.Barcode{{Code: "4006381333931", Kind: oms.BarcodeGTIN13}}}},
			Picks: []oms.PickLine{{LineNo: 1, SKU: "MUG-01", Location: "A-01-01-1", Qty: 2}}}
		spoil(&o, p)
		p.Order = o
		return task(p, "o1", 2)
	}
	cases := []struct {
		name, want string
		spoil      func(o *oms.Order, p *oms.TaskOrderReleased)
	}{
		{"zero qty", "order.lines[1].qty", func(o *oms.Order, _ *oms.TaskOrderReleased) { o.Lines[0].Qty = 0 }},
		{"repeated line", "appears twice", func(o *oms.Order, _ *oms.TaskOrderReleased) {
			o.Lines = append(o.Lines, oms.Line{LineNo: 1, SKU: "X", Qty: 1})
		}},
		{"no state", "order.state", func(o *oms.Order, _ *oms.TaskOrderReleased) { o.State = "" }},
		{"pick of no line", "picks[1].line_no", func(_ *oms.Order, p *oms.TaskOrderReleased) { p.Picks[0].LineNo = 7 }},
		{"another order", "differs from the envelope", func(o *oms.Order, _ *oms.TaskOrderReleased) { o.ID = "o2" }},
		{"bad barcode", "check digit", func(_ *oms.Order, p *oms.TaskOrderReleased) { p.SKUs[0].Barcodes[0].Code = "4006381333932" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := release(c.spoil)
			changed, err := db.ApplyTask(ctx, ev)
			if changed || !errors.Is(err, oms.ErrInvalid) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), ev.ID) {
				t.Fatalf("got %v, %v; want ErrInvalid naming task %s and %q", changed, err, ev.ID, c.want)
			}
			var orders, tasks, skus int
			db.sql.QueryRow("SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM tasks), (SELECT count(*) FROM skus)").Scan(&orders, &tasks, &skus)
			if orders+tasks+skus != 0 {
				t.Fatalf("half-applied: %d orders, %d tasks, %d skus", orders, tasks, skus)
			}
		})
	}
	// The same release, well formed, goes in.
	if changed, err := db.ApplyTask(ctx, release(func(*oms.Order, *oms.TaskOrderReleased) {})); err != nil || !changed {
		t.Fatalf("good release: %v %v", changed, err)
	}
}
