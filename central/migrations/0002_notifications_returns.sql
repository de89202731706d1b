-- 0002: notification channels, delivery times, and where an RMA goes.

-- The notification channels configured now (email, webhook). omsd
-- rewrites this at start from its config; an order's state change queues
-- one notification per row here, in the change's own transaction.
CREATE TABLE notify_channels (
	channel TEXT PRIMARY KEY CHECK (channel IN ('email', 'webhook'))
) STRICT;

ALTER TABLE notifications ADD COLUMN sent_at TEXT;

-- The site and station an RMA was sent to, and the condition the
-- customer said the goods are in.
ALTER TABLE returns ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE returns ADD COLUMN station TEXT NOT NULL DEFAULT '';
ALTER TABLE returns ADD COLUMN expected_condition TEXT NOT NULL DEFAULT '';
CREATE INDEX returns_station ON returns (site, station, state);
