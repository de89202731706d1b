package sync_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/packline/packline/central"
	"github.com/packline/packline/internal/testutil"
	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/sync"
)

// checkFor polls fn every `every` until it returns nil or total passes.
func checkFor(t testing.TB, total, every time.Duration, fn func() error) {
	t.Helper()
	testutil.CheckFor(t, total, every, fn)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// natsNode is a real nats-server with JetStream, in-process, on a fixed
// loopback port and store folder so it can be stopped and started again.
type natsNode struct {
	t    testing.TB
	opts *server.Options
	srv  *server.Server
}

func newNode(t testing.TB, name string, port int, dir string) *natsNode {
	return &natsNode{t: t, opts: &server.Options{
		ServerName: name, Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true,
	}}
}

func (n *natsNode) start() {
	n.t.Helper()
	srv, err := server.NewServer(n.opts)
	if err != nil {
		n.t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(20 * time.Second) {
		n.t.Fatalf("nats %s not ready", n.opts.ServerName)
	}
	n.srv = srv
	n.t.Cleanup(n.stop)
}

func (n *natsNode) stop() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
		n.srv = nil
	}
}

func (n *natsNode) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.opts.Port) }

// centralSide is omsd's sync half: a central store, the streams, the
// event applier and the task publisher.
type centralSide struct {
	path    string // central's database file
	store   *central.Store
	svc     *central.Service
	js      jetstream.JetStream
	applier *sync.Applier
	cancel  context.CancelFunc
	done    chan struct{}
}

type centralOpts struct {
	streams   sync.StreamOptions
	noApplier bool
	ackWait   time.Duration // the applier's, when not the default
}

func newCentral(t testing.TB, url string, o centralOpts) *centralSide {
	t.Helper()
	path := filepath.Join(t.TempDir(), "central.db")
	store, err := central.OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	c := &centralSide{path: path, store: store, svc: central.NewService(store, central.DefaultPolicy(), nil, nil)}
	c.start(t, url, o)
	return c
}

func (c *centralSide) start(t testing.TB, url string, o centralOpts) {
	t.Helper()
	nc, err := sync.Connect(sync.ConnectOptions{URL: url, Name: "central-test"})
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	c.js = js
	checkFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return sync.EnsureStreams(ctx, js, o.streams)
	})
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	sink := central.SyncSink{Store: c.store}
	c.applier = sync.NewApplier(js, sink, nil)
	if o.ackWait > 0 {
		c.applier.AckWait = o.ackWait
	}
	pub := sync.NewTaskPublisher(js, sink, nil)
	go func() {
		defer close(c.done)
		go pub.Run(ctx)
		go c.svc.Run(ctx)
		if !o.noApplier {
			c.applier.Run(ctx)
		} else {
			<-ctx.Done()
		}
	}()
	t.Cleanup(func() { c.stop(); nc.Close() })
}

func (c *centralSide) stop() {
	if c.cancel != nil {
		c.cancel()
		<-c.done
		c.cancel = nil
	}
}

func (c *centralSide) watermark(k sync.StationKey) uint64 {
	w, _ := c.store.Watermark(context.Background(), central.StationKey{Site: k.Site, Station: k.Station})
	return w
}

func (c *centralSide) applied(k sync.StationKey) int {
	n, _ := c.store.AppliedEvents(context.Background(), central.StationKey{Site: k.Site, Station: k.Station})
	return n
}

// query reads central's database file directly (read-only), for what the
// store does not expose: the order events were applied in, the reasons
// messages were dead-lettered for.
func (c *centralSide) query(t testing.TB, q string, args ...any) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+c.path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// stationSide is a station's database and its sync runner.
type stationSide struct {
	db       *localdb.DB
	key      sync.StationKey
	inFlight int // events a publish batch, when not the default
	perMsg   int // events a NATS message, when not the default
	st       *sync.Station
	cancel   context.CancelFunc
	done     chan struct{}
}

func newStationDB(t testing.TB, site, station string) *stationSide {
	t.Helper()
	db, err := localdb.OpenStation(filepath.Join(t.TempDir(), "station.db"), site, station)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &stationSide{db: db, key: sync.StationKey{Site: site, Station: station}}
}

