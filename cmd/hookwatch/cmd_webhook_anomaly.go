package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/backtest"
)

// anomalyOptions are the flags of the traffic alerts relative to normal,
// shared by `webhook add` and `webhook edit`.
type anomalyOptions struct {
	spikeAnomaly, dropAnomaly bool
	sensitivity               core.Sensitivity
	minVisitors               int
	baselineWeeks             int
}

func (o *anomalyOptions) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.spikeAnomaly, "spike-anomaly", false, "traffic.spike fires when current visitors are far above what is normal for\n"+
		"the site at this hour of the week (instead of --spike-threshold)")
	fs.BoolVar(&o.dropAnomaly, "drop-anomaly", false, "traffic.drop fires when the last 60 minutes' visitors are far below what is\n"+
		"normal at this hour of the week (instead of --drop-threshold)")
	fs.Var(funcValue{typ: "level", set: func(s string) (err error) {
		o.sensitivity, err = core.ParseSensitivity(s)
		return err
	}}, "sensitivity", "how far from normal fires: low, medium or high (default medium; high fires most)")
	rangeIntFlag(fs, &rangeIntValue{v: &o.minVisitors, lo: 1, hi: core.MaxMinVisitors}, "min-visitors",
		fmt.Sprintf("the least current visitors a spike relative to normal needs (default %d)", core.DefaultMinVisitors))
	rangeIntFlag(fs, &rangeIntValue{v: &o.baselineWeeks, lo: core.MinBaselineWeeks, hi: core.MaxBaselineWeeks}, "baseline-weeks",
		fmt.Sprintf("weeks of history that say what is normal, %d–%d (default %d)", core.MinBaselineWeeks, core.MaxBaselineWeeks, core.DefaultBaselineWeeks))
}

// checkRules refuses a fixed rule and an anomaly rule for the same alert in
// one command, naming both flags.
func checkRules(set map[string]bool) error {
	for _, a := range []string{"spike", "drop"} {
		if set[a+"-threshold"] && set[a+"-anomaly"] {
			return core.FieldErrorf(a+"_anomaly", "--%[1]s-threshold and --%[1]s-anomaly cannot be given together: "+
				"choose a fixed threshold or relative to normal", a)
		}
	}
	return nil
}

// applyNew sets the anomaly settings given to a new webhook.
func (o *anomalyOptions) applyNew(w *core.Webhook) {
	w.SpikeAnomaly, w.DropAnomaly = o.spikeAnomaly, o.dropAnomaly
	w.Sensitivity, w.MinVisitors, w.BaselineWeeks = o.sensitivity, o.minVisitors, o.baselineWeeks
}

// applyEdit adds the anomaly flags given to an edit. A new rule of one kind
// replaces the other kind (see core.WebhookUpdate).
func (o *anomalyOptions) applyEdit(set map[string]bool, upd *core.WebhookUpdate) {
	if set["spike-anomaly"] {
		upd.SpikeAnomaly = &o.spikeAnomaly
	}
	if set["drop-anomaly"] {
		upd.DropAnomaly = &o.dropAnomaly
	}
	if set["sensitivity"] {
		upd.Sensitivity = &o.sensitivity
	}
	if set["min-visitors"] {
		upd.MinVisitors = &o.minVisitors
	}
	if set["baseline-weeks"] {
		upd.BaselineWeeks = &o.baselineWeeks
	}
}

// rangeIntValue is an integer flag within [lo, hi]; 0 means not given.
type rangeIntValue struct {
	v      *int
	field  string
	lo, hi int
}

func (r *rangeIntValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < r.lo || n > r.hi {
		return core.FieldErrorf(r.field, "must be an integer between %d and %d, not %q", r.lo, r.hi, s)
	}
	*r.v = n
	return nil
}

func (r *rangeIntValue) String() string {
	if *r.v == 0 {
		return ""
	}
	return strconv.Itoa(*r.v)
}

func (r *rangeIntValue) Type() string { return "int" }

// rangeIntFlag defines on fs the integer flag name, held within v's [lo, hi].
func rangeIntFlag(fs *pflag.FlagSet, v *rangeIntValue, name, usage string) {
	v.field = flagField(name)
	fs.Var(v, name, usage)
}

// ruleName is a rule kind for JSON: a string, or null when the alert is
// off.
func ruleName(k core.RuleKind) *string {
	if k == "" {
		return nil
	}
	s := string(k)
	return &s
}

// baselinesOf reads the poller's stored baselines; without a store (or
// before the engine's first refresh) there are none.
func baselinesOf(ctx context.Context, m *Main) (map[core.BaselineKey]core.Baseline, error) {
	if m.Baselines == nil {
		return nil, nil
	}
	return m.Baselines.Baselines(ctx)
}

// anomalyRules returns the backtest rules of the anomaly flags given.
func (o *anomalyOptions) anomalyRules() []backtest.AnomalyRule {
	var out []backtest.AnomalyRule
	for _, r := range []struct {
		on bool
		t  core.EventType
	}{{o.spikeAnomaly, core.EventSpike}, {o.dropAnomaly, core.EventDrop}} {
		if r.on {
			out = append(out, backtest.AnomalyRule{Type: r.t, Sensitivity: o.sensitivity, MinVisitors: o.minVisitors, Weeks: o.baselineWeeks})
		}
	}
	return out
}

// outcomeWords says what a backtest outcome's rule is and what its values
// count.
func outcomeWords(o *backtest.Outcome) (what, unit string) {
	drop := o.Rule.Type == core.EventDrop
	if a := o.Anomaly; a != nil {
		drop = a.Type == core.EventDrop
		what = fmt.Sprintf("relative to normal, %s sensitivity, over %d weeks", a.Sensitivity, a.Weeks)
		if drop {
			return "drop (" + what + ")", "visitors in the 60 minutes up to then"
		}
		return fmt.Sprintf("spike (%s, at least %d visitors)", what, a.MinVisitors), "visitors in the 5 minutes from then"
	}
	if drop {
		return fmt.Sprintf("drop (12 h visitors < %d)", o.Rule.Threshold), "visitors in the 12 h up to then"
	}
	return fmt.Sprintf("spike (current visitors ≥ %d)", o.Rule.Threshold), "visitors in the 5 minutes from then"
}
