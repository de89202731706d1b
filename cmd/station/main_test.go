package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/printers"
	"github.com/packline/packline/printers/vprinter"
	"github.com/packline/packline/shipping"
	"github.com/packline/packline/tui"
)

// TestCommands runs the station's commands on a real SQLite file: init
// with the demo catalogue, status, and the refusals of bad command lines.
func TestCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "st")
	var out, errs bytes.Buffer
	if err := run([]string{"init", "--data", data, "--site", "LON", "--station", "PACK-09", "--demo"}, &out, &errs); err != nil {
		t.Fatalf("init: %v\n%s", err, errs.String())
	}
	if !strings.Contains(out.String(), "station LON/PACK-09") || !strings.Contains(out.String(), "demo data:") {
		t.Fatalf("init said %q", out.String())
	}
	out.Reset()
	if err := run([]string{"status", "--data", data}, &out, &errs); err != nil || !strings.Contains(out.String(), "station LON/PACK-09") {
		t.Fatalf("status: %v %q", err, out.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"status", "--data", filepath.Join(t.TempDir(), "none")}, "run station init first"},
		{[]string{"closeout", "--data", data}, "--shipping and --carrier are required"},
		{[]string{"run", "--data", data, "extra"}, `unexpected argument "extra"`},
		{[]string{"init", "--no-such-flag"}, "flag provided but not defined"},
	} {
		if err := run(c.args, &out, &errs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("station %s: got %v, want an error with %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	out.Reset()
	if err := run([]string{"help"}, &out, &errs); err != nil || !strings.Contains(out.String(), "closeout  end of day") {
		t.Fatalf("help: %v %q", err, out.String())
	}
}

// TestStatusReadsConfig: init and status take the data folder and the
// identity from --config as station run does; PACKLINE_STATION_* goes over
// the file and a flag given goes over both, while the file's other values
// stay. Status says when the settings name another station than the
// database it reads belongs to.
func TestStatusReadsConfig(t *testing.T) {
	dir := t.TempDir()
	data, other := filepath.Join(dir, "st"), filepath.Join(dir, "other")
	cfgPath := writeStationConfig(t, "MAN", "PACK-07", fmt.Sprintf("data = %q\n", data))
	station := func(args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if err := run(args, &out, &errs); err != nil {
			t.Fatalf("station %s: %v\n%s", strings.Join(args, " "), err, errs.String())
		}
		return out.String()
	}
	if out := station("init", "--config", cfgPath); !strings.Contains(out, "station MAN/PACK-07: "+filepath.Join(data, "station.db")) {
		t.Fatalf("init --config said %q, want station MAN/PACK-07 in the file's data folder %s", out, data)
	}
	station("init", "--data", other, "--site", "LON", "--station", "PACK-09")

	const mismatch = "settings name station"
	for _, c := range []struct {
		name string
		env  string // PACKLINE_STATION_DATA, if set
		args []string
		want []string
		not  string
	}{
		{"file", "", []string{"--config", cfgPath}, []string{"station MAN/PACK-07  db " + filepath.Join(data, "station.db")}, mismatch},
		{"station flag over the file", "", []string{"--config", cfgPath, "--station", "PACK-08"},
			[]string{"station MAN/PACK-07  db " + filepath.Join(data, "station.db"), mismatch + " MAN/PACK-08, not this database's MAN/PACK-07"}, ""},
		{"data flag over the file", "", []string{"--config", cfgPath, "--data", other},
			[]string{"station LON/PACK-09  db " + filepath.Join(other, "station.db"), mismatch + " MAN/PACK-07, not this database's LON/PACK-09"}, ""},
		{"environment over the file", other, []string{"--config", cfgPath}, []string{"station LON/PACK-09  db " + filepath.Join(other, "station.db")}, ""},
		{"data flag over the environment", other, []string{"--config", cfgPath, "--data", data}, []string{"station MAN/PACK-07  db " + filepath.Join(data, "station.db")}, mismatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("PACKLINE_STATION_DATA", c.env)
			}
			out := station(append([]string{"status"}, c.args...)...)
			for _, want := range c.want {
				if !strings.Contains(out, want) {
					t.Errorf("status %s said:\n%s\nwant %q", strings.Join(c.args, " "), out, want)
				}
			}
			if c.not != "" && strings.Contains(out, c.not) {
				t.Errorf("status %s said:\n%s\nwant no %q", strings.Join(c.args, " "), out, c.not)
			}
		})
	}
}

