package backtest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/backtest"
	"github.com/hookwatch/hookwatch/core/baseline"
)

// week0 starts a history of 4 weeks before the 2 days replayed.
var week0 = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)

// history returns spike and rolling series over 4 weeks and 2 days from
// week0, each 5-minute bucket holding level(t) new visitors, so that each
// rolling value is the sum of the 12 buckets ending with it.
func history(level func(t time.Time) uint64) (spike, rolling core.Series) {
	n := int((4*core.Week + 48*time.Hour) / core.BucketWidth)
	spike = core.Series{Kind: core.SpikeSeries, Start: week0, Values: make([]uint64, n)}
	rolling = core.Series{Kind: baseline.RollingSeries, Start: week0, Values: make([]uint64, n)}
	for i := range n {
		spike.Values[i] = level(spike.BucketStart(i))
		for j := range core.SlotBuckets {
			rolling.Values[i] += level(rolling.BucketStart(i - j))
		}
	}
	spike.AsOf, rolling.AsOf = spike.End(n-1), rolling.End(n-1)
	return spike, rolling
}

var replayFrom = week0.Add(4 * core.Week)

func spikeRule(s core.Sensitivity) backtest.AnomalyRule {
	r := backtest.AnomalyRule{Type: core.EventSpike, Sensitivity: s}
	_ = r.Validate()
	return r
}

func firedAt(o backtest.Outcome) []time.Time {
	var out []time.Time
	for _, f := range o.Fired {
		out = append(out, f.At)
	}
	return out
}

func TestReplayAnomalySpike(t *testing.T) {
	burst := replayFrom.Add(27 * time.Hour) // a night, day 2 of the replay, 03:00
	early := week0.Add(3 * time.Hour)       // a burst inside the baseline weeks only
	level := func(at time.Time) uint64 {
		switch {
		case at.Equal(burst):
			return 20 // 4× a night of 5: upper is 5 + 4√5 ≈ 13.9
		case at.Equal(burst.Add(2 * time.Hour)):
			return 12 // over high's 5 + 3√5 ≈ 11.7, under medium's
		case at.Equal(early):
			return 40
		case at.Hour() >= 8 && at.Hour() < 20:
			return 50
		}
		return 5
	}
	spike, rolling := history(level)
	for _, tc := range []struct {
		s    core.Sensitivity
		want []time.Time
	}{
		{core.SensitivityLow, []time.Time{burst}},
		{core.SensitivityMedium, []time.Time{burst}},
		// The second burst, two hours later, is within high's band edge
		// but within the 12 h cooldown of the first.
		{core.SensitivityHigh, []time.Time{burst}},
	} {
		o := backtest.ReplayAnomaly(spike, rolling, spikeRule(tc.s), 12*time.Hour, replayFrom)
		if got := firedAt(o); !slices.Equal(got, tc.want) || o.Buckets != 2*288 {
			t.Errorf("%s: fired %v over %d buckets, want %v over 576", tc.s, got, o.Buckets, tc.want)
		}
	}
	// With a short cooldown, high also fires on the second burst.
	o := backtest.ReplayAnomaly(spike, rolling, spikeRule(core.SensitivityHigh), time.Minute, replayFrom)
	if got := firedAt(o); !slices.Equal(got, []time.Time{burst, burst.Add(2 * time.Hour)}) || o.Fired[0].Value != 20 {
		t.Errorf("high, 1m cooldown: %v", o.Fired)
	}
}

// Each moment's baseline is made of the weeks before it: changing what
// comes later never changes what fired before.
func TestReplayAnomalyNoLookAhead(t *testing.T) {
	cut := replayFrom.Add(30 * time.Hour)
	base := func(at time.Time) uint64 {
		if at.Equal(replayFrom.Add(3 * time.Hour)) {
			return 30
		}
		return 5
	}
	spike, rolling := history(base)
	later, _ := history(func(at time.Time) uint64 {
		if !at.Before(cut) {
			return 500 // a flood after the cut
		}
		return base(at)
	})
	rule := spikeRule(core.SensitivityMedium)
	a := backtest.ReplayAnomaly(spike, rolling, rule, time.Minute, replayFrom)
	b := backtest.ReplayAnomaly(later, rolling, rule, time.Minute, replayFrom)
	before := func(ts []time.Time) []time.Time {
		return slices.DeleteFunc(slices.Clone(ts), func(t time.Time) bool { return !t.Before(cut) })
	}
	if got, want := before(firedAt(b)), firedAt(a); !slices.Equal(got, want) || len(want) != 1 {
		t.Errorf("fired before the cut %v, want %v (one)", got, want)
	}
	if len(firedAt(b)) != 2 {
		t.Errorf("the flood fired %v; want it to fire once", firedAt(b))
	}
}

