-- 0006: a station's own event that central refuses (a type it does not
-- know yet, a payload over the limit) takes its place in the station's
-- sequence instead of leaving a gap the station's later events wait on
-- for ever: it is kept in dead_letters with its station, seq and id, and
-- raised as an exception. Parked events remember a refusal until their
-- turn comes.
ALTER TABLE dead_letters ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE dead_letters ADD COLUMN station TEXT NOT NULL DEFAULT '';
ALTER TABLE dead_letters ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dead_letters ADD COLUMN event_id TEXT NOT NULL DEFAULT '';
ALTER TABLE parked_events ADD COLUMN refused TEXT NOT NULL DEFAULT '';