// TestCommandsReadConfigFile: every command that needs the station's
// settings reads --config the same way: an unknown key is refused by name.
func TestCommandsReadConfigFile(t *testing.T) {
	bad := writeStationConfig(t, "MAN", "PACK-07", "stationn = \"PACK-08\"\n")
	for _, cmd := range []string{"run", "init", "status", "sync", "closeout"} {
		var out, errs bytes.Buffer
		err := run([]string{cmd, "--config", bad, "--data", filepath.Join(t.TempDir(), "st")}, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), bad+":3:1: unknown key stationn") {
			t.Errorf("station %s --config with an unknown key: got %v, want it named with its line", cmd, err)
		}
	}
}

// syncLog is station sync's stderr, written by its goroutines too. Once
// the sync says it is running it ends it, as the operator's Ctrl-C would.
type syncLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	stop context.CancelFunc
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if bytes.Contains(p, []byte(`"msg":"station sync running"`)) {
		l.stop()
	}
	return l.buf.Write(p)
}

// running is the sync's "station sync running" log record, if it wrote one.
func (l *syncLog) running(t *testing.T) map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for line := range strings.Lines(l.buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("sync log line %q: %v", line, err)
		}
		if rec["msg"] == "station sync running" {
			return rec
		}
	}
	return nil
}

// unreachableNATS is a NATS URL nothing listens at.
func unreachableNATS(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "nats://" + addr
}

// TestSyncReadsConfig: station sync takes the data folder, identity, NATS
// URL and TLS from --config as station run does, flags given go over the
// file, and with central unreachable it starts all the same (a station
// boots during an outage) on the file's data folder.
func TestSyncReadsConfig(t *testing.T) {
	dir := t.TempDir()
	data, other := filepath.Join(dir, "st"), filepath.Join(dir, "other")
	url, otherURL := unreachableNATS(t), unreachableNATS(t)
	missing := filepath.Join(dir, "no-such")
	cfgPath := writeStationConfig(t, "MAN", "PACK-07", fmt.Sprintf("data = %q\nnats = %q\n", data, url))
	syncRun := func(args ...string) (*syncLog, error) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		l := &syncLog{stop: cancel}
		return l, runSync(ctx, args, io.Discard, l)
	}
	identity := func(data string) string {
		t.Helper()
		db, err := localdb.Open(filepath.Join(data, "station.db"))
		if err != nil {
			t.Fatalf("the sync's database in %s: %v", data, err)
		}
		defer db.Close()
		site, station := db.Identity()
		return site + "/" + station
	}

	for _, c := range []struct {
		name               string
		args               []string
		data, station, url string
	}{
		{"file", []string{"--config", cfgPath}, data, "MAN/PACK-07", url},
		{"flags over the file", []string{"--config", cfgPath, "--data", other, "--station", "PACK-08", "--nats", otherURL}, other, "MAN/PACK-08", otherURL},
	} {
		l, err := syncRun(c.args...)
		if err != nil {
			t.Fatalf("%s: sync with central unreachable: %v\n%s", c.name, err, l.buf.String())
		}
		rec := l.running(t)
		if rec == nil {
			t.Fatalf("%s: sync returned without saying it runs:\n%s", c.name, l.buf.String())
		}
		want := map[string]any{"station": c.station, "db": filepath.Join(c.data, "station.db"), "nats": c.url}
		for k, v := range want {
			if rec[k] != v {
				t.Errorf("%s: sync runs with %s %v, want %v", c.name, k, rec[k], v)
			}
		}
		if got := identity(c.data); got != c.station {
			t.Errorf("%s: the database in %s is station %s's, want %s", c.name, c.data, got, c.station)
		}
	}

	// A CA bundle or client certificate that is not there cannot be
	// loaded: the sync fails on the file's TLS settings, unless a flag
	// given says otherwise.
	for _, c := range []struct {
		name, tls string
		args      []string
		want      string // in the error; empty: the sync starts
	}{
		{"file's CA", fmt.Sprintf("nats_tls_ca = %q\n", missing), nil, missing},
		{"file's client certificate", fmt.Sprintf("nats_tls_cert = %q\nnats_tls_key = %q\n", missing, missing), nil, missing},
		{"--nats-tls-ca over the file's", fmt.Sprintf("nats_tls_ca = %q\n", missing), []string{"--nats-tls-ca", ""}, ""},
	} {
		tlsCfg := writeStationConfig(t, "MAN", "PACK-07", fmt.Sprintf("data = %q\nnats = %q\n%s", data, url, c.tls))
		l, err := syncRun(append([]string{"--config", tlsCfg}, c.args...)...)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: sync: %v, want it to start", c.name, err)
		case c.want == "" && l.running(t) == nil:
			t.Errorf("%s: sync returned without saying it runs:\n%s", c.name, l.buf.String())
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), url)):
			t.Errorf("%s: sync: %v, want a refusal naming %s and nats %s", c.name, err, c.want, url)
		}
	}
}

