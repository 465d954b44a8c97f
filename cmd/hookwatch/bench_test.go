package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/internal/testutil"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// The benchmarks in this file run the real binary (hwBin, which TestMain
// builds, or HOOKWATCH_BIN) as a user runs it, against a real ClickHouse
// (chtest) and real receivers on loopback. Each does its work once, whatever
// b.N: a run takes tens of seconds, so the framework settles on N = 1 by
// itself, and `make bench` passes -benchtime 1x. Every figure is reported
// beside a baseline measured in the same run. The targets of issue 6 are
// reported as metrics (target-ms and the like) and never asserted;
// .ci/benchreport judges them.

// BenchmarkEndToEndLatency inserts goal events into ClickHouse at a steady
// rate, 100 per second spread over 100 sites (each with one event goal and
// one goal.completed webhook to a loopback receiver), for 30 s, and
// measures for every inserted event the time from the return of its INSERT
// to the receipt of the goal.completed delivery that counts it. Deliveries
// are tied to events per site in order: a delivery of n completions counts
// the site's n oldest events not yet counted, which must lie in its
// period. Once with --poll-interval 1s and once at the default 10 s, with
// the default late horizon.
//
// Beside p50/p95/p99 it reports target-ms (2,500 ms at a 1 s poll, the
// poll interval + 1.5 s otherwise) and, as the baseline, floor-p50-ms and
// floor-p99-ms: per event, the time from its INSERT to the end of the first
// poll that started after it, the least any poller at this interval could
// do.
func BenchmarkEndToEndLatency(b *testing.B) {
	for _, c := range []struct {
		name     string
		interval time.Duration
		flag     bool
	}{
		{"poll=1s", time.Second, true},
		{"poll=default", DefaultPollInterval, false},
	} {
		b.Run(c.name, func(b *testing.B) { benchLatency(b, c.interval, c.flag) })
	}
}

