package backtest

import (
	"context"
	"fmt"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/baseline"
)

// Spec is a backtest of one site's traffic rules over its last Days days:
// a saved webhook's (ForWebhook) or rules not saved yet.
type Spec struct {
	SiteID uint64             // the Plausible site_id
	Rules  []core.TrafficRule // fixed thresholds
	// Anomalies are rules relative to normal. Rules and Anomalies hold at
	// most one rule of each type between them.
	Anomalies []AnomalyRule
	Cooldown  time.Duration // zero: core.DefaultCooldown
	Days      int
}

// ForWebhook returns the Spec of webhook w's armed traffic rules, those
// the poller evaluates, with its cooldown. A webhook without one is
// EINVALID naming spike_threshold, the field that would give it one.
func ForWebhook(w *core.Webhook, site *core.Site, days int) (Spec, error) {
	rules := w.TrafficRules()
	var anomalies []AnomalyRule
	for _, t := range []core.EventType{core.EventSpike, core.EventDrop} {
		if (t == core.EventSpike && w.SpikeRule() == core.RuleAnomaly) || (t == core.EventDrop && w.DropRule() == core.RuleAnomaly) {
			anomalies = append(anomalies, AnomalyRule{Type: t, Sensitivity: w.Sensitivity, MinVisitors: w.MinVisitors, Weeks: w.BaselineWeeks})
		}
	}
	if len(rules)+len(anomalies) == 0 {
		return Spec{}, core.FieldErrorf("spike_threshold", "webhook %d has no traffic rule to backtest: it needs spike_threshold, drop_threshold, spike_anomaly or drop_anomaly set, with traffic.spike or traffic.drop among its events", w.ID)
	}
	return Spec{SiteID: site.PlausibleID, Rules: rules, Anomalies: anomalies, Cooldown: w.Cooldown, Days: days}, nil
}

// Validate reports the first rule the spec breaks: days out of range, no
// rule, a threshold below 1, a type given twice, a cooldown out of range.
func (s *Spec) Validate() error {
	if err := core.ValidateBacktestDays(s.Days); err != nil {
		return err
	}
	if len(s.Rules)+len(s.Anomalies) == 0 {
		return core.FieldErrorf("spike_threshold", "give a spike threshold, a drop threshold or both (or a rule relative to normal)")
	}
	seen := map[core.EventType]bool{}
	for _, r := range s.Rules {
		if err := r.Validate(); err != nil {
			return err
		}
		if seen[r.Type] {
			return core.FieldErrorf(r.Field(), "is given twice")
		}
		seen[r.Type] = true
	}
	for i := range s.Anomalies {
		r := &s.Anomalies[i]
		if err := r.Validate(); err != nil {
			return err
		}
		if seen[r.Type] {
			return core.FieldErrorf(r.Field(), "is given twice, or with a threshold for the same alert")
		}
		seen[r.Type] = true
	}
	if s.Cooldown == 0 {
		s.Cooldown = core.DefaultCooldown
	}
	return core.CooldownRange.Check("cooldown", s.Cooldown)
}

// Report is a Spec's outcome per alert type: nil for a type with no rule.
type Report struct {
	Days  int      `json:"days"`
	Spike *Outcome `json:"spike,omitempty"`
	Drop  *Outcome `json:"drop,omitempty"`
}

// Outcome is one rule's firings.
type Outcome struct {
	Rule    core.TrafficRule `json:"-"`
	Anomaly *AnomalyRule     `json:"-"` // set for a rule relative to normal, instead of Rule
	Count   int              `json:"count"`
	Fired   []Firing         `json:"fired"`
	Buckets int              `json:"-"` // buckets replayed
}

// Span is how much history of kind k to read for days of complete
// buckets: the reader's last bucket is still filling, and Run leaves it out.
func Span(k core.SeriesKind, days int) time.Duration {
	return time.Duration(days)*24*time.Hour + k.Step
}

// Backtest validates spec, reads each rule's series through r and replays
// it. Each rule's series is read once, from r's cache where it can be.
func Backtest(ctx context.Context, r core.HistoryReader, spec Spec) (Report, error) {
	if err := spec.Validate(); err != nil {
		return Report{}, err
	}
	rep := Report{Days: spec.Days}
	for _, rule := range spec.Rules {
		s, err := r.Recent(ctx, spec.SiteID, rule.Series(), Span(rule.Series(), spec.Days))
		if err != nil {
			return Report{}, fmt.Errorf("backtest %s: %w", rule.Type, err)
		}
		o := ReplayRule(s, rule, spec.Cooldown)
		rep.set(rule.Type, &o)
	}
	for _, rule := range spec.Anomalies {
		o, err := backtestAnomaly(ctx, r, spec, rule)
		if err != nil {
			return Report{}, fmt.Errorf("backtest %s: %w", rule.Type, err)
		}
		rep.set(rule.Type, &o)
	}
	return rep, nil
}

func (r *Report) set(t core.EventType, o *Outcome) {
	if t == core.EventDrop {
		r.Drop = o
	} else {
		r.Spike = o
	}
}

// backtestAnomaly reads what an anomaly rule needs, the spike series and,
// for a drop, the rolling series, reaching the rule's weeks before the
// days replayed, and replays it over those days.
func backtestAnomaly(ctx context.Context, r core.HistoryReader, spec Spec, rule AnomalyRule) (Outcome, error) {
	span := rule.Span(spec.Days)
	spike, err := r.Recent(ctx, spec.SiteID, core.SpikeSeries, span)
	if err != nil {
		return Outcome{}, err
	}
	var rolling core.Series
	if rule.Type == core.EventDrop {
		if rolling, err = r.Recent(ctx, spec.SiteID, baseline.RollingSeries, span); err != nil {
			return Outcome{}, err
		}
	}
	from := spike.Start.Add(time.Duration(rule.Weeks) * core.Week)
	return ReplayAnomaly(spike, rolling, rule, spec.Cooldown, from), nil
}

// ReplayRule replays a fixed-threshold rule over every complete bucket of
// s, for callers that hold a series already (the webhook form replays one
// series at every keystroke).
func ReplayRule(s core.Series, rule core.TrafficRule, cooldown time.Duration) Outcome {
	res := Run(Replay{Series: s, Cond: Threshold(rule), Cooldown: cooldown})
	fired := res.Fired
	if fired == nil {
		fired = []Firing{}
	}
	for i := range fired {
		fired[i].At = fired[i].At.UTC()
	}
	return Outcome{Rule: rule, Count: len(fired), Fired: fired, Buckets: res.Buckets}
}
