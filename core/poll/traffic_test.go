package poll_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
)

func spikeData(t *testing.T, d *core.Delivery) core.SpikeData {
	t.Helper()
	var env struct {
		Data core.SpikeData `json:"data"`
	}
	if err := json.Unmarshal(d.Payload, &env); err != nil {
		t.Fatal(err)
	}
	return env.Data
}

func dropData(t *testing.T, d *core.Delivery) core.DropData {
	t.Helper()
	var env struct {
		Data core.DropData `json:"data"`
	}
	if err := json.Unmarshal(d.Payload, &env); err != nil {
		t.Fatal(err)
	}
	return env.Data
}

func TestSpike(t *testing.T) {
	e := newEnv(t)
	const pid = 21
	site := e.site("spike.example", pid)
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventSpike},
		SpikeThreshold: 5, SendResolved: true, Cooldown: time.Hour})
	p := e.poller()

	// A quiet start: below the threshold.
	now := e.chNow()
	e.insert(pageviews(pid, now.Add(-time.Minute), "/", "", 1, 2)...)
	e.pollOnce(p)
	t.Run("stays quiet below the threshold", func(t *testing.T) {
		if ds := e.delivered(hook.ID); len(ds) != 0 {
			t.Fatalf("%d deliveries below the threshold; want 0", len(ds))
		}
	})

	// The burst: 2 + 4 visitors on /launch (from Google) ≥ 5. Engagement
	// events of other users and visitors older than 5 minutes don't count.
	e.insert(pageviews(pid, now.Add(-30*time.Second), "/launch", "Google", 10, 4)...)
	e.insert(goalEvents(pid, now.Add(-10*time.Second), "engagement", "/launch", 30, 5)...)
	e.insert(pageviews(pid, now.Add(-20*time.Minute), "/old", "Bing", 40, 5)...)
	for range 3 {
		e.pollOnce(p)
	}
	t.Run("fires exactly one spike while the burst lasts", func(t *testing.T) {
		ds := e.delivered(hook.ID)
		if len(ds) != 1 || ds[0].EventType != core.EventSpike {
			t.Fatalf("deliveries = %d (%v); want exactly one traffic.spike", len(ds), types(ds))
		}
		d := spikeData(t, ds[0])
		if d.Site != "spike.example" || d.SiteID != pid || d.CurrentVisitors != 6 || d.Threshold != 5 || d.Window != "5m" {
			t.Errorf("spike data = %+v; want spike.example, site_id %d, 6 visitors, threshold 5, window 5m", d, pid)
		}
		if len(d.TopSources) == 0 || d.TopSources[0] != (core.SourceRow{Source: "Google", Visitors: 4}) || len(d.TopSources) > 3 {
			t.Errorf("top sources = %+v; want Google with 4 first, at most 3", d.TopSources)
		}
		if len(d.TopSources) < 2 || d.TopSources[1] != (core.SourceRow{Source: "Direct / None", Visitors: 2}) {
			t.Errorf("top sources = %+v; want Direct / None with 2 second", d.TopSources)
		}
		if len(d.TopPages) == 0 || d.TopPages[0] != (core.PageRow{Page: "/launch", Visitors: 4}) || len(d.TopPages) > 3 {
			t.Errorf("top pages = %+v; want /launch with 4 first, at most 3", d.TopPages)
		}
	})

	e.truncate()
	e.pollOnce(p)
	e.pollOnce(p)
	t.Run("sends exactly one resolved when the burst clears", func(t *testing.T) {
		ds := ofType(e.delivered(hook.ID), core.EventSpikeResolved)
		if len(ds) != 1 {
			t.Fatalf("%d traffic.spike.resolved; want 1", len(ds))
		}
		if d := spikeData(t, ds[0]); d.CurrentVisitors != 0 || d.Threshold != 5 || len(d.TopSources) != 0 {
			t.Errorf("resolved data = %+v; want 0 visitors, threshold 5, no top sources", d)
		}
	})

	e.insert(pageviews(pid, e.chNow().Add(-10*time.Second), "/again", "", 100, 8)...)
	e.pollOnce(p)
	e.pollOnce(p)
	t.Run("holds back a second burst within the cooldown", func(t *testing.T) {
		ds := e.delivered(hook.ID)
		if n := len(ofType(ds, core.EventSpike)); n != 1 {
			t.Errorf("%d traffic.spike after a second burst within the 1 h cooldown; want 1", n)
		}
		if len(ds) != 2 {
			t.Errorf("deliveries = %v; want spike and resolved only", types(ds))
		}
	})
	t.Run("records the traffic with the fired alert", func(t *testing.T) {
		smp, err := e.stores.triggers.TrafficSamples(e.ctx, site.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		fired := 0
		for _, s := range smp {
			for _, typ := range s.Fired {
				if typ == core.EventSpike {
					fired++
					if s.CurrentVisitors != 6 {
						t.Errorf("sample of the firing shows %d visitors; want 6", s.CurrentVisitors)
					}
				}
			}
		}
		if fired != 1 {
			t.Errorf("%d samples mark the spike; want 1 (samples %+v)", fired, smp)
		}
	})
}

