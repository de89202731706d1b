package central

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// StationKey names one station.
type StationKey struct{ Site, Station string }

// ApplyStats counts what one ApplyStationEvents call did.
type ApplyStats struct {
	Applied    int
	Duplicates int
	Parked     int
	Exceptions int
	Refused    int // set aside as dead letters, their seqs passed
}

// StationEvent is a station event for ApplyStationBatch, with its wire
// bytes (Raw) when known. Refused, when set, says why central will not
// apply it: Event then holds only the envelope (oms.ParseEnvelope), which
// named the station of the subject it came on. It still takes its place
// in that station's sequence: it is kept whole in dead_letters, recorded
// as an exception (and sent back to the station when it is about an
// order), and passed, so the station's events behind it do not wait for
// it for ever.
type StationEvent struct {
	Event   oms.Event
	Raw     []byte
	Refused string
}

// ApplyStationEvents applies a batch of station events in one
// transaction: each event id at most once, each station's events in seq
// order. An event ahead of a missing seq is parked until the gap fills.
// A fact about an order central has cancelled becomes a recorded
// exception and a task back to the station, never a silent drop. It
// returns the applied watermark of every station in the batch: once this
// returns, those events are durable in central's database.
func (s *Store) ApplyStationEvents(ctx context.Context, evs []oms.Event) (map[StationKey]uint64, ApplyStats, error) {
	return s.ApplyStationEventsRaw(ctx, evs, nil)
}

// ApplyStationEventsRaw is ApplyStationEvents with each event's wire
// bytes (raws[i] for evs[i]) kept as received, saving a re-encode.
func (s *Store) ApplyStationEventsRaw(ctx context.Context, evs []oms.Event, raws [][]byte) (map[StationKey]uint64, ApplyStats, error) {
	batch := make([]StationEvent, len(evs))
	for i, ev := range evs {
		batch[i].Event = ev
		if raws != nil {
			batch[i].Raw = raws[i]
		}
	}
	return s.ApplyStationBatch(ctx, batch)
}

