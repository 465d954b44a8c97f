package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// season seeds one site's seasonal traffic on the server, with one INSERT
// … SELECT FROM numbers(): for each day d from 0 (today) to days back, the
// hours [center+lo, center+hi) of that day get level visitors per 5-minute
// bucket (a ClickHouse expression of d and the bucket b), each a new user,
// spread evenly over the bucket; nothing at or after stop.
type season struct {
	site     uint64
	center   time.Time
	days     int
	lo, hi   time.Duration
	level    string
	stop     time.Time
	maxLevel int
}

func (s season) seed(t *testing.T, srv *chtest.Server, db string) {
	t.Helper()
	buckets := int((s.hi - s.lo) / (5 * time.Minute))
	perDay := buckets * s.maxLevel
	q := fmt.Sprintf(`INSERT INTO %[1]s.events_v2 (timestamp, name, site_id, user_id, session_id, hostname, pathname)
SELECT toDateTime(t), 'pageview', %[2]d, %[2]d * 1000000000 + number, %[2]d * 1000000000 + number, 'site%[2]d.example', '/'
FROM (
    SELECT number, intDiv(number, %[3]d) AS d, intDiv(number %% %[3]d, %[4]d) AS b, number %% %[4]d AS i,
        toUInt32(%[5]s) AS lv, toInt64(%[6]d) - d * 86400 + b * 300 + intDiv(i * 300, greatest(lv, 1)) AS t
    FROM numbers(%[7]d)
)
WHERE i < lv AND t < %[8]d`, db, s.site, perDay, s.maxLevel, s.level, s.center.Add(s.lo).Unix(), (s.days+1)*perDay, s.stop.Unix())
	if err := srv.Exec(q); err != nil {
		t.Fatal(err)
	}
}

const (
	nightLevel = "5"
	dayLevel   = "40 + intHash32(d * 1000 + b) % 21" // 50 ± 20%
)