// closeOutStation is a station's data folder holding one labelled UPS
// shipment, and a shipping config (the example's) that also ships from
// MAN, a site the demo does not have.
func closeOutStation(t *testing.T, site, station string) (data, shippingPath string) {
	t.Helper()
	dir := t.TempDir()
	data = filepath.Join(dir, "st")
	if err := os.MkdirAll(data, 0o750); err != nil {
		t.Fatal(err)
	}
	db, err := localdb.OpenStation(filepath.Join(data, "station.db"), site, station)
	if err != nil {
		t.Fatal(err)
	}
	sh := oms.Shipment{ID: "SH-1", OrderID: "PL00000001", Site: site, Carrier: "ups", Service: "standard", TrackingNumber: "1Z999AA10123456784",
		Cartons: []oms.Carton{{Type: "BOX-S", WeightGrams: 900}}, ShippedAt: time.Now()}
	if _, err := db.Record(context.Background(), func(tx *localdb.Tx) error { return tx.AddShipment(sh) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join("..", "..", "configs", "shipping.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	shippingPath = filepath.Join(dir, "shipping.toml")
	body := string(example) + "\n[[sites]]\nid = \"MAN\"\ncountry = \"GB\"\ngs1_company_prefix = \"5060999\"\n"
	if err := os.WriteFile(shippingPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return data, shippingPath
}

// writeStationConfig writes a station config file; siteInfo is TOML for
// [site_info] (empty: none).
func writeStationConfig(t *testing.T, site, station, siteInfo string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "station.toml")
	body := fmt.Sprintf("site = %q\nstation = %q\n%s", site, station, siteInfo)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// salfordSiteInfo is a real site's [site_info]: an address the demo has
// nowhere.
const salfordSiteInfo = `
[site_info]
name = "Salford DC"
gs1_company_prefix = "5060999"

[site_info.address]
company = "Northwind Logistics"
name = "Salford DC"
street1 = "7 Trafford Wharf Road"
city = "Salford"
postal_code = "M17 1AB"
country = "GB"
`

// TestCloseOutShipsFromConfiguredSite: the manifest names the ship-from
// of the station config's site_info (at a demo site id too, where the
// demo's address used to win), and the site, station and data folder come
// from the config as for station run.
func TestCloseOutShipsFromConfiguredSite(t *testing.T) {
	for _, site := range []string{"MAN", "LON"} {
		t.Run(site, func(t *testing.T) {
			data, shippingPath := closeOutStation(t, site, "PACK-07")
			cfgPath := writeStationConfig(t, site, "PACK-07", fmt.Sprintf("data = %q\nshipping = %q\n%s", data, shippingPath, salfordSiteInfo))
			var out, errs bytes.Buffer
			if err := run([]string{"closeout", "--config", cfgPath, "--carrier", "ups"}, &out, &errs); err != nil {
				t.Fatalf("closeout at %s: %v\n%s", site, err, errs.String())
			}
			zpl := out.String()
			for _, want := range []string{"Northwind Logistics Salford DC", "Salford", "M17 1AB", site + "-PACK-07-UPS-", "1Z999AA10123456784"} {
				if !strings.Contains(zpl, want) {
					t.Errorf("manifest ZPL at %s lacks %q:\n%s", site, want, zpl)
				}
			}
			if strings.Contains(zpl, "Dagenham") {
				t.Errorf("manifest ZPL at %s names the demo's London address:\n%s", site, zpl)
			}
		})
	}
}

// TestCloseOutDemoSiteWithoutConfig: with no config, a demo site still
// ships from the demo's address, as before.
func TestCloseOutDemoSiteWithoutConfig(t *testing.T) {
	data, shippingPath := closeOutStation(t, "LON", "PACK-01")
	var out, errs bytes.Buffer
	if err := run([]string{"closeout", "--data", data, "--shipping", shippingPath, "--carrier", "ups"}, &out, &errs); err != nil {
		t.Fatalf("closeout: %v\n%s", err, errs.String())
	}
	if !strings.Contains(out.String(), "Packline Ltd London DC, Dagenham") {
		t.Fatalf("manifest ZPL lacks the demo London address:\n%s", out.String())
	}
}

// TestCloseOutRefusesUnknownAddress: at a site that is neither in the
// demo nor given a site_info, closeout names the site, says to set
// site_info, prints nothing and closes nothing: the same shipment goes on
// the manifest once site_info is there.
func TestCloseOutRefusesUnknownAddress(t *testing.T) {
	data, shippingPath := closeOutStation(t, "MAN", "PACK-07")
	for name, args := range map[string][]string{
		"flags":  {"closeout", "--data", data, "--site", "MAN", "--station", "PACK-07", "--shipping", shippingPath, "--carrier", "ups"},
		"config": {"closeout", "--config", writeStationConfig(t, "MAN", "PACK-07", fmt.Sprintf("data = %q\nshipping = %q\n", data, shippingPath)), "--carrier", "ups"},
		"empty site_info address": {"closeout", "--config",
			writeStationConfig(t, "MAN", "PACK-07", fmt.Sprintf("data = %q\nshipping = %q\n[site_info]\nname = \"Salford DC\"\n", data, shippingPath)), "--carrier", "ups"},
	} {
		var out, errs bytes.Buffer
		err := run(args, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), "site MAN") || !strings.Contains(err.Error(), "set [site_info]") || !errors.Is(err, tui.ErrNoSiteAddress) {
			t.Errorf("%s: closeout at MAN without an address: got %v, want a refusal naming site MAN and site_info", name, err)
		}
		if out.Len() != 0 || errs.Len() != 0 {
			t.Errorf("%s: refused closeout printed stdout %q stderr %q", name, out.String(), errs.String())
		}
	}
	t.Setenv("PACKLINE_STATION_SITE", "MAN")
	var out, errs bytes.Buffer
	if err := run([]string{"closeout", "--data", data, "--station", "PACK-07", "--shipping", shippingPath, "--carrier", "ups"}, &out, &errs); err == nil || !strings.Contains(err.Error(), "site MAN") {
		t.Errorf("closeout with PACKLINE_STATION_SITE=MAN: got %v, want a refusal naming site MAN", err)
	}
	cfgPath := writeStationConfig(t, "MAN", "PACK-07", fmt.Sprintf("data = %q\nshipping = %q\n%s", data, shippingPath, salfordSiteInfo))
	if err := run([]string{"closeout", "--config", cfgPath, "--carrier", "ups"}, &out, &errs); err != nil {
		t.Fatalf("closeout after the refusals: %v (were the shipments closed by a refused closeout?)\n%s", err, errs.String())
	}
	if !strings.Contains(out.String(), "1Z999AA10123456784") || !strings.Contains(out.String(), "M17 1AB") {
		t.Fatalf("manifest after the refusals:\n%s", out.String())
	}
}

// newVPrinter starts a virtual printer on a free port for the test.
func newVPrinter(t *testing.T) *vprinter.Server {
	t.Helper()
	vp, err := vprinter.New(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := vp.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vp.Close() })
	return vp
}

// paperRunsOutAtLabel is a TCP proxy in front of vp that puts vp out of
// paper when the first label (^XA) comes through, before vp reads it: the
// printer was ready when asked, took the job and holds it unprinted, as a
// Zebra does when the roll ends under the manifest label. It returns the
// proxy's printer URL.
func paperRunsOutAtLabel(t *testing.T, vp *vprinter.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var once sync.Once
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var first []byte
				buf := make([]byte, 4096)
				for len(first) < 3 {
					n, err := c.Read(buf)
					first = append(first, buf[:n]...)
					if err != nil {
						break
					}
				}
				if bytes.Contains(first, []byte("^XA")) {
					once.Do(func() {
						if err := vp.Update(func(s *vprinter.State) { s.PaperOut = true }); err != nil {
							t.Errorf("paper out: %v", err)
						}
					})
				}
				up, err := net.Dial("tcp", vp.Addr())
				if err != nil {
					return
				}
				defer up.Close()
				go func() {
					up.Write(first)
					io.Copy(up, c)
					up.(*net.TCPConn).CloseWrite()
				}()
				io.Copy(c, up)
			}()
		}
	}()
	return "tcp://" + ln.Addr().String()
}

