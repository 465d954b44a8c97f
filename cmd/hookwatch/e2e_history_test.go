package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// Sites of the history tests: spiky has a hand-made run of 5-minute
// buckets, droppy a gap in its hourly traffic, empty nothing at all.
const (
	spikySite  = 41
	droppySite = 42
	emptySite  = 43
)

// historySeed is what TestHistoryCommands put in ClickHouse.
type historySeed struct {
	evs    []chtest.Event
	spikeB time.Time // the first bucket of the spike run
	hour   time.Time // the hour holding now at seeding
}

func seedHistoryCommands(now time.Time) historySeed {
	s := historySeed{spikeB: now.UTC().Truncate(5 * time.Minute).Add(-20 * time.Hour), hour: now.UTC().Truncate(time.Hour)}
	add := func(at time.Time, site uint64, name string, user uint64) {
		s.evs = append(s.evs, chtest.Event{Timestamp: at.Truncate(time.Second), Name: name, SiteID: site, UserID: user, SessionID: user,
			Hostname: "h.test", Pathname: "/"})
	}
	// Spiky, with a spike threshold of 10 and a 1 h cooldown in mind:
	// visitors per 5-minute bucket from spikeB; each visits twice.
	run := map[time.Duration]int{0: 10, 5: 12, 10: 3, 20: 15, 25: 2, 55: 11, 60: 11, 180: 9}
	for min, n := range run {
		b := s.spikeB.Add(min * time.Minute)
		for j := range n {
			user := uint64(min)*1000 + uint64(j)
			add(b.Add(time.Duration(j)*time.Second), spikySite, "pageview", user)
			add(b.Add(time.Duration(j+60)*time.Second), spikySite, "Signup", user)
		}
	}
	// Six visitors who only sent engagement events, beside the 9 at +3 h:
	// counted, they would make 15 and fire.
	for j := range 6 {
		add(s.spikeB.Add(3*time.Hour+time.Duration(j)*time.Second), spikySite, "engagement", uint64(900_000+j))
	}
	// Droppy: two new visitors in each of the 40 hours before the current
	// one, but none in the 4 hours from 14 h ago to 10 h ago.
	for k := 1; k <= 40; k++ {
		if k >= 11 && k <= 14 {
			continue
		}
		h := s.hour.Add(time.Duration(-k) * time.Hour)
		for j := range 2 {
			add(h.Add(15*time.Minute+time.Duration(j)*time.Second), droppySite, "pageview", uint64(k*10+j))
		}
	}
	return s
}

// wantPoints counts, independently of hookwatch, the distinct users of a
// site's non-engagement events per bucket of the n buckets ending with the
// one holding now.
func (s historySeed) wantPoints(site uint64, now time.Time, step time.Duration, n int) []trafficPoint {
	cur := now.UTC().Truncate(step)
	var out []trafficPoint
	for i := n - 1; i >= 0; i-- {
		b := cur.Add(time.Duration(-i) * step)
		users := map[uint64]bool{}
		for _, e := range s.evs {
			if e.SiteID == site && e.Name != "engagement" && !e.Timestamp.Before(b) && e.Timestamp.Before(b.Add(step)) {
				users[e.UserID] = true
			}
		}
		out = append(out, trafficPoint{Time: b.Format(time.RFC3339), Visitors: uint64(len(users)), Partial: i == 0})
	}
	return out
}

type firing struct {
	Time  string `json:"time"`
	Value uint64 `json:"value"`
}

type outcome struct {
	Count int      `json:"count"`
	Fired []firing `json:"fired"`
}

type backtestJSON struct {
	Days  int      `json:"days"`
	Spike *outcome `json:"spike"`
	Drop  *outcome `json:"drop"`
}

