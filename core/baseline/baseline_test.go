package baseline_test

import (
	"math"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on any machine

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/baseline"
)

// tue3 is a Tuesday 03:00 UTC, the slot most tests compute.
var tue3 = time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)

// seasonal returns counts in which the slot of at has, in each of weeks
// weeks before it, the visitors per 5 minutes that level returns for (week,
// bucket), and a rolling count of 12 × that level.
func seasonal(at time.Time, weeks int, level func(week, bucket int) uint64) *core.BucketCounts {
	c := &core.BucketCounts{Visitors: map[int64]uint64{}, Rolling: map[int64]uint64{}}
	for w, r := range baseline.SlotRanges(at, weeks) {
		for j := range core.SlotBuckets {
			t := r.From.Add(time.Duration(j) * core.BucketWidth).Unix()
			if n := level(w+1, j); n > 0 {
				c.Visitors[t] = n
				c.Rolling[t] = 12 * n
			}
		}
	}
	return c
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestComputeBands(t *testing.T) {
	long := tue3.Add(-60 * 24 * time.Hour) // a first event long before
	for _, tc := range []struct {
		name          string
		counts        *core.BucketCounts
		first         time.Time
		weeks         int
		samples       int
		spike, drop   core.Band
		spikeAt, none uint64 // current visitors that fire, and that do not, at medium
	}{
		{
			// Every week alike: MAD 0, so the spread falls back to the
			// Poisson floor √5 and a burst of 14 is over 5 + 4√5 ≈ 13.9.
			name: "zero MAD", weeks: 4, first: long, samples: 48,
			counts: seasonal(tue3, 4, func(int, int) uint64 { return 5 }),
			spike:  core.Band{Expected: 5, Spread: math.Sqrt(5)}, drop: core.Band{Expected: 60, Spread: math.Sqrt(60)},
			spikeAt: 14, none: 13,
		},
		{
			// A slot with nobody in it: expected 0, spread 1, upper 4; a
			// spike still needs min_visitors (10).
			name: "tiny counts", weeks: 4, first: long, samples: 48,
			counts: &core.BucketCounts{},
			spike:  core.Band{Expected: 0, Spread: 1}, drop: core.Band{Expected: 0, Spread: 1},
			spikeAt: 10, none: 9,
		},
		{
			// One week of four was lost (tracking broken): its zeros are a
			// quarter of the samples, so the median stays at normal and the
			// MAD (0 here, since three quarters are exactly 50) does not
			// widen the band to nothing.
			name: "a missing week", weeks: 4, first: long, samples: 48,
			counts: seasonal(tue3, 4, func(w, _ int) uint64 { return map[bool]uint64{true: 0, false: 50}[w == 2] }),
			spike:  core.Band{Expected: 50, Spread: math.Sqrt(50)}, drop: core.Band{Expected: 600, Spread: math.Sqrt(600)},
			spikeAt: 79, none: 78,
		},
		{
			// The site began 16 days ago: of four weeks only the last two
			// hold its slot, and the two before it are left out, not zeros.
			name: "weeks before the first event", weeks: 4, first: tue3.Add(-16 * 24 * time.Hour), samples: 24,
			counts: seasonal(tue3, 2, func(int, int) uint64 { return 20 }),
			spike:  core.Band{Expected: 20, Spread: math.Sqrt(20)}, drop: core.Band{Expected: 240, Spread: math.Sqrt(240)},
			spikeAt: 38, none: 37,
		},
		{
			// Spread from the MAD: buckets alternate 40 and 60, so the
			// median is 50, every deviation 10 and the spread 14.826.
			name: "spread from the MAD", weeks: 2, first: long, samples: 24,
			counts: seasonal(tue3, 2, func(_, j int) uint64 { return uint64(40 + 20*(j%2)) }),
			spike:  core.Band{Expected: 50, Spread: 14.826}, drop: core.Band{Expected: 600, Spread: 1.4826 * 120},
			spikeAt: 110, none: 109,
		},
		{
			name: "no events at all", weeks: 4, counts: &core.BucketCounts{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := baseline.Compute(tc.counts, tue3.Add(17*time.Minute), tc.weeks, tc.first)
			if !b.Slot.Equal(tue3) || b.Weeks != tc.weeks || b.Samples != tc.samples {
				t.Fatalf("slot %v weeks %d samples %d; want %v %d %d", b.Slot, b.Weeks, b.Samples, tue3, tc.weeks, tc.samples)
			}
			if !near(b.Spike.Expected, tc.spike.Expected) || !near(b.Spike.Spread, tc.spike.Spread) ||
				!near(b.Drop.Expected, tc.drop.Expected) || !near(b.Drop.Spread, tc.drop.Spread) {
				t.Fatalf("spike %+v drop %+v; want %+v %+v", b.Spike, b.Drop, tc.spike, tc.drop)
			}
			if tc.samples == 0 {
				return
			}
			if !b.Spike.IsSpike(tc.spikeAt, core.SensitivityMedium, core.DefaultMinVisitors) ||
				b.Spike.IsSpike(tc.none, core.SensitivityMedium, core.DefaultMinVisitors) {
				t.Errorf("spike at %d and not at %d: upper %.3f", tc.spikeAt, tc.none, b.Spike.Upper(core.SensitivityMedium))
			}
			if got := b.Spike.SpikeThresholdOf(core.SensitivityMedium, core.DefaultMinVisitors); got != int(tc.spikeAt) {
				t.Errorf("SpikeThresholdOf = %d, want %d", got, tc.spikeAt)
			}
		})
	}
}

// Slots are hours of the week in UTC: across the change to summer time in
// Berlin (29 March 2026) the baseline of Tuesday 03:00 UTC is made of the
// Tuesdays 03:00 UTC before it, which Berlin's clocks called 04:00 then and
// 05:00 now, and never of the hour whose local clock matches.
func TestComputeDaylightSavingWeek(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 31, 5, 20, 0, 0, berlin) // Tuesday 03:20 UTC, summer time
	if core.SlotOf(at).String() != "Tuesdays at 03:00 UTC" {
		t.Fatalf("slot %s", core.SlotOf(at))
	}
	ranges := baseline.SlotRanges(at, 2)
	want := []time.Time{time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC), time.Date(2026, 3, 17, 3, 0, 0, 0, time.UTC)}
	for i, r := range ranges {
		if !r.From.Equal(want[i]) || r.To.Sub(r.From) != time.Hour {
			t.Errorf("range %d = %v–%v, want the hour from %v", i, r.From, r.To, want[i])
		}
	}
	// 5 a bucket in the UTC slot; 50 in the hour Berlin's clock matches
	// (04:00 UTC a week before, when Berlin was at UTC+1: 05:00 local).
	c := seasonal(at, 2, func(int, int) uint64 { return 5 })
	for j := range core.SlotBuckets {
		c.Visitors[want[0].Add(time.Hour+time.Duration(j)*core.BucketWidth).Unix()] = 50
	}
	b := baseline.Compute(c, at, 2, want[1].Add(-24*time.Hour))
	if b.Spike.Expected != 5 || !b.Slot.Equal(time.Date(2026, 3, 31, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("expected %v for slot %v; want 5 for Tuesday 03:00 UTC", b.Spike.Expected, b.Slot)
	}
}

