// Package sqlite stores hookwatch's sites, goals, webhooks, outbox and
// trigger state in one SQLite file, through modernc.org/sqlite (no cgo).
//
// Every exported method runs in its own transaction. Writes go through one
// connection that begins with BEGIN IMMEDIATE, so that two processes (the
// engine and a CLI command, say) queue for the write lock at the start of a
// transaction instead of failing with "database is locked" halfway through
// it; reads go through a separate pool of read-only connections and never
// wait for a writer, since the database is in WAL mode.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// busyTimeout is how long a connection waits for another process's lock.
// Write transactions are short, so 10 s is only reached by a stuck process.
const busyTimeout = 10 * time.Second

// DB is an open hookwatch database. Its services (NewSiteService and the
// rest) share it; Close it when they are all done.
type DB struct {
	// Now returns the current time. Tests replace it before use to move
	// the clock; it must not be changed while the services are in use.
	Now func() time.Time

	path   string
	writer *sql.DB // one connection, BEGIN IMMEDIATE
	reader *sql.DB // read-only connections, BEGIN DEFERRED

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // the writer's, by query; see Tx.stmt
}

// DefaultPath returns where the database lives when the user names none:
// hookwatch.db in hookwatch's folder under the user's config directory,
// which it creates, private to the user.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", core.Errorf(core.EINTERNAL, "find the config directory for the database: %v (give --db PATH)", err)
	}
	dir = filepath.Join(dir, "hookwatch")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", core.Errorf(core.EINTERNAL, "create %s: %v", dir, err)
	}
	return filepath.Join(dir, "hookwatch.db"), nil
}

// Open opens the database at path, creating it with mode 0600 if it does not
// exist, and brings its schema up to date. A database written by a newer
// hookwatch is refused with ECONFLICT. Before a migration changes an existing
// database, Open copies it aside as PATH.bak-v<version>-<time>.
func Open(path string) (*DB, error) {
	return openFS(path, migrationFS)
}

func openFS(path string, migrations migrationSource) (_ *DB, err error) {
	if path == "" {
		return nil, core.FieldErrorf("db", "is required")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, core.Errorf(core.EINTERNAL, "database path %s: %v", path, err)
	}
	created, err := createPrivate(abs)
	if err != nil {
		return nil, err
	}

	db := &DB{Now: time.Now, path: abs}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	if db.writer, err = sql.Open("sqlite", dsn(abs, true)); err != nil {
		return nil, core.Errorf(core.EINTERNAL, "open %s: %v", abs, err)
	}
	// One writer connection per process: writers of one process queue in
	// database/sql, where waiting is cheap and fair, and only writers of
	// different processes meet in SQLite's busy handler.
	db.writer.SetMaxOpenConns(1)
	db.writer.SetConnMaxIdleTime(0)
	if db.reader, err = sql.Open("sqlite", dsn(abs, false)); err != nil {
		return nil, core.Errorf(core.EINTERNAL, "open %s: %v", abs, err)
	}
	db.reader.SetMaxOpenConns(4)

	if err := db.ping(); err != nil {
		return nil, core.Errorf(core.EINTERNAL, "open %s: %v", abs, err)
	}
	if created {
		// SQLite gives -wal and -shm the main file's mode; make sure
		// of it, since they hold the same secrets.
		privatizeSidecars(abs)
	}
	if err := db.migrate(context.Background(), migrations); err != nil {
		return nil, err
	}
	return db, nil
}

// ping opens the writer's connection, which sets its pragmas. Processes
// opening a new database at once race to switch it to WAL, and SQLite
// answers the losers SQLITE_BUSY without waiting through busy_timeout:
// ping tries again for as long as busy_timeout would have waited.
func (db *DB) ping() error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := db.writer.PingContext(context.Background())
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes the database. The services must not be used afterwards.
func (db *DB) Close() error {
	var errs []error
	db.stmtMu.Lock()
	for _, st := range db.stmts {
		errs = append(errs, st.Close())
	}
	db.stmts = nil
	db.stmtMu.Unlock()
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	if db.writer != nil {
		errs = append(errs, db.writer.Close())
	}
	return errors.Join(errs...)
}

