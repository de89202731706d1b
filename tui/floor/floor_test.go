package floor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/scanner"
)

func TestSSCC(t *testing.T) {
	s, err := SSCC("5060123", 42)
	if err != nil || len(s) != 18 || s[:8] != "05060123" {
		t.Fatalf("%q %v", s, err)
	}
	cd, _ := oms.GS1CheckDigit(s[:17])
	if s[17] != cd {
		t.Fatalf("check digit of %s", s)
	}
	for _, bad := range []string{"", "12", "50601X3"} {
		if _, err := SSCC(bad, 1); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
}

func TestScanRecordTakesLotAndExpiry(t *testing.T) {
	d := scanner.NewDecoder(scanner.DefaultConfig())
	s := d.Decode([]byte("]C1010950600013435210LOT42\x1d17271100"))
	r := ScanRecord("pack", s)
	if r.Lot != "LOT42" || r.Expiry != "2027-11-30" || r.GTIN != "09506000134352" {
		t.Fatalf("%+v", r)
	}
	if expiryDate("270315") != "2027-03-15" || expiryDate("x") != "x" {
		t.Fatal("expiry")
	}
}

func TestDescribe(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	if s, bad := (SyncState{Configured: true, Online: true}).Describe(now); s != "SYNC online" || bad {
		t.Fatal(s)
	}
	if s, bad := (SyncState{Configured: true, Waiting: 12, Oldest: now.Add(-3 * time.Minute)}).Describe(now); s != "OFFLINE 12 waiting 3m" || !bad {
		t.Fatal(s)
	}
	if s, bad := (PrinterState{Configured: true, Answering: true, Faults: []string{"paper out"}, Queued: 2, CheckedAt: now}).Describe(); s != "PRN paper out 2 queued" || !bad {
		t.Fatal(s)
	}
	if s, bad := (PrinterState{Configured: true, CheckedAt: now}).Describe(); s != "PRN not answering" || !bad {
		t.Fatal(s)
	}
}

func TestSignIn(t *testing.T) {
	f := &Floor{Operators: DemoOperators()}
	if o, err := f.SignInBadge("1001"); err != nil || o.ID != "ana" {
		t.Fatal(o, err)
	}
	if _, err := f.SignInPIN("ana", "2222"); err == nil {
		t.Fatal("wrong PIN accepted")
	}
	if o, err := f.SignInPIN("LEE", "9999"); err != nil || !o.Lead {
		t.Fatal(o, err)
	}
}

// TestRecordRefusalSaysWhenNotRecorded: a refused scan goes into the
// outbox as scan.recorded (accepted false, with its reason); when the
// write fails, the operator's message says it was not recorded.
func TestRecordRefusalSaysWhenNotRecorded(t *testing.T) {
	db, err := localdb.OpenStation(filepath.Join(t.TempDir(), "s.db"), "LON", "PACK-01")
	if err != nil {
		t.Fatal(err)
	}
	f := &Floor{DB: db}
	ctx := context.Background()
	rec := ScanRecord("pack", scanner.NewDecoder(scanner.DefaultConfig()).Decode([]byte("NOPE-1")))
	rec.Accepted = true // RecordRefusal must not trust the caller's flag
	if got := f.RecordRefusal(ctx, localdb.ScanContext{Operator: "ana"}, rec, "unknown_barcode", "unknown barcode NOPE-1"); got != "unknown barcode NOPE-1" {
		t.Fatalf("message %q", got)
	}
	rows, err := db.PendingOutbox(ctx, 0, 10)
	if err != nil || len(rows) != 1 {
		t.Fatalf("%d outbox rows, %v", len(rows), err)
	}
	ev, err := oms.ParseEvent(rows[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := ev.Payload.(*oms.ScanRecorded); !ok || p.Accepted || p.Reason != "unknown_barcode" || p.Raw != "NOPE-1" {
		t.Fatalf("recorded %+v", ev.Payload)
	}
	db.Close()
	if got := f.RecordRefusal(ctx, localdb.ScanContext{Operator: "ana"}, rec, "unknown_barcode", "unknown barcode NOPE-1"); !strings.HasPrefix(got, "unknown barcode NOPE-1 (not recorded: ") {
		t.Fatalf("message after a failed write %q", got)
	}
}