// ApplyStationBatch is ApplyStationEvents for events that may carry their
// wire bytes or a refusal (see StationEvent).
func (s *Store) ApplyStationBatch(ctx context.Context, evs []StationEvent) (map[StationKey]uint64, ApplyStats, error) {
	var stats ApplyStats
	marks := map[StationKey]uint64{}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		applied := map[StationKey]uint64{}
		watermark := func(k StationKey) (uint64, error) {
			if v, ok := applied[k]; ok {
				return v, nil
			}
			var v uint64
			err := tx.QueryRowContext(ctx, "SELECT applied_seq FROM station_sync WHERE site = ? AND station = ?", k.Site, k.Station).Scan(&v)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, err
			}
			applied[k] = v
			return v, nil
		}
		sorted := slices.Clone(evs)
		parked := map[StationKey]bool{} // stations that may have parked events
		hasParked := func(k StationKey) (bool, error) {
			if v, ok := parked[k]; ok {
				return v, nil
			}
			var n int
			err := tx.QueryRowContext(ctx, "SELECT count(*) FROM parked_events WHERE site = ? AND station = ?", k.Site, k.Station).Scan(&n)
			parked[k] = n > 0
			return n > 0, err
		}
		slices.SortStableFunc(sorted, func(x, y StationEvent) int {
			a, b := x.Event, y.Event
			return cmp.Or(strings.Compare(a.Site, b.Site), strings.Compare(a.Station, b.Station), cmp.Compare(a.Seq, b.Seq))
		})
		nowText := timestamp(now)
		for i := 0; i < len(sorted); i++ {
			ev := sorted[i].Event
			k := StationKey{ev.Site, ev.Station}
			mark, err := watermark(k)
			if err != nil {
				return err
			}
			// The common case, a run of the station's next events that
			// only go in the log (scans, sign-ins, labels) with nothing
			// parked behind them: logged in one statement.
			if n := logRun(sorted[i:], mark); n > 1 {
				if p, err := hasParked(k); err != nil {
					return err
				} else if !p {
					inserted, err := logEvents(ctx, tx, sorted[i:i+n], nowText)
					if err != nil {
						return err
					}
					stats.Applied += inserted
					stats.Duplicates += n - inserted
					applied[k] = sorted[i+n-1].Event.Seq
					i += n - 1
					continue
				}
			}
			it := sorted[i]
			switch {
			case ev.Seq <= mark:
				stats.Duplicates++
				continue
			case ev.Seq > mark+1:
				payload := it.Raw
				if payload == nil {
					if payload, err = json.Marshal(ev); err != nil {
						return fmt.Errorf("park event %s: %w", ev.ID, err)
					}
				}
				parked[k] = true
				res, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO parked_events (site, station, seq, event_id, payload, at, refused) VALUES (?, ?, ?, ?, ?, ?, ?)",
					ev.Site, ev.Station, ev.Seq, ev.ID, payload, timestamp(now), it.Refused)
				if err != nil {
					return fmt.Errorf("park event %s: %w", ev.ID, err)
				}
				if n, _ := res.RowsAffected(); n == 1 {
					stats.Parked++
				}
				continue
			}
			// ev.Seq == mark+1: apply it, then any parked successors.
			for {
				if it.Refused != "" {
					if err := refuseOne(ctx, tx, it, now); err != nil {
						return err
					}
					stats.Refused++
					stats.Exceptions++
				} else {
					exc, dup, err := s.applyOne(ctx, tx, it.Event, it.Raw, now)
					if err != nil {
						return err
					}
					switch {
					case dup:
						stats.Duplicates++
					default:
						stats.Applied++
					}
					if exc {
						stats.Exceptions++
					}
				}
				applied[k] = it.Event.Seq
				if p, err := hasParked(k); err != nil {
					return err
				} else if !p {
					break
				}
				var ok bool
				if it, ok, err = unpark(ctx, tx, k, it.Event.Seq+1); err != nil {
					return err
				} else if !ok {
					break
				}
			}
		}
		for k, v := range applied {
			if _, err := tx.ExecContext(ctx, `INSERT INTO station_sync (site, station, applied_seq, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (site, station) DO UPDATE SET applied_seq = excluded.applied_seq, updated_at = excluded.updated_at`,
				k.Site, k.Station, v, timestamp(now)); err != nil {
				return err
			}
			marks[k] = v
		}
		return nil
	})
	if err != nil {
		return nil, ApplyStats{}, err
	}
	return marks, stats, nil
}

// unpark takes the station's parked event at seq, if there is one. One
// that no longer reads as an event (parked by an older omsd) is refused,
// not left to stop the station; its place comes from the parked row when
// even its envelope cannot be read.
func unpark(ctx context.Context, tx *sql.Tx, k StationKey, seq uint64) (StationEvent, bool, error) {
	var it StationEvent
	var id string
	err := tx.QueryRowContext(ctx, "DELETE FROM parked_events WHERE site = ? AND station = ? AND seq = ? RETURNING payload, refused, event_id",
		k.Site, k.Station, seq).Scan(&it.Raw, &it.Refused, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return it, false, nil
	}
	if err != nil {
		return it, false, fmt.Errorf("unpark %s/%s seq %d: %w", k.Site, k.Station, seq, err)
	}
	if it.Refused == "" {
		if it.Event, err = oms.ParseEvent(it.Raw); err == nil {
			return it, true, nil
		}
		it.Refused = err.Error()
	}
	env, err := oms.ParseEnvelope(it.Raw)
	if err != nil || env.Site != k.Site || env.Station != k.Station || env.Seq != seq {
		env = oms.Event{ID: id, Type: "unknown", Site: k.Site, Station: k.Station, Seq: seq}
	}
	it.Event = env
	return it, true, nil
}

