// Package backtest replays traffic alert rules over a site's history, with
// the state machine the poller uses (core.EvaluateAlert): it reports every
// moment a rule would have fired, honouring its cooldown, and when it would
// have resolved. It is pure code; reading the history is the caller's, or
// Backtest's through a core.HistoryReader.
package backtest

import (
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// Condition decides an alert's condition at bucket i of s. Run calls it
// once per replayed bucket, in order, so a condition may keep state between
// calls (consecutive readings, say); buckets before i are there to read,
// which lets a condition learn from the past without looking ahead.
type Condition interface {
	// Holds reports whether the alert's condition holds at bucket i.
	Holds(s core.Series, i int) bool
}

// Decider is a Condition that may leave a bucket undecided: with decided
// false the alert stays as it is, neither firing nor resolving, as the
// poller leaves an anomaly rule whose site is learning or whose hour is too
// quiet to watch. Run asks Decide instead of Holds when a condition has it.
type Decider interface {
	Condition
	// Decide reports the condition at bucket i, and whether it could
	// decide it at all.
	Decide(s core.Series, i int) (cond, decided bool)
}

// ConditionFunc adapts a function to Condition.
type ConditionFunc func(s core.Series, i int) bool

// Holds implements Condition.
func (f ConditionFunc) Holds(s core.Series, i int) bool { return f(s, i) }

// Threshold is the condition of a fixed-threshold rule, decided by
// core.TrafficRule.Holds on each bucket's value.
func Threshold(r core.TrafficRule) Condition {
	return ConditionFunc(func(s core.Series, i int) bool { return r.Holds(s.Values[i]) })
}

// Replay is one run: a condition over a series.
type Replay struct {
	Series core.Series
	// From is the first moment replayed: buckets reported (Series.At)
	// before it are history the condition may read. Zero replays them all.
	From     time.Time
	Cond     Condition
	Cooldown time.Duration // zero: core.DefaultCooldown
}

// Firing is one moment a rule fired, or resolved, with the value it was
// decided on.
type Firing struct {
	At    time.Time `json:"time"`
	Value uint64    `json:"value"`
}

// Result is what a replay found.
type Result struct {
	Buckets  int      // buckets replayed
	Fired    []Firing // every firing, oldest first
	Resolved []Firing // every resolution, oldest first
}

// Run replays r. Partial buckets are left out: their counts are still
// growing, and a drop rule would fire on every one. Each bucket is one
// observation at Series.At(i), the moment its count is complete, so a
// cooldown is measured as the poller measures it, from firing to firing.
// The state starts clear, as a new webhook's does: a condition that holds
// at the first bucket fires there.
func Run(r Replay) Result {
	s := r.Series.Complete()
	cooldown := r.Cooldown
	if cooldown <= 0 {
		cooldown = core.DefaultCooldown
	}
	var res Result
	var st core.AlertState
	for i := range s.Values {
		at := s.At(i)
		if at.Before(r.From) {
			continue
		}
		res.Buckets++
		cond, decided := decide(r.Cond, s, i)
		if !decided {
			continue
		}
		step := core.EvaluateAlert(st, cond, at, cooldown)
		st = step.Next
		switch {
		case step.Fire:
			res.Fired = append(res.Fired, Firing{At: at, Value: s.Values[i]})
		case step.Resolve:
			res.Resolved = append(res.Resolved, Firing{At: at, Value: s.Values[i]})
		}
	}
	return res
}

// decide asks c about bucket i, through Decide when c is a Decider.
func decide(c Condition, s core.Series, i int) (cond, decided bool) {
	if d, ok := c.(Decider); ok {
		return d.Decide(s, i)
	}
	return c.Holds(s, i), true
}
