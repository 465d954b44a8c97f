package deliver

import (
	"context"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// commitTries is how often a batch's commit is tried during shutdown before its
// results are given up. The deliveries then stay due and are sent again after
// the restart: at least once.
const commitTries = 5

// maxCommitWait bounds the backoff between two tries of a failing commit.
const maxCommitWait = 10 * time.Second

// result is an attempt on its way to the store.
type result struct {
	core.AttemptResult
	// committed, if set, says that the worker makes the next try in
	// process: the commit keeps the delivery in flight, and tells the
	// worker whether the attempt is stored (false if the commit failed or
	// the delivery was deleted meanwhile).
	committed chan<- bool
}

// record commits results in batches of up to BatchSize, one transaction
// each, until results is closed. A batch opens with its first result and
// closes FlushEvery later; in between, the recorder sleeps rather than
// waking for every result a worker sends (at thousands a second, those
// wake-ups cost more than the appends), and then takes what has arrived.
// The channel holds 2×BatchSize, far more than FlushEvery brings at the
// engine's rate, so a worker rarely waits on it.
func (e *Engine) record(ctx context.Context, results <-chan result) {
	batch := make([]result, 0, e.cfg.BatchSize)
	for {
		res, ok := <-results
		if !ok {
			return
		}
		batch = append(batch, res)
		time.Sleep(e.cfg.FlushEvery)
		for open := true; open; {
			select {
			case res, ok = <-results:
				if !ok {
					e.commit(ctx, batch)
					return
				}
				batch = append(batch, res)
				if len(batch) >= e.cfg.BatchSize {
					batch = e.commit(ctx, batch)
				}
			default:
				open = false
			}
		}
		if len(batch) > 0 {
			batch = e.commit(ctx, batch)
		}
	}
}

// commit writes batch in one transaction, frees its deliveries for the
// dispatcher (save those a worker keeps for an in-process retry), and
// returns batch emptied for reuse.
func (e *Engine) commit(ctx context.Context, batch []result) []result {
	rs := make([]core.AttemptResult, len(batch))
	for i := range batch {
		rs[i] = batch[i].AttemptResult
	}
	var err error
	// While the engine runs, a failing commit (a full disk, say) is retried
	// with backoff for as long as it fails: results back up, workers block,
	// and nothing more is sent that could not be logged. Once shutting
	// down, it gets commitTries more tries.
	wait := 100 * time.Millisecond
	for try, left := 0, commitTries; ; try++ {
		if err = e.cfg.Deliveries.RecordAttempts(ctx, rs); err == nil {
			break
		}
		if e.stopping.Load() {
			if left--; left == 0 {
				break
			}
		}
		e.cfg.Logger.Warn("recording attempts failed; sending waits until it works", "count", len(batch), "try", try+1, "retry_in", wait, "error", err)
		time.Sleep(wait)
		wait = min(2*wait, maxCommitWait)
	}
	if err != nil {
		e.cfg.Logger.Error("giving up recording attempts; their deliveries will be sent again", "count", len(batch), "error", err)
	}
	ids := make([]int64, 0, len(batch))
	for _, r := range batch {
		if err == nil && r.Decision.DisableWebhook {
			e.markDisabled(r.Delivery.WebhookID)
		}
		if r.committed == nil {
			ids = append(ids, r.Delivery.ID)
		}
	}
	e.release(ids...)
	if err == nil && e.cfg.OnAttempt != nil {
		for _, r := range rs {
			e.cfg.OnAttempt(r)
		}
	}
	// Told last: a worker woken here may send its next result at once.
	for _, r := range batch {
		if r.committed != nil {
			r.committed <- err == nil && r.Attempt.ID != 0
		}
	}
	e.signalFreed()
	clear(batch)
	return batch[:0]
}
