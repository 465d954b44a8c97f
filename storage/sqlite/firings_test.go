package sqlite_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func TestAlertFirings(t *testing.T) {
	ctx := context.Background()
	db, c := mustOpen(t)
	site := mustSite(t, db, "a.example", 5)
	mustSite(t, db, "b.example", 6)
	w1 := mustWebhook(t, db, "a.example")
	w2 := mustWebhook(t, db, "a.example")
	other := mustWebhook(t, db, "b.example")
	store := sqlite.NewTriggerStore(db)
	commit := func(at time.Time, ds ...core.NewDelivery) {
		t.Helper()
		c.now = at
		if err := store.CommitPoll(ctx, core.PollCommit{Deliveries: ds}); err != nil {
			t.Fatal(err)
		}
	}
	d := func(w *core.Webhook, typ core.EventType, key string) core.NewDelivery {
		return core.NewDelivery{WebhookID: w.ID, EventKey: key, EventType: typ, Payload: []byte(`{}`)}
	}
	commit(t0.Add(-2*time.Hour), d(w1, core.EventSpike, "s0"))
	commit(t0, d(w1, core.EventSpike, "s1"), d(w2, core.EventDrop, "d1"), d(w1, core.EventGoal, "g1"), d(other, core.EventSpike, "s9"))
	commit(t0.Add(time.Hour), d(w1, core.EventSpikeResolved, "r1"), d(w2, core.EventSpike, "s2"))

	got, err := store.AlertFirings(ctx, site.ID, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Spikes and drops of the site's webhooks since the time asked, oldest
	// first; no goal, no resolved, no other site's alert.
	want := []core.AlertFiring{
		{WebhookID: w1.ID, Type: core.EventSpike, At: t0},
		{WebhookID: w2.ID, Type: core.EventDrop, At: t0},
		{WebhookID: w2.ID, Type: core.EventSpike, At: t0.Add(time.Hour)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
