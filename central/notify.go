package central

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/packline/packline/oms"
)

// NotifyKinds are the order states customers are told about. Each has a
// template <state>.tmpl. partially_shipped is there so a customer with a
// split order hears of the first parcel with its tracking number.
var NotifyKinds = []oms.State{
	oms.StateAllocated, oms.StatePartiallyShipped, oms.StateShipped,
	oms.StateDelivered, oms.StateReturnReceived, oms.StateRefunded,
}

// Notification channels.
const (
	NotifyEmail   = "email"
	NotifyWebhook = "webhook"
)

//go:embed notifytemplates/*.tmpl
var defaultNotifyTemplates embed.FS

// TextDuration is a time.Duration written in the config file as text,
// like "30s" or "2h".
type TextDuration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *TextDuration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 30s or 2h", b)
	}
	*d = TextDuration(v)
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d TextDuration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// NotifyConfig says how customers are told about their orders: the
// [notifications] table of the config file. With neither smtp.host nor
// webhook.url set, nothing is queued.
type NotifyConfig struct {
	// TemplateDir holds templates that replace the embedded ones: a file
	// <state>.tmpl (allocated.tmpl, shipped.tmpl, ...) defining "subject"
	// and "body" with text/template. Kinds without a file keep the default.
	TemplateDir string `toml:"template_dir"`
	// MaxAttempts is how often a delivery is tried before it is marked
	// failed; default 8.
	MaxAttempts int `toml:"max_attempts"`
	// RetryBase is the wait after the first failure; it doubles with each
	// further one, up to RetryMax. Defaults 30s and 1h.
	RetryBase TextDuration `toml:"retry_base"`
	RetryMax  TextDuration `toml:"retry_max"`
	// PollInterval is how often the sender looks for due notifications;
	// default 2s.
	PollInterval TextDuration `toml:"poll_interval"`
	// SMTP delivers email to the customer's address.
	SMTP SMTPConfig `toml:"smtp"`
	// Webhook posts every notification as JSON to a URL.
	Webhook WebhookConfig `toml:"webhook"`
}

// SMTPConfig is the mail server notifications are sent through.
// STARTTLS is used whenever the server offers it.
type SMTPConfig struct {
	// Host of the mail server; empty turns email off.
	Host string `toml:"host"`
	// Port of the mail server; default 587 (submission).
	Port int `toml:"port"`
	// From is the sender, like "Packline <orders@example.com>".
	From string `toml:"from"`
	// Username and Password, when set, log in with PLAIN auth (only over
	// TLS, or to localhost).
	Username string `toml:"username"`
	Password string `toml:"password" env:"PACKLINE_SMTP_PASSWORD"`
	// RequireTLS refuses to send when the server does not offer STARTTLS.
	RequireTLS bool `toml:"require_tls"`
	// Timeout bounds one delivery, connection to QUIT; default 30s.
	Timeout TextDuration `toml:"timeout"`
}

// WebhookConfig is the URL notifications are posted to.
type WebhookConfig struct {
	// URL to POST to (http or https); empty turns the webhook off.
	URL string `toml:"url"`
	// Secret, when set, signs each body: header X-Packline-Signature is
	// "sha256=" and the hex HMAC-SHA256 of the body keyed with it.
	Secret string `toml:"secret" env:"PACKLINE_NOTIFY_WEBHOOK_SECRET"`
	// Timeout bounds one POST; default 10s.
	Timeout TextDuration `toml:"timeout"`
}

// withDefaults fills the zero fields.
func (c NotifyConfig) withDefaults() NotifyConfig {
	def := func(d *TextDuration, v time.Duration) {
		if *d == 0 {
			*d = TextDuration(v)
		}
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 8
	}
	def(&c.RetryBase, 30*time.Second)
	def(&c.RetryMax, time.Hour)
	def(&c.PollInterval, 2*time.Second)
	def(&c.SMTP.Timeout, 30*time.Second)
	def(&c.Webhook.Timeout, 10*time.Second)
	if c.SMTP.Port == 0 {
		c.SMTP.Port = 587
	}
	return c
}