func TestSensitivities(t *testing.T) {
	band := core.Band{Expected: 100, Spread: 10}
	for _, tc := range []struct {
		s            core.Sensitivity
		k            float64
		lower, upper float64
	}{
		{core.SensitivityLow, 5, 50, 150},
		{core.SensitivityMedium, 4, 60, 140},
		{core.SensitivityHigh, 3, 70, 130},
	} {
		if tc.s.K() != tc.k || band.Lower(tc.s) != tc.lower || band.Upper(tc.s) != tc.upper {
			t.Errorf("%s: k %v band %v–%v; want %v, %v–%v", tc.s, tc.s.K(), band.Lower(tc.s), band.Upper(tc.s), tc.k, tc.lower, tc.upper)
		}
		// Just over upper fires, upper itself does not; just under lower
		// fires, lower itself does not.
		if !band.IsSpike(uint64(tc.upper)+1, tc.s, 10) || band.IsSpike(uint64(tc.upper), tc.s, 10) {
			t.Errorf("%s: spike edges wrong around %v", tc.s, tc.upper)
		}
		if !band.IsDrop(uint64(tc.lower)-1, tc.s) || band.IsDrop(uint64(tc.lower), tc.s) {
			t.Errorf("%s: drop edges wrong around %v", tc.s, tc.lower)
		}
		if band.DropThresholdOf(tc.s) != int(tc.lower) {
			t.Errorf("%s: DropThresholdOf = %d", tc.s, band.DropThresholdOf(tc.s))
		}
	}
}

func TestDropEligible(t *testing.T) {
	for _, tc := range []struct {
		expected float64
		min      int
		want     bool
	}{
		{29.9, 1, false}, // under the floor of 30, whatever min_visitors
		{30, 1, true},
		{30, 10, true}, // 3 × 10 = 30
		{44, 15, false},
		{45, 15, true},
	} {
		if got := (core.Band{Expected: tc.expected}).DropEligible(tc.min); got != tc.want {
			t.Errorf("expected %v, min_visitors %d: eligible %v, want %v", tc.expected, tc.min, got, tc.want)
		}
	}
}

func TestHistoryDays(t *testing.T) {
	now := tue3
	for _, tc := range []struct {
		first time.Time
		want  int
	}{
		{time.Time{}, 0},
		{now.Add(-23 * time.Hour), 0},
		{now.Add(-5*24*time.Hour - time.Minute), 5},
		{now.Add(-14 * 24 * time.Hour), 14},
		{now.Add(time.Hour), 0},
	} {
		if got := baseline.HistoryDays(tc.first, now); got != tc.want {
			t.Errorf("HistoryDays(%v) = %d, want %d", tc.first, got, tc.want)
		}
	}
	b := core.Baseline{HistoryDays: core.LearningDays - 1}
	if !b.Learning() {
		t.Error("13 days is learning")
	}
	b.HistoryDays = core.LearningDays
	if b.Learning() {
		t.Error("14 days is not learning")
	}
}

func TestConfirm(t *testing.T) {
	streak := 0
	var got []string
	for _, anomalous := range []bool{true, true, true, false, true, false} {
		var cond, decided bool
		streak, cond, decided = baseline.Confirm(streak, anomalous)
		switch {
		case !decided:
			got = append(got, "pending")
		case cond:
			got = append(got, "anomaly")
		default:
			got = append(got, "normal")
		}
	}
	want := []string{"pending", "anomaly", "anomaly", "normal", "pending", "normal"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
