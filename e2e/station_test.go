package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
)

// TestStationEndToEnd runs the whole floor on real processes: omsd with
// its embedded NATS and the demo world, a vprinter, scannerd reading a
// pseudo-terminal and the station TUI in tmux. Barcodes are written into
// the pseudo-terminal as a serial scanner sends them and the screen is
// read back with capture-pane. omsd (and so NATS) is stopped half-way
// through packing and started again: the station packs and prints
// offline, and the order ends shipped centrally with its label in the
// vprinter's folder.
func TestStationEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test with real processes; skipped with -short")
	}
	bin := binaries(t)
	tm := newTmux(t)
	dir := t.TempDir()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	natsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	printerAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	labels := filepath.Join(dir, "labels")

	omsdArgs := []string{"--data", filepath.Join(dir, "omsd"), "--demo", "--http", httpAddr, "--nats-listen", natsAddr}
	omsd := startProc(t, filepath.Join(dir, "omsd.log"), filepath.Join(bin, "omsd"), omsdArgs...)
	vp := startProc(t, filepath.Join(dir, "vprinter.log"), filepath.Join(bin, "vprinter"), "-addr", printerAddr, "-control", "", "-dir", labels)
	pt := newScannerPTY(t)
	sock := filepath.Join(dir, "scannerd.sock")
	cfg := filepath.Join(dir, "scannerd.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("socket = %q\n[[serial]]\nname = \"pack-1\"\npath = %q\n", sock, pt.TTY.Name())), 0o600)
	scannerd := startProc(t, filepath.Join(dir, "scannerd.log"), filepath.Join(bin, "scannerd"), "-config", cfg)
	waitHTTP(t, "http://"+httpAddr+"/healthz", omsd)
	waitPort(t, printerAddr, vp)
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if _, err := os.Stat(sock); err != nil {
			return fmt.Errorf("scannerd socket: %v\n%s", err, scannerd.tail())
		}
		return nil
	})

	data := filepath.Join(dir, "station")
	station := filepath.Join(bin, "station")
	// Keys made by Debian's ssh-keygen: a lead and an operator may log in
	// to the station over SSH (DATA/ssh), with Debian's ssh client.
	sshDir := filepath.Join(data, "ssh")
	if err := os.MkdirAll(sshDir, 0o700); err != nil {
		t.Fatal(err)
	}
	leadKey, opKey := filepath.Join(dir, "lead_ed25519"), filepath.Join(dir, "operator_ed25519")
	os.WriteFile(filepath.Join(sshDir, "lead_keys"), []byte(sshKeygen(t, leadKey, "lee")), 0o600)
	os.WriteFile(filepath.Join(sshDir, "operator_keys"), []byte(sshKeygen(t, opKey, "ben")), 0o600)
	sshAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	tm.run("new-session", "-d", "-s", "station", "-x", "100", "-y", "30",
		fmt.Sprintf("%s run --data %s --site LON --station PACK-01 --nats nats://%s --scanner-socket %s --printer tcp://%s --ssh %s --demo --operator ana; sleep 600",
			station, data, natsAddr, sock, printerAddr, sshAddr))
	tm.waitScreen(30*time.Second, "ana", "PACK-01", "SYNC online", "SCN connected", "Waiting: ")

	// Over SSH: the lead's key gets the floor dashboard with this station
	// online; the operator's key gets the station app, not the dashboard.
	tm.run("new-session", "-d", "-s", "lead", "-x", "100", "-y", "30", sshCommand(leadKey, sshAddr, "lee"))
	tm.waitPane("lead", 20*time.Second, "FLOOR LON  1/1 online", "PACK-01", "ana")
	tm.run("new-session", "-d", "-s", "handheld", "-x", "40", "-y", "8", sshCommand(opKey, sshAddr, "lee"))
	if screen := tm.waitPane("handheld", 20*time.Second, "SIGN IN"); strings.Contains(screen, "FLOOR") {
		t.Fatalf("an operator key reached the lead dashboard:\n%s", screen)
	}

	// Choose an order central released to this station, and its items' retail barcodes.
	db, err := localdb.Open(filepath.Join(data, "station.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	orderID, scans := chooseOrder(t, ctx, db)
	t.Logf("packing %s: %v", orderID, scans)

	scan(t, pt, orderID)
	tm.waitScreen(10*time.Second, "PACK "+orderID, fmt.Sprintf("0/%d items", len(scans)))
	scan(t, pt, "4000000000001") // a valid EAN-13 on no order: refused, count unchanged
	tm.waitScreen(10*time.Second, "unknown barcode 4000000000001", fmt.Sprintf("0/%d items", len(scans)))
	scan(t, pt, scans[0])
	tm.waitScreen(10*time.Second, fmt.Sprintf("1/%d items", len(scans)))

	// Central goes away mid-order; the station carries on offline.
	omsd.stop()
	tm.waitScreen(20*time.Second, "OFFLINE")
	for i, code := range scans[1:] {
		scan(t, pt, code)
		tm.waitScreen(10*time.Second, fmt.Sprintf("%d/%d items", i+2, len(scans)))
	}
	tm.waitScreen(10*time.Second, "Carton:")
	scan(t, pt, "BOX-M")
	tm.waitScreen(10*time.Second, "BOX-M: weight in kg?")
	scan(t, pt, "CMD-DONE") // the estimated weight
	screen := tm.waitScreen(20*time.Second, orderID+" shipped demo", "label queued")
	if !strings.Contains(screen, "OFFLINE") {
		t.Fatalf("expected the order shipped while offline:\n%s", screen)
	}
	// What the packer reads is the screen as it is now: no tail of a
	// longer line from the weight prompt left where a shorter one went.
	for _, line := range strings.Split(screen, "\n") {
		if strings.Count(line, "sign out") > 1 || strings.HasPrefix(line, "Scan>") && strings.Contains(line, "kg") {
			t.Fatalf("the screen still shows the step before at the end of a line:\n%s", screen)
		}
	}
	tracking := trackingOf(t, ctx, db, orderID)
	checkFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		n, err := grepFiles(labels, tracking)
		if err != nil || n < 1 {
			return fmt.Errorf("no label with %s in %s (%v)", tracking, labels, err)
		}
		return nil
	})

	// Central comes back: the outbox drains and the order is shipped there.
	omsd = startProc(t, filepath.Join(dir, "omsd2.log"), filepath.Join(bin, "omsd"), omsdArgs...)
	waitHTTP(t, "http://"+httpAddr+"/healthz", omsd)
	checkFor(t, 60*time.Second, 250*time.Millisecond, func() error {
		st, err := orderStatus(httpAddr, orderID)
		if err != nil || st != "shipped" {
			return fmt.Errorf("order %s centrally: %q %v\nomsd log:\n%s", orderID, st, err, omsd.tail())
		}
		return nil
	})
	tm.waitScreen(30*time.Second, "SYNC online")
}

