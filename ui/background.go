package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
)

// goBG runs f in a goroutine counted by u.bg.
func (u *UI) goBG(f func()) {
	u.bg.Add(1)
	go func() {
		defer u.bg.Done()
		f()
	}()
}

// run does work in the background and then calls done with its error on
// Fyne's goroutine.
func (u *UI) run(work func(ctx context.Context) error, done func(error)) {
	u.goBG(func() {
		err := work(u.ctx)
		u.do(func() { done(err) })
	})
}

// do runs f on Fyne's goroutine.
func (u *UI) do(f func()) { fyne.Do(f) }

func (u *UI) startTicker() {
	u.goBG(func() {
		t := time.NewTicker(tickInterval)
		defer t.Stop()
		for {
			select {
			case <-u.stopTick:
				return
			case <-t.C:
				if u.inflight.Load() == 0 {
					u.Refresh()
				}
			}
		}
	})
}

func (u *UI) stopTicker() { u.stopOnce.Do(func() { close(u.stopTick) }) }
