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

// record commits results in batches of up to BatchSize, or whatever arrived
// within FlushEvery, one transaction each, until results is closed.
func (e *Engine) record(ctx context.Context, results <-chan core.AttemptResult) {
	batch := make([]core.AttemptResult, 0, e.cfg.BatchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var res core.AttemptResult
		var ok bool
		if len(batch) == 0 {
			res, ok = <-results
		} else {
			select {
			case res, ok = <-results:
			case <-timer.C:
				batch = e.commit(ctx, batch)
				continue
			}
		}
		if !ok {
			if len(batch) > 0 {
				e.commit(ctx, batch)
			}
			return
		}
		if len(batch) == 0 {
			timer.Reset(e.cfg.FlushEvery)
		}
		batch = append(batch, res)
		if len(batch) >= e.cfg.BatchSize {
			timer.Stop()
			batch = e.commit(ctx, batch)
		}
	}
}

// commit writes batch in one transaction, frees its deliveries for the
// dispatcher, and returns batch emptied for reuse.
func (e *Engine) commit(ctx context.Context, batch []core.AttemptResult) []core.AttemptResult {
	var err error
	// While the engine runs, a failing commit (a full disk, say) is retried
	// with backoff for as long as it fails: results back up, workers block,
	// and nothing more is sent that could not be logged. Once shutting
	// down, it gets commitTries more tries.
	wait := 100 * time.Millisecond
	for try, left := 0, commitTries; ; try++ {
		if err = e.cfg.Deliveries.RecordAttempts(ctx, batch); err == nil {
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
	ids := make([]int64, len(batch))
	for i, r := range batch {
		ids[i] = r.Delivery.ID
		if err == nil && r.Decision.DisableWebhook {
			e.markDisabled(r.Delivery.WebhookID)
		}
	}
	e.release(ids...)
	if err == nil && e.cfg.OnAttempt != nil {
		for _, r := range batch {
			e.cfg.OnAttempt(r)
		}
	}
	e.signalFreed()
	clear(batch)
	return batch[:0]
}
