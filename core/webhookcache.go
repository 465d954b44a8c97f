package core

import (
	"context"
	"slices"
)

// WebhookCache holds every webhook of a WebhookService, brought up to date
// by Refresh from the service's change numbers, so that a reader that
// needs all webhooks often (the poller, at every poll) reads only what
// changed. The zero value is empty and ready; a WebhookCache is not safe
// for concurrent use.
type WebhookCache struct {
	byID    map[int64]*Webhook
	version int64
	sorted  []*Webhook // byID by id; nil once a change is applied
}

// WebhookChangesPage bounds one WebhookChanges read of a cache, so that a
// first read of 100,000 webhooks comes in pages.
const WebhookChangesPage = 5000

// Refresh reads the changes after the cache's version, a page at a time,
// and applies them. On an error the cache keeps what it had, and the next
// Refresh reads on from there.
func (c *WebhookCache) Refresh(ctx context.Context, svc WebhookService) error {
	var gone map[int64]bool // on a reset, the cached ids no page has had yet
	for {
		ch, err := svc.WebhookChanges(ctx, c.version, WebhookChangesPage)
		if err != nil {
			return err
		}
		if c.byID == nil {
			c.byID = map[int64]*Webhook{}
		}
		if ch.Reset && gone == nil {
			gone = make(map[int64]bool, len(c.byID))
			for id := range c.byID {
				gone[id] = true
			}
		}
		if len(ch.Changed) > 0 || len(ch.Deleted) > 0 {
			c.sorted = nil
		}
		for _, w := range ch.Changed {
			c.byID[w.ID] = w
			delete(gone, w.ID)
		}
		for _, id := range ch.Deleted {
			delete(c.byID, id)
		}
		c.version = ch.Version
		if !ch.More {
			break
		}
	}
	for id := range gone {
		delete(c.byID, id)
		c.sorted = nil
	}
	return nil
}

// Webhooks returns the cached webhooks by id. The caller must not change
// the slice or the webhooks: they are shared until the next Refresh that
// changes them.
func (c *WebhookCache) Webhooks() []*Webhook {
	if c.sorted == nil {
		c.sorted = make([]*Webhook, 0, len(c.byID))
		for _, w := range c.byID {
			c.sorted = append(c.sorted, w)
		}
		slices.SortFunc(c.sorted, func(a, b *Webhook) int { return int(a.ID - b.ID) })
	}
	return c.sorted
}
