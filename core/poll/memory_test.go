package poll_test

import (
	"testing"

	"github.com/hookwatch/hookwatch/core"
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
