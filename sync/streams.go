package sync

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/packline/packline/oms"
)

// Stream and bucket names.
const (
	StreamEvents  = "STATION_EVENTS"
	StreamTasks   = "STATION_TASKS"
	StreamOrders  = "ORDERS_IN"
	BucketApplied = "PACKLINE_APPLIED"
	// ApplierConsumer is central's durable consumer of station events.
	ApplierConsumer = "CENTRAL_APPLIER"
	// FeaturesKey, in the watermark bucket, lists what central's applier
	// reads beyond single events ("bundles"). Its "=" keeps it apart from
	// every <site>.<station> key: ids cannot hold one.
	FeaturesKey    = "_central=features"
	featureBundles = "bundles"
)

// MaxEventBytes is the largest station event central accepts; bigger ones
// are set aside (stations refuse to record them). A scan or a pack event
// is a few hundred bytes.
const MaxEventBytes = oms.MaxEventBytes

// StreamOptions tunes the streams; the zero value gives the defaults.
type StreamOptions struct {
	// Replicas per stream: 1 on the embedded server, 3 on a cluster.
	Replicas int
	// Duplicates is JetStream's dedupe window (default 2 minutes).
	Duplicates time.Duration
}

func (o StreamOptions) replicas() int { return max(o.Replicas, 1) }

func (o StreamOptions) duplicates() time.Duration {
	if o.Duplicates <= 0 {
		return 2 * time.Minute
	}
	return o.Duplicates
}

// EventsStreamConfig is STATION_EVENTS: every station's facts. Limits:
// two weeks or 8 GiB, whichever first; central applies long before.
func EventsStreamConfig(o StreamOptions) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: StreamEvents, Subjects: []string{"oms.*.*.events"}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, MaxAge: 14 * 24 * time.Hour, MaxBytes: 8 << 30, MaxMsgSize: MaxEventBytes * 4,
		Discard: jetstream.DiscardOld, Duplicates: o.duplicates(), Replicas: o.replicas(),
	}
}

// TasksStreamConfig is STATION_TASKS: central's tasks for each station.
// A station that is off for a month still finds its tasks.
func TasksStreamConfig(o StreamOptions) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: StreamTasks, Subjects: []string{"oms.*.*.tasks"}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, MaxAge: 30 * 24 * time.Hour, MaxBytes: 4 << 30, MaxMsgSize: 4 << 20,
		Discard: jetstream.DiscardOld, Duplicates: o.duplicates(), Replicas: o.replicas(),
	}
}

// OrdersStreamConfig is ORDERS_IN: orders from channel connectors. When
// full it refuses new messages (the connector sees an error) rather than
// dropping stored orders; its dedupe window is 10 minutes, and capture is
// idempotent on (channel, external_id) whatever the window.
func OrdersStreamConfig(o StreamOptions) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: StreamOrders, Description: "orders from channel connectors, consumed by omsd", Subjects: []string{"oms.orders.in"},
		Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy, MaxAge: 7 * 24 * time.Hour, MaxBytes: 1 << 30,
		MaxMsgSize: 1 << 20, Discard: jetstream.DiscardNew, Duplicates: 10 * time.Minute, Replicas: o.replicas(),
	}
}

// EnsureStreams creates or updates the three streams and the watermark
// bucket. Central calls it at start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	for _, cfg := range []jetstream.StreamConfig{EventsStreamConfig(o), TasksStreamConfig(o), OrdersStreamConfig(o)} {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	if _, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: BucketApplied, Description: "per-station applied watermark", History: 1,
		Storage: jetstream.FileStorage, Replicas: o.replicas(),
	}); err != nil {
		return fmt.Errorf("bucket %s: %w", BucketApplied, err)
	}
	return nil
}

// StationKey names one station.
type StationKey struct{ Site, Station string }

// String is site/station.
func (k StationKey) String() string { return k.Site + "/" + k.Station }

// watermarkKey is the station's key in the watermark bucket.
func watermarkKey(k StationKey) string { return k.Site + "." + k.Station }

// parseEventsSubject reads oms.<site>.<station>.events.
func parseEventsSubject(subject string) (StationKey, bool) {
	parts := strings.Split(subject, ".")
	if len(parts) != 4 || parts[0] != "oms" || parts[3] != "events" || parts[1] == "" || parts[2] == "" {
		return StationKey{}, false
	}
	return StationKey{parts[1], parts[2]}, true
}

// taskConsumerName is the station's durable consumer on STATION_TASKS.
func taskConsumerName(k StationKey) string { return "TASKS_" + k.Site + "_" + k.Station }
