-- 0005: B2B by EDI X12 (files in, documents out), drop-ship lines to
-- suppliers, and reallocation after a partial shipment.

-- Who Packline is in outbound interchanges (one row), written by omsd at
-- start from [edi].
CREATE TABLE edi_settings (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	isa_qual TEXT NOT NULL,
	isa_id   TEXT NOT NULL,
	gs_id    TEXT NOT NULL,
	test     INTEGER NOT NULL DEFAULT 0,
	-- for 850s without a CUR segment, and whether EDI orders ship complete
	currency      TEXT NOT NULL DEFAULT 'USD',
	ship_complete INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Drop-ship suppliers, from [[edi.suppliers]]; body is their oms.Address JSON.
CREATE TABLE edi_suppliers (
	id       TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	isa_qual TEXT NOT NULL,
	isa_id   TEXT NOT NULL,
	gs_id    TEXT NOT NULL,
	body     TEXT NOT NULL
) STRICT;
CREATE INDEX edi_suppliers_isa ON edi_suppliers (isa_id);

-- SKUs that never come from a site: every line of them goes to the supplier.
CREATE TABLE drop_ship_skus (
	sku      TEXT PRIMARY KEY,
	supplier TEXT NOT NULL
) STRICT;

-- Every file read from the in folder, by name and content hash, with
-- what became of it: a file is processed once, across restarts, and the
-- row commits in the same transaction as everything the file stored.
CREATE TABLE edi_files (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	sha256      TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
	sender      TEXT NOT NULL DEFAULT '',
	interchange TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT '',
	at          TEXT NOT NULL,
	UNIQUE (name, sha256)
) STRICT;

-- Orders that came in as an 850: the partner to answer and the purchase
-- order as received (body: PO lines with the buyer's IDs and the order
-- line each became, or why it was rejected).
CREATE TABLE edi_orders (
	order_id     TEXT PRIMARY KEY REFERENCES orders (id),
	po_number    TEXT NOT NULL,
	partner_qual TEXT NOT NULL,
	partner_id   TEXT NOT NULL,
	partner_gs   TEXT NOT NULL,
	our_qual     TEXT NOT NULL,
	our_id       TEXT NOT NULL,
	our_gs       TEXT NOT NULL,
	body         TEXT NOT NULL,
	file_id      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX edi_orders_po ON edi_orders (partner_id, po_number);

-- Order lines that ship from a supplier instead of a site. state: new
-- (not yet ordered), ordered (our 850 is queued), shipped (the supplier's
-- 856 came).
CREATE TABLE drop_ship_lines (
	order_id  TEXT NOT NULL REFERENCES orders (id),
	line_no   INTEGER NOT NULL,
	supplier  TEXT NOT NULL,
	po_number TEXT NOT NULL DEFAULT '',
	state     TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'ordered', 'shipped', 'cancelled')),
	PRIMARY KEY (order_id, line_no),
	FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no)
) STRICT;
CREATE INDEX drop_ship_lines_po ON drop_ship_lines (po_number);

-- Outbound documents (997, 855, 856, 850), rendered and numbered in the
-- same transaction as the change that causes them; the folder writer
-- writes each to --edi-out once. (kind, ref) is unique: one 855 per
-- order, one 856 per shipment, one 850 per supplier PO, one 997 per file.
CREATE TABLE edi_outbound (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('997', '855', '856', '850')),
	ref        TEXT NOT NULL,
	partner    TEXT NOT NULL,
	order_id   TEXT NOT NULL DEFAULT '',
	control    INTEGER NOT NULL,
	file_name  TEXT NOT NULL UNIQUE,
	body       BLOB NOT NULL,
	created_at TEXT NOT NULL,
	written_at TEXT,
	UNIQUE (kind, ref)
) STRICT;
CREATE INDEX edi_outbound_unwritten ON edi_outbound (written_at, id);
CREATE INDEX edi_outbound_order ON edi_outbound (order_id);

-- Orders the next allocation pass must look at although no stock moved:
-- a shipment left some of their units unallocated (a partial shipment,
-- or a pick list shipped short whose leftover reservation was freed).
CREATE TABLE realloc_wanted (
	order_id TEXT PRIMARY KEY
) STRICT;
