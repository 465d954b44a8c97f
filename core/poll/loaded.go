package poll

import (
	"context"
	"fmt"

	"github.com/hookwatch/hookwatch/core"
)

// loaded is what a poll read of the sites, goals and webhooks, with the
// indexes built from them. A poll that finds neither the config version
// (Config.Versions) nor the webhook cache changed takes the last poll's
// instead of reading and indexing 10,000 sites and 100,000 webhooks again.
// Cycles only read it.
type loaded struct {
	version int64 // Config.Versions' number before the read; 0 for none
	sites   map[int64]*core.Site
	siteIDs []uint64 // Plausible ids of every site, in load order
	goals   []*core.Goal
	goalBy  map[int64]*core.Goal

	// cached is the webhook cache's slice the hook indexes were built
	// from: the cache makes a new one for any change, and this reference
	// keeps the old one's address from being reused.
	cached                 []*core.Webhook
	hooks                  []*core.Webhook
	hookByID               map[int64]*core.Webhook
	goalHooks, digestHooks map[int64][]*core.Webhook
}

// loadConfig returns the sites, goals and webhooks for a poll: last's, or
// what is read afresh for any part that changed since.
func (p *Poller) loadConfig(ctx context.Context, last *loaded) (*loaded, error) {
	version := int64(0)
	if p.cfg.Versions != nil {
		v, err := p.cfg.Versions.ConfigVersion(ctx)
		if err != nil {
			return nil, fmt.Errorf("load config version: %w", err)
		}
		version = v
	}
	if err := p.hooks.Refresh(ctx, p.cfg.Webhooks); err != nil {
		return nil, fmt.Errorf("load webhooks: %w", err)
	}
	cached := p.hooks.Webhooks()
	l := &loaded{version: version}
	if last != nil && version != 0 && last.version == version {
		l.sites, l.siteIDs, l.goals, l.goalBy = last.sites, last.siteIDs, last.goals, last.goalBy
		if sameSlice(last.cached, cached) {
			return last, nil
		}
	} else if err := l.readConfig(ctx, p.cfg); err != nil {
		return nil, err
	}
	l.indexHooks(cached)
	return l, nil
}

// readConfig reads the sites and goals.
func (l *loaded) readConfig(ctx context.Context, cfg Config) error {
	sites, err := cfg.Sites.FindSites(ctx)
	if err != nil {
		return fmt.Errorf("load sites: %w", err)
	}
	l.sites = make(map[int64]*core.Site, len(sites))
	l.siteIDs = make([]uint64, 0, len(sites))
	for _, s := range sites {
		l.sites[s.ID] = s
		l.siteIDs = append(l.siteIDs, s.PlausibleID)
	}
	if l.goals, err = cfg.Goals.FindGoals(ctx, core.GoalFilter{}); err != nil {
		return fmt.Errorf("load goals: %w", err)
	}
	l.goalBy = make(map[int64]*core.Goal, len(l.goals))
	for _, g := range l.goals {
		l.goalBy[g.ID] = g
	}
	return nil
}

// indexHooks keeps the enabled webhooks of known sites from cached, by id
// and by site.
func (l *loaded) indexHooks(cached []*core.Webhook) {
	l.cached = cached
	l.hookByID = make(map[int64]*core.Webhook, len(cached))
	l.goalHooks, l.digestHooks = map[int64][]*core.Webhook{}, map[int64][]*core.Webhook{}
	for _, h := range cached {
		if !h.Enabled || l.sites[h.SiteID] == nil {
			continue
		}
		l.hooks = append(l.hooks, h)
		l.hookByID[h.ID] = h
		if h.Digests() {
			l.digestHooks[h.SiteID] = append(l.digestHooks[h.SiteID], h)
		} else {
			l.goalHooks[h.SiteID] = append(l.goalHooks[h.SiteID], h)
		}
	}
}

// sameSlice reports whether a and b are the same slice, not equal ones.
func sameSlice(a, b []*core.Webhook) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
