package poll

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// cycle is one poll: what it loaded and what it decided.
type cycle struct {
	p     *Poller
	now   time.Time // ClickHouse's
	local time.Time // ours, when the cycle started

	sites   map[int64]*core.Site
	siteIDs []uint64 // Plausible ids of every site, in load order
	hooks   []*core.Webhook
	goals   []*core.Goal
	states  map[core.AlertKey]core.AlertState
	// goalStates and reported are how far each goal is counted and what
	// was reported of its buckets.
	goalStates  map[int64]core.GoalState
	reported    map[core.BucketKey]uint64
	digestMarks map[core.DigestKey]time.Time
	goalByID    map[int64]*core.Goal
	hookByID    map[int64]*core.Webhook
	// goalHooks are the hooks that get each goal window's count, and
	// digestHooks those that get digests instead (Webhook.Digests), by
	// site id: a goal's hooks are its site's, and looking them up rather
	// than scanning every hook keeps a poll linear in goals plus hooks.
	goalHooks, digestHooks map[int64][]*core.Webhook

	// Phase durations, for the log.
	loadDur, queryDur, commitDur time.Duration

	counts      map[uint64]core.VisitorCounts
	dropChecked bool
	dropHooks   map[int64]bool
	sampled     bool

	commit core.PollCommit
	fired  map[int64][]core.EventType // site id → alert types fired
	// streaks are the anomaly streaks this cycle evaluated, the poller's
	// only once it commits.
	streaks map[core.AlertKey]int
	events  int
}

// PollOnce runs one poll cycle: it reads the configuration and trigger
// state, asks ClickHouse, and commits the alert states, goal states and
// reported buckets, digest marks, deliveries and status in one
// transaction, then calls Notify. When ClickHouse fails it changes no
// trigger state, only saves the failing status, and returns an error for
// which IsSourceError holds. Cycles never overlap; the scheduler's backoff
// does not apply to direct calls.
func (p *Poller) PollOnce(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := time.Now()
	c, err := p.run(ctx, start)
	if errors.Is(err, core.ErrConfigChanged) {
		// An edit landed while the poll ran: the poll committed nothing,
		// and one run again now reads the edit.
		p.log.Info("sites or goals changed during the poll; polling again")
		c, err = p.run(ctx, start)
	}
	dur := time.Since(start)
	if err != nil {
		return p.failed(ctx, err, dur)
	}
	p.fails, p.retryAt = 0, time.Time{}
	if c.dropChecked {
		p.lastDrop, p.dropSeen = c.local, c.dropHooks
	}
	if c.sampled {
		p.lastSample = c.local
	}
	p.status = c.commit.Status
	p.status.LastPollDuration = dur
	if len(c.commit.Deliveries) > 0 {
		p.cfg.Notify()
	}
	lvl := p.log.Debug
	if c.events > 0 {
		lvl = p.log.Info
	}
	lvl("poll done", "duration", dur, "load", c.loadDur, "clickhouse", c.queryDur, "commit", c.commitDur,
		"sites", len(c.sites), "webhooks", len(c.hooks), "goals", len(c.goals),
		"drop_check", c.dropChecked, "events", c.events, "deliveries", len(c.commit.Deliveries))
	if p.cfg.OnPoll != nil {
		p.cfg.OnPoll(p.status)
	}
	return nil
}

// failed handles a poll that committed nothing. A ClickHouse failure is
// saved as the status and backs the scheduler off; so does a store failure,
// though its status cannot be saved reliably and is only logged. A commit
// refused because the sites or goals changed is no fault: it only waits
// for the next poll.
func (p *Poller) failed(ctx context.Context, err error, dur time.Duration) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		// Stopped by the caller: not ClickHouse's fault, nothing to save.
		p.log.Warn("poll interrupted", "duration", dur, "err", err)
		return err
	}
	if errors.Is(err, core.ErrConfigChanged) {
		// Edited again while the poll ran again: no fault to back off
		// from, and the next scheduled poll reads the edits.
		p.log.Info("sites or goals changed during the poll again; polling at the next interval", "duration", dur)
		return err
	}
	// A poll that ran out of time (a hanging server) is a failure like any
	// other, and its status must still be saved.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	p.fails++
	wait := backoff(p.fails, p.Interval())
	local := p.cfg.Now()
	p.retryAt = local.Add(wait)
	if !IsSourceError(err) {
		p.log.Error("poll failed", "duration", dur, "err", err, "retry_in", wait)
		return err
	}
	p.loadStatus(ctx)
	st := core.PollStatus{
		LastPollAt:       local,
		LastPollDuration: dur,
		ClickHouseOK:     false,
		ClickHouseError:  err.Error(),
		ClickHouseSince:  p.since(false, local),
		ServerVersion:    p.status.ServerVersion,
		LateEvents:       p.status.LateEvents,
	}
	p.version = "" // ask again after recovery: it may be another server
	if serr := p.cfg.Triggers.SavePollStatus(ctx, st); serr != nil {
		p.log.Error("save poll status", "err", serr)
	} else {
		p.status, p.statusLoaded = st, true
	}
	p.log.Warn("clickhouse unavailable; no trigger state changed", "duration", dur,
		"err", err, "failing_since", st.ClickHouseSince, "retry_in", wait)
	if p.cfg.OnPoll != nil {
		p.cfg.OnPoll(st)
	}
	return err
}

// loadStatus reads the last saved status once, so that ClickHouseSince
// survives a restart.
func (p *Poller) loadStatus(ctx context.Context) {
	if p.statusLoaded {
		return
	}
	st, err := p.cfg.Triggers.PollStatus(ctx)
	if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		p.log.Warn("read poll status", "err", err)
		return
	}
	p.status, p.statusLoaded = st, true
}