// channels lists the configured delivery channels.
func (c *NotifyConfig) channels() []string {
	var out []string
	if c.SMTP.Host != "" {
		out = append(out, NotifyEmail)
	}
	if c.Webhook.URL != "" {
		out = append(out, NotifyWebhook)
	}
	return out
}

// Validate names the first bad field. It also parses the templates, so a
// broken template stops omsd at start rather than at the first order.
func (c *NotifyConfig) Validate() error {
	if c.MaxAttempts < 0 {
		return fmt.Errorf("max_attempts: %d is negative", c.MaxAttempts)
	}
	for name, d := range map[string]TextDuration{"retry_base": c.RetryBase, "retry_max": c.RetryMax, "poll_interval": c.PollInterval,
		"smtp.timeout": c.SMTP.Timeout, "webhook.timeout": c.Webhook.Timeout} {
		if d < 0 {
			return fmt.Errorf("%s: %v is negative", name, time.Duration(d))
		}
	}
	if c.SMTP.Host != "" {
		if c.SMTP.Port < 0 || c.SMTP.Port > 65535 {
			return fmt.Errorf("smtp.port: %d is not a port number", c.SMTP.Port)
		}
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			return fmt.Errorf("smtp.from: %q is not an email address", c.SMTP.From)
		}
		if (c.SMTP.Username == "") != (c.SMTP.Password == "") {
			return errors.New("smtp.username and smtp.password go together")
		}
	}
	if c.Webhook.URL != "" {
		u, err := url.Parse(c.Webhook.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("webhook.url: %q is not an http or https URL", c.Webhook.URL)
		}
	}
	if _, err := loadNotifyTemplates(c.TemplateDir); err != nil {
		return err
	}
	return nil
}

// Notification is what a template renders and a webhook receives: a
// snapshot of the order taken in the transaction that changed it.
type Notification struct {
	ID           int64            `json:"id,omitempty"`
	Kind         oms.State        `json:"kind"`
	At           time.Time        `json:"at"`
	OrderID      string           `json:"order_id"`
	Channel      oms.Channel      `json:"channel"`
	ExternalID   string           `json:"external_id"`
	Customer     oms.Customer     `json:"customer"`
	ShipTo       oms.Address      `json:"ship_to"`
	Currency     string           `json:"currency"`
	Total        int64            `json:"total"`
	ServiceLevel oms.ServiceLevel `json:"service_level"`
	PromisedAt   time.Time        `json:"promised_at,omitzero"`
	Lines        []oms.Line       `json:"lines"`
	Shipments    []oms.Shipment   `json:"shipments,omitempty"`
	Return       *oms.Return      `json:"return,omitempty"`
	// OrderURL is the customer's page for the order (with its private
	// token), when omsd serves the customer pages.
	OrderURL string `json:"order_url,omitempty"`
}

func isNotifyKind(s oms.State) bool { return slices.Contains(NotifyKinds, s) }

