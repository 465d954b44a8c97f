package main

import (
	"context"
	"sync"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// liveSource is the TrafficSource Main hands out: the ClickHouse of the
// clickhouse_dsn in force, which a changed setting swaps while the engine
// runs. Calls that start after a swap go to the new source; the old one is
// closed once the calls under way on it have returned.
type liveSource struct {
	mu  sync.Mutex
	cur *sourceRef
}

// sourceRef is one opened source and the calls using it.
type sourceRef struct {
	src   core.TrafficSource
	dsn   string
	calls sync.WaitGroup
}

var _ core.TrafficSource = (*liveSource)(nil)

func newLiveSource(src core.TrafficSource, dsn string) *liveSource {
	return &liveSource{cur: &sourceRef{src: src, dsn: dsn}}
}

// DSN returns the DSN of the source calls now go to.
func (l *liveSource) DSN() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur.dsn
}

// acquire returns the current source; the caller calls calls.Done.
func (l *liveSource) acquire() *sourceRef {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur.calls.Add(1)
	return l.cur
}

// swap makes src the source for the calls to come, then waits for the
// calls under way on the old one and closes it.
func (l *liveSource) swap(src core.TrafficSource, dsn string) error {
	l.mu.Lock()
	old := l.cur
	l.cur = &sourceRef{src: src, dsn: dsn}
	l.mu.Unlock()
	// No call can join old now: acquire reads l.cur under the lock.
	old.calls.Wait()
	return old.src.Close()
}

// Close closes the current source once its calls have returned.
func (l *liveSource) Close() error {
	l.mu.Lock()
	cur := l.cur
	l.mu.Unlock()
	cur.calls.Wait()
	return cur.src.Close()
}

func (l *liveSource) Now(ctx context.Context) (time.Time, error) {
	r := l.acquire()
	defer r.calls.Done()
	return r.src.Now(ctx)
}

func (l *liveSource) Visitors(ctx context.Context, siteIDs []uint64, with12h bool) (map[uint64]core.VisitorCounts, error) {
	r := l.acquire()
	defer r.calls.Done()
	return r.src.Visitors(ctx, siteIDs, with12h)
}

func (l *liveSource) GoalCompletions(ctx context.Context, goals []core.GoalQuery, from, to time.Time) ([]core.GoalCount, error) {
	r := l.acquire()
	defer r.calls.Done()
	return r.src.GoalCompletions(ctx, goals, from, to)
}

func (l *liveSource) Poll(ctx context.Context, q core.PollQuery) (core.PollResult, error) {
	r := l.acquire()
	defer r.calls.Done()
	return r.src.Poll(ctx, q)
}

func (l *liveSource) TopSources(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]core.SourceRow, error) {
	r := l.acquire()
	defer r.calls.Done()
	return r.src.TopSources(ctx, siteIDs, from, to, n)
}

func (l *liveSource) TopPages(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]core.PageRow, error) {
	r := l.acquire()
	defer r.calls.Done()
	return r.src.TopPages(ctx, siteIDs, from, to, n)
}

func (l *liveSource) DiscoverSites(ctx context.Context, since time.Time) ([]core.DiscoveredSite, error) {
	r := l.acquire()
	defer r.calls.Done()
	return r.src.DiscoverSites(ctx, since)
}

func (l *liveSource) Version(ctx context.Context) (string, error) {
	r := l.acquire()
	defer r.calls.Done()
	return r.src.Version(ctx)
}
