package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// webhookJSON is `webhook list --json`'s entry, with the anomaly fields.
type webhookJSON struct {
	ID             int64    `json:"id"`
	Events         []string `json:"events"`
	SpikeThreshold int      `json:"spike_threshold"`
	SpikeRule      *string  `json:"spike_rule"`
	DropRule       *string  `json:"drop_rule"`
	Sensitivity    string   `json:"sensitivity"`
	MinVisitors    int      `json:"min_visitors"`
	BaselineWeeks  int      `json:"baseline_weeks"`
	Learning       bool     `json:"learning"`
	HistoryDays    int      `json:"history_days"`
}

func listJSON(t *testing.T, db string) []webhookJSON {
	t.Helper()
	var out []webhookJSON
	if err := json.Unmarshal([]byte(mustHW(t, db, "webhook", "list", "--json")), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func rule(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

func TestWebhookAnomalyFlags(t *testing.T) {
	t.Run("add --spike-anomaly subscribes to traffic.spike with the defaults", func(t *testing.T) {
		db := newDB(t)
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h", "--spike-anomaly")
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h2", "--drop-anomaly", "--spike-threshold", "50",
			"--sensitivity", "high", "--min-visitors", "25", "--baseline-weeks", "6")
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h3")
		hooks := listJSON(t, db)
		a, b, g := hooks[0], hooks[1], hooks[2]
		if strings.Join(a.Events, ",") != "goal.completed,traffic.spike" || rule(a.SpikeRule) != "anomaly" || rule(a.DropRule) != "null" ||
			a.Sensitivity != "medium" || a.MinVisitors != 10 || a.BaselineWeeks != 4 || !a.Learning || a.HistoryDays != 0 {
			t.Errorf("spike anomaly: %+v", a)
		}
		if strings.Join(b.Events, ",") != "goal.completed,traffic.spike,traffic.drop" || rule(b.SpikeRule) != "threshold" || rule(b.DropRule) != "anomaly" ||
			b.Sensitivity != "high" || b.MinVisitors != 25 || b.BaselineWeeks != 6 {
			t.Errorf("drop anomaly with a spike threshold: %+v", b)
		}
		if rule(g.SpikeRule) != "null" || rule(g.DropRule) != "null" || g.Learning {
			t.Errorf("goal-only webhook: %+v", g)
		}
		if out := mustHW(t, db, "webhook", "list"); !strings.Contains(out, "enabled, learning (0 days of history)") {
			t.Errorf("list does not say learning:\n%s", out)
		}
	})

	t.Run("refuses conflicting and bad values with exit 2 naming them, and saves nothing", func(t *testing.T) {
		db := newDB(t)
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--spike-anomaly", "--spike-threshold", "5"}, "--spike-threshold and --spike-anomaly cannot be given together"},
			{[]string{"--drop-threshold", "5", "--drop-anomaly"}, "--drop-threshold and --drop-anomaly cannot be given together"},
			{[]string{"--spike-anomaly", "--baseline-weeks", "1"}, `baseline_weeks: must be an integer between 2 and 8, not "1"`},
			{[]string{"--spike-anomaly", "--baseline-weeks", "9"}, `baseline_weeks: must be an integer between 2 and 8`},
			{[]string{"--spike-anomaly", "--sensitivity", "extreme"}, `sensitivity: unknown sensitivity "extreme" (choose from low, medium, high)`},
			{[]string{"--spike-anomaly", "--min-visitors", "0"}, "min_visitors: must be an integer between 1 and"},
		} {
			code, _, errs := hw(t, db, append([]string{"webhook", "add", "example.com", "https://example.com/h"}, tc.args...)...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errs, tc.want)
			}
		}
		if n := webhookCount(t, db); n != 0 {
			t.Errorf("%d webhooks saved", n)
		}
	})

	t.Run("edit switches a rule between fixed and relative to normal", func(t *testing.T) {
		db := newDB(t)
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h", "--spike-threshold", "200")
		id := "1"
		mustHW(t, db, "webhook", "edit", id, "--spike-anomaly")
		if h := listJSON(t, db)[0]; rule(h.SpikeRule) != "anomaly" || h.SpikeThreshold != 0 {
			t.Fatalf("after --spike-anomaly: %+v", h)
		}
		mustHW(t, db, "webhook", "edit", id, "--spike-threshold", "300")
		if h := listJSON(t, db)[0]; rule(h.SpikeRule) != "threshold" || h.SpikeThreshold != 300 {
			t.Fatalf("after --spike-threshold: %+v", h)
		}
		code, _, errs := hw(t, db, "webhook", "edit", id, "--spike-threshold", "5", "--spike-anomaly")
		if code != 2 || !strings.Contains(errs, "--spike-threshold and --spike-anomaly") {
			t.Errorf("both in one edit: exit %d %q", code, errs)
		}
		// --events without the type turns the rule off, as today.
		mustHW(t, db, "webhook", "edit", id, "--spike-anomaly", "--events", "goal.completed")
		if h := listJSON(t, db)[0]; h.SpikeRule != nil || h.Learning {
			t.Errorf("spike rule %q after --events goal.completed, learning %v", rule(h.SpikeRule), h.Learning)
		}
	})
}
