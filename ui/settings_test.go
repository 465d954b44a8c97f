package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/hookwatch/hookwatch/core"
)

func (e *env) setting(key string) string {
	e.t.Helper()
	v, _, err := e.svc.Settings.Setting(context.Background(), key)
	if err != nil {
		e.t.Fatalf("Setting(%s): %v", key, err)
	}
	return v
}

func TestSettings(t *testing.T) {
	t.Run("refuses a malformed duration beside its field", func(t *testing.T) {
		e := newEnv(t)
		e.act(func() { e.ui.ShowScreen(ScreenSettings) })
		s := e.ui.settings
		test.Type(s.dsn, "clickhouse://default@127.0.0.1:9000/plausible_events_db")
		test.Type(s.poll, "soon")
		e.tap(s.save)
		if got := s.fields.errorText(core.SettingPollInterval); !strings.Contains(got, "must be a duration") {
			t.Fatalf("poll interval error = %q", got)
		}
		if v := e.setting(core.SettingClickHouseDSN); v != "" {
			t.Fatalf("DSN stored (%q) although the form was refused", v)
		}

		s.poll.SetText("500ms")
		e.tap(s.save)
		if got := s.fields.errorText(core.SettingPollInterval); !strings.Contains(got, "between 1s and 1h") {
			t.Fatalf("poll interval error = %q", got)
		}

		s.poll.SetText("30s")
		s.cooldown.SetText("6h")
		e.tap(s.save)
		if v := e.setting(core.SettingPollInterval); v != "30s" {
			t.Fatalf("stored poll interval %q", v)
		}
		if v := e.setting(core.SettingCooldown); v != "6h" {
			t.Fatalf("stored cooldown %q", v)
		}
		if !strings.Contains(s.saved.Text, "applies at the next poll") {
			t.Fatalf("saved note = %q", s.saved.Text)
		}
	})

	t.Run("hides the stored password and keeps it on save", func(t *testing.T) {
		e := newEnv(t)
		dsn := "clickhouse://plausible:hunter2@10.0.0.5:9000/plausible_events_db"
		if err := e.svc.Settings.SetSetting(context.Background(), core.SettingClickHouseDSN, dsn); err != nil {
			t.Fatal(err)
		}
		e.act(func() { e.ui.ShowScreen(ScreenSettings) })
		e.ui.wait()
		s := e.ui.settings
		if strings.Contains(s.dsn.Text, "hunter2") || !strings.Contains(s.dsn.Text, "plausible:"+core.RedactedPassword+"@10.0.0.5") {
			t.Fatalf("DSN entry shows %q", s.dsn.Text)
		}
		var dialed []string
		e.ui.svc.TestConnection = func(_ context.Context, dsn string) (string, error) {
			dialed = append(dialed, dsn)
			return "24.8.1", nil
		}
		s.test.Enable()
		e.tap(s.test)
		if len(dialed) != 1 || dialed[0] != dsn {
			t.Fatalf("Test connection dialed %q, want the stored DSN with its password", dialed)
		}
		s.poll.SetText("1m")
		e.tap(s.save)
		if v := e.setting(core.SettingClickHouseDSN); v != dsn {
			t.Fatalf("stored DSN %q, want the password kept", v)
		}
		if strings.Contains(s.dsn.Text, "hunter2") {
			t.Fatalf("DSN entry shows %q after saving", s.dsn.Text)
		}

		// Another host with the mask left as its password: the mask
		// stands for nothing there, so the form says to type it.
		s.dsn.SetText(strings.Replace(s.dsn.Text, "10.0.0.5", "10.0.0.6", 1))
		e.tap(s.save)
		if got := s.fields.errorText(core.SettingClickHouseDSN); !strings.Contains(got, "type the password again") {
			t.Fatalf("DSN error = %q", got)
		}
		if v := e.setting(core.SettingClickHouseDSN); v != dsn {
			t.Fatalf("stored DSN %q after a refused save, want %q", v, dsn)
		}
		e.tap(s.test)
		if len(dialed) != 1 {
			t.Fatalf("Test connection dialed %q with the mask as the password", dialed[1:])
		}
	})

	t.Run("an empty DSN tests the default", func(t *testing.T) {
		e := newEnv(t)
		var dialed []string
		e.ui.svc.TestConnection = func(_ context.Context, dsn string) (string, error) {
			dialed = append(dialed, dsn)
			return "24.8.1", nil
		}
		s := e.ui.settings
		s.test.Enable()
		s.dsn.SetText("")
		e.tap(s.test)
		if len(dialed) != 1 || dialed[0] != core.DefaultClickHouseDSN {
			t.Fatalf("Test connection dialed %q, want %s", dialed, core.DefaultClickHouseDSN)
		}
		if s.dsn.PlaceHolder != core.DefaultClickHouseDSN {
			t.Fatalf("DSN placeholder %q, want the default", s.dsn.PlaceHolder)
		}
	})

	t.Run("test connection shows the version or the error", func(t *testing.T) {
		e := newEnv(t)
		var got []string
		e.ui.svc.TestConnection = func(_ context.Context, dsn string) (string, error) {
			got = append(got, dsn)
			if strings.Contains(dsn, "bad") {
				return "", errors.New("dial tcp 127.0.0.1:9: connection refused")
			}
			return "24.8.1", nil
		}
		s := e.ui.settings
		s.test.Enable()
		s.dsn.SetText("clickhouse://default@127.0.0.1:9000/db")
		e.tap(s.test)
		if s.result.Text != "✓ Connected: ClickHouse 24.8.1" {
			t.Fatalf("result = %q", s.result.Text)
		}
		s.dsn.SetText("clickhouse://bad@127.0.0.1:9/db")
		e.tap(s.test)
		if !strings.Contains(s.result.Text, "connection refused") {
			t.Fatalf("result = %q", s.result.Text)
		}
		if len(got) != 2 {
			t.Fatalf("TestConnection called %d times", len(got))
		}
	})
}
