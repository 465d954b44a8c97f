package sqlite

import "context"

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