func types(ds []*core.Delivery) []core.EventType {
	var out []core.EventType
	for _, d := range ds {
		out = append(out, d.EventType)
	}
	return out
}

func TestDrop(t *testing.T) {
	e := newEnv(t)
	const pid, quietPID = 41, 42
	site := e.site("drop.example", pid)
	quiet := e.site("quiet.example", quietPID)
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventDrop},
		DropThreshold: 5, SendResolved: true})
	quietHook := e.webhook(&core.Webhook{SiteID: quiet.ID, Events: []core.EventType{core.EventDrop}, DropThreshold: 1})
	now := e.chNow()
	e.insert(pageviews(pid, now.Add(-2*time.Hour), "/", "", 1, 1)...)
	e.insert(pageviews(pid, now.Add(-30*time.Minute), "/", "", 2, 1)...)
	e.insert(pageviews(pid, now.Add(-13*time.Hour), "/", "", 3, 10)...) // outside 12 h

	p := e.poller()
	for range 3 {
		e.pollOnce(p)
	}
	t.Run("fires exactly one drop below the threshold", func(t *testing.T) {
		ds := e.delivered(hook.ID)
		if len(ds) != 1 || ds[0].EventType != core.EventDrop {
			t.Fatalf("deliveries = %v; want exactly one traffic.drop", types(ds))
		}
		d := dropData(t, ds[0])
		want := core.DropData{Site: "drop.example", SiteID: pid, Visitors: 2, Threshold: 5, Window: "12h"}
		if d != want {
			t.Errorf("drop data = %+v; want %+v", d, want)
		}
	})
	t.Run("treats a site without events as zero visitors", func(t *testing.T) {
		ds := e.delivered(quietHook.ID)
		if len(ds) != 1 || dropData(t, ds[0]).Visitors != 0 {
			t.Fatalf("quiet site deliveries = %v; want one traffic.drop with 0 visitors", types(ds))
		}
	})

	e.insert(pageviews(pid, now.Add(-10*time.Minute), "/", "", 100, 4)...)
	e.pollOnce(p)
	e.pollOnce(p)
	t.Run("sends exactly one resolved when visitors recover", func(t *testing.T) {
		ds := ofType(e.delivered(hook.ID), core.EventDropResolved)
		if len(ds) != 1 {
			t.Fatalf("%d traffic.drop.resolved; want 1", len(ds))
		}
		if d := dropData(t, ds[0]); d.Visitors != 6 {
			t.Errorf("resolved visitors = %d; want 6", d.Visitors)
		}
	})
}

// The 12 h count runs every DropEvery, but a drop webhook added since the
// last count is checked at the next poll.
func TestDropCheckCadence(t *testing.T) {
	e := newEnv(t)
	site := e.site("cadence.example", 45)
	cfg := e.config(e.src)
	cfg.DropEvery = time.Hour
	p := poll.New(cfg)
	first := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventDrop}, DropThreshold: 3})
	e.pollOnce(p)
	if n := len(e.delivered(first.ID)); n != 1 {
		t.Fatalf("first poll: %d deliveries; want the drop", n)
	}
	e.pollOnce(p)
	late := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventDrop}, DropThreshold: 3})
	e.pollOnce(p)
	t.Run("checks a new drop webhook before DropEvery passes", func(t *testing.T) {
		if n := len(e.delivered(late.ID)); n != 1 {
			t.Errorf("webhook added later: %d deliveries; want its drop at the next poll", n)
		}
		if n := len(e.delivered(first.ID)); n != 1 {
			t.Errorf("first webhook: %d deliveries; want still 1", n)
		}
	})
}

