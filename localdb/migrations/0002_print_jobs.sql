-- Print spool bookkeeping for settling a send whose delivery is in doubt
-- (station killed mid-send, connection broken): how many labels the job
-- holds, how many are known printed, and the printer's label odometer read
-- right before the current send (-1: the printer cannot report it).
ALTER TABLE print_jobs ADD COLUMN labels INTEGER NOT NULL DEFAULT 1;
ALTER TABLE print_jobs ADD COLUMN labels_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE print_jobs ADD COLUMN odometer_before INTEGER NOT NULL DEFAULT -1;
