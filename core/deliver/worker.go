package deliver

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/hookwatch/hookwatch/core"
)

// errStop ends a delivery's run through go-retryablehttp before its next
// try. No request goes out for it, and it is never an attempt's error.
var errStop = errors.New("in-process retries stopped")

// worker sends deliveries through its own go-retryablehttp clients, whose
// hooks are its methods: RequestLogHook stamps each try, CheckRetry turns
// the try's answer into a recorded attempt and decides whether the next one
// is made in process, Backoff waits until the next attempt time that was
// recorded, and PrepareRetry signs the next try afresh. So every request is
// an attempt in the log, and the schedule's short steps are go-retryablehttp's
// waits.
//
// A worker starts in the first-attempt pool, or in the retry lane for a
// retry read from the outbox. When a first attempt fails and the next step
// is short (core.ShortRetry), the worker starts a new worker in its place
// in the pool and stays with the delivery in the retry lane: a failing
// endpoint never holds a first-attempt worker past its first try.
type worker struct {
	e    *Engine
	p    *pools // nil for a test send
	buf  []byte // response bodies are read into it
	ctx  context.Context
	stop func() // cancels ctx and forgets the shutdown hook

	guarded, private *retryablehttp.Client

	mu      sync.Mutex
	waiting bool // in a wait between two tries; guarded by mu

	// The delivery in hand.
	j      job
	cur    try                 // the try in progress
	logged map[string][]string // the next try's headers as logged
	nextAt time.Time           // when the next try is due
	placed bool                // the try in progress holds the webhook's in-flight slot
	inLane bool                // the worker holds a place in the retry lane
	// holding says the delivery's last attempt was committed with the
	// delivery kept in flight: until the worker lets go of it, no read of
	// the outbox returns it.
	holding bool
	moved   bool // the worker left the first-attempt pool for the lane
	once    bool // a test send: one try, kept in final
	final   core.AttemptResult
}

// pools is what the workers of one Run share.
type pools struct {
	hard, soft context.Context // requests run under hard; waits end with soft
	results    chan<- result
	firstQ     <-chan job
	lane       *lane
	wg         sync.WaitGroup
}

// lane is the retry lane's capacity.
type lane struct {
	waits chan struct{} // a token per delivery in the lane (Config.RetryWaits)
	sends chan struct{} // a token per request in flight (Config.RetryWorkers)
}

func acquire(sem chan struct{}, ctx context.Context) bool {
	select {
	case sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func tryAcquire(sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		return true
	default:
		return false
	}
}

// newWorker returns a worker whose requests run under ctx. In a Run (p
// set), the end of p.soft cuts short a wait between tries, not a request.
func (e *Engine) newWorker(ctx context.Context, p *pools) *worker {
	w := &worker{e: e, p: p, buf: make([]byte, core.MaxResponseBody)}
	var cancel context.CancelFunc
	w.ctx, cancel = context.WithCancel(ctx)
	w.stop = cancel
	if p != nil {
		forget := context.AfterFunc(p.soft, func() {
			w.mu.Lock()
			if w.waiting {
				cancel()
			}
			w.mu.Unlock()
		})
		w.stop = func() { forget(); cancel() }
	}
	w.guarded, w.private = w.client(e.guarded), w.client(e.private)
	return w
}

func (w *worker) client(hc *http.Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient: hc,
		// CheckRetry decides; this only bounds a run.
		RetryMax:       len(w.e.cfg.Policy.Schedule),
		RequestLogHook: w.onRequest,
		CheckRetry:     w.checkRetry,
		Backoff:        w.backoff,
		PrepareRetry:   w.prepareRetry,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
	}
}

// firstWorker sends first attempts from p.firstQ until it is closed, or
// until its delivery moves to the retry lane and a new worker takes its
// place.
func (e *Engine) firstWorker(p *pools) {
	w := e.newWorker(p.hard, p)
	defer w.stop()
	for j := range p.firstQ {
		e.tookJob(p.firstQ)
		if w.deliver(j) {
			return
		}
	}
}

// feedLane starts a lane worker for each retry read from the outbox, as
// long as the lane has room, until retryQ is closed.
func (e *Engine) feedLane(p *pools, retryQ <-chan job) {
	for j := range retryQ {
		e.tookJob(retryQ)
		if e.stopping.Load() || !acquire(p.lane.waits, p.soft) {
			e.finish(j.h) // not started: it stays due, untouched
			e.done(j.h)
			e.release(j.d.ID)
			continue
		}
		p.wg.Go(func() {
			w := e.newWorker(p.hard, p)
			defer w.stop()
			w.inLane = true
			w.deliver(j)
		})
	}
}

// deliver sends j and whatever retries of it are made in process. It
// reports whether the worker moved to the retry lane with it.
func (w *worker) deliver(j job) (moved bool) {
	e := w.e
	w.j, w.placed, w.holding, w.moved = j, true, false, false
	defer w.letGo()
	if e.stopping.Load() || (w.inLane && !acquire(w.p.lane.sends, w.p.soft)) {
		e.release(j.d.ID) // not started: it stays due, untouched
		return false
	}
	req, err := w.newRequest(w.ctx, j.t, j.d)
	if err != nil {
		// No request can be made: an attempt that never left.
		if w.inLane {
			<-w.p.lane.sends
		}
		w.stamp()
		e.finish(j.h)
		w.placed = false
		w.p.results <- result{AttemptResult: w.outcome(w.ctx, nil, err)}
		return false
	}
	client := w.guarded
	if j.t.allowPrivate() {
		client = w.private
	}
	_, _ = client.Do(req) // the hooks recorded every try
	return w.moved
}

