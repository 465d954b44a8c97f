package poll_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// BenchmarkBaselineRefresh times the anomaly rules' slot refresh at 1,000
// sites over 5 M events spread over 4 weeks and a day: refresh-ms is the
// two grouped reads and the statistics of every site, as a poller runs
// them at start and at each new hour. Beside it, from the same run:
// count-4w-ms, a plain count of the same sites' events over the same 4
// weeks, the least a read of that history costs; and ms/poll of a steady
// poll (no drop check) with a spike and a drop anomaly webhook per site,
// beside threshold-ms, the same poll with fixed thresholds instead, so
// that the anomaly rules are seen not to slow the steady poll.
func BenchmarkBaselineRefresh(b *testing.B) {
	ctx := context.Background()
	srv, chdb := chtest.EventsDB(b)
	start := time.Now()
	if err := srv.SeedSynthetic(chdb, 1000, benchEvents, 4*core.Week+24*time.Hour); err != nil {
		b.Fatal(err)
	}
	if err := srv.Exec("OPTIMIZE TABLE " + chdb + ".events_v2 FINAL"); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded and merged %d events over 1000 sites and 4 weeks in %v", benchEvents, time.Since(start).Round(time.Millisecond))
	src, err := clickhouse.Open(ctx, srv.DSN(chdb))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { src.Close() })
	anomaly := benchHooks(b, 1000, true)
	fixed := benchHooks(b, 1000, false)
	count := fmt.Sprintf("SELECT count() FROM %s.events_v2 WHERE site_id >= 1 AND site_id <= 1000 AND timestamp >= now() - %d",
		chdb, int64(4*core.Week/time.Second))

	var refresh, counted, steady, threshold []time.Duration
	for b.Loop() {
		// A new poller has no baselines: its first poll refreshes.
		log := &refreshLog{}
		p := poll.New(anomaly.config(src, log))
		if err := p.PollOnce(ctx); err != nil {
			b.Fatal(err)
		}
		if log.refresh == 0 {
			b.Fatal("the first poll read no baselines")
		}
		refresh = append(refresh, log.refresh)
		t0 := time.Now()
		if _, err := srv.Query(count); err != nil {
			b.Fatal(err)
		}
		counted = append(counted, time.Since(t0))
		// Steady polls of both kinds, in turns, so that both see the
		// same load of a shared machine.
		q := poll.New(fixed.config(src, &refreshLog{}))
		if err := q.PollOnce(ctx); err != nil { // its first poll runs the drop check
			b.Fatal(err)
		}
		for range 5 {
			steady = append(steady, timePoll(b, p))
			threshold = append(threshold, timePoll(b, q))
		}
	}
	b.ReportMetric(msOf(medianOf(refresh)), "refresh-ms")
	b.ReportMetric(msOf(medianOf(counted)), "count-4w-ms")
	b.ReportMetric(msOf(medianOf(steady)), "ms/poll")
	b.ReportMetric(msOf(medianOf(threshold)), "threshold-ms")
	b.ReportMetric(0, "ns/op")
}

// benchDB is a SQLite file with sites 1..n, each with a spike and a drop
// webhook relative to normal or with fixed thresholds that never fire.
type benchDB struct {
	ss *sqlite.SiteService
	gs *sqlite.GoalService
	hs *sqlite.WebhookService
	ts *sqlite.TriggerStore
	bs *sqlite.BaselineStore
}

func benchHooks(b *testing.B, n int, anomaly bool) *benchDB {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	d := &benchDB{sqlite.NewSiteService(db), sqlite.NewGoalService(db), sqlite.NewWebhookService(db),
		sqlite.NewTriggerStore(db), sqlite.NewBaselineStore(db)}
	for i := 1; i <= n; i++ {
		s := &core.Site{Domain: fmt.Sprintf("site%d.example.com", i), PlausibleID: uint64(i)}
		if err := d.ss.CreateSite(ctx, s); err != nil {
			b.Fatal(err)
		}
		spike := &core.Webhook{SiteID: s.ID, Events: []core.EventType{core.EventSpike}, SpikeThreshold: 1_000_000}
		drop := &core.Webhook{SiteID: s.ID, Events: []core.EventType{core.EventDrop}, DropThreshold: 1}
		if anomaly {
			spike.SpikeThreshold, spike.SpikeAnomaly, spike.MinVisitors = 0, true, 1_000_000
			drop.DropThreshold, drop.DropAnomaly = 0, true
		}
		for _, w := range []*core.Webhook{spike, drop} {
			w.URL, w.AllowPrivate, w.Secret = "http://127.0.0.1:9/hook", true, core.GenerateSecret()
			if err := d.hs.CreateWebhook(ctx, w); err != nil {
				b.Fatal(err)
			}
		}
	}
	return d
}

// config is a poller on d whose drop check waits an hour, as after the
// first poll of a real one.
func (d *benchDB) config(src *clickhouse.Source, log *refreshLog) poll.Config {
	return poll.Config{Source: src, Sites: d.ss, Goals: d.gs, Webhooks: d.hs, Triggers: d.ts,
		Counts: src, Baselines: d.bs, DropEvery: time.Hour, Logger: slog.New(log)}
}

// timePoll times one poll of p.
func timePoll(b *testing.B, p *poll.Poller) time.Duration {
	t0 := time.Now()
	if err := p.PollOnce(context.Background()); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

func medianOf(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// refreshLog keeps the duration of the poller's "baselines read" record.
type refreshLog struct{ refresh time.Duration }

func (h *refreshLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *refreshLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *refreshLog) WithGroup(string) slog.Handler            { return h }
func (h *refreshLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "baselines read" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "duration" {
				h.refresh = a.Value.Duration()
			}
			return true
		})
	}
	return nil
}
