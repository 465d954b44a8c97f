package core_test

import (
	"strings"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

func TestWebhookAnomalyRules(t *testing.T) {
	spike := []core.EventType{core.EventSpike}
	for _, tc := range []struct {
		name      string
		edit      func(w *core.Webhook)
		field     string
		wantInMsg string
	}{
		{"accepts a spike relative to normal", func(w *core.Webhook) { w.Events, w.SpikeAnomaly = spike, true }, "", ""},
		{"accepts a drop relative to normal", func(w *core.Webhook) { w.Events, w.DropAnomaly = []core.EventType{core.EventDrop}, true }, "", ""},
		{"refuses a spike with both rules", func(w *core.Webhook) { w.Events, w.SpikeAnomaly, w.SpikeThreshold = spike, true, 5 }, "spike_anomaly", "spike_threshold"},
		{"refuses a drop with both rules", func(w *core.Webhook) { w.DropAnomaly, w.DropThreshold = true, 5 }, "drop_anomaly", "drop_threshold"},
		{"refuses spike with no rule", func(w *core.Webhook) { w.Events = spike }, "spike_threshold", "spike_anomaly"},
		{"refuses an unknown sensitivity", func(w *core.Webhook) { w.Sensitivity = "extreme" }, "sensitivity", "low, medium, high"},
		{"refuses a capitalised sensitivity", func(w *core.Webhook) { w.Sensitivity = "High" }, "sensitivity", "low, medium, high"},
		{"refuses negative min_visitors", func(w *core.Webhook) { w.MinVisitors = -1 }, "min_visitors", "between 1 and"},
		{"refuses 1 baseline week", func(w *core.Webhook) { w.BaselineWeeks = 1 }, "baseline_weeks", "between 2 and 8"},
		{"refuses 9 baseline weeks", func(w *core.Webhook) { w.BaselineWeeks = 9 }, "baseline_weeks", "between 2 and 8"},
		{"accepts 8 baseline weeks", func(w *core.Webhook) { w.BaselineWeeks = 8 }, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := validWebhook()
			tc.edit(w)
			err := w.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if w.Sensitivity != core.DefaultSensitivity || w.MinVisitors != core.DefaultMinVisitors ||
					(w.BaselineWeeks != core.DefaultBaselineWeeks && w.BaselineWeeks != 8) {
					t.Errorf("defaults not filled: %q %d %d", w.Sensitivity, w.MinVisitors, w.BaselineWeeks)
				}
				return
			}
			if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != tc.field || !strings.Contains(err.Error(), tc.wantInMsg) {
				t.Errorf("err %v (field %q); want field %q and %q", err, core.ErrorField(err), tc.field, tc.wantInMsg)
			}
		})
	}
}

func TestWebhookRuleKinds(t *testing.T) {
	w := &core.Webhook{Events: []core.EventType{core.EventSpike, core.EventDrop}, SpikeAnomaly: true, DropThreshold: 3}
	if w.SpikeRule() != core.RuleAnomaly || w.DropRule() != core.RuleThreshold || !w.HasAnomalyRule() {
		t.Fatalf("rules %q %q", w.SpikeRule(), w.DropRule())
	}
	// --events without the type turns the rule off.
	w.Events = []core.EventType{core.EventDrop}
	if w.SpikeRule() != "" || w.HasAnomalyRule() {
		t.Errorf("an unsubscribed spike has rule %q", w.SpikeRule())
	}
	if got := core.DefaultEventsOf(&core.Webhook{SpikeAnomaly: true}); len(got) != 2 || got[1] != core.EventSpike {
		t.Errorf("DefaultEventsOf(spike anomaly) = %v", got)
	}
}

// An edit that sets one kind of rule replaces the other kind, and one that
// sets both is refused.
func TestWebhookUpdateSwitchesRule(t *testing.T) {
	yes, five := true, 5
	w := validWebhook()
	w.Events, w.SpikeThreshold = []core.EventType{core.EventSpike}, 200
	core.WebhookUpdate{SpikeAnomaly: &yes}.Apply(w)
	if !w.SpikeAnomaly || w.SpikeThreshold != 0 || w.Validate() != nil {
		t.Fatalf("--spike-anomaly: anomaly %v threshold %d", w.SpikeAnomaly, w.SpikeThreshold)
	}
	core.WebhookUpdate{SpikeThreshold: &five}.Apply(w)
	if w.SpikeAnomaly || w.SpikeThreshold != 5 || w.Validate() != nil {
		t.Fatalf("--spike-threshold: anomaly %v threshold %d", w.SpikeAnomaly, w.SpikeThreshold)
	}
	core.WebhookUpdate{SpikeThreshold: &five, SpikeAnomaly: &yes}.Apply(w)
	if err := w.Validate(); core.ErrorField(err) != "spike_anomaly" {
		t.Errorf("both rules at once: %v", err)
	}
}

func TestParseSensitivity(t *testing.T) {
	for in, want := range map[string]core.Sensitivity{"": "medium", "low": "low", " HIGH ": "high"} {
		if got, err := core.ParseSensitivity(in); err != nil || got != want {
			t.Errorf("ParseSensitivity(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := core.ParseSensitivity("max"); core.ErrorField(err) != "sensitivity" {
		t.Errorf("max: %v", err)
	}
}
