package poll_test

import (
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
)

// TestGoalLateCompletions inserts completions stamped well before they
// reach ClickHouse, as after a slow flush on Plausible's side.
func TestGoalLateCompletions(t *testing.T) {
	e := newEnv(t)
	const pid = 71
	site := e.site("late.example", pid)
	g := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	cfg := e.config(e.src)
	cfg.LateHorizon = core.DefaultLateHorizon
	p := poll.New(cfg)

	// Watched for five minutes already: its buckets from two minutes back
	// are open, the three minutes before them closed and not recounted
	// yet. Completions stamped five minutes ago arrive now, long after
	// their bucket closed.
	now := e.chNow()
	open := core.BucketStart(now.Add(-2 * time.Minute))
	since := open.Add(-3 * time.Minute)
	e.seed(core.PollCommit{Goals: map[int64]core.GoalState{g.ID: {Open: open, Recount: since}}})
	e.insert(goalEvents(pid, since.Add(5*time.Second), "Signup", "/", 20, 3)...)
	e.pollOnce(p)
	t.Run("counts completions that came after their bucket closed in late_events", func(t *testing.T) {
		if got := e.status().LateEvents; got != 3 {
			t.Errorf("late events = %d; want 3", got)
		}
		if ds := e.delivered(hook.ID); len(ds) != 0 {
			t.Errorf("deliveries %v; want none: late completions are never sent", types(ds))
		}
		st := e.goalStates()[g.ID]
		if !st.Recount.After(since.Add(5 * time.Second)) {
			t.Errorf("recount mark %v did not move past the recounted bucket", st.Recount)
		}
		buckets, err := e.stores.triggers.ReportedBuckets(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k := range buckets {
			if k.Start < st.Recount.Unix() {
				t.Errorf("bucket %v kept after its last recount (mark %v)", time.Unix(k.Start, 0).UTC(), st.Recount)
			}
		}
	})

	// 90 s and 30 s late, inside the horizon: sent, in one message.
	at := e.chNow()
	e.insert(goalEvents(pid, at.Add(-90*time.Second), "Signup", "/", 1, 2)...)
	e.insert(goalEvents(pid, at.Add(-30*time.Second), "Signup", "/", 2, 2)...) // user 2 twice
	e.pollOnce(p)
	e.pollOnce(p)
	t.Run("sends completions late within the horizon once, in one message", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(hook.ID))
		if len(gs) != 1 || gs[0].Completions != 4 || gs[0].UniqueVisitors != 3 {
			t.Fatalf("deliveries %+v; want one of 4 completions by 3 visitors", gs)
		}
		start, end := core.BucketStart(at.Add(-90*time.Second)), core.BucketStart(at.Add(-30*time.Second)).Add(core.GoalBucket)
		if !gs[0].PeriodStart.Equal(start) || !gs[0].PeriodEnd.Equal(end) {
			t.Errorf("period %v–%v; want the buckets that grew, %v–%v", gs[0].PeriodStart, gs[0].PeriodEnd, start, end)
		}
	})

	// One more in a bucket already reported: its message spans that
	// bucket, and its unique visitors are all of the bucket's.
	e.insert(goalEvents(pid, at.Add(-90*time.Second), "Signup", "/", 9, 1)...)
	e.pollOnce(p)
	t.Run("reports a bucket's gain with the unique visitors of the whole bucket", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(hook.ID))
		if len(gs) != 2 || gs[1].Completions != 1 || gs[1].UniqueVisitors != 3 ||
			!gs[1].PeriodStart.Equal(core.BucketStart(at.Add(-90*time.Second))) {
			t.Fatalf("deliveries %+v; want a second of 1 completion over the bucket's 3 visitors", gs)
		}
		checkWindows(t, gs)
	})

	e.pollOnce(p)
	t.Run("recounts a closed bucket once", func(t *testing.T) {
		if got := e.status().LateEvents; got != 3 {
			t.Errorf("late events = %d; want still 3", got)
		}
	})
}
