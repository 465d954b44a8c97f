package clickhouse_test

import (
	"context"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/baseline"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// slotSeed returns events of sites 11, 22 and siteOther spread over the
// three weeks before base and the hours around it, users drawn from a
// small pool so that rolling windows share visitors, with some
// engagement-only visitors who must not count.
func slotSeed(base time.Time) []chtest.Event {
	rng := rand.New(rand.NewPCG(7, 14))
	var evs []chtest.Event
	for _, site := range []uint64{11, 22, siteOther} {
		for w := range 4 {
			center := base.Add(-time.Duration(w) * core.Week)
			for range 400 {
				at := center.Add(time.Duration(rng.Int64N(int64(4*time.Hour/time.Second))-int64(2*time.Hour/time.Second)) * time.Second)
				name, user := "pageview", 1+rng.Uint64N(60)
				if rng.IntN(8) == 0 {
					name, user = "engagement", 5000+rng.Uint64N(100)
				}
				evs = append(evs, chtest.Event{Timestamp: at, Name: name, SiteID: site, UserID: user, SessionID: user, Pathname: "/"})
			}
		}
	}
	return evs
}

// wantCounts computes BucketCounts' answer from the events themselves.
func wantCounts(evs []chtest.Event, sites []uint64, ranges []core.TimeRange) map[uint64]*core.BucketCounts {
	out := map[uint64]*core.BucketCounts{}
	for _, site := range sites {
		c := &core.BucketCounts{Visitors: map[int64]uint64{}, Rolling: map[int64]uint64{}}
		for _, r := range ranges {
			for t := r.From; t.Before(r.To); t = t.Add(core.BucketWidth) {
				count := func(from, to time.Time) uint64 {
					return uniqUsers(evs, func(e *chtest.Event) bool {
						return e.SiteID == site && e.Name != "engagement" && in(e.Timestamp, from, to)
					})[site]
				}
				if n := count(t, t.Add(core.BucketWidth)); n > 0 {
					c.Visitors[t.Unix()] = n
				}
				if n := count(t.Add(-core.RollingWindow), t); n > 0 {
					c.Rolling[t.Unix()] = n
				}
			}
		}
		if len(c.Visitors)+len(c.Rolling) > 0 {
			out[site] = c
		}
	}
	return out
}

func TestBucketCounts(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	base := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	evs := slotSeed(base)
	insert(t, srv, db, evs)
	asked := []uint64{11, 22, siteEmpty}
	ctx := context.Background()

	for _, tc := range []struct {
		name   string
		ranges []core.TimeRange
	}{
		{"the slot hours of three weeks", baseline.SlotRanges(base.Add(20*time.Minute), 3)},
		{"one long range, as a backtest reads", []core.TimeRange{{From: base.Add(-90 * time.Minute), To: base.Add(2 * time.Hour)}}},
		{"one slot hour", baseline.SlotRanges(base, 1)},
		{"adjacent hours, whose reads overlap", []core.TimeRange{{From: base, To: base.Add(time.Hour)}, {From: base.Add(-time.Hour), To: base}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := src.BucketCounts(ctx, core.CountQuery{SiteIDs: asked, Ranges: tc.ranges})
			if err != nil {
				t.Fatal(err)
			}
			want := wantCounts(evs, asked, tc.ranges)
			if len(want) != 2 || len(want[11].Visitors) < 10*len(tc.ranges) || len(want[11].Rolling) < 10*len(tc.ranges) {
				t.Fatalf("the seed misses the ranges: %d sites", len(want))
			}
			if len(got) != len(want) {
				t.Fatalf("%d sites, want %d (site %d has no events, %d is not asked)", len(got), len(want), siteEmpty, siteOther)
			}
			for site, w := range want {
				if !maps.Equal(got[site].Visitors, w.Visitors) {
					t.Errorf("site %d visitors\n got %v\nwant %v", site, got[site].Visitors, w.Visitors)
				}
				if !maps.Equal(got[site].Rolling, w.Rolling) {
					t.Errorf("site %d rolling\n got %v\nwant %v", site, got[site].Rolling, w.Rolling)
				}
			}
		})
	}

	t.Run("stays under max_query_size at 12,000 sites", func(t *testing.T) {
		many := make([]uint64, 0, 12_000)
		for i := range 12_000 {
			many = append(many, 1e18+uint64(i)) // 19 digits each
		}
		many = append(many, 11)
		got, err := src.BucketCounts(ctx, core.CountQuery{SiteIDs: many, Ranges: baseline.SlotRanges(base, core.MaxBaselineWeeks)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[11] == nil {
			t.Errorf("%d sites answered, want site 11 only", len(got))
		}
	})
}

func TestFirstEvents(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	base := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	evs := slotSeed(base)
	// Site 33 began nine days ago, with an engagement event: any event
	// counts as the site's first.
	evs = append(evs, chtest.Event{Timestamp: base.Add(-9 * 24 * time.Hour), Name: "engagement", SiteID: 33, UserID: 1},
		chtest.Event{Timestamp: base.Add(-8 * 24 * time.Hour), Name: "pageview", SiteID: 33, UserID: 2})
	insert(t, srv, db, evs)
	since := []time.Time{base.Add(-2 * core.Week), base.Add(-4 * core.Week)}
	got, err := src.FirstEvents(context.Background(), []uint64{11, 33, siteEmpty}, since)
	if err != nil {
		t.Fatal(err)
	}
	first := func(site uint64, from time.Time) time.Time {
		var f time.Time
		for _, e := range evs {
			if e.SiteID == site && !e.Timestamp.Before(from) && (f.IsZero() || e.Timestamp.Before(f)) {
				f = e.Timestamp
			}
		}
		return f
	}
	for _, site := range []uint64{11, 33} {
		for i, s := range since {
			if w := first(site, s); !got[site][i].Equal(w) {
				t.Errorf("site %d since %v: first %v, want %v", site, s, got[site][i], w)
			}
		}
	}
	if !got[33][0].Equal(base.Add(-9*24*time.Hour)) || got[siteEmpty] != nil || len(got) != 2 {
		t.Errorf("got %v", got)
	}
	one, err := src.FirstEvents(context.Background(), []uint64{11, 33}, since[1:])
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range []uint64{11, 33} {
		if !one[site][0].Equal(got[site][1]) {
			t.Errorf("site %d alone since %v: %v, want %v", site, since[1], one[site], got[site][1])
		}
	}
}

// The drop rule's 60-minute count comes in the once-a-minute drop query,
// beside or without the 12-hour one.
func TestPollRollingCount(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	var evs []chtest.Event
	// Ten minutes or more from each window's edge, so that the test's own
	// seconds move nothing across one.
	for i, ago := range []time.Duration{time.Minute, 2 * time.Minute, 25 * time.Minute, 45 * time.Minute, 75 * time.Minute, 3 * time.Hour, 13 * time.Hour} {
		evs = append(evs, chtest.Event{Timestamp: now.Add(-ago), Name: "pageview", SiteID: 11, UserID: uint64(i + 1)})
	}
	evs = append(evs, chtest.Event{Timestamp: now.Add(-30 * time.Minute), Name: "engagement", SiteID: 11, UserID: 99})
	insert(t, srv, db, evs)
	for _, tc := range []struct {
		with12h bool
		want    core.VisitorCounts
	}{
		{false, core.VisitorCounts{Current: 2, Last60m: 4}},
		{true, core.VisitorCounts{Current: 2, Last60m: 4, Last12h: 6}},
	} {
		res, err := src.Poll(context.Background(), core.PollQuery{SiteIDs: []uint64{11, siteEmpty}, With60m: true, With12h: tc.with12h})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[uint64]core.VisitorCounts{11: tc.want}; !maps.Equal(res.Visitors, want) {
			t.Errorf("with12h=%v: %v, want %v", tc.with12h, res.Visitors, want)
		}
	}
}