// dsn returns the modernc.org/sqlite data source name for path. The writer
// begins its transactions IMMEDIATE, taking the write lock before the first
// read, so that a transaction never has to upgrade a read lock, which is
// what fails with SQLITE_BUSY regardless of busy_timeout. Readers are
// query_only so that a mistake cannot write through them. The writer keeps
// temporary files in memory: a multi-row statement inside a transaction
// journals the pages it changes so that it can be undone alone, and past
// 64 KiB SQLite spills that journal to a temporary file, a write system
// call a page, which a batch of recorded attempts always reached.
func dsn(path string, writer bool) string {
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()),
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
	}
	if writer {
		q = append(q, "_pragma=journal_mode(WAL)", "_pragma=temp_store(MEMORY)", "_txlock=immediate")
	} else {
		q = append(q, "_pragma=query_only(1)")
	}
	return "file:" + escapePath(path) + "?" + strings.Join(q, "&")
}

// escapePath escapes the characters that would end the path of a file: URI.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// createPrivate creates path with mode 0600 if it is missing, so that
// SQLite never creates it with the umask's looser default. It reports
// whether it created the file.
func createPrivate(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	} else if err != nil {
		return false, core.Errorf(core.EINTERNAL, "create database %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return false, core.Errorf(core.EINTERNAL, "create database %s: %v", path, err)
	}
	return true, nil
}

func privatizeSidecars(path string) {
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Chmod(path+suffix, 0o600) // missing until first used: fine
	}
}

// Tx is a transaction with the time it began, which every write in it
// stamps, so that one transaction's rows agree on "now".
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
}

// beginWrite starts a write transaction; it holds the write lock from the
// start. The caller must Commit or Rollback it.
func (db *DB) beginWrite(ctx context.Context) (*Tx, error) {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, dbError("begin", err)
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC()}, nil
}

// beginRead starts a read-only transaction, a consistent snapshot that
// takes no write lock. The caller must Rollback it.
func (db *DB) beginRead(ctx context.Context) (*Tx, error) {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, dbError("begin", err)
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC()}, nil
}

// prepare parses queries on the writer once per process, for Tx.stmt. It
// is for the few hot statements whose parsing costs as much as running
// them (the multi-row statements of RecordAttempts), so the cache stays
// small. It must be called outside a write transaction, which holds the
// writer's only connection.
func (db *DB) prepare(ctx context.Context, queries []string) error {
	for _, q := range queries {
		db.stmtMu.Lock()
		cached := db.stmts[q] != nil
		db.stmtMu.Unlock()
		if cached {
			continue
		}
		// Not under stmtMu: preparing waits for the writer, whose
		// transaction may need stmtMu to finish.
		st, err := db.writer.PrepareContext(ctx, q)
		if err != nil {
			return dbError("prepare", err)
		}
		db.stmtMu.Lock()
		if db.stmts == nil {
			db.stmts = make(map[string]*sql.Stmt)
		}
		if db.stmts[q] == nil {
			db.stmts[q], st = st, nil
		}
		db.stmtMu.Unlock()
		if st != nil {
			st.Close() // another caller prepared it meanwhile
		}
	}
	return nil
}

// stmt returns query ready to run in tx: from DB.prepare's cache, since
// the writer has one connection and its statements stay prepared on it,
// or else parsed for tx alone.
func (tx *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	tx.db.stmtMu.Lock()
	st := tx.db.stmts[query]
	tx.db.stmtMu.Unlock()
	if st != nil {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

// writerQuery runs a read-only query on the writer's connection, outside
// any transaction, prepared once per process (see prepare). It is for the
// engine's hot reads, which a reader connection would make after throwing
// its page cache away (see DeliveryService.DueDeliveries). It waits for a
// write transaction in progress, so it must not be called inside one.
func (db *DB) writerQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := db.prepare(ctx, []string{query}); err != nil {
		return nil, err
	}
	db.stmtMu.Lock()
	st := db.stmts[query]
	db.stmtMu.Unlock()
	if st == nil {
		return nil, core.Errorf(core.EINTERNAL, "database closed")
	}
	return st.QueryContext(ctx, args...)
}

// commit commits tx and wraps a failure.
func (tx *Tx) commit() error {
	if err := tx.Commit(); err != nil {
		return dbError("commit", err)
	}
	return nil
}

// dbError wraps a driver error as EINTERNAL, saying what was being done.
// A *core.Error passes through unchanged.
func dbError(what string, err error) error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	return core.Errorf(core.EINTERNAL, "database: %s: %w", what, err)
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