// since is ClickHouseSince for a poll that found ClickHouse ok or not: kept
// while the state holds, now when it changes.
func (p *Poller) since(ok bool, now time.Time) time.Time {
	if p.status.LastPollAt.IsZero() || p.status.ClickHouseOK != ok || p.status.ClickHouseSince.IsZero() {
		if ok && !p.status.LastPollAt.IsZero() && !p.status.ClickHouseOK {
			p.log.Info("clickhouse available again", "failed_since", p.status.ClickHouseSince)
		}
		return now
	}
	return p.status.ClickHouseSince
}

// run does the work of a cycle up to and including the commit.
func (p *Poller) run(ctx context.Context, start time.Time) (*cycle, error) {
	c := &cycle{p: p, local: p.cfg.Now(), fired: map[int64][]core.EventType{}}
	if err := c.loadAt(ctx); err != nil {
		return nil, err
	}
	c.loadDur = time.Since(start)
	if p.version == "" {
		v, err := p.cfg.Source.Version(ctx)
		if err != nil {
			return nil, &sourceError{"version", err}
		}
		p.version = v
	}
	c.commit.Alerts = map[core.AlertKey]core.AlertState{}
	// One pass counts the visitors and the steady goal window; the goals'
	// other windows and digests, and the top sources and pages of spikes,
	// are independent queries: run them side by side, so that a poll takes
	// about as long as the slower.
	plan := c.planGoals()
	if err := c.query(ctx, plan); err != nil {
		return nil, err
	}
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var goals *goalResult
	var gerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		goals, gerr = c.goalEvents(gctx, plan)
	}()
	err := c.traffic(ctx)
	if err != nil {
		cancel()
	}
	<-done
	if err != nil {
		return nil, err
	} else if gerr != nil {
		return nil, gerr
	}
	c.commit.Goals, c.commit.Prune, c.commit.Reported, c.commit.LateEvents = goals.states, goals.prune, goals.reported, goals.late
	c.commit.DigestMarks = goals.digestMarks
	c.commit.Deliveries = append(c.commit.Deliveries, goals.deliveries...)
	c.events += goals.events
	c.samples()
	c.queryDur = time.Since(start) - c.loadDur

	p.loadStatus(ctx)
	local := p.cfg.Now()
	c.commit.Status = core.PollStatus{
		LastPollAt:      local,
		ClickHouseOK:    true,
		ClickHouseSince: p.since(true, local),
		ServerVersion:   p.version,
		LateEvents:      p.status.LateEvents + goals.late,
	}
	// The duration of this very poll cannot be inside its own commit; the
	// store gets the time so far, which leaves out only the commit itself.
	c.commit.Status.LastPollDuration = time.Since(start)
	c.commit.ConfigVersion = p.loaded.version
	if err := p.cfg.Triggers.CommitPoll(ctx, c.commit); err != nil {
		p.goals = nil // what the store holds is read afresh
		return nil, fmt.Errorf("commit poll: %w", err)
	}
	p.goals.apply(c.commit, p.cfg.Now())
	p.anomaly.keepStreaks(c.streaks)
	c.commitDur = time.Since(start) - c.loadDur - c.queryDur
	return c, nil
}

// loadAt loads the cycle and asks ClickHouse's now while the store is
// read: a round trip that need not wait for the load.
func (c *cycle) loadAt(ctx context.Context) error {
	var now time.Time
	var err error
	asked := make(chan struct{})
	go func() {
		defer close(asked)
		now, err = c.p.cfg.Source.Now(ctx)
	}()
	lerr := c.load(ctx)
	<-asked
	if lerr != nil {
		return lerr
	}
	if err != nil {
		return &sourceError{"now", err}
	}
	c.now = now
	return nil
}

// load reads the trigger state, and the configuration where it changed
// (loadConfig), so that edits made by the CLI apply at the next poll.
func (c *cycle) load(ctx context.Context) error {
	p := c.p
	l, err := p.loadConfig(ctx, p.loaded)
	if err != nil {
		return err
	}
	p.loaded = l
	c.sites, c.siteIDs, c.goals, c.goalByID = l.sites, l.siteIDs, l.goals, l.goalBy
	c.hooks, c.hookByID, c.goalHooks, c.digestHooks = l.hooks, l.hookByID, l.goalHooks, l.digestHooks
	if c.states, err = p.cfg.Triggers.AlertStates(ctx); err != nil {
		return fmt.Errorf("load alert states: %w", err)
	}
	m, err := p.loadGoalMemory(ctx, c.goals)
	if err != nil {
		return err
	}
	c.goalStates, c.reported = m.states, m.reported
	if c.digestMarks, err = p.cfg.Triggers.DigestMarks(ctx); err != nil {
		return fmt.Errorf("load digest marks: %w", err)
	}
	return nil
}

// samples records the current visitors of every site for the chart, every
// SampleEvery, and of the sites whose alerts fired at every poll.
func (c *cycle) samples() {
	if c.counts == nil {
		return
	}
	p := c.p
	c.sampled = p.lastSample.IsZero() || c.local.Sub(p.lastSample) >= p.cfg.SampleEvery
	for _, s := range c.sites {
		fired := c.fired[s.ID]
		if !c.sampled && len(fired) == 0 {
			continue
		}
		c.commit.Samples = append(c.commit.Samples, core.TrafficSample{
			SiteID:          s.ID,
			At:              c.now,
			CurrentVisitors: c.counts[s.PlausibleID].Current,
			Fired:           fired,
		})
	}
}
