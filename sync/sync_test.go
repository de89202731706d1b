package sync_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/packline/packline/central"
	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/sync"
)

// TestOutageStationStartsOffline: a station records 10,000 events while
// no server runs; when one starts, all are applied once, in order.
func TestOutageStationStartsOffline(t *testing.T) {
	node := newNode(t, "n1", freePort(t), t.TempDir())
	s := newStationDB(t, "LON", "PACK-01")
	s.run(t, node.url(), nil) // boots during the outage
	s.record(t, 10000)
	time.Sleep(200 * time.Millisecond) // the station is up and retrying
	node.start()
	c := newCentral(t, node.url(), centralOpts{})
	allApplied(t, c, s, 10000, 90*time.Second)
}

// TestOutageServerDiesMidDrain: the server goes down in the middle of a
// drain and comes back; nothing is lost or applied twice. The station
// publishes 1,000 events a batch and is held after its first batch is
// stored, so when the server stops at most 2,000 of the 10,000 have
// reached JetStream: the stop is mid-drain by construction, however fast
// or slow the machine.
func TestOutageServerDiesMidDrain(t *testing.T) {
	node := newNode(t, "n1", freePort(t), t.TempDir())
	node.start()
	c := newCentral(t, node.url(), centralOpts{})
	s := newStationDB(t, "LON", "PACK-01")
	s.record(t, 10000)
	s.inFlight = 1000
	stored, resume := make(chan struct{}), make(chan struct{})
	var first, resumed stdsync.Once
	release := func() { resumed.Do(func() { close(resume) }) }
	defer release()
	s.run(t, node.url(), func([]uint64) bool {
		first.Do(func() { close(stored); <-resume })
		return false
	})
	<-stored
	checkFor(t, 60*time.Second, 5*time.Millisecond, func() error {
		if w := c.watermark(s.key); w < 1000 {
			return fmt.Errorf("watermark %d", w)
		}
		return nil
	})
	node.stop()
	release()
	t.Logf("server stopped at watermark %d of 10000", c.watermark(s.key))
	s.record(t, 500) // the floor goes on while the server is away
	node.start()
	allApplied(t, c, s, 10500, 90*time.Second)
}

// TestLostAckStationKilledBeforeRecordingAck: JetStream stored the event
// but the station died before it wrote the ack down; it comes back after
// the duplicate window and publishes again. Central applies it once. Run
// with each event in a message of its own and with the events bundled.
func TestLostAckStationKilledBeforeRecordingAck(t *testing.T) {
	for _, perMsg := range []int{1, 64} {
		t.Run(fmt.Sprintf("%d events a message", perMsg), func(t *testing.T) {
			node := newNode(t, "n1", freePort(t), t.TempDir())
			node.start()
			const window = time.Second
			c := newCentral(t, node.url(), centralOpts{streams: sync.StreamOptions{Duplicates: window}, noApplier: true})
			c.advertiseBundles(t) // as the applier does; it starts later here
			s := newStationDB(t, "LON", "PACK-01")
			s.perMsg = perMsg
			s.record(t, 3)
			died := make(chan struct{})
			s.run(t, node.url(), func([]uint64) bool { close(died); return true })
			<-died
			s.stop()
			rows, _ := s.db.PendingOutbox(context.Background(), 0, 10)
			if len(rows) != 3 || !rows[0].SentAt.IsZero() {
				t.Fatalf("the ack should not be recorded: %+v", rows)
			}
			time.Sleep(window + 500*time.Millisecond) // past the dedupe window
			s.run(t, node.url(), nil)                 // restarted: publishes again
			checkFor(t, 30*time.Second, 50*time.Millisecond, func() error {
				if seqs := streamSeqs(t, c.js, s.key); seqs[1] != 2 || seqs[2] != 2 || seqs[3] != 2 {
					return fmt.Errorf("stream holds seqs %v, want each of 1-3 twice", seqs)
				}
				return nil
			})
			c.stop()
			c.start(t, node.url(), centralOpts{streams: sync.StreamOptions{Duplicates: window}})
			allApplied(t, c, s, 3, 30*time.Second)
		})
	}
}

