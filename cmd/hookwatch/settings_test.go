package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func settingsJSON(t *testing.T, db string, args ...string) map[string]settingView {
	t.Helper()
	var views []settingView
	if err := json.Unmarshal([]byte(mustHW(t, db, append(args, "settings", "--json")...)), &views); err != nil {
		t.Fatal(err)
	}
	out := map[string]settingView{}
	for _, v := range views {
		out[v.Key] = v
	}
	return out
}

func TestSettingsCommand(t *testing.T) {
	t.Run("lists every key with its value, source and range", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "hw.db")
		got := settingsJSON(t, db)
		for key, want := range map[string]settingView{
			"clickhouse_dsn":   {Value: "clickhouse://127.0.0.1:9000/plausible_events_db", Source: "default"},
			"poll_interval":    {Value: "10s", Source: "default", Range: "1s–1h"},
			"default_cooldown": {Value: "12h", Source: "default", Range: "1m–720h"},
		} {
			want.Key = key
			if got[key] != want {
				t.Errorf("%s = %+v, want %+v", key, got[key], want)
			}
		}
		if text := mustHW(t, db, "settings"); !strings.Contains(text, "poll_interval     10s") || !strings.Contains(text, "SOURCE") {
			t.Errorf("text:\n%s", text)
		}
	})
	t.Run("precedence is flag, environment, saved setting, default", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "hw.db")
		mustHW(t, db, "settings", "set", "poll_interval", "2m")
		if v := settingsJSON(t, db)["poll_interval"]; v.Value != "2m" || v.Source != "saved" {
			t.Errorf("saved: %+v", v)
		}
		t.Setenv(EnvPollInterval, "45s")
		if v := settingsJSON(t, db)["poll_interval"]; v.Value != "45s" || v.Source != "env" || v.Origin != EnvPollInterval || v.Saved != "2m" {
			t.Errorf("env: %+v", v)
		}
		if v := settingsJSON(t, db, "--poll-interval", "5s")["poll_interval"]; v.Value != "5s" || v.Source != "flag" || v.Origin != "--poll-interval" {
			t.Errorf("flag: %+v", v)
		}
		t.Setenv(EnvPollInterval, "")
		mustHW(t, db, "settings", "unset", "poll_interval")
		if out := mustHW(t, db, "settings", "get", "poll_interval"); out != "10s\n" {
			t.Errorf("after unset: %q", out)
		}
	})
	t.Run("refuses a bad key or value with exit 2 naming the key and the range", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "hw.db")
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"set", "poll_interval", "500ms"}, `poll_interval: must be a duration between 1s and 1h`},
			{[]string{"set", "poll_interval", "2h"}, `poll_interval: must be a duration between 1s and 1h`},
			{[]string{"set", "default_cooldown", "30s"}, `default_cooldown: must be a duration between 1m and 720h`},
			{[]string{"set", "default_cooldown", "soon"}, `default_cooldown: must be a duration between 1m and 720h`},
			{[]string{"set", "clickhouse_dsn", "mysql://x"}, `clickhouse_dsn: must look like clickhouse://`},
			{[]string{"set", "colour", "red"}, `key: unknown setting "colour" (choose from clickhouse_dsn, poll_interval, default_cooldown)`},
			{[]string{"get", "colour"}, `unknown setting "colour"`},
			{[]string{"unset", "colour"}, `unknown setting "colour"`},
		} {
			code, _, errs := hw(t, db, append([]string{"settings"}, tc.args...)...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
			}
		}
		if v := settingsJSON(t, db); v["poll_interval"].Source != "default" || v["default_cooldown"].Source != "default" {
			t.Errorf("a refused value was saved: %+v", v)
		}
		t.Setenv(EnvDefaultCooldown, "1s")
		if code, _, errs := hw(t, db, "site", "list"); code != 2 || !strings.Contains(errs, EnvDefaultCooldown+": must be a duration between 1m and 720h") {
			t.Errorf("bad %s: exit %d, stderr %q", EnvDefaultCooldown, code, errs)
		}
	})
	t.Run("never prints the DSN's password", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "hw.db")
		dsn := "clickhouse://reader:s3cret-pw@127.0.0.1:9000/plausible_events_db"
		outs := []string{mustHW(t, db, "settings", "set", "clickhouse_dsn", dsn), mustHW(t, db, "settings"),
			mustHW(t, db, "settings", "--json"), mustHW(t, db, "settings", "get", "clickhouse_dsn"),
			mustHW(t, db, "settings", "get", "clickhouse_dsn", "--json"), mustHW(t, db, "--clickhouse", dsn, "settings")}
		for _, out := range outs {
			if strings.Contains(out, "s3cret-pw") || !strings.Contains(out, "reader") {
				t.Errorf("output shows the password or lacks the user: %s", out)
			}
		}
	})
	t.Run("default_cooldown applies to webhooks added afterwards", func(t *testing.T) {
		db := newDB(t)
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/before")
		mustHW(t, db, "settings", "set", "default_cooldown", "90m")
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/after")
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/own", "--cooldown", "2h")
		var hooks []struct {
			URL      string `json:"url"`
			Cooldown string `json:"cooldown"`
		}
		if err := json.Unmarshal([]byte(mustHW(t, db, "webhook", "list", "--json")), &hooks); err != nil {
			t.Fatal(err)
		}
		want := []string{"12h0m0s", "1h30m0s", "2h0m0s"}
		for i, h := range hooks {
			if i >= len(want) || h.Cooldown != want[i] {
				t.Errorf("%s: cooldown %s, want %v in order", h.URL, h.Cooldown, want)
			}
		}
	})
}

