-- 0006: labels queued on the spooler whose label.printed event is still to
-- be recorded once the printer has them; kept on disk so a station restart
-- between queueing and printing does not lose the report.
CREATE TABLE label_reports (
	job_id        TEXT PRIMARY KEY,
	operator      TEXT NOT NULL,
	order_id      TEXT NOT NULL,
	order_version INTEGER NOT NULL,
	payload       TEXT NOT NULL, -- the oms.LabelPrinted to record
	created_at    TEXT NOT NULL
) STRICT;
