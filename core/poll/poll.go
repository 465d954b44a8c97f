// Package poll is hookwatch's trigger poller: on a schedule it reads
// Plausible's ClickHouse, decides which traffic alerts and goal completions
// fire, and commits the resulting deliveries to the outbox together with the
// alert states, goal buckets and goal digest marks that produced them.
package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/hookwatch/hookwatch/core"
)

// Defaults of Config's zero fields.
const (
	DefaultInterval    = 10 * time.Second
	DefaultDropEvery   = time.Minute
	DefaultSampleEvery = time.Minute
	DefaultMaxWindow   = time.Hour
	DefaultTopN        = 3
	DefaultStopTimeout = 10 * time.Second
	// MaxBackoff bounds the pause between polls while ClickHouse fails.
	MaxBackoff = time.Minute
)

// Config wires a Poller. Source and the four stores are required; zero
// durations take the defaults above.
type Config struct {
	Source   core.TrafficSource
	Sites    core.SiteService
	Goals    core.GoalService
	Webhooks core.WebhookService
	Triggers core.TriggerStore
	// Hooks, if set, is the webhook cache the poller refreshes from
	// Webhooks and reads at every poll; the caller shares it with the
	// delivery engine so that each webhook is held once. Nil: the poller
	// keeps its own.
	Hooks *core.WebhookCache
	// Versions, if set, numbers the changes to Sites and Goals: a poll
	// reads them only when the number moved. Nil: every poll reads them.
	Versions core.ConfigVersioner

	// Notify wakes the delivery engine after a poll committed deliveries.
	// It must not block.
	Notify func()
	// OnPoll, if set, receives the status of every poll (metrics, UI). It
	// runs on the polling goroutine and must not block.
	OnPoll func(core.PollStatus)

	// Interval is the time between polls.
	Interval time.Duration
	// LateHorizon is how long goal buckets stay open: a completion that
	// reaches ClickHouse within LateHorizon − Interval of its timestamp is
	// reported exactly once. Default core.DefaultLateHorizon; the CLI
	// keeps it within core's range.
	LateHorizon time.Duration
	// DropEvery is how often the 12 h drop count, the expensive query, is
	// run; a webhook new to the drop check makes it run at once.
	DropEvery time.Duration
	// SampleEvery is how often the current visitors of every site are kept
	// for the traffic chart; a site whose alert fires is always sampled.
	SampleEvery time.Duration
	// MaxWindow bounds one goal count outside the steady one, so that
	// catching up after a long downtime runs in several bounded queries
	// instead of one huge one.
	MaxWindow time.Duration
	// TopN is how many top sources and pages a spike carries.
	TopN int
	// PollTimeout bounds one poll; default max(Interval, 30 s).
	PollTimeout time.Duration
	// StopTimeout bounds how long Run waits for a running poll on shutdown.
	StopTimeout time.Duration

	// Counts reads what the baselines of anomaly rules are made of, at
	// start and at each new hour; without it those rules send nothing.
	// Baselines, if set, keeps each refresh for the window and `status`.
	Counts    core.BaselineSource
	Baselines core.BaselineStore

	Logger *slog.Logger
	// Now is the local clock, used only for backoff, status times and the
	// DropEvery and SampleEvery cadences; trigger windows and cooldowns
	// follow ClickHouse's clock.
	Now func() time.Time

	// digestBucket, when set, is the length of every digest bucket in
	// place of the webhook's DigestInterval. Only tests set it (through
	// export_test.go), so that a digest interval closes within seconds;
	// users cannot, and their intervals stay validated at 1 minute or more.
	digestBucket time.Duration
}

// Poller runs poll cycles. Its methods are safe for concurrent use; cycles
// never overlap.
type Poller struct {
	cfg Config
	log *slog.Logger

	mu sync.Mutex // serialises cycles and guards the fields below
	// lastDrop is the local time of the last 12 h count; dropSeen the
	// webhooks whose drop alert it evaluated. The cadences of the drop
	// check and of samples follow the local clock: they ration query and
	// storage cost, unlike the trigger windows, which follow ClickHouse's.
	lastDrop   time.Time
	dropSeen   map[int64]bool
	lastSample time.Time
	// status is the last status saved; statusLoaded says whether it was
	// read from the store yet (to keep ClickHouseSince across restarts).
	status       core.PollStatus
	statusLoaded bool
	version      string
	// fails counts consecutive failed polls; retryAt (local clock) is when
	// the scheduler may poll again.
	fails   int
	retryAt time.Time
	// anomaly is the anomaly rules' memory: baselines and streaks.
	anomaly anomalyState
	// hooks holds every webhook (Config.Hooks), refreshed at each poll
	// from what changed since the last: reading all of them each poll
	// costs tens of milliseconds at 10,000.
	hooks *core.WebhookCache
	// goals is what the last committed poll left of the goals' counting
	// state; nil until read, and after a failed commit.
	goals *goalMemory
	// loaded is the last poll's sites, goals and webhook indexes, which
	// the next keeps while none of them changed.
	loaded *loaded

	// polls is the context scheduled polls run under: it outlives Run's
	// ctx so that a poll under way may finish, and is cancelled once Run
	// stops waiting for it; running counts those polls.
	polls   context.Context
	running sync.WaitGroup

	// sched holds the running scheduler and its job, so SetInterval can
	// reschedule; interval is the current time between polls (see interval.go).
	sched scheduled
}

