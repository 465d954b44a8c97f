package baseline_test

import (
	"fmt"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/baseline"
)

// A site has about 5 visitors per 5 minutes on Tuesday nights. Its
// baseline over 4 weeks says 5 is normal; a burst of 20 is a spike, though
// a fixed threshold set for its daytime 50 would never see it.
func ExampleCompute() {
	at := time.Date(2026, 11, 24, 3, 10, 0, 0, time.UTC)
	counts := &core.BucketCounts{Visitors: map[int64]uint64{}, Rolling: map[int64]uint64{}}
	for i, r := range baseline.SlotRanges(at, 4) {
		for t := r.From; t.Before(r.To); t = t.Add(core.BucketWidth) {
			counts.Visitors[t.Unix()] = uint64(4 + (t.Minute()/5+i)%3) // 4, 5 or 6
			counts.Rolling[t.Unix()] = 60
		}
	}
	b := baseline.Compute(counts, at, 4, at.Add(-60*24*time.Hour))
	s := core.SensitivityMedium
	fmt.Printf("%s: expected %.0f, upper %.1f\n", core.SlotOf(at), b.Spike.Expected, b.Spike.Upper(s))
	for _, current := range []uint64{9, 20} {
		fmt.Printf("%d current visitors: spike %v\n", current, b.Spike.IsSpike(current, s, core.DefaultMinVisitors))
	}
	fmt.Println("drops watched:", b.Drop.DropEligible(core.DefaultMinVisitors))
	// Output:
	// Tuesdays at 03:00 UTC: expected 5, upper 13.9
	// 9 current visitors: spike false
	// 20 current visitors: spike true
	// drops watched: true
}
