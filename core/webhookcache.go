package core

import (
	"context"
	"slices"
	"sync"
)

// WebhookCache holds every webhook of a WebhookService, brought up to date
// by Refresh from the service's change numbers, so that a reader that
// needs all webhooks often reads only what changed. One cache is meant to
// be shared by every reader of a process (the poller and the delivery
// engine), so that 100,000 webhooks are held once: it is safe for
// concurrent use. The zero value is empty and ready.
//
// The webhooks it hands out are shared and never changed: a change to a
// webhook replaces its pointer, so a reader can tell an edit by comparing
// pointers, and must not change a webhook itself.
type WebhookCache struct {
	refreshing sync.Mutex // one Refresh at a time, so that pages apply in order

	mu      sync.Mutex
	byID    map[int64]*Webhook
	version int64
	sorted  []*Webhook // byID by id; nil once a change is applied
}

// WebhookChangesPage bounds one WebhookChanges read of a cache, so that a
// first read of 100,000 webhooks comes in pages.
const WebhookChangesPage = 5000

// Refresh reads the changes after the cache's version, a page at a time,
// and applies them; readers see each page as it is applied. On an error
// the cache keeps what it had, and the next Refresh reads on from there.
func (c *WebhookCache) Refresh(ctx context.Context, svc WebhookService) error {
	c.refreshing.Lock()
	defer c.refreshing.Unlock()
	var gone map[int64]bool // on a reset, the cached ids no page has had yet
	for {
		c.mu.Lock()
		since := c.version
		c.mu.Unlock()
		ch, err := svc.WebhookChanges(ctx, since, WebhookChangesPage)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if ch.Reset && gone == nil {
			gone = make(map[int64]bool, len(c.byID))
			for id := range c.byID {
				gone[id] = true
			}
		}
		for _, w := range ch.Changed {
			delete(gone, w.ID)
		}
		c.apply(ch)
		if !ch.More {
			for id := range gone {
				delete(c.byID, id)
				c.sorted = nil
			}
			c.mu.Unlock()
			return nil
		}
		c.mu.Unlock()
	}
}

// apply brings the cache up to ch. The caller holds c.mu.
func (c *WebhookCache) apply(ch *WebhookChanges) {
	if c.byID == nil {
		c.byID = make(map[int64]*Webhook, len(ch.Changed))
	}
	if len(ch.Changed) > 0 || len(ch.Deleted) > 0 {
		c.sorted = nil
	}
	for _, w := range ch.Changed {
		c.byID[w.ID] = w
	}
	for _, id := range ch.Deleted {
		delete(c.byID, id)
	}
	c.version = ch.Version
}

// Webhook returns the cached webhook id, or nil if the cache has none by
// that id (it was deleted, or created since the last Refresh). The caller
// must not change it.
func (c *WebhookCache) Webhook(id int64) *Webhook {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

// Webhooks returns the cached webhooks by id. The caller must not change
// the slice or the webhooks: they are shared, and a Refresh that changes
// the cache makes a new slice rather than change this one.
func (c *WebhookCache) Webhooks() []*Webhook {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sorted == nil {
		c.sorted = make([]*Webhook, 0, len(c.byID))
		for _, w := range c.byID {
			c.sorted = append(c.sorted, w)
		}
		slices.SortFunc(c.sorted, func(a, b *Webhook) int { return int(a.ID - b.ID) })
	}
	return c.sorted
}