// enqueueNotification queues the customer notifications a move to state
// to calls for, in the transaction that makes the move: one row per
// configured channel (see Service.ApplyNotifyConfig). It only inserts
// rows; delivery is RunNotifier's, so a mail server that is down never
// holds up an order.
func enqueueNotification(ctx context.Context, tx *sql.Tx, o *oms.Order, to oms.State, at time.Time) error {
	if !isNotifyKind(to) {
		return nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT channel FROM notify_channels ORDER BY channel")
	if err != nil {
		return err
	}
	var channels []string
	for rows.Next() {
		var ch string
		if err := rows.Scan(&ch); err != nil {
			rows.Close()
			return err
		}
		if ch == NotifyEmail && o.Customer.Email == "" {
			continue
		}
		channels = append(channels, ch)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(channels) == 0 {
		return err
	}
	n := Notification{Kind: to, At: at, OrderID: o.ID, Channel: o.Channel, ExternalID: o.ExternalID, Customer: o.Customer,
		ShipTo: o.ShipTo, Currency: o.Currency, Total: o.Total(), ServiceLevel: o.ServiceLevel, PromisedAt: o.PromisedAt, Lines: o.Lines}
	switch to {
	case oms.StateShipped, oms.StatePartiallyShipped, oms.StateDelivered:
		if n.Shipments, err = orderShipments(ctx, tx, nil, o.ID); err != nil {
			return err
		}
	case oms.StateReturnReceived, oms.StateRefunded:
		var body string
		err := tx.QueryRowContext(ctx, "SELECT body FROM returns WHERE order_id = ? ORDER BY updated_at DESC, rma DESC LIMIT 1", o.ID).Scan(&body)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if body != "" {
			var ret oms.Return
			if json.Unmarshal([]byte(body), &ret) == nil {
				n.Return = &ret
			}
		}
	}
	payload, err := json.Marshal(n)
	if err != nil {
		return err
	}
	for _, ch := range channels {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (order_id, kind, channel, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			o.ID, string(to), ch, string(payload), timestamp(at), timestamp(at)); err != nil {
			return err
		}
	}
	return nil
}

// ApplyNotifyConfig records which channels are configured, so order
// changes from now on queue notifications for them. RunNotifier calls it
// when it starts; omsd calls it before the allocator runs, so no change
// made at start-up goes unannounced.
func (svc *Service) ApplyNotifyConfig(ctx context.Context) error {
	channels := svc.Notify.channels()
	return svc.Store.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM notify_channels"); err != nil {
			return fmt.Errorf("notification channels: %w", err)
		}
		for _, ch := range channels {
			if _, err := tx.ExecContext(ctx, "INSERT INTO notify_channels (channel) VALUES (?)", ch); err != nil {
				return fmt.Errorf("notification channels: %w", err)
			}
		}
		return nil
	})
}

// notifyTemplates holds one parsed template per kind.
type notifyTemplates map[oms.State]*template.Template

var notifyFuncs = template.FuncMap{
	// money formats minor units in their currency: money 1999 "EUR" is "19.99 EUR".
	"money": func(v int64, currency string) string {
		exp, _ := oms.CurrencyExponent(currency)
		s := strconv.FormatInt(v, 10)
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		if exp > 0 {
			s = strings.Repeat("0", max(0, exp+1-len(s))) + s
			s = s[:len(s)-exp] + "." + s[len(s)-exp:]
		}
		if neg {
			s = "-" + s
		}
		return s + " " + currency
	},
	// date formats a time as "2 January 2026".
	"date": func(t time.Time) string { return t.Format("2 January 2006") },
}

// loadNotifyTemplates parses the embedded templates and, from dir, the
// ones that replace them. Errors name the file.
func loadNotifyTemplates(dir string) (notifyTemplates, error) {
	out := notifyTemplates{}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("template_dir: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasSuffix(name, ".tmpl") && !isNotifyKind(oms.State(strings.TrimSuffix(name, ".tmpl"))) {
				return nil, fmt.Errorf("template_dir: %s: not a notification kind (want one of %v)", filepath.Join(dir, name), NotifyKinds)
			}
		}
	}
	for _, kind := range NotifyKinds {
		name := string(kind) + ".tmpl"
		src, err := fs.ReadFile(defaultNotifyTemplates, "notifytemplates/"+name)
		where := "embedded " + name
		if err != nil {
			return nil, fmt.Errorf("notification template %s: %w", where, err)
		}
		if dir != "" {
			path := filepath.Join(dir, name)
			if b, err := os.ReadFile(path); err == nil {
				src, where = b, path
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("template_dir: %w", err)
			}
		}
		t, err := template.New(name).Funcs(notifyFuncs).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("notification template %s: %w", where, err)
		}
		for _, part := range []string{"subject", "body"} {
			if t.Lookup(part) == nil {
				return nil, fmt.Errorf("notification template %s: no {{define %q}}", where, part)
			}
		}
		out[kind] = t
	}
	return out, nil
}

// render produces a notification's subject line and text.
func (ts notifyTemplates) render(n *Notification) (subject, body string, err error) {
	t, ok := ts[n.Kind]
	if !ok {
		return "", "", fmt.Errorf("no template for %s", n.Kind)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "subject", n); err != nil {
		return "", "", fmt.Errorf("template %s: subject: %w", n.Kind, err)
	}
	// One line, whatever the template did: a newline in a header would
	// let the template (or an order's data) add headers.
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := t.ExecuteTemplate(&b, "body", n); err != nil {
		return "", "", fmt.Errorf("template %s: body: %w", n.Kind, err)
	}
	return subject, strings.TrimLeft(b.String(), "\n"), nil
}

