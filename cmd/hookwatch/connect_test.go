package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/internal/testutil"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// startMain runs an engine on a fresh database whose saved DSN points at a
// closed port, polling only once an hour on its own, and waits for its
// first poll to fail.
func startMain(t *testing.T, flagDSN string) *Main {
	t.Helper()
	t.Setenv(EnvClickHouse, "")
	ctx := context.Background()
	m := NewMain()
	m.Stderr = io.Discard
	m.Config.DBPath = filepath.Join(t.TempDir(), "hw.db")
	m.Config.PollInterval = time.Hour
	m.Config.ClickHouseDSN = flagDSN
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := m.Settings.SetSetting(ctx, core.SettingClickHouseDSN, "clickhouse://127.0.0.1:1/plausible_events_db"); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, m, func(st core.PollStatus) bool { return !st.LastPollAt.IsZero() && !st.ClickHouseOK })
	return m
}

// waitStatus waits, generously, until the saved poll status satisfies ok.
func waitStatus(t *testing.T, m *Main, ok func(core.PollStatus) bool) core.PollStatus {
	t.Helper()
	var st core.PollStatus
	var err error
	if !testutil.Poll(60*time.Second, func() bool {
		st, err = m.Triggers.PollStatus(context.Background())
		return err == nil && ok(st)
	}) {
		t.Fatalf("poll status still %+v (err %v)", st, err)
	}
	return st
}

func TestSaveClickHouseDSN(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	ctx := context.Background()

	t.Run("the running engine polls the saved ClickHouse at once", func(t *testing.T) {
		m := startMain(t, "")
		svc := m.ClickHouseService()
		if err := svc.SaveClickHouseDSN(ctx, "http://"+srv.HTTPAddr()); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("an HTTP URL was saved: %v", err)
		}
		dsn := srv.DSN(db)
		if err := svc.SaveClickHouseDSN(ctx, dsn); err != nil {
			t.Fatal(err)
		}
		if v, _, _ := m.Settings.Setting(ctx, core.SettingClickHouseDSN); v != dsn {
			t.Fatalf("setting = %q, want %q", v, dsn)
		}
		// The hourly schedule and the failure's backoff would keep the
		// next poll far away: only the save's own poll can pass this.
		st := waitStatus(t, m, func(st core.PollStatus) bool { return st.ClickHouseOK })
		if st.ServerVersion == "" {
			t.Fatalf("status %+v has no server version", st)
		}
		if got, src := svc.CurrentClickHouse(ctx); got != dsn || !strings.Contains(src, "(from settings)") {
			t.Fatalf("CurrentClickHouse = %q, %q", got, src)
		}
		sites, err := svc.DiscoverSites(ctx)
		if err != nil || len(sites) != 0 {
			t.Fatalf("DiscoverSites on an empty events_v2 = %v, %v", sites, err)
		}
	})

	t.Run("a flag keeps naming the ClickHouse in use", func(t *testing.T) {
		m := startMain(t, "clickhouse://127.0.0.1:2/plausible_events_db")
		before := m.live.DSN()
		if err := m.SaveClickHouseDSN(ctx, srv.DSN(db)); err != nil {
			t.Fatal(err)
		}
		if v, _, _ := m.Settings.Setting(ctx, core.SettingClickHouseDSN); v != srv.DSN(db) {
			t.Fatalf("setting = %q, want it saved for the next start", v)
		}
		if m.live.DSN() != before {
			t.Fatal("the engine left the flag's ClickHouse")
		}
		if _, src := m.ClickHouseService().CurrentClickHouse(ctx); !strings.Contains(src, "--clickhouse flag") {
			t.Fatalf("CurrentClickHouse source = %q", src)
		}
	})
}
