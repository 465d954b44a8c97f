package poll_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
)

// checkWindows fails unless every goal.completed spans whole buckets, and
// no two of a goal's carry the same span and count, which is what would
// happen if a commit were repeated: revisable buckets report a span again
// whenever it gains, so spans may overlap, but each report adds.
func checkWindows(t *testing.T, gs []goalData) {
	t.Helper()
	seen := map[string]bool{}
	for _, g := range gs {
		if !g.PeriodStart.Before(g.PeriodEnd) || !core.BucketStart(g.PeriodStart).Equal(g.PeriodStart) ||
			!core.BucketStart(g.PeriodEnd).Equal(g.PeriodEnd) {
			t.Errorf("goal %s: period %v–%v is not a run of whole buckets", g.Goal.Name, g.PeriodStart, g.PeriodEnd)
		}
		if g.UniqueVisitors == 0 || g.Completions == 0 {
			t.Errorf("goal %s: %d completions by %d visitors", g.Goal.Name, g.Completions, g.UniqueVisitors)
		}
		k := fmt.Sprint(g.Goal.Name, g.PeriodStart, g.PeriodEnd, g.Completions, g.UniqueVisitors)
		if seen[k] {
			t.Errorf("goal %s: the same report twice: %+v", g.Goal.Name, g)
		}
		seen[k] = true
	}
}

func TestGoalCompletions(t *testing.T) {
	e := newEnv(t)
	const pid = 11
	site := e.site("example.com", pid)
	other := e.site("other.example", 12)
	t0 := e.chNow()
	// Completions from before the goals existed, which must never be
	// reported.
	e.insert(goalEvents(pid, t0.Add(-20*time.Minute), "Signup", "/", 1, 4)...)
	e.insert(goalEvents(pid, t0.Add(-2*time.Second), "Signup", "/", 10, 3)...)
	e.insert(goalEvents(pid, t0.Add(-5*time.Minute), "pageview", "/blog/old", 20, 3)...)

	signup := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	blog := e.goal(&core.Goal{SiteID: site.ID, PagePath: "/blog/*"})
	otherSignup := e.goal(&core.Goal{SiteID: other.ID, EventName: "Signup"})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	e.webhook(&core.Webhook{SiteID: other.ID, Events: []core.EventType{core.EventGoal}})
	all := []*core.Goal{signup, blog, otherSignup}

	p := e.poller()
	e.pollOnce(p)
	wm := e.watermarks()
	t.Run("starts watching new goals without reporting the past", func(t *testing.T) {
		if n := len(e.delivered(hook.ID)); n != 0 {
			t.Fatalf("first poll queued %d deliveries; want 0", n)
		}
		for _, g := range all {
			if wm[g.ID].IsZero() {
				t.Fatalf("goal %s has no watermark after the first poll", g.Name())
			}
		}
	})

	// New completions from the first open bucket on, over several seconds, with
	// noise that must not count: other pages, an engagement event on a
	// goal page, and another site's events.
	start := wm[signup.ID]
	var last time.Time
	for i := range 3 {
		at := start.Add(time.Duration(i) * time.Second)
		last = at
		e.insert(goalEvents(pid, at, "Signup", "/", 100+10*i, 2)...)
		e.insert(goalEvents(pid, at, "pageview", "/blog/a", 200+10*i, 1)...)
		e.insert(goalEvents(pid, at, "pageview", "/blog/b/c", 300+10*i, 1)...)
		e.insert(goalEvents(pid, at, "pageview", "/about", 400+10*i, 1)...)
		e.insert(goalEvents(pid, at, "pageview", "/blog", 500+10*i, 1)...)
		e.insert(goalEvents(pid, at, "engagement", "/blog/a", 200+10*i, 1)...)
		e.insert(goalEvents(12, at, "Purchase", "/", 600+10*i, 1)...)
	}
	e.pollPast(p, last)

	const wantSignup, wantBlog = 6, 6
	t.Run("reports exactly the completions inserted", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(hook.ID))
		if got := completions(gs, "Signup"); got != wantSignup {
			t.Errorf("Signup completions = %d; want %d", got, wantSignup)
		}
		if got := completions(gs, "/blog/*"); got != wantBlog {
			t.Errorf("/blog/* completions = %d; want %d: %+v", got, wantBlog, gs)
		}
		for _, g := range gs {
			if g.Site != "example.com" || g.SiteID != pid {
				t.Errorf("goal event names site %q (%d); want example.com (%d)", g.Site, g.SiteID, pid)
			}
			if g.PeriodStart.Before(start) {
				t.Errorf("window starts at %v, before the goal was first seen at %v", g.PeriodStart, start)
			}
			kind := core.GoalEvent
			if g.Goal.Name == "/blog/*" {
				kind = core.GoalPage
			}
			if g.Goal.Kind != kind {
				t.Errorf("goal %s has kind %q; want %q", g.Goal.Name, g.Goal.Kind, kind)
			}
		}
		checkWindows(t, gs)
	})
	t.Run("does not report another site's goal without completions", func(t *testing.T) {
		hooks, err := e.stores.hooks.FindWebhooks(e.ctx, core.WebhookFilter{SiteID: other.ID})
		if err != nil {
			t.Fatal(err)
		}
		if ds := e.delivered(hooks[0].ID); len(ds) != 0 {
			t.Errorf("other.example got %d deliveries; its Signup had no completions", len(ds))
		}
	})

	e.pollOnce(p)
	e.pollOnce(p)
	t.Run("does not count a window twice when polling again", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(hook.ID))
		if got := completions(gs, "Signup") + completions(gs, "/blog/*"); got != wantSignup+wantBlog {
			t.Errorf("completions after more polls = %d; want %d", got, wantSignup+wantBlog)
		}
	})
	if e.notified.Load() == 0 {
		t.Error("Notify was never called although deliveries were committed")
	}

	// Restart: a new database handle and a new Poller continue from the
	// stored buckets.
	e.restart()
	p = poll.New(e.config(e.src))
	resume := e.chNow()
	e.insert(goalEvents(pid, resume, "Signup", "/", 700, 3)...)
	e.insert(goalEvents(pid, resume.Add(-time.Second), "pageview", "/blog/z", 800, 2)...)
	e.pollPast(p, resume)
	e.pollOnce(p)
	t.Run("continues after a restart without gaps or doubles", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(hook.ID))
		if got := completions(gs, "Signup"); got != wantSignup+3 {
			t.Errorf("Signup completions = %d; want %d", got, wantSignup+3)
		}
		if got := completions(gs, "/blog/*"); got != wantBlog+2 {
			t.Errorf("/blog/* completions = %d; want %d", got, wantBlog+2)
		}
		checkWindows(t, gs)
	})
}

