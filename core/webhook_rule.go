package core

import "slices"

// SpikeRule returns how the spike alert decides, or "" when it is off: not
// subscribed, or with no rule.
func (w *Webhook) SpikeRule() RuleKind {
	return ruleOf(w, EventSpike, w.SpikeThreshold, w.SpikeAnomaly)
}

// DropRule returns how the drop alert decides, or "" when it is off.
func (w *Webhook) DropRule() RuleKind {
	return ruleOf(w, EventDrop, w.DropThreshold, w.DropAnomaly)
}

func ruleOf(w *Webhook, t EventType, threshold int, anomaly bool) RuleKind {
	switch {
	case !slices.Contains(w.Events, t):
		return ""
	case anomaly:
		return RuleAnomaly
	case threshold > 0:
		return RuleThreshold
	}
	return ""
}

// HasAnomalyRule reports whether either traffic alert is relative to
// normal, so that the site needs a baseline.
func (w *Webhook) HasAnomalyRule() bool {
	return w.SpikeRule() == RuleAnomaly || w.DropRule() == RuleAnomaly
}

// DefaultEventsOf is the subscription of w added without --events: goal
// completions always, and each traffic alert that has a rule, fixed or
// relative to normal.
func DefaultEventsOf(w *Webhook) []EventType {
	ev := []EventType{EventGoal}
	if w.SpikeThreshold > 0 || w.SpikeAnomaly {
		ev = append(ev, EventSpike)
	}
	if w.DropThreshold > 0 || w.DropAnomaly {
		ev = append(ev, EventDrop)
	}
	return ev
}

// validateRules checks the traffic alerts' rules and fills the anomaly
// settings' defaults.
func (w *Webhook) validateRules() error {
	if w.SpikeAnomaly && w.SpikeThreshold > 0 {
		return FieldErrorf("spike_anomaly", "cannot be combined with spike_threshold: choose a fixed threshold or relative to normal")
	}
	if w.DropAnomaly && w.DropThreshold > 0 {
		return FieldErrorf("drop_anomaly", "cannot be combined with drop_threshold: choose a fixed threshold or relative to normal")
	}
	if slices.Contains(w.Events, EventSpike) && w.SpikeThreshold == 0 && !w.SpikeAnomaly {
		return FieldErrorf("spike_threshold", "is required when subscribing to traffic.spike (or set spike_anomaly)")
	}
	if slices.Contains(w.Events, EventDrop) && w.DropThreshold == 0 && !w.DropAnomaly {
		return FieldErrorf("drop_threshold", "is required when subscribing to traffic.drop (or set drop_anomaly)")
	}
	return ValidateAnomalySettings(&w.Sensitivity, &w.MinVisitors, &w.BaselineWeeks)
}

// ValidateAnomalySettings fills the zero settings of an anomaly rule with
// their defaults and reports the first one out of range, naming its field.
// Webhooks and backtests of rules not saved yet both check with it.
func ValidateAnomalySettings(s *Sensitivity, minVisitors, weeks *int) error {
	if *s == "" {
		*s = DefaultSensitivity
	}
	if !slices.Contains(Sensitivities, *s) {
		return FieldErrorf("sensitivity", "unknown sensitivity %q (choose from low, medium, high)", *s)
	}
	if *minVisitors == 0 {
		*minVisitors = DefaultMinVisitors
	}
	if *minVisitors < 1 || *minVisitors > MaxMinVisitors {
		return FieldErrorf("min_visitors", "must be an integer between 1 and %d", MaxMinVisitors)
	}
	if *weeks == 0 {
		*weeks = DefaultBaselineWeeks
	}
	if *weeks < MinBaselineWeeks || *weeks > MaxBaselineWeeks {
		return FieldErrorf("baseline_weeks", "must be between %d and %d", MinBaselineWeeks, MaxBaselineWeeks)
	}
	return nil
}

// applyRule sets one alert's threshold and anomaly flag from an update: a
// new rule of one kind replaces the other kind.
func applyRule(threshold *int, anomaly *bool, newThreshold *int, newAnomaly *bool) {
	if newThreshold != nil {
		*threshold = *newThreshold
		if *newThreshold > 0 && newAnomaly == nil {
			*anomaly = false
		}
	}
	if newAnomaly != nil {
		*anomaly = *newAnomaly
		if *newAnomaly && newThreshold == nil {
			*threshold = 0
		}
	}
}
