package clickhouse_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/history"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// BenchmarkHistory times the history reads of one site over the bench's
// 5 M events on 1,000 sites, spread here over 28 days: the 28-day read of
// 5-minute buckets (the spike backtest and the chart), the 28-day read of
// the 12 h count at each hour's end (the drop backtest), and the cached
// re-read that follows either, which reads only the buckets younger than
// the late horizon. Beside them, from the same run, a plain count of the
// site's events over the same range (count-ms), which reads the same
// granules and aggregates nothing.
func BenchmarkHistory(b *testing.B) {
	srv, db := chtest.EventsDB(b)
	start := time.Now()
	if err := srv.SeedSynthetic(db, benchSites, benchEvents, 28*24*time.Hour); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d events over %d sites and 28 days in %v", benchEvents, benchSites, time.Since(start).Round(time.Millisecond))
	src := open(b, srv, db)
	ctx := context.Background()
	const site = 7
	now, err := src.Now(ctx)
	if err != nil {
		b.Fatal(err)
	}
	to := core.SpikeSeries.Align(now).Add(core.SpikeSeries.Step)
	from := to.Add(-28 * 24 * time.Hour)
	countSQL := fmt.Sprintf("SELECT count() FROM %s.events_v2 WHERE site_id IN (%d) AND timestamp >= toDateTime(%d) AND timestamp < toDateTime(%d) AND name != 'engagement'",
		db, site, from.Unix(), to.Unix())
	read := func(k core.SeriesKind) {
		t := k.Align(now).Add(k.Step)
		if _, err := src.History(ctx, core.HistoryQuery{SiteIDs: []uint64{site}, Kind: k, From: t.Add(-28 * 24 * time.Hour), To: t}); err != nil {
			b.Fatal(err)
		}
	}
	cache := history.New(src, 0)
	if _, err := cache.Recent(ctx, site, core.SpikeSeries, 28*24*time.Hour); err != nil {
		b.Fatal(err)
	}

	var spike, drop, count, cached time.Duration
	for b.Loop() {
		t := time.Now()
		read(core.SpikeSeries)
		spike += time.Since(t)
		t = time.Now()
		read(core.DropSeries)
		drop += time.Since(t)
		t = time.Now()
		if _, err := srv.Query(countSQL); err != nil {
			b.Fatal(err)
		}
		count += time.Since(t)
		t = time.Now()
		if _, err := cache.Recent(ctx, site, core.SpikeSeries, 28*24*time.Hour); err != nil {
			b.Fatal(err)
		}
		cached += time.Since(t)
	}
	n := float64(b.N)
	b.ReportMetric(ms(spike)/n, "read-5m-28d-ms")
	b.ReportMetric(ms(drop)/n, "read-12h-28d-ms")
	b.ReportMetric(ms(cached)/n, "cached-reread-ms")
	b.ReportMetric(ms(count)/n, "baseline-count-ms")
	b.ReportMetric(0, "ns/op")
}
