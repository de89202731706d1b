-- 0004: shipping. Number ranges central allocated to this station (a
-- carrier's tracking numbers, the site's SSCCs), each number issued from
-- them, and shipments waiting for their carrier's end-of-day close-out.

-- One row per range. next is the next serial to issue; next = last + 1
-- once the range is used up. A range is applied once (event_id).
CREATE TABLE number_ranges (
	id          INTEGER PRIMARY KEY,
	series      TEXT NOT NULL,
	first       INTEGER NOT NULL,
	last        INTEGER NOT NULL,
	next        INTEGER NOT NULL,
	event_id    TEXT NOT NULL UNIQUE,
	received_at TEXT NOT NULL,
	CHECK (first >= 0 AND first <= last AND next >= first AND next <= last + 1),
	UNIQUE (series, first)
) STRICT;

-- Two ranges of a series never overlap, whatever central sends.
CREATE TRIGGER number_ranges_no_overlap BEFORE INSERT ON number_ranges
WHEN EXISTS (SELECT 1 FROM number_ranges WHERE series = NEW.series AND first <= NEW.last AND last >= NEW.first)
BEGIN
	SELECT RAISE(ABORT, 'number range overlaps one already held');
END;

-- Every serial issued, committed with the range's next bump: the primary
-- key makes issuing one twice impossible, and it is the audit of what was used.
CREATE TABLE issued_numbers (
	series    TEXT NOT NULL,
	serial    INTEGER NOT NULL,
	issued_at TEXT NOT NULL,
	PRIMARY KEY (series, serial)
) STRICT, WITHOUT ROWID;

-- End-of-day close-outs, one per carrier and time.
CREATE TABLE manifests (
	id        TEXT PRIMARY KEY,
	carrier   TEXT NOT NULL,
	closed_at TEXT NOT NULL,
	shipments INTEGER NOT NULL
) STRICT;

-- Shipments labelled at this station (body: oms.Shipment JSON), until a
-- close-out puts them on a manifest.
CREATE TABLE shipments (
	shipment_id TEXT PRIMARY KEY,
	carrier     TEXT NOT NULL,
	order_id    TEXT NOT NULL,
	tracking    TEXT NOT NULL,
	body        TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	manifest_id TEXT REFERENCES manifests (id)
) STRICT;
CREATE INDEX shipments_open ON shipments (carrier, manifest_id);
