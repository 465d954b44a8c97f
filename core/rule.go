package core

// TrafficRule is a fixed-threshold traffic alert. A spike holds when the
// current visitors reach Threshold; a drop holds when the 12 h visitors
// fall below it. The poller and the backtests decide with Holds.
type TrafficRule struct {
	Type      EventType // EventSpike or EventDrop
	Threshold int
}

// Holds reports whether the rule's condition holds for the observed value.
func (r TrafficRule) Holds(v uint64) bool {
	if r.Type == EventDrop {
		return v < uint64(r.Threshold)
	}
	return v >= uint64(r.Threshold)
}

// Field names the rule's threshold as the user types it.
func (r TrafficRule) Field() string {
	if r.Type == EventDrop {
		return "drop_threshold"
	}
	return "spike_threshold"
}

// Series returns the kind of series the rule is decided on.
func (r TrafficRule) Series() SeriesKind {
	if r.Type == EventDrop {
		return DropSeries
	}
	return SpikeSeries
}

// Validate reports a threshold below 1 or a type that is not an alert.
func (r TrafficRule) Validate() error {
	if r.Type != EventSpike && r.Type != EventDrop {
		return FieldErrorf("type", "must be %s or %s, not %q", EventSpike, EventDrop, r.Type)
	}
	if r.Threshold < 1 {
		return FieldErrorf(r.Field(), "must be an integer ≥ 1")
	}
	return nil
}

// TrafficRules returns the traffic alerts the webhook has armed: each one it
// subscribes to with a threshold set, spike first. These are the alerts the
// poller evaluates for it.
func (w *Webhook) TrafficRules() []TrafficRule {
	var out []TrafficRule
	if w.SpikeThreshold > 0 && w.Subscribes(EventSpike) {
		out = append(out, TrafficRule{Type: EventSpike, Threshold: w.SpikeThreshold})
	}
	if w.DropThreshold > 0 && w.Subscribes(EventDrop) {
		out = append(out, TrafficRule{Type: EventDrop, Threshold: w.DropThreshold})
	}
	return out
}

// MaxBacktestDays is the longest past a backtest replays: the history the
// webhook form and `hookwatch backtest` read.
const MaxBacktestDays = 28

// ValidateBacktestDays reports a number of days outside 1–MaxBacktestDays.
func ValidateBacktestDays(days int) error {
	if days < 1 || days > MaxBacktestDays {
		return FieldErrorf("days", "must be an integer from 1 to %d, not %d", MaxBacktestDays, days)
	}
	return nil
}
