package sync

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
)

// Presence is a station's heartbeat, for the leads' floor view.
type Presence struct {
	Site      string    `json:"site"`
	Station   string    `json:"station"`
	At        time.Time `json:"at"`
	Operator  string    `json:"operator,omitempty"`
	Screen    string    `json:"screen,omitempty"`
	Queue     int       `json:"queue"`
	Backlog   int       `json:"backlog"`
	OldestAge float64   `json:"oldest_age_s"`
	Printer   string    `json:"printer,omitempty"`
	Scanner   string    `json:"scanner,omitempty"`
	LastScan  time.Time `json:"last_scan,omitzero"`
}

// State is the station's connectivity, for the status bar.
type State struct {
	Online        bool
	Waiting       int       // events not yet applied by central
	Unsent        int       // of those, not yet stored by JetStream
	OldestWaiting time.Time // zero when nothing waits
	LastSync      time.Time // last time central's watermark moved or a batch was stored
	Watermark     uint64
}

// Station runs a station's side of sync: the outbox drainer, the
// watermark follower, the task consumer and the presence heartbeat.
type Station struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	db  *localdb.DB
	key StationKey
	log *slog.Logger

	// ResendAfter is how long events JetStream stored may wait for
	// central's watermark before they are published again (safe: central
	// applies each id once).
	ResendAfter time.Duration
	// InFlight is how many events are published before waiting for acks.
	InFlight int
	// EventsPerMessage is how many events go in one NATS message (see
	// bundle.go); 1 sends each event alone.
	EventsPerMessage int
	// PresenceEvery is the heartbeat interval.
	PresenceEvery time.Duration
	// Presence fills in what the TUI knows (operator, screen, devices).
	Presence func(*Presence)
	// OnTask is called after a task changed the station's view of an order
	// (a release, a cancellation or hold of work in progress, an exception).
	OnTask func(oms.Event)
	// afterPublish is a test hook: called after JetStream acked a batch,
	// before the acks are recorded.
	afterPublish func([]uint64) bool

	// bundles is set once central says it reads bundles (FeaturesKey);
	// featuresAt is when the drainer last asked (drain goroutine only).
	bundles    atomic.Bool
	featuresAt time.Time

	mu        stdsync.Mutex // guards the fields below
	watermark uint64
	lastSync  time.Time
}

// NewStation prepares a station's sync on a connection made by Connect.
func NewStation(nc *nats.Conn, db *localdb.DB, log *slog.Logger) (*Station, error) {
	site, station := db.Identity()
	if site == "" {
		return nil, localdb.ErrNoIdentity
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(16384))
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Station{nc: nc, js: js, db: db, key: StationKey{site, station}, log: log,
		ResendAfter: 30 * time.Second, InFlight: 8192, EventsPerMessage: 64, PresenceEvery: 3 * time.Second}, nil
}