// refuseOne gives a refused event its place in its station's sequence
// (see StationEvent): kept whole in dead_letters with its station, seq
// and id, and raised as an exception.
func refuseOne(ctx context.Context, tx *sql.Tx, it StationEvent, now time.Time) error {
	ev := it.Event
	if _, err := tx.ExecContext(ctx, "INSERT INTO dead_letters (subject, reason, payload, at, site, station, seq, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		oms.StationEventsSubject(ev.Site, ev.Station), it.Refused, it.Raw, timestamp(now), ev.Site, ev.Station, ev.Seq, ev.ID); err != nil {
		return fmt.Errorf("set aside event %s: %w", ev.ID, err)
	}
	reason := it.Refused
	if len(reason) > 300 {
		reason = reason[:300] + "..."
	}
	return raiseException(ctx, tx, ev, &floorException{code: "event_refused",
		message: fmt.Sprintf("%q event %s (seq %d) was set aside: %q", ev.Type, ev.ID, ev.Seq, reason),
		action:  "tell a lead; central keeps the event in its dead letters"}, now)
}

// logRun is how many of items, from the first, are the next events of
// one station after mark, in seq order with no gap, that have no effect
// beyond the log.
func logRun(evs []StationEvent, mark uint64) int {
	n := 0
	for _, e := range evs {
		ev, first := e.Event, evs[0].Event
		if e.Refused != "" || ev.Site != first.Site || ev.Station != first.Station || ev.Seq != mark+1+uint64(n) || hasEffect(ev.Type) {
			break
		}
		n++
	}
	return n
}

// logEvents records a run of one station's events that have no effect
// beyond the log, up to logChunk rows a statement, with the station and
// the time applied bound once: per-row binds and statement overhead were
// most of what applying a scan cost. Ids applied before are skipped, as in
// applyOne; it returns how many were new.
func logEvents(ctx context.Context, tx *sql.Tx, evs []StationEvent, now string) (int, error) {
	inserted := 0
	args := make([]any, 0, 3+7*min(len(evs), logChunk))
	for len(evs) > 0 {
		chunk := evs[:min(len(evs), logChunk)]
		evs = evs[len(chunk):]
		args = append(args[:0], chunk[0].Event.Site, chunk[0].Event.Station, now)
		for _, e := range chunk {
			raw := e.Raw
			if raw == nil {
				var err error
				if raw, err = json.Marshal(e.Event); err != nil {
					return 0, fmt.Errorf("apply event %s: %w", e.Event.ID, err)
				}
			}
			ev := e.Event
			args = append(args, ev.ID, ev.Seq, string(ev.Type), ev.OrderID, ev.Operator, timestamp(ev.At), raw)
		}
		res, err := tx.ExecContext(ctx, logEventsSQL[len(chunk)], args...)
		if err != nil {
			return 0, fmt.Errorf("apply events %s to %s: %w", chunk[0].Event.ID, chunk[len(chunk)-1].Event.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		inserted += int(n)
	}
	return inserted, nil
}

// logChunk is the most rows logEvents puts in one INSERT.
const logChunk = 64

// logEventsSQL[n] is the INSERT of n rows for logEvents: ?1-?3 are the
// site, the station and the time applied, then seven values a row.
var logEventsSQL = func() (q [logChunk + 1]string) {
	for n := 1; n <= logChunk; n++ {
		q[n] = insertLogSQL(n)
	}
	return q
}()

func insertLogSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT OR IGNORE INTO applied_events (event_id, site, station, seq, type, order_id, operator, at, applied_at, payload) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		p := 4 + 7*i
		fmt.Fprintf(&b, "(?%d, ?1, ?2, ?%d, ?%d, ?%d, ?%d, ?%d, ?3, ?%d)", p, p+1, p+2, p+3, p+4, p+5, p+6)
	}
	return b.String()
}

