package core

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"
)

// SeriesKind says what each value of a Series counts: the unique visitors,
// engagement events left out, of the Window that ends at the end of each
// Step-long bucket. A kind whose Window is its Step is tumbling (each
// bucket counts its own visitors); a longer Window makes it rolling (each
// bucket counts the visitors of the Window ending with it).
type SeriesKind struct {
	Step   time.Duration
	Window time.Duration
}

// The series hookwatch reads.
var (
	// SpikeSeries is the spike metric: the visitors of each 5-minute
	// bucket. The live spike check counts a sliding 5 minutes at every
	// poll; tumbling buckets approximate it.
	SpikeSeries = SeriesKind{Step: CurrentWindow, Window: CurrentWindow}
	// HourlySeries is the visitors of each hour, for long charts.
	HourlySeries = SeriesKind{Step: time.Hour, Window: time.Hour}
	// DropSeries is the drop metric: the visitors of the 12 hours ending
	// at each hour's end.
	DropSeries = SeriesKind{Step: time.Hour, Window: DropWindow}
)

// MaxSeriesWindowSteps bounds how many buckets one rolling value spans, so
// that a query merges a bounded number of states per value.
const MaxSeriesWindowSteps = 288

// Validate reports whether a source can read k: a Step of whole minutes
// that divides a day (so buckets align to UTC midnight), and a Window of
// 1 to MaxSeriesWindowSteps Steps.
func (k SeriesKind) Validate() error {
	day := 24 * time.Hour
	switch {
	case k.Step < time.Minute || k.Step%time.Minute != 0 || day%k.Step != 0:
		return FieldErrorf("step", "must be whole minutes that divide a day, not %v", k.Step)
	case k.Window < k.Step || k.Window%k.Step != 0 || k.Window/k.Step > MaxSeriesWindowSteps:
		return FieldErrorf("window", "must be 1 to %d steps of %v, not %v", MaxSeriesWindowSteps, k.Step, k.Window)
	}
	return nil
}

// Rolling reports whether each value spans more than its own bucket.
func (k SeriesKind) Rolling() bool { return k.Window > k.Step }

// Align returns the start of the bucket holding t, in UTC.
func (k SeriesKind) Align(t time.Time) time.Time { return t.UTC().Truncate(k.Step) }

// Label is the bucket's length as the CLI prints it: "5m", "1h".
func (k SeriesKind) Label() string {
	if k.Step%time.Hour == 0 {
		return strconv.FormatInt(int64(k.Step/time.Hour), 10) + "h"
	}
	return strconv.FormatInt(int64(k.Step/time.Minute), 10) + "m"
}

// Series is one site's visitor counts in consecutive buckets: Values[i]
// belongs to the bucket starting at Start + i×Step. Buckets with no events
// hold zero; none is missing.
type Series struct {
	Kind   SeriesKind
	Start  time.Time // UTC, aligned to Kind.Step
	Values []uint64
	// AsOf is the source's now when the series was read. A value whose
	// window ends after AsOf is partial: its bucket is still filling.
	AsOf time.Time
}

// Len returns the number of buckets.
func (s Series) Len() int { return len(s.Values) }

// BucketStart returns the start of bucket i.
func (s Series) BucketStart(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Kind.Step) }

// End returns the end of bucket i, where its window ends too.
func (s Series) End(i int) time.Time { return s.BucketStart(i + 1) }

// At returns the moment value i is reported at: a tumbling bucket's start,
// as charts label buckets, and a rolling window's end, which is the moment
// the value is a count of "the last Window".
func (s Series) At(i int) time.Time {
	if s.Kind.Rolling() {
		return s.End(i)
	}
	return s.BucketStart(i)
}

// Partial reports whether bucket i was still filling when s was read.
func (s Series) Partial(i int) bool { return s.End(i).After(s.AsOf) }

// Complete returns s without its trailing partial buckets.
func (s Series) Complete() Series {
	n := len(s.Values)
	for n > 0 && s.Partial(n-1) {
		n--
	}
	s.Values = s.Values[:n]
	return s
}

// Slice returns the buckets starting in [from, to), clipped to s.
func (s Series) Slice(from, to time.Time) Series {
	i, j := s.index(from), s.index(to)
	out := s
	out.Start = s.BucketStart(i)
	out.Values = s.Values[i:j]
	return out
}

// index returns the first bucket starting at or after t, within [0, Len].
func (s Series) index(t time.Time) int {
	if !t.After(s.Start) {
		return 0
	}
	d := t.Sub(s.Start)
	i := int(d / s.Kind.Step)
	if d%s.Kind.Step != 0 {
		i++
	}
	return min(i, len(s.Values))
}

// Peak returns the largest value, 0 for an empty series.
func (s Series) Peak() uint64 {
	var m uint64
	for _, v := range s.Values {
		m = max(m, v)
	}
	return m
}

// Quantile returns the nearest-rank q-quantile of the values (0 < q ≤ 1):
// the smallest value that at least q of the buckets do not exceed. The
// 0.95 quantile of a month of 5-minute buckets is what a spike threshold
// just above "a busy moment" looks like. An empty series gives 0.
func (s Series) Quantile(q float64) uint64 {
	if len(s.Values) == 0 {
		return 0
	}
	vs := slices.Clone(s.Values)
	slices.Sort(vs)
	rank := int(math.Ceil(q*float64(len(vs)))) - 1
	return vs[max(0, min(rank, len(vs)-1))]
}

// HistoryQuery asks a HistorySource for the series of SiteIDs (Plausible
// site ids) whose buckets start in [From, To). From and To are aligned to
// Kind.Step.
type HistoryQuery struct {
	SiteIDs  []uint64
	Kind     SeriesKind
	From, To time.Time
}

// HistorySource reads visitor history from Plausible's events. It reads
// many sites in one grouped query; callers that want one site at a time go
// through a HistoryReader, which keeps what was read.
type HistorySource interface {
	// Now returns the source's now(), which Plausible's timestamps follow.
	Now(ctx context.Context) (time.Time, error)
	// History returns a series for every asked site, with every bucket of
	// the range: a site with no events gets zeros. AsOf is left zero.
	History(ctx context.Context, q HistoryQuery) (map[uint64]Series, error)
}

// HistoryReader reads one site's history on demand, for the window, the
// CLI and the backtests. The poller never reads history.
type HistoryReader interface {
	// Recent returns the series of kind k of the Plausible site siteID
	// over span, which is whole steps: span/Step buckets ending with the
	// one that holds the source's now, which is partial.
	Recent(ctx context.Context, siteID uint64, k SeriesKind, span time.Duration) (Series, error)
}

// AlertFiring is one traffic alert a webhook sent.
type AlertFiring struct {
	WebhookID int64
	Type      EventType // EventSpike or EventDrop
	At        time.Time
}

// AlertLog reads which traffic alerts fired, for the traffic chart.
type AlertLog interface {
	// AlertFirings returns the spike and drop alerts queued for the site's
	// webhooks since since, oldest first.
	AlertFirings(ctx context.Context, siteID int64, since time.Time) ([]AlertFiring, error)
}