// TestCloseOutPrintFailsThenReprints: the printer is ready at the check,
// so the shipments are closed (a second close-out has nothing), but the
// paper runs out as the manifest label arrives and the printer holds it
// unprinted. The close-out does not take the printer's acceptance of the
// job for a label: the error names the fault, the manifest and the exact
// command that prints it again. --reprint last without --printer writes
// that manifest's ZPL; with paper loaded the held label prints, and the
// command from the message prints it again. Unknown ids, a carrier never
// closed out and another carrier's manifest are refused by name, printing
// nothing.
func TestCloseOutPrintFailsThenReprints(t *testing.T) {
	data, shippingPath := closeOutStation(t, "LON", "PACK-01")
	vp := newVPrinter(t)
	printer := paperRunsOutAtLabel(t, vp)
	station := []string{"--data", data, "--shipping", shippingPath}
	closeout := func(args ...string) (stdout, stderr string, err error) {
		var out, errs bytes.Buffer
		err = run(append(append([]string{"closeout"}, station...), args...), &out, &errs)
		return out.String(), errs.String(), err
	}

	_, _, err := closeout("--carrier", "ups", "--printer", printer)
	if err == nil {
		t.Fatalf("closeout to printer %s that ran out of paper under the label succeeded", printer)
	}
	if !errors.Is(err, printers.ErrNotPrinted) || !strings.Contains(err.Error(), "paper out") || errors.Is(err, printers.ErrNotReady) {
		t.Errorf("closeout, paper out under the label: %v, want the label not confirmed printed, naming paper out", err)
	}
	id := regexp.MustCompile(`LON-PACK-01-UPS-[0-9]{12}`).FindString(err.Error())
	if id == "" {
		t.Fatalf("closeout print failure does not name the manifest: %v", err)
	}
	command := strings.Join(append(append([]string{"station", "closeout"}, station...), "--carrier", "ups", "--printer", printer, "--reprint", id), " ")
	for _, want := range []string{"closed on manifest " + id, "print it again with: " + command} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("closeout print failure lacks %q:\n%v", want, err)
		}
	}
	if _, _, err := closeout("--carrier", "ups"); !errors.Is(err, shipping.ErrNothingToClose) {
		t.Fatalf("second closeout: %v, want nothing to close (the failed print's close-out kept its shipments)", err)
	}

	zpl, msg, err := closeout("--carrier", "ups", "--reprint", "last")
	if err != nil {
		t.Fatalf("reprint last: %v\n%s", err, msg)
	}
	for _, want := range []string{id, "1Z999AA10123456784", "Dagenham"} {
		if !strings.Contains(zpl, want) {
			t.Errorf("reprint last ZPL lacks %q:\n%s", want, zpl)
		}
	}
	if !strings.Contains(msg, "reprint manifest "+id+": 1 shipments, 1 parcels") {
		t.Errorf("reprint last reported %q, want manifest %s with 1 shipment, 1 parcel", msg, id)
	}
	if byID, _, err := closeout("--carrier", "ups", "--reprint", id); err != nil || byID != zpl {
		t.Errorf("reprint %s: %v; ZPL equals reprint last: %v", id, err, byID == zpl)
	}

	if labels, err := vp.Labels(); err != nil || len(labels) != 0 {
		t.Fatalf("printer out of paper printed labels %v (%v)", labels, err)
	}
	if err := vp.Set(vprinter.State{}); err != nil {
		t.Fatalf("paper loaded: %v", err)
	}
	words := strings.Fields(command)
	var errs bytes.Buffer
	if err := run(words[1:], io.Discard, &errs); err != nil {
		t.Fatalf("the command from the error, %q: %v\n%s", command, err, errs.String())
	}
	labels, err := vp.Labels()
	if err != nil || len(labels) != 2 {
		t.Fatalf("printer holds labels %v (%v), want the held manifest label and its reprint", labels, err)
	}
	for _, l := range labels {
		// The printer stores ^XA...^XZ, without the line end after it.
		if got, err := os.ReadFile(l); err != nil || strings.TrimSpace(string(got)) != strings.TrimSpace(zpl) {
			t.Errorf("printed label %s (%v) is not the manifest's ZPL:\n%s", l, err, got)
		}
	}

	for _, c := range []struct {
		args  []string
		wants []string
	}{
		{[]string{"--carrier", "ups", "--reprint", "LON-PACK-01-UPS-000000000000"}, []string{`"LON-PACK-01-UPS-000000000000"`, "no such manifest"}},
		{[]string{"--carrier", "dhl", "--reprint", "last"}, []string{"last manifest of dhl", "no such manifest", "dhl was never closed out"}},
		{[]string{"--carrier", "dhl", "--reprint", id}, []string{"manifest " + id + " is carrier ups's, not dhl's"}},
	} {
		out, _, err := closeout(c.args...)
		if err == nil {
			t.Errorf("closeout %s: printed a manifest, want a refusal", strings.Join(c.args, " "))
			continue
		}
		for _, want := range c.wants {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("closeout %s: %v; want it to say %q", strings.Join(c.args, " "), err, want)
			}
		}
		if out != "" {
			t.Errorf("refused closeout %s wrote ZPL:\n%s", strings.Join(c.args, " "), out)
		}
	}
}