func TestReplayAnomalyDrop(t *testing.T) {
	stop := replayFrom.Add(34 * time.Hour) // 10:00 on day 2, a busy hour
	level := func(at time.Time) uint64 {
		switch {
		case !at.Before(stop) && at.Before(stop.Add(2*time.Hour)):
			return 1 // the snippet broke
		case at.Hour() >= 8 && at.Hour() < 20:
			return 50
		}
		return 1 // nights are quiet: 12 an hour, never watched
	}
	spike, rolling := history(level)
	rule := backtest.AnomalyRule{Type: core.EventDrop}
	if err := rule.Validate(); err != nil {
		t.Fatal(err)
	}
	o := backtest.ReplayAnomaly(spike, rolling, rule, time.Minute, replayFrom)
	// Normal is 600 an hour with no spread but √600: lower is 502.02. The
	// 60 minutes ending 10 minutes after the stop hold 10 × 50 + 2, just
	// under it (5 minutes after, 551 is not).
	if got, want := firedAt(o), stop.Add(10*time.Minute); !slices.Equal(got, []time.Time{want}) || o.Fired[0].Value != 502 {
		t.Errorf("drops %v, want one at %v", o.Fired, want)
	}
}

func TestReplayAnomalyLearning(t *testing.T) {
	born := replayFrom.Add(-10 * 24 * time.Hour) // 10 days of history at the replay's start
	level := func(at time.Time) uint64 {
		switch {
		case at.Before(born):
			return 0
		case at.Equal(replayFrom.Add(3 * time.Hour)), at.Equal(replayFrom.Add(4 * 24 * time.Hour)):
			return 40
		}
		return 5
	}
	spike, rolling := history(level)
	rule := spikeRule(core.SensitivityMedium)
	rule.Weeks = 2
	if got := firedAt(backtest.ReplayAnomaly(spike, rolling, rule, time.Minute, replayFrom)); len(got) != 0 {
		t.Errorf("a learning site fired at %v", got)
	}
}

func TestSpecAnomalies(t *testing.T) {
	w := &core.Webhook{ID: 7, Events: []core.EventType{core.EventSpike, core.EventDrop}, SpikeAnomaly: true, DropThreshold: 3,
		Sensitivity: core.SensitivityHigh, MinVisitors: 12, BaselineWeeks: 3}
	spec, err := backtest.ForWebhook(w, &core.Site{PlausibleID: 9}, 14)
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Rules) != 1 || spec.Rules[0].Type != core.EventDrop ||
		len(spec.Anomalies) != 1 || spec.Anomalies[0] != (backtest.AnomalyRule{Type: core.EventSpike, Sensitivity: "high", MinVisitors: 12, Weeks: 3}) {
		t.Errorf("spec %+v", spec)
	}
	bad := backtest.Spec{Days: 7, Rules: []core.TrafficRule{{Type: core.EventSpike, Threshold: 5}},
		Anomalies: []backtest.AnomalyRule{{Type: core.EventSpike}}}
	if err := bad.Validate(); core.ErrorField(err) != "spike_anomaly" {
		t.Errorf("a threshold and an anomaly rule for the spike: %v", err)
	}
	weeks := backtest.Spec{Days: 7, Anomalies: []backtest.AnomalyRule{{Type: core.EventDrop, Weeks: 9}}}
	if err := weeks.Validate(); core.ErrorField(err) != "baseline_weeks" {
		t.Errorf("9 weeks: %v", err)
	}
}

// reader serves fixed series, as a history cache would.
type seriesReader map[core.SeriesKind]core.Series

func (r seriesReader) Recent(_ context.Context, _ uint64, k core.SeriesKind, span time.Duration) (core.Series, error) {
	s := r[k]
	n := int(span / k.Step)
	return s.Slice(s.BucketStart(s.Len()-n), s.End(s.Len()-1)), nil
}

// A backtest of a rule relative to normal reads its baseline weeks before
// the days it replays, and nothing more.
func ExampleBacktest_anomaly() {
	burst := replayFrom.Add(27 * time.Hour)
	spike, rolling := history(func(at time.Time) uint64 {
		if at.Equal(burst) {
			return 25
		}
		return 5
	})
	spec := backtest.Spec{SiteID: 1, Days: 2, Anomalies: []backtest.AnomalyRule{{Type: core.EventSpike}}}
	rep, err := backtest.Backtest(context.Background(), seriesReader{core.SpikeSeries: spike, baseline.RollingSeries: rolling}, spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Spike.Count, rep.Spike.Fired[0].At, rep.Spike.Fired[0].Value, rep.Drop == nil)
	// Output: 1 2026-11-03 03:00:00 +0000 UTC 25 true
}
