package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// piiBase makes seeded user and session ids distinctive, so that a payload
// that leaked one would be caught by a plain substring search.
const piiBase = 987654321000

// seeder inserts Plausible events "now", by ClickHouse's clock.
type seeder struct {
	t    *testing.T
	srv  *chtest.Server
	db   string
	mu   sync.Mutex
	next uint64
}

func (s *seeder) events(site uint64, name, path string, n int) {
	s.t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	evs := make([]chtest.Event, n)
	s.mu.Lock()
	for i := range evs {
		s.next++
		evs[i] = chtest.Event{Timestamp: now, Name: name, SiteID: site, UserID: piiBase + s.next, SessionID: piiBase + 500000 + s.next,
			Hostname: "example.com", Pathname: path, ReferrerSource: "Google"}
	}
	s.mu.Unlock()
	if err := s.srv.InsertEvents(s.db, evs); err != nil {
		s.t.Fatal(err)
	}
}

func sumData(rs []received, key string) int {
	n := 0
	for _, r := range rs {
		if v, ok := r.Data[key].(float64); ok {
			n += int(v)
		}
	}
	return n
}

// goalSum sums the completions of goal over the goal.completed events
// received, each webhook-id once.
func goalSum(rc *receiver, goal string) int {
	var rs []received
	for _, r := range rc.events("goal.completed") {
		if g, _ := r.Data["goal"].(map[string]any); g != nil && g["name"] == goal {
			rs = append(rs, r)
		}
	}
	return sumData(rs, "completions")
}

// waitPolls waits until the engine has completed n more successful polls,
// as `hookwatch status` reports them.
func waitPolls(t *testing.T, db string, n int) {
	t.Helper()
	var last time.Time
	if st := statusJSON(t, db); st.LastPollAt != nil {
		last = *st.LastPollAt
	}
	seen := 0
	eventually(t, time.Duration(n)*5*time.Second+15*time.Second, fmt.Sprintf("%d polls", n), func() bool {
		st := statusJSON(t, db)
		if st.LastPollAt != nil && st.LastPollAt.After(last) && st.ClickHouse.OK {
			last = *st.LastPollAt
			seen++
		}
		return seen >= n
	})
}

func TestHeadlessEndToEnd(t *testing.T) {
	srv, chdb := chtest.EventsDB(t)
	seed := &seeder{t: t, srv: srv, db: chdb}
	rc := newReceiver(t, nil)
	db := filepath.Join(t.TempDir(), "hw.db")
	mustBin(t, db, "site", "add", "shop.example", "--site-id", "1")
	mustBin(t, db, "site", "add", "quiet.example", "--site-id", "2")
	mustBin(t, db, "goal", "add", "shop.example", "--event", "Signup")
	mustBin(t, db, "goal", "add", "shop.example", "--page", "/thanks/*")
	rc.addWebhook(t, db, "shop.example", "/goals")
	rc.addWebhook(t, db, "shop.example", "/spike", "--events", "traffic.spike", "--spike-threshold", "40")
	rc.addWebhook(t, db, "quiet.example", "/drop", "--events", "traffic.drop", "--drop-threshold", "3", "--send-resolved")
	seed.events(2, "pageview", "/", 1) // quiet.example: 1 visitor in 12 h, under the drop threshold

	e := startEngine(t, db, "--clickhouse", srv.DSN(chdb), "--poll-interval", "1s")
	waitPolls(t, db, 1)
	if st := statusJSON(t, db); !st.ClickHouse.OK || st.LastPollAt == nil {
		t.Fatalf("status after the first poll: %+v", st)
	}

	t.Run("goal events add up exactly to what was inserted", func(t *testing.T) {
		seed.events(1, "Signup", "/signup", 5)
		seed.events(1, "pageview", "/thanks/pro", 4)
		seed.events(1, "pageview", "/pricing", 6) // matches no goal
		seed.events(3, "Signup", "/signup", 9)    // a site hookwatch does not watch
		// The rest once the first completions are delivered, so that the
		// sum spans more than one goal window.
		eventually(t, 30*time.Second, "the first 5 Signup completions", func() bool { return goalSum(rc, "Signup") >= 5 })
		seed.events(1, "Signup", "/signup", 7)
		eventually(t, 30*time.Second, "12 Signup and 4 /thanks/* completions", func() bool {
			return goalSum(rc, "Signup") == 12 && goalSum(rc, "/thanks/*") == 4
		})
		waitPolls(t, db, 4) // and nothing more arrives
		if s, p := goalSum(rc, "Signup"), goalSum(rc, "/thanks/*"); s != 12 || p != 4 {
			t.Errorf("Signup %d, /thanks/* %d after more polls; want 12 and 4", s, p)
		}
	})

	t.Run("a burst above the threshold fires exactly one traffic.spike", func(t *testing.T) {
		// 22 visitors are already current from the goal test: 30 more cross 40.
		seed.events(1, "pageview", "/launch", 30)
		eventually(t, 30*time.Second, "a traffic.spike", func() bool { return len(rc.events("traffic.spike")) >= 1 })
		for i := 0; i < 3; i++ { // the burst goes on
			seed.events(1, "pageview", "/launch", 3)
			waitPolls(t, db, 1)
		}
		spikes := rc.events("traffic.spike")
		if len(spikes) != 1 {
			t.Fatalf("%d traffic.spike deliveries, want 1", len(spikes))
		}
		d := spikes[0].Data
		if d["site"] != "shop.example" || d["site_id"] != 1.0 || d["threshold"] != 40.0 || d["window"] != "5m" || d["current_visitors"].(float64) < 40 {
			t.Errorf("spike data: %v", d)
		}
		if pages, _ := d["top_pages"].([]any); len(pages) == 0 || !strings.Contains(fmt.Sprint(pages[0]), "/launch") {
			t.Errorf("top_pages %v, want /launch first", d["top_pages"])
		}
	})

	t.Run("a drop fires exactly one traffic.drop", func(t *testing.T) {
		eventually(t, 30*time.Second, "a traffic.drop", func() bool { return len(rc.events("traffic.drop")) >= 1 })
		waitPolls(t, db, 3)
		drops := rc.events("traffic.drop")
		if len(drops) != 1 {
			t.Fatalf("%d traffic.drop deliveries, want 1", len(drops))
		}
		if d := drops[0].Data; d["site"] != "quiet.example" || d["visitors"] != 1.0 || d["threshold"] != 3.0 || d["window"] != "12h" {
			t.Errorf("drop data: %v", d)
		}
	})

	t.Run("no payload carries personal data", func(t *testing.T) {
		all := rc.all()
		if len(all) == 0 {
			t.Fatal("nothing received")
		}
		for _, r := range all {
			body := string(r.Body)
			for _, bad := range []string{fmt.Sprint(piiBase)[:9], "user_id", "session_id", `"ip"`, "ip_address"} {
				if strings.Contains(body, bad) {
					t.Errorf("%s payload contains %q: %s", r.Type, bad, body)
				}
			}
		}
	})

	t.Run("each payload travels under one webhook-id, and each webhook-id with one payload", func(t *testing.T) {
		checkWebhookIDs(t, rc.all())
	})

	t.Run("every request carries a valid Standard Webhooks signature", func(t *testing.T) {
		if n := rc.badSignatures(); n != 0 {
			t.Errorf("%d of %d requests failed verification", n, len(rc.all()))
		}
	})

	t.Run("SIGTERM drains and exits 0", func(t *testing.T) {
		if code := e.stop(); code != 0 {
			t.Errorf("exit %d", code)
		}
	})
}

