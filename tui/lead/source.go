package lead

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	stdsync "sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/sync"
)

// OfflineAfter is how long a station may miss heartbeats (every 3 s)
// before the dashboard calls it offline.
const OfflineAfter = 7 * time.Second

// StationView is one station as the dashboard shows it.
type StationView struct {
	sync.Presence
	Online    bool
	LastSeen  time.Time
	OfflineAt time.Time // when it stopped answering; zero while online
}

// Presence follows a site's heartbeats on oms.<site>.presence.
type Presence struct {
	site string
	now  func() time.Time

	mu       stdsync.Mutex // guards stations
	stations map[string]*StationView
}

// NewPresence starts following a site's heartbeats on nc. A heartbeat
// that cannot be read is logged (subject and why) and left out.
func NewPresence(nc *nats.Conn, site string, log *slog.Logger) (*Presence, func(), error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Presence{site: site, now: time.Now, stations: map[string]*StationView{}}
	sub, err := nc.Subscribe(oms.PresenceSubject(site), func(m *nats.Msg) {
		pr, err := sync.ParsePresence(site, m.Data)
		if err != nil {
			log.Warn("presence message refused", "subject", m.Subject, "err", err)
			return
		}
		p.Seen(pr)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("presence of %s: %w", site, err)
	}
	return p, func() { sub.Unsubscribe() }, nil
}

// NewStaticPresence is a site with n stations that all just heartbeat,
// for demos and load tests without a NATS server.
func NewStaticPresence(site string, n int) *Presence {
	p := &Presence{site: site, now: time.Now, stations: map[string]*StationView{}}
	for i := range n {
		p.Seen(sync.Presence{Site: site, Station: fmt.Sprintf("PACK-%02d", i+1), Operator: fmt.Sprintf("op%02d", i+1), Screen: "pack",
			Queue: i, Printer: "ready", Scanner: "ok", LastScan: time.Now()})
	}
	return p
}

// Seen records a heartbeat.
func (p *Presence) Seen(pr sync.Presence) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stations[pr.Station] = &StationView{Presence: pr, Online: true, LastSeen: p.now()}
}

// Stations lists the stations ever heard from, with online state as of now.
func (p *Presence) Stations() []StationView {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	out := make([]StationView, 0, len(p.stations))
	for _, s := range p.stations {
		v := *s
		if now.Sub(v.LastSeen) > OfflineAfter {
			v.Online, v.OfflineAt = false, v.LastSeen
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Station < out[j].Station })
	return out
}

// Exception is an open floor exception from central.
type Exception struct {
	ID      int64     `json:"id"`
	Site    string    `json:"site"`
	Station string    `json:"station"`
	OrderID string    `json:"order_id"`
	Code    string    `json:"code"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// Throughput is a packer's hour.
type Throughput struct {
	Operator string    `json:"operator"`
	Hour     time.Time `json:"hour"`
	Orders   int       `json:"orders"`
	Units    int       `json:"units"`
}

// Central is the dashboard's view of omsd's HTTP API. Every action
// carries the lead's name, which central writes into the order's history.
type Central struct {
	Base string
	HTTP *http.Client
}

func (c *Central) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 5 * time.Second}
}

func (c *Central) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("omsd %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(data, &e)
		return fmt.Errorf("omsd %s %s: %d %s", method, path, resp.StatusCode, e.Error)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// Exceptions lists the site's open exceptions.
func (c *Central) Exceptions(ctx context.Context, site string) ([]Exception, error) {
	var out struct {
		Exceptions []Exception `json:"exceptions"`
	}
	if err := c.do(ctx, "GET", "/v1/exceptions", nil, &out); err != nil {
		return nil, err
	}
	var mine []Exception
	for _, e := range out.Exceptions {
		if e.Site == site {
			mine = append(mine, e)
		}
	}
	return mine, nil
}

// Throughput lists the site's packers' hours.
func (c *Central) Throughput(ctx context.Context, site string) ([]Throughput, error) {
	var out struct {
		Throughput []Throughput `json:"throughput"`
	}
	err := c.do(ctx, "GET", "/v1/sites/"+url.PathEscape(site)+"/throughput?hours=12", nil, &out)
	return out.Throughput, err
}

// ReleaseHold releases a held order.
func (c *Central) ReleaseHold(ctx context.Context, order, lead string) error {
	return c.do(ctx, "POST", "/v1/orders/"+url.PathEscape(order)+"/release", map[string]string{"by": "lead:" + lead}, nil)
}

// Reassign moves an order to another station of the site.
func (c *Central) Reassign(ctx context.Context, order, site, station, lead string) error {
	return c.do(ctx, "POST", "/v1/orders/"+url.PathEscape(order)+"/reassign",
		map[string]string{"site": site, "station": station, "by": "lead:" + lead}, nil)
}

// Broadcast is a lead's message to every station of a site, on
// oms.<site>.broadcast.
type Broadcast struct {
	Site    string    `json:"site"`
	From    string    `json:"from"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// BroadcastSubject is where a site's broadcasts travel.
func BroadcastSubject(site string) string { return "oms." + site + ".broadcast" }

// Approval is a lead's approval for an order being packed to close short.
type Approval struct {
	Site    string    `json:"site"`
	OrderID string    `json:"order_id"`
	Lead    string    `json:"lead"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
}

// ApprovalSubject is where a site's partial-pack approvals travel; the
// station packing the order takes it as a lead override.
func ApprovalSubject(site string) string { return "oms." + site + ".approve" }

// ParseBroadcast reads a broadcast published on site's broadcast subject.
func ParseBroadcast(site string, data []byte) (Broadcast, error) {
	var b Broadcast
	if err := json.Unmarshal(data, &b); err != nil {
		return b, fmt.Errorf("broadcast: %w", err)
	}
	switch {
	case b.Site != "" && b.Site != site:
		return b, fmt.Errorf("broadcast: site %q on the broadcast subject of %s", b.Site, site)
	case strings.TrimSpace(b.Message) == "":
		return b, errors.New("broadcast: message missing")
	}
	// Shown on every station's screen: no control characters.
	if err := oms.CheckText(b.Message); err != nil {
		return b, fmt.Errorf("broadcast: message: %w", err)
	}
	if err := oms.CheckText(b.From); err != nil {
		return b, fmt.Errorf("broadcast: from: %w", err)
	}
	return b, nil
}

// ParseApproval reads a partial-pack approval published on site's
// approval subject.
func ParseApproval(site string, data []byte) (Approval, error) {
	var a Approval
	if err := json.Unmarshal(data, &a); err != nil {
		return a, fmt.Errorf("approval: %w", err)
	}
	switch {
	case a.Site != "" && a.Site != site:
		return a, fmt.Errorf("approval: site %q on the approval subject of %s", a.Site, site)
	case a.OrderID == "":
		return a, errors.New("approval: order_id missing")
	case a.Lead == "":
		return a, errors.New("approval: lead missing")
	}
	// Shown on the station's screen: no control characters.
	for _, f := range []struct{ name, text string }{{"order_id", a.OrderID}, {"lead", a.Lead}, {"reason", a.Reason}} {
		if err := oms.CheckText(f.text); err != nil {
			return a, fmt.Errorf("approval: %s: %w", f.name, err)
		}
	}
	return a, nil
}
