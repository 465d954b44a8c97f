package deliver

import (
	"context"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookwatch/hookwatch/core"
)

// hookRefresh is how stale the cached webhooks may get: an edit (new URL,
// rotated secret, allow_private) takes effect within it, or sooner when
// Notify is called (which cmd/hookwatch does when PRAGMA data_version says
// another process wrote to the database). Asking costs one small read when
// nothing changed; only changed webhooks are read.
const hookRefresh = time.Second

// queue is one worker pool's side of the dispatcher. Only the dispatcher
// goroutine touches it.
type queue struct {
	ch        chan job
	firstOnly bool
	// backlog holds deliveries read from the outbox and not yet handed to
	// a worker, in due order; each is in Engine.inflight so that no read
	// returns it twice. Reading is the expensive part, so one read feeds
	// many rounds.
	backlog []*core.Delivery
	perHook map[int64]int // backlog entries per webhook
	// parked holds, per webhook, ids of due deliveries left in the outbox
	// because the webhook already had its fill of backlog; reads skip them
	// so that they cannot crowd out other webhooks' deliveries.
	parked map[int64][]int64
	// more says the last read was full: more deliveries may be due now.
	more   bool
	readAt time.Time
	// limit is the size of the next read: it starts at the queue's depth
	// and doubles after each full read, up to ReadBatch, so that the first
	// requests after a start with a long backlog go out once a few rows
	// are read rather than ReadBatch of them, while a long backlog is still
	// read in large pieces.
	limit int
}

// nextLimit is how many deliveries q's next read asks for.
func (q *queue) nextLimit(readBatch int) int {
	if q.limit <= 0 {
		q.limit = min(cap(q.ch), readBatch)
	}
	return q.limit
}

// dispatch moves due deliveries to the worker pools until ctx is done.
// A queue reads the outbox when its backlog runs low and the last read was
// full, PollEvery has passed, or (first attempts only) Notify was called;
// reads are the costly part, so room in a queue, a webhook under its cap
// again, or a commit only hands out the backlog.
func (e *Engine) dispatch(ctx context.Context, qs ...*queue) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	notified := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
			notified = true
		case <-e.freed:
		case <-timer.C:
		}
		if err := e.refreshHooks(ctx, notified); err != nil {
			if ctx.Err() != nil {
				return
			}
			e.cfg.Logger.Error("reading webhooks", "error", err)
		}
		next := e.cfg.PollEvery
		for _, q := range qs {
			wait := e.place(q)
			if e.wantRead(q, notified && q.firstOnly) {
				if err := e.read(ctx, q); err != nil {
					if ctx.Err() != nil {
						return
					}
					e.cfg.Logger.Error("reading due deliveries", "first_only", q.firstOnly, "error", err)
				}
				wait = e.place(q)
			}
			if wait > 0 {
				next = min(next, wait)
			}
			// Past due and still not read means the workers are full:
			// a worker taking a job wakes the dispatcher before the next
			// poll once a quarter of the queue is free (tookJob), which is
			// also when place would hand out more.
			if untilPoll := e.cfg.PollEvery - time.Since(q.readAt); untilPoll > 0 {
				next = min(next, untilPoll)
			}
		}
		notified = false
		timer.Reset(next)
	}
}

// wantRead reports whether q should read the outbox now: the workers could
// take more than the backlog holds, and there is reason to think more is due.
func (e *Engine) wantRead(q *queue, notified bool) bool {
	if len(q.backlog) >= cap(q.ch) || cap(q.ch)-len(q.ch) == 0 {
		return false
	}
	return notified || q.more || time.Since(q.readAt) >= e.cfg.PollEvery
}

