// Package history keeps the visitor history read from ClickHouse in memory
// while hookwatch runs, so that the window, the CLI and the backtests read
// each site's past once and then only what may still change.
package history

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// Cache is a core.HistoryReader over a core.HistorySource. It reads a site's
// series when first asked, keeps it, and afterwards reads again only the
// buckets that ended less than the late horizon before the last read, plus
// the new ones. It is safe for concurrent use; two callers asking for the
// same series share one read.
type Cache struct {
	src  core.HistorySource
	late time.Duration

	mu      sync.Mutex
	entries map[cacheKey]*entry
}

var _ core.HistoryReader = (*Cache)(nil)

type cacheKey struct {
	site uint64
	kind core.SeriesKind
}

type entry struct {
	key cacheKey
	mu  sync.Mutex // held during a read, so that callers queue behind it
	s   core.Series
}

// New returns a Cache over src. lateHorizon is how long after a bucket
// ends its count may still grow (Plausible flushes events every few
// seconds, and a slow flush lands later); buckets that ended longer ago are
// read once. Zero or less means core.DefaultLateHorizon.
func New(src core.HistorySource, lateHorizon time.Duration) *Cache {
	if lateHorizon <= 0 {
		lateHorizon = core.DefaultLateHorizon
	}
	return &Cache{src: src, late: lateHorizon, entries: map[cacheKey]*entry{}}
}

// Recent implements core.HistoryReader. span is rounded up to whole steps.
// The series returned is the caller's own copy.
func (c *Cache) Recent(ctx context.Context, siteID uint64, k core.SeriesKind, span time.Duration) (core.Series, error) {
	if err := k.Validate(); err != nil {
		return core.Series{}, err
	}
	if span <= 0 {
		return core.Series{}, core.FieldErrorf("span", "must be positive, not %v", span)
	}
	n := (span + k.Step - 1) / k.Step
	e := c.entry(cacheKey{siteID, k})
	e.mu.Lock()
	defer e.mu.Unlock()
	now, err := c.src.Now(ctx)
	if err != nil {
		return core.Series{}, err
	}
	to := k.Align(now).Add(k.Step)
	from := to.Add(-n * k.Step)
	if err := c.update(ctx, e, from, to, now); err != nil {
		return core.Series{}, err
	}
	out := e.s.Slice(from, to)
	out.Values = slices.Clone(out.Values)
	return out, nil
}

func (c *Cache) entry(k cacheKey) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[k]
	if e == nil {
		e = &entry{key: k, s: core.Series{Kind: k.kind}}
		c.entries[k] = e
	}
	return e
}

// update makes e hold every bucket of [from, to) as of now. What it held
// is kept from its start up to the first bucket that was not final at the
// last read; the rest is read again. A request reaching before the held
// start reads everything, which happens only when a longer span is asked.
func (c *Cache) update(ctx context.Context, e *entry, from, to, now time.Time) error {
	s, site := e.s, e.key.site
	keep := 0
	if len(s.Values) > 0 && !from.Before(s.Start) {
		for keep < len(s.Values) && !s.End(keep).Add(c.late).After(s.AsOf) {
			keep++
		}
	}
	readFrom := from
	if keep > 0 {
		readFrom = s.BucketStart(keep)
	}
	if !readFrom.Before(to) {
		e.s.AsOf = now
		return nil
	}
	got, err := c.src.History(ctx, core.HistoryQuery{SiteIDs: []uint64{site}, Kind: s.Kind, From: readFrom, To: to})
	if err != nil {
		return err
	}
	fresh, ok := got[site]
	if !ok || fresh.Len() != int(to.Sub(readFrom)/s.Kind.Step) {
		return core.Errorf(core.EINTERNAL, "history of site %d: the source returned %d of %d buckets", site, fresh.Len(), to.Sub(readFrom)/s.Kind.Step)
	}
	if keep == 0 {
		e.s = core.Series{Kind: s.Kind, Start: readFrom, Values: fresh.Values, AsOf: now}
		return nil
	}
	e.s.Values = append(s.Values[:keep:keep], fresh.Values...)
	e.s.AsOf = now
	return nil
}