// run starts the station's sync against urls; hook, when set, is the
// after-publish test hook.
func (s *stationSide) run(t testing.TB, urls string, hook func([]uint64) bool) {
	t.Helper()
	nc, err := sync.Connect(sync.ConnectOptions{URL: urls, Name: "station-test"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sync.NewStation(nc, s.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if hook != nil {
		sync.SetAfterPublish(st, hook)
	}
	if s.perMsg > 0 {
		st.EventsPerMessage = s.perMsg
	}
	if s.inFlight > 0 {
		st.InFlight = s.inFlight
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.st, s.cancel, s.done = st, cancel, make(chan struct{})
	go func() { defer close(s.done); st.Run(ctx) }()
	t.Cleanup(func() { s.stop(); nc.Close() })
}

func (s *stationSide) stop() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
		s.cancel = nil
	}
}

// record stores n scan events in transactions of up to 500.
func (s *stationSide) record(t testing.TB, n int) {
	t.Helper()
	for done := 0; done < n; {
		batch := min(500, n-done)
		_, err := s.db.Record(context.Background(), func(tx *localdb.Tx) error {
			for i := range batch {
				_, err := tx.Emit(oms.Event{Operator: "op-1", Payload: &oms.ScanRecorded{Context: "pack", Raw: "]E0400638133393" + strconv.Itoa((done+i)%10), Kind: "product", Accepted: true}})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		done += batch
	}
}

func (s *stationSide) outboxLeft() int {
	st, _ := s.db.OutboxStats(context.Background())
	return st.Waiting
}

// allApplied waits until central has applied n events of the station
// exactly once each and the station has pruned its outbox.
func allApplied(t testing.TB, c *centralSide, s *stationSide, n int, total time.Duration) {
	t.Helper()
	checkFor(t, total, 50*time.Millisecond, func() error {
		if w := c.watermark(s.key); w != uint64(n) {
			return fmt.Errorf("watermark %d, want %d", w, n)
		}
		if left := s.outboxLeft(); left != 0 {
			return fmt.Errorf("%d events still in the outbox", left)
		}
		return nil
	})
	if got := c.applied(s.key); got != n {
		t.Fatalf("central applied %d events, want exactly %d", got, n)
	}
	// In order: central's log (rowid order is insertion order) holds the
	// station's seqs 1..n, each once, one after the other.
	seqs := c.query(t, "SELECT seq FROM applied_events WHERE site = ? AND station = ? ORDER BY rowid", s.key.Site, s.key.Station)
	for i, seq := range seqs {
		if seq != strconv.Itoa(i+1) {
			t.Fatalf("central applied seq %s as event %d of %d: not in seq order", seq, i+1, n)
		}
	}
}

// streamMsgs returns every message STATION_EVENTS holds, oldest first.
func streamMsgs(t testing.TB, js jetstream.JetStream) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	stream, err := js.Stream(ctx, sync.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for n := info.State.FirstSeq; n <= info.State.LastSeq && info.State.Msgs > 0; n++ {
		m, err := stream.GetMsg(ctx, n)
		if err != nil {
			t.Fatalf("stream message %d: %v", n, err)
		}
		out = append(out, m)
	}
	return out
}

// streamSeqs counts how many times the stream holds each event seq of
// the station, reading bundles as the applier does.
func streamSeqs(t testing.TB, js jetstream.JetStream, key sync.StationKey) map[uint64]int {
	t.Helper()
	seqs := map[uint64]int{}
	for _, m := range streamMsgs(t, js) {
		data := [][]byte{m.Data}
		if m.Header.Get(sync.EventsHeader) != "" {
			data = bytes.Split(m.Data, []byte("\n"))
		}
		for _, d := range data {
			ev, err := oms.ParseEvent(d)
			if err != nil {
				t.Fatalf("stream message %d: %v", m.Sequence, err)
			}
			if ev.Site == key.Site && ev.Station == key.Station {
				seqs[ev.Seq]++
			}
		}
	}
	return seqs
}

// advertiseBundles says, as central's applier does at start, that central
// reads bundles: for tests that run a station without the applier.
func (c *centralSide) advertiseBundles(t testing.TB) {
	t.Helper()
	kv, err := c.js.KeyValue(context.Background(), sync.BucketApplied)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(context.Background(), sync.FeaturesKey, []byte("bundles")); err != nil {
		t.Fatal(err)
	}
}

// streamBundles counts the stream's messages that are bundles.
func streamBundles(t testing.TB, js jetstream.JetStream) (bundles, total int) {
	t.Helper()
	for _, m := range streamMsgs(t, js) {
		total++
		if m.Header.Get(sync.EventsHeader) != "" {
			bundles++
		}
	}
	return bundles, total
}
