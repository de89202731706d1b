-- 0001: central's database. Times are RFC 3339 UTC text; money is in minor units.

CREATE TABLE sites (
	id         TEXT PRIMARY KEY,
	body       TEXT NOT NULL, -- oms.Site JSON
	updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE stations (
	site    TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	id      TEXT NOT NULL,
	enabled INTEGER NOT NULL DEFAULT 1,
	queue   INTEGER NOT NULL DEFAULT 0, -- open assignments, kept by triggers on assignments
	PRIMARY KEY (site, id)
) STRICT;

CREATE TABLE locations (
	site     TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	code     TEXT NOT NULL,
	walk_seq INTEGER NOT NULL,
	PRIMARY KEY (site, code)
) STRICT;

CREATE TABLE skus (
	sku        TEXT PRIMARY KEY,
	body       TEXT NOT NULL, -- oms.SKU JSON
	updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE barcodes (
	lookup_key TEXT PRIMARY KEY,
	sku        TEXT NOT NULL REFERENCES skus (sku) ON DELETE CASCADE
) STRICT;
CREATE INDEX barcodes_sku ON barcodes (sku);

-- The stock ledger: what is in each bin and how much of it is promised.
-- available = on_hand - allocated, and the CHECKs make overselling
-- impossible at the storage layer, whatever the code above does.
CREATE TABLE stock (
	site      TEXT NOT NULL,
	location  TEXT NOT NULL,
	sku       TEXT NOT NULL REFERENCES skus (sku),
	on_hand   INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
	allocated INTEGER NOT NULL DEFAULT 0 CHECK (allocated >= 0 AND allocated <= on_hand),
	PRIMARY KEY (site, location, sku)
) STRICT;
CREATE INDEX stock_sku ON stock (sku, site);

-- Every ledger change, for audit and for rebuilding the ledger.
CREATE TABLE stock_moves (
	id              INTEGER PRIMARY KEY,
	at              TEXT NOT NULL,
	site            TEXT NOT NULL,
	location        TEXT NOT NULL,
	sku             TEXT NOT NULL,
	delta_on_hand   INTEGER NOT NULL,
	delta_allocated INTEGER NOT NULL,
	reason          TEXT NOT NULL, -- receipt, adjustment, allocate, deallocate, ship, restock
	ref             TEXT NOT NULL DEFAULT '',
	by              TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX stock_moves_sku ON stock_moves (sku, site);

CREATE TABLE orders (
	id            TEXT PRIMARY KEY,
	channel       TEXT NOT NULL,
	external_id   TEXT NOT NULL,
	version       INTEGER NOT NULL,
	state         TEXT NOT NULL,
	held_from     TEXT NOT NULL DEFAULT '',
	ship_complete INTEGER NOT NULL DEFAULT 0,
	body          TEXT NOT NULL, -- oms.Order JSON as captured (ship_to may change before release)
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	UNIQUE (channel, external_id)
) STRICT;
CREATE INDEX orders_state ON orders (state, created_at);

CREATE TABLE order_lines (
	order_id    TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	line_no     INTEGER NOT NULL,
	sku         TEXT NOT NULL REFERENCES skus (sku),
	qty         INTEGER NOT NULL CHECK (qty > 0),
	unit_price  INTEGER NOT NULL CHECK (unit_price >= 0),
	allocated   INTEGER NOT NULL DEFAULT 0 CHECK (allocated >= 0),
	shipped     INTEGER NOT NULL DEFAULT 0 CHECK (shipped >= 0),
	PRIMARY KEY (order_id, line_no),
	CHECK (allocated + shipped <= qty)
) STRICT;

-- Stock promised to an order line, bin by bin.
CREATE TABLE allocations (
	id        INTEGER PRIMARY KEY,
	order_id  TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	line_no   INTEGER NOT NULL,
	site      TEXT NOT NULL,
	location  TEXT NOT NULL,
	sku       TEXT NOT NULL,
	qty       INTEGER NOT NULL CHECK (qty > 0),
	FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no)
) STRICT;
CREATE INDEX allocations_order ON allocations (order_id);

-- Which station works an order at each site it ships from.
CREATE TABLE assignments (
	order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	site     TEXT NOT NULL,
	station  TEXT NOT NULL,
	open     INTEGER NOT NULL DEFAULT 1,
	at       TEXT NOT NULL,
	PRIMARY KEY (order_id, site)
) STRICT;
CREATE INDEX assignments_queue ON assignments (site, station, open);

-- stations.queue follows the open assignments whoever writes them, so
-- routing picks the least-loaded station with one indexed read.
CREATE TRIGGER assignments_open_insert AFTER INSERT ON assignments WHEN NEW.open = 1
BEGIN
	UPDATE stations SET queue = queue + 1 WHERE site = NEW.site AND id = NEW.station;
END;
CREATE TRIGGER assignments_update AFTER UPDATE OF open, station ON assignments
BEGIN
	UPDATE stations SET queue = queue - OLD.open WHERE site = OLD.site AND id = OLD.station;
	UPDATE stations SET queue = queue + NEW.open WHERE site = NEW.site AND id = NEW.station;
END;
CREATE TRIGGER assignments_delete AFTER DELETE ON assignments WHEN OLD.open = 1
BEGIN
	UPDATE stations SET queue = queue - 1 WHERE site = OLD.site AND id = OLD.station;
END;

CREATE TABLE order_history (
	id       INTEGER PRIMARY KEY,
	order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	state    TEXT NOT NULL,
	at       TEXT NOT NULL,
	by       TEXT NOT NULL,
	reason   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX order_history_order ON order_history (order_id, id);

-- Tasks for stations, written in the same transaction as the change that
-- causes them; the sync layer publishes them to oms.<site>.<station>.tasks.
CREATE TABLE task_outbox (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id     TEXT NOT NULL UNIQUE,
	site         TEXT NOT NULL,
	station      TEXT NOT NULL,
	order_id     TEXT NOT NULL,
	payload      BLOB NOT NULL,
	created_at   TEXT NOT NULL,
	published_at TEXT
) STRICT;
CREATE INDEX task_outbox_unpublished ON task_outbox (published_at, seq);

CREATE TABLE shipments (
	id              TEXT PRIMARY KEY,
	order_id        TEXT NOT NULL REFERENCES orders (id),
	tracking_number TEXT NOT NULL,
	body            TEXT NOT NULL, -- oms.Shipment JSON
	at              TEXT NOT NULL
) STRICT;
CREATE INDEX shipments_order ON shipments (order_id);
CREATE INDEX shipments_tracking ON shipments (tracking_number);

CREATE TABLE returns (
	rma        TEXT PRIMARY KEY,
	order_id   TEXT NOT NULL REFERENCES orders (id),
	state      TEXT NOT NULL,
	body       TEXT NOT NULL, -- oms.Return JSON
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX returns_order ON returns (order_id);

-- Customer notifications waiting for delivery; retried, never blocking an order.
CREATE TABLE notifications (
	id            INTEGER PRIMARY KEY,
	order_id      TEXT NOT NULL,
	kind          TEXT NOT NULL,
	channel       TEXT NOT NULL, -- email, webhook
	payload       TEXT NOT NULL,
	state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
	attempts      INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT '',
	next_at       TEXT NOT NULL,
	created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX notifications_due ON notifications (state, next_at);

-- Named counters (order numbers, RMA numbers), bumped inside the
-- transaction that uses the number, so numbers are never issued twice.
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT;