func TestHeadlessRestart(t *testing.T) {
	t.Run("a restart during steady goal traffic loses and doubles nothing", func(t *testing.T) {
		srv, chdb := chtest.EventsDB(t)
		seed := &seeder{t: t, srv: srv, db: chdb}
		rc := newReceiver(t, nil)
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "shop.example", "--site-id", "1")
		mustBin(t, db, "goal", "add", "shop.example", "--event", "Purchase")
		rc.addWebhook(t, db, "shop.example", "/goals")
		args := []string{"--clickhouse", srv.DSN(chdb), "--poll-interval", "1s"}
		e := startEngine(t, db, args...)
		waitPolls(t, db, 1)

		inserted := 0
		for i := 0; i < 24; i++ {
			seed.events(1, "Purchase", "/checkout", 1+i%3)
			inserted += 1 + i%3
			switch i {
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
		eventually(t, 40*time.Second, fmt.Sprintf("%d completions", inserted), func() bool { return goalSum(rc, "Purchase") >= inserted })
		waitPolls(t, db, 4)
		// Counted once per webhook-id: a completion delivered under two
		// webhook-ids would be counted twice and fail this.
		if got := goalSum(rc, "Purchase"); got != inserted {
			t.Errorf("receiver counted %d completions, %d were inserted", got, inserted)
		}
		checkWebhookIDs(t, rc.all())
		if n := rc.redelivered(); n > 0 {
			t.Logf("%d requests repeated a webhook-id: at-least-once redelivery after the crash", n)
		}
	})
}

func TestHeadlessClickHouseOutage(t *testing.T) {
	t.Run("keeps running, reports ClickHouse failing, and resumes polling", func(t *testing.T) {
		srv := chtest.Start(t)
		if err := srv.CreateDatabase("plausible_events_db"); err != nil {
			t.Fatal(err)
		}
		if err := srv.CreateEventsTable("plausible_events_db"); err != nil {
			t.Fatal(err)
		}
		seed := &seeder{t: t, srv: srv, db: "plausible_events_db"}
		rc := newReceiver(t, nil)
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "shop.example", "--site-id", "1")
		mustBin(t, db, "goal", "add", "shop.example", "--event", "Signup")
		rc.addWebhook(t, db, "shop.example", "/goals")
		e := startEngine(t, db, "--clickhouse", srv.DSN("plausible_events_db"), "--poll-interval", "1s")
		waitPolls(t, db, 1)

		srv.Pause()
		eventually(t, 30*time.Second, "status to show ClickHouse failing", func() bool {
			st := statusJSON(t, db)
			return !st.ClickHouse.OK && st.ClickHouse.Error != ""
		})
		if !e.running() {
			t.Fatal("hookwatch exited while ClickHouse was down")
		}
		if err := srv.Resume(); err != nil {
			t.Fatal(err)
		}
		seed.events(1, "Signup", "/signup", 3)
		eventually(t, 90*time.Second, "polling to resume and deliver 3 completions", func() bool { return goalSum(rc, "Signup") == 3 })
		if st := statusJSON(t, db); !st.ClickHouse.OK {
			t.Errorf("status after recovery: %+v", st.ClickHouse)
		}
	})
}
