package ui

import (
	"fmt"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/backtest"
	"github.com/hookwatch/hookwatch/core/baseline"
)

// longSeries is the history the form's backtest of a rule relative to
// normal reads: the backtest's days and, before them, the longest
// baseline a rule may have, so that changing the weeks reads nothing more.
type longSeries struct {
	spike, rolling core.Series
	loading        bool
	loaded         bool
}

// longRule is the rule whose Span the form reads.
var longRule = backtest.AnomalyRule{Weeks: core.MaxBaselineWeeks}

// liveRules are the rules relative to normal the form describes, with
// settings core accepts; none while a setting is out of range, which the
// form says when it is saved.
func (r *ruleInputs) liveRules() []backtest.AnomalyRule {
	spike, drop := r.anomaly()
	sens, minV, weeks, err := r.settingsOf()
	if err != nil || core.ValidateAnomalySettings(&sens, &minV, &weeks) != nil {
		return nil
	}
	var out []backtest.AnomalyRule
	for _, x := range []struct {
		on bool
		t  core.EventType
	}{{spike, core.EventSpike}, {drop, core.EventDrop}} {
		if x.on {
			out = append(out, backtest.AnomalyRule{Type: x.t, Sensitivity: sens, MinVisitors: minV, Weeks: weeks})
		}
	}
	return out
}

// loadLong reads the long history in the background, once, and replays
// when it lands.
func (l *liveBacktest) loadLong() {
	if l.long.loading {
		return
	}
	u := l.f.s.ui
	l.long.loading, l.loading = true, true
	l.spike.SetText(fmt.Sprintf("Loading %d weeks and %d days of history…", core.MaxBaselineWeeks, core.MaxBacktestDays))
	id, span := l.f.s.site.PlausibleID, longRule.Span(core.MaxBacktestDays)
	u.goBG(func() {
		ctx := u.ctx
		spike, err := u.svc.History.Recent(ctx, id, core.SpikeSeries, span)
		var rolling core.Series
		if err == nil {
			rolling, err = u.svc.History.Recent(ctx, id, baseline.RollingSeries, span)
		}
		u.do(func() {
			l.long = longSeries{spike: spike, rolling: rolling, loaded: true}
			l.err, l.loading = err, false
			l.replay()
		})
	})
}

// anomalyTexts put, before the lines of the alerts relative to normal,
// how often each would have fired in the backtest's days, replayed with
// the baselines of the weeks before each moment, and whether the site is
// still learning.
func anomalyTexts(in liveInput, long longSeries, spike, drop *string) {
	days := core.MaxBacktestDays
	for _, r := range in.anomalies {
		line := spike
		if r.Type == core.EventDrop {
			line = drop
		}
		if long.spike.Len() == 0 {
			*line = "No history to replay. " + *line
			continue
		}
		o := backtest.ReplayAnomaly(long.spike, long.rolling, r, in.cooldown, backtest.LastDays(long.spike, days))
		text := fmt.Sprintf("Would have fired %s in the last %d days, relative to normal. ", plural(o.Count, "time", "times"), days)
		if h := baseline.DaysOf(long.spike, r.Weeks, long.spike.AsOf); h < core.LearningDays {
			text = fmt.Sprintf("Would have fired %s in the last %d days; sends nothing while %s. ", plural(o.Count, "time", "times"), days, core.LearningText(h))
		}
		*line = text + *line
	}
}
