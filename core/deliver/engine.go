package deliver

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookwatch/hookwatch/core"
)

// Engine sends the outbox's deliveries. Create it with New; Run it once.
// SendTest may be called whether or not Run is active.
type Engine struct {
	cfg Config

	guarded, private *http.Client
	userAgent        []string // the User-Agent header's value

	wake  chan struct{} // Notify: new first attempts may be due
	freed chan struct{} // room in a queue, a webhook's slot, a commit: hand out the backlog

	mu       sync.Mutex
	inflight map[int64]bool // delivery ids queued, sending, awaiting commit, or waiting in process
	// hooks holds the delivery state of the webhooks that sent lately;
	// the webhooks themselves are in cfg.Hooks. An entry with nothing
	// in flight and a full token bucket holds nothing a new one would
	// not, and sweep drops it, so that a drain to 100,000 webhooks does
	// not keep 100,000 parsed URLs and limiters.
	hooks   map[int64]*hookState
	hooksAt time.Time // when cfg.Hooks was last refreshed

	stopping atomic.Bool
}

// hookState is the engine's view of one webhook. Guarded by Engine.mu.
type hookState struct {
	id int64
	w  *core.Webhook // the cache's webhook t was last checked against; nil: deleted
	t  *target
	// limiter is made by the dispatcher on first use.
	limiter *rate.Limiter
	// running counts the webhook's deliveries queued or sending, against
	// MaxInFlightPerWebhook; a delivery waiting between two tries in
	// process holds no slot.
	running int
	// jobs counts the jobs that point at the entry, waiting ones too: the
	// entry stays while any does, so that their slots count against it.
	jobs int
}

// job is one delivery handed to a worker.
type job struct {
	d *core.Delivery
	h *hookState
	t *target // h.t when queued; h.t may be replaced meanwhile
}

// New returns an engine; it does nothing until Run.
func New(cfg Config) *Engine {
	cfg = cfg.withDefaults()
	return &Engine{
		cfg:       cfg,
		guarded:   newHTTPClient(cfg, false),
		private:   newHTTPClient(cfg, true),
		userAgent: []string{cfg.UserAgent},
		wake:      make(chan struct{}, 1),
		freed:     make(chan struct{}, 1),
		inflight:  make(map[int64]bool),
		hooks:     make(map[int64]*hookState),
	}
}

// Notify wakes the dispatcher, for example after deliveries were enqueued,
// so that they go out without waiting for the next poll, and makes it ask
// for webhook changes. It never blocks.
func (e *Engine) Notify() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run sends deliveries until ctx is done. It then stops taking new ones,
// ends the waits of in-process retries (their deliveries are due in the
// outbox), waits up to DrainTimeout for the requests in flight, cuts off the
// rest and records them as interrupted (they stay due, with their
// webhook-id), commits every result, and returns nil. It returns an error
// only if it cannot start.
func (e *Engine) Run(ctx context.Context) error {
	cfg := e.cfg
	// hard outlives ctx by the drain period: requests run under it.
	hard, cutOff := context.WithCancel(context.WithoutCancel(ctx))
	defer cutOff()

	results := make(chan result, 2*cfg.BatchSize)
	firstQ := make(chan job, queueCap(cfg.Workers, cfg.ReadBatch))
	retryQ := make(chan job, queueCap(cfg.RetryWorkers, cfg.ReadBatch))
	p := &pools{hard: hard, soft: ctx, results: results, firstQ: firstQ,
		lane: &lane{waits: make(chan struct{}, cfg.RetryWaits), sends: make(chan struct{}, cfg.RetryWorkers)}}
	for range cfg.Workers {
		p.wg.Go(func() { e.firstWorker(p) })
	}
	p.wg.Go(func() { e.feedLane(p, retryQ) })
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		e.record(context.WithoutCancel(ctx), results)
	}()
	var prune sync.WaitGroup
	prune.Go(func() { e.prune(ctx) })

	e.dispatch(ctx,
		&queue{ch: firstQ, firstOnly: true, perHook: map[int64]int{}, parked: map[int64][]int64{}},
		&queue{ch: retryQ, perHook: map[int64]int{}, parked: map[int64][]int64{}})

	e.stopping.Store(true)
	close(firstQ)
	close(retryQ)
	drained := make(chan struct{})
	go func() { p.wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(cfg.DrainTimeout):
		cfg.Logger.Warn("cutting off requests still in flight after the drain timeout", "drain_timeout", cfg.DrainTimeout)
		cutOff()
		<-drained
	}
	close(results)
	<-recorded
	prune.Wait()
	return nil
}

// queueCap sizes a worker pool's queue: deep enough that workers do not
// starve between two reads of the outbox, shallow enough that a queued
// delivery does not wait long behind others.
func queueCap(workers, readBatch int) int {
	return min(max(8*workers, 64), readBatch)
}

// takeSlot takes one of h's in-flight slots for a retry made in process,
// if it has one free.
func (e *Engine) takeSlot(h *hookState) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if h.running >= e.cfg.MaxInFlightPerWebhook {
		return false
	}
	h.running++
	return true
}

// finish frees h's in-flight slot, and wakes the dispatcher if h was at its
// cap, so that h's deliveries held in the backlog go out. Otherwise the
// slot changes nothing the dispatcher waits for: waking it for every
// request cost a goroutine wake-up per delivery, for a pass that placed
// nothing (see tookJob).
func (e *Engine) finish(h *hookState) {
	e.mu.Lock()
	h.running--
	wasFull := h.running == e.cfg.MaxInFlightPerWebhook-1
	e.mu.Unlock()
	if wasFull {
		e.signalFreed()
	}
}

// tookJob wakes the dispatcher after a worker took a job from q, if q now
// has the room that place waits for (roomToPlace).
func (e *Engine) tookJob(q <-chan job) {
	if roomToPlace(len(q), cap(q)) {
		e.signalFreed()
	}
}

// roomToPlace reports whether a queue holding n of its capacity c jobs
// should be given more: when it is empty, or has a quarter of its room
// free, so that one pass over the backlog places many deliveries, not one.
func roomToPlace(n, c int) bool {
	return n == 0 || c-n >= c/4
}

// done says that a job of h is over: no worker holds it any more.
func (e *Engine) done(h *hookState) {
	if h == nil {
		return // a test send's
	}
	e.mu.Lock()
	h.jobs--
	e.mu.Unlock()
}

// signalFreed wakes the dispatcher to hand out its backlog, without reading
// the outbox: room in a queue, a webhook's freed slot or a commit makes
// nothing new due.
func (e *Engine) signalFreed() {
	select {
	case e.freed <- struct{}{}:
	default:
	}
}

// release forgets delivery ids once their outcome is committed (or they
// were never sent), so that the dispatcher may read them again.
func (e *Engine) release(ids ...int64) {
	e.mu.Lock()
	for _, id := range ids {
		delete(e.inflight, id)
	}
	e.mu.Unlock()
}

// prune deletes old attempts now and then every PruneEvery.
func (e *Engine) prune(ctx context.Context) {
	if e.cfg.PruneAfter < 0 {
		return
	}
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := e.cfg.Deliveries.PruneAttempts(ctx, e.cfg.Now().Add(-e.cfg.PruneAfter))
		if err != nil && ctx.Err() == nil {
			e.cfg.Logger.Error("pruning old attempts", "error", err)
		} else if n > 0 {
			e.cfg.Logger.Info("pruned old attempts", "count", n, "older_than", e.cfg.PruneAfter)
		}
		t.Reset(e.cfg.PruneEvery)
	}
}
