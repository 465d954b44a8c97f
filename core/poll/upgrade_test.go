package poll_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// oldDatabase writes, at path, a database as hookwatch left it before
// revisable buckets: today's migrations 0001 to 0004 applied, one site and
// one goal, and the goal's watermark, the end of its last counted window,
// at wm.
func oldDatabase(t *testing.T, path string, pid uint64, wm time.Time) (goalID int64) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range []string{"0001_init.sql", "0002_outbox.sql", "0003_triggers.sql", "0004_digests.sql"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "storage", "sqlite", "migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, st := range []struct {
		q    string
		args []any
	}{
		{"PRAGMA user_version = 4", nil},
		{"INSERT INTO sites (id, domain, plausible_id, created_at, updated_at) VALUES (1, 'upgrade.example', ?, 0, 0)", []any{int64(pid)}},
		{"INSERT INTO goals (id, site_id, kind, name, created_at) VALUES (7, 1, 'event', 'Signup', 0)", nil},
		{"INSERT INTO goal_watermarks (goal_id, until) VALUES (7, ?)", []any{wm.UnixMilli()}},
	} {
		if _, err := db.Exec(st.q, st.args...); err != nil {
			t.Fatalf("%s: %v", st.q, err)
		}
	}
	return 7
}

// TestUpgradeFromWatermarks opens a database of migrations 0001–0004 whose
// goal watermark falls inside a bucket: what was stamped before it was
// reported by the older hookwatch, what was stamped after was not.
func TestUpgradeFromWatermarks(t *testing.T) {
	const pid = 81
	// The old hookwatch's last window ended 5.5 s into a bucket, a while ago.
	bucket := core.BucketStart(time.Now().Add(-40 * time.Second))
	wm := bucket.Add(5500 * time.Millisecond)
	var goalID int64
	e := newEnvFrom(t, func(path string) { goalID = oldDatabase(t, path, pid, wm) })
	site, err := e.stores.sites.FindSiteByDomain(e.ctx, "upgrade.example")
	if err != nil {
		t.Fatal(err)
	}
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	// Reported before the upgrade: before the watermark, in its bucket and
	// the one before. Not yet: after it, in its bucket and the next.
	e.insert(goalEvents(pid, bucket.Add(-5*time.Second), "Signup", "/", 1, 2)...)
	e.insert(goalEvents(pid, bucket.Add(5*time.Second), "Signup", "/", 3, 2)...)
	e.insert(goalEvents(pid, bucket.Add(6*time.Second), "Signup", "/", 5, 3)...)
	e.insert(goalEvents(pid, bucket.Add(12*time.Second), "Signup", "/", 8, 1)...)
	p := e.poller()
	for range 3 {
		e.pollOnce(p)
	}
	t.Run("sends what came after the old watermark, once", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(hook.ID))
		if got := completions(gs, "Signup"); got != 4 {
			t.Errorf("completions sent = %d in %+v; want the 4 stamped after the watermark", got, gs)
		}
		checkWindows(t, gs)
	})
	t.Run("continues from the bucket holding the old watermark", func(t *testing.T) {
		st := e.goalStates()[goalID]
		if st.Recount.IsZero() || st.Recount.After(bucket) || st.Open.Before(bucket) {
			t.Errorf("goal state %+v; want buckets counted from %v", st, bucket)
		}
	})
}
