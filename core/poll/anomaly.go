package poll

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/baseline"
)

// anomalyState is what the anomaly rules keep between polls, in memory
// only: a restart reads the baselines again and starts the streaks anew.
type anomalyState struct {
	// slot is the slot hour (ClickHouse's clock) baselines are for.
	slot      time.Time
	baselines map[core.BaselineKey]core.Baseline
	// streaks counts, per alert, the consecutive anomalous evaluations.
	streaks map[core.AlertKey]int
	// retryAt (local clock) holds back a refresh after a failed one.
	retryAt time.Time
}

// dropCounts reports which counts the drop check of hooks needs: the 12 h
// count for fixed drop rules, the 60-minute count for anomaly ones.
func dropCounts(hooks []*core.Webhook) (with12h, with60m bool) {
	for _, h := range hooks {
		switch h.DropRule() {
		case core.RuleThreshold:
			with12h = true
		case core.RuleAnomaly:
			with60m = true
		}
	}
	return with12h, with60m
}

// baselineNeeds returns the (site, weeks) pairs whose baselines the
// cycle's anomaly rules read.
func (c *cycle) baselineNeeds() map[core.BaselineKey]bool {
	need := map[core.BaselineKey]bool{}
	for _, h := range c.hooks {
		if h.HasAnomalyRule() {
			need[core.BaselineKey{SiteID: h.SiteID, Weeks: h.BaselineWeeks}] = true
		}
	}
	return need
}

