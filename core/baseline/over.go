package baseline

import (
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// AsOf returns the baseline of the slot that slot falls in as the poller
// computes it at the slot's start, from the weeks before it only: Compute
// over counts, with the site's first visit within the weeks looked up in
// f, and HistoryDays as of the slot's start. The backtest and the window's
// band both call it, so that neither looks ahead.
func AsOf(counts *core.BucketCounts, f *Firsts, slot time.Time, weeks int) core.Baseline {
	slot = core.SlotStart(slot)
	first := f.Within(HistorySince(slot, weeks), slot)
	b := Compute(counts, slot, weeks, first)
	b.HistoryDays = HistoryDays(first, slot)
	return b
}

// Ready reports whether b decides anything: its site has left learning
// and its slot had samples. An anomaly rule is undecided, and the window
// draws no band, where it is not.
func Ready(b core.Baseline) bool { return b.Samples > 0 && !b.Learning() }

// Over returns the baselines of every slot hour that overlaps [from, to),
// oldest first, each computed by AsOf from the weeks before it: what was
// normal at each moment of a period, as the poller saw it then. spike is
// the site's core.SpikeSeries and rolling its RollingSeries, reaching
// weeks weeks before from; rolling may be empty when only the spike bands
// are wanted, and the drop bands are then of zeros. days is the site's
// history as of to, in whole days, which says whether it is learning now.
func Over(spike, rolling core.Series, weeks int, from, to time.Time) (slots []core.Baseline, days int) {
	counts, f := CountsOf(spike, rolling), NewFirsts(spike)
	for slot := core.SlotStart(from); slot.Before(to); slot = slot.Add(time.Hour) {
		slots = append(slots, AsOf(counts, f, slot, weeks))
	}
	return slots, f.days(to, weeks)
}

// DaysOf is a site's history as of now, in whole days since its first
// visit within the last weeks weeks, from its spike series (which must
// reach that far back): what says whether it is learning.
func DaysOf(spike core.Series, weeks int, now time.Time) int {
	return NewFirsts(spike).days(now, weeks)
}

func (f *Firsts) days(now time.Time, weeks int) int {
	return HistoryDays(f.Within(HistorySince(now, weeks), now), now)
}
