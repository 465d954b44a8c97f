package main

import (
	"context"
	"sync"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/history"
)

// HistoryReader returns the reader of the sites' history that the window,
// the CLI and the backtests share, opening the ClickHouse source on first
// use (which contacts no server). What it reads stays in memory while the
// process runs, until the ClickHouse in force changes.
func (m *Main) HistoryReader(ctx context.Context) (core.HistoryReader, error) {
	if m.history != nil {
		return m.history, nil
	}
	if _, err := m.OpenSource(ctx); err != nil {
		return nil, err
	}
	m.history = &liveHistory{live: m.live, late: m.Config.LateHorizon}
	return m.history, nil
}

// liveHistory is a history cache over the ClickHouse in force: a changed
// clickhouse_dsn starts a new, empty cache, since the old one holds
// another server's events.
type liveHistory struct {
	live *liveSource
	late time.Duration

	mu    sync.Mutex
	dsn   string
	cache *history.Cache
}

// Recent implements core.HistoryReader.
func (h *liveHistory) Recent(ctx context.Context, siteID uint64, k core.SeriesKind, span time.Duration) (core.Series, error) {
	h.mu.Lock()
	if dsn := h.live.DSN(); h.cache == nil || dsn != h.dsn {
		h.dsn, h.cache = dsn, history.New(h.live, h.late)
	}
	c := h.cache
	h.mu.Unlock()
	return c.Recent(ctx, siteID, k, span)
}

var _ core.HistorySource = (*liveSource)(nil)

// History implements core.HistorySource on the source in force.
func (l *liveSource) History(ctx context.Context, q core.HistoryQuery) (map[uint64]core.Series, error) {
	r := l.acquire()
	defer r.calls.Done()
	hs, ok := r.src.(core.HistorySource)
	if !ok {
		return nil, core.Errorf(core.EINTERNAL, "the ClickHouse source reads no history")
	}
	return hs.History(ctx, q)
}
