package lead

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/sync"
)

func renderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// TestStationGoingOfflineShowsWithinTenSeconds: a real station heartbeats
// over a real NATS server; when it stops, the dashboard says OFFLINE
// within 10 seconds.
func TestStationGoingOfflineShowsWithinTenSeconds(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	pres, stop, err := NewPresence(nc, "LON", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// Bad heartbeats are refused, not shown: not JSON, another site's, no station.
	for _, bad := range []string{`{not json`, `{"site":"BER","station":"PACK-09"}`, `{"site":"LON"}`} {
		nc.Publish(oms.PresenceSubject("LON"), []byte(bad))
	}

	db, err := localdb.OpenStation(filepath.Join(t.TempDir(), "s.db"), "LON", "PACK-07")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	snc, _ := sync.Connect(sync.ConnectOptions{URL: ns.ClientURL()})
	st, _ := sync.NewStation(snc, db, nil)
	st.PresenceEvery = 500 * time.Millisecond
	st.Presence = func(p *sync.Presence) { p.Operator, p.Screen, p.Printer, p.Scanner = "otto", "pack", "ready", "ok" }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.Run(ctx); close(done) }()

	m := New(Options{Site: "LON", Lead: "lena", Renderer: renderer(), Presence: pres})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})
	view := func() string { m.Update(tickMsg(time.Now())); return m.View() }
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(view(), "PACK-07") && strings.Contains(view(), "online") })
	if v := view(); !strings.Contains(v, "otto") || !strings.Contains(v, "ready") || !strings.Contains(v, "1/1 online") {
		t.Fatalf("station row:\n%s", v)
	}
	cancel()
	<-done
	snc.Close()
	stopped := time.Now()
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(view(), "OFFLINE") })
	t.Logf("offline shown %s after the station stopped", time.Since(stopped).Round(100*time.Millisecond))
}

// TestParseRefusesBadMessages: heartbeats, broadcasts and approvals
// from NATS are read strictly; each refusal says what is wrong.
func TestParseRefusesBadMessages(t *testing.T) {
	for _, c := range []struct {
		name, data, want string
		parse            func(string, []byte) error
	}{
		{"presence", `{"site":"LON","station":"PACK-01","at":"2026-11-29T10:00:00Z"}`, "", parsePresence},
		{"presence", `[1,2]`, "presence on oms.LON.presence", parsePresence},
		{"presence", `{"site":"BER","station":"PACK-01","at":"2026-11-29T10:00:00Z"}`, `site: "BER"`, parsePresence},
		{"presence", `{"site":"LON","at":"2026-11-29T10:00:00Z"}`, "station:", parsePresence},
		{"broadcast", `{"site":"LON","from":"lena","message":"Break"}`, "", parseBroadcast},
		{"broadcast", `{"message":"Break"}`, "", parseBroadcast},
		{"broadcast", `not json`, "broadcast: invalid", parseBroadcast},
		{"broadcast", `{"site":"BER","message":"Break"}`, `site "BER"`, parseBroadcast},
		{"broadcast", `{"site":"LON","message":"  "}`, "message missing", parseBroadcast},
		{"broadcast", `{"site":"LON","message":"Break \u001b[2J now"}`, "message: control character", parseBroadcast},
		{"broadcast", `{"site":"LON","from":"le\nna","message":"Break"}`, "from: control character", parseBroadcast},
		{"approval", `{"site":"LON","order_id":"PL1","lead":"lena"}`, "", parseApproval},
		{"approval", `{"order_id":7}`, "approval: json", parseApproval},
		{"approval", `{"site":"BER","order_id":"PL1","lead":"lena"}`, `site "BER"`, parseApproval},
		{"approval", `{"site":"LON","lead":"lena"}`, "order_id missing", parseApproval},
		{"approval", `{"site":"LON","order_id":"PL1"}`, "lead missing", parseApproval},
		{"approval", `{"site":"LON","order_id":"PL1","lead":"lena","reason":"ok\u001b[2J"}`, "reason: control character", parseApproval},
	} {
		err := c.parse("LON", []byte(c.data))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %s: %v", c.name, c.data, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %s: got %v, want an error with %q", c.name, c.data, err, c.want)
		}
	}
}

func parsePresence(site string, data []byte) error {
	_, err := sync.ParsePresence(site, data)
	return err
}
func parseBroadcast(site string, data []byte) error { _, err := ParseBroadcast(site, data); return err }
func parseApproval(site string, data []byte) error  { _, err := ParseApproval(site, data); return err }

