package clickhouse_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/baseline"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// BenchmarkBaselineReads times the two reads of a slot refresh at 1,000
// sites over 5 M events spread over 4 weeks and a day: the bucket counts of
// the slot hour in each of 4 weeks (buckets-ms) and the sites' first
// events (first-ms). Beside them, from the same run: count-4w-ms, a plain
// count of the same sites' events over the same 4 weeks, and scan-ms, a
// count of the visits (engagement left out) in the slot hours that
// buckets-ms reads: the least any read of those columns costs. On this
// synthetic seed (about 170 events per site and day) every granule holds
// many sites and days, so the primary key cannot skip the weeks between
// the slots; on a busy site's data it can.
func BenchmarkBaselineReads(b *testing.B) {
	srv, db := chtest.EventsDB(b)
	start := time.Now()
	if err := srv.SeedSynthetic(db, benchSites, benchEvents, 4*core.Week+24*time.Hour); err != nil {
		b.Fatal(err)
	}
	if err := srv.Exec("OPTIMIZE TABLE " + db + ".events_v2 FINAL"); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d events over %d sites and 4 weeks in %v", benchEvents, benchSites, time.Since(start).Round(time.Millisecond))
	src := open(b, srv, db)
	ctx := context.Background()
	sites := make([]uint64, benchSites)
	for i := range sites {
		sites[i] = uint64(i + 1)
	}
	now := serverNow(b, src)
	count := fmt.Sprintf("SELECT count() FROM %s.events_v2 WHERE site_id >= 1 AND site_id <= %d AND timestamp >= now() - %d",
		db, benchSites, int64(4*core.Week/time.Second))
	var cond []string
	for _, r := range baseline.SlotRanges(now, 4) {
		cond = append(cond, fmt.Sprintf("(timestamp >= %d AND timestamp < %d)", r.From.Add(-core.RollingWindow).Unix(), r.To.Unix()))
	}
	scan := fmt.Sprintf("SELECT count() FROM %s.events_v2 PREWHERE %s WHERE site_id >= 1 AND site_id <= %d AND name != 'engagement'",
		db, strings.Join(cond, " OR "), benchSites)
	var buckets, first, counted, scanned time.Duration
	for b.Loop() {
		t0 := time.Now()
		got, err := src.BucketCounts(ctx, core.CountQuery{SiteIDs: sites, Ranges: baseline.SlotRanges(now, 4)})
		if err != nil || len(got) < benchSites/2 {
			b.Fatalf("%d sites, %v", len(got), err)
		}
		t1 := time.Now()
		if _, err := src.FirstEvents(ctx, sites, []time.Time{baseline.HistorySince(now, 4)}); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := srv.Query(count); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		if _, err := srv.Query(scan); err != nil {
			b.Fatal(err)
		}
		buckets, first, counted, scanned = buckets+t1.Sub(t0), first+t2.Sub(t1), counted+t3.Sub(t2), scanned+time.Since(t3)
	}
	n := float64(b.N)
	b.ReportMetric(ms(buckets)/n, "buckets-ms")
	b.ReportMetric(ms(first)/n, "first-ms")
	b.ReportMetric(ms(counted)/n, "count-4w-ms")
	b.ReportMetric(ms(scanned)/n, "scan-ms")
}