// TestReprintIsTheCloseOutLabel: the label a reprint writes is byte for
// byte the one the close-out wrote.
func TestReprintIsTheCloseOutLabel(t *testing.T) {
	data, shippingPath := closeOutStation(t, "LON", "PACK-01")
	var first, again, errs bytes.Buffer
	if err := run([]string{"closeout", "--data", data, "--shipping", shippingPath, "--carrier", "ups"}, &first, &errs); err != nil {
		t.Fatalf("closeout: %v\n%s", err, errs.String())
	}
	if err := run([]string{"closeout", "--data", data, "--shipping", shippingPath, "--carrier", "ups", "--reprint", "last"}, &again, &errs); err != nil {
		t.Fatalf("reprint last: %v\n%s", err, errs.String())
	}
	if first.Len() == 0 || !bytes.Equal(first.Bytes(), again.Bytes()) {
		t.Fatalf("reprint differs from the close-out label:\nclose-out:\n%s\nreprint:\n%s", first.String(), again.String())
	}
}

// TestCloseOutRefusesPrinterNotReady: a printer out of paper, with its head
// open, paused, out of ribbon, not answering or switched off would take the
// job (or fail it) after the shipments were closed and leave the driver
// without the pickup scan. Each is refused before anything is closed, with
// the printer and its fault named, and nothing printed; once the printer
// is fixed the same close-out closes the same shipment and its label
// prints. A reprint to a paused printer is refused the same way.
func TestCloseOutRefusesPrinterNotReady(t *testing.T) {
	data, shippingPath := closeOutStation(t, "LON", "PACK-01")
	vp := newVPrinter(t)
	printer := "tcp://" + vp.Addr()
	closeout := func(args ...string) (stdout, stderr string, err error) {
		var out, errs bytes.Buffer
		err = run(append([]string{"closeout", "--data", data, "--shipping", shippingPath, "--carrier", "ups", "--printer", printer}, args...), &out, &errs)
		return out.String(), errs.String(), err
	}
	for _, c := range []struct {
		state vprinter.State
		want  string
		is    error // the printers error it wraps, if any
	}{
		{vprinter.State{PaperOut: true}, "paper out", nil},
		{vprinter.State{Paused: true}, "paused", nil},
		{vprinter.State{HeadOpen: true}, "head open", nil},
		{vprinter.State{RibbonOut: true}, "ribbon out", nil},
		{vprinter.State{Mute: true}, "printer not answering", printers.ErrNotAnswering},
		{vprinter.State{Offline: true}, "cannot connect to printer", printers.ErrCannotConnect},
	} {
		if err := vp.Set(c.state); err != nil {
			t.Fatal(err)
		}
		out, msg, err := closeout()
		if err == nil {
			t.Errorf("closeout to a printer with %q: succeeded", c.want)
			continue
		}
		if !errors.Is(err, printers.ErrNotReady) || !strings.Contains(err.Error(), "printer "+printer) || !strings.Contains(err.Error(), c.want) ||
			!strings.Contains(err.Error(), "nothing was closed") {
			t.Errorf("closeout to a printer with %q: %v; want a refusal naming printer %s and %q, saying nothing was closed", c.want, err, printer, c.want)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("closeout to a printer with %q: %v; want it to wrap %v", c.want, err, c.is)
		}
		if out != "" || msg != "" {
			t.Errorf("refused closeout (%s) wrote stdout %q stderr %q", c.want, out, msg)
		}
	}
	if err := vp.Set(vprinter.State{}); err != nil {
		t.Fatal(err)
	}
	if labels, err := vp.Labels(); err != nil || len(labels) != 0 {
		t.Fatalf("refused close-outs printed %v (%v)", labels, err)
	}

	_, msg, err := closeout()
	if err != nil {
		t.Fatalf("closeout to the fixed printer: %v (were the shipments closed by a refused closeout?)\n%s", err, msg)
	}
	id := regexp.MustCompile(`LON-PACK-01-UPS-[0-9]{12}`).FindString(msg)
	if id == "" || !strings.Contains(msg, "manifest "+id+": 1 shipments, 1 parcels") {
		t.Fatalf("closeout to the fixed printer reported %q, want the manifest with the 1 shipment", msg)
	}
	if strings.Contains(msg, "cannot confirm") {
		t.Errorf("closeout could not confirm the label on a printer with an odometer: %q", msg)
	}
	labels, err := vp.Labels()
	if err != nil || len(labels) != 1 {
		t.Fatalf("printer holds labels %v (%v), want the manifest", labels, err)
	}
	got, err := os.ReadFile(labels[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{id, "1Z999AA10123456784"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("printed manifest label lacks %q:\n%s", want, got)
		}
	}

	if err := vp.Set(vprinter.State{Paused: true}); err != nil {
		t.Fatal(err)
	}
	if out, _, err := closeout("--reprint", "last"); !errors.Is(err, printers.ErrNotReady) || !strings.Contains(err.Error(), "paused") ||
		!strings.Contains(err.Error(), "reprint manifest "+id) || out != "" {
		t.Errorf("reprint to a paused printer: %v (stdout %q); want a refusal naming manifest %s and paused", err, out, id)
	}
	if err := vp.Set(vprinter.State{}); err != nil {
		t.Fatal(err)
	}
	if labels, err := vp.Labels(); err != nil || len(labels) != 1 {
		t.Fatalf("refused reprint to a paused printer printed: labels %v (%v)", labels, err)
	}
	if _, msg, err := closeout("--reprint", "last"); err != nil {
		t.Fatalf("reprint to the fixed printer: %v\n%s", err, msg)
	}
	if labels, err := vp.Labels(); err != nil || len(labels) != 2 {
		t.Fatalf("printer holds labels %v (%v) after the reprint, want 2", labels, err)
	}
}

// TestCloseOutPrintsOnTheConfiguredPrinter: a station whose config names
// its printer prints the manifest there without --printer; --stdout
// writes the ZPL instead and prints nothing.
func TestCloseOutPrintsOnTheConfiguredPrinter(t *testing.T) {
	data, shippingPath := closeOutStation(t, "LON", "PACK-01")
	vp := newVPrinter(t)
	cfgPath := writeStationConfig(t, "LON", "PACK-01", fmt.Sprintf("printer = %q\n", "tcp://"+vp.Addr()))
	var out, errs bytes.Buffer
	if err := run([]string{"closeout", "--config", cfgPath, "--data", data, "--shipping", shippingPath, "--carrier", "ups", "--stdout", "--reprint", "last"}, &out, &errs); err == nil {
		t.Fatal("a reprint with no manifest yet succeeded")
	}
	out.Reset()
	if err := run([]string{"closeout", "--config", cfgPath, "--data", data, "--shipping", shippingPath, "--carrier", "ups"}, &out, &errs); err != nil {
		t.Fatalf("closeout: %v\n%s", err, errs.String())
	}
	if labels, err := vp.Labels(); err != nil || len(labels) != 1 {
		t.Fatalf("labels on the configured printer: %v (%v)", labels, err)
	}
	if out.Len() != 0 {
		t.Fatalf("closeout to the configured printer also wrote stdout: %q", out.String())
	}
	out.Reset()
	if err := run([]string{"closeout", "--config", cfgPath, "--data", data, "--shipping", shippingPath, "--carrier", "ups", "--stdout", "--reprint", "last"}, &out, &errs); err != nil {
		t.Fatalf("reprint to stdout: %v", err)
	}
	if !strings.Contains(out.String(), "^XA") {
		t.Fatalf("--stdout wrote %q", out.String())
	}
	if labels, _ := vp.Labels(); len(labels) != 1 {
		t.Fatalf("--stdout printed too: %d labels", len(labels))
	}
}
