package poll

import (
	"context"
	"slices"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// window is a goal count's [from, to).
type window struct{ from, to time.Time }

// goalResult is what goalEvents decided.
type goalResult struct {
	states      map[int64]core.GoalState
	reported    map[core.BucketKey]uint64
	prune       map[int64]time.Time
	late        uint64
	digestMarks map[core.DigestKey]time.Time
	deliveries  []core.NewDelivery
	events      int
}

// count is one window of goal buckets to count: the goals, each from its
// own start on (its buckets before that are not this count's).
type count struct {
	w     window
	goals []*core.Goal
	from  map[int64]time.Time
}

func (k *count) add(g *core.Goal, from time.Time) {
	if k.from == nil {
		k.from = map[int64]time.Time{}
	}
	k.goals = append(k.goals, g)
	k.from[g.ID] = from
}

// goalPlan is what a cycle counts of the goals.
//
// Each goal's open buckets, from core.GoalState.Open on, are recounted at
// every poll in the steady count, which the cycle's one pass over the
// current window (Source.Poll) runs beside the visitors; what a bucket
// gained over its reported count is sent. A bucket closes once it is older
// than the late horizon; closed buckets get one more recount, at twice the
// horizon, whose gain goes to late_events and is never sent, and are then
// pruned. A goal far behind (after a downtime) catches up in counts of at
// most MaxWindow, one per poll. A goal first seen, or one whose Open is no
// bucket start (left by a hookwatch before buckets), has what was stamped
// before that instant counted as reported, in a baseline count.
type goalPlan struct {
	r         *goalResult
	steady    *count
	catchUps  []*count
	baselines []*count
	recounts  []*count
	// buckets holds the steady count's buckets once the pass has run.
	buckets []core.BucketCount
}

// planGoals works out the counts of this cycle and every goal's next
// state. The windows of catch-ups, baselines and recounts are grouped, so
// that goals in step (all of them, in steady state) share one query.
func (c *cycle) planGoals() *goalPlan {
	p := c.p
	h := p.cfg.LateHorizon
	plan := &goalPlan{r: &goalResult{states: map[int64]core.GoalState{}, reported: map[core.BucketKey]uint64{},
		digestMarks: map[core.DigestKey]time.Time{}}}
	open := core.BucketStart(c.now.Add(-h)) // the oldest bucket open after this poll
	end := core.BucketStart(c.now).Add(core.GoalBucket)
	due := core.BucketStart(c.now.Add(-2 * h)) // buckets before it are due their recount
	maxWindow := max(core.GoalBucket, p.cfg.MaxWindow.Truncate(core.GoalBucket))
	batch := max(core.GoalBucket, h/2)
	group := map[window]*count{}
	at := func(list *[]*count, w window) *count {
		if k := group[w]; k != nil {
			return k
		}
		k := &count{w: w}
		group[w] = k
		*list = append(*list, k)
		return k
	}
	for _, g := range c.goals {
		if c.sites[g.SiteID] == nil {
			continue
		}
		st, known := c.goalStates[g.ID]
		if !c.goalWanted(g) {
			// No webhook takes its counts: forget it, so that it starts
			// afresh when one does.
			if known {
				plan.r.states[g.ID] = core.GoalState{}
			}
			continue
		}
		if !known || !core.BucketStart(st.Open).Equal(st.Open) {
			plan.r.states[g.ID] = c.baseline(plan, at, g, st, known)
			continue
		}
		next := st
		if next.Recount.IsZero() {
			next.Recount = st.Open
		}
		if st.Open.Before(open.Add(-h)) {
			w := window{st.Open, minTime(st.Open.Add(maxWindow), open)}
			at(&plan.catchUps, w).add(g, st.Open)
			next.Open = w.to
			if next.Recount.Equal(st.Open) && !w.to.After(due) {
				// Counted at twice the horizon already: no recount due.
				next.Recount = w.to
			}
		} else {
			if plan.steady == nil {
				plan.steady = &count{w: window{st.Open, end}}
			}
			plan.steady.add(g, st.Open)
			plan.steady.w.from = minTime(plan.steady.w.from, st.Open)
			if open.After(st.Open) {
				next.Open = open
			}
		}
		if w := (window{next.Recount, minTime(minTime(st.Open, due), next.Recount.Add(maxWindow))}); w.to.Sub(w.from) >= batch {
			at(&plan.recounts, w).add(g, w.from)
		}
		plan.r.states[g.ID] = next
	}
	for _, list := range [][]*count{plan.catchUps, plan.baselines, plan.recounts} {
		slices.SortFunc(list, func(a, b *count) int { return a.w.from.Compare(b.w.from) })
	}
	return plan
}

// baseline starts counting goal g, first seen (known false) or with an
// Open left by a hookwatch before buckets: from the start of the bucket
// holding that instant (now, for a new goal), with what that bucket holds
// from before the instant counted as reported. It returns g's next state.
func (c *cycle) baseline(plan *goalPlan, at func(*[]*count, window) *count, g *core.Goal, st core.GoalState, known bool) core.GoalState {
	instant := c.now
	if known {
		instant = st.Open
	}
	start := core.BucketStart(instant)
	next := core.GoalState{Open: start, Recount: st.Recount}
	if next.Recount.IsZero() || next.Recount.After(start) {
		next.Recount = start
	}
	if start.Before(instant) {
		at(&plan.baselines, window{start, instant}).add(g, start)
	}
	return next
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// goalEvents runs the counts of plan but the steady one, whose buckets the
// cycle's pass brought, and turns what the buckets gained into one
// goal.completed per goal and count; then it reports the digests. It only
// reads the cycle, so that it can run beside traffic.
func (c *cycle) goalEvents(ctx context.Context, plan *goalPlan) (*goalResult, error) {
	r := plan.r
	digests := c.planDigests(r)
	for _, k := range plan.baselines {
		if err := c.countBaseline(ctx, r, k); err != nil {
			return nil, err
		}
	}
	var gains []gain
	if plan.steady != nil {
		gains = c.gains(r, plan.steady, plan.buckets, gains)
	}
	for _, k := range plan.catchUps {
		bs, err := c.buckets(ctx, k, false)
		if err != nil {
			return nil, err
		}
		gains = c.gains(r, k, bs, gains)
	}
	for _, k := range plan.recounts {
		bs, err := c.buckets(ctx, k, false)
		if err != nil {
			return nil, &sourceError{"goal recount", err}
		}
		c.recount(r, k, bs)
	}
	if err := c.sendGains(ctx, r, gains, digests.skip); err != nil {
		return nil, err
	}
	if err := c.countDigests(ctx, r, digests); err != nil {
		return nil, err
	}
	// Only the states that moved are written: at a poll interval under the
	// bucket's 10 s, most polls move none. Only the goals whose kept span
	// moved (at a recount, a catch-up or a goal's first count, not at every
	// poll) are pruned.
	r.prune = map[int64]time.Time{}
	for id, st := range r.states {
		old, ok := c.goalStates[id]
		if ok && old.Open.Equal(st.Open) && old.Recount.Equal(st.Recount) {
			delete(r.states, id)
		} else if !st.Open.IsZero() && (!ok || !old.Kept().Equal(st.Kept())) {
			r.prune[id] = st.Kept()
		}
	}
	return r, nil
}

// goalWanted reports whether any enabled webhook takes goal g's window
// counts.
func (c *cycle) goalWanted(g *core.Goal) bool {
	for _, h := range c.goalHooks[g.SiteID] {
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
