package poll_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
	"github.com/hookwatch/hookwatch/internal/testutil"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// benchEvents is the size of the seeded events_v2, spread over 1,000 sites
// and the last 24 hours.
const benchEvents = 5_000_000

// BenchmarkPollCycle times one steady-state poll (ms/poll) with 10, 100 and
// 1,000 sites, each with a spike webhook that also takes goal events, a
// drop webhook and two goals (an event goal and a wildcard page goal),
// over 5 M events; every poll recounts the goals' buckets over the default
// late horizon, with fresh completions in them. The
// drop-check variants add the 12 h count, which a real poller runs once a
// minute. baseline-ms is, in the same run, one bare Source.Now plus one
// grouped visitors query over the same sites: the least any poll costs.
// The live-parts variant is the 1,000-site poll over the layout of a live
// server (see seedPollBench).
func BenchmarkPollCycle(b *testing.B) {
	pb := seedPollBench(b, 0)
	for _, n := range []int{10, 100, 1000} {
		for _, drop := range []bool{false, true} {
			name := fmt.Sprintf("sites=%d", n)
			if drop {
				name += "/drop-check"
			}
			b.Run(name, func(b *testing.B) { pb.run(b, n, drop) })
		}
	}
	b.Run("sites=1000/live-parts", func(b *testing.B) { seedPollBench(b, liveMinutes).run(b, 1000, false) })
}

// liveMinutes is how many of the last minutes the live-parts variant of
// BenchmarkPollCycle inserts apart.
const liveMinutes = 15

