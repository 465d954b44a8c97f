package sqlite_test

import (
	"context"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func TestBaselineStore(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t)
	a, b := mustSite(t, db, "a.example", 1), mustSite(t, db, "b.example", 2)
	store := sqlite.NewBaselineStore(db)
	slot := t0.Truncate(time.Hour)
	first := []core.Baseline{
		{SiteID: a.ID, Weeks: 4, Slot: slot, HistoryDays: 27, Samples: 48,
			Spike: core.Band{Expected: 5, Spread: 2.25}, Drop: core.Band{Expected: 60, Spread: 7.75}, ComputedAt: t0},
		{SiteID: a.ID, Weeks: 2, Slot: slot, HistoryDays: 13, Samples: 24, ComputedAt: t0},
		{SiteID: b.ID, Weeks: 4, Slot: slot, HistoryDays: 5, Samples: 12, ComputedAt: t0},
		{SiteID: 999, Weeks: 4, Slot: slot, ComputedAt: t0}, // a site deleted meanwhile
	}
	if err := store.SaveBaselines(ctx, first); err != nil {
		t.Fatal(err)
	}
	got, err := store.Baselines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[core.BaselineKey]core.Baseline{}
	for _, bl := range first[:3] {
		want[core.BaselineKey{SiteID: bl.SiteID, Weeks: bl.Weeks}] = bl
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Baselines =\n%v\nwant\n%v", got, want)
	}

	// The next hour replaces them all: a pair no webhook needs any more
	// goes, and a deleted site's baseline with it.
	next := first[0]
	next.Slot, next.HistoryDays = slot.Add(time.Hour), 28
	if err := store.SaveBaselines(ctx, []core.Baseline{next, first[2]}); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.NewSiteService(db).DeleteSite(ctx, b.Domain, core.DeleteSiteOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	got, err = store.Baselines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[core.BaselineKey]core.Baseline{{SiteID: a.ID, Weeks: 4}: next}; !maps.Equal(got, want) {
		t.Errorf("after the next hour: %v, want %v", got, want)
	}
}

func TestWebhookAnomalyRuleRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t)
	mustSite(t, db, "example.com", 5)
	hooks := sqlite.NewWebhookService(db)
	w := &core.Webhook{Site: "example.com", URL: "https://hooks.example.com/x",
		Events:       []core.EventType{core.EventSpike, core.EventDrop},
		SpikeAnomaly: true, DropAnomaly: true, Sensitivity: core.SensitivityHigh, MinVisitors: 25, BaselineWeeks: 6}
	if err := hooks.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	got, err := hooks.FindWebhookByID(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, w)
	}
	// Switching the spike to a fixed threshold clears its anomaly rule and
	// keeps the drop's.
	n := 300
	got, err = hooks.UpdateWebhook(ctx, w.ID, core.WebhookUpdate{SpikeThreshold: &n})
	if err != nil {
		t.Fatal(err)
	}
	if got.SpikeRule() != core.RuleThreshold || got.SpikeAnomaly || got.DropRule() != core.RuleAnomaly {
		t.Errorf("after --spike-threshold: spike %q (anomaly %v), drop %q", got.SpikeRule(), got.SpikeAnomaly, got.DropRule())
	}
	// A bad value is refused naming its field, and nothing is saved.
	weeks := 9
	if _, err := hooks.UpdateWebhook(ctx, w.ID, core.WebhookUpdate{BaselineWeeks: &weeks}); core.ErrorField(err) != "baseline_weeks" {
		t.Errorf("9 weeks: %v", err)
	}
	if again, _ := hooks.FindWebhookByID(ctx, w.ID); again.BaselineWeeks != 6 {
		t.Errorf("baseline_weeks = %d after a refused edit", again.BaselineWeeks)
	}
}
