package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
)

// Environment variables of the settings, read when the flag is not given.
const (
	EnvPollInterval    = "HOOKWATCH_POLL_INTERVAL"
	EnvDefaultCooldown = "HOOKWATCH_DEFAULT_COOLDOWN"
)

// Where a setting's value comes from, in order of precedence.
const (
	fromFlag    = "flag"
	fromEnv     = "env"
	fromSaved   = "saved"
	fromDefault = "default"
)

// settingSpec says where a setting may be given besides the database.
type settingSpec struct {
	key  string
	flag string              // the global flag, or "" for none
	env  string              // the environment variable
	def  string              // the default
	get  func(Config) string // the flag's value, "" when not given
}

var settingSpecs = []settingSpec{
	{key: core.SettingClickHouseDSN, flag: "clickhouse", env: EnvClickHouse, def: core.DefaultClickHouseDSN,
		get: func(c Config) string { return c.ClickHouseDSN }},
	{key: core.SettingPollInterval, flag: "poll-interval", env: EnvPollInterval, def: core.ShortDuration(core.DefaultPollInterval),
		get: func(c Config) string {
			if c.PollInterval <= 0 {
				return ""
			}
			return core.ShortDuration(c.PollInterval)
		}},
	{key: core.SettingCooldown, env: EnvDefaultCooldown, def: core.ShortDuration(core.DefaultCooldown),
		get: func(Config) string { return "" }},
}

func specOf(key string) (settingSpec, error) {
	for _, s := range settingSpecs {
		if s.key == key {
			return s, nil
		}
	}
	_, err := core.ValidateSetting(key, "")
	return settingSpec{}, err
}

// resolvedSetting is a setting's value in force and where it comes from.
// Value is raw: print it through view, which redacts the DSN.
type resolvedSetting struct {
	Key    string
	Value  string
	Source string // fromFlag, fromEnv, fromSaved or fromDefault
	Origin string // the flag or variable that gave it, for fromFlag and fromEnv
	Saved  string // the value saved in the database, "" when unset
}

// Setting resolves key: flag, environment, saved setting, default. A saved
// value that is no longer valid (an older hookwatch's) is passed over.
func (m *Main) Setting(ctx context.Context, key string) (resolvedSetting, error) {
	spec, err := specOf(key)
	if err != nil {
		return resolvedSetting{}, err
	}
	r := resolvedSetting{Key: key, Value: spec.def, Source: fromDefault}
	saved, ok, err := m.Settings.Setting(ctx, key)
	if err != nil {
		return r, err
	}
	if ok {
		r.Saved = saved
	}
	switch env := os.Getenv(spec.env); {
	case spec.get(m.Config) != "":
		r.Value, r.Source, r.Origin = spec.get(m.Config), fromFlag, "--"+spec.flag
	case env != "":
		r.Value, r.Source, r.Origin = env, fromEnv, spec.env
	case saved != "":
		if v, err := core.ValidateSetting(key, saved); err == nil {
			r.Value, r.Source = v, fromSaved
		}
	}
	return r, nil
}

// checkSettingsEnv refuses an environment variable whose duration is out
// of its setting's range, naming the variable; the DSN's is left to the
// ClickHouse client, as before these checks.
func checkSettingsEnv() error {
	for _, s := range settingSpecs[1:] {
		v := os.Getenv(s.env)
		if v == "" {
			continue
		}
		if _, err := core.ValidateSetting(s.key, v); err != nil {
			var ce *core.Error
			if errors.As(err, &ce) {
				return core.FieldErrorf(s.env, "%s", ce.Message)
			}
			return err
		}
	}
	return nil
}

// settingValue returns the value in force of key, its default on error.
func (m *Main) settingValue(ctx context.Context, key string) string {
	r, err := m.Setting(ctx, key)
	if err != nil {
		spec, _ := specOf(key)
		return spec.def
	}
	return r.Value
}

func (m *Main) settingDuration(ctx context.Context, key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(m.settingValue(ctx, key)); err == nil && d > 0 {
		return d
	}
	return def
}

// ClickHouseDSN resolves the DSN: flag, environment, saved setting, default.
func (m *Main) ClickHouseDSN(ctx context.Context) string {
	return m.settingValue(ctx, core.SettingClickHouseDSN)
}

// ClickHouseSource names the ClickHouse in use and where its DSN came from,
// without the password, for the window's settings.
func (m *Main) ClickHouseSource(ctx context.Context) string {
	r, err := m.Setting(ctx, core.SettingClickHouseDSN)
	if err != nil {
		return clickhouse.Endpoint(m.ClickHouseDSN(ctx))
	}
	return clickhouse.Endpoint(r.Value) + " (from " + r.describeSource() + ")"
}

// describeSource says in words where the value comes from.
func (r resolvedSetting) describeSource() string {
	switch r.Source {
	case fromFlag:
		return r.Origin + " flag"
	case fromEnv:
		return r.Origin
	case fromSaved:
		return "settings"
	}
	return "default"
}

// PollInterval resolves the poll interval: flag, environment, saved
// setting, default.
func (m *Main) PollInterval(ctx context.Context) time.Duration {
	return m.settingDuration(ctx, core.SettingPollInterval, core.DefaultPollInterval)
}

// DefaultCooldown is the cooldown a new webhook gets when none is given
// (core.NewWebhookCooldown of the default_cooldown setting in force:
// environment, saved setting, else core.DefaultCooldown).
func (m *Main) DefaultCooldown(ctx context.Context) time.Duration {
	return core.NewWebhookCooldown(m.settingValue(ctx, core.SettingCooldown))
}

// applySettings brings the running engine in line with the settings in
// force, after watchOthers saw another process commit or the window saved
// its settings: a new poll interval applies from the next poll, and a new
// ClickHouse DSN at a poll run at once, which does not wait out the backoff
// of the old server's failures.
func (m *Main) applySettings(ctx context.Context) {
	if m.Poller == nil {
		return
	}
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	if _, err := m.Poller.SetInterval(m.PollInterval(ctx)); err != nil {
		m.Logger.Error("cannot apply the new poll interval", "err", err)
	}
	dsn := m.ClickHouseDSN(ctx)
	if m.live == nil || dsn == m.live.DSN() {
		return
	}
	src, err := clickhouse.Open(ctx, dsn)
	if err != nil {
		m.Logger.Error("cannot switch to the new ClickHouse; the old one stays in use", "err", err)
		return
	}
	if err := m.live.swap(src, dsn); err != nil {
		m.Logger.Warn("closing the old ClickHouse connection", "err", err)
	}
	m.Logger.Info("clickhouse changed", "clickhouse", clickhouse.Endpoint(dsn))
	m.pollNow()
}