func waitFor(t *testing.T, total time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(total)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s", total)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestActionsCarryTheLead: release and move go to omsd with the lead's
// name (central writes it into the order's history); a broadcast is
// published for every station.
func TestActionsCarryTheLead(t *testing.T) {
	var got []string
	omsd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(body)))
		w.Write([]byte(`{"exceptions":[],"throughput":[]}`))
	}))
	defer omsd.Close()
	var published []Broadcast
	var audited []string
	var approvals []Approval
	m := New(Options{Site: "LON", Lead: "lena", Renderer: renderer(), Central: &Central{Base: omsd.URL},
		Audit: func(_ context.Context, action, target, detail string) error {
			audited = append(audited, action+" "+target+" "+detail)
			return nil
		},
		Publish: func(subject string, data []byte) error {
			var b Broadcast
			json.Unmarshal(data, &b)
			if subject == BroadcastSubject("LON") {
				published = append(published, b)
			}
			if subject == ApprovalSubject("LON") {
				var a Approval
				json.Unmarshal(data, &a)
				approvals = append(approvals, a)
			}
			return nil
		}})
	run := func(keys ...string) {
		for _, k := range keys {
			var msg tea.KeyMsg
			switch k {
			case "enter":
				msg = tea.KeyMsg{Type: tea.KeyEnter}
			default:
				msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
			}
			_, cmd := m.Update(msg)
			for cmd != nil {
				out := cmd()
				cmd = nil
				if out != nil {
					if _, ok := out.(tea.BatchMsg); ok {
						break
					}
					_, cmd = m.Update(out)
				}
			}
		}
	}
	run("h", "PL00000042", "enter")
	run("m", "PL00000043 PACK-02", "enter")
	run("b", "Break in 5 minutes", "enter")
	run("a", "PL00000044 damaged in pick", "enter")
	want := []string{
		`POST /v1/orders/PL00000042/release {"by":"lead:lena"}`,
		`POST /v1/orders/PL00000043/reassign {"by":"lead:lena","site":"LON","station":"PACK-02"}`,
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Fatalf("omsd did not get %s; got %v", w, got)
		}
	}
	if len(published) != 1 || published[0].Message != "Break in 5 minutes" || published[0].From != "lena" {
		t.Fatalf("broadcast: %+v", published)
	}
	if len(approvals) != 1 || approvals[0].OrderID != "PL00000044" || approvals[0].Lead != "lena" || approvals[0].Reason != "damaged in pick" {
		t.Fatalf("approval: %+v", approvals)
	}
	if strings.Join(audited, "|") != "release_hold PL00000042 |reassign PL00000043 to PACK-02|broadcast LON Break in 5 minutes|approve_partial_pack PL00000044 damaged in pick" {
		t.Fatalf("audit: %q", audited)
	}
}

func TestLayoutsFit(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	p := &Presence{site: "LON", now: func() time.Time { return now }, stations: map[string]*StationView{}}
	p.Seen(sync.Presence{Site: "LON", Station: "PACK-01", Operator: "otto", Screen: "pack", Queue: 12, Printer: "ready", Scanner: "ok", LastScan: now.Add(-4 * time.Second)})
	p.now = func() time.Time { return now.Add(30 * time.Second) }
	p.Seen(sync.Presence{Site: "LON", Station: "PACK-02", Operator: "anna", Screen: "pick", Backlog: 153, OldestAge: 300})
	p.now = func() time.Time { return now.Add(35 * time.Second) }
	for _, size := range [][2]int{{40, 8}, {80, 24}, {120, 40}} {
		m := New(Options{Site: "LON", Lead: "lena", Renderer: renderer(), Presence: p, Now: p.now})
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		m.Update(tickMsg{})
		v := m.View()
		lines := strings.Split(strings.TrimRight(v, "\n"), "\n")
		if len(lines) > size[1] {
			t.Fatalf("%dx%d: %d lines\n%s", size[0], size[1], len(lines), v)
		}
		for _, l := range lines {
			if lipgloss.Width(l) > size[0] {
				t.Fatalf("%dx%d: line wider than the window: %q", size[0], size[1], l)
			}
		}
		if !strings.Contains(v, "OFFLINE") || !strings.Contains(v, "PACK-02") {
			t.Fatalf("%dx%d:\n%s", size[0], size[1], v)
		}
	}
}
