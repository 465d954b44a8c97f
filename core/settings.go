package core

import (
	"net/url"
	"strings"
	"time"
)

// DurationRange is the closed interval a duration setting must lie in.
type DurationRange struct {
	Min, Max time.Duration
}

// Ranges and defaults of the user's settings. The CLI, the window and
// Webhook.Validate all read these.
var (
	// PollIntervalRange bounds how often ClickHouse is polled.
	PollIntervalRange = DurationRange{Min: time.Second, Max: time.Hour}
	// CooldownRange bounds a webhook's cooldown and the default one.
	CooldownRange = DurationRange{Min: time.Minute, Max: 30 * 24 * time.Hour}
	// DigestRange bounds a webhook's goal digest interval, when it has
	// one (0 is off).
	DigestRange = DurationRange{Min: time.Minute, Max: 24 * time.Hour}
)

// DefaultPollInterval is how often ClickHouse is polled unless configured.
const DefaultPollInterval = 10 * time.Second

// NewWebhookCooldown is the cooldown a new webhook starts with when the
// user gives none. setting is the default_cooldown setting's value in
// force (saved, or from the environment; "" when unset): that value when
// it is valid, else DefaultCooldown. The CLI and the window both fill a
// new webhook from it, so that they agree.
func NewWebhookCooldown(setting string) time.Duration {
	if v, err := ValidateSetting(SettingCooldown, setting); err == nil && v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return DefaultCooldown
}

// String writes the range as the user types durations, such as "1m–720h".
func (r DurationRange) String() string {
	return ShortDuration(r.Min) + "–" + ShortDuration(r.Max)
}

// Contains reports whether d lies in the range.
func (r DurationRange) Contains(d time.Duration) bool { return d >= r.Min && d <= r.Max }

// Parse reads s as a duration in the range, or returns an EINVALID error
// naming field and the range.
func (r DurationRange) Parse(field, s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || !r.Contains(d) {
		return 0, FieldErrorf(field, "must be a duration between %s and %s, such as %s, not %q",
			ShortDuration(r.Min), ShortDuration(r.Max), ShortDuration(r.Min*10), s)
	}
	return d, nil
}

// ShortDuration writes d without Go's trailing zero units: 12h, not 12h0m0s.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// SettingKeys lists the settings the user can change, in the order they
// are shown.
var SettingKeys = []string{SettingClickHouseDSN, SettingPollInterval, SettingCooldown}

// ValidateSetting checks value for the setting key and returns it as it is
// to be stored (durations written short). An empty value stands for the
// default and is always valid.
func ValidateSetting(key, value string) (string, error) {
	value = strings.TrimSpace(value)
	switch key {
	case SettingClickHouseDSN:
		if value == "" {
			return "", nil
		}
		return value, ValidateClickHouseDSN(value)
	case SettingPollInterval, SettingCooldown:
		if value == "" {
			return "", nil
		}
		d, err := SettingRange(key).Parse(key, value)
		if err != nil {
			return "", err
		}
		return ShortDuration(d), nil
	}
	return "", FieldErrorf("key", "unknown setting %q (choose from %s)", key, strings.Join(SettingKeys, ", "))
}

// SettingRange returns the range of a duration setting.
func SettingRange(key string) DurationRange {
	if key == SettingPollInterval {
		return PollIntervalRange
	}
	return CooldownRange
}

// ValidateClickHouseDSN checks the shape of a ClickHouse DSN; whether it
// connects is for a test connection to say.
func ValidateClickHouseDSN(dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" || (u.Scheme != "clickhouse" && u.Scheme != "tcp") {
		return FieldErrorf(SettingClickHouseDSN, "must look like clickhouse://user:password@host:9000/%s", DefaultClickHouseDatabase)
	}
	return nil
}

// Check returns an EINVALID error naming field unless d lies in the range.
func (r DurationRange) Check(field string, d time.Duration) error {
	if !r.Contains(d) {
		return FieldErrorf(field, "must be between %s and %s", ShortDuration(r.Min), ShortDuration(r.Max))
	}
	return nil
}
