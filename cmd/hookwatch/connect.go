package main

import (
	"context"
	"sync"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
)

// ClickHouseService returns what the window's first run asks of
// ClickHouse, over this Main's settings and engine.
func (m *Main) ClickHouseService() core.ClickHouseService {
	return &clickHouseService{Explorer: &clickhouse.Explorer{DSN: m.ClickHouseDSN}, m: m}
}

type clickHouseService struct {
	*clickhouse.Explorer
	m *Main
}

func (s *clickHouseService) CurrentClickHouse(ctx context.Context) (string, string) {
	return s.m.ClickHouseDSN(ctx), s.m.ClickHouseSource(ctx)
}

func (s *clickHouseService) SaveClickHouseDSN(ctx context.Context, dsn string) error {
	return s.m.SaveClickHouseDSN(ctx, dsn)
}

// SaveClickHouseDSN checks the shape of dsn, stores it as the
// clickhouse_dsn setting, and, when it is now the DSN in use (no flag or
// environment variable names another), points the running engine's poller
// at it and polls at once, so that the status bar need not wait out a
// backoff earned by the old DSN.
func (m *Main) SaveClickHouseDSN(ctx context.Context, dsn string) error {
	src, err := clickhouse.Open(ctx, dsn) // checks the DSN; does not connect
	if err != nil {
		return err
	}
	if err := m.Settings.SetSetting(ctx, core.SettingClickHouseDSN, dsn); err != nil {
		src.Close()
		return err
	}
	live, ok := m.Source.(*liveSource)
	if !ok || m.Poller == nil || m.ClickHouseDSN(ctx) != dsn {
		src.Close()
		return nil
	}
	live.swap(src)
	m.pollNow()
	return nil
}

// pollNow runs one poll in the background, within the engine's lifetime.
func (m *Main) pollNow() {
	m.runMu.Lock()
	defer m.runMu.Unlock()
	if m.runCtx == nil || m.runCtx.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(m.runCtx, 30*time.Second)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer cancel()
		// PollOnce logs and saves its own failure; a failed poll is
		// ClickHouse's state, not a reason to stop the engine.
		_ = m.Poller.PollOnce(ctx)
	}()
}

// liveSource is the engine's ClickHouse, which SaveClickHouseDSN can
// replace while the poller runs: each call goes to the Source current when
// it starts.
type liveSource struct {
	mu  sync.RWMutex
	src core.TrafficSource
}

var _ core.TrafficSource = (*liveSource)(nil)

func (l *liveSource) get() core.TrafficSource {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.src
}

// swap makes src current and closes the one it replaces; a query still
// running on that one fails, and the poll that made it is retried on src.
func (l *liveSource) swap(src core.TrafficSource) {
	l.mu.Lock()
	old := l.src
	l.src = src
	l.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
}

func (l *liveSource) Now(ctx context.Context) (time.Time, error) { return l.get().Now(ctx) }

func (l *liveSource) Visitors(ctx context.Context, siteIDs []uint64, with12h bool) (map[uint64]core.VisitorCounts, error) {
	return l.get().Visitors(ctx, siteIDs, with12h)
}

func (l *liveSource) GoalCompletions(ctx context.Context, goals []core.GoalQuery, from, to time.Time) ([]core.GoalCount, error) {
	return l.get().GoalCompletions(ctx, goals, from, to)
}

func (l *liveSource) Poll(ctx context.Context, q core.PollQuery) (core.PollResult, error) {
	return l.get().Poll(ctx, q)
}

func (l *liveSource) TopSources(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]core.SourceRow, error) {
	return l.get().TopSources(ctx, siteIDs, from, to, n)
}

func (l *liveSource) TopPages(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]core.PageRow, error) {
	return l.get().TopPages(ctx, siteIDs, from, to, n)
}

func (l *liveSource) DiscoverSites(ctx context.Context, since time.Time) ([]core.DiscoveredSite, error) {
	return l.get().DiscoverSites(ctx, since)
}

func (l *liveSource) Version(ctx context.Context) (string, error) { return l.get().Version(ctx) }

func (l *liveSource) Close() error { return l.get().Close() }
