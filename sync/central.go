package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/packline/packline/oms"
)

// StationEvent is an event for the sink, with its wire form. Refused,
// when set, says why central will not apply it: Event then holds only the
// envelope, which names the station and seq of the subject it came on,
// and the sink gives it that place in the station's sequence (as a dead
// letter and an exception) so the events behind it are not held up.
type StationEvent struct {
	Event   oms.Event
	Raw     []byte
	Refused string
}

// EventSink is where central applies station events: durably, each id at
// most once, per station in seq order. It returns each station's applied
// watermark after the batch.
type EventSink interface {
	ApplyEvents(ctx context.Context, evs []StationEvent) (map[StationKey]uint64, error)
	Watermarks(ctx context.Context) (map[StationKey]uint64, error)
	DeadLetter(ctx context.Context, subject, reason string, payload []byte) error
}

// ApplierStats counts what the applier did.
type ApplierStats struct {
	Applied     atomic.Int64 // events handed to the sink in committed batches
	DeadLetters atomic.Int64 // messages and events moved aside (refused ones included)
	Refused     atomic.Int64 // of those, a station's own events, their seqs passed
	Batches     atomic.Int64
}

// Applier is central's consumer of STATION_EVENTS.
type Applier struct {
	js    jetstream.JetStream
	sink  EventSink
	log   *slog.Logger
	Stats ApplierStats
	// BatchSize is about how many events go into one database
	// transaction: each fetch asks for as many messages as should carry
	// that many, going by the last fetch's events per message.
	BatchSize int
	// AckWait is how long a delivered event may stay unacknowledged before
	// JetStream delivers it again.
	AckWait time.Duration
}

// NewApplier builds an applier; Run starts it.
func NewApplier(js jetstream.JetStream, sink EventSink, log *slog.Logger) *Applier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Applier{js: js, sink: sink, log: log, BatchSize: 2000, AckWait: 30 * time.Second}
}

// Run consumes station events until ctx ends. It survives NATS outages:
// fetches fail while the server is away and resume when it is back.
// Fetching and checking the next batch overlaps with committing the
// current one; acks and watermarks follow each commit.
func (a *Applier) Run(ctx context.Context) error {
	kv, cons, err := a.setup(ctx)
	if err != nil {
		return err
	}
	batches := make(chan checkedBatch, 2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range batches {
			a.commit(ctx, kv, b)
		}
	}()
	defer func() { close(batches); <-done }()
	idle, perMsg := false, 1
	for ctx.Err() == nil {
		// Take what is there at once; when nothing is, wait for the next
		// message without waiting for a whole batch to fill.
		var batch jetstream.MessageBatch
		if idle {
			batch, err = cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		} else {
			batch, err = cons.FetchNoWait(max(a.BatchSize/perMsg, 1))
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			a.log.Warn("fetch station events", "err", err)
			sleep(ctx, 500*time.Millisecond)
			continue
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			msgs = append(msgs, m)
		}
		idle = len(msgs) == 0
		if idle {
			continue
		}
		checked := a.check(ctx, msgs)
		perMsg = max((len(checked.events)+len(msgs)-1)/len(msgs), 1)
		select {
		case batches <- checked:
		case <-ctx.Done():
		}
	}
	return nil
}

// checkedBatch is a fetched batch with its events read.
type checkedBatch struct {
	events  []StationEvent
	msgs    []jetstream.Msg
	refused int
}

// ApplierConsumerConfig is central's durable pull consumer of every
// station's events: each message acked on its own once committed (see
// Applier.commit), redelivered when not acked within ackWait.
func ApplierConsumerConfig(ackWait time.Duration) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable: ApplierConsumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait,
		MaxAckPending: 50000, DeliverPolicy: jetstream.DeliverAllPolicy, FilterSubject: "oms.*.*.events",
	}
}

