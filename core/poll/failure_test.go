package poll_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
)

func TestClickHouseFailure(t *testing.T) {
	e := newEnv(t)
	const pid = 51
	site := e.site("fail.example", pid)
	spike := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventSpike, core.EventDrop},
		SpikeThreshold: 3, DropThreshold: 2, SendResolved: true})
	// Goals on another site, so that their events are not site 51's traffic.
	goalSite := e.site("goals.example", 52)
	signup := e.goal(&core.Goal{SiteID: goalSite.ID, EventName: "Signup"})
	goalHook := e.webhook(&core.Webhook{SiteID: goalSite.ID, Events: []core.EventType{core.EventGoal}})

	px := startProxy(t, e.ch.TCPAddr())
	p := poll.New(e.config(e.source("clickhouse://" + px.addr + "/" + e.chdb + "?dial_timeout=2s")))
	e.insert(pageviews(pid, e.chNow().Add(-30*time.Second), "/", "", 1, 4)...)
	e.pollOnce(p)
	if ds := e.delivered(spike.ID); len(ds) != 1 {
		t.Fatalf("setup: deliveries %v; want the spike", types(ds))
	}
	ok := e.status()
	states, wms := e.alertStates(), e.watermarks()
	queued := len(e.delivered(spike.ID)) + len(e.delivered(goalHook.ID))
	notified := e.notified.Load()

	// The server answers but the table is gone: now() works, the counts
	// fail. A failed count is not zero visitors.
	rename := func(from, to string) {
		t.Helper()
		if err := e.ch.Exec("RENAME TABLE " + e.chdb + "." + from + " TO " + e.chdb + "." + to); err != nil {
			t.Fatal(err)
		}
	}
	rename("events_v2", "events_v2_away")
	qerr := p.PollOnce(e.ctx)
	rename("events_v2_away", "events_v2")
	t.Run("treats a failed count as unknown, not zero", func(t *testing.T) {
		if qerr == nil || !poll.IsSourceError(qerr) {
			t.Fatalf("PollOnce without events_v2 = %v; want a source error", qerr)
		}
		if got := e.alertStates(); !sameStates(got, states) {
			t.Errorf("alert states changed: %+v; were %+v", got, states)
		}
		if n := len(e.delivered(spike.ID)); n != 1 {
			t.Errorf("%d alert deliveries; want still the one spike", n)
		}
	})

	// Traffic stops while ClickHouse is unreachable: a poll that took the
	// failure for zero visitors would resolve the spike and fire the drop.
	px.down()
	e.truncate()
	e.insert(goalEvents(52, wms[signup.ID], "Signup", "/", 100, 3)...)
	var errs []error
	var sts []core.PollStatus
	for range 2 {
		errs = append(errs, p.PollOnce(e.ctx))
		sts = append(sts, e.status())
	}
	t.Run("returns a ClickHouse error", func(t *testing.T) {
		for _, err := range errs {
			if err == nil || !poll.IsSourceError(err) {
				t.Fatalf("PollOnce with ClickHouse down = %v; want a source error", err)
			}
		}
	})
	t.Run("saves a failing status", func(t *testing.T) {
		for _, st := range sts {
			if st.ClickHouseOK || st.ClickHouseError == "" {
				t.Errorf("status = %+v; want ClickHouse failing with its error", st)
			}
		}
		if sts[0].ClickHouseSince.Before(ok.LastPollAt) {
			t.Errorf("failing since %v, before the last good poll at %v", sts[0].ClickHouseSince, ok.LastPollAt)
		}
		if !sts[1].ClickHouseSince.Equal(sts[0].ClickHouseSince) {
			t.Errorf("second failure moved failing-since from %v to %v; want it kept", sts[0].ClickHouseSince, sts[1].ClickHouseSince)
		}
	})
	t.Run("changes no trigger state", func(t *testing.T) {
		if got := e.alertStates(); !sameStates(got, states) {
			t.Errorf("alert states changed: %+v; were %+v", got, states)
		}
		if got := e.watermarks(); !got[signup.ID].Equal(wms[signup.ID]) {
			t.Errorf("watermark moved from %v to %v", wms[signup.ID], got[signup.ID])
		}
	})
	t.Run("enqueues nothing", func(t *testing.T) {
		if n := len(e.delivered(spike.ID)) + len(e.delivered(goalHook.ID)); n != queued {
			t.Errorf("%d deliveries; want still %d", n, queued)
		}
		if e.notified.Load() != notified {
			t.Error("Notify called by a failed poll")
		}
	})

	// A server that accepts connections but never answers fails the poll
	// by its deadline, with the same effect.
	px.mu.Lock()
	px.hang = true
	px.mu.Unlock()
	if err := px.up(); err != nil {
		t.Fatal(err)
	}
	hctx, cancel := context.WithTimeout(e.ctx, time.Second)
	herr := p.PollOnce(hctx)
	cancel()
	t.Run("counts a hanging server as failing", func(t *testing.T) {
		if herr == nil || !poll.IsSourceError(herr) {
			t.Fatalf("PollOnce against a hanging server = %v; want a source error", herr)
		}
		st := e.status()
		if st.ClickHouseOK || !st.ClickHouseSince.Equal(sts[0].ClickHouseSince) {
			t.Errorf("status = %+v; want still failing since %v", st, sts[0].ClickHouseSince)
		}
		if got := e.alertStates(); !sameStates(got, states) {
			t.Errorf("alert states changed: %+v; were %+v", got, states)
		}
	})

	failing := sts[1]
	px.down()
	px.mu.Lock()
	px.hang = false
	px.mu.Unlock()
	if err := px.up(); err != nil {
		t.Fatal(err)
	}
	e.pollPast(p, wms[signup.ID])
	t.Run("recovers when ClickHouse returns", func(t *testing.T) {
		st := e.status()
		if !st.ClickHouseOK || st.ClickHouseError != "" || st.ClickHouseSince.Before(failing.ClickHouseSince) {
			t.Errorf("status after recovery = %+v; want ok since the recovery", st)
		}
		if st.ServerVersion == "" {
			t.Error("status after recovery has no server version")
		}
	})
	t.Run("decides on the real counts after recovery", func(t *testing.T) {
		ds := e.delivered(spike.ID)
		want := []core.EventType{core.EventSpike, core.EventSpikeResolved, core.EventDrop}
		if got := types(ds); !sameTypes(got, want) {
			t.Errorf("alert deliveries = %v; want %v", got, want)
		}
	})
	t.Run("counts the goal window missed while down", func(t *testing.T) {
		if got := completions(decodeGoals(t, e.delivered(goalHook.ID)), "Signup"); got != 3 {
			t.Errorf("Signup completions = %d; want 3", got)
		}
	})
}

