package clickhouse_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// historyEvents seeds site over the 30 hours before now: pageviews and
// custom events of a drifting pool of returning users, and engagement events, some of
// visitors seen nowhere else, who must not count.
func historyEvents(now time.Time, site uint64, seed uint64) []chtest.Event {
	rng := rand.New(rand.NewPCG(seed, 7))
	var evs []chtest.Event
	for range 3000 {
		ago := time.Duration(rng.Int64N(int64(30*time.Hour/time.Second))) * time.Second
		name := []string{"pageview", "pageview", "pageview", "Signup", "engagement"}[rng.IntN(5)]
		// The pool of users drifts over time, so that rolling counts vary.
		user := uint64(ago/(3*time.Hour))*15 + rng.Uint64N(60) + 1
		if name == "engagement" && rng.IntN(2) == 0 {
			user = 10_000 + rng.Uint64N(10_000)
		}
		evs = append(evs, chtest.Event{Timestamp: now.Add(-ago).Truncate(time.Second), Name: name, SiteID: site,
			UserID: user, SessionID: user, Hostname: "h.test", Pathname: "/"})
	}
	return evs
}

// wantSeries counts, for each bucket of [from, to), the distinct users of
// site's non-engagement events in the window ending with the bucket.
func wantSeries(evs []chtest.Event, site uint64, k core.SeriesKind, from, to time.Time) []uint64 {
	var out []uint64
	for b := from; b.Before(to); b = b.Add(k.Step) {
		end := b.Add(k.Step)
		n := uniqUsers(evs, func(e *chtest.Event) bool {
			return e.SiteID == site && e.Name != "engagement" && in(e.Timestamp, end.Add(-k.Window), end)
		})[site]
		out = append(out, n)
	}
	return out
}

func TestHistory(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	const site, other = 5, 6
	evs := append(historyEvents(now, site, 1), historyEvents(now, other, 2)...)
	insert(t, srv, db, evs)
	ctx := context.Background()

	for _, tc := range []struct {
		name string
		kind core.SeriesKind
		span time.Duration
	}{
		{"5-minute buckets over a day", core.SpikeSeries, 24 * time.Hour},
		{"hourly buckets over 28 hours", core.HourlySeries, 28 * time.Hour},
		{"the 12 h count at each hour's end", core.DropSeries, 24 * time.Hour},
		{"a rolling hour at each 5-minute boundary", core.SeriesKind{Step: 5 * time.Minute, Window: time.Hour}, 6 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			to := tc.kind.Align(now).Add(tc.kind.Step)
			from := to.Add(-tc.span)
			got, err := src.History(ctx, core.HistoryQuery{SiteIDs: []uint64{site, siteEmpty}, Kind: tc.kind, From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			want := wantSeries(evs, site, tc.kind, from, to)
			if s := got[site]; !slices.Equal(s.Values, want) || !s.Start.Equal(from) || s.Kind != tc.kind {
				t.Errorf("site %d: start %v, values\n%v\nwant start %v, values\n%v", site, s.Start, s.Values, from, want)
			}
			if slices.Max(want) == 0 || slices.Min(want) == slices.Max(want) {
				t.Fatalf("seed gives no shape to check: %v", want)
			}
			if s := got[siteEmpty]; len(s.Values) != len(want) || slices.Max(s.Values) != 0 {
				t.Errorf("site with no events: %v, want %d zeros", s.Values, len(want))
			}
			if _, ok := got[other]; ok || len(got) != 2 {
				t.Errorf("answered %d sites, including one not asked: %v", len(got), ok)
			}
		})
	}

	t.Run("splits a long list of sites into several statements", func(t *testing.T) {
		ids := make([]uint64, 4500)
		for i := range ids {
			ids[i] = uint64(100_000 + i)
		}
		ids[4321] = site
		k := core.HourlySeries
		to := k.Align(now).Add(k.Step)
		got, err := src.History(ctx, core.HistoryQuery{SiteIDs: ids, Kind: k, From: to.Add(-6 * time.Hour), To: to})
		if err != nil {
			t.Fatal(err)
		}
		if want := wantSeries(evs, site, k, to.Add(-6*time.Hour), to); len(got) != len(ids) || !slices.Equal(got[site].Values, want) {
			t.Errorf("%d sites answered; site %d: %v, want %v", len(got), site, got[site].Values, want)
		}
	})

	t.Run("refuses a range not made of whole buckets", func(t *testing.T) {
		from := core.SpikeSeries.Align(now).Add(time.Minute)
		_, err := src.History(ctx, core.HistoryQuery{SiteIDs: []uint64{site}, Kind: core.SpikeSeries, From: from, To: from.Add(time.Hour)})
		if core.ErrorCode(err) != core.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
	})
}