func at(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func TestHistoryCommands(t *testing.T) {
	srv, chdb := chtest.EventsDB(t)
	serverNow := func() time.Time {
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
	seed := seedHistoryCommands(serverNow())
	if err := srv.InsertEvents(chdb, seed.evs); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "hw.db")
	for _, s := range []struct {
		domain string
		id     int
	}{{"spiky.example", spikySite}, {"droppy.example", droppySite}, {"empty.example", emptySite}} {
		mustBin(t, db, "site", "add", s.domain, "--site-id", fmt.Sprint(s.id))
	}
	ch := []string{"--clickhouse", srv.DSN(chdb)}
	// runAt runs hookwatch and returns its output with the server's now
	// of the run, retrying if a boundary of step passed during it.
	runAt := func(step time.Duration, args ...string) (string, time.Time) {
		t.Helper()
		for {
			before := serverNow()
			out := mustBin(t, db, append(ch, args...)...)
			if after := serverNow(); after.Truncate(step).Equal(before.Truncate(step)) {
				return out, before
			}
		}
	}

	t.Run("traffic: the buckets counted from the seed", func(t *testing.T) {
		for _, tc := range []struct {
			domain, rng, bucket string
			site                uint64
			step                time.Duration
			n                   int
		}{
			{"spiky.example", "24h", "5m", spikySite, 5 * time.Minute, 288},
			{"droppy.example", "24h", "5m", droppySite, 5 * time.Minute, 288},
			{"droppy.example", "7d", "1h", droppySite, time.Hour, 168},
			{"spiky.example", "28d", "1h", spikySite, time.Hour, 672},
			{"empty.example", "24h", "5m", emptySite, 5 * time.Minute, 288},
		} {
			out, now := runAt(tc.step, "traffic", tc.domain, "--range", tc.rng, "--json")
			var got trafficView
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%s: %v\n%s", tc.domain, err, out)
			}
			want := trafficView{Site: tc.domain, Range: tc.rng, Bucket: tc.bucket, Points: seed.wantPoints(tc.site, now, tc.step, tc.n)}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("traffic %s --range %s:\ngot  %+v\nwant %+v", tc.domain, tc.rng, got, want)
			}
		}
	})

	t.Run("backtest: the firings the seed was made for", func(t *testing.T) {
		// 10 at the threshold fires; 12 keeps firing; 3 resolves; 15, 20
		// minutes after the firing, is held by the 1 h cooldown; 11, 55
		// minutes after, is held; 11, 60 minutes after, fires; 9 visitors
		// with 6 engagement-only ones never fire.
		spike := &outcome{Count: 2, Fired: []firing{{at(seed.spikeB), 10}, {at(seed.spikeB.Add(time.Hour)), 11}}}
		// The 12 h count falls 24, 22, 20 (at the threshold: no drop),
		// 18 (fires, at the hour's end 11 h ago), and is 20 again at the
		// last hour's end: resolved, with no second firing.
		drop := &outcome{Count: 1, Fired: []firing{{at(seed.hour.Add(-11 * time.Hour)), 18}}}
		for _, tc := range []struct {
			args []string
			want backtestJSON
		}{
			{[]string{"backtest", "spiky.example", "--spike-threshold", "10", "--cooldown", "1h", "--days", "1"}, backtestJSON{Days: 1, Spike: spike}},
			{[]string{"backtest", "droppy.example", "--drop-threshold", "20", "--days", "1", "--cooldown", "2h"}, backtestJSON{Days: 1, Drop: drop}},
			// No visitors: no spike; a 12 h count of 0 is a drop from the
			// first hour on, sent once and never resolved.
			{[]string{"backtest", "empty.example", "--spike-threshold", "1", "--drop-threshold", "5", "--days", "1"},
				backtestJSON{Days: 1, Spike: &outcome{Fired: []firing{}}, Drop: &outcome{Count: 1, Fired: []firing{{at(seed.hour.Add(-23 * time.Hour)), 0}}}}},
		} {
			out, now := runAt(time.Hour, append(tc.args, "--json")...)
			if tc.args[1] == "empty.example" && !now.Truncate(time.Hour).Equal(seed.hour) {
				tc.want.Drop.Fired[0].Time = at(now.Truncate(time.Hour).Add(-23 * time.Hour))
			}
			var got backtestJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v: %v\n%s", tc.args, err, out)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("hookwatch %s:\ngot  %s\nwant %+v", strings.Join(tc.args, " "), out, tc.want)
			}
		}
	})

	t.Run("webhook backtest replays the saved rule and cooldown", func(t *testing.T) {
		var w struct {
			ID int64 `json:"id"`
		}
		out := mustBin(t, db, "webhook", "add", "spiky.example", "https://hooks.example.com/s", "--spike-threshold", "10", "--cooldown", "1h", "--json")
		if err := json.Unmarshal([]byte(out), &w); err != nil {
			t.Fatal(err)
		}
		out, _ = runAt(time.Hour, "webhook", "backtest", fmt.Sprint(w.ID), "--days", "1", "--json")
		var got backtestJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		want := backtestJSON{Days: 1, Spike: &outcome{Count: 2, Fired: []firing{{at(seed.spikeB), 10}, {at(seed.spikeB.Add(time.Hour)), 11}}}}
		if !reflect.DeepEqual(got, want) || strings.Contains(out, `"drop"`) {
			t.Errorf("got %s, want %+v", out, want)
		}
		text, _ := runAt(time.Hour, "webhook", "backtest", fmt.Sprint(w.ID), "--days", "1")
		if !strings.Contains(text, "would have fired 2 times in the last 1 days") || !strings.Contains(text, seed.spikeB.Format("2006-01-02 15:04 UTC")) {
			t.Errorf("text output:\n%s", text)
		}
	})

	t.Run("bad input exits 2 naming the field", func(t *testing.T) {
		// A webhook with a spike threshold but no traffic.spike: no rule.
		var hook struct {
			ID int64 `json:"id"`
		}
		out := mustBin(t, db, "webhook", "add", "spiky.example", "https://hooks.example.com/g", "--events", "goal.completed", "--spike-threshold", "5", "--json")
		if err := json.Unmarshal([]byte(out), &hook); err != nil {
			t.Fatal(err)
		}
		goalOnly := hook.ID
		for _, tc := range []struct {
			args  []string
			field string
		}{
			{[]string{"backtest", "spiky.example", "--spike-threshold", "10", "--days", "0"}, "days"},
			{[]string{"backtest", "spiky.example", "--spike-threshold", "10", "--days", "29"}, "days"},
			{[]string{"webhook", "backtest", "1", "--days", "0"}, "days"},
			{[]string{"backtest", "nosuch.example", "--spike-threshold", "10"}, "site"},
			{[]string{"traffic", "nosuch.example"}, "site"},
			{[]string{"backtest", "spiky.example", "--spike-threshold", "-3"}, "spike_threshold"},
			{[]string{"backtest", "spiky.example", "--drop-threshold=-1"}, "drop_threshold"},
			{[]string{"backtest", "spiky.example"}, "spike_threshold"},
			{[]string{"backtest", "spiky.example", "--spike-threshold", "5", "--cooldown", "10s"}, "cooldown"},
			{[]string{"webhook", "backtest", fmt.Sprint(goalOnly)}, "spike_threshold"},
			{[]string{"webhook", "backtest", "999"}, "webhook"},
			{[]string{"traffic", "spiky.example", "--range", "3d"}, "range"},
		} {
			code, out, errs := bin(t, db, append(ch, tc.args...)...)
			if code != 2 || !strings.Contains(errs, tc.field+":") || out != "" {
				t.Errorf("hookwatch %s: exit %d, stdout %q, stderr %q; want exit 2 naming %s", strings.Join(tc.args, " "), code, out, errs, tc.field)
			}
		}
	})
}