func sameStates(a, b map[core.AlertKey]core.AlertState) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Firing != w.Firing || !v.LastFired.Equal(w.LastFired) {
			return false
		}
	}
	return true
}

func sameTypes(a, b []core.EventType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Run polls on its schedule, backs off while ClickHouse is unreachable and
// recovers by itself.
func TestRun(t *testing.T) {
	e := newEnv(t)
	const pid = 61
	site := e.site("run.example", pid)
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventSpike}, SpikeThreshold: 2})
	px := startProxy(t, e.ch.TCPAddr())
	cfg := e.config(e.source("clickhouse://" + px.addr + "/" + e.chdb + "?dial_timeout=2s"))
	cfg.Interval = 50 * time.Millisecond
	var mu sync.Mutex
	var statuses []core.PollStatus
	cfg.OnPoll = func(st core.PollStatus) {
		mu.Lock()
		statuses = append(statuses, st)
		mu.Unlock()
	}
	last := func() (core.PollStatus, int) {
		mu.Lock()
		defer mu.Unlock()
		if len(statuses) == 0 {
			return core.PollStatus{}, 0
		}
		return statuses[len(statuses)-1], len(statuses)
	}
	p := poll.New(cfg)
	e.insert(pageviews(pid, e.chNow().Add(-30*time.Second), "/", "", 1, 3)...)

	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	eventually(t, "the spike delivery", func() bool { return len(e.delivered(hook.ID)) == 1 })
	px.down()
	eventually(t, "a failing status", func() bool { st, _ := last(); return !st.ClickHouseOK })
	_, failedAt := last()
	if err := px.up(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "recovery", func() bool { st, n := last(); return st.ClickHouseOK && n > failedAt })
	t.Run("recovers by itself", func(t *testing.T) {
		if st := e.status(); !st.ClickHouseOK {
			t.Errorf("stored status %+v; want ok", st)
		}
		if n := len(e.delivered(hook.ID)); n != 1 {
			t.Errorf("%d deliveries; want the one spike, not re-fired across the outage", n)
		}
	})
	cancel()
	t.Run("stops when its context ends", func(t *testing.T) {
		select {
		case err := <-done:
			done <- err // for Cleanup
			if err != nil {
				t.Errorf("Run = %v; want nil", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return within 20 s of cancel")
		}
	})
}