func benchLatency(b *testing.B, interval time.Duration, passFlag bool) {
	const (
		sites     = 100
		insertFor = 30 * time.Second
		tick      = 250 * time.Millisecond // 4 ticks a second, a quarter of the sites each
	)
	benchEnv(b)
	srv, chdb := chtest.EventsDB(b)
	rc := newLatencyReceiver(b)
	db := filepath.Join(b.TempDir(), "hw.db")
	benchStore(b, db, sites, 1, true, func(site, _ int) string { return fmt.Sprintf("%s/s/%d", rc.URL, site) })

	args := []string{"--clickhouse", srv.DSN(chdb)}
	if passFlag {
		args = append(args, "--poll-interval", interval.String())
	}
	p := startBenchProc(b, db, args...)
	p.waitFirstPoll(60 * time.Second)

	inserted := map[latencyKey][]time.Time{}
	total := 0
	var uid uint64
	ticker := time.NewTicker(tick)
	start := time.Now()
	for k := 0; time.Since(start) < insertFor; k++ {
		<-ticker.C
		ts := time.Now().UTC().Truncate(time.Second)
		evs := make([]chtest.Event, 0, sites/4)
		for s := uint64(k%4)*sites/4 + 1; s <= uint64(k%4+1)*sites/4; s++ {
			uid++
			evs = append(evs, chtest.Event{Timestamp: ts, Name: "Signup", SiteID: s, UserID: 1 + uid, SessionID: 1 + uid,
				Hostname: "example.com", Pathname: "/signup"})
		}
		if err := srv.InsertEvents(chdb, evs); err != nil {
			b.Fatal(err)
		}
		at := time.Now() // the events are visible to queries from here on
		for _, e := range evs {
			k := latencyKey{e.SiteID, ts.Unix()}
			inserted[k] = append(inserted[k], at)
		}
		total += len(evs)
	}
	ticker.Stop()
	deadline := time.Now().Add(interval + time.Minute)
	for rc.completions() < total {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d completions delivered %v after the last insert\n%s", rc.completions(), total, time.Since(start)-insertFor, p.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()

	lat, unmatched := attribute(rc.deliveries(), inserted)
	var floor []float64
	polls := p.pollSpans()
	for _, ats := range inserted {
		for _, at := range ats {
			if i := slices.IndexFunc(polls, func(s [2]time.Time) bool { return !s[0].Before(at) }); i >= 0 {
				floor = append(floor, msOf(polls[i][1].Sub(at)))
			}
		}
	}
	if unmatched > 0 || len(lat) != total {
		b.Errorf("%d deliveries count other than the events inserted in their period; %d of %d events attributed", unmatched, len(lat), total)
	}
	b.Logf("%d events over %d sites in %v, %d deliveries, %d polls (poll p50 %.1f ms)", total, sites, insertFor,
		len(rc.deliveries()), len(p.pollDurations()), percentile(p.pollDurations(), 50))
	b.ReportMetric(percentile(lat, 50), "p50-ms")
	b.ReportMetric(percentile(lat, 95), "p95-ms")
	b.ReportMetric(percentile(lat, 99), "p99-ms")
	b.ReportMetric(percentile(lat, 100), "max-ms")
	b.ReportMetric(percentile(floor, 50), "floor-p50-ms")
	b.ReportMetric(percentile(floor, 99), "floor-p99-ms")
	target := interval + 1500*time.Millisecond
	if interval == time.Second {
		target = 2500 * time.Millisecond
	}
	b.ReportMetric(msOf(target), "target-ms")
	b.ReportMetric(percentile(p.pollDurations(), 50), "poll-p50-ms")
	b.ReportMetric(float64(total), "events")
	b.ReportMetric(0, "ns/op")
}

// attribute ties deliveries to the inserted events, keyed by site and
// second, and returns each event's latency and the number of deliveries
// whose completions did not all lie in their period: per site, in order of
// receipt, a delivery of n completions counts the n oldest events not yet
// counted.
func attribute(ds []latencyDelivery, inserted map[latencyKey][]time.Time) (lat []float64, unmatched int) {
	type event struct {
		sec int64
		at  time.Time
	}
	bySite := map[uint64][]event{}
	for k, ats := range inserted {
		for _, at := range ats {
			bySite[k.site] = append(bySite[k.site], event{k.sec, at})
		}
	}
	for _, evs := range bySite {
		slices.SortFunc(evs, func(a, b event) int { return a.at.Compare(b.at) })
	}
	slices.SortFunc(ds, func(a, b latencyDelivery) int { return a.at.Compare(b.at) })
	for _, d := range ds {
		evs := bySite[d.site]
		n := min(int(d.completions), len(evs))
		for _, e := range evs[:n] {
			if e.sec < d.start.Unix() || e.sec >= d.end.Unix() {
				unmatched++
				break
			}
		}
		for _, e := range evs[:n] {
			lat = append(lat, msOf(d.at.Sub(e.at)))
		}
		if n < int(d.completions) {
			unmatched++
		}
		bySite[d.site] = evs[n:]
	}
	return lat, unmatched
}

// latencyKey is an event of the latency benchmark: its site and second.
type latencyKey struct {
	site uint64
	sec  int64
}

// BenchmarkStartup times `hookwatch --headless` from exec to its first
// completed poll (the "poll done" log record), with 100 sites, 100 goals
// and 200 webhooks in the database and 1 M events over 24 h in ClickHouse:
// the first poll also runs the 12 h drop count. It reports the median and
// the slowest of 5 starts. The baselines, from the same run, are the
// median exec-to-exit of `hookwatch version` (the cost of starting the
// process at all) and of `hookwatch status --json` (opening the database).
func BenchmarkStartup(b *testing.B) {
	const runs = 5
	benchEnv(b)
	srv, chdb := chtest.EventsDB(b)
	if err := srv.SeedSynthetic(chdb, 100, 1_000_000, 24*time.Hour); err != nil {
		b.Fatal(err)
	}
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	b.Cleanup(rc.Close)
	db := filepath.Join(b.TempDir(), "hw.db")
	benchStore(b, db, 100, 2, true, func(site, hook int) string { return fmt.Sprintf("%s/s/%d/%d", rc.URL, site, hook) })

	var startup, ready []float64
	for range runs {
		p := startBenchProc(b, db, "--clickhouse", srv.DSN(chdb))
		p.waitFirstPoll(60 * time.Second)
		startup = append(startup, msOf(p.firstPollAt.Sub(p.started)))
		ready = append(ready, msOf(p.readyAt().Sub(p.started)))
		if code := p.stop(); code != 0 {
			b.Fatalf("exit %d on SIGTERM\n%s", code, p.logTail())
		}
	}
	timeRun := func(args ...string) float64 {
		var ds []float64
		for range runs {
			cmd := exec.Command(hwBin, args...)
			t0 := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("hookwatch %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			ds = append(ds, msOf(time.Since(t0)))
		}
		return percentile(ds, 50)
	}
	b.Logf("starts (ms): %v; engine running (ms): %v", rounded(startup), rounded(ready))
	b.ReportMetric(percentile(startup, 50), "startup-ms")
	b.ReportMetric(percentile(startup, 100), "startup-max-ms")
	b.ReportMetric(percentile(ready, 50), "running-ms")
	b.ReportMetric(timeRun("version"), "baseline-version-ms")
	b.ReportMetric(timeRun("--db", db, "status", "--json"), "baseline-status-ms")
	b.ReportMetric(500, "target-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkMemory measures the peak RSS (VmHWM) of `hookwatch --headless`
// with 1,000 sites × 10 webhooks (and a goal per site, polled every 10 s
// over 1 M events) while it delivers 20,000 signed deliveries, enqueued
// into its outbox in one transaction, to a loopback receiver, three times
// over (drains); the webhooks are written through storage/sqlite, not
// 10,000 CLI calls. It also reports the binary's throughput: deliveries/s
// from the enqueue's commit to the last receipt, and steady-deliveries/s
// from the first receipt to the last. The commit is taken as Enqueue's
// return, or the first receipt if that came earlier: SQLite checkpoints
// inside the commit, after its rows are visible to the binary. So the rate
// includes the engine noticing work queued by another process (at most its
// 500 ms outbox poll).
//
// Baselines from the same run: baseline-rss-MB is the VmHWM of an idle
// `hookwatch --headless` on an empty database after its first poll. The
// baseline loop is a plain net/http POST loop in this process with the
// same payload and the engine's 16 first-attempt workers against the same
// receiver, run before the first drain, between drains and after the last,
// while the binary idles; the log lists the binary's polls, so that one
// overlapping a loop or a drain would show. Each drain's ratio is to the
// mean of the two loops beside it. ratio is the median of the three, and
// deliveries/s, steady-deliveries/s and baseline-req/s (that mean) are the
// median drain's; first-drain-ratio is the first drain's alone.
// cpu-us/delivery (hookwatch plus the receiver) and baseline-cpu-us/req
// (client plus receiver, the mean of the four loops) depend less on what
// else the machine runs; the first, the median of the three drains, is
// also reported split into its two processes (each a median).
//
// apart-baseline-req/s is the same loop run from a process of its own, as
// hookwatch is: it pays for what a second process costs on this machine
// (wakeups and scheduling in both processes), which the loop in this
// process does not. It is reported, not judged: the target is the ratio to
// the loop in this process. apart-receiver-cpu-us/req is this process's
// share of it, the receiver's. The apart-signed figures are the same loop
// again with requests shaped as hookwatch's (Standard Webhooks headers,
// signed per request, a webhook-id the receiver deduplicates): beside
// receiver-cpu-us/delivery they tell what the receiver pays for a request's
// shape from what it pays for hookwatch's way of sending.
func BenchmarkMemory(b *testing.B) {
	const (
		sites, hooksPerSite = 1000, 10
		n, workers          = 20000, 16
	)
	benchEnv(b)
	srv, chdb := chtest.EventsDB(b)
	if err := srv.SeedSynthetic(chdb, sites, 1_000_000, 24*time.Hour); err != nil {
		b.Fatal(err)
	}
	dsn := srv.DSN(chdb)
	rc := newCountingReceiver(b)
	payload := benchPayload()

	idle := startBenchProc(b, filepath.Join(b.TempDir(), "empty.db"), "--clickhouse", dsn)
	// Idle means a whole poll cycle done, and the next one too.
	idle.waitPolls(2, 60*time.Second)
	idleRSS := idle.peakRSSMB()
	idle.stop()

	db := filepath.Join(b.TempDir(), "hw.db")
	t0 := time.Now()
	hooks := benchStore(b, db, sites, hooksPerSite, true, func(site, hook int) string { return fmt.Sprintf("%s/w/%d/%d", rc.URL, site, hook) })
	b.Logf("wrote %d sites, %d goals and %d webhooks in %v", sites, sites, len(hooks), time.Since(t0).Round(time.Millisecond))

	args := []string{"--clickhouse", dsn}
	if prof := os.Getenv("HOOKWATCH_BENCH_CPUPROFILE"); prof != "" {
		// A CPU profile of the delivering process, from its start to its stop.
		args = append(args, "--cpuprofile", prof)
	}
	p := startBenchProc(b, db, args...)
	p.waitFirstPoll(60 * time.Second)
	sdb, err := sqlite.Open(db)
	if err != nil {
		b.Fatal(err)
	}
	defer sdb.Close()
	d := &drainer{b: b, p: p, rc: rc, outbox: sqlite.NewDeliveryService(sdb), hooks: hooks, payload: payload, n: n}

	// The drains and the loop take turns, loop first and last, and each
	// drain is judged against the loops on either side of it: the two
	// cores' speed drifts by a tenth and more within a minute, and one
	// sample of each once made the same binary's ratio span 0.39–0.49.
	raw, rawCPU := make([]float64, drains+1), make([]float64, drains+1)
	raw[0], rawCPU[0] = benchRawPosts(b, rc.URL+"/raw", payload, n, workers)
	var rs []drainResult
	for k := range drains {
		rs = append(rs, d.drain(k))
		raw[k+1], rawCPU[k+1] = benchRawPosts(b, rc.URL+"/raw", payload, n, workers)
	}
	rss := p.peakRSSMB()
	if code := p.stop(); code != 0 {
		b.Errorf("exit %d on SIGTERM", code)
	}
	// count is by webhook-id, as a receiver deduplicates; a request that
	// repeated one (at-least-once, after a timeout) is only reported.
	if dups := d.dups; dups != 0 {
		b.Logf("%d requests repeated a webhook-id already received", dups)
	}

	apart := benchRawPostsApart(b, rc.URL+"/raw", n, workers, false)
	signed := benchRawPostsApart(b, rc.URL+"/raw", n, workers, true)
	med := func(f func(r drainResult) float64) float64 {
		xs := make([]float64, len(rs))
		for k, r := range rs {
			xs[k] = f(r)
		}
		return percentile(xs, 50)
	}
	around := func(k int) float64 { return (raw[k] + raw[k+1]) / 2 }
	ratios, rates, shares := make([]float64, len(rs)), make([]float64, len(rs)), make([]float64, len(rs))
	for k, r := range rs {
		ratios[k], rates[k] = r.rate/around(k), r.rate
		shares[k] = 100 * ratios[k]
	}
	// The median drain by ratio gives the rate and the baseline reported
	// beside it, so that the three figures agree.
	mid := slices.Index(ratios, percentile(ratios, 50))
	b.Logf("enqueues of %d took %v ms; drains %v deliveries/s beside loops of %v req/s, %v %% of them; hookwatch polls at %d sites: %v ms",
		n, rounded(d.enqueues), rounded(rates), rounded(raw), rounded(shares), sites, rounded(p.pollDurations()))
	rate := rs[mid].rate
	b.ReportMetric(rss, "peak-rss-MB")
	b.ReportMetric(idleRSS, "baseline-rss-MB")
	b.ReportMetric(100, "target-rss-MB")
	b.ReportMetric(rate, "deliveries/s")
	b.ReportMetric(rs[mid].steady, "steady-deliveries/s")
	b.ReportMetric(around(mid), "baseline-req/s")
	b.ReportMetric(ratios[mid], "ratio")
	// The first drain, right after start, is reported apart: it is the
	// one a freshly started process gives, and the first figures
	// were of it alone.
	b.ReportMetric(ratios[0], "first-drain-ratio")
	b.ReportMetric(med(func(r drainResult) float64 { return r.hookwatchCPU + r.receiverCPU }), "cpu-us/delivery")
	b.ReportMetric(med(func(r drainResult) float64 { return r.hookwatchCPU }), "hookwatch-cpu-us/delivery")
	b.ReportMetric(med(func(r drainResult) float64 { return r.receiverCPU }), "receiver-cpu-us/delivery")
	b.ReportMetric(apart.rate, "apart-baseline-req/s")
	b.ReportMetric(apart.client+apart.receiver, "apart-baseline-cpu-us/req")
	b.ReportMetric(apart.receiver, "apart-receiver-cpu-us/req")
	b.ReportMetric(signed.rate, "apart-signed-req/s")
	b.ReportMetric(signed.client, "apart-signed-client-cpu-us/req")
	b.ReportMetric(signed.receiver, "apart-signed-receiver-cpu-us/req")
	b.ReportMetric(rate/apart.rate, "apart-ratio")
	b.ReportMetric(mean(rawCPU), "baseline-cpu-us/req")
	b.ReportMetric(percentile(p.pollDurations(), 50), "poll-p50-ms")
	b.ReportMetric(0, "ns/op")
}

// benchEnv logs facts about the run for .ci/benchreport: the ClickHouse
// server's version and the machine's load as the benchmark starts. A
// benchmark with sub-benchmarks prints no log of its own, so the
// sub-benchmarks call it.
func benchEnv(b *testing.B) {
	v, err := chtest.Shared(b).Query("SELECT version()")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("bench-env: clickhouse_version=%s", strings.TrimSpace(v))
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.Logf("bench-env: loadavg_%s=%s", strings.ReplaceAll(b.Name(), "/", "_"), strings.Join(strings.Fields(string(load))[:3], " "))
	}
}

// benchStore creates a database at path with sites sites (Plausible ids 1
// to sites, each with an event goal "Signup" if goals is set) and hooks
// webhooks per site taking goal.completed, at url(site, i), and returns
// the webhook ids. It writes through storage/sqlite, as the CLI would but
// without a process per row.
func benchStore(tb testing.TB, path string, sites, hooks int, goals bool, url func(site, hook int) string) []int64 {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ss, gs, ws := sqlite.NewSiteService(db), sqlite.NewGoalService(db), sqlite.NewWebhookService(db)
	var ids []int64
	for i := 1; i <= sites; i++ {
		s := &core.Site{Domain: fmt.Sprintf("site%d.example.com", i), PlausibleID: uint64(i)}
		if err := ss.CreateSite(ctx, s); err != nil {
			tb.Fatal(err)
		}
		if goals {
			testutil.Goal(tb, gs, &core.Goal{SiteID: s.ID, EventName: "Signup"})
		}
		for h := range hooks {
			w := &core.Webhook{SiteID: s.ID, URL: url(i, h), AllowPrivate: true, Enabled: true, Events: []core.EventType{core.EventGoal}}
			if h == 1 {
				// A traffic webhook too, so that a poll runs every query:
				// its thresholds are never crossed.
				w.Events = []core.EventType{core.EventSpike, core.EventDrop}
				w.SpikeThreshold, w.DropThreshold = 1_000_000, 1
			}
			if err := ws.CreateWebhook(ctx, w); err != nil {
				tb.Fatal(err)
			}
			ids = append(ids, w.ID)
		}
	}
	return ids
}

// benchProc is a `hookwatch --headless` process whose JSON log (at debug
// level, where every poll logs "poll done") is read as it is written, so
// that the moment of its first completed poll is known.
type benchProc struct {
	proc
	started   time.Time // just before exec
	firstPoll chan struct{}

	mu          sync.Mutex
	firstPollAt time.Time
	ready       time.Time      // the "hookwatch started" record
	polls       []float64      // durations of completed polls, ms
	spans       [][2]time.Time // start and end of completed polls
	phases      []pollPhase    // and their parts
	tail        []string       // the last log lines, for failure reports
}

// pollPhase is one completed poll's parts, from its "poll done" record, in
// milliseconds.
type pollPhase struct {
	load, clickhouse, commit float64
	dropCheck                bool
}

func startBenchProc(tb testing.TB, db string, args ...string) *benchProc {
	tb.Helper()
	full := append([]string{"--db", db, "--headless", "--log-format", "json", "--log-level", "debug"}, args...)
	p := &benchProc{proc: proc{tb: tb, cmd: exec.Command(hwBin, full...), done: make(chan struct{})}, firstPoll: make(chan struct{})}
	logs, err := p.cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		p.read(logs)
		_ = p.cmd.Wait() // only once the pipe is drained
		close(p.done)
	}()
	tb.Cleanup(func() { p.stop() })
	return p
}

func (p *benchProc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		now := time.Now()
		line := sc.Text()
		var rec struct {
			Msg        string  `json:"msg"`
			Duration   float64 `json:"duration"` // slog writes a Duration as nanoseconds
			Load       float64 `json:"load"`
			ClickHouse float64 `json:"clickhouse"`
			Commit     float64 `json:"commit"`
			DropCheck  bool    `json:"drop_check"`
		}
		_ = json.Unmarshal([]byte(line), &rec)
		p.mu.Lock()
		if p.tail = append(p.tail, line); len(p.tail) > 40 {
			p.tail = p.tail[1:]
		}
		switch rec.Msg {
		case "hookwatch started":
			p.ready = now
		case "poll done":
			p.polls = append(p.polls, rec.Duration/1e6)
			p.spans = append(p.spans, [2]time.Time{now.Add(-time.Duration(rec.Duration)), now})
			p.phases = append(p.phases, pollPhase{rec.Load / 1e6, rec.ClickHouse / 1e6, rec.Commit / 1e6, rec.DropCheck})
			if p.firstPollAt.IsZero() {
				p.firstPollAt = now
				close(p.firstPoll)
			}
		}
		p.mu.Unlock()
	}
}

func (p *benchProc) waitFirstPoll(within time.Duration) {
	p.tb.Helper()
	select {
	case <-p.firstPoll:
	case <-p.done:
		p.tb.Fatalf("hookwatch exited before its first poll\n%s", p.logTail())
	case <-time.After(within):
		p.tb.Fatalf("no completed poll within %v\n%s", within, p.logTail())
	}
}

// waitPolls waits until the process has logged n completed polls.
func (p *benchProc) waitPolls(n int, within time.Duration) {
	p.tb.Helper()
	deadline := time.Now().Add(within)
	for len(p.pollDurations()) < n {
		if !p.running() {
			p.tb.Fatalf("hookwatch exited after %d polls\n%s", len(p.pollDurations()), p.logTail())
		}
		if time.Now().After(deadline) {
			p.tb.Fatalf("%d of %d polls within %v\n%s", len(p.pollDurations()), n, within, p.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *benchProc) readyAt() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ready
}

func (p *benchProc) pollDurations() []float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.polls)
}

// pollSpans returns the start and end of every completed poll, in order;
// a start is the end less the duration the poll logged.
func (p *benchProc) pollSpans() [][2]time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.spans)
}