func TestFanOut(t *testing.T) {
	e := newEnv(t)
	const pid, otherPID = 31, 32
	site := e.site("fan.example", pid)
	other := e.site("other.example", otherPID)
	signup := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	e.goal(&core.Goal{SiteID: site.ID, PagePath: "/pricing"})
	e.goal(&core.Goal{SiteID: other.ID, EventName: "Signup"})

	low := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventSpike}, SpikeThreshold: 3})
	high := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventSpike}, SpikeThreshold: 10})
	onlySignup := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}, Goals: []string{"Signup"}})
	allGoals := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal, core.EventSpike}, SpikeThreshold: 100})
	disabled := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal, core.EventSpike}, SpikeThreshold: 1})
	if _, err := e.stores.hooks.SetWebhookEnabled(e.ctx, disabled.ID, false, "test"); err != nil {
		t.Fatal(err)
	}
	otherHook := e.webhook(&core.Webhook{SiteID: other.ID, Events: []core.EventType{core.EventGoal, core.EventSpike}, SpikeThreshold: 100})

	p := e.poller()
	now := e.chNow()
	e.insert(pageviews(pid, now.Add(-30*time.Second), "/", "", 1, 5)...)
	e.pollOnce(p)
	start := e.watermarks()[signup.ID]
	e.insert(goalEvents(pid, start, "Signup", "/", 10, 2)...)
	e.insert(goalEvents(pid, start, "pageview", "/pricing", 20, 1)...)
	e.insert(goalEvents(otherPID, start, "Signup", "/", 30, 4)...)
	e.pollPast(p, start)

	t.Run("decides the spike per webhook threshold", func(t *testing.T) {
		if ds := e.delivered(low.ID); len(ds) != 1 || ds[0].EventType != core.EventSpike {
			t.Errorf("threshold 3 webhook got %v; want one traffic.spike", types(ds))
		}
		if ds := e.delivered(high.ID); len(ds) != 0 {
			t.Errorf("threshold 10 webhook got %v; want nothing for 5 visitors", types(ds))
		}
	})
	t.Run("respects the goal filter", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(onlySignup.ID))
		if completions(gs, "Signup") != 2 || completions(gs, "/pricing") != 0 {
			t.Errorf("Signup-only webhook got %+v; want 2 Signup completions and no /pricing", gs)
		}
		if n := len(ofType(e.delivered(onlySignup.ID), core.EventSpike)); n != 0 {
			t.Errorf("goal-only webhook got %d spikes", n)
		}
	})
	t.Run("sends every goal to a webhook without a filter", func(t *testing.T) {
		ds := e.delivered(allGoals.ID)
		gs := decodeGoals(t, ds)
		if completions(gs, "Signup") != 2 || completions(gs, "/pricing") != 1 {
			t.Errorf("unfiltered webhook got %+v; want 2 Signup and 1 /pricing", gs)
		}
		if n := len(ofType(ds, core.EventSpike)); n != 0 {
			t.Errorf("threshold 100 webhook got %d spikes", n)
		}
	})
	t.Run("sends nothing to a disabled webhook", func(t *testing.T) {
		if ds := e.delivered(disabled.ID); len(ds) != 0 {
			t.Errorf("disabled webhook got %v", types(ds))
		}
	})
	t.Run("keeps sites apart", func(t *testing.T) {
		ds := e.delivered(otherHook.ID)
		gs := decodeGoals(t, ds)
		if completions(gs, "Signup") != 4 || len(ofType(ds, core.EventSpike)) != 0 {
			t.Errorf("other site's webhook got %v with %+v; want its own 4 Signups and no spike", types(ds), gs)
		}
	})
}
