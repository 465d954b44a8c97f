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
	if w.Sensitivity == "" {
		w.Sensitivity = DefaultSensitivity
	}
	if !slices.Contains(Sensitivities, w.Sensitivity) {
		return FieldErrorf("sensitivity", "unknown sensitivity %q (choose from low, medium, high)", w.Sensitivity)
	}
	if w.MinVisitors == 0 {
		w.MinVisitors = DefaultMinVisitors
	}
	if w.MinVisitors < 1 || w.MinVisitors > MaxMinVisitors {
		return FieldErrorf("min_visitors", "must be an integer between 1 and %d", MaxMinVisitors)
	}
	if w.BaselineWeeks == 0 {
		w.BaselineWeeks = DefaultBaselineWeeks
	}
	if w.BaselineWeeks < MinBaselineWeeks || w.BaselineWeeks > MaxBaselineWeeks {
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
