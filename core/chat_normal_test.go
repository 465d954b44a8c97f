package core_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// Anomaly alerts say in words what is normal, at which hour of the week.
func TestSummarizeNormal(t *testing.T) {
	tue3 := time.Date(2026, 11, 24, 3, 7, 0, 0, time.UTC)
	normal := core.NewNormal(core.Band{Expected: 5.2, Spread: 2.28}, 4, core.SensitivityMedium)
	dropNormal := core.NewNormal(core.Band{Expected: 612, Spread: 24.7}, 4, core.SensitivityMedium)
	for _, tc := range []struct {
		typ   core.EventType
		data  any
		title string
	}{
		{core.EventSpike, core.SpikeData{Site: "demo.example", CurrentVisitors: 27, Threshold: 15, Window: "5m", Rule: core.RuleAnomaly, Normal: normal},
			"demo.example: 27 current visitors; about 5 are normal on Tuesdays at 03:00 UTC"},
		{core.EventSpikeResolved, core.SpikeData{Site: "demo.example", CurrentVisitors: 6, Rule: core.RuleAnomaly, Normal: normal},
			"demo.example: traffic is back to normal: 6 current visitors; about 5 are normal on Tuesdays at 03:00 UTC"},
		{core.EventDrop, core.DropData{Site: "demo.example", Visitors: 301, Window: "60m", Rule: core.RuleAnomaly, Normal: dropNormal},
			"demo.example: only 301 visitors in the last 60 min; about 612 are normal on Tuesdays at 03:00 UTC"},
		{core.EventDropResolved, core.DropData{Site: "demo.example", Visitors: 590, Window: "60m", Rule: core.RuleAnomaly, Normal: dropNormal},
			"demo.example: traffic has recovered: 590 visitors in the last 60 min; about 612 are normal on Tuesdays at 03:00 UTC"},
	} {
		e := &core.Event{Type: tc.typ, Timestamp: tue3, Data: tc.data}
		s := core.Summarize(e)
		if s.Title != tc.title {
			t.Errorf("%s: %q\nwant %q", tc.typ, s.Title, tc.title)
		}
		if tc.typ == core.EventSpike && (len(s.Fields) == 0 || s.Fields[0].Value != "0–14 (last 4 weeks, medium sensitivity)") {
			t.Errorf("spike fields %v", s.Fields)
		}
		body, err := core.Render(&core.Webhook{Format: core.FormatSlack}, e)
		if err != nil || !strings.Contains(string(body), "about 5") && !strings.Contains(string(body), "about 612") {
			t.Errorf("slack body %s, %v", body, err)
		}
	}
}

// The standard body carries the rule and its band beside today's fields.
func TestNormalPayload(t *testing.T) {
	e := &core.Event{Type: core.EventSpike, Timestamp: time.Now(), Data: core.SpikeData{Site: "demo.example", SiteID: 3,
		CurrentVisitors: 27, Threshold: 14, Window: "5m", Rule: core.RuleAnomaly,
		Normal: core.NewNormal(core.Band{Expected: 5, Spread: 2.2360679}, 4, core.SensitivityHigh)}}
	body, err := e.Payload()
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"site": "demo.example", "site_id": 3.0, "current_visitors": 27.0, "threshold": 14.0, "window": "5m",
		"rule": "anomaly", "expected": 5.0, "lower": -1.71, "upper": 11.71, "baseline_weeks": 4.0, "sensitivity": "high"}
	for k, v := range want {
		if env.Data[k] != v {
			t.Errorf("data[%q] = %v, want %v", k, env.Data[k], v)
		}
	}
	fixed, _ := (&core.Event{Type: core.EventDrop, Data: core.DropData{Rule: core.RuleThreshold}}).Payload()
	if !strings.Contains(string(fixed), `"rule":"threshold"`) || strings.Contains(string(fixed), "expected") {
		t.Errorf("fixed drop: %s", fixed)
	}
}