// chooseOrder picks a released order with two to four items whose SKUs
// all have a retail barcode, and returns the barcodes to scan, one per unit.
func chooseOrder(t *testing.T, ctx context.Context, db *localdb.DB) (string, []string) {
	t.Helper()
	var id string
	var scans []string
	checkFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		ids, err := db.PickQueue(ctx, 500)
		if err != nil {
			return err
		}
		for _, candidate := range ids {
			if codes, ok := retailScans(ctx, db, candidate); ok {
				id, scans = candidate, codes
				return nil
			}
		}
		return fmt.Errorf("no suitable order among the %d released so far", len(ids))
	})
	return id, scans
}

func retailScans(ctx context.Context, db *localdb.DB, id string) ([]string, bool) {
	po, err := db.PackOrder(ctx, id)
	if err != nil || po.Order.Units() < 2 || po.Order.Units() > 4 {
		return nil, false
	}
	var scans []string
	for _, l := range po.Lines {
		sku, err := db.SKU(ctx, l.SKU)
		if err != nil {
			return nil, false
		}
		code := ""
		for _, b := range sku.Barcodes {
			if (b.Kind == oms.BarcodeGTIN13 || b.Kind == oms.BarcodeGTIN12) && b.Qty <= 1 {
				code = b.Code
				break
			}
		}
		if code == "" {
			return nil, false
		}
		for range l.Qty {
			scans = append(scans, code)
		}
	}
	return scans, true
}

func trackingOf(t *testing.T, ctx context.Context, db *localdb.DB, orderID string) string {
	t.Helper()
	rows, err := db.PendingOutbox(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		ev, err := oms.ParseEvent(r.Payload)
		if err != nil {
			continue
		}
		if p, ok := ev.Payload.(*oms.ShipmentCreated); ok && ev.OrderID == orderID {
			return p.Shipment.TrackingNumber
		}
	}
	t.Fatalf("no shipment.created for %s in the outbox", orderID)
	return ""
}

func orderStatus(addr, id string) (string, error) {
	resp, err := http.Get("http://" + addr + "/v1/orders/" + id)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var v struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return "", err
	}
	return v.Status, nil
}
