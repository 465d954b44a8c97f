-- Goal digests: per (webhook, goal), the start of the next digest bucket
-- to report. Written in the same transaction as the goal watermarks and the
-- digest deliveries, so that a restart neither repeats nor skips a digest.

CREATE TABLE digest_marks (
	webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	goal_id    INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
	next_start INTEGER NOT NULL, -- unix ms
	PRIMARY KEY (webhook_id, goal_id)
) STRICT;
