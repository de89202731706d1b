-- 0004: number series (carriers' tracking numbers, sites' SSCCs) and the
-- ranges of them allocated to stations, so stations issue numbers offline
-- and no number is ever issued by two stations.

-- A series and the next serial not yet allocated to any station.
CREATE TABLE number_series (
	series     TEXT PRIMARY KEY,
	next       INTEGER NOT NULL,
	last       INTEGER NOT NULL,    -- the highest serial the format holds
	updated_at TEXT NOT NULL,
	CHECK (next >= 0 AND next <= last + 1)
) STRICT;

-- Every range handed out, to exactly one station.
CREATE TABLE number_ranges (
	series       TEXT NOT NULL REFERENCES number_series (series),
	first        INTEGER NOT NULL,
	last         INTEGER NOT NULL,
	site         TEXT NOT NULL,
	station      TEXT NOT NULL,
	event_id     TEXT NOT NULL UNIQUE, -- the task.tracking_range that carries it
	allocated_at TEXT NOT NULL,
	PRIMARY KEY (series, first),
	UNIQUE (series, last),
	CHECK (first >= 0 AND first <= last)
) STRICT;
CREATE INDEX number_ranges_station ON number_ranges (site, station, series);

-- Two ranges of a series never overlap, whatever the code above does.
CREATE TRIGGER number_ranges_no_overlap BEFORE INSERT ON number_ranges
WHEN EXISTS (SELECT 1 FROM number_ranges WHERE series = NEW.series AND first <= NEW.last AND last >= NEW.first)
BEGIN
	SELECT RAISE(ABORT, 'number range overlaps one already allocated');
END;
