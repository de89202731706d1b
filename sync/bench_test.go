package sync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/sync"
)

// BenchmarkRawPublish is the baseline: JetStream async publish of event
// payloads, each with its Nats-Msg-Id, into STATION_EVENTS, nothing else.
func BenchmarkRawPublish(b *testing.B) {
	node := newNode(b, "n1", freePort(b), b.TempDir())
	node.start()
	nc, err := nats.Connect(node.url())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	ctx := context.Background()
	if err := sync.EnsureStreams(ctx, js, sync.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	payloads := make([][]byte, b.N)
	ids := make([]string, b.N)
	for i := range payloads {
		e := oms.NewEvent(&oms.ScanRecorded{Context: "pack", Raw: "]E04006381333931", Kind: "product", Accepted: true})
		e.Site, e.Station, e.Seq, e.Operator = "LON", "PACK-01", uint64(i+1), "op-1"
		payloads[i], _ = json.Marshal(e)
		ids[i] = e.ID
	}
	subject := oms.StationEventsSubject("LON", "PACK-01")
	b.ResetTimer()
	for i := range b.N {
		if _, err := js.PublishMsgAsync(&nats.Msg{Subject: subject, Data: payloads[i], Header: nats.Header{}}, jetstream.WithMsgID(ids[i])); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("acks did not arrive")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSyncPath is the full path as stations run it: outbox rows
// already on disk -> JetStream (bundled, 64 events a message) -> central
// applied and committed -> watermark -> outbox pruned.
func BenchmarkSyncPath(b *testing.B) {
	syncPath(b, b.N, 0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSyncPathOneEventPerMessage is the full path with each event in
// a NATS message of its own (Station.EventsPerMessage = 1), for what
// bundling buys.
func BenchmarkSyncPathOneEventPerMessage(b *testing.B) {
	syncPath(b, b.N, 1)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDrain100k reports how long a 100,000-event backlog takes to
// drain end to end.
func BenchmarkDrain100k(b *testing.B) {
	const n = 100000
	var total time.Duration
	for range b.N {
		total += syncPath(b, n, 0)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/drain")
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "events/s")
}

// syncPath drains n events end to end; perMsg, when set, is the
// station's events a message.
func syncPath(b *testing.B, n, perMsg int) time.Duration {
	b.StopTimer()
	node := newNode(b, "n1", freePort(b), b.TempDir())
	node.start()
	c := newCentral(b, node.url(), centralOpts{})
	s := newStationDB(b, "LON", "PACK-01")
	s.perMsg = perMsg
	s.record(b, n)
	b.StartTimer()
	start := time.Now()
	s.run(b, node.url(), nil)
	// Timed: until central has applied and committed all n.
	checkFor(b, 10*time.Minute, 2*time.Millisecond, func() error {
		if w := c.watermark(s.key); w != uint64(n) {
			return fmt.Errorf("watermark %d, want %d", w, n)
		}
		return nil
	})
	took := time.Since(start)
	b.StopTimer()
	allApplied(b, c, s, n, time.Minute) // and the station pruned its outbox
	s.stop()
	c.stop()
	node.stop()
	b.StartTimer()
	return took
}
