package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func TestOthersVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookwatch.db")
	db, _ := mustOpenPath(t, path)
	other, _ := mustOpenPath(t, path) // another process, as far as SQLite can tell
	mustSite(t, db, "shop.example.com", 1)
	w := mustWebhook(t, db, "shop.example.com")
	version := func() int64 {
		t.Helper()
		v, err := db.OthersVersion(ctx)
		if err != nil {
			t.Fatalf("OthersVersion: %v", err)
		}
		return v
	}
	enqueue := func(db *sqlite.DB, key string) {
		t.Helper()
		err := sqlite.NewDeliveryService(db).Enqueue(ctx, []core.NewDelivery{{WebhookID: w.ID, EventKey: key, EventType: core.EventGoal, Payload: []byte(`{}`)}})
		if err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
	}

	before := version()
	enqueue(db, "own")
	t.Run("stays across its own commits", func(t *testing.T) {
		if v := version(); v != before {
			t.Errorf("version %d after an own commit; want %d", v, before)
		}
	})
	enqueue(other, "others")
	t.Run("changes after another's commit", func(t *testing.T) {
		if v := version(); v == before {
			t.Errorf("version still %d after another connection's commit", v)
		}
	})
}
