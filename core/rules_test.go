package core_test

import (
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

func TestNewWebhookCooldown(t *testing.T) {
	for setting, want := range map[string]time.Duration{
		"":      core.DefaultCooldown,
		"6h":    6 * time.Hour,
		" 90m ": 90 * time.Minute,
		"30s":   core.DefaultCooldown, // below CooldownRange: an older hookwatch's value is passed over
		"soon":  core.DefaultCooldown,
	} {
		if got := core.NewWebhookCooldown(setting); got != want {
			t.Errorf("NewWebhookCooldown(%q) = %v, want %v", setting, got, want)
		}
	}
}

func TestNewDigest(t *testing.T) {
	tests := []struct {
		f      core.Format
		chosen time.Duration
		chose  bool
		want   time.Duration
	}{
		{core.FormatSlack, 0, false, core.DefaultChatDigest},
		{core.FormatSlack, 0, true, 0},
		{core.FormatNtfy, time.Hour, true, time.Hour},
		{core.FormatStandard, 0, false, 0},
		{core.FormatStandard, 30 * time.Minute, true, 30 * time.Minute},
	}
	for _, tt := range tests {
		if got := tt.f.NewDigest(tt.chosen, tt.chose); got != tt.want {
			t.Errorf("%s.NewDigest(%v, %v) = %v, want %v", tt.f, tt.chosen, tt.chose, got, tt.want)
		}
	}
}

func TestDigestRange(t *testing.T) {
	for d, ok := range map[time.Duration]bool{0: true, time.Minute: true, 24 * time.Hour: true, -time.Minute: false, 30 * time.Second: false, 25 * time.Hour: false} {
		w := &core.Webhook{Site: "example.com", URL: "https://hooks.example.com/x", Events: []core.EventType{core.EventGoal}, Secret: core.GenerateSecret(), DigestInterval: d}
		err := w.Validate()
		if ok && err != nil {
			t.Errorf("digest %v refused: %v", d, err)
		}
		if !ok && (core.ErrorCode(err) != core.EINVALID || err.Error() != "digest: must be 0 (off) or between 1m and 24h") {
			t.Errorf("digest %v: %v, want the digest range error", d, err)
		}
	}
}
