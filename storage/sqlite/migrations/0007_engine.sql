-- What the delivery engine needs to stay cheap at 100,000 webhooks.
--
-- A change counter for its webhook cache: every insert, update or delete of
-- a webhook takes the next number, so that the engine reads only the rows
-- changed since the number it last saw instead of every webhook. Triggers,
-- not the Go code, keep it, so that no write path (an edit, a disable by the
-- retry policy, a cascade from a deleted site) can be missed.
CREATE TABLE webhook_changes (
	seq INTEGER NOT NULL -- the last number taken; one row
) STRICT;

-- Numbers are never shared, so that a reader can page through them. The
-- webhooks already there take their ids; the counter starts past them,
-- and at 1 at least, so that 0 means "never read".
ALTER TABLE webhooks ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE webhooks SET change_seq = id;
INSERT INTO webhook_changes (seq) SELECT coalesce(max(id), 0) + 1 FROM webhooks;
CREATE INDEX webhooks_change_seq ON webhooks (change_seq);

-- Deleted webhooks, with the number of their deletion.
CREATE TABLE webhook_tombstones (
	id         INTEGER PRIMARY KEY,
	change_seq INTEGER NOT NULL
) STRICT;

CREATE TRIGGER webhooks_changed_insert AFTER INSERT ON webhooks BEGIN
	UPDATE webhook_changes SET seq = seq + 1;
	UPDATE webhooks SET change_seq = (SELECT seq FROM webhook_changes) WHERE id = NEW.id;
	DELETE FROM webhook_tombstones WHERE id = NEW.id; -- SQLite may reuse a deleted rowid
END;

-- The WHEN clause leaves out the trigger's own UPDATE.
CREATE TRIGGER webhooks_changed_update AFTER UPDATE ON webhooks WHEN NEW.change_seq = OLD.change_seq BEGIN
	UPDATE webhook_changes SET seq = seq + 1;
	UPDATE webhooks SET change_seq = (SELECT seq FROM webhook_changes) WHERE id = NEW.id;
END;

CREATE TRIGGER webhooks_changed_delete AFTER DELETE ON webhooks BEGIN
	UPDATE webhook_changes SET seq = seq + 1;
	INSERT OR REPLACE INTO webhook_tombstones (id, change_seq) VALUES (OLD.id, (SELECT seq FROM webhook_changes));
END;

-- Each attempt's number in the retry schedule (1 for the first), as the
-- engine counted it when it made the attempt; 0 for attempts logged before
-- this migration.
ALTER TABLE attempts ADD COLUMN number INTEGER NOT NULL DEFAULT 0;

-- The engine reads first attempts and retries separately, each by due
-- time. A pending delivery has never been attempted (a redelivery makes it
-- pending again, with its count reset) and a retrying one has, so one
-- index per state lets a read of retries skip every due first attempt,
-- which the one index of both states made it walk over.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due_pending ON deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX deliveries_due_retrying ON deliveries (next_attempt_at, id) WHERE state = 'retrying';
