package central

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/packline/packline/oms"
	plsync "github.com/packline/packline/sync"
)

// The NATS names of the order intake.
const (
	// IntakeSubject is where connectors publish orders, one OrderInput
	// JSON per message (the body of POST /v1/orders).
	IntakeSubject = "oms.orders.in"
	// IntakeStream keeps what connectors published.
	IntakeStream = "ORDERS_IN"
	// IntakeConsumer is the durable consumer every omsd shares: scaled
	// out, each message still goes to one of them.
	IntakeConsumer = "omsd-intake"
	// RejectedSubject is where omsd publishes (core NATS) every order it
	// refuses, as a Rejection, so the connector that sent it can see why.
	RejectedSubject = "oms.orders.rejected"
)

// The limits of the intake stream. A connector that finds the stream
// full gets an error on publish rather than losing old orders silently.
const (
	IntakeMaxAge     = 7 * 24 * time.Hour
	IntakeMaxBytes   = 1 << 30
	IntakeMaxMsgSize = 1 << 20
	// IntakeDuplicates is the window in which a second message with the
	// same Nats-Msg-Id is dropped by the server. Capture is idempotent on
	// (channel, external_id) anyway, whatever the window.
	IntakeDuplicates = 10 * time.Minute
)

// IntakeStreamConfig is the ORDERS_IN stream with its limits and the
// given number of replicas (1 on the embedded server, 3 on a cluster).
func IntakeStreamConfig(replicas int) jetstream.StreamConfig {
	return plsync.OrdersStreamConfig(plsync.StreamOptions{Replicas: replicas})
}

// Rejection is what omsd publishes on RejectedSubject for an order it
// will never store. The message is terminated: it is not redelivered.
type Rejection struct {
	// StreamSeq is the message's sequence in ORDERS_IN.
	StreamSeq uint64 `json:"stream_seq"`
	// MsgID is the message's Nats-Msg-Id, if the connector set one.
	MsgID      string      `json:"msg_id,omitempty"`
	Channel    oms.Channel `json:"channel,omitempty"`
	ExternalID string      `json:"external_id,omitempty"`
	Error      string      `json:"error"`
	At         time.Time   `json:"at"`
}

type captureFunc func(ctx context.Context, in OrderInput, by string) (oms.Order, bool, error)

// intake consumes ORDERS_IN.
type intake struct {
	ctx     context.Context
	js      jetstream.JetStream
	log     *slog.Logger
	capture captureFunc
	// retryBase is the first redelivery delay after a failure of our own;
	// it doubles with each delivery up to retryMax.
	retryBase, retryMax time.Duration
}

// StartIntake makes sure the ORDERS_IN stream exists with its limits
// (created, or updated to them) and consumes it with the durable
// consumer omsd-intake: every message is captured as an order (by
// "nats") and acknowledged only once the order is stored. A message that
// is not a valid order is terminated (never redelivered), logged, and
// published as a Rejection on oms.orders.rejected. When the store fails
// or the capture panics (our problem, not the order's) the message is
// nacked and redelivered after a growing delay, up to a minute. replicas is the stream's
// replica count, 1 to 5. stop (also called when ctx ends) stops
// consuming and waits for the message in hand.
func StartIntake(ctx context.Context, js jetstream.JetStream, svc *Service, replicas int) (stop func(), err error) {
	in := &intake{ctx: ctx, js: js, log: svc.Log, capture: svc.Capture, retryBase: time.Second, retryMax: time.Minute}
	return in.start(replicas)
}

