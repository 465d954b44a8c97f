-- Sites, goals, webhooks and settings: what the user edits.
-- Times are unix milliseconds, UTC. Durations are milliseconds.

CREATE TABLE sites (
	id           INTEGER PRIMARY KEY,
	domain       TEXT    NOT NULL UNIQUE,
	plausible_id INTEGER NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE goals (
	id         INTEGER PRIMARY KEY,
	site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	kind       TEXT    NOT NULL CHECK (kind IN ('event', 'page')),
	name       TEXT    NOT NULL, -- the event name or the page path
	created_at INTEGER NOT NULL,
	UNIQUE (site_id, kind, name)
) STRICT;

CREATE TABLE webhooks (
	id                 INTEGER PRIMARY KEY,
	site_id            INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	url                TEXT    NOT NULL,
	secret             TEXT    NOT NULL,
	prev_secret        TEXT    NOT NULL DEFAULT '',
	prev_secret_until  INTEGER,
	enabled            INTEGER NOT NULL DEFAULT 1,
	disabled_reason    TEXT    NOT NULL DEFAULT '',
	failing_since      INTEGER,
	events             TEXT    NOT NULL,              -- comma-separated event types
	spike_threshold    INTEGER NOT NULL DEFAULT 0,
	drop_threshold     INTEGER NOT NULL DEFAULT 0,
	goals              TEXT    NOT NULL DEFAULT '[]', -- JSON array of goal names
	allow_private      INTEGER NOT NULL DEFAULT 0,
	cooldown_ms        INTEGER NOT NULL,
	send_resolved      INTEGER NOT NULL DEFAULT 0,
	format             TEXT    NOT NULL DEFAULT 'standard',
	headers            TEXT    NOT NULL DEFAULT '{}', -- JSON object
	digest_interval_ms INTEGER NOT NULL DEFAULT 0,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL
) STRICT;

CREATE INDEX webhooks_site_id ON webhooks (site_id);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;
