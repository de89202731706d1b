-- 0003: exceptions central sent back about this station's work (an order
-- cancelled while it was packed...), kept until someone acknowledges them.
CREATE TABLE exceptions (
	id              INTEGER PRIMARY KEY,
	event_id        TEXT NOT NULL UNIQUE,
	order_id        TEXT NOT NULL DEFAULT '',
	code            TEXT NOT NULL,
	message         TEXT NOT NULL,
	action          TEXT NOT NULL DEFAULT '',
	ref             TEXT NOT NULL DEFAULT '',
	at              TEXT NOT NULL,
	acknowledged_at TEXT,
	acknowledged_by TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX exceptions_open ON exceptions (acknowledged_at, id);
