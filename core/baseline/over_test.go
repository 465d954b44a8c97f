package baseline_test

import (
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/baseline"
)

// spikeSeries is a SpikeSeries from start with value(i) at bucket i.
func spikeSeries(start time.Time, n int, value func(i int) uint64) core.Series {
	s := core.Series{Kind: core.SpikeSeries, Start: start, Values: make([]uint64, n), AsOf: start.Add(time.Duration(n) * core.BucketWidth)}
	for i := range s.Values {
		s.Values[i] = value(i)
	}
	return s
}

// Over gives each hour of a period the band of the weeks before it: a
// burst inside the period does not move its own hour's band (no look
// ahead), and hours before the site's fourteenth day are learning.
func TestOver(t *testing.T) {
	start := tue3.Add(-21 * 24 * time.Hour)
	n := int(22 * 24 * time.Hour / core.BucketWidth)
	burst := tue3.Add(24*time.Hour + 5*time.Hour) // Wednesday 08:00, inside the last day
	s := spikeSeries(start, n, func(i int) uint64 {
		if start.Add(time.Duration(i) * core.BucketWidth).Truncate(time.Hour).Equal(burst) {
			return 90
		}
		return 5
	})
	from, to := tue3.Add(24*time.Hour), tue3.Add(48*time.Hour)
	slots, days := baseline.Over(s, core.Series{}, 4, from, to)
	if len(slots) != 24 || days != 23 {
		t.Fatalf("%d slots, %d days of history; want 24 and 23", len(slots), days)
	}
	for i, b := range slots {
		if want := from.Add(time.Duration(i) * time.Hour); !b.Slot.Equal(want) || b.Samples != 3*core.SlotBuckets || !baseline.Ready(b) {
			t.Fatalf("slot %d: %v with %d samples, ready %v", i, b.Slot, b.Samples, baseline.Ready(b))
		}
		if b.Spike.Expected != 5 {
			t.Errorf("slot %v expects %v, want 5: the burst must not move its own hour", b.Slot, b.Spike.Expected)
		}
	}

	// The first days of the history: learning, and not ready.
	early, _ := baseline.Over(s, core.Series{}, 4, start.Add(10*24*time.Hour), start.Add(10*24*time.Hour+time.Hour))
	if len(early) != 1 || early[0].HistoryDays != 10 || baseline.Ready(early[0]) {
		t.Errorf("day 10: %+v, want 10 days of history and not ready", early)
	}
}
