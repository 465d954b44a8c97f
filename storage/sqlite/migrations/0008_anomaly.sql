-- Traffic alerts relative to normal: a webhook's spike or drop rule may be
-- an anomaly rule instead of a threshold, and the poller keeps each site's
-- baseline of the current hour of the week here for the window, `status`
-- and `webhook list`, which do not read ClickHouse.

ALTER TABLE webhooks ADD COLUMN spike_anomaly INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN drop_anomaly INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN sensitivity TEXT NOT NULL DEFAULT 'medium';
ALTER TABLE webhooks ADD COLUMN min_visitors INTEGER NOT NULL DEFAULT 10;
ALTER TABLE webhooks ADD COLUMN baseline_weeks INTEGER NOT NULL DEFAULT 4;

CREATE TABLE baselines (
	site_id        INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	weeks          INTEGER NOT NULL,
	slot           INTEGER NOT NULL, -- start of the slot hour, unix ms
	history_days   INTEGER NOT NULL,
	samples        INTEGER NOT NULL,
	spike_expected REAL    NOT NULL,
	spike_spread   REAL    NOT NULL,
	drop_expected  REAL    NOT NULL,
	drop_spread    REAL    NOT NULL,
	computed_at    INTEGER NOT NULL,
	PRIMARY KEY (site_id, weeks)
) STRICT;