func TestGoalCatchUp(t *testing.T) {
	e := newEnv(t)
	const pid = 15
	site := e.site("catchup.example", pid)
	g := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})

	// As if hookwatch had been down for three hours.
	t0 := e.chNow()
	from := core.BucketStart(t0.Add(-3 * time.Hour))
	if err := e.stores.triggers.CommitPoll(e.ctx, core.PollCommit{Goals: map[int64]core.GoalState{g.ID: {Open: from, Recount: from}}}); err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{1, 2, 3} {
		e.insert(goalEvents(pid, from.Add(time.Duration(i)*time.Hour+30*time.Minute), "Signup", "/", 10*i, n)...)
	}
	cfg := e.config(e.src)
	cfg.MaxWindow = time.Hour
	p := poll.New(cfg)

	e.pollOnce(p)
	t.Run("counts at most MaxWindow in one poll", func(t *testing.T) {
		if got, want := e.watermarks()[g.ID], from.Add(time.Hour); !got.Equal(want) {
			t.Errorf("watermark after one poll = %v; want %v", got, want)
		}
		gs := decodeGoals(t, e.delivered(hook.ID))
		if len(gs) != 1 || gs[0].Completions != 1 {
			t.Fatalf("first catch-up poll reported %+v; want one window with 1 completion", gs)
		}
	})
	for range 3 {
		e.pollOnce(p)
	}
	t.Run("catches up in bounded windows to the present", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(hook.ID))
		var got []uint64
		for _, w := range gs {
			if w.PeriodEnd.Sub(w.PeriodStart) > time.Hour {
				t.Errorf("window %v–%v is longer than MaxWindow", w.PeriodStart, w.PeriodEnd)
			}
			got = append(got, w.Completions)
		}
		if !slices.Equal(got, []uint64{1, 2, 3}) {
			t.Errorf("completions per window = %v; want [1 2 3]", got)
		}
		checkWindows(t, gs)
		if wm := e.watermarks()[g.ID]; wm.Before(t0.Add(-time.Minute)) {
			t.Errorf("watermark %v did not reach the present (%v)", wm, t0)
		}
	})
}

func TestGoalWindowsMixed(t *testing.T) {
	e := newEnv(t)
	const pid = 16
	site := e.site("mixed.example", pid)
	behind := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	steady := e.goal(&core.Goal{SiteID: site.ID, PagePath: "/blog/*"})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})

	// One goal an hour behind, catching up in its own query; the other one
	// a minute behind, counted in the pass over the current visitors.
	t0 := e.chNow()
	goalStates := map[int64]core.GoalState{behind.ID: {Open: core.BucketStart(t0.Add(-time.Hour))}, steady.ID: {Open: core.BucketStart(t0.Add(-time.Minute))}}
	if err := e.stores.triggers.CommitPoll(e.ctx, core.PollCommit{Goals: goalStates}); err != nil {
		t.Fatal(err)
	}
	e.insert(goalEvents(pid, t0.Add(-30*time.Minute), "Signup", "/blog/a", 1, 2)...)
	e.insert(goalEvents(pid, t0.Add(-40*time.Minute), "Signup", "/blog/b", 10, 3)...)
	e.insert(goalEvents(pid, t0.Add(-30*time.Second), "pageview", "/blog/c", 20, 4)...)
	e.insert(goalEvents(pid, t0.Add(-2*time.Minute), "pageview", "/blog/d", 30, 5)...) // before the steady watermark
	// MaxWindow above the hour, so that the goal behind reaches the
	// present in this poll however late after t0 it runs.
	cfg := e.config(e.src)
	cfg.MaxWindow = 2 * time.Hour
	e.pollOnce(poll.New(cfg))

	t.Run("counts both windows in one poll exactly", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(hook.ID))
		if got := completions(gs, "Signup"); got != 5 {
			t.Errorf("Signup completions = %d; want 5", got)
		}
		if got := completions(gs, "/blog/*"); got != 4 {
			t.Errorf("/blog/* completions = %d; want 4", got)
		}
		for _, g := range gs {
			if g.UniqueVisitors != g.Completions {
				t.Errorf("%s: %d unique visitors of %d completions; want one each", g.Goal.Name, g.UniqueVisitors, g.Completions)
			}
		}
		checkWindows(t, gs)
	})
	t.Run("moves both watermarks to the same end", func(t *testing.T) {
		wm := e.watermarks()
		if !wm[behind.ID].Equal(wm[steady.ID]) || !wm[steady.ID].After(t0.Add(-time.Minute)) {
			t.Errorf("watermarks %v and %v; want the same, after %v", wm[behind.ID], wm[steady.ID], t0.Add(-time.Minute))
		}
	})
}
