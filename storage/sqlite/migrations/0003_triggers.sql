-- The poller's state, so that a restart neither re-fires nor forgets, and
-- the lease that keeps one engine per database.

CREATE TABLE alert_states (
	webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	type       TEXT    NOT NULL,
	firing     INTEGER NOT NULL,
	last_fired INTEGER,
	PRIMARY KEY (webhook_id, type)
) STRICT;

CREATE TABLE goal_watermarks (
	goal_id INTEGER PRIMARY KEY REFERENCES goals (id) ON DELETE CASCADE,
	until   INTEGER NOT NULL -- end of the last counted window
) STRICT;

CREATE TABLE poll_status (
	id                 INTEGER PRIMARY KEY CHECK (id = 1),
	last_poll_at       INTEGER,
	last_poll_ms       INTEGER NOT NULL,
	clickhouse_ok      INTEGER NOT NULL,
	clickhouse_error   TEXT    NOT NULL,
	clickhouse_since   INTEGER,
	server_version     TEXT    NOT NULL
) STRICT;

CREATE TABLE traffic_samples (
	id               INTEGER PRIMARY KEY,
	site_id          INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	at               INTEGER NOT NULL,
	current_visitors INTEGER NOT NULL,
	fired            TEXT    NOT NULL DEFAULT '' -- comma-separated event types
) STRICT;

CREATE INDEX traffic_samples_site ON traffic_samples (site_id, at);
CREATE INDEX traffic_samples_at ON traffic_samples (at);

CREATE TABLE lease (
	name       TEXT    PRIMARY KEY,
	holder     TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
