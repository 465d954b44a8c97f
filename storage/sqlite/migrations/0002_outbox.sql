-- The durable outbox: a delivery is written before its first attempt, and
-- every HTTP request is logged as an attempt.

CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY,
	webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	msg_id          TEXT    NOT NULL,
	event_key       TEXT    NOT NULL,
	event_type      TEXT    NOT NULL,
	payload         BLOB    NOT NULL,
	state           TEXT    NOT NULL CHECK (state IN ('pending', 'retrying', 'succeeded', 'failed')),
	attempt_count   INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	UNIQUE (webhook_id, event_key)
) STRICT;

-- The workers' question: what is due now?
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE state IN ('pending', 'retrying');
-- A webhook's deliveries, newest first.
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);

CREATE TABLE attempts (
	id               INTEGER PRIMARY KEY,
	delivery_id      INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
	started_at       INTEGER NOT NULL,
	duration_us      INTEGER NOT NULL,
	status           INTEGER NOT NULL DEFAULT 0,
	request_headers  TEXT,    -- JSON object of arrays
	response_headers TEXT,    -- JSON object of arrays
	response_body    TEXT    NOT NULL DEFAULT '',
	error            TEXT    NOT NULL DEFAULT '',
	interrupted      INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX attempts_delivery ON attempts (delivery_id, started_at);
CREATE INDEX attempts_started ON attempts (started_at);