func (in *intake) start(replicas int) (func(), error) {
	if replicas < 1 || replicas > 5 {
		return nil, fmt.Errorf("intake: stream %s: replicas %d, want 1 to 5", IntakeStream, replicas)
	}
	ctx, cancel := context.WithTimeout(in.ctx, 30*time.Second)
	defer cancel()
	if _, err := in.js.CreateOrUpdateStream(ctx, IntakeStreamConfig(replicas)); err != nil {
		return nil, fmt.Errorf("intake: stream %s: %w", IntakeStream, err)
	}
	cons, err := in.js.CreateOrUpdateConsumer(ctx, IntakeStream, jetstream.ConsumerConfig{
		Durable:       IntakeConsumer,
		Description:   "omsd order capture",
		FilterSubject: IntakeSubject,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxDeliver:    -1, // failures of ours are retried until they pass; bad orders are terminated
		MaxAckPending: 1000,
	})
	if err != nil {
		return nil, fmt.Errorf("intake: consumer %s on %s: %w", IntakeConsumer, IntakeStream, err)
	}
	cc, err := cons.Consume(in.handle, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		in.log.Warn("intake: consume", "stream", IntakeStream, "err", err)
	}))
	if err != nil {
		return nil, fmt.Errorf("intake: consume %s: %w", IntakeStream, err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cc.Stop()
			select {
			case <-cc.Closed():
			case <-time.After(30 * time.Second):
				in.log.Warn("intake: consumer did not stop within 30s")
			}
		})
	}
	go func() {
		select {
		case <-in.ctx.Done():
			stop()
		case <-cc.Closed():
		}
	}()
	return stop, nil
}

// handle captures one message's order. Lock: the consumer calls it for
// one message at a time.
func (in *intake) handle(msg jetstream.Msg) {
	var seq uint64
	var delivered uint64 = 1
	if meta, err := msg.Metadata(); err == nil {
		seq, delivered = meta.Sequence.Stream, meta.NumDelivered
	}
	// A panic is a failure of ours, not the order's: it is logged and the
	// message retried like any other, and omsd goes on.
	defer func() {
		if p := recover(); p != nil {
			in.log.Error("intake: panic; will retry", "stream_seq", seq, "panic", p)
			in.retry(msg, seq, delivered)
		}
	}()
	var order OrderInput
	if err := decodeIntake(msg.Data(), &order); err != nil {
		in.reject(msg, seq, order, err)
		return
	}
	o, created, err := in.capture(in.ctx, order, "nats")
	switch {
	case err == nil:
		if err := msg.Ack(); err != nil {
			// Redelivered later; Capture then finds the order stored.
			in.log.Warn("intake: ack", "stream_seq", seq, "order", o.ID, "err", err)
		}
		in.log.Debug("intake: order captured", "stream_seq", seq, "order", o.ID, "created", created)
	case errors.Is(err, oms.ErrInvalid) || errors.Is(err, errBadRequest):
		in.reject(msg, seq, order, err)
	default:
		in.log.Warn("intake: order not stored; will retry", "stream_seq", seq, "delivery", delivered, "err", err)
		in.retry(msg, seq, delivered)
	}
}

// retry naks a message for redelivery after a delay that doubles with
// each delivery, from retryBase up to retryMax.
func (in *intake) retry(msg jetstream.Msg, seq, delivered uint64) {
	delay := in.retryBase
	for i := uint64(1); i < delivered && delay < in.retryMax; i++ {
		delay *= 2
	}
	delay = min(delay, in.retryMax)
	if err := msg.NakWithDelay(delay); err != nil {
		in.log.Warn("intake: nak", "stream_seq", seq, "retry_in", delay, "err", err)
	}
}

// reject terminates a message that will never be a valid order and tells
// the connectors why.
func (in *intake) reject(msg jetstream.Msg, seq uint64, order OrderInput, cause error) {
	r := Rejection{StreamSeq: seq, Channel: order.Channel, ExternalID: order.ExternalID, Error: cause.Error(), At: time.Now().UTC()}
	if h := msg.Headers(); h != nil {
		r.MsgID = h.Get("Nats-Msg-Id")
	}
	in.log.Warn("intake: order rejected", "stream_seq", seq, "msg_id", r.MsgID, "channel", r.Channel, "external_id", r.ExternalID, "err", cause)
	if err := msg.TermWithReason("rejected: " + truncate(cause.Error(), 200)); err != nil {
		in.log.Warn("intake: term", "stream_seq", seq, "err", err)
	}
	body, _ := json.Marshal(r)
	if err := in.js.Conn().Publish(RejectedSubject, body); err != nil {
		in.log.Warn("intake: publish rejection", "stream_seq", seq, "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// decodeIntake reads one OrderInput, strictly: unknown fields and
// trailing data are errors naming what is wrong.
func decodeIntake(data []byte, dst *OrderInput) error {
	return decodeStrict(bytes.NewReader(data), dst, "order: ", "message")
}
