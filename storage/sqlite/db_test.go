package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func TestOpen(t *testing.T) {
	t.Run("creates the database and its journal private to the user", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hookwatch.db")
		db, _ := mustOpenPath(t, path)
		mustSite(t, db, "example.com", 1) // a write, so the WAL exists
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if mode := fi.Mode().Perm(); mode != 0o600 {
				t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
			}
		}
	})

	t.Run("keeps data across reopening", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hookwatch.db")
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		mustSite(t, db, "example.com", 7)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db2, _ := mustOpenPath(t, path)
		s, err := sqlite.NewSiteService(db2).FindSiteByDomain(context.Background(), "example.com")
		if err != nil {
			t.Fatal(err)
		}
		if s.PlausibleID != 7 {
			t.Errorf("site_id = %d, want 7", s.PlausibleID)
		}
	})

	t.Run("refuses a database from a newer hookwatch and leaves it alone", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hookwatch.db")
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		setUserVersion(t, path, 99)

		_, err = sqlite.Open(path)
		wantError(t, err, core.ECONFLICT, "")
		want := "database schema version 99 is newer than this hookwatch (knows up to " + strconv.Itoa(latestVersion(t)) + "); upgrade hookwatch"
		if got := core.ErrorMessage(err); got != want {
			t.Errorf("message = %q, want %q", got, want)
		}
		if v := userVersion(t, path); v != 99 {
			t.Errorf("user_version after refusal = %d, want 99", v)
		}
	})

	t.Run("refuses a SQLite file that is not a hookwatch database", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`CREATE TABLE notes (body TEXT)`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		_, err = sqlite.Open(path)
		wantError(t, err, core.ECONFLICT, "")
	})

	t.Run("refuses an empty path", func(t *testing.T) {
		_, err := sqlite.Open("")
		wantError(t, err, core.EINVALID, "db")
	})
}

// TestOpenConcurrently plays 20 processes starting on a database that does
// not exist yet: all of them must open it, one of them creates the schema,
// and none takes the fresh database for an old one that needs a backup.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookwatch.db")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			db, err := sqlite.Open(path)
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			db.Close()
		})
	}
	wg.Wait()
	if backups, _ := filepath.Glob(path + ".bak-*"); len(backups) != 0 {
		t.Errorf("backups = %v, want none of a new database", backups)
	}
	if v, want := userVersion(t, path), latestVersion(t); v != want {
		t.Errorf("user_version = %d, want %d", v, want)
	}
}

// latestVersion is the number of the newest migration, from the files the
// binary embeds.
func latestVersion(t *testing.T) int {
	t.Helper()
	migs, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(migs) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	return len(migs)
}

func TestDefaultPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	path, err := sqlite.DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "hookwatch", "hookwatch.db"); path != want {
		t.Errorf("DefaultPath = %s, want %s", path, want)
	}
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o700 {
		t.Errorf("folder mode = %o, want 700", mode)
	}
}

func setUserVersion(t *testing.T, path string, v int) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`PRAGMA user_version = ` + strconv.Itoa(v)); err != nil {
		t.Fatal(err)
	}
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