// Watermark returns a station's applied watermark.
func (s *Store) Watermark(ctx context.Context, k StationKey) (uint64, error) {
	var v uint64
	err := s.db.QueryRowContext(ctx, "SELECT applied_seq FROM station_sync WHERE site = ? AND station = ?", k.Site, k.Station).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// DeadLetter keeps a message that could not be read as an event.
func (s *Store) DeadLetter(ctx context.Context, subject, reason string, payload []byte) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO dead_letters (subject, reason, payload, at) VALUES (?, ?, ?, ?)", subject, reason, payload, timestamp(s.now()))
	return err
}

// applyOne records ev as applied and applies its effect on the order.
// Lock should be held: tx is a write transaction. It reports whether the
// event became an exception, and whether its id had been applied before
// (under another seq: a station restored from an old backup).
func (s *Store) applyOne(ctx context.Context, tx *sql.Tx, ev oms.Event, payload []byte, now time.Time) (exception, dup bool, err error) {
	if payload == nil {
		if payload, err = json.Marshal(ev); err != nil {
			return false, false, err
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO applied_events (event_id, site, station, seq, type, order_id, operator, at, applied_at, payload)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ev.ID, ev.Site, ev.Station, ev.Seq, ev.Type, ev.OrderID, ev.Operator, timestamp(ev.At), timestamp(now), payload)
	if err != nil {
		return false, false, fmt.Errorf("apply event %s: %w", ev.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, true, nil
	}
	if !hasEffect(ev.Type) {
		return false, false, nil
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT event"); err != nil {
		return false, false, err
	}
	effectErr := applyEffect(ctx, tx, ev, now)
	if effectErr == nil {
		_, err = tx.ExecContext(ctx, "RELEASE event")
		return false, false, err
	}
	if fe, ok := effectErr.(*floorException); ok && fe.keep {
		// Partial shipments (b2b.go): the effect stays, the floor is told.
		if _, err := tx.ExecContext(ctx, "RELEASE event"); err != nil {
			return false, false, err
		}
		return true, false, raiseException(ctx, tx, ev, fe, now)
	}
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO event"); err != nil {
		return false, false, err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE event"); err != nil {
		return false, false, err
	}
	var fe *floorException
	if !errors.As(effectErr, &fe) {
		fe = &floorException{code: "not_applied", message: effectErr.Error()}
	}
	return true, false, raiseException(ctx, tx, ev, fe, now)
}

// hasEffect says whether applying an event type changes more than the log.
func hasEffect(t oms.EventType) bool {
	switch t {
	case oms.EventScanRecorded, oms.EventOperatorSignedIn, oms.EventOperatorSignedOut, oms.EventLabelPrinted,
		oms.EventPackOverride, oms.EventExceptionRaised, oms.EventLeadAction:
		return false
	}
	return true
}

// floorException is a fact that cannot be applied as it stands.
type floorException struct {
	code, message, action string
	// keep says the fact's effect stands and the exception only tells
	// the floor (a short pick: the missing units leave the bin).
	keep bool
}

func (e *floorException) Error() string { return e.code + ": " + e.message }

// raiseException records the exception and, when the event is about an
// order, sends it back to the station as a task (bumping the order's
// version, so the station takes it as news).
func raiseException(ctx context.Context, tx *sql.Tx, ev oms.Event, fe *floorException, now time.Time) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO exceptions (site, station, order_id, event_id, code, message, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		ev.Site, ev.Station, ev.OrderID, ev.ID, fe.code, fe.message, timestamp(now)); err != nil {
		return fmt.Errorf("record exception for event %s: %w", ev.ID, err)
	}
	if ev.OrderID == "" {
		return nil
	}
	var version int64
	err := tx.QueryRowContext(ctx, "UPDATE orders SET version = version + 1, updated_at = ? WHERE id = ? RETURNING version", timestamp(now), ev.OrderID).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		version = 1 // an order central never had: the station still hears of it
	} else if err != nil {
		return err
	}
	task := oms.NewEvent(&oms.TaskException{Code: fe.code, Message: fe.message, Action: fe.action, Ref: ev.ID})
	task.Site, task.Station, task.OrderID, task.OrderVersion = ev.Site, ev.Station, ev.OrderID, version
	return insertTask(ctx, tx, task, now)
}

