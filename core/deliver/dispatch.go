package deliver

import (
	"context"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookwatch/hookwatch/core"
)

// hookRefresh is how stale the cached webhooks may get: an edit (new URL,
// rotated secret, allow_private) takes effect within it.
const hookRefresh = time.Second

// maxReadsPerRound bounds the queries of one round: each read after the
// first looks past deliveries held back by a busy or rate-limited webhook.
const maxReadsPerRound = 4

// dispatch reads due deliveries and queues them until ctx is done. It wakes
// on Notify, on a finished request, on a commit, when a held-back webhook
// gets a token, and every PollEvery.
func (e *Engine) dispatch(ctx context.Context, firstQ, retryQ chan job) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-timer.C:
		}
		next := e.cfg.PollEvery
		if err := e.refreshHooks(ctx, false); err != nil {
			if ctx.Err() != nil {
				return
			}
			e.cfg.Logger.Error("reading webhooks", "error", err)
		}
		for _, q := range []struct {
			ch        chan job
			firstOnly bool
		}{{firstQ, true}, {retryQ, false}} {
			wait, err := e.fill(ctx, q.ch, q.firstOnly)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				e.cfg.Logger.Error("reading due deliveries", "first_only", q.firstOnly, "error", err)
			}
			if wait > 0 {
				next = min(next, wait)
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}

// fill queues due deliveries onto q while it has room. A delivery whose
// webhook is at its in-flight cap or out of tokens is left in the outbox for
// a later round, so that no worker waits on one slow endpoint. fill returns
// when the earliest held-back webhook gets a token (0 if none is held).
func (e *Engine) fill(ctx context.Context, q chan job, firstOnly bool) (wait time.Duration, err error) {
	room := cap(q) - len(q)
	if room == 0 {
		return 0, nil
	}
	e.mu.Lock()
	skip := make(map[int64]bool, len(e.inflight)+e.cfg.ReadBatch)
	for id := range e.inflight {
		skip[id] = true
	}
	e.mu.Unlock()

	refreshed := false
	for read := 0; read < maxReadsPerRound && room > 0; read++ {
		now := e.cfg.Now()
		ds, err := e.cfg.Deliveries.DueDeliveries(ctx, now, firstOnly, e.cfg.ReadBatch, skip)
		if err != nil {
			return wait, err
		}
		for _, d := range ds {
			skip[d.ID] = true
		}
		if !refreshed && e.missingHook(ds) {
			// A webhook created since the last read.
			refreshed = true
			if err := e.refreshHooks(ctx, true); err != nil {
				return wait, err
			}
		}
		e.mu.Lock()
		for _, d := range ds {
			if room == 0 {
				break
			}
			h := e.hooks[d.WebhookID]
			if h == nil || e.inflight[d.ID] {
				continue
			}
			if h.running >= e.cfg.MaxInFlightPerWebhook {
				continue // a finished request wakes the dispatcher
			}
			if t := time.Now(); !h.limiter.AllowN(t, 1) {
				if w := tokenWait(h.limiter, t); wait == 0 || w < wait {
					wait = w
				}
				continue
			}
			h.running++
			e.inflight[d.ID] = true
			q <- job{d: d, h: h, w: h.hook}
			room--
		}
		e.mu.Unlock()
		if len(ds) < e.cfg.ReadBatch {
			break
		}
	}
	return wait, nil
}

// tokenWait is how long until l has a token again.
func tokenWait(l *rate.Limiter, now time.Time) time.Duration {
	lim := l.Limit()
	if lim <= 0 {
		return time.Second
	}
	need := 1 - l.TokensAt(now)
	if need <= 0 {
		return time.Millisecond
	}
	return max(time.Duration(need/float64(lim)*float64(time.Second)), time.Millisecond)
}

func (e *Engine) missingHook(ds []*core.Delivery) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, d := range ds {
		if e.hooks[d.WebhookID] == nil {
			return true
		}
	}
	return false
}

// refreshHooks re-reads the webhooks if the cache is older than hookRefresh
// (or always, with force). Limiters and in-flight counts carry over.
func (e *Engine) refreshHooks(ctx context.Context, force bool) error {
	e.mu.Lock()
	fresh := !force && !e.hooksAt.IsZero() && time.Since(e.hooksAt) < hookRefresh
	e.mu.Unlock()
	if fresh {
		return nil
	}
	hooks, err := e.cfg.Webhooks.FindWebhooks(ctx, core.WebhookFilter{})
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hooksAt = time.Now()
	seen := make(map[int64]bool, len(hooks))
	for _, w := range hooks {
		seen[w.ID] = true
		h := e.hooks[w.ID]
		if h == nil {
			h = &hookState{limiter: rate.NewLimiter(e.cfg.RatePerWebhook, e.cfg.Burst)}
			e.hooks[w.ID] = h
		}
		h.hook = w
	}
	for id, h := range e.hooks {
		if !seen[id] && h.running == 0 {
			delete(e.hooks, id)
		}
	}
	return nil
}
