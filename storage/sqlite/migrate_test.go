package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/hookwatch/hookwatch/core"
)

// firstMigrations returns the first n real migrations, to build a database
// as an older hookwatch left it.
func firstMigrations(t *testing.T, n int) fs.FS {
	t.Helper()
	migs, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) <= n {
		t.Fatalf("have %d migrations, need more than %d for this test", len(migs), n)
	}
	m := fstest.MapFS{}
	for _, mig := range migs[:n] {
		m["migrations/"+mig.name] = &fstest.MapFile{Data: []byte(mig.sql)}
	}
	return m
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()

	t.Run("backs up an existing database before migrating it", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hookwatch.db")
		old, err := openFS(path, firstMigrations(t, 1))
		if err != nil {
			t.Fatal(err)
		}
		if err := NewSiteService(old).CreateSite(ctx, &core.Site{Domain: "example.com", PlausibleID: 3}); err != nil {
			t.Fatal(err)
		}
		old.Close()

		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()

		backups, _ := filepath.Glob(path + ".bak-v1-*")
		if len(backups) != 1 {
			t.Fatalf("backups = %v, want one PATH.bak-v1-*", backups)
		}
		fi, err := os.Stat(backups[0])
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("backup mode = %o, want 600", mode)
		}
		bak, err := sql.Open("sqlite", "file:"+backups[0]+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer bak.Close()
		var version int
		var domain string
		if err := bak.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
			t.Fatal(err)
		}
		if err := bak.QueryRow(`SELECT domain FROM sites`).Scan(&domain); err != nil {
			t.Fatal(err)
		}
		if version != 1 || domain != "example.com" {
			t.Errorf("backup has version %d and site %q, want 1 and example.com", version, domain)
		}

		// The migrated database has the old data and the new tables.
		if _, err := NewSiteService(db).FindSiteByDomain(ctx, "example.com"); err != nil {
			t.Errorf("site lost in migration: %v", err)
		}
		if _, err := NewDeliveryService(db).DeliveryStats(ctx); err != nil {
			t.Errorf("outbox missing after migration: %v", err)
		}
	})

	t.Run("makes no backup of a new or current database", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hookwatch.db")
		for range 2 {
			db, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
		}
		if backups, _ := filepath.Glob(path + ".bak-*"); len(backups) != 0 {
			t.Errorf("backups = %v, want none", backups)
		}
	})

	t.Run("numbers the embedded migrations without gaps", func(t *testing.T) {
		migs, err := loadMigrations(migrationFS)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range migs {
			if m.version != i+1 {
				t.Errorf("%s has version %d, want %d", m.name, m.version, i+1)
			}
		}
	})

	t.Run("refuses migrations with a gap", func(t *testing.T) {
		m := fstest.MapFS{
			"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
			"migrations/0003_c.sql": {Data: []byte("CREATE TABLE c (x INTEGER);")},
		}
		if _, err := loadMigrations(m); err == nil {
			t.Error("loadMigrations accepted 0001, 0003")
		}
	})
}
