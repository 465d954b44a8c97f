-- A change counter for the poller: every insert, update or delete of a site
-- or a goal takes the next number, so that a poll reads one row instead of
-- every site and goal when none changed (at 10,000 sites that read was most
-- of a poll's SQLite time). Triggers, not the Go code, keep it, as for the
-- webhooks in 0007, so that no write path (the CLI, the window, a cascade
-- from a deleted site) can be missed.
CREATE TABLE config_changes (
	seq INTEGER NOT NULL -- the last number taken; one row
) STRICT;
INSERT INTO config_changes (seq) VALUES (1);

CREATE TRIGGER sites_changed_insert AFTER INSERT ON sites BEGIN
	UPDATE config_changes SET seq = seq + 1;
END;
CREATE TRIGGER sites_changed_update AFTER UPDATE ON sites BEGIN
	UPDATE config_changes SET seq = seq + 1;
END;
CREATE TRIGGER sites_changed_delete AFTER DELETE ON sites BEGIN
	UPDATE config_changes SET seq = seq + 1;
END;
CREATE TRIGGER goals_changed_insert AFTER INSERT ON goals BEGIN
	UPDATE config_changes SET seq = seq + 1;
END;
CREATE TRIGGER goals_changed_update AFTER UPDATE ON goals BEGIN
	UPDATE config_changes SET seq = seq + 1;
END;
CREATE TRIGGER goals_changed_delete AFTER DELETE ON goals BEGIN
	UPDATE config_changes SET seq = seq + 1;
END;
