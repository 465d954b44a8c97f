package main

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// eventsAt inserts n events stamped ago in the past, as Plausible does
// after a slow flush.
func (s *seeder) eventsAt(ago time.Duration, site uint64, name, path string, n int) {
	s.t.Helper()
	at := time.Now().UTC().Add(-ago).Truncate(time.Second)
	evs := make([]chtest.Event, n)
	s.mu.Lock()
	for i := range evs {
		s.next++
		evs[i] = chtest.Event{Timestamp: at, Name: name, SiteID: site, UserID: piiBase + s.next, SessionID: piiBase + 500000 + s.next,
			Hostname: "example.com", Pathname: path}
	}
	s.mu.Unlock()
	if err := s.srv.InsertEvents(s.db, evs); err != nil {
		s.t.Fatal(err)
	}
}

// uniqueGoalSum sums the completions of goal over the goal.completed
// requests, one per webhook-id, as the Standard Webhooks spec tells a
// receiver to deduplicate: a delivery sent again after a crash counts once.
func uniqueGoalSum(rc *receiver, goal string) int {
	seen := map[string]bool{}
	n := 0
	for _, r := range rc.ofType("goal.completed") {
		g, _ := r.Data["goal"].(map[string]any)
		if g == nil || g["name"] != goal || seen[r.MsgID] {
			continue
		}
		seen[r.MsgID] = true
		v, _ := r.Data["completions"].(float64)
		n += int(v)
	}
	return n
}

// watchedFor sets every goal of db as counted up to ago in the past, as a
// hookwatch that has watched them that long leaves them, so that
// completions stamped since are theirs.
func watchedFor(t *testing.T, db string, ago time.Duration) {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`INSERT INTO goal_watermarks (goal_id, until) SELECT id, ? FROM goals`,
		time.Now().Add(-ago).UnixMilli()); err != nil {
		t.Fatal(err)
	}
}

// TestHeadlessLateCompletions runs the binary with the default late horizon
// (2 min) while completions arrive on time and 30 s and 90 s late, across a
// SIGTERM and restart and a SIGKILL: the receiver counts each exactly once.
// Completions 3 min late are never sent and show in late_events once their
// bucket's last recount, at twice the horizon, has run: this takes about
// two minutes.
func TestHeadlessLateCompletions(t *testing.T) {
	srv, chdb := chtest.EventsDB(t)
	seed := &seeder{t: t, srv: srv, db: chdb}
	rc := newReceiver(t, nil)
	db := filepath.Join(t.TempDir(), "hw.db")
	mustBin(t, db, "site", "add", "shop.example", "--site-id", "1")
	mustBin(t, db, "goal", "add", "shop.example", "--event", "Purchase")
	rc.addWebhook(t, db, "shop.example", "/goals")
	watchedFor(t, db, 5*time.Minute)
	args := []string{"--clickhouse", srv.DSN(chdb), "--poll-interval", "1s"}
	e := startEngine(t, db, args...)
	waitPolls(t, db, 1)

	sent, late := 0, 0
	for i := 0; i < 24; i++ {
		seed.events(1, "Purchase", "/checkout", 1+i%3)
		sent += 1 + i%3
		switch i % 6 {
		case 1:
			seed.eventsAt(30*time.Second, 1, "Purchase", "/checkout", 2)
			sent += 2
		case 4:
			seed.eventsAt(90*time.Second, 1, "Purchase", "/checkout", 1)
			sent++
		}
		switch i {
		case 5:
			seed.eventsAt(3*time.Minute, 1, "Purchase", "/checkout", 4)
			late += 4
		case 8:
			if code := e.stop(); code != 0 {
				t.Fatalf("exit %d on SIGTERM", code)
			}
		case 12:
			e = startEngine(t, db, args...)
		case 16:
			e.kill() // and a crash too
			e = startEngine(t, db, args...)
		}
		time.Sleep(250 * time.Millisecond)
	}
	eventually(t, 60*time.Second, fmt.Sprintf("%d completions", sent), func() bool { return uniqueGoalSum(rc, "Purchase") >= sent })
	waitPolls(t, db, 4)
	t.Run("counts every completion within the horizon exactly once", func(t *testing.T) {
		if got := uniqueGoalSum(rc, "Purchase"); got != sent {
			t.Errorf("receiver counted %d completions by webhook-id; %d were inserted within the horizon", got, sent)
		}
	})
	t.Run("counts completions later than the horizon in late_events, unsent", func(t *testing.T) {
		eventually(t, 5*time.Minute, fmt.Sprintf("late_events = %d", late), func() bool { return statusJSON(t, db).LateEvents >= uint64(late) })
		if st := statusJSON(t, db); st.LateEvents != uint64(late) {
			t.Errorf("late_events = %d; want %d", st.LateEvents, late)
		}
		if got := uniqueGoalSum(rc, "Purchase"); got != sent {
			t.Errorf("receiver counted %d completions; want still %d", got, sent)
		}
		if code, out, _ := bin(t, db, "status"); code != 0 || !strings.Contains(out, fmt.Sprintf("late events: %d", late)) {
			t.Errorf("status exit %d, output %q; want the late events", code, out)
		}
	})
}