func chNow(t *testing.T, srv *chtest.Server) time.Time {
	t.Helper()
	out, err := srv.Query("SELECT toUnixTimestamp(now())")
	if err != nil {
		t.Fatal(err)
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(sec, 0).UTC()
}

// ofSite keeps the events about domain.
func ofSite(rs []received, domain string) []received {
	var out []received
	for _, r := range rs {
		if r.Data["site"] == domain {
			out = append(out, r)
		}
	}
	return out
}

// TestAnomalyEndToEnd runs the real binary against the real ClickHouse
// with 4 weeks of seasonal traffic phased to the current UTC hour: the
// hours around it are night for one site and day for the others.
func TestAnomalyEndToEnd(t *testing.T) {
	srv, chdb := chtest.EventsDB(t)
	now := chNow(t, srv)
	center := now.Truncate(time.Hour)
	around := func(site uint64, days int, level string, stop time.Time) season {
		return season{site: site, center: center, days: days, lo: -3 * time.Hour, hi: 3 * time.Hour, level: level, stop: stop, maxLevel: 60}
	}
	seedStart := time.Now()
	for _, s := range []season{
		around(1, 28, nightLevel, now), // night.example: 5 a bucket at this hour
		{site: 1, center: center, days: 28, lo: 9 * time.Hour, hi: 15 * time.Hour, level: dayLevel, stop: now, maxLevel: 60}, // and 50 at noon
		around(2, 28, dayLevel, now),                      // day.example: busy now, as always
		around(3, 28, dayLevel, now.Add(-20*time.Minute)), // broken.example: busy, stopped 20 minutes ago
		{site: 4, center: center, days: 28, lo: 9 * time.Hour, hi: 15 * time.Hour, level: dayLevel, stop: now, maxLevel: 60}, // empty.example: nobody at this hour
		around(5, 5, dayLevel, now),    // new.example: 5 days old
		around(6, 35, nightLevel, now), // burst.example: nights of 5, and a burst 2 days ago
	} {
		s.seed(t, srv, chdb)
	}
	t.Logf("seeded 4 weeks of traffic in %v", time.Since(seedStart).Round(time.Millisecond))

	rc := newReceiver(t, nil)
	db := filepath.Join(t.TempDir(), "hw.db")
	// burst.example's burst: 30 more visitors in one bucket of a past night.
	pastBurst := center.Add(-49 * time.Hour)
	pb := make([]chtest.Event, 30)
	for i := range pb {
		u := 6_000_000_000 + 900_000_000 + uint64(i)
		pb[i] = chtest.Event{Timestamp: pastBurst.Add(time.Duration(i) * time.Second), Name: "pageview", SiteID: 6, UserID: u, Pathname: "/"}
	}
	if err := srv.InsertEvents(chdb, pb); err != nil {
		t.Fatal(err)
	}
	for i, d := range []string{"night.example", "day.example", "broken.example", "empty.example", "new.example", "burst.example"} {
		mustBin(t, db, "site", "add", d, "--site-id", strconv.Itoa(i+1))
	}
	rc.addWebhook(t, db, "night.example", "/night", "--events", "traffic.spike", "--spike-anomaly")
	rc.addWebhook(t, db, "day.example", "/day", "--spike-anomaly", "--drop-anomaly")
	rc.addWebhook(t, db, "broken.example", "/broken", "--events", "traffic.drop", "--drop-anomaly")
	rc.addWebhook(t, db, "empty.example", "/empty", "--spike-anomaly", "--drop-anomaly")
	newHook := rc.addWebhook(t, db, "new.example", "/new", "--spike-anomaly", "--drop-anomaly")

	// The bursts: 20 visitors on a night of 5 (a fixed threshold set for
	// the day's 50 would never see them), and 60 on the new site's 50.
	burst := func(site uint64, n int) {
		at := chNow(t, srv)
		evs := make([]chtest.Event, n)
		for i := range evs {
			u := site*1_000_000_000 + 900_000_000 + uint64(i)
			evs[i] = chtest.Event{Timestamp: at.Add(-time.Duration(i%10) * time.Second), Name: "pageview", SiteID: site, UserID: u, SessionID: u, Pathname: "/launch"}
		}
		if err := srv.InsertEvents(chdb, evs); err != nil {
			t.Fatal(err)
		}
	}
	burst(1, 20)
	burst(5, 60)
	// Normal traffic goes on while the test runs: about 10 a minute on the
	// day site, 1 a minute on the night site.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var fed atomic.Int64
	go func() {
		tick := time.NewTicker(6 * time.Second)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			at := time.Now().UTC().Truncate(time.Second)
			u := uint64(800_000_000 + n)
			evs := []chtest.Event{{Timestamp: at, Name: "pageview", SiteID: 2, UserID: 2_000_000_000 + u, Pathname: "/"}}
			if n%10 == 0 {
				evs = append(evs, chtest.Event{Timestamp: at, Name: "pageview", SiteID: 1, UserID: 1_000_000_000 + u, Pathname: "/"})
			}
			if srv.InsertEvents(chdb, evs) == nil {
				fed.Add(1)
			}
		}
	}()

	started := time.Now()
	startEngine(t, db, "--clickhouse", srv.DSN(chdb), "--poll-interval", "2s")

	t.Run("a site whose events stopped during a busy hour fires exactly one drop within 3 minutes", func(t *testing.T) {
		eventually(t, 3*time.Minute-time.Since(started), "a traffic.drop of broken.example", func() bool {
			return len(ofSite(rc.events("traffic.drop"), "broken.example")) > 0
		})
		d := ofSite(rc.events("traffic.drop"), "broken.example")[0].Data
		if d["rule"] != "anomaly" || d["window"] != "60m" || d["baseline_weeks"] != 4.0 || d["sensitivity"] != "medium" ||
			d["expected"].(float64) < 500 || d["visitors"].(float64) >= d["lower"].(float64) {
			t.Errorf("drop data %v", d)
		}
	})
	t.Run("a night burst fires exactly one spike", func(t *testing.T) {
		eventually(t, time.Minute, "a traffic.spike of night.example", func() bool {
			return len(ofSite(rc.events("traffic.spike"), "night.example")) > 0
		})
		d := ofSite(rc.events("traffic.spike"), "night.example")[0].Data
		if d["rule"] != "anomaly" || d["expected"] != 5.0 || d["window"] != "5m" || d["current_visitors"].(float64) < 20 ||
			d["current_visitors"].(float64) >= 50 || d["upper"].(float64) >= 20 {
			t.Errorf("spike data %v", d)
		}
	})
	waitPolls(t, db, 5)

	t.Run("each fired once; normal traffic, an empty hour and a learning site fired nothing", func(t *testing.T) {
		for _, tc := range []struct {
			site         string
			spike, drops int
		}{{"night.example", 1, 0}, {"day.example", 0, 0}, {"broken.example", 0, 1}, {"empty.example", 0, 0}, {"new.example", 0, 0}} {
			s, d := len(ofSite(rc.events("traffic.spike"), tc.site)), len(ofSite(rc.events("traffic.drop"), tc.site))
			if s != tc.spike || d != tc.drops {
				t.Errorf("%s: %d spikes and %d drops, want %d and %d", tc.site, s, d, tc.spike, tc.drops)
			}
		}
		if n := len(rc.all()); n != 2 || rc.badSignatures() != 0 {
			t.Errorf("%d requests (%d bad signatures), want the spike and the drop", n, rc.badSignatures())
		}
		if fed.Load() == 0 {
			t.Error("the live traffic feed inserted nothing")
		}
	})
	t.Run("the site with 5 days of history reports learning", func(t *testing.T) {
		var hooks []webhookJSON
		if err := json.Unmarshal([]byte(mustBin(t, db, "webhook", "list", "--json")), &hooks); err != nil {
			t.Fatal(err)
		}
		for _, h := range hooks {
			wantLearning := h.ID == newHook
			if h.Learning != wantLearning || (wantLearning && h.HistoryDays != 5) || (!wantLearning && h.HistoryDays < 27) {
				t.Errorf("webhook %d: learning %v, %d days of history", h.ID, h.Learning, h.HistoryDays)
			}
		}
		if out := mustBin(t, db, "status"); !strings.Contains(out, "learning (5 days of history)") {
			t.Errorf("status does not say learning:\n%s", out)
		}
		if out := mustBin(t, db, "webhook", "list"); !strings.Contains(out, "learning (5 days of history)") {
			t.Errorf("webhook list does not say learning:\n%s", out)
		}
	})
	t.Run("a backtest relative to normal finds the past night burst, with no look-ahead", func(t *testing.T) {
		var rep struct {
			Days  int `json:"days"`
			Spike *struct {
				Count int `json:"count"`
				Fired []struct {
					Time  time.Time `json:"time"`
					Value int       `json:"value"`
				} `json:"fired"`
			} `json:"spike"`
			Drop *struct {
				Count int `json:"count"`
			} `json:"drop"`
		}
		out := mustBin(t, db, "--clickhouse", srv.DSN(chdb), "backtest", "burst.example", "--spike-anomaly", "--days", "7", "--json")
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		if rep.Days != 7 || rep.Spike == nil || rep.Drop != nil || rep.Spike.Count != 1 ||
			!rep.Spike.Fired[0].Time.Equal(pastBurst) || rep.Spike.Fired[0].Value != 35 {
			t.Errorf("backtest: %s", out)
		}
		drops := mustBin(t, db, "--clickhouse", srv.DSN(chdb), "backtest", "burst.example", "--drop-anomaly", "--sensitivity", "high", "--days", "7")
		if !strings.Contains(drops, "drop (relative to normal, high sensitivity, over 4 weeks) would have fired 0 times in the last 7 days") {
			t.Errorf("drop backtest:\n%s", drops)
		}
		code, _, errs := bin(t, db, "backtest", "burst.example", "--spike-anomaly", "--spike-threshold", "5")
		if code != 2 || !strings.Contains(errs, "--spike-threshold and --spike-anomaly") {
			t.Errorf("both rules: exit %d %q", code, errs)
		}
		out = mustBin(t, db, "--clickhouse", srv.DSN(chdb), "webhook", "backtest", "1", "--days", "3", "--json")
		if !strings.Contains(out, `"spike"`) || strings.Contains(out, `"drop"`) {
			t.Errorf("webhook backtest of the night spike rule: %s", out)
		}
	})
}
