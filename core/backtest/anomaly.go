package backtest

import (
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/baseline"
)

// AnomalyRule is a traffic alert relative to normal (see core/baseline),
// as a webhook has it or as a backtest tries it before it is saved.
type AnomalyRule struct {
	Type        core.EventType // EventSpike or EventDrop
	Sensitivity core.Sensitivity
	MinVisitors int
	Weeks       int // baseline_weeks
}

// Validate fills the rule's zero settings with their defaults and reports
// the first one out of range.
func (r *AnomalyRule) Validate() error {
	if r.Type != core.EventSpike && r.Type != core.EventDrop {
		return core.FieldErrorf("type", "must be %s or %s, not %q", core.EventSpike, core.EventDrop, r.Type)
	}
	return core.ValidateAnomalySettings(&r.Sensitivity, &r.MinVisitors, &r.Weeks)
}

// Field names the rule as the user types it.
func (r AnomalyRule) Field() string {
	if r.Type == core.EventDrop {
		return "drop_anomaly"
	}
	return "spike_anomaly"
}

// Span is how much history the replay of days days reads: the days
// themselves, the rule's baseline weeks before them, and the step that is
// still filling.
func (r AnomalyRule) Span(days int) time.Duration {
	return time.Duration(days)*24*time.Hour + time.Duration(r.Weeks)*core.Week + core.BucketWidth
}

// anomalyCond decides an anomaly rule at each bucket from the baseline of
// that bucket's slot, computed by baseline.AsOf from the weeks before
// it only: a backtest never looks ahead. Like the poller it leaves a
// bucket undecided while the site was learning, when the slot had no
// samples, and (for drops) when the slot was too quiet to watch. Each step
// is one evaluation: the live check's 2 consecutive polls, 10 s apart for
// a spike and a minute for a drop, both fall within one 5-minute step.
type anomalyCond struct {
	rule   AnomalyRule
	counts *core.BucketCounts
	firsts *baseline.Firsts

	slot time.Time // the slot b is for
	b    core.Baseline
}

// baselineAt returns the baseline of the slot at falls in, as the poller
// would have computed it at the slot's start.
func (c *anomalyCond) baselineAt(at time.Time) core.Baseline {
	slot := core.SlotStart(at)
	if !slot.Equal(c.slot) || c.slot.IsZero() {
		c.b = baseline.AsOf(c.counts, c.firsts, slot, c.rule.Weeks)
		c.slot = slot
	}
	return c.b
}

// Decide implements Decider.
func (c *anomalyCond) Decide(s core.Series, i int) (cond, decided bool) {
	b := c.baselineAt(s.At(i))
	if !baseline.Ready(b) {
		return false, false
	}
	r, v := c.rule, s.Values[i]
	if r.Type == core.EventSpike {
		return b.Spike.IsSpike(v, r.Sensitivity, r.MinVisitors), true
	}
	if !b.Drop.DropEligible(r.MinVisitors) {
		return false, false
	}
	return b.Drop.IsDrop(v, r.Sensitivity), true
}

// Holds implements Condition: an undecided bucket does not hold.
func (c *anomalyCond) Holds(s core.Series, i int) bool {
	cond, _ := c.Decide(s, i)
	return cond
}

// ReplayAnomaly replays an anomaly rule over the complete buckets of a
// site's history from from on: spike is its core.SpikeSeries, and rolling
// its baseline.RollingSeries (needed for a drop rule only), both reaching
// the rule's baseline weeks before from. Firings are reported at each
// bucket's start for a spike and at the end of the 60 minutes for a drop.
func ReplayAnomaly(spike, rolling core.Series, rule AnomalyRule, cooldown time.Duration, from time.Time) Outcome {
	s := spike
	if rule.Type == core.EventDrop {
		s = rolling
	}
	cond := &anomalyCond{rule: rule, counts: baseline.CountsOf(spike, rolling), firsts: baseline.NewFirsts(spike)}
	res := Run(Replay{Series: s, From: from, Cond: cond, Cooldown: cooldown})
	fired := res.Fired
	if fired == nil {
		fired = []Firing{}
	}
	for i := range fired {
		fired[i].At = fired[i].At.UTC()
	}
	return Outcome{Anomaly: &rule, Count: len(fired), Fired: fired, Buckets: res.Buckets}
}

// LastDays returns where a replay of the last days days of s begins, for
// s read up to now with a span of Span(s.Kind, days) or more (an anomaly
// rule's Span reaches its weeks further back): days before the end of its
// last bucket, less that bucket, which is still filling.
func LastDays(s core.Series, days int) time.Time {
	return s.End(s.Len() - 1).Add(-Span(s.Kind, days))
}
