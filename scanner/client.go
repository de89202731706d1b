package scanner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// ErrClientClosed is returned by Client.Next after Close.
var ErrClientClosed = errors.New("scanner client closed")

// maxEventLine bounds one JSON line from the daemon; a longer one means
// the stream is broken and the connection is dropped and made again.
const maxEventLine = 1 << 20

// Client is a station's connection to scannerd. It reconnects by itself
// when the daemon restarts or the connection drops, and hands events over
// in order. A scan the daemon delivered twice after a broken connection
// (same run, same seq) is passed on once.
type Client struct {
	path   string
	events chan Event
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	lastRun string // Lock must be held
	lastSeq uint64 // Lock must be held
}

// ClientOptions tunes a Client; the zero value is fine.
type ClientOptions struct {
	// Buffer is the length of the Events channel; 0 means 256.
	Buffer int
	// MaxBackoff is the longest wait between reconnect attempts; 0 means 1s.
	MaxBackoff time.Duration
}

// Dial connects to the scannerd socket at path. It fails only when the
// first connection fails; after that it keeps reconnecting until Close
// or ctx ends, and tells of each lost and regained connection with an
// EventDaemon event.
func Dial(ctx context.Context, path string) (*Client, error) {
	return DialOptions(ctx, path, ClientOptions{})
}

// DialOptions is Dial with options.
func DialOptions(ctx context.Context, path string, o ClientOptions) (*Client, error) {
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Second
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("dial scannerd %s: %w", path, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &Client{path: path, events: make(chan Event, o.Buffer), cancel: cancel, done: make(chan struct{})}
	go c.loop(ctx, conn, o.MaxBackoff)
	return c, nil
}

// Events returns the channel of events. It is closed after Close.
func (c *Client) Events() <-chan Event { return c.events }

// Next returns the next event, waiting for it until ctx ends.
func (c *Client) Next(ctx context.Context) (Event, error) {
	select {
	case ev, ok := <-c.events:
		if !ok {
			return Event{}, ErrClientClosed
		}
		return ev, nil
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

// NextScan returns the next scan event, skipping status and other events.
func (c *Client) NextScan(ctx context.Context) (Event, error) {
	for {
		ev, err := c.Next(ctx)
		if err != nil || ev.Type == EventScan {
			return ev, err
		}
	}
}

// Close disconnects and stops reconnecting.
func (c *Client) Close() error {
	c.cancel()
	<-c.done
	return nil
}

func (c *Client) loop(ctx context.Context, conn net.Conn, maxBackoff time.Duration) {
	defer close(c.done)
	defer close(c.events)
	var d net.Dialer
	backoff := 50 * time.Millisecond
	for {
		if conn != nil {
			backoff = 50 * time.Millisecond
			err := c.read(ctx, conn)
			if ctx.Err() != nil {
				return
			}
			if !c.send(ctx, Event{Type: EventDaemon, Time: time.Now(), State: StateDown, Error: errString(err)}) {
				return
			}
			conn = nil
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
		nc, err := d.DialContext(ctx, "unix", c.path)
		if err != nil {
			continue
		}
		conn = nc
		if !c.send(ctx, Event{Type: EventDaemon, Time: time.Now(), State: StateUp}) {
			conn.Close()
			return
		}
	}
}

// read passes events from conn on until it fails or ctx ends.
func (c *Client) read(ctx context.Context, conn net.Conn) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	sc := bufio.NewScanner(conn)
	sc.Buffer(make([]byte, 64<<10), maxEventLine)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return fmt.Errorf("read scannerd %s: bad event line: %w", c.path, err)
		}
		if ev.Type == EventScan && c.duplicate(ev) {
			continue
		}
		if !c.send(ctx, ev) {
			return ctx.Err()
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read scannerd %s: %w", c.path, err)
	}
	return fmt.Errorf("read scannerd %s: connection closed", c.path)
}

// duplicate reports whether ev was passed on already.
func (c *Client) duplicate(ev Event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ev.Run != "" && ev.Run == c.lastRun && ev.Seq <= c.lastSeq {
		return true
	}
	c.lastRun, c.lastSeq = ev.Run, ev.Seq
	return false
}

func (c *Client) send(ctx context.Context, ev Event) bool {
	select {
	case c.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}
