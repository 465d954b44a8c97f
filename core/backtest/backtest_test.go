package backtest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/backtest"
)

var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// series returns a complete series of kind k starting at t0.
func series(k core.SeriesKind, vs ...uint64) core.Series {
	s := core.Series{Kind: k, Start: t0, Values: vs}
	s.AsOf = s.End(len(vs) - 1)
	return s
}

func at(i int) time.Time { return t0.Add(time.Duration(i) * 5 * time.Minute) }

func TestRun(t *testing.T) {
	spike10 := backtest.Threshold(core.TrafficRule{Type: core.EventSpike, Threshold: 10})
	drop10 := backtest.Threshold(core.TrafficRule{Type: core.EventDrop, Threshold: 10})
	for _, tc := range []struct {
		name         string
		s            core.Series
		cond         backtest.Condition
		cooldown     time.Duration
		from         time.Time
		fired, resol []backtest.Firing
	}{
		{
			name: "a spike exactly at the threshold fires; one returning inside the cooldown waits for its end",
			// 0: below; 1: at the threshold, fires; 2: still firing;
			// 3: resolves; 4: returns 15 min after firing, held;
			// 5: gone again (nothing to resolve); 12: back, 55 min after
			// the firing, held; 13: 60 min after, fires; 14: resolves.
			s:        series(core.SpikeSeries, 3, 10, 12, 4, 15, 3, 0, 0, 0, 0, 0, 0, 20, 20, 9),
			cond:     spike10,
			cooldown: time.Hour,
			fired:    []backtest.Firing{{At: at(1), Value: 10}, {At: at(13), Value: 20}},
			resol:    []backtest.Firing{{At: at(3), Value: 4}, {At: at(14), Value: 9}},
		},
		{
			name:     "a spike just below the threshold never fires",
			s:        series(core.SpikeSeries, 9, 9, 9),
			cond:     spike10,
			cooldown: time.Hour,
		},
		{
			name: "a drop fires below the threshold, not at it; a rolling count is reported at its window's end",
			s:    series(core.DropSeries, 10, 9, 10, 30),
			cond: drop10,
			// Each hourly value is the 12 h count at the hour's end.
			fired:    []backtest.Firing{{At: t0.Add(2 * time.Hour), Value: 9}},
			resol:    []backtest.Firing{{At: t0.Add(3 * time.Hour), Value: 10}},
			cooldown: time.Minute,
		},
		{
			name:     "a condition holding from the first bucket fires there, as for a new webhook",
			s:        series(core.DropSeries, 0, 0, 0),
			cond:     drop10,
			cooldown: time.Minute,
			fired:    []backtest.Firing{{At: t0.Add(time.Hour), Value: 0}},
		},
		{
			name:     "buckets before From are history only",
			s:        series(core.SpikeSeries, 50, 50, 3, 50),
			cond:     spike10,
			from:     at(2),
			cooldown: time.Minute,
			fired:    []backtest.Firing{{At: at(3), Value: 50}},
		},
		{
			name:  "zero cooldown is the default 12 h",
			s:     series(core.SpikeSeries, 50, 3, 50),
			cond:  spike10,
			fired: []backtest.Firing{{At: at(0), Value: 50}},
			resol: []backtest.Firing{{At: at(1), Value: 3}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := backtest.Run(backtest.Replay{Series: tc.s, Cond: tc.cond, Cooldown: tc.cooldown, From: tc.from})
			if !slices.Equal(res.Fired, tc.fired) || !slices.Equal(res.Resolved, tc.resol) {
				t.Errorf("fired %v, resolved %v\nwant fired %v, resolved %v", res.Fired, res.Resolved, tc.fired, tc.resol)
			}
		})
	}
}

func TestRunLeavesOutThePartialBucket(t *testing.T) {
	s := series(core.SpikeSeries, 1, 1, 50)
	s.AsOf = s.End(1).Add(time.Minute) // the last bucket is a minute old
	res := backtest.Run(backtest.Replay{Series: s, Cond: backtest.Threshold(core.TrafficRule{Type: core.EventSpike, Threshold: 10})})
	if res.Buckets != 2 || len(res.Fired) != 0 {
		t.Errorf("replayed %d buckets, fired %v; want 2 buckets and no firing", res.Buckets, res.Fired)
	}
}

func TestRunCallsTheConditionInOrder(t *testing.T) {
	s := series(core.SpikeSeries, 1, 2, 3, 4, 5, 6)
	var seen []int
	// Two consecutive buckets above 2, reading the one before from s.
	cond := backtest.ConditionFunc(func(s core.Series, i int) bool {
		seen = append(seen, i)
		return i > 0 && s.Values[i] > 2 && s.Values[i-1] > 2
	})
	res := backtest.Run(backtest.Replay{Series: s, Cond: cond, From: at(1), Cooldown: time.Minute})
	if !slices.Equal(seen, []int{1, 2, 3, 4, 5}) || !slices.Equal(res.Fired, []backtest.Firing{{At: at(3), Value: 4}}) {
		t.Errorf("calls %v, fired %v", seen, res.Fired)
	}
}

