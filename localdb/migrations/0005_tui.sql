-- 0005: what the station's floor screens keep: totes and pick progress,
-- the shipments packed here, returns graded here, acknowledged work
-- alerts, and durable counters (shipment ids, demo tracking numbers).
CREATE TABLE totes (
	tote       TEXT PRIMARY KEY,
	order_id   TEXT NOT NULL,
	state      TEXT NOT NULL CHECK (state IN ('picking', 'handed_off', 'packed')),
	updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX totes_order ON totes (order_id);
CREATE TABLE pick_progress (
	order_id TEXT NOT NULL,
	line_no  INTEGER NOT NULL,
	location TEXT NOT NULL,
	picked   INTEGER NOT NULL DEFAULT 0,
	shorted  INTEGER NOT NULL DEFAULT 0,
	reason   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (order_id, line_no, location)
) STRICT;
CREATE TABLE pack_shipments (
	id         TEXT PRIMARY KEY,
	order_id   TEXT NOT NULL,
	session_id INTEGER NOT NULL DEFAULT 0,
	carrier    TEXT NOT NULL,
	service    TEXT NOT NULL,
	tracking   TEXT NOT NULL,
	sscc       TEXT NOT NULL DEFAULT '',
	body       TEXT NOT NULL,
	created_at TEXT NOT NULL
) STRICT;
CREATE INDEX pack_shipments_tracking ON pack_shipments (tracking);
CREATE INDEX pack_shipments_order ON pack_shipments (order_id);
CREATE TABLE return_progress (
	rma        TEXT PRIMARY KEY,
	order_id   TEXT NOT NULL,
	state      TEXT NOT NULL CHECK (state IN ('received', 'completed')),
	updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE return_items (
	id          INTEGER PRIMARY KEY,
	rma         TEXT NOT NULL,
	sku         TEXT NOT NULL,
	grade       TEXT NOT NULL,
	disposition TEXT NOT NULL,
	location    TEXT NOT NULL DEFAULT '',
	operator    TEXT NOT NULL,
	at          TEXT NOT NULL
) STRICT;
CREATE INDEX return_items_rma ON return_items (rma, sku);
CREATE TABLE wip_acks (
	order_id TEXT NOT NULL,
	version  INTEGER NOT NULL,
	operator TEXT NOT NULL,
	at       TEXT NOT NULL,
	PRIMARY KEY (order_id, version)
) STRICT;
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT;
