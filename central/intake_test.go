package central

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/packline/packline/oms"
)

func publishOrder(t *testing.T, js jetstream.JetStream, msgID string, data []byte) {
	t.Helper()
	msg := nats.NewMsg(IntakeSubject)
	msg.Data = data
	msg.Header.Set("Nats-Msg-Id", msgID)
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatalf("publish %s: %v", msgID, err)
	}
}

// intakeSettled waits until the consumer has nothing pending or in hand.
func intakeSettled(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		c, err := js.Consumer(context.Background(), IntakeStream, IntakeConsumer)
		if err != nil {
			return err
		}
		info, err := c.Info(context.Background())
		if err != nil {
			return err
		}
		if info.NumPending != 0 || info.NumAckPending != 0 || info.NumRedelivered != 0 {
			return fmt.Errorf("consumer: %d pending, %d awaiting ack, %d redelivered", info.NumPending, info.NumAckPending, info.NumRedelivered)
		}
		return nil
	})
}

func TestIntakeCapturesOrdersAndRejectsBadOnes(t *testing.T) {
	s := runJetStreamServer(t)
	nc, js := connectJetStream(t, s)
	w := newWorld(t)
	rejected := make(chan *nats.Msg, 16)
	sub, err := nc.ChanSubscribe(RejectedSubject, rejected)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop, err := StartIntake(ctx, js, w.svc, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	stream, err := js.Stream(ctx, IntakeStream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := stream.CachedInfo().Config
	if cfg.Storage != jetstream.FileStorage || cfg.MaxAge != IntakeMaxAge || cfg.MaxBytes != IntakeMaxBytes || cfg.Duplicates != IntakeDuplicates || cfg.Replicas != 1 {
		t.Errorf("stream config = %+v", cfg)
	}

	good, _ := json.Marshal(order("N-1", testGB, false, LineInput{SKU: "SKU-1", Qty: 2, UnitPrice: 250}))
	publishOrder(t, js, "web/N-1", good)
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if _, ok := w.storedOrder(t, oms.ChannelWeb, "N-1"); !ok {
			return errors.New("order N-1 not stored yet")
		}
		return nil
	})

	unknownSKU, _ := json.Marshal(order("N-2", testGB, false, LineInput{SKU: "NOPE", Qty: 1}))
	for _, c := range []struct {
		id, data string
		has      []string
	}{
		{"bad-json", `{"channel": "web", "external_id": `, []string{"malformed JSON"}},
		{"unknown-field", `{"channel": "web", "externalId": "N-3"}`, []string{"externalId"}},
		{"unknown-sku", string(unknownSKU), []string{"lines[1].sku", "NOPE"}},
	} {
		publishOrder(t, js, c.id, []byte(c.data))
		select {
		case m := <-rejected:
			var r Rejection
			if err := json.Unmarshal(m.Data, &r); err != nil {
				t.Fatalf("rejection %s: %v", m.Data, err)
			}
			if r.MsgID != c.id || r.StreamSeq == 0 {
				t.Errorf("rejection %+v, want msg id %s and its stream sequence", r, c.id)
			}
			for _, s := range c.has {
				if !strings.Contains(r.Error, s) {
					t.Errorf("%s: rejection %q does not name %q", c.id, r.Error, s)
				}
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no rejection published", c.id)
		}
	}
	// The same order again, as a connector retrying after a lost ack would.
	publishOrder(t, js, "web/N-1-retry", good)
	intakeSettled(t, js)
	list, _ := w.store.ListOrders(w.ctx, OrderFilter{})
	if len(list) != 1 {
		t.Errorf("%d orders stored, want only N-1", len(list))
	}

	// A restarted omsd finds the stream and consumer and goes on.
	stop()
	stop2, err := StartIntake(ctx, js, w.svc, 1)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer stop2()
	next, _ := json.Marshal(order("N-4", testGB, false, LineInput{SKU: "SKU-2", Qty: 1}))
	publishOrder(t, js, "web/N-4", next)
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if _, ok := w.storedOrder(t, oms.ChannelWeb, "N-4"); !ok {
			return errors.New("order N-4 not stored after restart")
		}
		return nil
	})
	if _, err := StartIntake(ctx, js, w.svc, 0); err == nil || !strings.Contains(err.Error(), "replicas") {
		t.Errorf("replicas 0: %v, want an error naming replicas", err)
	}
}

func TestIntakeRetriesWhenTheStoreFails(t *testing.T) {
	s := runJetStreamServer(t)
	nc, js := connectJetStream(t, s)
	w := newWorld(t)
	rejected := make(chan *nats.Msg, 4)
	sub, _ := nc.ChanSubscribe(RejectedSubject, rejected)
	defer sub.Unsubscribe()
	var calls atomic.Int32
	capture := func(ctx context.Context, in OrderInput, by string) (oms.Order, bool, error) {
		switch calls.Add(1) {
		case 1:
			return oms.Order{}, false, errors.New("central db: database is locked")
		case 2:
			panic("a bug of ours") // logged and retried; omsd goes on
		}
		return w.svc.Capture(ctx, in, by)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &intake{ctx: ctx, js: js, log: w.svc.Log, capture: capture, retryBase: 20 * time.Millisecond, retryMax: 100 * time.Millisecond}
	stop, err := in.start(1)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	data, _ := json.Marshal(order("N-9", testGB, false, LineInput{SKU: "SKU-1", Qty: 1}))
	publishOrder(t, js, "web/N-9", data)
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if _, ok := w.storedOrder(t, oms.ChannelWeb, "N-9"); !ok {
			return fmt.Errorf("order not stored after %d attempts", calls.Load())
		}
		return nil
	})
	if n := calls.Load(); n != 3 {
		t.Errorf("%d attempts, want a failure, a panic and a success", n)
	}
	select {
	case m := <-rejected:
		t.Errorf("a failure of ours was published as a rejection: %s", m.Data)
	default:
	}
}

// FuzzDecodeIntake holds the NATS intake's reading of a message to never
// panicking, to naming what is wrong as a bad request, and to checking
// what it accepts without panicking either.
func FuzzDecodeIntake(f *testing.F) {
	f.Add([]byte(`{"channel":"web","external_id":"W-1","customer":{"name":"A"},"ship_to":{"name":"A","street1":"1 St","city":"X","postal_code":"1","country":"GB"},"currency":"GBP","lines":[{"sku":"SKU-1","qty":1,"unit_price":100}]}`))
	f.Add([]byte(`{"channel":`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`{"lines":[{"qty":"1"}]}`))
	f.Add([]byte(`{"nope":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in OrderInput
		if err := decodeIntake(data, &in); err != nil {
			if !errors.Is(err, errBadRequest) || !strings.HasPrefix(err.Error(), "bad request: order: ") {
				t.Fatalf("%q: %v", data, err)
			}
			return
		}
		o := in.Order()
		_ = o.Validate()
	})
}
