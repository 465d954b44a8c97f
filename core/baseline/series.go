package baseline

import (
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// RollingSeries is the drop rule's metric as a history series: at each
// 5-minute step, the visitors of the 60 minutes ending with it. The spike
// rule's metric is core.SpikeSeries, the visitors of each 5 minutes.
var RollingSeries = core.SeriesKind{Step: core.BucketWidth, Window: core.RollingWindow}

// CountsOf turns a site's history into the bucket counts Compute reads:
// spike is a core.SpikeSeries and rolling a RollingSeries (either may be
// empty). A rolling value belongs to the boundary where its window ends.
func CountsOf(spike, rolling core.Series) *core.BucketCounts {
	c := &core.BucketCounts{Visitors: make(map[int64]uint64, spike.Len()), Rolling: make(map[int64]uint64, rolling.Len())}
	for i, v := range spike.Values {
		if v > 0 {
			c.Visitors[spike.BucketStart(i).Unix()] = v
		}
	}
	for i, v := range rolling.Values {
		if v > 0 {
			c.Rolling[rolling.End(i).Unix()] = v
		}
	}
	return c
}

// Firsts finds, in a site's spike series, its first visit within a span
// before any moment: the history a backtest has at that moment, with no
// look ahead.
type Firsts struct {
	s    core.Series
	next []int // next[i]: the first bucket ≥ i with visitors, or Len
}

// NewFirsts indexes s, a core.SpikeSeries.
func NewFirsts(s core.Series) *Firsts {
	next := make([]int, s.Len()+1)
	next[s.Len()] = s.Len()
	for i := s.Len() - 1; i >= 0; i-- {
		next[i] = next[i+1]
		if s.Values[i] > 0 {
			next[i] = i
		}
	}
	return &Firsts{s: s, next: next}
}

// Within returns the start of the first bucket with visitors in [from,
// to), or the zero time when there is none.
func (f *Firsts) Within(from, to time.Time) time.Time {
	i := f.index(from)
	if j := f.next[i]; j < f.s.Len() && f.s.BucketStart(j).Before(to) {
		return f.s.BucketStart(j)
	}
	return time.Time{}
}

// index is the first bucket starting at or after t, within [0, Len].
func (f *Firsts) index(t time.Time) int {
	if !t.After(f.s.Start) {
		return 0
	}
	d := t.Sub(f.s.Start)
	i := int(d / f.s.Kind.Step)
	if d%f.s.Kind.Step != 0 {
		i++
	}
	return min(i, f.s.Len())
}
