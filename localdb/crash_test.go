package localdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/internal/testutil"
	"github.com/packline/packline/oms"
)

// crashChildEnv names the database a crash-test child records into.
const crashChildEnv = "PACKLINE_CRASH_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

// crashChild records scans as fast as it can and prints each seq once
// RecordScan has returned, the moment a terminal would beep. It runs until
// it is killed.
func crashChild(path string) int {
	db, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	for i := 0; ; i++ {
		ev, err := db.RecordScan(ctx, ScanContext{Operator: "op-1", OrderID: "o-" + strconv.Itoa(i%7), OrderVersion: 1},
			oms.ScanRecorded{Context: "pack", Raw: "]E04006381333931", Symbology: "ean13", Kind: "product", GTIN: "04006381333931", Qty: 1, Accepted: true})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fmt.Fprintf(os.Stdout, "ack %d\n", ev.Seq)
	}
}

// TestCrashKeepsEveryAcknowledgedEvent kills a recording process with
// SIGKILL at a random moment, twenty times over the same file, and checks
// after each kill that every acknowledged event is on disk, the outbox seqs
// have no gap and the database is sound.
func TestCrashKeepsEveryAcknowledgedEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test needs child processes; skipped with -short")
	}
	path := filepath.Join(t.TempDir(), "station.db")
	db, err := OpenStation(path, "LON", "PACK-01")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	const rounds = 20
	acked := map[uint64]bool{}
	var maxAcked uint64
	for round := range rounds {
		// Let it record a random number of events, then kill it mid-stride.
		testutil.KillMidStride(t, []string{crashChildEnv + "=" + path}, 1+rand.IntN(150), 3*time.Millisecond, func(l string) {
			if s, ok := strings.CutPrefix(l, "ack "); ok {
				if n, err := strconv.ParseUint(s, 10, 64); err == nil {
					acked[n] = true
					maxAcked = max(maxAcked, n)
				}
			}
		})
		checkAfterCrash(t, path, acked, maxAcked, round)
	}
	t.Logf("%d rounds, %d events acknowledged", rounds, len(acked))
}

func checkAfterCrash(t *testing.T, path string, acked map[uint64]bool, maxAcked uint64, round int) {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatalf("round %d: reopen: %v", round, err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	rows, err := db.PendingOutbox(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	present := map[uint64]bool{}
	for i, r := range rows {
		if r.Seq != uint64(i+1) {
			t.Fatalf("round %d: outbox seq gap: row %d has seq %d", round, i, r.Seq)
		}
		present[r.Seq] = true
	}
	for seq := range acked {
		if !present[seq] {
			t.Fatalf("round %d: acknowledged seq %d lost (outbox holds 1..%d)", round, seq, len(rows))
		}
	}
	st, _ := db.OutboxStats(ctx)
	var scans int
	db.sql.QueryRow("SELECT count(*) FROM scans").Scan(&scans)
	if st.LastSeq != uint64(len(rows)) || scans != len(rows) || uint64(len(rows)) < maxAcked {
		t.Fatalf("round %d: last seq %d, outbox rows %d, scans %d, max acked %d", round, st.LastSeq, len(rows), scans, maxAcked)
	}
}
