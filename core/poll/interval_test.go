package poll_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
)

func TestSetInterval(t *testing.T) {
	t.Run("a running poller polls at the new interval from the next poll", func(t *testing.T) {
		e := newEnv(t)
		e.site("example.com", 1)
		cfg := e.config(e.src)
		cfg.Interval = time.Hour // after the first poll, none for an hour unless the change applies
		polls := make(chan core.PollStatus, 16)
		cfg.OnPoll = func(st core.PollStatus) {
			select {
			case polls <- st:
			default:
			}
		}
		p := poll.New(cfg)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		wait := func(what string) {
			t.Helper()
			select {
			case <-polls:
			case <-time.After(60 * time.Second):
				t.Fatalf("no %s within 60 s", what)
			}
		}
		wait("first poll")
		if changed, err := p.SetInterval(time.Hour); changed || err != nil {
			t.Errorf("SetInterval to the same interval = %v, %v; want no change", changed, err)
		}
		if changed, err := p.SetInterval(300 * time.Millisecond); !changed || err != nil {
			t.Fatalf("SetInterval(300ms) = %v, %v", changed, err)
		}
		if got := p.Interval(); got != 300*time.Millisecond {
			t.Errorf("Interval() = %s", got)
		}
		wait("poll after the change")
		wait("second poll after the change")
	})
	t.Run("before Run, sets the interval Run starts with", func(t *testing.T) {
		e := newEnv(t)
		p := e.poller()
		if changed, err := p.SetInterval(42 * time.Second); !changed || err != nil || p.Interval() != 42*time.Second {
			t.Errorf("SetInterval = %v, %v; Interval() = %s", changed, err, p.Interval())
		}
		if changed, _ := p.SetInterval(0); changed || p.Interval() != 42*time.Second {
			t.Errorf("SetInterval(0) changed the interval to %s", p.Interval())
		}
	})
}
