// Package baseline computes what is normal for a site at an hour of the
// week, from its own past: the statistics that the poller, the backtest
// and the window share, so that all three agree on one rule.
//
// A slot is an hour of the week in UTC. Its spike samples are the 12
// five-minute visitor counts of that hour in each of the last N weeks (an
// empty bucket counts as 0); its drop samples are the rolling 60-minute
// counts at each of the hour's 12 five-minute boundaries. A band is the
// samples' median and a spread of max(1.4826 × MAD, √max(median, 1)); see
// core.Band for the decisions made with it.
//
// The package is pure: it reads counts that storage has fetched and
// returns numbers, with no clock and no driver.
package baseline

import (
	"slices"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// Compute returns the baseline of the slot that at falls in, over the
// weeks weeks before it, from one site's bucket counts. first is the
// site's first event (zero: none): a week whose slot ended before it is
// left out rather than counted as silence, since the site was not there
// yet. Within the site's history a missing bucket is 0.
//
// The counts must hold the ranges that SlotRanges(at, weeks) names. The
// result's HistoryDays is left to the caller (see HistoryDays), and its
// ComputedAt to the clock the caller follows.
func Compute(c *core.BucketCounts, at time.Time, weeks int, first time.Time) core.Baseline {
	slot := core.SlotStart(at)
	b := core.Baseline{Weeks: weeks, Slot: slot}
	var spike, drop []float64
	for _, r := range SlotRanges(slot, weeks) {
		if first.IsZero() || !first.Before(r.To) {
			continue
		}
		for t := r.From; t.Before(r.To); t = t.Add(core.BucketWidth) {
			spike = append(spike, float64(count(c, true, t)))
			drop = append(drop, float64(count(c, false, t)))
		}
	}
	b.Samples = len(spike)
	if b.Samples > 0 {
		b.Spike, b.Drop = BandOf(spike), BandOf(drop)
	}
	return b
}

func count(c *core.BucketCounts, visitors bool, t time.Time) uint64 {
	if c == nil {
		return 0
	}
	if visitors {
		return c.Visitors[t.Unix()]
	}
	return c.Rolling[t.Unix()]
}

// SlotRanges returns the slot hours that the baseline of the slot at falls
// in is made of: the same hour 1, 2, … weeks weeks before, newest first.
// Each is 168 hours before the next, whatever the local clocks did.
func SlotRanges(at time.Time, weeks int) []core.TimeRange {
	slot := core.SlotStart(at)
	out := make([]core.TimeRange, 0, weeks)
	for w := 1; w <= weeks; w++ {
		from := slot.Add(-time.Duration(w) * core.Week)
		out = append(out, core.TimeRange{From: from, To: from.Add(time.Hour)})
	}
	return out
}

// BandOf returns the band of samples: their median and the spread of
// core.NewBand. It sorts samples in place. No samples give the zero band.
func BandOf(samples []float64) core.Band {
	if len(samples) == 0 {
		return core.Band{}
	}
	slices.Sort(samples)
	med := median(samples)
	dev := make([]float64, len(samples))
	for i, s := range samples {
		dev[i] = max(s-med, med-s)
	}
	slices.Sort(dev)
	return core.NewBand(med, median(dev))
}

// median of sorted, non-empty s: the middle value, or the mean of the two.
func median(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// HistorySince is the start of the span in which a site's first event is
// looked for: the last weeks weeks before now.
func HistorySince(now time.Time, weeks int) time.Time {
	return now.Add(-time.Duration(weeks) * core.Week)
}

// HistoryDays counts whole days from first (the site's first event within
// the baseline's weeks) to now; 0 when there is none.
func HistoryDays(first, now time.Time) int {
	if first.IsZero() || first.After(now) {
		return 0
	}
	return int(now.Sub(first) / (24 * time.Hour))
}

// Confirm applies one evaluation to an anomaly's streak of consecutive
// anomalous evaluations. It returns the new streak, the condition to give
// core.EvaluateAlert, and whether to give it one at all: an anomaly seen
// fewer than core.Confirmations times in a row is pending, and leaves the
// alert as it is (a firing alert neither resolves nor fires again). A
// normal evaluation clears the streak and the condition.
func Confirm(streak int, anomalous bool) (next int, cond, decided bool) {
	if !anomalous {
		return 0, false, true
	}
	next = min(streak+1, core.Confirmations)
	return next, next >= core.Confirmations, next >= core.Confirmations
}
