-- 0003: applying station events exactly once, in per-station seq order.

-- The last seq applied from each station: its applied watermark.
CREATE TABLE station_sync (
	site        TEXT NOT NULL,
	station     TEXT NOT NULL,
	applied_seq INTEGER NOT NULL DEFAULT 0,
	updated_at  TEXT NOT NULL,
	PRIMARY KEY (site, station)
) STRICT;

-- Every station event applied, by id: the unique key that makes a
-- redelivery (lost ack, restart, outage longer than the JetStream
-- duplicate window) a no-op. Also the floor's audit log.
CREATE TABLE applied_events (
	event_id   TEXT PRIMARY KEY,
	site       TEXT NOT NULL,
	station    TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	type       TEXT NOT NULL,
	order_id   TEXT NOT NULL DEFAULT '',
	operator   TEXT NOT NULL DEFAULT '',
	at         TEXT NOT NULL,
	applied_at TEXT NOT NULL,
	payload    BLOB NOT NULL,
	UNIQUE (site, station, seq)
) STRICT;
CREATE INDEX applied_events_order ON applied_events (order_id);

-- Events that arrived ahead of a missing seq; applied when the gap fills.
CREATE TABLE parked_events (
	site     TEXT NOT NULL,
	station  TEXT NOT NULL,
	seq      INTEGER NOT NULL,
	event_id TEXT NOT NULL,
	payload  BLOB NOT NULL,
	at       TEXT NOT NULL,
	PRIMARY KEY (site, station, seq)
) STRICT;

-- Messages that could not be read as events, kept aside for a person.
CREATE TABLE dead_letters (
	id      INTEGER PRIMARY KEY,
	subject TEXT NOT NULL,
	reason  TEXT NOT NULL,
	payload BLOB NOT NULL,
	at      TEXT NOT NULL
) STRICT;

-- Facts that could not be applied as they stand: shown to leads and sent
-- back to the station, never dropped.
CREATE TABLE exceptions (
	id       INTEGER PRIMARY KEY,
	site     TEXT NOT NULL,
	station  TEXT NOT NULL,
	order_id TEXT NOT NULL DEFAULT '',
	event_id TEXT NOT NULL,
	code     TEXT NOT NULL,
	message  TEXT NOT NULL,
	at       TEXT NOT NULL,
	resolved INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX exceptions_open ON exceptions (resolved, site);
