package localdb

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/packline/packline/internal/sqlitedb"
	"github.com/packline/packline/oms"
)

// TestOutboxSentSurvivesTheUpgradeTo0007: a station upgraded in the middle
// of a backlog keeps what JetStream had stored, now as one number: the
// events marked sent per row before the upgrade stay sent, the rest
// unsent, and none is lost.
func TestOutboxSentSurvivesTheUpgradeTo0007(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	old := fstest.MapFS{}
	for _, name := range []string{"0001_init.sql", "0002_print_jobs.sql", "0003_exceptions.sql", "0004_shipping.sql", "0005_tui.sql", "0006_label_reports.sql"} {
		data, err := fs.ReadFile(migrationFiles, "migrations/"+name)
		if err != nil {
			t.Fatal(err)
		}
		old["migrations/"+name] = &fstest.MapFile{Data: data}
	}
	db, err := sqlitedb.Open("station db", path, old, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	d := &DB{path: path, sql: db, recorded: make(chan struct{}, 1)}
	ctx := context.Background()
	if err := d.SetIdentity(ctx, "LON", "PACK-01"); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := d.RecordScan(ctx, ScanContext{Operator: "op"}, oms.ScanRecorded{Context: "pack", Raw: "x", Kind: "unknown"}); err != nil {
			t.Fatal(err)
		}
	}
	// As the drainer before 0007 recorded JetStream's acks of seqs 1-3.
	if _, err := db.Exec("UPDATE outbox SET sent_at = '2026-11-29T10:00:00.000000000Z', attempts = 1 WHERE seq <= 3"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	up, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	st, err := up.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Waiting != 5 || st.Unsent != 2 || st.LastSentAt.Format("15:04") != "10:00" {
		t.Fatalf("after the upgrade: %+v, want 5 waiting, 2 unsent, last sent 10:00", st)
	}
	rows, _ := up.PendingOutbox(ctx, 0, 10)
	if len(rows) != 5 || rows[2].SentAt.IsZero() || !rows[3].SentAt.IsZero() {
		t.Fatalf("rows after the upgrade: %+v", rows)
	}
}
