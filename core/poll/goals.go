package poll

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// window is a goal count's [from, to).
type window struct{ from, to time.Time }

// goalResult is what goalEvents decided.
type goalResult struct {
	watermarks map[int64]time.Time
	marks      map[core.DigestKey]time.Time
	deliveries []core.NewDelivery
	events     int
}

// goalPlan is what a cycle counts of the goals: the windows to count, in
// order, with their goals, and the watermarks moved without counting.
type goalPlan struct {
	r      *goalResult
	order  []window
	groups map[window][]*core.Goal
	// steady is the window counted in the cycle's one pass over the
	// current window (Source.Poll), if any; counts holds its counts once
	// the pass has run.
	steady *window
	counts []core.GoalCount
}

// planGoals works out the goal windows of this cycle: from every goal's
// watermark up to SettleDelay behind ClickHouse's now, at most MaxWindow at
// once. Goals sharing a window (all of them, in steady state) are counted
// together. The window with the most goals among those inside the last
// core.CurrentWindow, a steady poll's, is counted with the visitors.
func (c *cycle) planGoals() *goalPlan {
	p := c.p
	plan := &goalPlan{
		r:      &goalResult{watermarks: map[int64]time.Time{}, marks: map[core.DigestKey]time.Time{}},
		groups: map[window][]*core.Goal{},
	}
	end := c.now.Add(-p.cfg.SettleDelay)
	for _, g := range c.goals {
		if c.sites[g.SiteID] == nil {
			continue
		}
		wm, ok := c.wms[g.ID]
		if !ok {
			// First seen: watch from here on; past completions are not new.
			plan.r.watermarks[g.ID] = end
			continue
		}
		if !wm.Before(end) {
			continue
		}
		w := window{wm, end}
		if end.Sub(wm) > p.cfg.MaxWindow {
			w.to = wm.Add(p.cfg.MaxWindow)
		}
		if !c.goalWanted(g) {
			// No webhook would receive this window's count (digests
			// ask for their own buckets): move on without asking.
			plan.r.watermarks[g.ID] = w.to
			continue
		}
		if _, ok := plan.groups[w]; !ok {
			plan.order = append(plan.order, w)
		}
		plan.groups[w] = append(plan.groups[w], g)
	}
	slices.SortFunc(plan.order, func(a, b window) int { return a.from.Compare(b.from) })
	oldest := c.now.Add(-core.CurrentWindow)
	for i, w := range plan.order {
		if !w.from.Before(oldest) && (plan.steady == nil || len(plan.groups[w]) >= len(plan.groups[*plan.steady])) {
			plan.steady = &plan.order[i]
		}
	}
	return plan
}

// goalEvents counts the completions of every goal window of plan and fans
// each count > 0 out as one goal.completed; the steady window's counts
// come from the cycle's pass, the others from a query per window. It only
// reads the cycle, so that it can run beside traffic. Digest webhooks get
// no window counts; their digests follow once the windows are counted.
func (c *cycle) goalEvents(ctx context.Context, plan *goalPlan) (*goalResult, error) {
	r := plan.r
	for _, w := range plan.order {
		goals := plan.groups[w]
		var counts []core.GoalCount
		if plan.steady != nil && w == *plan.steady {
			counts = plan.counts
		} else {
			var err error
			if counts, err = c.p.cfg.Source.GoalCompletions(ctx, c.goalQueries(goals), w.from, w.to); err != nil {
				return nil, &sourceError{"goal completions", err}
			}
		}
		if err := c.countGoals(r, w, goals, counts); err != nil {
			return nil, err
		}
	}
	if err := c.digests(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// goalWanted reports whether any enabled webhook takes goal g's window
// counts.
func (c *cycle) goalWanted(g *core.Goal) bool {
	for _, h := range c.goalHooks {
		if takesGoal(h, g) {
			return true
		}
	}
	return false
}

// takesGoal reports whether webhook h takes goal g's completions.
func takesGoal(h *core.Webhook, g *core.Goal) bool {
	return h.SiteID == g.SiteID && h.Subscribes(core.EventGoal) && h.WantsGoal(g)
}

// goalQueries returns the completion queries of goals.
func (c *cycle) goalQueries(goals []*core.Goal) []core.GoalQuery {
	qs := make([]core.GoalQuery, 0, len(goals))
	for _, g := range goals {
		qs = append(qs, core.GoalQuery{
			GoalID:      g.ID,
			PlausibleID: c.sites[g.SiteID].PlausibleID,
			Kind:        g.Kind,
			EventName:   g.EventName,
			PagePath:    g.PagePath,
		})
	}
	return qs
}

// goalEvent returns the goal.completed event of count n of goal g over w.
func (c *cycle) goalEvent(key string, g *core.Goal, w window, n core.GoalCount) *core.Event {
	site := c.sites[g.SiteID]
	return &core.Event{
		Type:      core.EventGoal,
		Key:       key,
		SiteID:    site.ID,
		Timestamp: c.now,
		Data: core.GoalData{
			Site:           site.Domain,
			SiteID:         site.PlausibleID,
			Goal:           core.GoalRef{Name: g.Name(), Kind: g.Kind},
			Completions:    n.Completions,
			UniqueVisitors: n.UniqueVisitors,
			PeriodStart:    w.from.UTC(),
			PeriodEnd:      w.to.UTC(),
		},
	}
}

// countGoals fans out the counts of goals over one window to the webhooks
// that take window counts and moves the goals' watermarks to the window's
// end.
func (c *cycle) countGoals(r *goalResult, w window, goals []*core.Goal, counts []core.GoalCount) error {
	byID := make(map[int64]*core.Goal, len(goals))
	for _, g := range goals {
		byID[g.ID] = g
	}
	for _, n := range counts {
		g := byID[n.GoalID]
		if g == nil || n.Completions == 0 {
			continue
		}
		e := c.goalEvent(fmt.Sprintf("goal:%d:%d:%d", g.ID, w.from.UnixMilli(), w.to.UnixMilli()), g, w, n)
		ds, err := core.FanOut(e, g, c.goalHooks)
		if err != nil {
			return fmt.Errorf("fan out goal %d: %w", g.ID, err)
		}
		r.deliveries = append(r.deliveries, ds...)
		r.events++
	}
	for _, g := range goals {
		r.watermarks[g.ID] = w.to
	}
	return nil
}