// applyEffect moves the order as the fact says. Facts that only need
// recording (scans, sign-ins, labels) have no effect beyond the log.
func applyEffect(ctx context.Context, tx *sql.Tx, ev oms.Event, now time.Time) error {
	var target oms.State
	switch p := ev.Payload.(type) {
	case *oms.PickConfirmed:
		target = oms.StatePicking
	case *oms.ToteHandedOff:
		target = oms.StatePicked
	case *oms.PackStarted, *oms.ItemPacked:
		target = oms.StatePacking
	case *oms.PackCompleted:
		target = oms.StatePacked
	case *oms.ShipmentCreated:
		o, err := floorOrder(ctx, tx, ev)
		if err != nil {
			return err
		}
		sh := p.Shipment
		if sh.Site == "" {
			sh.Site = ev.Site
		}
		if err := validateShipment(o.ID, &sh); err != nil {
			return &floorException{code: "bad_shipment", message: err.Error(), action: "hold the parcel and call a lead"}
		}
		by := ev.Site + "/" + ev.Station
		if o.State != oms.StatePartiallyShipped {
			// A station may report the shipment without pick or pack facts.
			if err := advance(ctx, tx, &o, oms.StatePacked, now, by); err != nil {
				return err
			}
		}
		if err := recordShipment(ctx, tx, o.ID, sh, now, by); err != nil {
			if errors.Is(err, ErrConflict) || errors.Is(err, oms.ErrInvalid) {
				return &floorException{code: "shipment_refused", message: err.Error(), action: "hold the parcel and call a lead"}
			}
			return err
		}
		// Partial shipments (b2b.go): a station's shipment closes its pick
		// list; what it left allocated at the site is freed and goes back
		// to the allocator.
		return releaseLeftovers(ctx, tx, o.ID, sh.Site, sh.ID, now, by)
	case *oms.PickShorted:
		if _, err := floorOrder(ctx, tx, ev); err != nil {
			return err
		}
		// Partial shipments (b2b.go): the missing units leave the bin and
		// the order's reservation; the exception still tells the floor.
		if err := shortPick(ctx, tx, ev, p, now); err != nil {
			return err
		}
		return &floorException{code: "short_pick", message: fmt.Sprintf("%s at %s: %d of %d picked (%s)", p.SKU, p.Location, p.Picked, p.Wanted, p.Reason),
			action: "continue; central reallocates the missing units", keep: true}
	case *oms.ReturnReceived:
		target = oms.StateReturnReceived
		if err := setReturnState(ctx, tx, p.RMA, RMAReceived, now); err != nil {
			return err
		}
	case *oms.ReturnItemGraded:
		target = oms.StateInspected
		if err := setReturnState(ctx, tx, p.RMA, RMAInspected, now); err != nil {
			return err
		}
	case *oms.ReturnCompleted:
		target = oms.StateRefunded
		if p.Resolution == "exchange" {
			target = oms.StateExchanged
		}
		if err := setReturnState(ctx, tx, p.RMA, RMACompleted, now); err != nil {
			return err
		}
	default:
		return nil
	}
	o, err := floorOrder(ctx, tx, ev)
	if err != nil {
		return err
	}
	return advance(ctx, tx, &o, target, now, ev.Site+"/"+ev.Station)
}

// setReturnState moves an RMA along; an RMA central never issued is an
// exception.
func setReturnState(ctx context.Context, tx *sql.Tx, rma, state string, now time.Time) error {
	res, err := tx.ExecContext(ctx, "UPDATE returns SET state = ?, updated_at = ? WHERE rma = ?", state, timestamp(now), rma)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &floorException{code: "unknown_rma", message: fmt.Sprintf("RMA %q was not issued by central", rma), action: "quarantine the parcel"}
	}
	return nil
}

