package localdb

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/packline/packline/internal/sqlitedb"
	"github.com/packline/packline/oms"
)

// BenchmarkRecordScan is one scan as the pack screen records it: the scan
// row and its outbox event, committed durably in one transaction.
func BenchmarkRecordScan(b *testing.B) {
	db := openTest(b)
	ctx := context.Background()
	sc := ScanContext{Operator: "op-1", OrderID: "o-1", OrderVersion: 3}
	s := oms.ScanRecorded{Context: "pack", Raw: "]E04006381333931", Symbology: "ean13", Kind: "product", GTIN: "04006381333931", SKU: "MUG-01", Qty: 1, Accepted: true}
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.RecordScan(ctx, sc, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawInsert is the floor under BenchmarkRecordScan: one bare
// INSERT in a transaction on a database with the same pragmas.
func BenchmarkRawInsert(b *testing.B) {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite3", sqlitedb.DSN(path))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL, raw TEXT NOT NULL, qty INTEGER NOT NULL) STRICT"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec("INSERT INTO t (at, raw, qty) VALUES (?, ?, ?)", "2026-11-29T10:00:00.000000000Z", "]E04006381333931", 1); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
