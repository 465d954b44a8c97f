package poll

import (
	"fmt"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// scheduled is the poll job of a running Poller and its interval. It has
// its own lock because a cycle holds Poller.mu for as long as it runs, and
// a new interval must not wait for a slow poll.
type scheduled struct {
	mu       sync.Mutex
	interval time.Duration
	s        gocron.Scheduler // nil unless Run is running
	job      gocron.Job
}

func (sc *scheduled) started(s gocron.Scheduler, job gocron.Job) {
	sc.mu.Lock()
	sc.s, sc.job = s, job
	sc.mu.Unlock()
}

func (sc *scheduled) stopped() {
	sc.mu.Lock()
	sc.s, sc.job = nil, nil
	sc.mu.Unlock()
}

// jobOptions are the options of the poll job, at start and on a change.
func jobOptions() []gocron.JobOption {
	return []gocron.JobOption{
		gocron.WithName("poll"),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
	}
}

// Interval returns the current time between polls.
func (p *Poller) Interval() time.Duration {
	p.sched.mu.Lock()
	defer p.sched.mu.Unlock()
	return p.sched.interval
}

// SetInterval changes the time between polls, as a changed setting asks:
// the next poll comes d after the change, and the ones after it d apart.
// It reports whether the interval changed; d ≤ 0 changes nothing. It may
// be called from any goroutine, before or while Run runs.
func (p *Poller) SetInterval(d time.Duration) (bool, error) {
	p.sched.mu.Lock()
	defer p.sched.mu.Unlock()
	if d <= 0 || d == p.sched.interval {
		return false, nil
	}
	if p.sched.s != nil {
		job, err := p.sched.s.Update(p.sched.job.ID(), gocron.DurationJob(d), gocron.NewTask(p.tick), jobOptions()...)
		if err != nil {
			return false, fmt.Errorf("poll: reschedule every %s: %w", d, err)
		}
		p.sched.job = job
	}
	p.sched.interval = d
	p.log.Info("poll interval changed", "interval", d)
	return true, nil
}

// RetryNow lifts the backoff that failed polls set, so that the next
// scheduled poll runs: after the ClickHouse to read changed, its first poll
// should not wait out the old one's failures. It waits for a poll under way.
func (p *Poller) RetryNow() {
	p.mu.Lock()
	p.retryAt = time.Time{}
	p.mu.Unlock()
}