// floorOrder loads the order a floor fact is about; a cancelled or
// unknown order is an exception.
func floorOrder(ctx context.Context, tx *sql.Tx, ev oms.Event) (oms.Order, error) {
	o, err := loadOrder(ctx, tx, ev.OrderID)
	if errors.Is(err, ErrNotFound) {
		return o, &floorException{code: "unknown_order", message: fmt.Sprintf("%s for order %q, which central does not know", ev.Type, ev.OrderID)}
	}
	if err != nil {
		return o, err
	}
	if o.State == oms.StateCancelled {
		return o, &floorException{code: "order_cancelled", message: fmt.Sprintf("%s for order %s, which was cancelled", ev.Type, o.ID),
			action: "do not ship; return the items to stock"}
	}
	return o, nil
}

// forward is the order's path through the floor, in order.
var forward = []oms.State{oms.StateReleased, oms.StatePicking, oms.StatePicked, oms.StatePacking, oms.StatePacked, oms.StateShipped}

// returnPath is the return's path, in order.
var returnPath = []oms.State{oms.StateRMAAuthorized, oms.StateReturnReceived, oms.StateInspected}

// advance walks the order forward to target through each state between,
// so a pack station that skipped the pick step still leaves a lawful
// history. An order already at or past target is left alone (facts can
// arrive after the order moved on); one that cannot get there (held) is
// an exception.
func advance(ctx context.Context, tx *sql.Tx, o *oms.Order, target oms.State, now time.Time, by string) error {
	path := forward
	if slices.Contains(returnPath, target) || target == oms.StateRefunded || target == oms.StateExchanged || target == oms.StateRestocked {
		path = append(slices.Clone(returnPath), target)
	}
	ti := slices.Index(path, target)
	ci := slices.Index(path, o.State)
	if o.State == oms.StatePartiallyShipped && ti >= 0 && target != oms.StateShipped && path[0] == oms.StateReleased {
		// Partial shipments: the rest of a partially shipped order is on
		// the floor; the order stays partially_shipped until it ships.
		return nil
	}
	if ci >= ti && ci >= 0 {
		return nil
	}
	if ci < 0 {
		if o.State == oms.StateOnHold {
			return &floorException{code: "order_on_hold", message: fmt.Sprintf("order %s is on hold", o.ID), action: "stop work on it until the hold is released"}
		}
		if err := oms.CanTransition(o.State, target); err != nil {
			return &floorException{code: "illegal_transition", message: err.Error()}
		}
		return transition(ctx, tx, o, target, now, by, "")
	}
	for _, st := range path[ci+1 : ti+1] {
		if err := transition(ctx, tx, o, st, now, by, ""); err != nil {
			return &floorException{code: "illegal_transition", message: err.Error()}
		}
	}
	return nil
}