// seedPollBench seeds a database of its own with benchEvents over 1,000
// sites and the last 24 hours, and merges the inserted parts, as a
// long-running server has: a benchmark right after a bulk insert would
// otherwise time background merges. With live > 0 the merge stops live
// minutes back, and each of the last live minutes goes in apart, as
// Plausible's buffer flushes them, left to the server's own merges: the
// layout of a live server. ClickHouse skips a part whose time range ends
// before a query's window, so there a poll reads the recent parts only,
// where one merged part makes it decode every granule of the day.
func seedPollBench(b *testing.B, live int) *pollBench {
	srv, chdb := chtest.EventsDB(b)
	perMinute := benchEvents / (24 * 60)
	ago := time.Duration(live) * time.Minute
	start := time.Now()
	if err := srv.SeedSyntheticBefore(chdb, 1000, benchEvents-live*perMinute, 24*time.Hour-ago, ago); err != nil {
		b.Fatal(err)
	}
	if err := srv.Exec("OPTIMIZE TABLE " + chdb + ".events_v2 FINAL"); err != nil {
		b.Fatal(err)
	}
	for m := live - 1; m >= 0; m-- {
		if err := srv.SeedSyntheticBefore(chdb, 1000, perMinute, time.Minute, time.Duration(m)*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded and merged %d events over 1000 sites, the last %d minutes in parts of their own, in %v", benchEvents, live, time.Since(start).Round(time.Millisecond))
	src, err := clickhouse.Open(context.Background(), srv.DSN(chdb))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { src.Close() })
	return &pollBench{srv: srv, chdb: chdb, src: src}
}

// pollBench is the ClickHouse database a poll benchmark reads.
type pollBench struct {
	srv  *chtest.Server
	chdb string
	src  *clickhouse.Source
}

// run times the steady poll of the first sites sites of pb's database,
// with the 12 h drop count at every poll if dropCheck.
func (pb *pollBench) run(b *testing.B, sites int, dropCheck bool) {
	ctx := context.Background()
	srv, chdb, src := pb.srv, pb.chdb, pb.src
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ss, gs, hs, ts := sqlite.NewSiteService(db), sqlite.NewGoalService(db), sqlite.NewWebhookService(db), sqlite.NewTriggerStore(db)
	var goalIDs []int64
	var ids []uint64
	for i := 1; i <= sites; i++ {
		s := &core.Site{Domain: fmt.Sprintf("site%d.example.com", i), PlausibleID: uint64(i)}
		if err := ss.CreateSite(ctx, s); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, s.PlausibleID)
		for _, g := range []*core.Goal{{SiteID: s.ID, EventName: "Signup"}, {SiteID: s.ID, PagePath: "/blog/*"}} {
			testutil.Goal(b, gs, g)
			goalIDs = append(goalIDs, g.ID)
		}
		for _, w := range []*core.Webhook{
			{SiteID: s.ID, Events: []core.EventType{core.EventSpike, core.EventGoal}, SpikeThreshold: 1_000_000},
			{SiteID: s.ID, Events: []core.EventType{core.EventDrop}, DropThreshold: 1},
		} {
			w.URL, w.AllowPrivate, w.Secret, w.Enabled = "http://127.0.0.1:9/hook", true, core.GenerateSecret(), true
			if err := hs.CreateWebhook(ctx, w); err != nil {
				b.Fatal(err)
			}
		}
	}
	phases := &phaseLog{}
	cfg := poll.Config{Source: src, Sites: ss, Versions: ss, Goals: gs, Webhooks: hs, Triggers: ts, Logger: slog.New(phases)}
	if dropCheck {
		cfg.DropEvery = time.Nanosecond
	}
	p := poll.New(cfg)
	if err := p.PollOnce(ctx); err != nil { // first sight of the goals, first drop check
		b.Fatal(err)
	}

	// rewind adds the last 20 s of live traffic at the seed's rate (5 M a
	// day, about 58 events/s), then opens every goal's buckets from the
	// late horizon and one 10 s poll interval back, so that each timed poll
	// recounts the horizon's buckets, finds fresh events in them and moves
	// every goal's state by a bucket, as a steady poller at a 10 s interval
	// does. The states go into the store and, through poll.Rewound, into
	// what the poller keeps of them between polls (it reads its own
	// commits from memory, not from the store), so that the timed poll sees
	// exactly the rewound states and writes them all again.
	rewind := func() {
		if err := srv.SeedSynthetic(chdb, 1000, benchEvents/(24*3600)*20, 20*time.Second); err != nil {
			b.Fatal(err)
		}
		now, err := src.Now(ctx)
		if err != nil {
			b.Fatal(err)
		}
		open := core.BucketStart(now.Add(-core.DefaultLateHorizon - poll.DefaultInterval))
		goalStates, prune := make(map[int64]core.GoalState, len(goalIDs)), make(map[int64]time.Time, len(goalIDs))
		for _, id := range goalIDs {
			goalStates[id], prune[id] = core.GoalState{Open: open, Recount: open}, open
		}
		c := core.PollCommit{Goals: goalStates, Prune: prune, Status: core.PollStatus{ClickHouseOK: true}}
		if err := ts.CommitPoll(ctx, c); err != nil {
			b.Fatal(err)
		}
		poll.Rewound(p, c)
	}

	// baseline is the least a poll could cost: ClickHouse's now and one
	// grouped count over the same sites.
	baseline := func() time.Duration {
		t0 := time.Now()
		if _, err := src.Now(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := src.Visitors(ctx, ids, false); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	// pathFloor is what reading the pathname column adds, which every poll
	// with a page goal must: ClickHouse's now and the one other grouped
	// read over the same sites and current window that reads it (the top
	// pages of a spike). On a part that spans the window, ClickHouse
	// decodes the column for every granule it reads.
	pathFloor := func() time.Duration {
		t0 := time.Now()
		now, err := src.Now(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := src.TopPages(ctx, ids, now.Add(-5*time.Minute), now, 1); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}

	// One untimed steady poll first, so that the horizon's buckets are
	// reported and the timed polls find only the fresh events new, as a
	// steady poller does.
	rewind()
	if err := p.PollOnce(ctx); err != nil {
		b.Fatal(err)
	}

	// The timer covers exactly the polls; the rewinds and the baselines,
	// measured beside each poll so that both see the same machine load,
	// are left out. One sample of each is at the mercy of whatever else the
	// two cores run at that moment (one slow baseline once made a poll look
	// 1.15 times it), so each op takes pollSamples of both and reports
	// their medians; the phases are means.
	b.ResetTimer()
	var polls, bases, floors []time.Duration
	*phases = phaseLog{}
	for range b.N {
		for range pollSamples {
			b.StopTimer()
			rewind()
			bases = append(bases, baseline())
			floors = append(floors, pathFloor())
			b.StartTimer()
			t0 := time.Now()
			if err := p.PollOnce(ctx); err != nil {
				b.Fatal(err)
			}
			polls = append(polls, time.Since(t0))
		}
	}
	b.StopTimer()
	mean := func(d time.Duration) float64 { return msOf(d) / float64(len(polls)) }
	b.ReportMetric(msOf(medianOf(polls)), "ms/poll")
	b.ReportMetric(msOf(medianOf(bases)), "baseline-ms")
	b.ReportMetric(msOf(medianOf(floors)), "pathname-floor-ms")
	b.ReportMetric(mean(phases.load), "load-ms")
	b.ReportMetric(mean(phases.query), "clickhouse-ms")
	b.ReportMetric(mean(phases.commit), "commit-ms")
	b.ReportMetric(0, "ns/op") // ms/poll says it in a readable unit
}

// pollSamples is how many polls, and baselines beside them, one op of
// BenchmarkPollCycle times.
const pollSamples = 5

// phaseLog sums the phase durations of the poller's "poll done" records.
type phaseLog struct{ load, query, commit time.Duration }

func (h *phaseLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *phaseLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *phaseLog) WithGroup(string) slog.Handler            { return h }
func (h *phaseLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "poll done" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "load":
			h.load += a.Value.Duration()
		case "clickhouse":
			h.query += a.Value.Duration()
		case "commit":
			h.commit += a.Value.Duration()
		}
		return true
	})
	return nil
}
