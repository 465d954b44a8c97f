package sqlite

import (
	"context"

	"github.com/hookwatch/hookwatch/core"
)

// OthersVersion returns a number that changes whenever another process
// commits to the database, and stays the same across this DB's own
// commits: SQLite's data_version as the writer connection sees it. Poll it
// to notice soon, and cheaply, work that another process queued, such as
// `hookwatch redeliver`; the number itself means nothing, only a change.
func (db *DB) OthersVersion(ctx context.Context) (int64, error) {
	var v int64
	// Only on the writer: the readers are several connections, and each
	// counts the others' commits, this DB's writer's included.
	if err := db.writer.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return 0, dbError("read data_version", err)
	}
	return v, nil
}

// WebhookChanges returns the webhooks created or changed after change
// number since, and the ids of those deleted after it; since 0 returns every
// webhook. The change numbers are kept by the triggers of migration 0005, so
// an answer when nothing changed costs one single-row read. A since beyond
// the database's own number (a database restored from a backup) is read as
// 0: everything.
func (s *WebhookService) WebhookChanges(ctx context.Context, since int64) (*core.WebhookChanges, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := &core.WebhookChanges{}
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM webhook_changes`).Scan(&out.Version); err != nil {
		return nil, dbError("read webhook changes", err)
	}
	if since > out.Version {
		since = 0
	}
	if since == out.Version {
		return out, nil
	}
	if since == 0 {
		out.Changed, err = queryWebhooks(ctx, tx, "")
		return out, err
	}
	if out.Changed, err = queryWebhooks(ctx, tx, "w.change_seq > ?", since); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM webhook_tombstones WHERE change_seq > ? ORDER BY id`, since)
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