// notifier delivers queued notifications.
type notifier struct {
	cfg      NotifyConfig
	tmpl     notifyTemplates
	store    *Store
	log      *slog.Logger
	http     *http.Client
	orderURL func(orderID string) string
}

// RunNotifier delivers queued notifications until ctx ends: email by
// SMTP and JSON by webhook, as configured. A failed delivery is tried
// again after RetryBase, then twice as long each time up to RetryMax,
// and marked failed after MaxAttempts. Delivery is at least once: a
// crash between sending and recording it sends again (webhooks carry the
// notification id in X-Packline-Notification-Id to spot that).
func (svc *Service) RunNotifier(ctx context.Context) error {
	cfg := svc.Notify.withDefaults()
	tmpl, err := loadNotifyTemplates(cfg.TemplateDir)
	if err != nil {
		return fmt.Errorf("notifier: %w", err)
	}
	if err := svc.ApplyNotifyConfig(ctx); err != nil {
		return fmt.Errorf("notifier: %w", err)
	}
	n := &notifier{cfg: cfg, tmpl: tmpl, store: svc.Store, log: svc.Log, orderURL: svc.OrderURL,
		http: &http.Client{Timeout: time.Duration(cfg.Webhook.Timeout)}}
	tick := time.NewTicker(time.Duration(cfg.PollInterval))
	defer tick.Stop()
	for {
		n.deliverDue(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

type dueNotification struct {
	id       int64
	channel  string
	payload  string
	attempts int
}

// deliverDue sends what is due, a batch at a time, until none is left.
func (n *notifier) deliverDue(ctx context.Context) {
	const batch = 50
	for ctx.Err() == nil {
		rows, err := n.store.db.QueryContext(ctx, `SELECT id, channel, payload, attempts FROM notifications
			WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`, timestamp(n.store.now()), batch)
		if err != nil {
			n.log.Error("notifications: read queue", "err", err)
			return
		}
		var due []dueNotification
		for rows.Next() {
			var d dueNotification
			if err := rows.Scan(&d.id, &d.channel, &d.payload, &d.attempts); err == nil {
				due = append(due, d)
			}
		}
		rows.Close()
		for _, d := range due {
			if ctx.Err() != nil {
				return
			}
			if err := n.record(ctx, d, n.deliver(ctx, d)); err != nil {
				// Not recorded: it would come straight back as due; wait
				// for the next tick rather than spin.
				n.log.Error("notifications: record delivery", "id", d.id, "err", err)
				return
			}
		}
		if len(due) < batch {
			return
		}
	}
}

func (n *notifier) deliver(ctx context.Context, d dueNotification) error {
	var msg Notification
	if err := json.Unmarshal([]byte(d.payload), &msg); err != nil {
		return fmt.Errorf("stored payload: %w", err)
	}
	msg.ID = d.id
	if n.orderURL != nil && msg.OrderURL == "" {
		msg.OrderURL = n.orderURL(msg.OrderID)
	}
	subject, text, err := n.tmpl.render(&msg)
	if err != nil {
		return err
	}
	switch d.channel {
	case NotifyEmail:
		if n.cfg.SMTP.Host == "" {
			return errors.New("email is no longer configured (notifications.smtp.host)")
		}
		return n.sendMail(ctx, &msg, subject, text)
	case NotifyWebhook:
		if n.cfg.Webhook.URL == "" {
			return errors.New("the webhook is no longer configured (notifications.webhook.url)")
		}
		return n.postWebhook(ctx, &msg, subject, text)
	}
	return fmt.Errorf("unknown channel %q", d.channel)
}

// record stores a delivery's outcome: sent, or when to try again, or
// failed for good.
func (n *notifier) record(ctx context.Context, d dueNotification, sendErr error) error {
	now := n.store.now()
	attempts := d.attempts + 1
	var err error
	switch {
	case sendErr == nil:
		_, err = n.store.db.ExecContext(ctx, "UPDATE notifications SET state = 'sent', attempts = ?, last_error = '', sent_at = ? WHERE id = ?",
			attempts, timestamp(now), d.id)
	case attempts >= n.cfg.MaxAttempts:
		n.log.Error("notification failed for good", "id", d.id, "channel", d.channel, "attempts", attempts, "err", sendErr)
		_, err = n.store.db.ExecContext(ctx, "UPDATE notifications SET state = 'failed', attempts = ?, last_error = ? WHERE id = ?",
			attempts, sendErr.Error(), d.id)
	default:
		wait := time.Duration(n.cfg.RetryBase)
		for i := 1; i < attempts && wait < time.Duration(n.cfg.RetryMax); i++ {
			wait *= 2
		}
		wait = min(wait, time.Duration(n.cfg.RetryMax))
		n.log.Warn("notification not delivered; will retry", "id", d.id, "channel", d.channel, "attempts", attempts, "retry_in", wait, "err", sendErr)
		_, err = n.store.db.ExecContext(ctx, "UPDATE notifications SET attempts = ?, last_error = ?, next_at = ? WHERE id = ?",
			attempts, sendErr.Error(), timestamp(now.Add(wait)), d.id)
	}
	return err
}

// webhookBody is what the notification webhook receives.
type webhookBody struct {
	ID           int64         `json:"id"`
	Kind         oms.State     `json:"kind"`
	Subject      string        `json:"subject"`
	Text         string        `json:"text"`
	Notification *Notification `json:"notification"`
}

func (n *notifier) postWebhook(ctx context.Context, msg *Notification, subject, text string) error {
	body, err := json.Marshal(webhookBody{ID: msg.ID, Kind: msg.Kind, Subject: subject, Text: text, Notification: msg})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.cfg.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", n.cfg.Webhook.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "packline-omsd")
	req.Header.Set("X-Packline-Notification-Id", strconv.FormatInt(msg.ID, 10))
	req.Header.Set("X-Packline-Event", string(msg.Kind))
	if n.cfg.Webhook.Secret != "" {
		mac := hmac.New(sha256.New, []byte(n.cfg.Webhook.Secret))
		mac.Write(body)
		req.Header.Set("X-Packline-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := n.http.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s: %s: %s", n.cfg.Webhook.URL, resp.Status, strings.TrimSpace(string(snippet)))
	}
	return nil
}

// sendMail delivers one message with net/smtp, bounded by the timeout.
func (n *notifier) sendMail(ctx context.Context, msg *Notification, subject, text string) error {
	c := n.cfg.SMTP
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return fmt.Errorf("smtp.from %q: %w", c.From, err)
	}
	to, err := mail.ParseAddress(msg.Customer.Email)
	if err != nil {
		return fmt.Errorf("customer email %q: %w", msg.Customer.Email, err)
	}
	to.Name = msg.Customer.Name
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	timeout := time.Duration(c.Timeout)
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer cl.Close()
	if ok, _ := cl.Extension("STARTTLS"); ok {
		if err := cl.StartTLS(&tls.Config{ServerName: c.Host}); err != nil {
			return fmt.Errorf("smtp %s: starttls: %w", addr, err)
		}
	} else if c.RequireTLS {
		return fmt.Errorf("smtp %s: server does not offer STARTTLS and smtp.require_tls is set", addr)
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return fmt.Errorf("smtp %s: auth: %w", addr, err)
		}
	}
	if err := cl.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", addr, err)
	}
	if err := cl.Rcpt(to.Address); err != nil {
		return fmt.Errorf("smtp %s: RCPT TO %s: %w", addr, to.Address, err)
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if _, err := w.Write(mailMessage(from, to, subject, text, msg.ID, time.Now())); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	return cl.Quit()
}

// mailMessage builds a plain-text UTF-8 message; the body is
// quoted-printable so any text survives any relay.
func mailMessage(from, to *mail.Address, subject, text string, id int64, now time.Time) []byte {
	var b bytes.Buffer
	domain := "packline"
	if _, d, ok := strings.Cut(from.Address, "@"); ok {
		domain = d
	}
	fmt.Fprintf(&b, "From: %s\r\n", from.String())
	fmt.Fprintf(&b, "To: %s\r\n", to.String())
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <notification-%d.%d@%s>\r\n", id, now.UnixNano(), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}
