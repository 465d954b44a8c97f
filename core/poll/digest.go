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

// digests reports the goal digests of the webhooks with a DigestInterval,
// after the goal windows of this poll are counted (r holds their new
// watermarks).
//
// Each (webhook, goal) has a mark: the start of the next digest to report.
// A pair seen for the first time is marked at the goal's watermark before
// this poll (or, for a goal first seen now, its first watermark), so that
// no completion from before is reported, just as goal windows start. A
// digest covers [mark, end of the DigestInterval bucket holding mark),
// buckets being aligned to the Unix epoch; so the first digest of a pair
// may cover part of a bucket, and every later one a whole bucket. A digest
// is due once the goal's watermark reaches its end; then the bucket is
// counted afresh, so that unique visitors are exact for it, and reported
// when its count is > 0. The marks move in the same commit as the
// deliveries and watermarks, which makes digests restart-safe.
//
// A mark of a pair no longer taking digests (webhook disabled, deleted,
// unsubscribed, filtered, digest turned off) is deleted. When the digest
// was turned off and the webhook still takes the goal, the completions
// counted since the mark are reported first as a last, shorter digest:
// from this poll on the webhook gets the window counts. A changed interval
// keeps the mark: the next digest runs from it to the new interval's next
// boundary, so nothing is lost or counted twice.
func (c *cycle) digests(ctx context.Context, r *goalResult) error {
	groups := map[window][]digestItem{}
	var order []window
	add := func(w window, it digestItem) {
		if _, ok := groups[w]; !ok {
			order = append(order, w)
		}
		groups[w] = append(groups[w], it)
	}
	wanted := map[core.DigestKey]bool{}
	for _, g := range c.goals {
		if c.sites[g.SiteID] == nil {
			continue
		}
		// counted is how far the goal's completions are settled and
		// counted after this poll; start is where a new pair begins.
		start, seen := c.wms[g.ID]
		counted, moved := r.watermarks[g.ID]
		if !moved {
			counted = start
		}
		if !seen {
			start = counted
		}
		if counted.IsZero() {
			continue
		}
		for _, h := range c.digestHooks {
			if !takesGoal(h, g) {
				continue
			}
			k := core.DigestKey{WebhookID: h.ID, GoalID: g.ID}
			wanted[k] = true
			mark, ok := c.marks[k]
			if !ok {
				mark = start
				r.marks[k] = mark
			}
			for range MaxDigestBuckets {
				_, end := core.DigestBucket(mark, c.p.digestBucket(h))
				if end.After(counted) {
					break
				}
				add(window{mark, end}, digestItem{h, g})
				mark = end
				r.marks[k] = mark
			}
		}
	}
	hooks := make(map[int64]*core.Webhook, len(c.hooks))
	for _, h := range c.hooks {
		hooks[h.ID] = h
	}
	goals := make(map[int64]*core.Goal, len(c.goals))
	for _, g := range c.goals {
		goals[g.ID] = g
	}
	for k, mark := range c.marks {
		if wanted[k] {
			continue
		}
		r.marks[k] = time.Time{} // deleted
		h, g := hooks[k.WebhookID], goals[k.GoalID]
		if h == nil || g == nil || c.sites[g.SiteID] == nil || h.Digests() || !takesGoal(h, g) {
			continue
		}
		if wm, ok := c.wms[g.ID]; ok && mark.Before(wm) {
			add(window{mark, wm}, digestItem{h, g})
		}
	}
	slices.SortFunc(order, func(a, b window) int {
		if n := a.from.Compare(b.from); n != 0 {
			return n
		}
		return a.to.Compare(b.to)
	})
	// Digests go first: the last digest of a webhook whose digest was
	// turned off covers the time before its first window.
	windows := r.deliveries
	r.deliveries = nil
	for _, w := range order {
		if err := c.countDigests(ctx, r, w, groups[w]); err != nil {
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

// countDigests counts the goals of items over one window, in one query
// however many webhooks share it, and renders each digest with a count > 0
// for its own webhook.
func (c *cycle) countDigests(ctx context.Context, r *goalResult, w window, items []digestItem) error {
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
		body, err := core.Render(it.hook, e)
		if err != nil {
			return fmt.Errorf("render digest of goal %d for webhook %d: %w", it.goal.ID, it.hook.ID, err)
		}
		r.deliveries = append(r.deliveries, core.NewDelivery{WebhookID: it.hook.ID, EventKey: e.Key, EventType: e.Type, Payload: body})
		r.events++
	}
	return nil
}