func (p *benchProc) pollPhases() []pollPhase {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.phases)
}

func (p *benchProc) logTail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// peakRSSMB is the process's peak resident set (VmHWM) so far, in MB.
func (p *benchProc) peakRSSMB() float64 {
	p.tb.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				p.tb.Fatal(err)
			}
			return kb / 1024
		}
	}
	p.tb.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// cpuTime is the CPU time, user and system, that all the process's threads
// have used so far, from /proc/PID/stat (in clock ticks, 100 a second on
// Linux; the runs it measures last about a second or more).
func (p *benchProc) cpuTime() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		p.tb.Fatal(err)
	}
	// The fields after the command name, which is in parentheses: the
	// 12th and 13th are utime and stime.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		p.tb.Fatalf("parse /proc/PID/stat: %q", data)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// selfCPU is the CPU time this process has used, user and system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// latencyDelivery is one goal.completed delivery as the receiver saw it.
type latencyDelivery struct {
	site        uint64
	start, end  time.Time
	completions uint64
	at          time.Time
}

// latencyReceiver records each goal.completed delivery's window and time of
// receipt, once per webhook-id.
type latencyReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]bool
	got  []latencyDelivery
	sum  uint64
}

func newLatencyReceiver(tb testing.TB) *latencyReceiver {
	rc := &latencyReceiver{seen: map[string]bool{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		var env struct {
			Type string `json:"type"`
			Data struct {
				SiteID      uint64    `json:"site_id"`
				Completions uint64    `json:"completions"`
				PeriodStart time.Time `json:"period_start"`
				PeriodEnd   time.Time `json:"period_end"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Type != string(core.EventGoal) {
			tb.Errorf("unexpected delivery %s: %v", body, err)
			return
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if id := r.Header.Get("webhook-id"); !rc.seen[id] {
			rc.seen[id] = true
			rc.got = append(rc.got, latencyDelivery{site: env.Data.SiteID, start: env.Data.PeriodStart, end: env.Data.PeriodEnd,
				completions: env.Data.Completions, at: at})
			rc.sum += env.Data.Completions
		}
	}))
	tb.Cleanup(rc.Close)
	return rc
}

func (rc *latencyReceiver) completions() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return int(rc.sum)
}

func (rc *latencyReceiver) deliveries() []latencyDelivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// countingReceiver counts the engine's deliveries by webhook-id, with the
// times of the first and last; requests to /raw (the baseline) it only
// answers.
type countingReceiver struct {
	*httptest.Server
	mu          sync.Mutex
	ids         map[string]bool
	dups        int
	first, last time.Time
}

func newCountingReceiver(tb testing.TB) *countingReceiver {
	rc := &countingReceiver{ids: map[string]bool{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/raw" {
			return
		}
		id := r.Header.Get("webhook-id")
		now := time.Now()
		rc.mu.Lock()
		if rc.ids[id] {
			rc.dups++
		}
		rc.ids[id] = true
		if rc.first.IsZero() {
			rc.first = now
		}
		rc.last = now
		rc.mu.Unlock()
	}))
	tb.Cleanup(rc.Close)
	return rc
}

func (rc *countingReceiver) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.ids, rc.dups, rc.first, rc.last = map[string]bool{}, 0, time.Time{}, time.Time{}
}

func (rc *countingReceiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.ids)
}

func (rc *countingReceiver) duplicates() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.dups
}

func (rc *countingReceiver) span() (first, last time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.first, rc.last
}

// benchPayload is a goal.completed envelope of about 400 bytes, as in
// core/deliver's BenchmarkEngineThroughput.
func benchPayload() []byte {
	e := &core.Event{Type: core.EventGoal, Key: "bench", Timestamp: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Data: core.GoalData{Site: "shop.example.com", SiteID: 42, Goal: core.GoalRef{Name: "Signup", Kind: core.GoalEvent},
			Completions: 17, UniqueVisitors: 15, PeriodStart: time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC),
			PeriodEnd: time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)}}
	p, err := e.Payload()
	if err != nil {
		panic(err)
	}
	if len(p) < 400 {
		p = append(p[:len(p)-1], []byte(`,"pad":"`+strings.Repeat("x", 400-len(p))+`"}`)...)
	}
	return p
}

// drains is how many times BenchmarkMemory drains its n deliveries, each
// between two runs of the baseline loop; it reports the medians.
const drains = 3

// drainer enqueues and drains BenchmarkMemory's deliveries through a
// running binary.
type drainer struct {
	b       *testing.B
	p       *benchProc
	rc      *countingReceiver
	outbox  *sqlite.DeliveryService
	hooks   []int64
	payload []byte
	n       int

	enqueues []float64 // ms, one per drain
	dups     int       // requests that repeated a webhook-id
}

// drainResult is one drain: deliveries/s from the enqueue's commit to the
// last receipt and from the first receipt to the last, and the CPU µs a
// delivery of the binary and of the receiver (this process) meanwhile.
type drainResult struct{ rate, steady, hookwatchCPU, receiverCPU float64 }

// drain enqueues d.n new deliveries (round k's event keys), waits until the
// receiver has every one and the outbox has logged every attempt, and
// returns what it measured.
func (d *drainer) drain(k int) drainResult {
	b, n := d.b, d.n
	nds := make([]core.NewDelivery, n)
	for j := range nds {
		nds[j] = core.NewDelivery{WebhookID: d.hooks[j%len(d.hooks)], EventKey: fmt.Sprintf("bench-%d-%d", k, j), EventType: core.EventGoal, Payload: d.payload}
	}
	d.rc.reset()
	t0 := time.Now()
	if err := d.outbox.Enqueue(context.Background(), nds); err != nil {
		b.Fatal(err)
	}
	enqueued := time.Now()
	d.enqueues = append(d.enqueues, msOf(enqueued.Sub(t0)))
	cpu0, self0 := d.p.cpuTime(), selfCPU()
	deadline := time.Now().Add(5 * time.Minute)
	for d.rc.count() < n {
		if time.Now().After(deadline) || !d.p.running() {
			b.Fatalf("drain %d: %d of %d delivered after %v\n%s", k, d.rc.count(), n, time.Since(enqueued), d.p.logTail())
		}
		time.Sleep(5 * time.Millisecond)
	}
	first, last := d.rc.span()
	hwCPU, rcCPU := d.p.cpuTime()-cpu0, selfCPU()-self0
	start := enqueued
	if first.Before(start) {
		start = first // the binary saw the rows while SQLite checkpointed
	}
	// Every attempt must be logged, not just sent.
	for {
		stats, err := d.outbox.DeliveryStats(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if stats[core.StateSucceeded] == n*(k+1) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("outbox after drain %d: %v; want %d succeeded", k, stats, n*(k+1))
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.dups += d.rc.duplicates()
	return drainResult{
		rate:         float64(n) / last.Sub(start).Seconds(),
		steady:       float64(n-1) / last.Sub(first).Seconds(),
		hookwatchCPU: float64(hwCPU.Microseconds()) / float64(n),
		receiverCPU:  float64(rcCPU.Microseconds()) / float64(n),
	}
}

// percentile returns the p-th percentile (nearest rank) of xs; 0 for none.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// mean returns the mean of xs; 0 for none.
func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func rounded(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(int(x*10+0.5)) / 10
	}
	return out
}
