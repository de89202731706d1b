-- 0001: the station cache. Times are RFC 3339 UTC text.

-- Station identity and small settings.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- The station's event sequence: one row, bumped in the same transaction as
-- the outbox row it numbers, so seqs are gapless and never reused even after
-- the outbox is pruned.
CREATE TABLE event_seq (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	last INTEGER NOT NULL
) STRICT;
INSERT INTO event_seq (id, last) VALUES (1, 0);

CREATE TABLE skus (
	sku               TEXT PRIMARY KEY,
	description       TEXT NOT NULL DEFAULT '',
	lot_tracked       INTEGER NOT NULL DEFAULT 0,
	expiry_tracked    INTEGER NOT NULL DEFAULT 0,
	serial_tracked    INTEGER NOT NULL DEFAULT 0,
	weight_g          INTEGER NOT NULL DEFAULT 0,
	length_mm         INTEGER NOT NULL DEFAULT 0,
	width_mm          INTEGER NOT NULL DEFAULT 0,
	height_mm         INTEGER NOT NULL DEFAULT 0,
	hs_code           TEXT NOT NULL DEFAULT '',
	country_of_origin TEXT NOT NULL DEFAULT '',
	customs_value     INTEGER NOT NULL DEFAULT 0,
	updated_at        TEXT NOT NULL
) STRICT;

-- Every code that identifies a SKU, under its lookup key (GTIN-14 for
-- GTINs): one primary-key lookup per scan.
CREATE TABLE barcodes (
	lookup_key TEXT PRIMARY KEY,
	code       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	sku        TEXT NOT NULL REFERENCES skus (sku) ON DELETE CASCADE,
	qty        INTEGER NOT NULL DEFAULT 1 CHECK (qty > 0)
) STRICT;
CREATE INDEX barcodes_sku ON barcodes (sku);

CREATE TABLE locations (
	code     TEXT PRIMARY KEY,
	site     TEXT NOT NULL,
	zone     TEXT NOT NULL,
	aisle    INTEGER NOT NULL,
	bay      INTEGER NOT NULL,
	level    INTEGER NOT NULL,
	walk_seq INTEGER NOT NULL
) STRICT;
CREATE INDEX locations_walk ON locations (site, walk_seq);

-- Orders as central last sent them; body is the full oms.Order JSON.
CREATE TABLE orders (
	id            TEXT PRIMARY KEY,
	version       INTEGER NOT NULL,
	state         TEXT NOT NULL,
	channel       TEXT NOT NULL,
	external_id   TEXT NOT NULL,
	service_level TEXT NOT NULL,
	promised_at   TEXT,
	body          TEXT NOT NULL,
	updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE order_lines (
	order_id   TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	line_no    INTEGER NOT NULL,
	sku        TEXT NOT NULL,
	qty        INTEGER NOT NULL CHECK (qty > 0),
	unit_price INTEGER NOT NULL,
	picked     INTEGER NOT NULL DEFAULT 0,
	packed     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (order_id, line_no)
) STRICT;

-- The inbox of tasks from central, keyed by (order id, version): applying
-- one twice is a no-op, and an older version never overwrites a newer one.
CREATE TABLE tasks (
	order_id    TEXT NOT NULL,
	version     INTEGER NOT NULL,
	type        TEXT NOT NULL,
	event_id    TEXT NOT NULL UNIQUE,
	payload     BLOB NOT NULL,
	received_at TEXT NOT NULL,
	PRIMARY KEY (order_id, version)
) STRICT;

CREATE TABLE pack_sessions (
	id           INTEGER PRIMARY KEY,
	order_id     TEXT NOT NULL,
	operator     TEXT NOT NULL,
	tote         TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL CHECK (state IN ('open', 'completed', 'abandoned')),
	carton_type  TEXT NOT NULL DEFAULT '',
	weight_g     INTEGER NOT NULL DEFAULT 0,
	started_at   TEXT NOT NULL,
	completed_at TEXT
) STRICT;
CREATE INDEX pack_sessions_order ON pack_sessions (order_id);

-- Every scan, accepted or refused, with the event that reported it.
CREATE TABLE scans (
	id         INTEGER PRIMARY KEY,
	at         TEXT NOT NULL,
	operator   TEXT NOT NULL,
	context    TEXT NOT NULL,
	session_id INTEGER REFERENCES pack_sessions (id),
	order_id   TEXT NOT NULL DEFAULT '',
	raw        TEXT NOT NULL,
	symbology  TEXT NOT NULL DEFAULT '',
	kind       TEXT NOT NULL DEFAULT '',
	code       TEXT NOT NULL DEFAULT '',
	sku        TEXT NOT NULL DEFAULT '',
	gtin       TEXT NOT NULL DEFAULT '',
	lot        TEXT NOT NULL DEFAULT '',
	expiry     TEXT NOT NULL DEFAULT '',
	qty        INTEGER NOT NULL DEFAULT 0,
	accepted   INTEGER NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	event_id   TEXT NOT NULL
) STRICT;

-- The transactional outbox: events waiting to reach central, in seq order.
-- Only Tx.Emit inserts here; rows go when central's applied watermark passes them.
CREATE TABLE outbox (
	seq        INTEGER PRIMARY KEY,
	event_id   TEXT NOT NULL UNIQUE,
	subject    TEXT NOT NULL,
	payload    BLOB NOT NULL,
	created_at TEXT NOT NULL,
	sent_at    TEXT,
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT
) STRICT;

-- The print spool: jobs per printer in id order.
CREATE TABLE print_jobs (
	id              INTEGER PRIMARY KEY,
	job_id          TEXT NOT NULL UNIQUE,
	printer         TEXT NOT NULL,
	template        TEXT NOT NULL,
	zpl             BLOB NOT NULL,
	state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'printed', 'failed', 'voided')),
	order_id        TEXT NOT NULL DEFAULT '',
	shipment_id     TEXT NOT NULL DEFAULT '',
	reprint_of      TEXT NOT NULL DEFAULT '',
	attempts        INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	next_attempt_at TEXT,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	printed_at      TEXT
) STRICT;
CREATE INDEX print_jobs_queue ON print_jobs (printer, state, id);
