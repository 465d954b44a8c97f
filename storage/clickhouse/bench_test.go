package clickhouse_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

const (
	benchSites  = 1000
	benchEvents = 5_000_000
)

// BenchmarkPollQueries times the queries of one poll cycle over 5 M
// events on 1,000 sites, watching 10, 100 and 1,000 of them: visitors
// (5 min), visitors with the 12 h count, goal completions of 4 goals per
// site, the one pass of a steady poll (Poll: the visitors and the same
// goals), and top sources and pages of the 10% of sites that spike. ns/op
// covers them all; poll-ms is a regular poll without the 12 h count: the
// pass and the tops. Beside
// each figure it reports, from the same run, a full scan of events_v2
// (scan-ms) and, up to 100 sites, the old way of one query per site and
// metric (per-site-ms).
func BenchmarkPollQueries(b *testing.B) {
	srv, db := chtest.EventsDB(b)
	start := time.Now()
	if err := srv.SeedSynthetic(db, benchSites, benchEvents, 24*time.Hour); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d events over %d sites in %v", benchEvents, benchSites, time.Since(start).Round(time.Millisecond))
	src := open(b, srv, db)
	ctx := context.Background()

	scan := median(7, func() {
		if _, err := srv.Query("SELECT count(), uniq(user_id) FROM " + db + ".events_v2"); err != nil {
			b.Fatal(err)
		}
	})

	for _, n := range []int{10, 100, 1000} {
		sites := make([]uint64, n)
		var goals []core.GoalQuery
		for i := range sites {
			sites[i] = uint64(i + 1)
			for _, g := range []core.GoalQuery{
				eventGoal(0, sites[i], chtest.SyntheticEventGoals[0]),
				eventGoal(0, sites[i], chtest.SyntheticEventGoals[1]),
				pageGoal(0, sites[i], "/thank-you"),
				pageGoal(0, sites[i], "/blog/*"),
			} {
				g.GoalID = int64(len(goals) + 1)
				goals = append(goals, g)
			}
		}
		spiking := sites[:max(n/10, 1)]
		var perSite time.Duration
		if n <= 100 {
			perSite = median(3, func() { pollPerSite(b, src, sites, goals, spiking) })
		}

		b.Run(fmt.Sprintf("sites=%d", n), func(b *testing.B) {
			var d [5]time.Duration
			lap := func(i int, t0 time.Time) time.Time { now := time.Now(); d[i] += now.Sub(t0); return now }
			for b.Loop() {
				t := time.Now()
				now, err := src.Now(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := src.Visitors(ctx, sites, false); err != nil {
					b.Fatal(err)
				}
				t = lap(0, t)
				if _, err := src.Visitors(ctx, sites, true); err != nil {
					b.Fatal(err)
				}
				t = lap(1, t)
				if _, err := src.GoalCompletions(ctx, goals, now.Add(-10*time.Second), now); err != nil {
					b.Fatal(err)
				}
				t = lap(2, t)
				if _, err := src.Poll(ctx, core.PollQuery{SiteIDs: sites, Goals: goals, From: now.Add(-10 * time.Second), To: now}); err != nil {
					b.Fatal(err)
				}
				t = lap(4, t)
				if _, err := src.TopSources(ctx, spiking, now.Add(-core.CurrentWindow), now, 3); err != nil {
					b.Fatal(err)
				}
				if _, err := src.TopPages(ctx, spiking, now.Add(-core.CurrentWindow), now, 3); err != nil {
					b.Fatal(err)
				}
				lap(3, t)
			}
			for i, name := range []string{"visitors-ms", "visitors12h-ms", "goals-ms", "top-ms", "pass-ms"} {
				b.ReportMetric(ms(d[i])/float64(b.N), name)
			}
			// A regular poll leaves out the 12 h count, which the drop
			// check needs only every few minutes.
			b.ReportMetric(ms(d[4]+d[3])/float64(b.N), "poll-ms")
			b.ReportMetric(ms(scan), "scan-ms")
			if perSite > 0 {
				b.ReportMetric(ms(perSite), "per-site-ms")
			}
		})
	}
}

// pollPerSite is the baseline: the same poll with one query per site and
// metric, as a naive reader would do it.
func pollPerSite(b *testing.B, src *clickhouse.Source, sites []uint64, goals []core.GoalQuery, spiking []uint64) {
	ctx := context.Background()
	now, err := src.Now(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, site := range sites {
		if _, err := src.Visitors(ctx, []uint64{site}, false); err != nil {
			b.Fatal(err)
		}
		if _, err := src.Visitors(ctx, []uint64{site}, true); err != nil {
			b.Fatal(err)
		}
	}
	for _, g := range goals {
		if _, err := src.GoalCompletions(ctx, []core.GoalQuery{g}, now.Add(-10*time.Second), now); err != nil {
			b.Fatal(err)
		}
	}
	for _, site := range spiking {
		if _, err := src.TopSources(ctx, []uint64{site}, now.Add(-core.CurrentWindow), now, 3); err != nil {
			b.Fatal(err)
		}
		if _, err := src.TopPages(ctx, []uint64{site}, now.Add(-core.CurrentWindow), now, 3); err != nil {
			b.Fatal(err)
		}
	}
}

func median(runs int, f func()) time.Duration {
	ds := make([]time.Duration, runs)
	for i := range ds {
		t := time.Now()
		f()
		ds[i] = time.Since(t)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[runs/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
