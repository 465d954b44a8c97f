package main

import (
	"context"

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
// clickhouse_dsn setting, and brings the running engine in line with it
// through applySettings: when it is now the DSN in force (no flag or
// environment variable names another), the poller switches to it and polls
// at once, without waiting out a backoff earned by the old DSN.
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
