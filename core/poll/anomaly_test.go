package poll_test

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// countingSource is the real baseline source, counting its reads.
type countingSource struct {
	core.BaselineSource
	reads atomic.Int64
}

func (s *countingSource) BucketCounts(ctx context.Context, q core.CountQuery) (map[uint64]*core.BucketCounts, error) {
	s.reads.Add(1)
	return s.BaselineSource.BucketCounts(ctx, q)
}

// seasonal makes a site's traffic: per 5-minute bucket from from to to
// (and never after now), perBucket(bucket start) visitors, each a new user,
// spread evenly over the bucket.
type seasonal struct {
	site  uint64
	now   time.Time
	users *uint64
}

func (s seasonal) span(from, to time.Time, perBucket func(time.Time) int) []chtest.Event {
	var evs []chtest.Event
	for b := from.Truncate(core.BucketWidth); b.Before(to); b = b.Add(core.BucketWidth) {
		n := perBucket(b)
		for i := range n {
			at := b.Add(time.Duration(i) * core.BucketWidth / time.Duration(n)).Truncate(time.Second)
			if at.Before(from) || !at.Before(to) || at.After(s.now) {
				continue
			}
			*s.users++
			evs = append(evs, chtest.Event{Timestamp: at, Name: "pageview", SiteID: s.site, UserID: *s.users, SessionID: *s.users, Pathname: "/"})
		}
	}
	return evs
}

// burst returns n new visitors spread evenly over [from, to).
func (s seasonal) burst(n int, from, to time.Time) []chtest.Event {
	var evs []chtest.Event
	for i := range n {
		*s.users++
		at := from.Add(time.Duration(i) * to.Sub(from) / time.Duration(n)).Truncate(time.Second)
		evs = append(evs, chtest.Event{Timestamp: at, Name: "pageview", SiteID: s.site, UserID: *s.users, SessionID: *s.users, Pathname: "/"})
	}
	return evs
}

// weeks seeds the four hours around now's slot in each of the last n
// weeks, so that a test running across an hour boundary still finds its
// slot's history.
func (s seasonal) weeks(n int, perBucket func(time.Time) int) []chtest.Event {
	slot := core.SlotStart(s.now)
	var evs []chtest.Event
	for w := 1; w <= n; w++ {
		at := slot.Add(-time.Duration(w) * core.Week)
		evs = append(evs, s.span(at.Add(-2*time.Hour), at.Add(2*time.Hour), perBucket)...)
	}
	return evs
}

