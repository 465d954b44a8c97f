package poll

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// alertHit is one traffic event decided for one webhook.
type alertHit struct {
	hook  *core.Webhook
	site  *core.Site
	typ   core.EventType
	value uint64 // the visitors the condition was decided on
	// band is what an anomaly rule compared value with; nil for a
	// threshold.
	band *core.Band
}

// watches reports whether webhook h has traffic alert typ (EventSpike or
// EventDrop) armed: subscribed, with a rule.
func watches(h *core.Webhook, typ core.EventType) bool {
	switch typ {
	case core.EventSpike:
		return h.SpikeRule() != ""
	case core.EventDrop:
		return h.DropRule() != ""
	}
	return false
}

// resolvedOf maps an alert type to its resolved type.
func resolvedOf(typ core.EventType) core.EventType {
	if typ == core.EventDrop {
		return core.EventDropResolved
	}
	return core.EventSpikeResolved
}

// dropDue reports whether this cycle runs the 12 h drop count: every
// DropEvery, and at once for a webhook new to the drop check. It notes the
// webhooks the check evaluates.
func (c *cycle) dropDue() bool {
	p := c.p
	c.dropHooks = map[int64]bool{}
	newHook := false
	for _, h := range c.hooks {
		if watches(h, core.EventDrop) {
			c.dropHooks[h.ID] = true
			newHook = newHook || !p.dropSeen[h.ID]
		}
	}
	return len(c.dropHooks) > 0 &&
		(p.lastDrop.IsZero() || c.local.Sub(p.lastDrop) >= p.cfg.DropEvery || newHook)
}

// query reads ClickHouse's counts of the cycle in one Source.Poll: the
// visitors of every site, with the 12 h count when the drop check is due,
// and the buckets of plan's steady goal count.
func (c *cycle) query(ctx context.Context, plan *goalPlan) error {
	if len(c.siteIDs) == 0 {
		return nil
	}
	due := c.dropDue()
	with12h, with60m := dropCounts(c.hooks)
	q := core.PollQuery{SiteIDs: c.siteIDs, With12h: due && with12h, With60m: due && with60m}
	if k := plan.steady; k != nil {
		q.Goals, q.From, q.To = c.goalQueries(k.goals), k.w.from, k.w.to
		q.Buckets, q.BucketUsers = true, true
	}
	res, err := c.p.cfg.Source.Poll(ctx, q)
	if err != nil {
		return &sourceError{"poll", err}
	}
	if res.Visitors == nil {
		res.Visitors = map[uint64]core.VisitorCounts{}
	}
	// A site missing from a successful answer had no events: zero visitors.
	c.counts, c.dropChecked = res.Visitors, due
	plan.buckets = res.Buckets
	return nil
}

