-- Revisable goal buckets: per goal and 10 s bucket of event time, the
-- completions reported so far, written in the same transaction as the
-- deliveries that reported them, so that a crash neither repeats nor skips
-- a completion. goal_watermarks.until becomes the start of the goal's
-- oldest open bucket; a value left by an older hookwatch is the end of its
-- last counted window, and what was stamped before it counts as reported.

CREATE TABLE goal_buckets (
	goal_id  INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
	start    INTEGER NOT NULL, -- unix seconds
	reported INTEGER NOT NULL,
	PRIMARY KEY (goal_id, start)
) STRICT, WITHOUT ROWID;

-- The start of the oldest closed bucket not yet recounted; NULL for none.
ALTER TABLE goal_watermarks ADD COLUMN recount_from INTEGER;

-- Completions found by a closed bucket's last recount, never sent.
ALTER TABLE poll_status ADD COLUMN late_events INTEGER NOT NULL DEFAULT 0;