// TestLostAckDeliveryCentralNeverReceived: JetStream delivered an event
// to central's consumer but the applier never received it (a fetch that
// expired as it was answered, a consumer leader that changed), and the
// applier then commits and acks the events behind it. The lost one must
// come again and be applied, not be acked along with the later ones and
// leave a gap central waits on until the station's dedupe window passes.
func TestLostAckDeliveryCentralNeverReceived(t *testing.T) {
	node := newNode(t, "n1", freePort(t), t.TempDir())
	node.start()
	const ackWait = 2 * time.Second
	c := newCentral(t, node.url(), centralOpts{noApplier: true})
	s := newStationDB(t, "LON", "PACK-01")
	s.perMsg = 1 // a message an event: the lost delivery is seq 1 alone
	s.record(t, 5)
	s.run(t, node.url(), nil)
	ctx := context.Background()
	stream, err := c.js.Stream(ctx, sync.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		info, err := stream.Info(ctx)
		if err != nil || info.State.Msgs != 5 {
			return fmt.Errorf("stream: %v %v", info, err)
		}
		return nil
	})
	// The delivery of seq 1 goes to a fetch nobody reads.
	cons, err := c.js.CreateOrUpdateConsumer(ctx, sync.StreamEvents, sync.ApplierConsumerConfig(ackWait))
	if err != nil {
		t.Fatal(err)
	}
	lost, err := cons.Fetch(1)
	if err != nil {
		t.Fatal(err)
	}
	for m := range lost.Messages() {
		if ev, err := oms.ParseEvent(m.Data()); err != nil || ev.Seq != 1 {
			t.Fatalf("lost delivery: %v %v", ev.Seq, err)
		}
	}
	c.stop()
	c.start(t, node.url(), centralOpts{ackWait: ackWait})
	allApplied(t, c, s, 5, 20*time.Second)
}

// TestClusterFailoverLeaderKilledMidDrain: a 3-node JetStream cluster with
// R3 streams; the stream leader dies in the middle of a 10,000-event drain.
func TestClusterFailoverLeaderKilledMidDrain(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped with -short")
	}
	clientPorts := []int{freePort(t), freePort(t), freePort(t)}
	routePorts := []int{freePort(t), freePort(t), freePort(t)}
	var nodes []*natsNode
	var urls []string
	for i := range 3 {
		n := newNode(t, fmt.Sprintf("n%d", i+1), clientPorts[i], t.TempDir())
		n.opts.Cluster = server.ClusterOpts{Name: "packline", Host: "127.0.0.1", Port: routePorts[i]}
		var routes []string
		for j := range 3 {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", routePorts[j]))
			}
		}
		n.opts.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		nodes = append(nodes, n)
		urls = append(urls, n.url())
	}
	for _, n := range nodes {
		go n.start()
	}
	all := strings.Join(urls, ",")
	c := newCentral(t, all, centralOpts{streams: sync.StreamOptions{Replicas: 3}})
	s := newStationDB(t, "LON", "PACK-01")
	s.record(t, 10000)
	// Held after its first 1,000-event batch is stored, as in
	// TestOutageServerDiesMidDrain: the leader dies mid-drain by construction.
	s.inFlight = 1000
	stored, resume := make(chan struct{}), make(chan struct{})
	var first, resumed stdsync.Once
	release := func() { resumed.Do(func() { close(resume) }) }
	defer release()
	s.run(t, all, func([]uint64) bool {
		first.Do(func() { close(stored); <-resume })
		return false
	})
	<-stored
	checkFor(t, 60*time.Second, 5*time.Millisecond, func() error {
		if w := c.watermark(s.key); w < 1500 {
			return fmt.Errorf("watermark %d", w)
		}
		return nil
	})
	stream, err := c.js.Stream(context.Background(), sync.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(context.Background())
	if err != nil || info.Cluster == nil {
		t.Fatalf("stream info: %v", err)
	}
	killed := false
	for _, n := range nodes {
		if n.opts.ServerName == info.Cluster.Leader {
			n.stop()
			killed = true
		}
	}
	if !killed {
		t.Fatalf("leader %q not found", info.Cluster.Leader)
	}
	release()
	t.Logf("killed stream leader %s at watermark %d", info.Cluster.Leader, c.watermark(s.key))
	allApplied(t, c, s, 10000, 120*time.Second)
}