// refreshBaselines makes sure the baselines of the current slot are in
// memory for every pair the anomaly rules need: all of them at start and
// at each new hour, and those of new webhooks as they appear. A steady
// poll finds them all and reads nothing. A failed read is logged and
// tried again a DropEvery later; meanwhile the rules without a baseline
// for this slot send nothing.
func (c *cycle) refreshBaselines(ctx context.Context) {
	p, a := c.p, &c.p.anomaly
	need := c.baselineNeeds()
	slot := core.SlotStart(c.now)
	if !slot.Equal(a.slot) {
		a.slot, a.baselines = slot, nil
	}
	var missing []core.BaselineKey
	for k := range need {
		if _, ok := a.baselines[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 || p.cfg.Counts == nil || c.local.Before(a.retryAt) {
		return
	}
	start := time.Now()
	// Half the poll's time at most: a slow history read must leave the
	// poll time to commit what it decided otherwise.
	rctx, cancel := context.WithTimeout(ctx, p.cfg.PollTimeout/2)
	fresh, err := c.readBaselines(rctx, missing)
	cancel()
	if err != nil {
		a.retryAt = c.local.Add(p.cfg.DropEvery)
		p.log.Warn("reading baselines failed; anomaly rules without one stay silent", "err", err, "retry_in", p.cfg.DropEvery)
		return
	}
	next := make(map[core.BaselineKey]core.Baseline, len(need))
	for k := range need {
		if b, ok := a.baselines[k]; ok {
			next[k] = b
		} else if b, ok := fresh[k]; ok {
			next[k] = b
		}
	}
	a.baselines = next
	p.log.Info("baselines read", "slot", slot, "read", len(missing), "kept", len(next), "duration", time.Since(start))
	if p.cfg.Baselines != nil {
		if err := p.cfg.Baselines.SaveBaselines(ctx, slices.Collect(maps.Values(next))); err != nil {
			p.log.Warn("saving baselines failed", "err", err)
		}
	}
}

// readBaselines reads and computes the baselines of keys, for the slot of
// c.now: one grouped query for the bucket counts of every site over the
// longest span asked, and one for the sites' first events.
func (c *cycle) readBaselines(ctx context.Context, keys []core.BaselineKey) (map[core.BaselineKey]core.Baseline, error) {
	var sites []uint64
	var weeks []int
	seen := make(map[uint64]bool, len(keys))
	maxWeeks := 0
	for _, k := range keys {
		pid := c.sites[k.SiteID].PlausibleID
		if !seen[pid] {
			seen[pid] = true
			sites = append(sites, pid)
		}
		if !slices.Contains(weeks, k.Weeks) {
			weeks = append(weeks, k.Weeks)
		}
		maxWeeks = max(maxWeeks, k.Weeks)
	}
	since := make([]time.Time, len(weeks))
	for i, w := range weeks {
		since[i] = baseline.HistorySince(c.now, w)
	}
	// The two reads are independent: side by side, a refresh takes about
	// as long as the slower.
	src := c.p.cfg.Counts
	var firsts map[uint64][]time.Time
	var ferr error
	var firstDur time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		t0 := time.Now()
		firsts, ferr = src.FirstEvents(ctx, sites, since)
		firstDur = time.Since(t0)
	}()
	t0 := time.Now()
	counts, err := src.BucketCounts(ctx, core.CountQuery{SiteIDs: sites, Ranges: baseline.SlotRanges(c.now, maxWeeks)})
	bucketDur := time.Since(t0)
	<-done
	c.p.log.Debug("baseline reads", "sites", len(sites), "bucket_counts", bucketDur, "first_events", firstDur)
	if err != nil {
		return nil, &sourceError{"bucket counts", err}
	}
	if ferr != nil {
		return nil, &sourceError{"first events", ferr}
	}
	out := make(map[core.BaselineKey]core.Baseline, len(keys))
	for _, k := range keys {
		pid := c.sites[k.SiteID].PlausibleID
		var first time.Time
		if f := firsts[pid]; f != nil {
			first = f[slices.Index(weeks, k.Weeks)]
		}
		b := baseline.Compute(counts[pid], c.now, k.Weeks, first)
		b.SiteID, b.HistoryDays, b.ComputedAt = k.SiteID, baseline.HistoryDays(first, c.now), c.now
		out[k] = b
	}
	return out, nil
}

// evaluateAnomaly applies one evaluation of the anomaly rule of hit's
// webhook and type to hit.value: today's current visitors for a spike, the
// rolling 60-minute count for a drop. A site that is learning, has no
// baseline for this slot, or (for a drop) is too quiet in this slot is not
// evaluated: its alert stays as it is, so that a drop that fired at a busy
// hour is not resolved by the quiet night after it. An anomaly must hold
// on core.Confirmations consecutive evaluations before the state machine
// hears of it.
func (c *cycle) evaluateAnomaly(hits []alertHit, hit alertHit) []alertHit {
	a, h, value := &c.p.anomaly, hit.hook, hit.value
	b, ok := a.baselines[core.BaselineKey{SiteID: h.SiteID, Weeks: h.BaselineWeeks}]
	if !ok || b.Samples == 0 || b.Learning() {
		return hits
	}
	band := b.Spike
	anomalous := band.IsSpike(value, h.Sensitivity, h.MinVisitors)
	if hit.typ == core.EventDrop {
		band = b.Drop
		if !band.DropEligible(h.MinVisitors) {
			return hits
		}
		anomalous = band.IsDrop(value, h.Sensitivity)
	}
	key := core.AlertKey{WebhookID: h.ID, Type: hit.typ}
	prev, staged := c.streaks[key]
	if !staged {
		prev = a.streaks[key]
	}
	streak, cond, decided := baseline.Confirm(prev, anomalous)
	if c.streaks == nil {
		c.streaks = map[core.AlertKey]int{}
	}
	c.streaks[key] = streak
	if !decided {
		return hits
	}
	hit.band = &band
	return c.evaluate(hits, reading{hit, cond})
}

// keepStreaks makes the streaks of a committed cycle the poller's. A cycle
// stages them, so that one whose commit is refused (and run again) counts
// no evaluation twice.
func (a *anomalyState) keepStreaks(staged map[core.AlertKey]int) {
	if len(staged) == 0 {
		return
	}
	if a.streaks == nil {
		a.streaks = make(map[core.AlertKey]int, len(staged))
	}
	maps.Copy(a.streaks, staged)
}

// normalOf is the Normal of an anomaly hit, for its event.
func normalOf(hit alertHit) *core.Normal {
	return core.NewNormal(*hit.band, hit.hook.BaselineWeeks, hit.hook.Sensitivity)
}