func TestSpecValidate(t *testing.T) {
	spike := core.TrafficRule{Type: core.EventSpike, Threshold: 5}
	for _, tc := range []struct {
		name  string
		spec  backtest.Spec
		field string
	}{
		{"zero days", backtest.Spec{Days: 0, Rules: []core.TrafficRule{spike}}, "days"},
		{"29 days", backtest.Spec{Days: 29, Rules: []core.TrafficRule{spike}}, "days"},
		{"no rule", backtest.Spec{Days: 7}, "spike_threshold"},
		{"a negative drop threshold", backtest.Spec{Days: 7, Rules: []core.TrafficRule{{Type: core.EventDrop, Threshold: -1}}}, "drop_threshold"},
		{"a spike rule twice", backtest.Spec{Days: 7, Rules: []core.TrafficRule{spike, spike}}, "spike_threshold"},
		{"a cooldown of 30 s", backtest.Spec{Days: 7, Rules: []core.TrafficRule{spike}, Cooldown: 30 * time.Second}, "cooldown"},
		{"28 days, default cooldown", backtest.Spec{Days: 28, Rules: []core.TrafficRule{spike}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			if got := core.ErrorField(err); got != tc.field || (tc.field != "" && core.ErrorCode(err) != core.EINVALID) {
				t.Errorf("err = %v (field %q), want field %q", err, got, tc.field)
			}
		})
	}
}

func TestForWebhook(t *testing.T) {
	site := &core.Site{ID: 1, Domain: "a.test", PlausibleID: 9}
	w := &core.Webhook{ID: 4, Events: []core.EventType{core.EventGoal, core.EventDrop}, SpikeThreshold: 50, DropThreshold: 20, Cooldown: time.Hour}
	spec, err := backtest.ForWebhook(w, site, 7)
	// The spike threshold is set but not subscribed: the poller ignores it.
	if err != nil || spec.SiteID != 9 || spec.Days != 7 || spec.Cooldown != time.Hour ||
		!slices.Equal(spec.Rules, []core.TrafficRule{{Type: core.EventDrop, Threshold: 20}}) {
		t.Errorf("spec %+v, err %v", spec, err)
	}
	w.Events = []core.EventType{core.EventGoal}
	_, err = backtest.ForWebhook(w, site, 7)
	if core.ErrorField(err) != "spike_threshold" || !strings.Contains(err.Error(), "no traffic rule") {
		t.Errorf("webhook without a traffic rule: %v", err)
	}
}

// reader serves fixed series, as a HistoryReader that already read them.
type reader map[core.SeriesKind]core.Series

func (r reader) Recent(_ context.Context, site uint64, k core.SeriesKind, span time.Duration) (core.Series, error) {
	s, ok := r[k]
	if !ok || site != 9 {
		return core.Series{}, fmt.Errorf("no series")
	}
	return s.Slice(s.End(s.Len()-1).Add(-span), s.End(s.Len()-1)), nil
}

func TestBacktest(t *testing.T) {
	// A day of 5-minute buckets plus the partial one: 289 buckets, with
	// one spike of 30 at bucket 100; and 25 hourly 12 h counts.
	spikes := make([]uint64, 289)
	spikes[100] = 30
	sp := core.Series{Kind: core.SpikeSeries, Start: t0, Values: spikes}
	sp.AsOf = sp.End(287).Add(time.Minute)
	drops := make([]uint64, 25)
	for i := range drops {
		drops[i] = 100
	}
	drops[5], drops[24] = 7, 0
	dr := core.Series{Kind: core.DropSeries, Start: t0, Values: drops, AsOf: sp.AsOf}
	r := reader{core.SpikeSeries: sp, core.DropSeries: dr}

	rep, err := backtest.Backtest(context.Background(), r, backtest.Spec{SiteID: 9, Days: 1, Cooldown: time.Hour,
		Rules: []core.TrafficRule{{Type: core.EventSpike, Threshold: 30}, {Type: core.EventDrop, Threshold: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Days != 1 || rep.Spike == nil || rep.Spike.Buckets != 288 || rep.Spike.Count != 1 || rep.Spike.Fired[0] != (backtest.Firing{At: at(100), Value: 30}) {
		t.Errorf("spike: %+v", rep.Spike)
	}
	// The last drop bucket is still filling: its 0 is not a drop.
	if rep.Drop == nil || rep.Drop.Buckets != 24 || rep.Drop.Count != 1 || rep.Drop.Fired[0] != (backtest.Firing{At: t0.Add(6 * time.Hour), Value: 7}) {
		t.Errorf("drop: %+v", rep.Drop)
	}

	rep, err = backtest.Backtest(context.Background(), r, backtest.Spec{SiteID: 9, Days: 1, Rules: []core.TrafficRule{{Type: core.EventSpike, Threshold: 31}}})
	if err != nil || rep.Drop != nil || rep.Spike.Count != 0 || rep.Spike.Fired == nil {
		t.Errorf("a spike rule alone: %+v, %v; want an empty, non-nil list and no drop", rep, err)
	}
}

// A rule that is not saved yet, replayed over a series already read.
func ExampleReplayRule() {
	s := core.Series{Kind: core.SpikeSeries, Start: t0, Values: []uint64{4, 12, 15, 3, 11}}
	s.AsOf = s.End(4)
	o := backtest.ReplayRule(s, core.TrafficRule{Type: core.EventSpike, Threshold: 11}, 10*time.Minute)
	for _, f := range o.Fired {
		fmt.Println(f.At.Format("15:04"), f.Value)
	}
	// Output:
	// 10:05 12
	// 10:20 11
}
