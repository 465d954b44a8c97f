package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

// The webhooks screen says which rule each alert follows, and that an
// anomaly rule is still learning its site's history.
func TestWebhookRulesShown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	site := e.site("example.com", 1)
	w := e.webhook(site, "http://127.0.0.1:9/hook")
	events := []core.EventType{core.EventSpike, core.EventDrop}
	yes, drop := true, 50
	if _, err := e.svc.Webhooks.UpdateWebhook(ctx, w.ID, core.WebhookUpdate{Events: &events, SpikeAnomaly: &yes, DropThreshold: &drop}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Baselines.SaveBaselines(ctx, []core.Baseline{{SiteID: site.ID, Weeks: 4, HistoryDays: 5}}); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	e.act(func() { e.ui.ShowScreen(ScreenWebhooks) })
	e.act(func() { e.ui.webhooks.onSelect(0) })
	got := e.ui.webhooks.detail.Text
	for _, want := range []string{"spike relative to normal (medium, at least 10)", "drop < 50", "learning (5 days of history)"} {
		if !strings.Contains(got, want) {
			t.Errorf("detail %q lacks %q", got, want)
		}
	}

	// Two weeks of history: no longer learning.
	if err := e.svc.Baselines.SaveBaselines(ctx, []core.Baseline{{SiteID: site.ID, Weeks: 4, HistoryDays: 14}}); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	if got := e.ui.webhooks.detail.Text; strings.Contains(got, "learning") {
		t.Errorf("detail %q still says learning", got)
	}
}
