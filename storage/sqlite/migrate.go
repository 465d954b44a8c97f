package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hookwatch/hookwatch/core"
)

// migrationFS holds the schema's migrations, migrations/NNNN_name.sql, numbered
// from 1 without gaps. The database's PRAGMA user_version is the number of
// the last one applied. Never edit a released migration; add a new one.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationSource is where migrate reads migrations/*.sql; tests give it a
// subset to build a database at an older version.
type migrationSource = fs.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the migrations in order, checking their numbering.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []migration
	for i, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	return out, nil
}

// migrate brings the schema up to the newest migration in fsys. All the
// missing steps are applied in one immediate transaction, so that another
// process opening the same file at the same moment sees the schema either
// as it was or complete, never half-way; that process re-reads the version
// under the lock and finds nothing left to do.
func (db *DB) migrate(ctx context.Context, fsys fs.FS) error {
	migs, err := loadMigrations(fsys)
	if err != nil {
		return dbError("load migrations", err)
	}
	latest := len(migs)

	version, err := db.checkSchema(ctx, db.writer, latest)
	if err != nil || version == latest {
		return err
	}
	if version > 0 {
		if _, err := db.backup(ctx, version); err != nil {
			return err
		}
	}

	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if version, err = db.checkSchema(ctx, tx, latest); err != nil || version == latest {
		return err
	}
	for _, m := range migs[version:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return dbError("migration "+m.name, err)
		}
	}
	// PRAGMA takes no parameters; latest is an int we produced.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", latest)); err != nil {
		return dbError("set schema version", err)
	}
	return tx.commit()
}

// checkSchema returns the schema version, refusing a version newer than
// latest and a file with tables but no version, which is some other
// program's database. It reads both in one statement, one snapshot.
func (db *DB) checkSchema(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, latest int) (int, error) {
	var version, tables int
	err := q.QueryRowContext(ctx, `SELECT (SELECT user_version FROM pragma_user_version),
		(SELECT count(*) FROM sqlite_schema)`).Scan(&version, &tables)
	switch {
	case err != nil:
		return 0, dbError("read schema version", err)
	case version > latest:
		return 0, newerSchema(version, latest)
	case version == 0 && tables > 0:
		return 0, &core.Error{Code: core.ECONFLICT, Message: fmt.Sprintf(
			"%s is not a hookwatch database (it has tables but no hookwatch schema version)", db.path)}
	}
	return version, nil
}

func newerSchema(version, latest int) error {
	return &core.Error{Code: core.ECONFLICT, Message: fmt.Sprintf(
		"database schema version %d is newer than this hookwatch (knows up to %d); upgrade hookwatch", version, latest)}
}

// backup copies the database aside as PATH.bak-v<version>-<UTC time> with
// VACUUM INTO, which writes a consistent snapshot even while another
// process writes. It returns the copy's path.
func (db *DB) backup(ctx context.Context, version int) (string, error) {
	stamp := db.Now().UTC().Format("20060102T150405Z")
	base := fmt.Sprintf("%s.bak-v%d-%s", db.path, version, stamp)
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		// VACUUM INTO accepts an empty file, so create it first with
		// the database's private mode.
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		} else if err != nil {
			return "", dbError("back up before migrating", err)
		}
		f.Close()
		if _, err := db.writer.ExecContext(ctx, `VACUUM INTO ?`, name); err != nil {
			os.Remove(name)
			return "", dbError("back up before migrating to "+name, err)
		}
		return name, nil
	}
}
