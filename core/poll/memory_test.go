package poll_test

import (
	"fmt"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
)

// A poller keeps its goals' states between polls; a goal deleted and
// replaced by one that takes its id (SQLite reuses the highest rowid) must
// start afresh, counting only what is stamped from its own first poll on.
func TestGoalReplacedUnderItsID(t *testing.T) {
	e := newEnv(t)
	const pid = 41
	site := e.site("replaced.example", pid)
	old := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	p := e.poller()
	e.pollOnce(p)
	if err := e.stores.goals.DeleteGoal(e.ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	// Completions stamped after the old goal's first poll, inside the
	// buckets it left open, and before the new goal's first poll: the new
	// goal never reports them.
	at := e.chNow()
	e.insert(goalEvents(pid, at, "Signup", "/", 1, 3)...)
	g := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	if g.ID != old.ID {
		t.Fatalf("the new goal got id %d, not the deleted goal's %d: nothing to check", g.ID, old.ID)
	}
	eventually(t, "ClickHouse's clock passes the completions", func() bool { return e.chNow().After(at) })
	e.pollOnce(p)
	e.pollOnce(p)
	if gs := decodeGoals(t, e.delivered(hook.ID)); len(gs) != 0 {
		t.Errorf("the new goal reported %+v, stamped before its first poll; want nothing", gs)
	}
	// And it counts what comes after.
	at = e.chNow()
	e.insert(goalEvents(pid, at, "Signup", "/", 10, 2)...)
	e.pollPast(p, at)
	if got := completions(decodeGoals(t, e.delivered(hook.ID)), "Signup"); got != 2 {
		t.Errorf("the new goal reported %d completions after its first poll; want 2", got)
	}
}

// What the poller keeps of its goals between polls is what the store holds
// after each commit, through baselines, late completions, a closed
// bucket's recount and its prune, and a goal no webhook takes any more.
func TestGoalMemoryMatchesStore(t *testing.T) {
	e := newEnv(t)
	const pid = 42
	site := e.site("kept.example", pid)
	g := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	e.goal(&core.Goal{SiteID: site.ID, PagePath: "/blog/*"})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	cfg := e.config(e.src)
	cfg.LateHorizon = core.DefaultLateHorizon
	p := poll.New(cfg)
	now := e.chNow()
	open := core.BucketStart(now.Add(-2 * time.Minute))
	since := open.Add(-3 * time.Minute)
	// A closed bucket reported long ago, which the recount prunes.
	e.seed(core.PollCommit{Goals: map[int64]core.GoalState{g.ID: {Open: open, Recount: since}},
		Reported: map[core.BucketKey]uint64{{GoalID: g.ID, Start: since.Add(core.GoalBucket).Unix()}: 1}})
	e.insert(goalEvents(pid, since.Add(5*time.Second), "Signup", "/", 20, 3)...)
	e.insert(goalEvents(pid, now.Add(-90*time.Second), "Signup", "/", 1, 2)...)
	e.insert(goalEvents(pid, now.Add(-30*time.Second), "pageview", "/blog/a", 5, 2)...)
	check := func(when string) {
		t.Helper()
		states, reported := poll.KeptGoals(p)
		stored, err := e.stores.triggers.ReportedBuckets(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(reported, stored) {
			t.Errorf("%s: kept buckets %v; the store holds %v", when, reported, stored)
		}
		want := e.goalStates()
		if len(states) != len(want) {
			t.Errorf("%s: kept states %v; the store holds %v", when, states, want)
		}
		for id, st := range want {
			if got := states[id]; !got.Open.Equal(st.Open) || !got.Recount.Equal(st.Recount) {
				t.Errorf("%s: kept state of goal %d %+v; the store holds %+v", when, id, got, st)
			}
		}
	}
	for i := range 3 {
		e.pollOnce(p)
		check(fmt.Sprint("poll ", i+1))
	}
	if e.status().LateEvents != 3 || len(e.delivered(hook.ID)) == 0 {
		t.Fatalf("late events %d, %d deliveries; want 3 late and the in-horizon completions sent", e.status().LateEvents, len(e.delivered(hook.ID)))
	}
	// The webhook stops taking goals: the poller forgets them.
	events, threshold := []core.EventType{core.EventDrop}, 1
	if _, err := e.stores.hooks.UpdateWebhook(e.ctx, hook.ID, core.WebhookUpdate{Events: &events, DropThreshold: &threshold}); err != nil {
		t.Fatal(err)
	}
	e.insert(goalEvents(pid, e.chNow(), "pageview", "/blog/b", 30, 1)...)
	e.pollOnce(p)
	check("after the goals were dropped")
	if states, _ := poll.KeptGoals(p); len(states) != 0 {
		t.Errorf("states %v kept for goals no webhook takes", states)
	}
}

// A poller stopped for longer than the lease (a laptop asleep, SIGSTOP)
// may come back after another process took over and sent what it had not:
// it must read the store again, not report those completions a second time
// from what it kept.
func TestGoalMemoryAfterAGap(t *testing.T) {
	e := newEnv(t)
	const pid = 43
	site := e.site("gap.example", pid)
	e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	var asleep atomic.Int64 // how long the first poller has been stopped
	cfg := e.config(e.src)
	cfg.Now = func() time.Time { return time.Now().Add(time.Duration(asleep.Load())) }
	first := poll.New(cfg)
	e.pollOnce(first)

	// While it is stopped, a second poller takes over and sends 1 and then
	// 2, in two buckets: two deliveries whose spans differ from the one
	// delivery the first would make of both.
	second := e.poller()
	e.pollOnce(second)
	at := e.chNow()
	e.insert(goalEvents(pid, at, "Signup", "/", 1, 1)...)
	e.pollPast(second, at)
	next := core.BucketStart(at).Add(core.GoalBucket)
	eventually(t, "ClickHouse's clock reaches the next bucket", func() bool { return !e.chNow().Before(next) })
	at = e.chNow()
	e.insert(goalEvents(pid, at, "Signup", "/", 2, 2)...)
	e.pollPast(second, at)
	if got := completions(decodeGoals(t, e.delivered(hook.ID)), "Signup"); got != 3 {
		t.Fatalf("the second poller sent %d completions; want 3", got)
	}

	// The first comes back, polls once more before it finds its lease
	// gone, and sends nothing the second already did.
	asleep.Store(int64(time.Minute))
	e.pollOnce(first)
	if got := completions(decodeGoals(t, e.delivered(hook.ID)), "Signup"); got != 3 {
		t.Errorf("after the first poller came back, %d completions were sent in all; want 3", got)
	}
}
