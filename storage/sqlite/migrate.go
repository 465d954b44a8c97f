package sqlite

import (
	"context"
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

// migrate brings the schema up to the newest migration in fsys. Several
// processes may open a new database at once, so each step re-reads the
// version inside its own immediate transaction and skips a step that
// another process has applied meanwhile.
func (db *DB) migrate(ctx context.Context, fsys fs.FS) error {
	migs, err := loadMigrations(fsys)
	if err != nil {
		return dbError("load migrations", err)
	}
	latest := len(migs)

	var version, tables int
	if err := db.writer.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return dbError("read schema version", err)
	}
	if version > latest {
		return newerSchema(version, latest)
	}
	if version == latest {
		return nil
	}
	if err := db.writer.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		return dbError("read schema", err)
	}
	if version == 0 && tables > 0 {
		return &core.Error{Code: core.ECONFLICT, Message: fmt.Sprintf("%s is not a hookwatch database (it has tables but no hookwatch schema version)", db.path)}
	}
	if version > 0 {
		if _, err := db.backup(ctx, version); err != nil {
			return err
		}
	}

	for _, m := range migs[version:] {
		if err := db.applyMigration(ctx, m, latest); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration applies m unless the database is already past it.
func (db *DB) applyMigration(ctx context.Context, m migration, latest int) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return dbError("read schema version", err)
	}
	if version > latest {
		return newerSchema(version, latest)
	}
	if version >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return dbError("migration "+m.name, err)
	}
	// PRAGMA takes no parameters; m.version is an int we produced.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return dbError("migration "+m.name, err)
	}
	return tx.commit()
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
