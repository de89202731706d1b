// Package sync is the NATS JetStream wiring between stations and central:
// subjects, streams and consumers, the station's outbox drainer and task
// applier, central's event applier and task publisher, the applied
// watermark, connectivity state and presence.
//
// The guarantees, end to end: a station's events are published in seq
// order, alone with Nats-Msg-Id = the event id or bundled several to a
// message with Nats-Msg-Id = "<first id>..<last id>" (see bundle.go;
// JetStream dedupes a retry of the same message within its window);
// central applies each event id at most once and each station's events in
// seq order, and only then advances that station's applied watermark; the
// station deletes an outbox row only when the watermark has passed it. The
// two SQLite files are the durable record; JetStream is the road between
// them. (The package is named sync; the standard library's is imported
// as stdsync.)
package sync
