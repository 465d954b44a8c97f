package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/internal/testutil"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// t0 is the tests' clock: whole milliseconds, as the database keeps them.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable time source for DB.Now.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// mustOpen opens a new database in the test's temporary folder, with its
// clock at t0, and closes it when the test ends.
func mustOpen(t testing.TB) (*sqlite.DB, *clock) {
	t.Helper()
	return mustOpenPath(t, filepath.Join(t.TempDir(), "hookwatch.db"))
}

func mustOpenPath(t testing.TB, path string) (*sqlite.DB, *clock) {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	c := &clock{now: t0}
	db.Now = c.Now
	return db, c
}

func mustSite(t testing.TB, db *sqlite.DB, domain string, plausibleID uint64) *core.Site {
	t.Helper()
	s := &core.Site{Domain: domain, PlausibleID: plausibleID}
	if err := sqlite.NewSiteService(db).CreateSite(context.Background(), s); err != nil {
		t.Fatalf("CreateSite(%s): %v", domain, err)
	}
	return s
}

func mustWebhook(t testing.TB, db *sqlite.DB, domain string) *core.Webhook {
	t.Helper()
	w := &core.Webhook{Site: domain, URL: "https://hooks.example.com/" + domain, Events: []core.EventType{core.EventGoal}}
	if err := sqlite.NewWebhookService(db).CreateWebhook(context.Background(), w); err != nil {
		t.Fatalf("CreateWebhook(%s): %v", domain, err)
	}
	return w
}

func mustGoal(t testing.TB, db *sqlite.DB, domain, event string) *core.Goal {
	t.Helper()
	return testutil.Goal(t, sqlite.NewGoalService(db), &core.Goal{Site: domain, EventName: event})
}

// wantError fails the test unless err has the code and field.
func wantError(t testing.TB, err error, code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s on field %q", code, field)
	}
	if got := core.ErrorCode(err); got != code {
		t.Fatalf("error code = %s, want %s (error: %v)", got, code, err)
	}
	if got := core.ErrorField(err); got != field {
		t.Fatalf("error field = %q, want %q (error: %v)", got, field, err)
	}
}

func countWebhooks(t testing.TB, db *sqlite.DB) int {
	t.Helper()
	hooks, err := sqlite.NewWebhookService(db).FindWebhooks(context.Background(), core.WebhookFilter{})
	if err != nil {
		t.Fatalf("FindWebhooks: %v", err)
	}
	return len(hooks)
}
