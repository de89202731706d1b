package central

import (
	"context"
	"database/sql"

	"github.com/packline/packline/sync"
)

// SyncSink adapts the store to the sync layer: it applies station events
// and hands out tasks to publish.
type SyncSink struct{ Store *Store }

var (
	_ sync.EventSink  = SyncSink{}
	_ sync.TaskSource = SyncSink{}
)

// ApplyEvents implements sync.EventSink.
func (a SyncSink) ApplyEvents(ctx context.Context, evs []sync.StationEvent) (map[sync.StationKey]uint64, error) {
	batch := make([]StationEvent, len(evs))
	for i, e := range evs {
		batch[i] = StationEvent(e)
	}
	marks, _, err := a.Store.ApplyStationBatch(ctx, batch)
	if err != nil {
		return nil, err
	}
	out := make(map[sync.StationKey]uint64, len(marks))
	for k, v := range marks {
		out[sync.StationKey{Site: k.Site, Station: k.Station}] = v
	}
	return out, nil
}

// Watermarks implements sync.EventSink.
func (a SyncSink) Watermarks(ctx context.Context) (map[sync.StationKey]uint64, error) {
	rows, err := a.Store.db.QueryContext(ctx, "SELECT site, station, applied_seq FROM station_sync")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[sync.StationKey]uint64{}
	for rows.Next() {
		var k sync.StationKey
		var v uint64
		if err := rows.Scan(&k.Site, &k.Station, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// DeadLetter implements sync.EventSink.
func (a SyncSink) DeadLetter(ctx context.Context, subject, reason string, payload []byte) error {
	return a.Store.DeadLetter(ctx, subject, reason, payload)
}

// PendingTasks implements sync.TaskSource.
func (a SyncSink) PendingTasks(ctx context.Context, limit int) ([]sync.Task, error) {
	ts, err := a.Store.PendingTasks(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]sync.Task, len(ts))
	for i, t := range ts {
		out[i] = sync.Task{Seq: t.Seq, EventID: t.EventID, Site: t.Site, Station: t.Station, Payload: t.Payload}
	}
	return out, nil
}

// MarkTasksPublished implements sync.TaskSource.
func (a SyncSink) MarkTasksPublished(ctx context.Context, seqs []int64) error {
	return a.Store.inTx(ctx, func(tx *sql.Tx) error {
		at := timestamp(a.Store.now())
		for _, seq := range seqs {
			if _, err := tx.ExecContext(ctx, "UPDATE task_outbox SET published_at = ? WHERE seq = ?", at, seq); err != nil {
				return err
			}
		}
		return nil
	})
}

// Exceptions lists the open floor exceptions, newest first.
func (s *Store) Exceptions(ctx context.Context, limit int) ([]FloorException, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, site, station, order_id, event_id, code, message, at FROM exceptions WHERE resolved = 0 ORDER BY id DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FloorException
	for rows.Next() {
		var e FloorException
		var at string
		if err := rows.Scan(&e.ID, &e.Site, &e.Station, &e.OrderID, &e.EventID, &e.Code, &e.Message, &at); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
