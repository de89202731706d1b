package central

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packline/packline/oms"
)

// smtpSink is a tiny SMTP server on 127.0.0.1 that keeps what it receives.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []sinkMail
}

type sinkMail struct {
	from, to string
	data     string
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { fmt.Fprintf(c, "%s\r\n", line) }
	say("220 sink ESMTP")
	var m sinkMail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-sink")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			from, _, _ := strings.Cut(strings.TrimSpace(line[10:]), " ") // drop BODY=8BITMIME
			m = sinkMail{from: from}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = strings.TrimSpace(line[8:])
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			m.data = data.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpSink) mails() []sinkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMail(nil), s.msgs...)
}

// flakyHook fails the first failures calls with 503, then answers 204.
type flakyHook struct {
	mu       sync.Mutex
	failures int
	calls    int
	bodies   [][]byte
	sigs     []string
}

func (h *flakyHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	if h.calls <= h.failures {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	h.bodies = append(h.bodies, body)
	h.sigs = append(h.sigs, r.Header.Get("X-Packline-Signature"))
	w.WriteHeader(http.StatusNoContent)
}

type notificationRow struct {
	kind, channel, state, lastError string
	attempts                        int
}

func (w *world) notifications(t testing.TB) []notificationRow {
	t.Helper()
	rows, err := w.store.db.Query("SELECT kind, channel, state, attempts, last_error FROM notifications ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []notificationRow
	for rows.Next() {
		var n notificationRow
		rows.Scan(&n.kind, &n.channel, &n.state, &n.attempts, &n.lastError)
		out = append(out, n)
	}
	return out
}

func fastNotify(c NotifyConfig) NotifyConfig {
	c.RetryBase, c.RetryMax, c.PollInterval = TextDuration(20*time.Millisecond), TextDuration(100*time.Millisecond), TextDuration(10*time.Millisecond)
	c.SMTP.Timeout, c.Webhook.Timeout = TextDuration(5*time.Second), TextDuration(5*time.Second)
	return c
}

func TestNotificationsByEmailAndFlakyWebhook(t *testing.T) {
	w := newWorld(t)
	sink := startSMTPSink(t)
	hook := &flakyHook{failures: 2}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	host, port, _ := net.SplitHostPort(sink.ln.Addr().String())
	var p int
	fmt.Sscan(port, &p)
	w.svc.Notify = fastNotify(NotifyConfig{
		MaxAttempts: 5,
		SMTP:        SMTPConfig{Host: host, Port: p, From: "Packline <orders@shop.example>"},
		Webhook:     WebhookConfig{URL: hs.URL + "/hook", Secret: "s3cret"},
	})
	if err := w.svc.Notify.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.ApplyNotifyConfig(w.ctx); err != nil {
		t.Fatal(err)
	}
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	in := order("W-100", testGB, false, LineInput{SKU: "SKU-1", Qty: 1, UnitPrice: 1999})
	in.Customer = oms.Customer{Name: "Zoë Brontë", Email: "zoe@example.com"}
	o := w.capture(t, in)
	noEmail := w.capture(t, order("W-101", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	// The orders moved on at once: queuing is part of their transaction.
	if v := w.view(t, o.ID); v.Status != oms.StateReleased {
		t.Fatalf("order is %s, want released", v.Status)
	}
	rows := w.notifications(t)
	if len(rows) != 3 {
		t.Fatalf("queued %+v, want email+webhook for W-100 and webhook only for W-101 (no email address)", rows)
	}

	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- w.svc.RunNotifier(ctx) }()
	defer func() { cancel(); <-done }()

	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		for _, n := range w.notifications(t) {
			if n.state != "sent" {
				return fmt.Errorf("notification %+v not sent yet", n)
			}
		}
		return nil
	})
	mails := sink.mails()
	if len(mails) != 1 || mails[0].to != "<zoe@example.com>" || mails[0].from != "<orders@shop.example>" {
		t.Fatalf("mails = %+v", mails)
	}
	text, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(mails[0].data[strings.Index(mails[0].data, "\r\n\r\n")+4:])))
	if !strings.Contains(mails[0].data, "Subject: We are preparing your order W-100") || !strings.Contains(string(text), "Hello Zoë Brontë") ||
		!strings.Contains(string(text), "19.99 EUR") {
		t.Errorf("mail = %s\ntext = %s", mails[0].data, text)
	}
	// The webhook failed twice, then took both orders' notifications.
	hook.mu.Lock()
	calls, bodies, sigs := hook.calls, hook.bodies, hook.sigs
	hook.mu.Unlock()
	if calls != 4 || len(bodies) != 2 {
		t.Fatalf("webhook calls = %d, delivered %d; want 2 failures then 2 deliveries", calls, len(bodies))
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(bodies[0])
	if sigs[0] != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		t.Errorf("signature %q does not match the body", sigs[0])
	}
	var wb webhookBody
	json.Unmarshal(bodies[0], &wb)
	if wb.Kind != oms.StateAllocated || wb.Notification == nil || wb.Notification.OrderID == "" {
		t.Errorf("webhook body = %s", bodies[0])
	}
	for _, n := range w.notifications(t) {
		if n.channel == NotifyWebhook && n.attempts < 2 {
			t.Errorf("webhook row %+v: want the retries counted", n)
		}
	}

	// Shipping queues a shipped mail with the tracking number.
	w.advance(t, o.ID, oms.StatePicking, oms.StatePicked, oms.StatePacking, oms.StatePacked)
	if err := w.store.RecordShipment(w.ctx, o.ID, shipment("SH-1", "JD014600009", oms.PackedItem{SKU: "SKU-1", Qty: 1}), "test"); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if m := sink.mails(); len(m) < 2 || !strings.Contains(m[1].data, "JD014600009") {
			return fmt.Errorf("no shipped mail with the tracking number yet: %+v", m)
		}
		return nil
	})
	_ = noEmail
}