func (a *Applier) setup(ctx context.Context) (jetstream.KeyValue, jetstream.Consumer, error) {
	for {
		cons, err := a.js.CreateOrUpdateConsumer(ctx, StreamEvents, ApplierConsumerConfig(a.AckWait))
		if err != nil && strings.Contains(err.Error(), "can not be updated") {
			// A consumer made by an older omsd with settings that cannot
			// change in place: replace it. Safe: events it redelivers are
			// applied once by their ids.
			a.log.Warn("replacing the event consumer", "err", err)
			if derr := a.js.DeleteConsumer(ctx, StreamEvents, ApplierConsumer); derr == nil {
				continue
			}
		}
		if err == nil {
			kv, kerr := a.js.KeyValue(ctx, BucketApplied)
			if kerr == nil {
				// Stations bundle events only once central says it reads
				// bundles: an older omsd would set a bundle aside whole.
				if _, err := kv.Put(ctx, FeaturesKey, []byte(featureBundles)); err != nil {
					a.log.Warn("publish features", "err", err)
				}
				a.publishAllWatermarks(ctx, kv)
				return kv, cons, nil
			}
			err = kerr
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		a.log.Warn("set up event consumer", "err", err)
		sleep(ctx, time.Second)
	}
}

// publishAllWatermarks republishes every station's watermark, in case the
// bucket was lost or a station missed an update.
func (a *Applier) publishAllWatermarks(ctx context.Context, kv jetstream.KeyValue) {
	marks, err := a.sink.Watermarks(ctx)
	if err != nil {
		a.log.Warn("read watermarks", "err", err)
		return
	}
	for k, v := range marks {
		if _, err := kv.Put(ctx, watermarkKey(k), []byte(strconv.FormatUint(v, 10))); err != nil {
			a.log.Warn("publish watermark", "station", k.String(), "err", err)
		}
	}
}

// check reads each message's events (one, or a station's bundle); a bad
// event is moved aside and never holds up the ones behind it. A message
// with no good event left is terminated; the others are acked after the
// commit.
func (a *Applier) check(ctx context.Context, msgs []jetstream.Msg) checkedBatch {
	var b checkedBatch
	for _, m := range msgs {
		parts, reason := splitBundle(m.Headers().Get(EventsHeader), m.Data())
		if reason != "" {
			if a.deadLetter(ctx, m.Subject(), reason, m.Data()) {
				m.Term()
			} else {
				m.NakWithDelay(5 * time.Second)
			}
			continue
		}
		mark, refused, stored := len(b.events), b.refused, true
		for _, data := range parts {
			ev, reason := checkEventMsg(m.Subject(), data)
			if reason == "" {
				b.events = append(b.events, StationEvent{Event: ev, Raw: data})
				continue
			}
			if env, ok := ownEnvelope(m.Subject(), data); ok {
				// The station's own event: it keeps its place in the
				// station's sequence, set aside in the same commit.
				a.log.Warn("station event refused", "subject", m.Subject(), "seq", env.Seq, "id", env.ID, "reason", reason, "bytes", len(data))
				b.events = append(b.events, StationEvent{Event: env, Raw: data, Refused: reason})
				b.refused++
				continue
			}
			if stored = a.deadLetter(ctx, m.Subject(), reason, data); !stored {
				break
			}
		}
		switch {
		case !stored: // the whole message comes again
			b.events, b.refused = b.events[:mark], refused
			m.NakWithDelay(5 * time.Second)
		case len(b.events) == mark: // nothing in it for the sink
			m.Term()
		default:
			b.msgs = append(b.msgs, m)
		}
	}
	return b
}

// commit applies a batch in one transaction, then acks it, then publishes
// the new watermarks.
func (a *Applier) commit(ctx context.Context, kv jetstream.KeyValue, b checkedBatch) {
	if len(b.events) == 0 {
		return
	}
	marks, err := a.sink.ApplyEvents(ctx, b.events)
	if err != nil {
		a.log.Error("apply station events", "events", len(b.events), "err", err)
		for _, m := range b.msgs {
			m.NakWithDelay(time.Second)
		}
		return
	}
	a.Stats.Applied.Add(int64(len(b.events) - b.refused))
	a.Stats.Refused.Add(int64(b.refused))
	a.Stats.DeadLetters.Add(int64(b.refused))
	a.Stats.Batches.Add(1)
	// Each message is acked on its own, not the batch with AckAll: a
	// message the server delivered but this applier never received (a
	// fetch that expired as it was answered, a consumer leader that
	// changed) would be acked with the batch after it and never come
	// again, leaving a gap central waits on until the station publishes
	// it anew past JetStream's dedupe window. Unacked, it is redelivered
	// after AckWait. A lost ack only means a redelivery, which the sink
	// skips.
	for _, m := range b.msgs {
		m.Ack()
	}
	for k, v := range marks {
		if _, err := kv.Put(ctx, watermarkKey(k), []byte(strconv.FormatUint(v, 10))); err != nil {
			a.log.Warn("publish watermark", "station", k.String(), "err", err)
		}
	}
}

// checkEventMsg reads a message on oms.<site>.<station>.events as an
// event of that station; the reason says why not.
func checkEventMsg(subject string, data []byte) (oms.Event, string) {
	key, ok := parseEventsSubject(subject)
	if !ok {
		return oms.Event{}, "subject is not oms.<site>.<station>.events"
	}
	if len(data) > MaxEventBytes {
		return oms.Event{}, fmt.Sprintf("payload of %d bytes is over the %d byte limit", len(data), MaxEventBytes)
	}
	ev, err := oms.ParseEvent(data)
	if err != nil {
		return oms.Event{}, err.Error()
	}
	if ev.Site != key.Site || ev.Station != key.Station {
		return oms.Event{}, fmt.Sprintf("event of %s/%s published on %s's subject", ev.Site, ev.Station, key)
	}
	if ev.Seq == 0 {
		return oms.Event{}, "event has no seq"
	}
	if ev.Seq > math.MaxInt64 {
		return oms.Event{}, fmt.Sprintf("seq %d is out of range", ev.Seq)
	}
	if ev.Type.IsTask() {
		return oms.Event{}, fmt.Sprintf("a task (%s) on a station's events subject", ev.Type)
	}
	return ev, ""
}

// deadLetter keeps an event central cannot read, for a person to look
// at; it reports whether that worked.
// ownEnvelope reads the envelope of an event central refuses, when it is
// the subject's station's own: its site and station are the subject's and
// it has a seq. Such an event takes its seq as a dead letter; any other
// bad message is only moved aside.
func ownEnvelope(subject string, data []byte) (oms.Event, bool) {
	key, ok := parseEventsSubject(subject)
	if !ok {
		return oms.Event{}, false
	}
	env, err := oms.ParseEnvelope(data)
	if err != nil || env.Site != key.Site || env.Station != key.Station || env.Seq == 0 || env.Seq > math.MaxInt64 {
		return oms.Event{}, false
	}
	return env, true
}

func (a *Applier) deadLetter(ctx context.Context, subject, reason string, data []byte) bool {
	a.log.Warn("station event dead-lettered", "subject", subject, "reason", reason, "bytes", len(data))
	if len(data) > MaxEventBytes {
		data = data[:1024] // keep the start for a person to look at
	}
	if err := a.sink.DeadLetter(ctx, subject, reason, data); err != nil {
		a.log.Error("store dead letter", "err", err)
		return false
	}
	a.Stats.DeadLetters.Add(1)
	return true
}

// Task is a task waiting in central's outbox.
type Task struct {
	Seq     int64
	EventID string
	Site    string
	Station string
	Payload []byte
}

// TaskSource is central's task outbox.
type TaskSource interface {
	PendingTasks(ctx context.Context, limit int) ([]Task, error)
	MarkTasksPublished(ctx context.Context, seqs []int64) error
}

// TaskPublisher publishes central's tasks to oms.<site>.<station>.tasks.
type TaskPublisher struct {
	js   jetstream.JetStream
	src  TaskSource
	log  *slog.Logger
	kick chan struct{}
}

// NewTaskPublisher builds a publisher; Run starts it.
func NewTaskPublisher(js jetstream.JetStream, src TaskSource, log *slog.Logger) *TaskPublisher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &TaskPublisher{js: js, src: src, log: log, kick: make(chan struct{}, 1)}
}