// read appends due deliveries to q's backlog.
func (e *Engine) read(ctx context.Context, q *queue) error {
	perHookMax := max(e.cfg.MaxInFlightPerWebhook+e.cfg.Burst, 16)
	for id := range q.parked {
		if q.perHook[id] < perHookMax/2 {
			delete(q.parked, id) // let the oldest back in
		}
	}
	e.mu.Lock()
	skip := make(map[int64]bool, len(e.inflight)+len(q.parked)*perHookMax)
	for id := range e.inflight {
		skip[id] = true
	}
	e.mu.Unlock()
	for _, ids := range q.parked {
		for _, id := range ids {
			skip[id] = true
		}
	}
	q.readAt = time.Now()
	limit := q.nextLimit(e.cfg.ReadBatch)
	ds, err := e.cfg.Deliveries.DueDeliveries(ctx, e.cfg.Now(), core.DueFilter{FirstOnly: q.firstOnly, Limit: limit, Skip: skip})
	if err != nil {
		q.more, q.limit = false, 0
		return err
	}
	q.more = len(ds) == limit
	if q.more {
		q.limit = min(2*limit, e.cfg.ReadBatch)
	} else {
		q.limit = 0
	}
	if e.missingHook(ds) {
		// A webhook created since the last refresh.
		if err := e.refreshHooks(ctx, true); err != nil {
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, d := range ds {
		if e.inflight[d.ID] {
			continue // committed meanwhile, read from an older snapshot
		}
		if q.perHook[d.WebhookID] >= perHookMax {
			q.parked[d.WebhookID] = append(q.parked[d.WebhookID], d.ID)
			continue
		}
		e.inflight[d.ID] = true
		q.perHook[d.WebhookID]++
		q.backlog = append(q.backlog, d)
	}
	return nil
}

// place hands q's backlog to its workers while they have room. A delivery
// whose webhook is at its in-flight cap or out of tokens stays in the
// backlog, so that no worker waits on one slow endpoint; one whose webhook
// is disabled or gone goes back to the outbox. place returns when the
// earliest rate-limited webhook gets a token (0 if none is waiting).
func (e *Engine) place(q *queue) (wait time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if !roomToPlace(len(q.ch), cap(q.ch)) {
		// The workers have queued work; a worker that takes a job wakes
		// the dispatcher once there is room enough (tookJob).
		return 0
	}
	room := cap(q.ch) - len(q.ch)
	var blocked map[int64]bool
	kept := q.backlog[:0]
	for i, d := range q.backlog {
		if room == 0 {
			kept = append(kept, q.backlog[i:]...)
			break
		}
		if blocked[d.WebhookID] {
			kept = append(kept, d)
			continue
		}
		h := e.hookOf(d.WebhookID)
		if h == nil || !h.t.enabled {
			// Held in the outbox until it is enabled again.
			delete(e.inflight, d.ID)
			q.unqueue(d.WebhookID)
			continue
		}
		ok := h.running < e.cfg.MaxInFlightPerWebhook // else a finished request wakes the dispatcher
		if h.limiter == nil {
			// Made on first use: most of a large cache may never send.
			h.limiter = rate.NewLimiter(e.rateOf(h.t.w.Format))
		}
		if ok && !h.limiter.AllowN(now, 1) {
			ok = false
			if w := tokenWait(h.limiter, now); wait == 0 || w < wait {
				wait = w
			}
		}
		if !ok {
			if blocked == nil {
				blocked = map[int64]bool{}
			}
			blocked[d.WebhookID] = true
			kept = append(kept, d)
			continue
		}
		h.running++
		h.jobs++
		q.unqueue(d.WebhookID)
		q.ch <- job{d: d, h: h, t: h.t}
		room--
	}
	clear(q.backlog[len(kept):])
	q.backlog = kept
	return wait
}

// unqueue counts one of webhook id's deliveries out of q's backlog. An
// entry is dropped at 0 here rather than in a sweep of the map, which
// place would pay for on every wake-up, whatever it placed.
func (q *queue) unqueue(id int64) {
	if q.perHook[id]--; q.perHook[id] <= 0 {
		delete(q.perHook, id)
	}
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
	for _, d := range ds {
		if e.cfg.Hooks.Webhook(d.WebhookID) == nil {
			return true
		}
	}
	return false
}

// refreshHooks brings the webhook cache up to date if it is older than
// hookRefresh (or always, with force), reading only the webhooks changed
// since, and then sweeps the delivery states that hold nothing.
func (e *Engine) refreshHooks(ctx context.Context, force bool) error {
	e.mu.Lock()
	fresh := !force && !e.hooksAt.IsZero() && time.Since(e.hooksAt) < hookRefresh
	e.mu.Unlock()
	if fresh {
		return nil
	}
	if err := e.cfg.Hooks.Refresh(ctx, e.cfg.Webhooks); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hooksAt = time.Now()
	e.sweep(e.hooksAt)
	return nil
}

// sweep drops the delivery states that no job points at and whose token
// bucket is full (or whose webhook is gone): a new one made on the next
// delivery behaves the same. The caller holds e.mu.
func (e *Engine) sweep(now time.Time) {
	for id, h := range e.hooks {
		if h.running > 0 || h.jobs > 0 || (h.w != nil && h.t.enabled != h.w.Enabled) {
			continue // busy, or disabled by markDisabled ahead of the cache
		}
		if h.w == nil || h.limiter == nil || h.limiter.TokensAt(now) >= float64(h.limiter.Burst()) {
			delete(e.hooks, id)
		}
	}
}

// hookOf returns the delivery state of webhook id, made if need be and
// brought up to the cached webhook, or nil if the cache has no such
// webhook and the engine no state for it. The caller holds e.mu.
func (e *Engine) hookOf(id int64) *hookState {
	w := e.cfg.Hooks.Webhook(id)
	h := e.hooks[id]
	if h == nil {
		if w == nil {
			return nil
		}
		h = &hookState{id: id}
		e.hooks[id] = h
	}
	e.follow(h, w)
	return h
}

// follow brings h up to w, the cached webhook (nil: deleted). Its limiter
// and in-flight counts carry over; its target is replaced only if w sends
// otherwise, and a deleted webhook's is disabled. The caller holds e.mu.
func (e *Engine) follow(h *hookState, w *core.Webhook) {
	if h.t != nil && h.w == w {
		return
	}
	h.w = w
	if w == nil {
		if h.t.enabled {
			h.t = h.t.disabled()
		}
		return
	}
	if limit, burst := e.rateOf(w.Format); h.limiter != nil && h.limiter.Limit() != limit {
		h.limiter.SetLimit(limit) // its format changed
		h.limiter.SetBurst(burst)
	}
	if t := newTarget(w); h.t == nil || !h.t.same(t) {
		h.t = t
	}
}

// target returns h's current target: a worker that finds another than the
// one it started with knows that the webhook changed.
func (e *Engine) target(h *hookState) *target {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.follow(h, e.cfg.Hooks.Webhook(h.id))
	return h.t
}

// rateOf is the token bucket of a webhook of format f: RatePerWebhook and
// Burst, or the lower rate that f's service allows (core.Format.MaxRate)
// with a burst of one.
func (e *Engine) rateOf(f core.Format) (rate.Limit, int) {
	if r := rate.Limit(f.MaxRate()); r > 0 && r < e.cfg.RatePerWebhook {
		return r, 1
	}
	return e.cfg.RatePerWebhook, e.cfg.Burst
}

// markDisabled disables the cached webhook at once, so that its backlog is
// held from now on rather than from the next refresh.
func (e *Engine) markDisabled(webhookID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if h := e.hookOf(webhookID); h != nil && h.t.enabled {
		h.t = h.t.disabled()
	}
}