// TestConflictCancelledWhilePackedOffline: central cancels an order while
// its station packs it offline. The pack events arrive later; the order
// stays cancelled, and the exception is recorded centrally and shows on
// the station.
func TestConflictCancelledWhilePackedOffline(t *testing.T) {
	node := newNode(t, "n1", freePort(t), t.TempDir())
	node.start()
	c := newCentral(t, node.url(), centralOpts{})
	ctx := context.Background()
	addr := oms.Address{Name: "Ada", Street1: "1 High St", City: "London", PostalCode: "N1 9GU", Country: "GB"}
	if err := c.store.PutSite(ctx, central.SiteWithStations{Site: oms.Site{ID: "LON", Name: "London", Address: addr}, Stations: []string{"PACK-01"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.store.PutSKU(ctx, oms.SKU{SKU: "MUG", Barcodes: []oms.Barcode{{Code: "4006381333931", Kind: oms.BarcodeGTIN13}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.store.Receive(ctx, []central.StockMove{{Site: "LON", Location: "A-01-01-1", SKU: "MUG", Qty: 5}}, "test"); err != nil {
		t.Fatal(err)
	}
	o, _, err := c.svc.Capture(ctx, central.OrderInput{Channel: oms.ChannelWeb, ExternalID: "W-1", Customer: oms.Customer{Name: "Ada"}, ShipTo: addr,
		Currency: "GBP", Lines: []central.LineInput{{SKU: "MUG", Qty: 1, UnitPrice: 500}}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	c.svc.Kick(true)
	s := newStationDB(t, "LON", "PACK-01")
	s.run(t, node.url(), nil)
	checkFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		_, err := s.db.Order(ctx, o.ID)
		return err
	})
	s.stop() // the station's link goes down
	if _, err := c.store.Cancel(ctx, o.ID, "customer-service", "customer cancelled"); err != nil {
		t.Fatal(err)
	}
	local, _ := s.db.Order(ctx, o.ID)
	for _, p := range []oms.Payload{&oms.PackStarted{}, &oms.ItemPacked{LineNo: 1, SKU: "MUG", Qty: 1, Carton: 1},
		&oms.PackCompleted{Cartons: []oms.Carton{{Type: "BOX-S", WeightGrams: 600, Items: []oms.PackedItem{{SKU: "MUG", Qty: 1}}}}}} {
		if _, err := s.db.Record(ctx, func(tx *localdb.Tx) error {
			_, err := tx.Emit(oms.Event{Operator: "op-1", OrderID: o.ID, OrderVersion: local.Version, Payload: p})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	s.run(t, node.url(), nil) // the link is back
	allApplied(t, c, s, 3, 30*time.Second)
	v, _ := c.store.GetOrder(ctx, o.ID)
	if v.Status != oms.StateCancelled {
		t.Fatalf("order is %s, want it to stay cancelled", v.Status)
	}
	excs, _ := c.store.Exceptions(ctx, 10)
	if len(excs) != 3 || excs[0].Code != "order_cancelled" || excs[0].OrderID != o.ID {
		t.Fatalf("central exceptions: %+v", excs)
	}
	checkFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		local, err := s.db.OpenExceptions(ctx)
		if err != nil {
			return err
		}
		if len(local) == 0 || local[0].Code != "order_cancelled" || local[0].OrderID != o.ID {
			return fmt.Errorf("station exceptions: %+v", local)
		}
		lo, _ := s.db.Order(ctx, o.ID)
		if lo.State != oms.StateCancelled {
			return fmt.Errorf("station sees the order as %s", lo.State)
		}
		return nil
	})
}

// TestBadMessagesAreMovedAside: malformed JSON, a station publishing on
// another station's subject, an event with no seq, and bundles that are
// not what their header says are dead-lettered, each for its own reason,
// and counted. The station's own events that central refuses (a type it
// does not know, a payload over the limit, a task on an events subject)
// are set aside too but keep their places in the station's sequence, so
// the good events behind them all apply, whether they come in order or
// ahead of a gap.
func TestBadMessagesAreMovedAside(t *testing.T) {
	node := newNode(t, "n1", freePort(t), t.TempDir())
	node.start()
	c := newCentral(t, node.url(), centralOpts{})
	ctx := context.Background()
	ev := func(station string, seq uint64, raw string) []byte {
		e := oms.NewEvent(&oms.ScanRecorded{Context: "pack", Raw: raw, Kind: "product"})
		e.Site, e.Station, e.Seq, e.OrderID = "LON", station, seq, "ord-1"
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	subject := oms.StationEventsSubject("LON", "PACK-01")
	task := oms.NewEvent(&oms.TaskOrderCancelled{Reason: "x"})
	task.Site, task.Station, task.Seq, task.OrderID, task.OrderVersion = "LON", "PACK-01", 3, "o1", 2
	taskData, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	huge := ev("PACK-01", 5, strings.Repeat("A", sync.MaxEventBytes+1))
	publish := func(data []byte) {
		if _, err := c.js.Publish(ctx, subject, data); err != nil {
			t.Fatal(err)
		}
	}
	publish([]byte(`{"id": "not json`))
	publish(ev("PACK-02", 1, "x"))
	publish(ev("PACK-01", 0, "x"))
	publish([]byte(strings.Replace(string(ev("PACK-01", 1, "x")), `"scan.recorded"`, `"scan.teleported"`, 1)))
	publish(ev("PACK-01", 2, "4006381333931"))
	publish(taskData)
	publish(huge) // seq 5, ahead of 4: parked, refused when its turn comes
	publish(ev("PACK-01", 4, "4006381333931"))
	// Bundles (several events a message): one that is not what its header
	// says is moved aside whole; in a good one, each bad event is moved
	// aside and the good ones around it are applied.
	bundle := func(count string, events ...[]byte) *nats.Msg {
		m := nats.NewMsg(subject)
		m.Header.Set(sync.EventsHeader, count)
		m.Data = bytes.Join(events, []byte("\n"))
		return m
	}
	for _, m := range []*nats.Msg{
		bundle("3", ev("PACK-01", 6, "x"), ev("PACK-01", 7, "x")),
		bundle("many", ev("PACK-01", 6, "x")),
		bundle("4", ev("PACK-01", 6, "x"), []byte(`{"id": "not json`), ev("PACK-02", 2, "x"), ev("PACK-01", 7, "x")),
	} {
		if _, err := c.js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// Each set aside for its own reason; the station's own with its seq.
	want := []string{
		"0 not JSON", "0 LON/PACK-02 published on LON/PACK-01's subject", "0 event has no seq",
		"1 unknown event type", "3 a task (task.order_cancelled)", "5 over the 262144 byte limit",
		"0 Packline-Events header says 3 events, the payload holds 2", `0 Packline-Events header "many" is not a count`,
		"0 not JSON", "0 LON/PACK-02 published on LON/PACK-01's subject",
	}
	key := sync.StationKey{Site: "LON", Station: "PACK-01"}
	checkFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		n, _ := c.store.DeadLetters(ctx)
		if n != len(want) || c.watermark(key) != 7 {
			return fmt.Errorf("dead letters %d (want %d), watermark %d (want 7)", n, len(want), c.watermark(key))
		}
		return nil
	})
	if got := c.applier.Stats.DeadLetters.Load(); got != int64(len(want)) {
		t.Fatalf("counted %d dead letters, want %d", got, len(want))
	}
	if got := c.applier.Stats.Refused.Load(); got != 3 {
		t.Fatalf("counted %d refused station events, want 3", got)
	}
	got := c.query(t, "SELECT seq || ' ' || reason FROM dead_letters ORDER BY seq, id")
	slices.SortStableFunc(want, func(a, b string) int { return cmp.Compare(a[0], b[0]) })
	for i, w := range want {
		seq, reason, _ := strings.Cut(w, " ")
		if !strings.HasPrefix(got[i], seq+" ") || !strings.Contains(got[i], reason) {
			t.Errorf("dead letter %d: %q, want seq %s and %q", i+1, got[i], seq, reason)
		}
	}
	for _, subj := range c.query(t, "SELECT subject FROM dead_letters") {
		if subj != subject {
			t.Errorf("dead letter kept under subject %q, want %q", subj, subject)
		}
	}
	// A refused event is kept whole, for a person to replay.
	if n := c.query(t, "SELECT length(payload) FROM dead_letters WHERE seq = 5"); len(n) != 1 || n[0] != strconv.Itoa(len(huge)) {
		t.Fatalf("the oversized event kept as %v bytes, want %d", n, len(huge))
	}
	// Each refusal is an exception leads see, about its order.
	if ex := c.query(t, "SELECT count(*) FROM exceptions WHERE code = 'event_refused' AND order_id = 'ord-1'"); ex[0] != "2" {
		t.Fatalf("%s event_refused exceptions for ord-1, want 2 (seqs 1 and 5)", ex[0])
	}
	if got := c.query(t, "SELECT group_concat(seq) FROM (SELECT seq FROM applied_events WHERE site = 'LON' AND station = 'PACK-01' ORDER BY rowid)"); got[0] != "2,4,6,7" {
		t.Fatalf("applied seqs %s, want 2,4,6,7", got[0])
	}
	if c.applied(sync.StationKey{Site: "LON", Station: "PACK-02"}) != 0 {
		t.Fatal("another station's events applied from PACK-01's subject")
	}
	// Nothing is left waiting on the consumer: bad messages do not block.
	cons, _ := c.js.Consumer(ctx, sync.StreamEvents, sync.ApplierConsumer)
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		info, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumAckPending != 0 || info.NumPending != 0 {
			return fmt.Errorf("consumer: %d ack pending, %d pending", info.NumAckPending, info.NumPending)
		}
		return nil
	})
}

// TestApplierReplacesAnOldConsumer: an omsd upgrade that changes the
// applier's consumer settings (here its ack policy: older omsd acked
// batches with AckAll) replaces the consumer and applies everything once.
func TestApplierReplacesAnOldConsumer(t *testing.T) {
	node := newNode(t, "n1", freePort(t), t.TempDir())
	node.start()
	c := newCentral(t, node.url(), centralOpts{noApplier: true})
	ctx := context.Background()
	if _, err := c.js.CreateOrUpdateConsumer(ctx, sync.StreamEvents, jetstream.ConsumerConfig{
		Durable: sync.ApplierConsumer, AckPolicy: jetstream.AckAllPolicy, FilterSubject: "oms.*.*.events",
	}); err != nil {
		t.Fatal(err)
	}
	s := newStationDB(t, "LON", "PACK-01")
	s.record(t, 50)
	s.run(t, node.url(), nil)
	c.stop()
	c.start(t, node.url(), centralOpts{})
	allApplied(t, c, s, 50, 30*time.Second)
	cons, err := c.js.Consumer(ctx, sync.StreamEvents, sync.ApplierConsumer)
	if err != nil {
		t.Fatal(err)
	}
	if p := cons.CachedInfo().Config.AckPolicy; p != jetstream.AckExplicitPolicy {
		t.Fatalf("consumer ack policy %v: the old consumer was not replaced", p)
	}
}

// TestBadMessagesTasksAreDropped: tasks a station can never apply (not
// JSON, addressed to another station, a release with a line of no
// quantity, a floor fact on the tasks subject) are terminated rather than
// redelivered for ever, and the good task behind them is applied.
func TestBadMessagesTasksAreDropped(t *testing.T) {
	node := newNode(t, "n1", freePort(t), t.TempDir())
	node.start()
	c := newCentral(t, node.url(), centralOpts{noApplier: true})
	ctx := context.Background()
	release := func(station, order string, qty int) []byte {
		o := oms.Order{ID: order, Channel: oms.ChannelWeb, ExternalID: order, State: oms.StateReleased, Currency: "GBP", ServiceLevel: oms.ServiceStandard,
			Lines: []oms.Line{{LineNo: 1, SKU: "MUG", Qty: qty, UnitPrice: 500}}}
		e := oms.NewEvent(&oms.TaskOrderReleased{Order: o})
		e.Site, e.Station, e.OrderID, e.OrderVersion = "LON", station, order, 1
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	fact := oms.NewEvent(&oms.PackStarted{})
	fact.Site, fact.Station, fact.Seq, fact.OrderID, fact.OrderVersion = "LON", "PACK-01", 1, "o-fact", 1
	factData, _ := json.Marshal(fact)
	subject := oms.StationTasksSubject("LON", "PACK-01")
	for _, data := range [][]byte{
		[]byte(`{"id": "not json`),
		release("PACK-02", "o-other", 1),
		release("PACK-01", "o-bad", 0),
		factData,
		release("PACK-01", "o-good", 1),
	} {
		if _, err := c.js.Publish(ctx, subject, data); err != nil {
			t.Fatal(err)
		}
	}
	s := newStationDB(t, "LON", "PACK-01")
	s.run(t, node.url(), nil)
	checkFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		_, err := s.db.Order(ctx, "o-good")
		return err
	})
	for _, id := range []string{"o-other", "o-bad", "o-fact"} {
		if _, err := s.db.Order(ctx, id); err == nil {
			t.Errorf("order %s stored from a bad task", id)
		}
	}
	cons, err := c.js.Consumer(ctx, sync.StreamTasks, "TASKS_LON_PACK-01")
	if err != nil {
		t.Fatal(err)
	}
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		info, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumAckPending != 0 || info.NumPending != 0 || info.NumRedelivered != 0 {
			return fmt.Errorf("task consumer: %d ack pending, %d pending, %d redelivered", info.NumAckPending, info.NumPending, info.NumRedelivered)
		}
		return nil
	})
}

// memTasks is a task outbox in memory, for the publisher alone.
type memTasks struct {
	mu        stdsync.Mutex
	tasks     []sync.Task
	published map[int64]bool
}

func (m *memTasks) PendingTasks(ctx context.Context, limit int) ([]sync.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sync.Task
	for _, t := range m.tasks {
		if !m.published[t.Seq] && len(out) < limit {
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *memTasks) MarkTasksPublished(ctx context.Context, seqs []int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range seqs {
		m.published[s] = true
	}
	return nil
}

// TestBadMessagesOversizedTaskDoesNotBlockTheOthers: a task bigger than
// the server takes stays unpublished, and the tasks behind it, for other
// stations too, are published.
func TestBadMessagesOversizedTaskDoesNotBlockTheOthers(t *testing.T) {
	node := newNode(t, "n1", freePort(t), t.TempDir())
	node.start()
	c := newCentral(t, node.url(), centralOpts{noApplier: true})
	task := func(seq int64, station string, size int) sync.Task {
		e := oms.NewEvent(&oms.TaskException{Code: "x", Message: strings.Repeat("m", size)})
		e.Site, e.Station, e.OrderID, e.OrderVersion = "LON", station, "o1", seq
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return sync.Task{Seq: seq, EventID: e.ID, Site: "LON", Station: station, Payload: data}
	}
	src := &memTasks{tasks: []sync.Task{task(1, "PACK-01", 2<<20), task(2, "PACK-01", 10), task(3, "PACK-02", 10)}, published: map[int64]bool{}}
	pub := sync.NewTaskPublisher(c.js, src, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); pub.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		src.mu.Lock()
		defer src.mu.Unlock()
		if !src.published[2] || !src.published[3] {
			return fmt.Errorf("published: %v", src.published)
		}
		return nil
	})
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.published[1] {
		t.Fatal("a task over the server's max payload counted as published")
	}
}

// TestOutageBundlesOnlyOnceCentralReadsThem: a station bundles events only
// after central says it reads bundles; before that (an older omsd, which
// would set a bundle aside whole) each event goes alone, and every event
// is applied once either way.
func TestOutageBundlesOnlyOnceCentralReadsThem(t *testing.T) {
	node := newNode(t, "n1", freePort(t), t.TempDir())
	node.start()
	c := newCentral(t, node.url(), centralOpts{noApplier: true})
	s := newStationDB(t, "LON", "PACK-01")
	s.record(t, 200)
	s.run(t, node.url(), nil)
	checkFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		if st, _ := s.st.State(context.Background()); st.Unsent != 0 {
			return fmt.Errorf("%d unsent", st.Unsent)
		}
		return nil
	})
	if bundles, total := streamBundles(t, c.js); bundles != 0 || total != 200 {
		t.Fatalf("before central said it reads bundles: %d bundles in %d messages, want 200 single events", bundles, total)
	}
	s.stop()
	c.stop()
	c.start(t, node.url(), centralOpts{}) // the applier says it reads bundles
	s.record(t, 500)
	s.run(t, node.url(), nil)
	allApplied(t, c, s, 700, 60*time.Second)
	if bundles, _ := streamBundles(t, c.js); bundles == 0 {
		t.Fatal("no bundles once central said it reads them")
	}
}