func TestNotificationGivesUpAfterMaxAttempts(t *testing.T) {
	w := newWorld(t)
	hook := &flakyHook{failures: 1000}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	w.svc.Notify = fastNotify(NotifyConfig{MaxAttempts: 3, Webhook: WebhookConfig{URL: hs.URL}})
	if err := w.svc.ApplyNotifyConfig(w.ctx); err != nil {
		t.Fatal(err)
	}
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	w.capture(t, order("W-1", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- w.svc.RunNotifier(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		rows := w.notifications(t)
		if len(rows) != 1 || rows[0].state != "failed" {
			return fmt.Errorf("rows = %+v, want one failed", rows)
		}
		if rows[0].attempts != 3 || !strings.Contains(rows[0].lastError, "503") {
			return fmt.Errorf("row = %+v, want 3 attempts and the 503 in last_error", rows[0])
		}
		return nil
	})
}

func TestNotificationsOffQueueNothing(t *testing.T) {
	w := newWorld(t)
	if err := w.svc.ApplyNotifyConfig(w.ctx); err != nil {
		t.Fatal(err)
	}
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	w.capture(t, order("W-1", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	w.svc.AllocateAll(w.ctx)
	if rows := w.notifications(t); len(rows) != 0 {
		t.Errorf("queued %+v with no channel configured", rows)
	}
}

func TestNotifyConfigValidateAndTemplates(t *testing.T) {
	dir := t.TempDir()
	good := NotifyConfig{TemplateDir: dir, Webhook: WebhookConfig{URL: "https://hooks.example/packline"}}
	os.WriteFile(filepath.Join(dir, "shipped.tmpl"), []byte(`{{define "subject"}}Shipped: {{.ExternalID}}
Bcc: evil@example.com{{end}}{{define "body"}}{{range .Shipments}}{{.TrackingNumber}}{{end}}{{end}}`), 0o600)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	ts, _ := loadNotifyTemplates(dir)
	subj, body, err := ts.render(&Notification{Kind: oms.StateShipped, ExternalID: "W-1", Shipments: []oms.Shipment{{TrackingNumber: "T1"}}})
	if err != nil || subj != "Shipped: W-1 Bcc: evil@example.com" || body != "T1" {
		t.Errorf("override: %q %q %v; the subject must stay one line", subj, body, err)
	}
	for _, c := range []struct {
		cfg  NotifyConfig
		file string
		has  string
	}{
		{NotifyConfig{SMTP: SMTPConfig{Host: "mail", From: "nobody"}}, "", "smtp.from"},
		{NotifyConfig{SMTP: SMTPConfig{Host: "mail", From: "a@b.example", Username: "u"}}, "", "smtp.username"},
		{NotifyConfig{Webhook: WebhookConfig{URL: "ftp://x"}}, "", "webhook.url"},
		{NotifyConfig{RetryBase: TextDuration(-time.Second)}, "", "retry_base"},
		{NotifyConfig{TemplateDir: t.TempDir()}, "shiped.tmpl", "shiped.tmpl"},
		{NotifyConfig{TemplateDir: t.TempDir()}, "delivered.tmpl", "delivered.tmpl"},
	} {
		if c.file != "" {
			os.WriteFile(filepath.Join(c.cfg.TemplateDir, c.file), []byte(`{{define "subject"}}{{.Nope}`), 0o600)
		}
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.has) {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.has)
		}
	}
	var d TextDuration
	if err := d.UnmarshalText([]byte("90s")); err != nil || time.Duration(d) != 90*time.Second {
		t.Errorf("TextDuration: %v %v", d, err)
	}
}