// traffic evaluates the spike and drop alerts of every webhook from the
// counts query read, then fans out the events that fire.
func (c *cycle) traffic(ctx context.Context) error {
	if c.counts == nil {
		return nil
	}
	counts, due := c.counts, c.dropChecked
	c.refreshBaselines(ctx)
	var hits []alertHit
	for _, h := range c.hooks {
		site := c.sites[h.SiteID]
		vc := counts[site.PlausibleID]
		spike := alertHit{hook: h, site: site, typ: core.EventSpike, value: vc.Current}
		switch h.SpikeRule() {
		case core.RuleThreshold:
			holds := core.TrafficRule{Type: core.EventSpike, Threshold: h.SpikeThreshold}.Holds(vc.Current)
			hits = c.evaluate(hits, reading{spike, holds})
		case core.RuleAnomaly:
			hits = c.evaluateAnomaly(hits, spike)
		}
		drop := alertHit{hook: h, site: site, typ: core.EventDrop}
		switch rule := h.DropRule(); {
		case !due:
		case rule == core.RuleThreshold:
			drop.value = vc.Last12h
			holds := core.TrafficRule{Type: core.EventDrop, Threshold: h.DropThreshold}.Holds(vc.Last12h)
			hits = c.evaluate(hits, reading{drop, holds})
		case rule == core.RuleAnomaly:
			drop.value = vc.Last60m
			hits = c.evaluateAnomaly(hits, drop)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	sources, pages, err := c.tops(ctx, hits)
	if err != nil {
		return err
	}
	for _, hit := range hits {
		ds, err := core.FanOut(c.alertEvent(hit, sources, pages), nil, []*core.Webhook{hit.hook})
		if err != nil {
			return err
		}
		c.commit.Deliveries = append(c.commit.Deliveries, ds...)
		c.events++
	}
	return nil
}

// reading is one observation of an alert: the hit it sends if it fires,
// and whether the alert's condition holds.
type reading struct {
	alertHit
	holds bool
}

// evaluate applies reading r to its webhook's alert, records the new state
// if it changed, and appends the events it sends: r's hit when the alert
// fires, its resolved twin when the alert resolves and the webhook takes
// resolved events.
func (c *cycle) evaluate(hits []alertHit, r reading) []alertHit {
	h, typ := r.hook, r.typ
	key := core.AlertKey{WebhookID: h.ID, Type: typ}
	st := c.states[key]
	cooldown := h.Cooldown
	if cooldown <= 0 {
		cooldown = core.DefaultCooldown
	}
	step := core.EvaluateAlert(st, r.holds, c.now, cooldown)
	if step.Next.Firing != st.Firing || !step.Next.LastFired.Equal(st.LastFired) {
		c.commit.Alerts[key] = step.Next
	}
	switch {
	case step.Fire:
		if !slices.Contains(c.fired[r.site.ID], typ) {
			c.fired[r.site.ID] = append(c.fired[r.site.ID], typ)
		}
		hits = append(hits, r.alertHit)
	case step.Resolve && h.Subscribes(resolvedOf(typ)):
		hit := r.alertHit
		hit.typ = resolvedOf(typ)
		hits = append(hits, hit)
	}
	return hits
}

// tops fetches the top sources and pages of the last 5 minutes, one grouped
// query each, for only the sites whose spike fires this poll.
func (c *cycle) tops(ctx context.Context, hits []alertHit) (map[uint64][]core.SourceRow, map[uint64][]core.PageRow, error) {
	var ids []uint64
	for _, hit := range hits {
		if hit.typ == core.EventSpike && !slices.Contains(ids, hit.site.PlausibleID) {
			ids = append(ids, hit.site.PlausibleID)
		}
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	p := c.p
	from := c.now.Add(-core.CurrentWindow)
	// The visitor count has no upper bound, so it includes events stamped
	// in now()'s own second; the breakdowns must too, or a burst arriving
	// in that second would fire a spike whose top pages leave it out.
	// ClickHouse times are whole seconds, so now+1s takes all of them.
	to := c.now.Truncate(time.Second).Add(time.Second)
	// Side by side: a firing spike waits for the slower of the two only.
	var pages map[uint64][]core.PageRow
	var perr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		pages, perr = p.cfg.Source.TopPages(ctx, ids, from, to, p.cfg.TopN)
	}()
	sources, err := p.cfg.Source.TopSources(ctx, ids, from, to, p.cfg.TopN)
	<-done
	if err != nil {
		return nil, nil, &sourceError{"top sources", err}
	}
	if perr != nil {
		return nil, nil, &sourceError{"top pages", perr}
	}
	return sources, pages, nil
}

// alertEvent builds the event of one hit. Its key names the webhook and the
// poll, since traffic alerts are decided per webhook.
func (c *cycle) alertEvent(hit alertHit, sources map[uint64][]core.SourceRow, pages map[uint64][]core.PageRow) *core.Event {
	var key string
	var data any
	switch hit.typ {
	case core.EventSpike, core.EventSpikeResolved:
		d := core.SpikeData{
			Site:            hit.site.Domain,
			SiteID:          hit.site.PlausibleID,
			CurrentVisitors: hit.value,
			Threshold:       hit.hook.SpikeThreshold,
			Window:          "5m",
			Rule:            core.RuleThreshold,
		}
		if hit.band != nil {
			d.Rule, d.Normal = core.RuleAnomaly, normalOf(hit)
			d.Threshold = hit.band.SpikeThresholdOf(hit.hook.Sensitivity, hit.hook.MinVisitors)
		}
		key = "spike"
		if hit.typ == core.EventSpike {
			d.TopSources = sources[hit.site.PlausibleID]
			d.TopPages = pages[hit.site.PlausibleID]
		} else {
			key = "spike.resolved"
		}
		data = d
	default:
		d := core.DropData{
			Site:      hit.site.Domain,
			SiteID:    hit.site.PlausibleID,
			Visitors:  hit.value,
			Threshold: hit.hook.DropThreshold,
			Window:    "12h",
			Rule:      core.RuleThreshold,
		}
		if hit.band != nil {
			d.Rule, d.Normal, d.Window = core.RuleAnomaly, normalOf(hit), "60m"
			d.Threshold = hit.band.DropThresholdOf(hit.hook.Sensitivity)
		}
		data = d
		key = "drop"
		if hit.typ == core.EventDropResolved {
			key = "drop.resolved"
		}
	}
	return &core.Event{
		Type:      hit.typ,
		Key:       fmt.Sprintf("%s:%d:%d", key, hit.hook.ID, c.now.Unix()),
		SiteID:    hit.site.ID,
		Timestamp: c.now,
		Data:      data,
	}
}
