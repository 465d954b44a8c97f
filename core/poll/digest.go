package poll

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// MaxDigestBuckets bounds the digests one (webhook, goal) reports in one
// poll, so that catching up after a downtime runs in bounded steps, as goal
// windows do.
const MaxDigestBuckets = 8

// digestItem is one digest to report: a webhook's bucket of one goal.
type digestItem struct {
	hook *core.Webhook
	goal *core.Goal
}

// digestPlan is the digests a cycle reports: the windows to count, in
// order, with their items; and the (webhook, goal) pairs that get no
// goal.completed this poll, their last digest covering it.
type digestPlan struct {
	order  []window
	groups map[window][]digestItem
	skip   map[core.DigestKey]bool
}

// planDigests works out the goal digests of the webhooks with a
// DigestInterval, and records their new marks in r.
//
// Each (webhook, goal) has a mark: the start of the next digest to report.
// A pair seen for the first time is marked at ClickHouse's now, so that no
// completion stamped before is reported. A digest covers [mark, end of the
// DigestInterval bucket holding mark), buckets being aligned to the Unix
// epoch; so the first digest of a pair may cover part of a bucket, and
// every later one a whole bucket. A digest is due once its end is older
// than the late horizon, by when every completion that reaches ClickHouse
// in time has; then the bucket is counted afresh, so that its totals and
// unique visitors are exact, and reported when its count is > 0. The marks
// move in the same commit as the deliveries, which makes digests
// restart-safe.
//
// A mark of a pair no longer taking digests (webhook disabled, deleted,
// unsubscribed, filtered, digest turned off) is deleted. When the digest
// was turned off and the webhook still takes the goal, the completions
// stamped from the mark to now are reported first as a last, shorter
// digest, and the webhook gets goal.completed from the next poll on, which
// reports only what reaches ClickHouse after this one. A changed interval
// keeps the mark: the next digest runs from it to the new interval's next
// boundary, so nothing is lost or counted twice.
func (c *cycle) planDigests(r *goalResult) *digestPlan {
	d := &digestPlan{groups: map[window][]digestItem{}, skip: map[core.DigestKey]bool{}}
	add := func(w window, it digestItem) {
		if _, ok := d.groups[w]; !ok {
			d.order = append(d.order, w)
		}
		d.groups[w] = append(d.groups[w], it)
	}
	settled := c.now.Add(-c.p.cfg.LateHorizon)
	wanted := map[core.DigestKey]bool{}
	for _, g := range c.goals {
		if c.sites[g.SiteID] == nil {
			continue
		}
		for _, h := range c.digestHooks[g.SiteID] {
			if !takesGoal(h, g) {
				continue
			}
			k := core.DigestKey{WebhookID: h.ID, GoalID: g.ID}
			wanted[k] = true
			mark, ok := c.digestMarks[k]
			if !ok {
				mark = c.now
				r.digestMarks[k] = mark
			}
			for range MaxDigestBuckets {
				_, end := core.DigestBucket(mark, c.p.digestBucket(h))
				if end.After(settled) {
					break
				}
				add(window{mark, end}, digestItem{h, g})
				mark = end
				r.digestMarks[k] = mark
			}
		}
	}
	for k, mark := range c.digestMarks {
		if wanted[k] {
			continue
		}
		r.digestMarks[k] = time.Time{} // deleted
		h, g := c.hookByID[k.WebhookID], c.goalByID[k.GoalID]
		if h == nil || g == nil || c.sites[g.SiteID] == nil || h.Digests() || !takesGoal(h, g) {
			continue
		}
		d.skip[k] = true
		if mark.Before(c.now) {
			add(window{mark, c.now}, digestItem{h, g})
		}
	}
	slices.SortFunc(d.order, func(a, b window) int {
		if n := a.from.Compare(b.from); n != 0 {
			return n
		}
		return a.to.Compare(b.to)
	})
	return d
}

// countDigests counts the digests of d, digests first in r's deliveries:
// the last digest of a webhook whose digest was turned off covers the time
// before its first goal.completed.
func (c *cycle) countDigests(ctx context.Context, r *goalResult, d *digestPlan) error {
	windows := r.deliveries
	r.deliveries = nil
	for _, w := range d.order {
		if err := c.countDigest(ctx, r, w, d.groups[w]); err != nil {
			return err
		}
	}
	r.deliveries = append(r.deliveries, windows...)
	return nil
}

// digestBucket is the length of h's digest buckets: its DigestInterval,
// unless a test set Config.digestBucket.
func (p *Poller) digestBucket(h *core.Webhook) time.Duration {
	if p.cfg.digestBucket > 0 {
		return p.cfg.digestBucket
	}
	return h.DigestInterval
}

// countDigest counts the goals of items over one window, in one query
// however many webhooks share it, and fans out each digest with a count > 0
// to its own webhook.
func (c *cycle) countDigest(ctx context.Context, r *goalResult, w window, items []digestItem) error {
	var goals []*core.Goal
	seen := map[int64]bool{}
	for _, it := range items {
		if !seen[it.goal.ID] {
			seen[it.goal.ID] = true
			goals = append(goals, it.goal)
		}
	}
	counts, err := c.p.cfg.Source.GoalCompletions(ctx, c.goalQueries(goals), w.from, w.to)
	if err != nil {
		return &sourceError{"goal digest", err}
	}
	byGoal := make(map[int64]core.GoalCount, len(counts))
	for _, n := range counts {
		byGoal[n.GoalID] = n
	}
	for _, it := range items {
		n := byGoal[it.goal.ID]
		if n.Completions == 0 {
			continue
		}
		e := c.goalEvent(fmt.Sprintf("digest:%d:%d:%d", it.hook.ID, it.goal.ID, w.from.UnixMilli()), it.goal, w, n)
		ds, err := core.FanOut(e, it.goal, []*core.Webhook{it.hook})
		if err != nil {
			return fmt.Errorf("digest of goal %d: %w", it.goal.ID, err)
		}
		r.deliveries = append(r.deliveries, ds...)
		r.events++
	}
	return nil
}
