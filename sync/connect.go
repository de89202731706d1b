package sync

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnectOptions say how to reach NATS.
type ConnectOptions struct {
	URL     string // one or more URLs, comma separated
	Name    string // shown in the server's connection list
	Creds   string // credentials file
	TLSCert string
	TLSKey  string
	TLSCA   string
	Log     *slog.Logger
}

// Connect connects to NATS the way a floor device must: it never gives up
// reconnecting, and a first connect that fails (the terminal boots during
// an outage) does not fail: the connection comes up in the background and
// everything queued locally flows then.
func Connect(o ConnectOptions) (*nats.Conn, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, time.Second),
		nats.PingInterval(5 * time.Second),
		nats.MaxPingsOutstanding(2),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "url", nc.ConnectedUrl()) }),
		nats.ConnectHandler(func(nc *nats.Conn) { log.Info("nats connected", "url", nc.ConnectedUrl()) }),
	}
	if o.Creds != "" {
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	if o.TLSCert != "" {
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	return nats.Connect(o.URL, opts...)
}
