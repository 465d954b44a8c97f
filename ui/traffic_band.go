package ui

import (
	"context"
	"fmt"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/backtest"
	"github.com/hookwatch/hookwatch/core/baseline"
)

// bandHook is the webhook whose anomaly rule the Traffic tab draws the
// band of: the first with a spike rule relative to normal, else the first
// with a drop rule so; nil when no webhook of the site has one, and then
// the tab draws no band.
func bandHook(hooks []*core.Webhook) *core.Webhook {
	for _, kind := range []func(*core.Webhook) core.RuleKind{(*core.Webhook).SpikeRule, (*core.Webhook).DropRule} {
		for _, w := range hooks {
			if kind(w) == core.RuleAnomaly {
				return w
			}
		}
	}
	return nil
}

// anomalyRules are w's rules relative to normal, as the backtest takes them.
func anomalyRules(w *core.Webhook) []backtest.AnomalyRule {
	var out []backtest.AnomalyRule
	for _, t := range []core.EventType{core.EventSpike, core.EventDrop} {
		if (t == core.EventSpike && w.SpikeRule() == core.RuleAnomaly) || (t == core.EventDrop && w.DropRule() == core.RuleAnomaly) {
			out = append(out, backtest.AnomalyRule{Type: t, Sensitivity: w.Sensitivity, MinVisitors: w.MinVisitors, Weeks: w.BaselineWeeks})
		}
	}
	return out
}

// anomalyKey is what of w's anomaly rules a history depends on, so that a
// change reloads it.
func anomalyKey(w *core.Webhook) string {
	if !w.HasAnomalyRule() {
		return ""
	}
	return fmt.Sprintf("%d:%s/%s:%s:%d:%d;", w.ID, w.SpikeRule(), w.DropRule(), w.Sensitivity, w.MinVisitors, w.BaselineWeeks)
}

// historySpan is how much of the spike series the tab reads to show span:
// the span itself, and the weeks before it that the longest baseline of
// the site's anomaly rules looks back over.
func historySpan(span time.Duration, hooks []*core.Webhook) time.Duration {
	weeks := 0
	for _, w := range hooks {
		if w.HasAnomalyRule() {
			weeks = max(weeks, w.BaselineWeeks)
		}
	}
	return span + time.Duration(weeks)*core.Week
}

// tail returns the last buckets of s that span covers, as Recent would
// have returned for span.
func tail(s core.Series, span time.Duration) core.Series {
	n := min(s.Len(), int((span+s.Kind.Step-1)/s.Kind.Step))
	out := s
	out.Start = s.BucketStart(s.Len() - n)
	out.Values = s.Values[s.Len()-n:]
	return out
}

// addAnomalies works out, from long (the spike series reaching the
// baseline weeks before h's range), the band of bandHook's rule over the
// range and when each anomaly rule would have fired in it.
func (h *trafficHistory) addAnomalies(ctx context.Context, svc Services, site *core.Site, hooks []*core.Webhook, long core.Series) error {
	bw := bandHook(hooks)
	if bw == nil {
		return nil
	}
	h.bandHook = bw
	for _, w := range hooks {
		if w.HasAnomalyRule() {
			h.anomalyHooks++
		}
	}
	slots, days := baseline.Over(long, core.Series{}, bw.BaselineWeeks, h.from, h.to)
	h.historyDays = days
	for _, b := range slots {
		if baseline.Ready(b) {
			h.band = append(h.band, bandSlot{from: b.Slot, to: b.Slot.Add(time.Hour),
				lower: b.Spike.Lower(bw.Sensitivity), expected: b.Spike.Expected, upper: b.Spike.Upper(bw.Sensitivity)})
		}
	}
	var rolling core.Series
	for _, w := range hooks {
		for _, r := range anomalyRules(w) {
			if r.Type == core.EventDrop && rolling.Len() == 0 {
				var err error
				if rolling, err = svc.History.Recent(ctx, site.PlausibleID, baseline.RollingSeries, historySpan(h.to.Sub(h.from), hooks)); err != nil {
					return err
				}
			}
			o := backtest.ReplayAnomaly(long, rolling, r, w.Cooldown, h.from)
			for _, f := range o.Fired {
				h.marks = append(h.marks, chartMark{at: f.At, kind: r.Type, sent: false})
			}
			kind := "spike"
			if r.Type == core.EventDrop {
				kind = "drop"
			}
			h.would = append(h.would, kind+" vs normal"+hookName(w, hooks)+" would have fired "+plural(o.Count, "time", "times"))
		}
	}
	return nil
}

// bandLegend explains the band in plain words, or says that the site is
// still learning and so has none; "" when no rule is relative to normal.
func (h *trafficHistory) bandLegend() string {
	w := h.bandHook
	if w == nil {
		return ""
	}
	if h.historyDays < core.LearningDays {
		return fmt.Sprintf("Relative to normal: %s. The band of normal traffic appears once the site has %d days.",
			core.LearningText(h.historyDays), core.LearningDays)
	}
	whose := ""
	if h.anomalyHooks > 1 {
		whose = fmt.Sprintf(" of webhook %d", w.ID)
	}
	return fmt.Sprintf("Shaded: what is normal%s for each hour of the week (UTC), from the same hour in the %d weeks before it, "+
		"with %s sensitivity; the line inside is the usual count. A spike fires above the band with at least %s; "+
		"a drop fires when the last 60 minutes fall far below their own normal, in busy hours only.",
		whose, w.BaselineWeeks, w.Sensitivity, plural(w.MinVisitors, "visitor", "visitors"))
}