// FloorException is a station fact central could not apply as it stood.
type FloorException struct {
	ID      int64     `json:"id"`
	Site    string    `json:"site"`
	Station string    `json:"station"`
	OrderID string    `json:"order_id,omitempty"`
	EventID string    `json:"event_id"`
	Code    string    `json:"code"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// AppliedEvents counts the events applied from one station.
func (s *Store) AppliedEvents(ctx context.Context, k StationKey) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM applied_events WHERE site = ? AND station = ?", k.Site, k.Station).Scan(&n)
	return n, err
}

// DeadLetter is a station message or event central set aside. A station's
// own refused event carries its site, station, seq and id; junk does not.
type DeadLetter struct {
	ID      int64     `json:"id"`
	Subject string    `json:"subject"`
	Reason  string    `json:"reason"`
	Site    string    `json:"site,omitempty"`
	Station string    `json:"station,omitempty"`
	Seq     uint64    `json:"seq,omitempty"`
	EventID string    `json:"event_id,omitempty"`
	Bytes   int       `json:"bytes"`
	At      time.Time `json:"at"`
}

// DeadLetterList returns the newest limit dead letters, newest first.
func (s *Store) DeadLetterList(ctx context.Context, limit int) ([]DeadLetter, error) {
	var out []DeadLetter
	err := s.readTx(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, "SELECT id, subject, reason, site, station, seq, event_id, length(payload), at FROM dead_letters ORDER BY id DESC LIMIT ?", limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d DeadLetter
			var at string
			if err := rows.Scan(&d.ID, &d.Subject, &d.Reason, &d.Site, &d.Station, &d.Seq, &d.EventID, &d.Bytes, &at); err != nil {
				return err
			}
			d.At = parseTime(at)
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// DeadLetterPayload returns a dead letter's bytes as they came (the
// first KiB only of junk over the size limit).
func (s *Store) DeadLetterPayload(ctx context.Context, id int64) ([]byte, error) {
	var p []byte
	err := s.db.QueryRowContext(ctx, "SELECT payload FROM dead_letters WHERE id = ?", id).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("dead letter %d: %w", id, ErrNotFound)
	}
	return p, err
}

// ReplayResult is what replaying a dead letter did.
type ReplayResult struct {
	EventID   string `json:"event_id"`
	Exception bool   `json:"exception"` // it was applied as an exception
}

// ReplayDeadLetter applies a station's own event that was set aside (a
// refused event: its site, station and seq are on the dead letter), once
// this omsd can read it: a type it has since learnt, say. Its seq was
// passed long ago, so it applies out of turn, as a late fact (the order
// moves only if it has not moved past what the fact says, as for any late
// fact). The dead letter is marked replayed and the event_refused
// exception resolved, in the same transaction. Junk (no station seq), an
// event that still cannot be read, a task, one applied already or
// replayed before is a conflict, naming why; nothing changes.
func (s *Store) ReplayDeadLetter(ctx context.Context, id int64) (ReplayResult, error) {
	var res ReplayResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var site, station, eventID string
		var seq uint64
		var payload []byte
		var replayed sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT site, station, seq, event_id, payload, replayed_at FROM dead_letters WHERE id = ?", id).
			Scan(&site, &station, &seq, &eventID, &payload, &replayed)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("dead letter %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		refuse := func(format string, args ...any) error {
			return fmt.Errorf("%w: dead letter %d: %s", ErrConflict, id, fmt.Sprintf(format, args...))
		}
		switch {
		case seq == 0:
			return refuse("not a station's own event (no seq): there is nothing to apply")
		case replayed.Valid:
			return refuse("replayed already, at %s", replayed.String)
		case len(payload) > oms.MaxEventBytes:
			return refuse("%d bytes, over the %d byte limit", len(payload), oms.MaxEventBytes)
		}
		ev, err := oms.ParseEvent(payload)
		if err != nil {
			return refuse("still cannot be read: %v", err)
		}
		if ev.ID != eventID || ev.Site != site || ev.Station != station || ev.Seq != seq {
			return refuse("its bytes are event %s (%s/%s seq %d), not the %s (%s/%s seq %d) it was kept as",
				ev.ID, ev.Site, ev.Station, ev.Seq, eventID, site, station, seq)
		}
		if ev.Type.IsTask() {
			return refuse("a task (%s), not a fact from the floor", ev.Type)
		}
		now := s.now()
		exc, dup, err := s.applyOne(ctx, tx, ev, payload, now)
		if err != nil {
			return err
		}
		if dup {
			return refuse("event %s was applied already", ev.ID)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE dead_letters SET replayed_at = ? WHERE id = ?", timestamp(now), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE exceptions SET resolved = 1 WHERE event_id = ? AND code = 'event_refused'", ev.ID); err != nil {
			return err
		}
		res = ReplayResult{EventID: ev.ID, Exception: exc}
		return nil
	})
	return res, err
}

// DeadLetters counts the messages moved aside.
func (s *Store) DeadLetters(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM dead_letters").Scan(&n)
	return n, err
}
