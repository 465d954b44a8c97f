package main

import (
	"context"
	"time"
)

// othersEvery is how often the database is asked whether another process
// wrote to it. A question costs microseconds; the answer lets the engine
// send what `hookwatch redeliver` (or any other process) queued without
// waiting for its outbox poll, which is ten times as long.
const othersEvery = 50 * time.Millisecond

// watchOthers wakes the engine whenever another process commits to the
// database, and applies the settings it may have changed, until ctx is
// done. While looks fail, the outbox poll finds the same work, later.
func (m *Main) watchOthers(ctx context.Context) error {
	last, err := m.DB.OthersVersion(ctx)
	t := time.NewTicker(othersEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		v, verr := m.DB.OthersVersion(ctx)
		// After a failed look, a change may have gone unseen.
		if verr == nil && (err != nil || v != last) {
			m.applySettings(ctx)
			m.Engine.Notify()
		}
		last, err = v, verr
	}
}
