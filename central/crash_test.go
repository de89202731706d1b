package central

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/internal/testutil"
	"github.com/packline/packline/oms"
)

const crashChildEnv = "PACKLINE_CENTRAL_CRASH_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

// crashChild captures multi-line orders (one by one and as CSV imports),
// allocates them in batches,
// cancels some and receives stock, printing each order id once Capture
// has returned. It runs until it is killed.
func crashChild(path string) int {
	store, err := OpenStore(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	svc := NewService(store, DefaultPolicy(), nil, nil)
	svc.BatchSize = 16
	ctx := context.Background()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	skus := []string{"SKU-1", "SKU-2", "SKU-3"}
	for i := 0; ; i++ {
		if i%3 == 1 {
			// An import of three orders, two lines each, as a CSV file.
			var b strings.Builder
			b.WriteString("channel,external_id,customer_name,ship_to_name,ship_to_street1,ship_to_city,ship_to_postal_code,ship_to_country,currency,sku,qty,unit_price\n")
			for j := range 3 {
				for _, sku := range skus[:2] {
					fmt.Fprintf(&b, "edi,CSV-%d-%d-%d,Shop Ltd,Goods In,1 High St,London,N1 9GU,GB,GBP,%s,%d,2.50\n", os.Getpid(), i, j, sku, 1+r.IntN(3))
				}
			}
			res, err := svc.ImportCSV(ctx, strings.NewReader(b.String()), "crash")
			if err != nil || len(res.Errors) > 0 {
				fmt.Fprintln(os.Stderr, err, res.Errors)
				return 4
			}
			for _, o := range res.Imported {
				fmt.Fprintf(os.Stdout, "order %s 2\n", o.ID)
			}
			continue
		}
		var lines []LineInput
		for _, s := range skus[:1+r.IntN(3)] {
			lines = append(lines, LineInput{SKU: s, Qty: 1 + r.IntN(3), UnitPrice: 250})
		}
		in := order(fmt.Sprintf("X-%d-%d", os.Getpid(), i), []oms.Address{testGB, testDE, testUS}[r.IntN(3)], r.IntN(2) == 0, lines...)
		o, _, err := svc.Capture(ctx, in, "crash")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fmt.Fprintf(os.Stdout, "order %s %d\n", o.ID, len(lines))
		switch {
		case i%4 == 3:
			svc.stockChanged.Store(true)
			svc.AllocateAll(ctx)
		case i%9 == 5:
			store.Cancel(ctx, o.ID, "crash", "test")
		case i%13 == 0:
			store.Receive(ctx, []StockMove{{Site: "LON", Location: "A-01-01-1", SKU: skus[r.IntN(3)], Qty: 5}}, "crash")
		}
	}
}

// TestCentralCrashLeavesNothingHalfDone kills an importing, capturing and
// allocating omsd core with SIGKILL at random moments and checks after each kill that
// every acknowledged order is whole, nothing is allocated without its
// order and the ledger adds up.
func TestCentralCrashLeavesNothingHalfDone(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test needs child processes; skipped with -short")
	}
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 200)
	w.receive(t, "BER", "A-01-01-1", "SKU-2", 200)
	w.receive(t, "EWR", "A-01-01-1", "SKU-3", 200)
	path := w.store.Path()
	w.store.Close()
	acked := map[string]int{}
	for round := range 10 {
		testutil.KillMidStride(t, []string{crashChildEnv + "=" + path}, 5+rand.IntN(60), 4*time.Millisecond, func(l string) {
			var id string
			var n int
			if _, err := fmt.Sscanf(l, "order %s %d", &id, &n); err == nil {
				acked[id] = n
			}
		})
		checkCentralAfterCrash(t, path, acked, round)
	}
	t.Logf("10 rounds, %d orders acknowledged", len(acked))
}

func checkCentralAfterCrash(t *testing.T, path string, acked map[string]int, round int) {
	t.Helper()
	store, err := OpenStore(path)
	if err != nil {
		t.Fatalf("round %d: reopen: %v", round, err)
	}
	defer store.Close()
	ctx := context.Background()
	if err := store.IntegrityCheck(ctx); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	if err := store.CheckLedger(ctx); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	for id, n := range acked {
		v, err := store.GetOrder(ctx, id)
		if err != nil {
			t.Fatalf("round %d: acknowledged order %s: %v", round, id, err)
		}
		if len(v.Lines) != n {
			t.Fatalf("round %d: order %s has %d lines, want %d", round, id, len(v.Lines), n)
		}
	}
	checks := map[string]string{
		"orders without lines":        "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)",
		"released without assignment": "SELECT count(*) FROM orders o WHERE state = 'released' AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.order_id = o.id)",
		"released without task":       "SELECT count(*) FROM orders o WHERE state = 'released' AND NOT EXISTS (SELECT 1 FROM task_outbox t WHERE t.order_id = o.id)",
		"allocated without stock":     "SELECT count(*) FROM orders o WHERE state IN ('allocated', 'released') AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.order_id = o.id)",
		"history behind state":        "SELECT count(*) FROM orders o WHERE o.state != (SELECT h.state FROM order_history h WHERE h.order_id = o.id ORDER BY h.id DESC LIMIT 1)",
		// Imported orders, acknowledged or not, have both their rows or none.
		"half-imported orders": "SELECT count(*) FROM orders o WHERE o.external_id LIKE 'CSV-%' AND (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) != 2",
		// Every allocation, assignment and task belongs to an order that exists.
		"allocations without order": "SELECT count(*) FROM allocations a WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = a.order_id)",
		"assignments without order": "SELECT count(*) FROM assignments a WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = a.order_id)",
		"tasks without order":       "SELECT count(*) FROM task_outbox t WHERE t.order_id != '' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = t.order_id)",
		"foreign keys broken":       "SELECT count(*) FROM pragma_foreign_key_check",
	}
	for name, q := range checks {
		var n int
		if err := store.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("round %d: %d %s", round, n, name)
		}
	}
}