// letGo gives back what the delivery in hand still holds once its run is
// over.
func (w *worker) letGo() {
	if w.placed {
		w.e.finish(w.j.h)
		w.placed = false
	}
	if w.holding {
		// Its last attempt is committed as a retry due now or soon; the
		// dispatcher takes it from here.
		w.e.release(w.j.d.ID)
		w.holding = false
	}
	if w.inLane {
		<-w.p.lane.waits
		w.inLane = false
	}
	w.mu.Lock()
	w.waiting = false
	w.mu.Unlock()
	w.e.done(w.j.h)
	w.j = job{}
}

// stamp starts the attempt of the try about to be made.
func (w *worker) stamp() {
	w.cur = try{started: w.e.cfg.Now(), t0: time.Now(), number: w.j.d.AttemptCount + 1, headers: w.logged}
}

// onRequest is the RequestLogHook: it runs just before each try.
func (w *worker) onRequest(retryablehttp.Logger, *http.Request, int) { w.stamp() }

// checkRetry is the CheckRetry hook, called with the answer of each try
// (resp, or the failure err). It records the try as an attempt and
// reports whether the next try is made in process: only when the policy's
// next step is short, the engine is not stopping, and the lane has room.
// Before such a wait the attempt is committed with the delivery kept in
// flight, so that the next try never comes before its predecessor is in
// the log, and a crash during the wait leaves it due in the outbox.
func (w *worker) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	e := w.e
	res := w.outcome(ctx, resp, err)
	if w.once {
		w.final = res
		return false, nil
	}
	if w.inLane {
		<-w.p.lane.sends
	}
	if w.placed {
		e.finish(w.j.h)
		w.placed = false
	}
	if !res.Decision.InProcess() || w.p.soft.Err() != nil || !w.enterLane() {
		e.logFailed(ctx, res, false)
		w.holding = false // this commit lets go of the delivery
		w.p.results <- result{AttemptResult: res}
		return false, nil
	}
	e.logFailed(ctx, res, true)
	w.holding = true
	committed := make(chan bool, 1)
	w.p.results <- result{AttemptResult: res, committed: committed}
	if !<-committed {
		return false, nil
	}
	w.nextAt = res.Decision.NextAttemptAt
	// The shutdown hook cancels a wait only if it finds one; a shutdown
	// that came first is seen here instead.
	w.mu.Lock()
	w.waiting = true
	stopping := w.p.soft.Err() != nil
	w.mu.Unlock()
	return !stopping, nil
}

// logFailed logs a failed attempt at debug level, saying where its retry
// waits.
func (e *Engine) logFailed(ctx context.Context, res core.AttemptResult, inProcess bool) {
	log := e.cfg.Logger
	if res.Decision.Verdict == core.VerdictSuccess || !log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	next := "none"
	switch {
	case inProcess:
		next = "in process"
	case res.Decision.Verdict == core.VerdictRetry || res.Decision.Verdict == core.VerdictInterrupted:
		next = "outbox"
	}
	log.DebugContext(ctx, "attempt failed", "delivery", res.Delivery.ID, "attempt", res.Attempt.Number,
		"status", res.Attempt.StatusCode, "error", res.Attempt.Error, "retry", next, "next_attempt_at", res.Decision.NextAttemptAt)
}

// enterLane takes a place in the retry lane, if the worker has none; a
// first-attempt worker that gets one leaves its pool to a new worker.
func (w *worker) enterLane() bool {
	if w.inLane {
		return true
	}
	if !tryAcquire(w.p.lane.waits) {
		return false
	}
	w.inLane, w.moved = true, true
	p := w.p
	p.wg.Go(func() { w.e.firstWorker(p) })
	return true
}

// backoff is the Backoff hook: the wait is the one the policy chose, with
// its jitter or the answer's Retry-After, and was recorded as the
// delivery's next attempt time.
func (w *worker) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return max(w.nextAt.Sub(w.e.cfg.Now()), 0)
}

// prepareRetry is the PrepareRetry hook, after a wait and before the next
// try. The retry is left to the outbox, where it is due now, if the engine
// is stopping, the webhook was changed, disabled or deleted meanwhile, or
// it has its fill of requests in flight; else the try waits for one of the
// lane's senders, takes one of the webhook's in-flight slots, and is signed
// anew, with its own time.
func (w *worker) prepareRetry(req *http.Request) error {
	w.mu.Lock()
	w.waiting = false
	w.mu.Unlock()
	if w.p.soft.Err() != nil || w.e.target(w.j.h) != w.j.t {
		return errStop
	}
	if !acquire(w.p.lane.sends, w.p.soft) {
		return errStop
	}
	if !w.e.takeSlot(w.j.h) {
		<-w.p.lane.sends
		return errStop
	}
	w.placed = true
	req.Header, w.logged = w.e.headers(w.j.t, w.j.t.prepared(), w.j.d, w.e.cfg.Now())
	return nil
}

// sendOnce sends d to t in exactly one try and returns its attempt, not
// recorded.
func (e *Engine) sendOnce(ctx context.Context, t *target, d *core.Delivery) core.AttemptResult {
	w := e.newWorker(ctx, nil)
	defer w.stop()
	w.once, w.j = true, job{d: d, t: t}
	req, err := w.newRequest(w.ctx, t, d)
	if err != nil {
		w.stamp()
		return w.outcome(w.ctx, nil, err)
	}
	client := w.guarded
	if t.allowPrivate() {
		client = w.private
	}
	_, _ = client.Do(req)
	return w.final
}
