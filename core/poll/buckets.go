package poll

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// gain is what one goal's buckets gained in one count: n completions over
// the buckets [start, end) that grew.
type gain struct {
	goal       *core.Goal
	start, end time.Time
	n          uint64
	// total is what is reported of [start, end) once this gain is, which
	// makes the event key unique: it grows with every gain of that span.
	total uint64
	// users are the distinct visitors of [start, end), when every bucket
	// listed them; otherwise unique visitors are counted by a query.
	users map[uint64]bool
}

// buckets counts the goals of k per bucket over k's window.
func (c *cycle) buckets(ctx context.Context, k *count, users bool) ([]core.BucketCount, error) {
	res, err := c.p.cfg.Source.Poll(ctx, core.PollQuery{Goals: c.goalQueries(k.goals), From: k.w.from, To: k.w.to, Buckets: true, BucketUsers: users})
	if err != nil {
		return nil, &sourceError{"goal buckets", err}
	}
	return res.Buckets, nil
}

// countBaseline counts what the goals of k had, in the window's bucket,
// before the window's end, and records it as reported.
func (c *cycle) countBaseline(ctx context.Context, r *goalResult, k *count) error {
	counts, err := c.p.cfg.Source.GoalCompletions(ctx, c.goalQueries(k.goals), k.w.from, k.w.to)
	if err != nil {
		return &sourceError{"goal baseline", err}
	}
	for _, n := range counts {
		r.reported[core.BucketKey{GoalID: n.GoalID, Start: k.w.from.Unix()}] = n.Completions
	}
	return nil
}

// byGoal splits buckets by goal, keeping those of each goal in k's window
// from the goal's own start on.
func byGoal(k *count, bs []core.BucketCount) map[int64]map[int64]core.BucketCount {
	out := map[int64]map[int64]core.BucketCount{}
	for _, b := range bs {
		from, ok := k.from[b.GoalID]
		if !ok || b.Start.Before(from) || !b.Start.Before(k.w.to) {
			continue
		}
		if out[b.GoalID] == nil {
			out[b.GoalID] = map[int64]core.BucketCount{}
		}
		out[b.GoalID][b.Start.Unix()] = b
	}
	return out
}

// gains compares the buckets of count k with what was reported, records
// the new reported counts in r, and appends each goal's gain to out.
func (c *cycle) gains(r *goalResult, k *count, bs []core.BucketCount, out []gain) []gain {
	step := int64(core.GoalBucket.Seconds())
	for id, got := range byGoal(k, bs) {
		g := gain{goal: c.goalByID[id]}
		var first, last int64
		for start, b := range got {
			key := core.BucketKey{GoalID: id, Start: start}
			if rep := c.reported[key]; b.Completions > rep {
				g.n += b.Completions - rep
				r.reported[key] = b.Completions
				if first == 0 || start < first {
					first = start
				}
				last = max(last, start)
			}
		}
		if g.n == 0 || g.goal == nil {
			continue
		}
		g.start, g.end = time.Unix(first, 0).UTC(), time.Unix(last+step, 0).UTC()
		g.users = map[uint64]bool{}
		for start := first; start <= last; start += step {
			key := core.BucketKey{GoalID: id, Start: start}
			b := got[start]
			g.total += max(c.reported[key], b.Completions)
			if b.Completions > 0 && b.Users == nil {
				g.users = nil
			}
			for _, u := range b.Users {
				if g.users != nil {
					g.users[u] = true
				}
			}
		}
		out = append(out, g)
	}
	return out
}

// recount runs the last recount of closed buckets: what they gained since
// they were reported is late, and never sent. The goals' Recount moves to
// the window's end, so goalEvents prunes their buckets before it.
func (c *cycle) recount(r *goalResult, k *count, bs []core.BucketCount) {
	for id, got := range byGoal(k, bs) {
		for start, b := range got {
			if rep := c.reported[core.BucketKey{GoalID: id, Start: start}]; b.Completions > rep {
				r.late += b.Completions - rep
			}
		}
	}
	for _, g := range k.goals {
		st := r.states[g.ID]
		st.Recount = k.w.to
		r.states[g.ID] = st
	}
}

// sendGains fans each gain out as one goal.completed, to the webhooks that
// take goal counts except those skip holds for the goal. Unique visitors
// of the gains whose buckets did not list them are counted in one query
// per span.
func (c *cycle) sendGains(ctx context.Context, r *goalResult, gains []gain, skip map[core.DigestKey]bool) error {
	slices.SortFunc(gains, func(a, b gain) int {
		return cmp.Or(cmp.Compare(a.goal.ID, b.goal.ID), a.start.Compare(b.start))
	})
	spans := map[window][]*core.Goal{}
	for _, g := range gains {
		if g.users == nil {
			w := window{g.start, g.end}
			spans[w] = append(spans[w], g.goal)
		}
	}
	type span struct{ goal, start int64 }
	uniq := map[span]uint64{}
	for w, goals := range spans {
		counts, err := c.p.cfg.Source.GoalCompletions(ctx, c.goalQueries(goals), w.from, w.to)
		if err != nil {
			return &sourceError{"goal visitors", err}
		}
		for _, n := range counts {
			uniq[span{n.GoalID, w.from.Unix()}] = n.UniqueVisitors
		}
	}
	for _, g := range gains {
		n := core.GoalCount{GoalID: g.goal.ID, Completions: g.n, UniqueVisitors: uint64(len(g.users))}
		if g.users == nil {
			n.UniqueVisitors = uniq[span{g.goal.ID, g.start.Unix()}]
		}
		key := fmt.Sprintf("goal:%d:%d:%d:%d", g.goal.ID, g.start.Unix(), g.end.Unix(), g.total)
		e := c.goalEvent(key, g.goal, window{g.start, g.end}, n)
		var hooks []*core.Webhook
		for _, h := range c.goalHooks[g.goal.SiteID] {
			if !skip[core.DigestKey{WebhookID: h.ID, GoalID: g.goal.ID}] {
				hooks = append(hooks, h)
			}
		}
		ds, err := core.FanOut(e, g.goal, hooks)
		if err != nil {
			return fmt.Errorf("fan out goal %d: %w", g.goal.ID, err)
		}
		r.deliveries = append(r.deliveries, ds...)
		r.events++
	}
	return nil
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