// New returns a Poller for cfg, filling its defaults.
func New(cfg Config) *Poller {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.LateHorizon <= 0 {
		cfg.LateHorizon = core.DefaultLateHorizon
	}
	if cfg.DropEvery <= 0 {
		cfg.DropEvery = DefaultDropEvery
	}
	if cfg.SampleEvery <= 0 {
		cfg.SampleEvery = DefaultSampleEvery
	}
	if cfg.MaxWindow <= 0 {
		cfg.MaxWindow = DefaultMaxWindow
	}
	if cfg.TopN <= 0 {
		cfg.TopN = DefaultTopN
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = max(cfg.Interval, 30*time.Second)
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = DefaultStopTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Notify == nil {
		cfg.Notify = func() {}
	}
	if cfg.Hooks == nil {
		cfg.Hooks = &core.WebhookCache{}
	}
	p := &Poller{cfg: cfg, log: cfg.Logger.With("component", "poll"), hooks: cfg.Hooks}
	p.sched.interval = cfg.Interval
	return p
}

// Run polls every Interval until ctx is done, then waits (at most
// StopTimeout) for a running poll to finish. While ClickHouse fails, polls
// are skipped with an exponential backoff until one succeeds. The caller
// must not close the stores before Run returns.
func (p *Poller) Run(ctx context.Context) error {
	s, err := gocron.NewScheduler(
		gocron.WithLogger(p.log),
		gocron.WithStopTimeout(p.cfg.StopTimeout),
	)
	if err != nil {
		return fmt.Errorf("poll: new scheduler: %w", err)
	}
	job, err := s.NewJob(
		gocron.DurationJob(p.Interval()),
		gocron.NewTask(p.tick),
		append(jobOptions(), gocron.WithStartAt(gocron.WithStartImmediately()))...,
	)
	if err != nil {
		_ = s.Shutdown()
		return fmt.Errorf("poll: new job: %w", err)
	}
	p.sched.started(s, job)
	defer p.sched.stopped()
	polls, cancelPolls := context.WithCancel(context.WithoutCancel(ctx))
	p.mu.Lock()
	p.polls = polls
	p.mu.Unlock()
	p.log.Info("poller started", "interval", p.Interval(), "late_horizon", p.cfg.LateHorizon)
	s.Start()
	<-ctx.Done()
	err = s.Shutdown()
	// A poll still running after StopTimeout is cut off here, so that it
	// never outlives Run and touches stores the caller is about to close.
	cancelPolls()
	p.running.Wait()
	p.log.Info("poller stopped")
	if err != nil {
		return fmt.Errorf("poll: stop scheduler: %w", err)
	}
	return nil
}

// tick is one scheduled run. A poll already started is let finish on
// shutdown, within the scheduler's StopTimeout (its commit is all or nothing
// anyway); after that Run cancels it.
func (p *Poller) tick(ctx context.Context) {
	p.mu.Lock()
	wait := p.retryAt.Sub(p.cfg.Now())
	polls := p.polls
	p.running.Add(1)
	p.mu.Unlock()
	defer p.running.Done()
	if wait > 0 || ctx.Err() != nil || polls == nil {
		return
	}
	pctx, cancel := context.WithTimeout(polls, p.cfg.PollTimeout)
	defer cancel()
	_ = p.PollOnce(pctx) // PollOnce logs its own failures.
}

// backoff is the pause after the fails-th consecutive failure: twice the
// interval, doubling, up to MaxBackoff (or the interval, if longer).
func backoff(fails int, interval time.Duration) time.Duration {
	limit := max(MaxBackoff, interval)
	d := 2 * interval
	for i := 1; i < fails && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// sourceError marks a failure of ClickHouse, as opposed to one of the stores.
type sourceError struct {
	op  string
	err error
}

func (e *sourceError) Error() string { return "clickhouse " + e.op + ": " + e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// IsSourceError reports whether err, returned by PollOnce, is a failure to
// read ClickHouse.
func IsSourceError(err error) bool {
	var se *sourceError
	return errors.As(err, &se)
}
