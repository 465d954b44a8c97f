package poll_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// TestConfigEditsBetweenPolls: the poller keeps the sites, goals and
// webhook indexes of the last poll while nothing changed, and every kind
// of edit between polls (a goal added, a goal deleted, a webhook disabled,
// a site added) still applies at the next poll.
func TestConfigEditsBetweenPolls(t *testing.T) {
	e := newEnv(t)
	const pid, pid2 = 31, 32
	site := e.site("kept.example", pid)
	signup := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	p := e.poller()
	e.pollOnce(p) // first sight of Signup

	// sent polls past events inserted now and returns the completions of
	// each goal name that the poll queued for h.
	sent := func(h *core.Webhook, name string, before int) uint64 {
		t.Helper()
		e.pollPast(p, e.chNow().Add(time.Second))
		return completions(decodeGoals(t, e.delivered(h.ID)[before:]), name)
	}
	at := func() time.Time { return e.goalStates()[signup.ID].Open }

	// Nothing changed since the first poll: the kept goals still count.
	e.insert(goalEvents(pid, at(), "Signup", "/", 100, 2)...)
	if got := sent(hook, "Signup", 0); got != 2 {
		t.Fatalf("with nothing edited, Signup completions sent = %d; want 2", got)
	}

	// A goal added between polls is seen at the next one, and counts from
	// there on.
	purchase := e.goal(&core.Goal{SiteID: site.ID, EventName: "Purchase"})
	e.pollOnce(p)
	if e.goalStates()[purchase.ID].Open.IsZero() {
		t.Fatal("a goal added between polls has no state after the next poll")
	}
	n := len(e.delivered(hook.ID))
	e.insert(goalEvents(pid, e.goalStates()[purchase.ID].Open, "Purchase", "/", 200, 3)...)
	if got := sent(hook, "Purchase", n); got != 3 {
		t.Errorf("Purchase completions sent = %d; want 3", got)
	}

	// A goal deleted between polls is no longer counted.
	if err := e.stores.goals.DeleteGoal(e.ctx, signup.ID); err != nil {
		t.Fatal(err)
	}
	n = len(e.delivered(hook.ID))
	e.insert(goalEvents(pid, e.goalStates()[purchase.ID].Open, "Signup", "/", 300, 4)...)
	if got := sent(hook, "Signup", n); got != 0 {
		t.Errorf("after the goal's deletion, Signup completions sent = %d; want 0", got)
	}

	// A webhook disabled between polls (the sites and goals unchanged)
	// gets nothing more, and one created gets the site's completions.
	if _, err := e.stores.hooks.SetWebhookEnabled(e.ctx, hook.ID, false, "test"); err != nil {
		t.Fatal(err)
	}
	second := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	n = len(e.delivered(hook.ID))
	e.insert(goalEvents(pid, e.goalStates()[purchase.ID].Open, "Purchase", "/", 400, 5)...)
	if got := sent(second, "Purchase", 0); got != 5 {
		t.Errorf("the webhook created between polls got %d Purchase completions; want 5", got)
	}
	if got := len(e.delivered(hook.ID)); got != n {
		t.Errorf("the webhook disabled between polls got %d more deliveries; want 0", got-n)
	}

	// A site added between polls, with a goal, is polled from the next one.
	site2 := e.site("added.example", pid2)
	g2 := e.goal(&core.Goal{SiteID: site2.ID, EventName: "Signup"})
	hook2 := e.webhook(&core.Webhook{SiteID: site2.ID, Events: []core.EventType{core.EventGoal}})
	e.pollOnce(p)
	e.insert(goalEvents(pid2, e.goalStates()[g2.ID].Open, "Signup", "/", 500, 6)...)
	if got := sent(hook2, "Signup", 0); got != 6 {
		t.Errorf("the site added between polls sent %d Signup completions; want 6", got)
	}
}

// editingSource runs edit once, in the middle of the next poll: after the
// poll read the sites and goals, before it commits.
type editingSource struct {
	core.TrafficSource
	edit func()
}

