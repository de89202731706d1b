-- 0007: what JetStream has stored is one number, not a column per row.
-- The drainer publishes in seq order and records only the unbroken run
-- JetStream acknowledged, so "stored" is always a prefix of the outbox:
-- everything up to `through`. Marking each row rewrote every outbox row
-- once more between its insert and its delete, the largest write the
-- station did while draining. outbox.sent_at stays for old rows and is no
-- longer written.
CREATE TABLE outbox_sent (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	through INTEGER NOT NULL,
	at      TEXT
) STRICT;
INSERT INTO outbox_sent (id, through, at)
	SELECT 1, coalesce(max(seq), 0), max(sent_at) FROM outbox WHERE sent_at IS NOT NULL;
