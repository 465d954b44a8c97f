package core_test

import (
	"bytes"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

func TestFanOut(t *testing.T) {
	goal := &core.Goal{ID: 7, SiteID: 1, Kind: core.GoalEvent, EventName: "Signup"}
	e := &core.Event{Type: core.EventGoal, Key: "goal:7:1", SiteID: 1, Timestamp: chatAt, Data: core.GoalData{
		Site: "example.com", SiteID: 11, Goal: core.GoalRef{Name: "Signup", Kind: core.GoalEvent},
		Completions: 2, UniqueVisitors: 1, PeriodStart: chatAt, PeriodEnd: chatAt,
	}}
	goals := []core.EventType{core.EventGoal}
	hooks := []*core.Webhook{
		{ID: 1, SiteID: 1, Enabled: true, Events: goals, Format: core.FormatSlack},
		{ID: 2, SiteID: 1, Enabled: false, Events: goals},
		{ID: 3, SiteID: 2, Enabled: true, Events: goals},
		{ID: 4, SiteID: 1, Enabled: true, Events: []core.EventType{core.EventSpike}},
		{ID: 5, SiteID: 1, Enabled: true, Events: goals, Goals: []string{"/pricing"}},
		{ID: 6, SiteID: 1, Enabled: true, Events: goals, Goals: []string{"Signup"}},
	}
	ds, err := core.FanOut(e, goal, hooks)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, d := range ds {
		ids = append(ids, d.WebhookID)
	}
	if len(ids) != 2 || ids[0] != 1 || ids[1] != 6 {
		t.Fatalf("deliveries to webhooks %v; want [1 6]: enabled, of the site, subscribed, goal filter passing", ids)
	}
	for i, d := range ds {
		want, err := core.Render(hooks[[]int{0, 5}[i]], e)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(d.Payload, want) || d.EventKey != e.Key || d.EventType != e.Type {
			t.Errorf("delivery to webhook %d = %s %s %s; want the event's key and type and its format's body %s",
				d.WebhookID, d.EventKey, d.EventType, d.Payload, want)
		}
	}
	t.Run("without a goal the goal filter does not apply", func(t *testing.T) {
		ds, err := core.FanOut(e, nil, hooks[4:5])
		if err != nil || len(ds) != 1 {
			t.Errorf("FanOut without goal = %d deliveries, %v; want 1", len(ds), err)
		}
	})
}
