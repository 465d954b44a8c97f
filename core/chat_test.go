package core_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var chatAt = time.Date(2026, 11, 23, 19, 40, 0, 0, time.UTC)

func TestRenderChat(t *testing.T) {
	spike := &core.Event{Type: core.EventSpike, Timestamp: chatAt, Data: core.SpikeData{
		Site: "example.com", SiteID: 1, CurrentVisitors: 312, Threshold: 200, Window: "5m",
		TopSources: []core.SourceRow{{Source: "Google", Visitors: 90}, {Source: "Direct / None", Visitors: 40}},
		TopPages:   []core.PageRow{{Page: "/launch", Visitors: 120}},
	}}
	goal := &core.Event{Type: core.EventGoal, Timestamp: chatAt, Data: core.GoalData{
		Site: "example.com", SiteID: 1, Goal: core.GoalRef{Name: "Signup", Kind: core.GoalEvent},
		Completions: 1, UniqueVisitors: 1, PeriodStart: chatAt.Add(-10 * time.Second), PeriodEnd: chatAt,
	}}
	for _, tc := range []struct {
		name   string
		format core.Format
		event  *core.Event
		want   string
	}{
		{"slack spike has text, a bold section, fields and context", core.FormatSlack, spike, `{
			"text": "example.com: 312 current visitors (threshold 200)",
			"blocks": [
				{"type": "section", "text": {"type": "mrkdwn", "text": "*example.com: 312 current visitors (threshold 200)*"}},
				{"type": "section", "fields": [
					{"type": "mrkdwn", "text": "*Top sources*\nGoogle (90), Direct / None (40)"},
					{"type": "mrkdwn", "text": "*Top pages*\n/launch (120)"}]},
				{"type": "context", "elements": [{"type": "mrkdwn", "text": "traffic.spike · 2026-11-23T19:40:00Z · hookwatch"}]}
			]}`},
		{"discord goal has content and one embed", core.FormatDiscord, goal, `{
			"content": "example.com: goal Signup completed 1 time by 1 visitors",
			"embeds": [{
				"title": "example.com: goal Signup completed 1 time by 1 visitors",
				"color": 3187820,
				"fields": [{"name": "Period", "value": "2026-11-23 19:39:50 – 19:40:00 UTC", "inline": true}],
				"timestamp": "2026-11-23T19:40:00Z",
				"footer": {"text": "hookwatch · goal.completed"}}]}`},
		{"standard is the signed envelope", core.FormatStandard, goal, `{
			"type": "goal.completed", "timestamp": "2026-11-23T19:40:00Z",
			"data": {"site": "example.com", "site_id": 1, "goal": {"name": "Signup", "kind": "event"},
				"completions": 1, "unique_visitors": 1,
				"period_start": "2026-11-23T19:39:50Z", "period_end": "2026-11-23T19:40:00Z"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := core.Render(&core.Webhook{Format: tc.format}, tc.event)
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestSummarizeEscapesSlackMarkup(t *testing.T) {
	t.Run("escapes angle brackets so a page path cannot inject a link", func(t *testing.T) {
		e := &core.Event{Type: core.EventGoal, Timestamp: chatAt, Data: core.GoalData{Site: "a.example", Goal: core.GoalRef{Name: "<!channel>", Kind: core.GoalEvent}, Completions: 2}}
		body, _ := core.Render(&core.Webhook{Format: core.FormatSlack}, e)
		var m struct {
			Blocks []struct {
				Text struct{ Text string } `json:"text"`
			} `json:"blocks"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if got := m.Blocks[0].Text.Text; got != "*a.example: goal &lt;!channel&gt; completed 2 times by 0 visitors*" {
			t.Errorf("got %q", got)
		}
	})
}