func TestSettingsApplyLive(t *testing.T) {
	t.Run("a headless engine started without --poll-interval picks up settings set poll_interval at its next poll", func(t *testing.T) {
		srv, chdb := chtest.EventsDB(t)
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
		// At 1h, the engine polls at start and then not for an hour, so
		// each later poll this test waits for proves the change applied.
		mustBin(t, db, "settings", "set", "poll_interval", "1h")
		e := startEngine(t, db, "--clickhouse", srv.DSN(chdb))
		lastPoll := func() time.Time {
			if p := statusJSON(t, db).LastPollAt; p != nil {
				return *p
			}
			return time.Time{}
		}
		var first time.Time
		eventually(t, 60*time.Second, "the first poll", func() bool { first = lastPoll(); return !first.IsZero() })
		if started := e.logLines("hookwatch started"); len(started) != 1 || started[0]["poll_interval"] != "1h0m0s" {
			t.Fatalf("start log: %v", started)
		}
		mustBin(t, db, "settings", "set", "poll_interval", "2s")
		eventually(t, 60*time.Second, "the engine to apply 2s", func() bool {
			for _, rec := range e.logLines("poll interval changed") {
				if rec["interval"] == float64(2*time.Second) {
					return true
				}
			}
			return false
		})
		polls := map[time.Time]bool{first: true}
		eventually(t, 90*time.Second, "two more polls", func() bool {
			polls[lastPoll()] = true
			return len(polls) >= 3
		})
		if !e.running() {
			t.Error("the engine stopped")
		}
	})
	t.Run("a running engine reads a newly saved clickhouse_dsn from its next poll", func(t *testing.T) {
		srv, chdb := chtest.EventsDB(t)
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
		mustBin(t, db, "settings", "set", "clickhouse_dsn", deadDSN)
		mustBin(t, db, "settings", "set", "poll_interval", "1s")
		e := startEngine(t, db)
		eventually(t, 60*time.Second, "a failed poll of the dead DSN", func() bool {
			ch := statusJSON(t, db).ClickHouse
			return !ch.OK && ch.Error != ""
		})
		mustBin(t, db, "settings", "set", "clickhouse_dsn", srv.DSN(chdb))
		eventually(t, 90*time.Second, "a successful poll of the new DSN", func() bool {
			v := statusJSON(t, db)
			return v.ClickHouse.OK && v.LastPollAt != nil
		})
		if len(e.logLines("clickhouse changed")) != 1 {
			t.Errorf("the engine did not log the switch once")
		}
	})
}
