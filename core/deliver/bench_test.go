package deliver_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/deliver"
)

// BenchmarkEngineThroughput sends N signed deliveries (HOOKWATCH_BENCH_N,
// default 20,000) spread over 2,000 webhooks through the whole engine: the
// SQLite outbox (a real file; storage/sqlite runs WAL with
// synchronous=NORMAL, so a commit survives a process crash but not
// necessarily a power cut), batched reads and commits, signing, and the
// attempt log, to a loopback receiver. In the same run, the baseline is a
// plain net/http POST loop with the same payload and concurrency (the
// engine's 16 first-attempt workers) against the same receiver.
//
// It reports deliveries/s, baseline_req/s and their ratio, and the process's
// CPU time per request of each, which a busy machine disturbs less.
func BenchmarkEngineThroughput(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("HOOKWATCH_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	const hooks, workers = 2000, 16

	// received counts the engine's deliveries by webhook-id, as a receiver
	// deduplicates (a retry after a timeout is not a second delivery), and
	// the baseline's requests to /raw one by one.
	var received atomic.Int64
	var idsMu sync.Mutex
	ids := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path != "/raw" {
			idsMu.Lock()
			seen := ids[r.Header.Get("webhook-id")]
			ids[r.Header.Get("webhook-id")] = true
			idsMu.Unlock()
			if seen {
				return
			}
		}
		received.Add(1)
	}))
	defer srv.Close()

	st := newStore(b)
	ws := make([]*core.Webhook, 0, hooks)
	for i := range hooks {
		if i > 0 && i%core.MaxWebhooksPerSite == 0 {
			st.site = st.addSite(b)
		}
		ws = append(ws, st.addHook(b, fmt.Sprintf("%s/w/%d", srv.URL, i), nil))
	}
	payload := benchPayload()

	var engineTime, rawTime, engineCPU, rawCPU time.Duration
	var engineMallocs, engineBytes uint64
	var sent int
	for i := 0; b.Loop(); i++ {
		// The engine: everything queued, then sent as fast as it goes.
		nds := make([]core.NewDelivery, n)
		for j := range nds {
			nds[j] = core.NewDelivery{WebhookID: ws[j%hooks].ID, EventKey: fmt.Sprintf("bench-%d-%d", i, j),
				EventType: core.EventGoal, Payload: payload}
		}
		b.StopTimer()
		if err := st.deliveries.Enqueue(context.Background(), nds); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		received.Store(0)
		cfg := deliver.Config{Deliveries: st.deliveries, Webhooks: st.webhooks, Workers: workers,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		e := deliver.New(cfg)
		ctx, cancel := context.WithCancel(context.Background())
		stopProfile := engineProfile(b)
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t0, c0 := time.Now(), cpuTime()
		done := make(chan error, 1)
		go func() { done <- e.Run(ctx) }()
		waitReceived(b, &received, n, done)
		cancel()
		if err := <-done; err != nil { // returns once every result is committed
			b.Fatal(err)
		}
		engineTime += time.Since(t0)
		engineCPU += cpuTime() - c0
		runtime.ReadMemStats(&m1)
		engineMallocs += m1.Mallocs - m0.Mallocs
		engineBytes += m1.TotalAlloc - m0.TotalAlloc
		stopProfile()
		sent += n

		// The baseline: the same requests from a bare POST loop.
		received.Store(0)
		t0, c0 = time.Now(), cpuTime()
		rawPosts(b, srv.URL, payload, n, workers)
		rawTime += time.Since(t0)
		rawCPU += cpuTime() - c0
	}
	stats, err := st.deliveries.DeliveryStats(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if stats[core.StateSucceeded] != sent {
		b.Fatalf("%d deliveries succeeded; want %d (stats %v)", stats[core.StateSucceeded], sent, stats)
	}
	engineRate := float64(sent) / engineTime.Seconds()
	rawRate := float64(sent) / rawTime.Seconds()
	b.ReportMetric(engineRate, "deliveries/s")
	b.ReportMetric(rawRate, "baseline_req/s")
	b.ReportMetric(engineRate/rawRate, "ratio")
	// CPU per request (client, receiver and, for the engine, SQLite) does
	// not depend on what else the machine is running.
	b.ReportMetric(float64(engineCPU.Microseconds())/float64(sent), "engine_cpu_us/delivery")
	b.ReportMetric(float64(rawCPU.Microseconds())/float64(sent), "baseline_cpu_us/req")
	// Allocations (the engine's, the receiver's and SQLite's) do not
	// depend on the machine's load at all: a change's effect on them shows
	// in one run.
	b.ReportMetric(float64(engineMallocs)/float64(sent), "engine_allocs/delivery")
	b.ReportMetric(float64(engineBytes)/float64(sent), "engine_B/delivery")
	b.ReportMetric(0, "ns/op")
}

// engineProfile writes a CPU profile of the engine's part of the run, not
// the set-up's or the baseline's, to HOOKWATCH_BENCH_CPUPROFILE if it is
// set; the returned function ends it.
func engineProfile(b *testing.B) (stop func()) {
	path := os.Getenv("HOOKWATCH_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// waitReceived waits until received counts n, failing the benchmark if
// the engine's Run returns first (on done) or after a deadline generous
// enough for a loaded machine.
func waitReceived(b *testing.B, received *atomic.Int64, n int, done <-chan error) {
	b.Helper()
	deadline := time.After(5 * time.Minute)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for received.Load() < int64(n) {
		select {
		case err := <-done:
			b.Fatalf("the engine stopped after %d of %d deliveries: %v", received.Load(), n, err)
		case <-deadline:
			b.Fatalf("%d of %d deliveries received within 5 minutes", received.Load(), n)
		case <-tick.C:
		}
	}
}

// rawPosts POSTs payload n times from workers goroutines, as a plain
// net/http client would.
func rawPosts(b *testing.B, url string, payload []byte, n, workers int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				resp, err := client.Post(url+"/raw", "application/json", bytes.NewReader(payload))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
}

// benchPayload is a goal.completed envelope of about 400 bytes.
func benchPayload() []byte {
	e := &core.Event{Type: core.EventGoal, Key: "bench", Timestamp: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Data: core.GoalData{Site: "shop.example.com", SiteID: 42, Goal: core.GoalRef{Name: "Signup", Kind: "event"},
			Completions: 17, UniqueVisitors: 15, PeriodStart: time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC),
			PeriodEnd: time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)}}
	p, err := e.Payload()
	if err != nil {
		panic(err)
	}
	for len(p) < 400 {
		p = append(p[:len(p)-1], []byte(`,"pad":"`+string(bytes.Repeat([]byte("x"), 400-len(p)))+`"}`)...)
	}
	return p
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