func TestAnomalyRules(t *testing.T) {
	e := newEnv(t)
	now := e.chNow()
	var users uint64
	rng := rand.New(rand.NewPCG(1, 2))
	night := func(time.Time) int { return 5 }
	day := func(time.Time) int { return 40 + rng.IntN(21) } // 50 ± 20%
	var evs []chtest.Event
	mk := func(domain string, pid uint64) (*core.Site, seasonal) {
		return e.site(domain, pid), seasonal{site: pid, now: now, users: &users}
	}

	// night.example: 5 a bucket at this hour for 4 weeks, and a burst of
	// 20 in the last minute on top of tonight's 5.
	nightSite, s := mk("night.example", 61)
	evs = append(evs, s.weeks(4, night)...)
	evs = append(evs, s.span(now.Add(-2*time.Hour), now, night)...)
	evs = append(evs, s.burst(20, now.Add(-time.Minute), now)...)
	// day.example: 50 ± 20% now as always.
	daySite, s := mk("day.example", 62)
	evs = append(evs, s.weeks(4, day)...)
	evs = append(evs, s.span(now.Add(-2*time.Hour), now, day)...)
	// broken.example: busy, but its events stopped 20 minutes ago.
	brokenSite, s := mk("broken.example", 63)
	evs = append(evs, s.weeks(4, day)...)
	evs = append(evs, s.span(now.Add(-2*time.Hour), now.Add(-20*time.Minute), day)...)
	// empty.example: nobody at this hour, ever; busy twelve hours away.
	emptySite, s := mk("empty.example", 64)
	evs = append(evs, s.weeks(4, func(time.Time) int { return 0 })...)
	evs = append(evs, s.span(now.Add(-4*core.Week-12*time.Hour), now.Add(-4*core.Week-11*time.Hour), day)...)
	// new.example: ten days old, so it has last week's slot, and a burst.
	newSite, s := mk("new.example", 65)
	evs = append(evs, s.span(now.Add(-10*24*time.Hour-time.Hour), now.Add(-10*24*time.Hour), day)...)
	evs = append(evs, s.weeks(1, night)...)
	evs = append(evs, s.burst(30, now.Add(-time.Minute), now)...)
	e.insert(evs...)

	anomaly := func(site *core.Site, drop bool) *core.Webhook {
		w := &core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventSpike}, SpikeAnomaly: true, SendResolved: true}
		if drop {
			w.Events, w.SpikeAnomaly, w.DropAnomaly = []core.EventType{core.EventDrop}, false, true
		}
		return e.webhook(w)
	}
	nightHook, dayHook, newHook := anomaly(nightSite, false), anomaly(daySite, false), anomaly(newSite, false)
	dayDrop, brokenDrop, emptyDrop := anomaly(daySite, true), anomaly(brokenSite, true), anomaly(emptySite, true)
	emptySpike := anomaly(emptySite, false)
	fixed := e.webhook(&core.Webhook{SiteID: nightSite.ID, Events: []core.EventType{core.EventSpike}, SpikeThreshold: 10})

	counts := &countingSource{BaselineSource: e.src}
	cfg := e.config(e.src)
	cfg.Counts, cfg.Baselines = counts, sqlite.NewBaselineStore(e.db)
	p := poll.New(cfg)

	e.pollOnce(p)
	t.Run("a single anomalous poll is not enough", func(t *testing.T) {
		if n := len(e.delivered(nightHook.ID)) + len(e.delivered(brokenDrop.ID)); n != 0 {
			t.Fatalf("%d deliveries after one poll; want 0 (2 consecutive needed)", n)
		}
		if n := len(e.delivered(fixed.ID)); n != 1 {
			t.Fatalf("the fixed threshold: %d deliveries, want 1 at once", n)
		}
	})
	for range 3 {
		e.pollOnce(p)
	}

	t.Run("a night burst fires exactly one spike", func(t *testing.T) {
		ds := e.delivered(nightHook.ID)
		if len(ds) != 1 || ds[0].EventType != core.EventSpike {
			t.Fatalf("deliveries %v, want one traffic.spike", types(ds))
		}
		d := spikeData(t, ds[0])
		if d.Rule != core.RuleAnomaly || d.Normal == nil || d.Expected != 5 || d.Window != "5m" || d.CurrentVisitors < 20 {
			t.Fatalf("spike data %+v", d)
		}
		// MAD 0: the spread is √5, and medium puts upper at 5 + 4√5.
		if d.Upper != 13.94 || d.Lower != -3.94 || d.BaselineWeeks != 4 || d.Sensitivity != core.SensitivityMedium || d.Threshold != 14 {
			t.Errorf("band %+v threshold %d", *d.Normal, d.Threshold)
		}
	})
	t.Run("a fixed threshold says so", func(t *testing.T) {
		if d := spikeData(t, e.delivered(fixed.ID)[0]); d.Rule != core.RuleThreshold || d.Normal != nil {
			t.Errorf("fixed spike: rule %q normal %v", d.Rule, d.Normal)
		}
	})
	t.Run("a busy site that stopped fires exactly one drop", func(t *testing.T) {
		ds := e.delivered(brokenDrop.ID)
		if len(ds) != 1 || ds[0].EventType != core.EventDrop {
			t.Fatalf("deliveries %v, want one traffic.drop", types(ds))
		}
		d := dropData(t, ds[0])
		if d.Rule != core.RuleAnomaly || d.Window != "60m" || d.Normal == nil || d.Expected < 500 || float64(d.Visitors) >= d.Lower {
			t.Errorf("drop data %+v normal %+v", d, d.Normal)
		}
	})
	t.Run("normal daytime traffic, an empty hour and a learning site fire nothing", func(t *testing.T) {
		for name, h := range map[string]*core.Webhook{"day spike": dayHook, "day drop": dayDrop, "empty drop": emptyDrop,
			"empty spike": emptySpike, "learning": newHook} {
			if ds := e.delivered(h.ID); len(ds) != 0 {
				t.Errorf("%s: %v", name, types(ds))
			}
		}
	})
	t.Run("baselines are stored, learning sites with their days", func(t *testing.T) {
		bs, err := cfg.Baselines.Baselines(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		nb, lb := bs[core.BaselineKey{SiteID: nightSite.ID, Weeks: 4}], bs[core.BaselineKey{SiteID: newSite.ID, Weeks: 4}]
		// The 4 weeks end at the poll's now, so the oldest event inside them
		// is a little less than 28 days old: 27 whole days, or 28 when a
		// seeded event (they fall on whole minutes) sits on the window's
		// very first second. Work it out from the seed, as the rule says.
		since := nb.ComputedAt.Add(-4 * core.Week)
		var first time.Time
		for _, ev := range evs {
			if ev.SiteID == 61 && !ev.Timestamp.Before(since) && (first.IsZero() || ev.Timestamp.Before(first)) {
				first = ev.Timestamp
			}
		}
		wantDays := int(nb.ComputedAt.Sub(first) / (24 * time.Hour))
		if wantDays != 27 && wantDays != 28 {
			t.Fatalf("the seed's first event in the 4 weeks is %v, %d days before the poll", first, wantDays)
		}
		// A week's slot hour counts only if it ends after that first event:
		// in the last minute of an hour, the oldest one does not.
		wantSamples := 0
		for w := 1; w <= 4; w++ {
			if first.Before(core.SlotStart(nb.ComputedAt).Add(-time.Duration(w)*core.Week + time.Hour)) {
				wantSamples += int(time.Hour / core.BucketWidth)
			}
		}
		if len(bs) != 5 || nb.HistoryDays != wantDays || nb.Learning() || nb.Samples != wantSamples || wantSamples < 36 || nb.Spike.Expected != 5 {
			t.Errorf("%d baselines; night %+v", len(bs), nb)
		}
		if lb.HistoryDays != 10 || !lb.Learning() || lb.Samples != 12 {
			t.Errorf("learning site %+v", lb)
		}
	})
	t.Run("the steady poll reads no history", func(t *testing.T) {
		before := counts.reads.Load()
		slot := core.SlotStart(e.chNow())
		e.pollOnce(p)
		e.pollOnce(p)
		if got := counts.reads.Load() - before; got != 0 && core.SlotStart(e.chNow()).Equal(slot) {
			t.Errorf("%d history reads in two steady polls", got)
		}
		if before > 2 {
			t.Errorf("%d history reads for four polls within an hour; want one (two across an hour boundary)", before)
		}
	})

	e.truncate()
	e.pollOnce(p)
	t.Run("a spike resolves when traffic is back to normal", func(t *testing.T) {
		ds := ofType(e.delivered(nightHook.ID), core.EventSpikeResolved)
		if len(ds) != 1 || spikeData(t, ds[0]).Rule != core.RuleAnomaly {
			t.Fatalf("%d traffic.spike.resolved, want 1", len(ds))
		}
	})
}
