package ui

import (
	"fmt"

	"github.com/hookwatch/hookwatch/core"
)

// ruleParts describes w's traffic rules for the webhooks screen: "spike ≥
// 200", "drop relative to normal (medium)", and whether the anomaly rules
// are still learning the site's history.
func ruleParts(w *core.Webhook, bs map[core.BaselineKey]core.Baseline) []string {
	var parts []string
	switch w.SpikeRule() {
	case core.RuleThreshold:
		parts = append(parts, fmt.Sprintf("spike ≥ %d", w.SpikeThreshold))
	case core.RuleAnomaly:
		parts = append(parts, fmt.Sprintf("spike relative to normal (%s, at least %d)", w.Sensitivity, w.MinVisitors))
	}
	switch w.DropRule() {
	case core.RuleThreshold:
		parts = append(parts, fmt.Sprintf("drop < %d", w.DropThreshold))
	case core.RuleAnomaly:
		parts = append(parts, fmt.Sprintf("drop relative to normal (%s)", w.Sensitivity))
	}
	if learning, days := core.HistoryOf(bs, w); learning {
		parts = append(parts, core.LearningText(days))
	}
	return parts
}
