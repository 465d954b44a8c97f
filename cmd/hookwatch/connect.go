package main

import (
	"context"
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

// SaveClickHouseDSN checks the shape of dsn and stores it as the
// clickhouse_dsn setting; applySettings then points the running engine at
// it, unless a flag or environment variable names another, and polls at
// once, so that the status bar need not wait out a backoff earned by the
// old DSN.
func (m *Main) SaveClickHouseDSN(ctx context.Context, dsn string) error {
	src, err := clickhouse.Open(ctx, dsn) // checks the DSN; does not connect
	if err != nil {
		return err
	}
	src.Close()
	if err := m.Settings.SetSetting(ctx, core.SettingClickHouseDSN, dsn); err != nil {
		return err
	}
	m.applySettings(ctx)
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
