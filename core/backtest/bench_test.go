package backtest_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/backtest"
)

// BenchmarkReplay replays one spike rule over 28 days of 5-minute buckets
// (8,064), the webhook form's work at each keystroke; the target is under
// 50 ms. The baseline, from the same run, is a plain loop deciding the same
// rule on the same values without the state machine.
func BenchmarkReplay(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	vs := make([]uint64, 28*288)
	for i := range vs {
		vs[i] = 20 + rng.Uint64N(30)
		if rng.IntN(100) == 0 {
			vs[i] = 200
		}
	}
	s := core.Series{Kind: core.SpikeSeries, Start: t0, Values: vs}
	s.AsOf = s.End(len(vs) - 1)
	rule := core.TrafficRule{Type: core.EventSpike, Threshold: 100}

	var loop time.Duration
	held := 0
	for range 20 {
		t := time.Now()
		for _, v := range s.Values {
			if rule.Holds(v) {
				held++
			}
		}
		loop += time.Since(t)
	}
	var replay time.Duration
	fired := 0
	for b.Loop() {
		t := time.Now()
		fired = backtest.ReplayRule(s, rule, time.Hour).Count
		replay += time.Since(t)
	}
	if fired == 0 || held == 0 {
		b.Fatal("the series never crosses the threshold")
	}
	b.ReportMetric(float64(len(vs)), "buckets")
	b.ReportMetric(float64(replay)/float64(time.Millisecond)/float64(b.N), "replay-ms")
	b.ReportMetric(float64(loop)/float64(time.Millisecond)/20, "baseline-loop-ms")
	b.ReportMetric(0, "ns/op")
}