// Kick says new tasks are waiting.
func (p *TaskPublisher) Kick() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// Run publishes tasks until ctx ends, each with Nats-Msg-Id = its event
// id, marking them published only once JetStream has stored them.
func (p *TaskPublisher) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		n, err := p.publishOnce(ctx)
		if err != nil {
			p.log.Warn("publish tasks", "err", err)
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-p.kick:
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	return nil
}

func (p *TaskPublisher) publishOnce(ctx context.Context) (int, error) {
	tasks, err := p.src.PendingTasks(ctx, 512)
	if err != nil || len(tasks) == 0 {
		return 0, err
	}
	// A task that cannot be published (one bigger than the server takes,
	// say) is logged and left for the next pass; it does not hold up the
	// tasks behind it, for this station or any other.
	var sent []Task
	var futures []jetstream.PubAckFuture
	for _, t := range tasks {
		msg := &nats.Msg{Subject: oms.StationTasksSubject(t.Site, t.Station), Data: t.Payload, Header: nats.Header{}}
		f, perr := p.js.PublishMsgAsync(msg, jetstream.WithMsgID(t.EventID), jetstream.WithExpectStream(StreamTasks))
		if perr != nil {
			p.log.Error("publish task", "seq", t.Seq, "id", t.EventID, "station", t.Site+"/"+t.Station, "bytes", len(t.Payload), "err", perr)
			if err == nil {
				err = perr
			}
			if !errors.Is(perr, nats.ErrMaxPayload) {
				break // the connection: the rest would fail the same way
			}
			continue
		}
		sent, futures = append(sent, t), append(futures, f)
	}
	done, firstErr := awaitAcks(ctx, futures, func(i int) int64 { return sent[i].Seq })
	if len(done) > 0 {
		if err := p.src.MarkTasksPublished(ctx, done); err != nil {
			return 0, err
		}
	}
	if firstErr == nil {
		firstErr = err
	}
	return len(done), firstErr
}

// awaitAcks waits (up to 10 s) for the futures and returns the ids of the
// acknowledged ones and the first error.
func awaitAcks(ctx context.Context, futures []jetstream.PubAckFuture, id func(int) int64) ([]int64, error) {
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var done []int64
	var firstErr error
	for i, f := range futures {
		select {
		case <-f.Ok():
			done = append(done, id(i))
		case e := <-f.Err():
			if firstErr == nil {
				firstErr = e
			}
		case <-tctx.Done():
			if firstErr == nil {
				firstErr = errors.New("timed out waiting for JetStream acks")
			}
			return done, firstErr
		}
	}
	return done, firstErr
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
