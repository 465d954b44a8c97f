package core

import (
	"context"
	"fmt"
	"time"
)

// Week is the period of a baseline: traffic repeats by hour of the week.
const Week = 7 * 24 * time.Hour

// BucketWidth is the width of one baseline bucket and the step between
// the rolling counts; SlotBuckets is how many fit in a slot.
const (
	BucketWidth = 5 * time.Minute
	SlotBuckets = int(time.Hour / BucketWidth)
	// RollingWindow is the span of the drop rule's rolling count.
	RollingWindow = time.Hour
)

// Slot is an hour of the week in UTC: 0 is Sunday 00:00–01:00, 167 is
// Saturday 23:00–24:00. Slots never follow a daylight-saving clock, so
// every week has 168 of them and each is 168 hours after its last.
type Slot int

// SlotOf returns the slot t falls in.
func SlotOf(t time.Time) Slot {
	u := t.UTC()
	return Slot(int(u.Weekday())*24 + u.Hour())
}

// SlotStart returns the start of the slot hour t falls in.
func SlotStart(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// Weekday is the slot's day.
func (s Slot) Weekday() time.Weekday { return time.Weekday(int(s) / 24 % 7) }

// Hour is the slot's hour of the day, UTC.
func (s Slot) Hour() int { return int(s) % 24 }

// String tells the slot as people say it: "Tuesdays at 03:00 UTC".
func (s Slot) String() string {
	return fmt.Sprintf("%ss at %02d:00 UTC", s.Weekday(), s.Hour())
}

// Baseline is what is normal for a site in one slot, over its last Weeks
// weeks. It is kept per (site, weeks), since webhooks of one site may look
// back over different spans.
type Baseline struct {
	SiteID int64 `json:"-"` // hookwatch's site id
	Weeks  int   `json:"baseline_weeks"`
	// Slot is the start of the slot hour the bands are for.
	Slot time.Time `json:"slot"`
	// HistoryDays counts whole days since the site's first event within
	// the last Weeks weeks, as of ComputedAt.
	HistoryDays int `json:"history_days"`
	// Samples is how many samples each band was computed from; 0 when the
	// site had no events in any of the weeks.
	Samples int `json:"samples"`
	// Spike is the band of 5-minute visitors, Drop of rolling 60-minute
	// visitors.
	Spike      Band      `json:"spike"`
	Drop       Band      `json:"drop"`
	ComputedAt time.Time `json:"computed_at"`
}

// Learning reports whether the site has too little history for anomaly
// rules, which then send nothing.
func (b *Baseline) Learning() bool { return b.HistoryDays < LearningDays }

// HistoryOf says whether w's anomaly rules are learning, and how many days
// of history its site has over w's baseline weeks, from the stored
// baselines. A webhook whose baseline the engine has not read yet is
// learning, with 0 days.
func HistoryOf(bs map[BaselineKey]Baseline, w *Webhook) (learning bool, days int) {
	b, ok := bs[BaselineKey{SiteID: w.SiteID, Weeks: w.BaselineWeeks}]
	if ok {
		days = b.HistoryDays
	}
	return w.HasAnomalyRule() && (!ok || b.Learning()), days
}

// LearningText is how the CLI and the window say that a site is learning:
// "learning (5 days of history)".
func LearningText(days int) string {
	unit := "days"
	if days == 1 {
		unit = "day"
	}
	return fmt.Sprintf("learning (%d %s of history)", days, unit)
}

// BaselineKey names the baseline of a site over some weeks.
type BaselineKey struct {
	SiteID int64
	Weeks  int
}

// BucketCounts are one site's visitor counts at 5-minute steps, keyed by
// the step's unix second. A step with no events is missing: zero.
type BucketCounts struct {
	// Visitors is uniq(user_id) in the 5 minutes from each bucket's start,
	// engagement events left out.
	Visitors map[int64]uint64
	// Rolling is uniq(user_id) in the 60 minutes before each 5-minute
	// boundary, engagement events left out.
	Rolling map[int64]uint64
}

// TimeRange is [From, To).
type TimeRange struct {
	From, To time.Time
}

// CountQuery asks for the bucket counts of many sites: for every range,
// the visitors of each bucket starting in it and the rolling count at each
// boundary in it. Ranges are aligned to BucketWidth.
type CountQuery struct {
	SiteIDs []uint64
	Ranges  []TimeRange
}

// BaselineSource reads what baselines are made of, for many sites in one
// grouped query each.
type BaselineSource interface {
	// BucketCounts answers q. Sites with no events are missing.
	BucketCounts(ctx context.Context, q CountQuery) (map[uint64]*BucketCounts, error)
	// FirstEvents returns, per site, the time of its first event at or
	// after each of since, in since's order; a zero time when there is
	// none. Sites with no event since the earliest are missing.
	FirstEvents(ctx context.Context, siteIDs []uint64, since []time.Time) (map[uint64][]time.Time, error)
}

// BaselineStore keeps the poller's baselines for the window, `status` and
// `webhook list`, which do not read ClickHouse.
type BaselineStore interface {
	// SaveBaselines replaces every stored baseline with bs. Baselines of
	// sites deleted meanwhile are left out.
	SaveBaselines(ctx context.Context, bs []Baseline) error
	// Baselines returns every stored baseline.
	Baselines(ctx context.Context) (map[BaselineKey]Baseline, error)
}