func (s *editingSource) Poll(ctx context.Context, q core.PollQuery) (core.PollResult, error) {
	if s.edit != nil {
		s.edit()
		s.edit = nil
	}
	return s.TrafficSource.Poll(ctx, q)
}

// TestConfigChangedDuringPoll: a goal deleted while a poll runs and added
// again under the same id (SQLite reuses the highest rowid) is a new goal.
// The poll that read the old one commits nothing and runs again at once,
// so the new goal is seen by that same PollOnce and counts from there,
// never from the old one's state.
func TestConfigChangedDuringPoll(t *testing.T) {
	e := newEnv(t)
	const pid = 41
	site := e.site("edited.example", pid)
	old := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	src := &editingSource{TrafficSource: e.src}
	p := poll.New(e.config(src))
	e.pollOnce(p) // first sight of Signup

	// Purchases from before the new goal exists, stamped two seconds
	// before the poll that will see it.
	e.insert(goalEvents(pid, e.chNow().Add(-2*time.Second), "Purchase", "/", 100, 3)...)
	var added *core.Goal
	src.edit = func() {
		if err := e.stores.goals.DeleteGoal(e.ctx, old.ID); err != nil {
			t.Error(err)
		}
		added = e.goal(&core.Goal{SiteID: site.ID, EventName: "Purchase"})
	}
	e.pollOnce(p)
	if added == nil || added.ID != old.ID {
		t.Fatalf("the goal added again did not take the deleted one's id (%v); the test needs it", added)
	}
	if e.goalStates()[added.ID].Open.IsZero() {
		t.Fatal("the goal added during a poll has no state after that PollOnce; want it seen by the poll run again")
	}

	// A restart, so that the store says what the goal's state is, not the
	// poller's memory.
	p = e.poller()
	e.pollPast(p, e.chNow().Add(time.Second))
	if got := completions(decodeGoals(t, e.delivered(hook.ID)), "Purchase"); got != 0 {
		t.Errorf("the new goal reported %d Purchases from before it existed; want 0", got)
	}
	e.insert(goalEvents(pid, e.chNow(), "Purchase", "/", 200, 4)...)
	e.pollPast(p, e.chNow().Add(time.Second))
	if got := completions(decodeGoals(t, e.delivered(hook.ID)), "Purchase"); got != 4 {
		t.Errorf("the new goal reported %d Purchases after its first poll; want 4", got)
	}
}

// TestConfigChangedDuringPollStreaks: the poll run again after a refused
// commit evaluates the same reading a second time, and must not count it
// twice: one anomalous poll never fires, however many runs it took.
func TestConfigChangedDuringPollStreaks(t *testing.T) {
	e := newEnv(t)
	now := e.chNow()
	var users uint64
	night := func(time.Time) int { return 5 }
	site := e.site("night.example", 71)
	s := seasonal{site: 71, now: now, users: &users}
	var evs []chtest.Event
	evs = append(evs, s.weeks(4, night)...)
	evs = append(evs, s.span(now.Add(-2*time.Hour), now, night)...)
	evs = append(evs, s.burst(20, now.Add(-time.Minute), now)...)
	e.insert(evs...)
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventSpike}, SpikeAnomaly: true})

	src := &editingSource{TrafficSource: e.src}
	cfg := e.config(src)
	cfg.Counts, cfg.Baselines = e.src, sqlite.NewBaselineStore(e.db)
	p := poll.New(cfg)
	other := e.site("other.example", 72)
	src.edit = func() { e.goal(&core.Goal{SiteID: other.ID, EventName: "Signup"}) }
	e.pollOnce(p)
	if src.edit != nil {
		t.Fatal("the edit did not run during the poll")
	}
	if n := len(e.delivered(hook.ID)); n != 0 {
		t.Fatalf("%d deliveries after one anomalous poll run twice; want 0 (%d consecutive polls needed)", n, core.Confirmations)
	}
	// The next poll is the second anomalous one, and fires.
	e.pollOnce(p)
	if ds := e.delivered(hook.ID); len(ds) != 1 || ds[0].EventType != core.EventSpike {
		t.Fatalf("after the second anomalous poll, deliveries %v; want one traffic.spike", types(ds))
	}
}