// Run syncs until ctx ends. It works the same online or off: with no
// connection it waits, and everything flows when the link is back.
func (s *Station) Run(ctx context.Context) error {
	var wg stdsync.WaitGroup
	for _, f := range []func(context.Context){s.drain, s.followWatermark, s.consumeTasks, s.heartbeat} {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	wg.Wait()
	return nil
}

// State reports connectivity and backlog.
func (s *Station) State(ctx context.Context) (State, error) {
	st, err := s.db.OutboxStats(ctx)
	if err != nil {
		return State{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return State{Online: s.nc.IsConnected(), Waiting: st.Waiting, Unsent: st.Unsent, OldestWaiting: st.Oldest,
		LastSync: s.lastSync, Watermark: s.watermark}, nil
}

func (s *Station) currentWatermark() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.watermark
}

// inflight is a batch published and not yet acknowledged.
type inflight struct {
	rows    []localdb.OutboxRow
	bundles []bundle                 // the messages rows went out in
	futures []jetstream.PubAckFuture // futures[i] is bundles[i]'s ack
	err     error                    // a publish that failed before all rows went out
}

// drain publishes the outbox in seq order, InFlight rows a batch, two
// batches deep: the next batch is read and sent while the acks of the one
// before come back.
func (s *Station) drain(ctx context.Context) {
	acked := uint64(0)     // highest seq of the unbroken run JetStream stored
	published := uint64(0) // highest seq sent in this run
	var pending *inflight
	lastProgress := time.Now()
	stop := false // set by the test hook: the station "dies" here
	settle := func(b *inflight) bool {
		ok, err := s.settle(ctx, b)
		if len(ok) > 0 {
			acked, lastProgress = ok[len(ok)-1], time.Now()
			if s.afterPublish != nil && s.afterPublish(ok) {
				stop = true
				return false
			}
			if err := s.db.MarkSentRange(ctx, ok[0], ok[len(ok)-1], time.Now()); err != nil {
				s.log.Error("record acks", "err", err)
			}
			s.mu.Lock()
			s.lastSync = time.Now()
			s.mu.Unlock()
		}
		if err != nil {
			if errors.Is(err, nats.ErrMaxPayload) {
				// One event bigger than this server takes (a leaf node set
				// below oms.MaxEventBytes): it and every event behind it
				// wait until the server takes it. Say so plainly.
				s.log.Error("an event is bigger than the NATS server's max_payload; raise max_payload to at least oms.MaxEventBytes plus headers",
					"max_payload", s.nc.MaxPayload(), "max_event_bytes", oms.MaxEventBytes, "err", err)
			}
			s.log.Warn("publish events", "err", err, "stored", len(ok), "of", len(b.rows))
			return false
		}
		return true
	}
	for ctx.Err() == nil {
		if !s.nc.IsConnected() {
			if pending != nil {
				if !settle(pending) {
					published = acked
				}
				pending = nil
				if stop {
					return
				}
			}
			s.wait(ctx, 250*time.Millisecond)
			continue
		}
		w := s.currentWatermark()
		acked, published = max(acked, w), max(published, w)
		// Stored but not applied for too long: publish again from the watermark.
		if pending == nil && acked > w && time.Since(lastProgress) > s.ResendAfter {
			s.log.Info("republishing events central has not applied", "from", w+1, "to", acked)
			acked, published, lastProgress = w, w, time.Now()
		}
		rows, err := s.db.PendingToSend(ctx, published, s.InFlight)
		if err != nil {
			s.log.Error("read outbox", "err", err)
			s.wait(ctx, time.Second)
			continue
		}
		var cur *inflight
		if len(rows) > 0 {
			cur = s.send(rows, s.eventsPerMessage(ctx))
			published = rows[len(rows)-1].Seq
		}
		if pending != nil {
			if !settle(pending) {
				if stop {
					return
				}
				if cur != nil {
					s.settle(ctx, cur) // let its acks land; it goes again from acked
				}
				published = acked
				pending = nil
				s.wait(ctx, 500*time.Millisecond)
				continue
			}
		}
		pending = cur
		if pending == nil {
			s.wait(ctx, 200*time.Millisecond)
			if s.currentWatermark() > w {
				lastProgress = time.Now()
			}
		}
	}
}

// eventsPerMessage is EventsPerMessage once central has said it reads
// bundles (FeaturesKey in the watermark bucket), 1 until then: an older
// omsd would set a bundle aside whole and the station would stall. It
// asks at most every 5 s until central says so.
func (s *Station) eventsPerMessage(ctx context.Context) int {
	if !s.bundles.Load() && time.Since(s.featuresAt) > 5*time.Second {
		s.featuresAt = time.Now()
		if kv, err := s.js.KeyValue(ctx, BucketApplied); err == nil {
			if e, err := kv.Get(ctx, FeaturesKey); err == nil && slices.Contains(strings.Fields(string(e.Value())), featureBundles) {
				s.bundles.Store(true)
			}
		}
	}
	if !s.bundles.Load() {
		return 1
	}
	return s.EventsPerMessage
}

// send publishes rows, perMsg events a message, without waiting for their
// acks.
func (s *Station) send(rows []localdb.OutboxRow, perMsg int) *inflight {
	// A bundle stays within what the server takes in one message (a leaf
	// node may allow less than the default 1 MB), with room for headers.
	maxBytes := MaxBundleBytes
	if mp := int(s.nc.MaxPayload()); mp > 0 {
		maxBytes = min(maxBytes, mp-4096)
	}
	b := &inflight{rows: rows, bundles: bundleRows(rows, perMsg, maxBytes)}
	b.futures = make([]jetstream.PubAckFuture, 0, len(b.bundles))
	for _, m := range b.bundles {
		f, err := s.js.PublishMsgAsync(m.msg, jetstream.WithMsgID(m.id), jetstream.WithExpectStream(StreamEvents))
		if err != nil {
			b.err = err
			break
		}
		b.futures = append(b.futures, f)
	}
	return b
}

// settle waits for a batch's acks and returns the seqs of its leading
// run that JetStream stored (stopping at the first failure, so order holds).
func (s *Station) settle(ctx context.Context, b *inflight) ([]uint64, error) {
	done, err := awaitAcks(ctx, b.futures, func(i int) int64 { return int64(i) })
	var ok []uint64
	for i, bi := range done {
		if int(bi) != i {
			break
		}
		for _, r := range b.rows[b.bundles[i].from:b.bundles[i].to] {
			ok = append(ok, r.Seq)
		}
	}
	if err == nil {
		err = b.err
	}
	if err == nil && len(ok) < len(b.rows) {
		err = errors.New("not every event was acknowledged")
	}
	return ok, err
}

func (s *Station) wait(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-s.db.Recorded():
	case <-time.After(d):
	}
}

// followWatermark reads central's applied watermark and prunes the outbox
// up to it: only then is an event's row deleted.
func (s *Station) followWatermark(ctx context.Context) {
	var kv jetstream.KeyValue
	for ctx.Err() == nil {
		sleep(ctx, 300*time.Millisecond)
		if !s.nc.IsConnected() {
			continue
		}
		if kv == nil {
			var err error
			if kv, err = s.js.KeyValue(ctx, BucketApplied); err != nil {
				continue
			}
		}
		entry, err := kv.Get(ctx, watermarkKey(s.key))
		if err != nil {
			continue
		}
		w, err := strconv.ParseUint(string(entry.Value()), 10, 64)
		if err != nil {
			s.log.Warn("bad watermark", "value", string(entry.Value()))
			continue
		}
		if w <= s.currentWatermark() {
			continue
		}
		if _, err := s.db.PruneOutbox(ctx, w); err != nil {
			s.log.Error("prune outbox", "err", err)
			continue
		}
		s.mu.Lock()
		s.watermark, s.lastSync = w, time.Now()
		s.mu.Unlock()
	}
}

// consumeTasks applies central's tasks: each is committed to SQLite before
// it is acked, so a crash redelivers rather than loses it.
func (s *Station) consumeTasks(ctx context.Context) {
	for ctx.Err() == nil {
		if !s.nc.IsConnected() {
			sleep(ctx, 250*time.Millisecond)
			continue
		}
		cons, err := s.js.CreateOrUpdateConsumer(ctx, StreamTasks, jetstream.ConsumerConfig{
			Durable: taskConsumerName(s.key), FilterSubject: oms.StationTasksSubject(s.key.Site, s.key.Station),
			AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second, MaxDeliver: -1, DeliverPolicy: jetstream.DeliverAllPolicy,
		})
		if err != nil {
			s.log.Warn("task consumer", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		cc, err := cons.Consume(func(m jetstream.Msg) { s.applyTask(ctx, m) },
			jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) { s.log.Debug("task consume", "err", err) }))
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		<-ctx.Done()
		cc.Stop()
	}
}

// applyTask applies one task from central. A task that cannot be read,
// is addressed to another station or is refused as invalid is logged and
// terminated: redelivering it would fail the same way forever. Any other
// failure (the disk, a busy database) is retried.
func (s *Station) applyTask(ctx context.Context, m jetstream.Msg) {
	ev, err := oms.ParseEvent(m.Data())
	if err != nil {
		s.dropTask(m, err)
		return
	}
	changed, err := s.db.ApplyTask(ctx, ev) // refuses tasks addressed to another station
	if errors.Is(err, oms.ErrInvalid) {
		s.dropTask(m, err)
		return
	}
	if err != nil {
		s.log.Error("apply task", "id", ev.ID, "err", err)
		m.NakWithDelay(time.Second)
		return
	}
	m.Ack()
	if (changed || ev.Type == oms.EventTaskException) && s.OnTask != nil {
		s.OnTask(ev)
	}
}

// dropTask logs and terminates a task that can never be applied.
func (s *Station) dropTask(m jetstream.Msg, err error) {
	s.log.Error("bad task, dropped", "subject", m.Subject(), "bytes", len(m.Data()), "err", err)
	m.Term()
}

// heartbeat publishes presence on oms.<site>.presence.
func (s *Station) heartbeat(ctx context.Context) {
	for ctx.Err() == nil {
		sleep(ctx, s.PresenceEvery)
		if !s.nc.IsConnected() {
			continue
		}
		st, err := s.State(ctx)
		if err != nil {
			continue
		}
		p := Presence{Site: s.key.Site, Station: s.key.Station, At: time.Now().UTC(), Backlog: st.Waiting}
		if !st.OldestWaiting.IsZero() {
			p.OldestAge = time.Since(st.OldestWaiting).Seconds()
		}
		if s.Presence != nil {
			s.Presence(&p)
		}
		data, _ := json.Marshal(p)
		s.nc.Publish(oms.PresenceSubject(s.key.Site), data)
	}
}
