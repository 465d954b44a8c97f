package sqlite

import (
	"context"
	"strconv"

	"github.com/hookwatch/hookwatch/core"
)

// OthersVersion returns a number that changes whenever another process
// commits to the database, and stays the same across this DB's own
// commits: SQLite's data_version as the writer connection sees it. Poll it
// to notice soon, and cheaply, work that another process queued, such as
// `hookwatch redeliver`; the number itself means nothing, only a change.
func (db *DB) OthersVersion(ctx context.Context) (int64, error) {
	// Only on the writer: the readers are several connections, and each
	// counts the others' commits, this DB's writer's included. Prepared
	// once, since the engine asks every few milliseconds.
	rows, err := db.writerQuery(ctx, dataVersionSQL)
	if err != nil {
		return 0, dbError("read data_version", err)
	}
	defer rows.Close()
	var v int64
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, dbError("read data_version", err)
		}
		return 0, core.Errorf(core.EINTERNAL, "database: read data_version: no row")
	}
	if err := rows.Scan(&v); err != nil {
		return 0, dbError("read data_version", err)
	}
	return v, nil
}

// dataVersionSQL reads the number OthersVersion returns.
const dataVersionSQL = `PRAGMA data_version`

// WebhookChanges returns the webhooks created or changed after change
// number since, and the ids of those deleted after it, in change order, at
// most limit webhooks (0: no limit). The change numbers are kept by the
// triggers of migration 0007, one per change and never shared, so an
// answer when nothing changed costs one single-row read, and pages never
// overlap. A since beyond the database's own number (a database restored
// from a backup) is read as 0, with Reset set.
func (s *WebhookService) WebhookChanges(ctx context.Context, since int64, limit int) (*core.WebhookChanges, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return webhookChanges(ctx, tx, since, limit)
}

func webhookChanges(ctx context.Context, tx *Tx, since int64, limit int) (*core.WebhookChanges, error) {
	out := &core.WebhookChanges{}
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM webhook_changes`).Scan(&out.Version); err != nil {
		return nil, dbError("read webhook changes", err)
	}
	if since > out.Version {
		since, out.Reset = 0, true
	}
	if since == out.Version {
		return out, nil
	}
	tail := "ORDER BY w.change_seq"
	if limit > 0 {
		tail += " LIMIT " + strconv.Itoa(limit+1) // one more, to know whether more follow
	}
	changed, err := queryWebhooks(ctx, tx, "w.change_seq > ?", tail, since)
	if err != nil {
		return nil, err
	}
	out.Changed = changed
	if limit > 0 && len(out.Changed) > limit {
		out.Changed, out.More = out.Changed[:limit], true
		// The page ends at its last change; the next is read from there.
		if err := tx.QueryRowContext(ctx, `SELECT change_seq FROM webhooks WHERE id = ?`, out.Changed[limit-1].ID).Scan(&out.Version); err != nil {
			return nil, dbError("read webhook changes", err)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM webhook_tombstones WHERE change_seq > ? AND change_seq <= ? ORDER BY change_seq`, since, out.Version)
	if err != nil {
		return nil, dbError("read deleted webhooks", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, dbError("read deleted webhooks", err)
		}
		out.Deleted = append(out.Deleted, id)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("read deleted webhooks", err)
	}
	return out, nil
}

// Counts returns how many sites and webhooks the database holds, without
// reading them: for the line logged at start, which at 100,000 webhooks
// must not cost a read of every one.
func (db *DB) Counts(ctx context.Context) (sites, webhooks int, err error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	return countSitesAndWebhooks(ctx, tx)
}

func countSitesAndWebhooks(ctx context.Context, tx *Tx) (sites, webhooks int, err error) {
	err = tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM sites), (SELECT count(*) FROM webhooks)`).Scan(&sites, &webhooks)
	if err != nil {
		return 0, 0, dbError("count sites and webhooks", err)
	}
	return sites, webhooks, nil
}

// ConfigVersion returns the number of the last change to the sites and
// goals, kept by the triggers of migration 0009: a reader that read them
// after seeing a number may keep what it read while the number stays.
func (s *SiteService) ConfigVersion(ctx context.Context) (int64, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	return configVersion(ctx, tx)
}

func configVersion(ctx context.Context, tx *Tx) (int64, error) {
	var v int64
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM config_changes`).Scan(&v); err != nil {
		return 0, dbError("read config changes", err)
	}
	return v, nil
}
