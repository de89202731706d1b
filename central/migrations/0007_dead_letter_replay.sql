-- 0007: a station's own event set aside (a refused event, migration 0006)
-- can be applied later, once, by a person: POST /v1/dead-letters/{id}/replay.
-- replayed_at says it was, and when.
ALTER TABLE dead_letters ADD COLUMN replayed_at TEXT;
