package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// TestRecordAttemptsBatch records one batch of mixed results, more than
// one statement's worth, over many webhooks, with some deliveries more than
// once and some deleted, and checks every delivery, attempt and webhook
// against the same results recorded one at a time in a twin database.
func TestRecordAttemptsBatch(t *testing.T) {
	ctx := context.Background()
	const sites, perDelivery = 6, 10 // 60 webhooks, 600 deliveries

	type twin struct {
		db       *sqlite.DB
		outbox   *sqlite.DeliveryService
		hooks    []*core.Webhook
		ds       []*core.Delivery
		gone     int64 // a webhook deleted after its deliveries were queued
		results  []core.AttemptResult
		attempts []*core.Attempt
	}
	build := func() *twin {
		db, _ := mustOpen(t)
		tw := &twin{db: db, outbox: sqlite.NewDeliveryService(db)}
		for s := range sites {
			domain := fmt.Sprintf("s%d.example.com", s)
			mustSite(t, db, domain, uint64(s+1))
			for range core.MaxWebhooksPerSite {
				tw.hooks = append(tw.hooks, mustWebhook(t, db, domain))
			}
		}
		var nds []core.NewDelivery
		for i, w := range tw.hooks {
			for k := range perDelivery {
				nds = append(nds, core.NewDelivery{WebhookID: w.ID, EventKey: fmt.Sprintf("h%d-k%d", i, k),
					EventType: core.EventGoal, Payload: []byte(`{"n":1}`)})
			}
		}
		if err := tw.outbox.Enqueue(ctx, nds); err != nil {
			t.Fatal(err)
		}
		ds, _, err := tw.outbox.FindDeliveries(ctx, core.DeliveryFilter{Limit: len(nds)})
		if err != nil {
			t.Fatal(err)
		}
		tw.ds = ds
		// Some webhooks were failing before the batch, one is disabled.
		for _, i := range []int{1, 2, 3, 4, 5, 6} {
			failDelivery(t, db, tw.hooks[i].ID, "before", t0.Add(-2*time.Hour))
		}
		if _, err := sqlite.NewWebhookService(db).SetWebhookEnabled(ctx, tw.hooks[7].ID, false, "paused"); err != nil {
			t.Fatal(err)
		}
		tw.gone = tw.hooks[8].ID
		if err := sqlite.NewWebhookService(db).DeleteWebhook(ctx, tw.gone); err != nil {
			t.Fatal(err)
		}
		return tw
	}
	batch, single := build(), build()

	// Every delivery once in shuffled order, then some again.
	rng := rand.New(rand.NewPCG(1, 2))
	order := rng.Perm(len(batch.ds))
	for range 200 {
		order = append(order, rng.IntN(len(batch.ds)))
	}
	for n, i := range order {
		started := t0.Add(time.Duration(n) * 20 * time.Second) // the batch spans about 4.5 hours
		status := []int{200, 500, 400, 0, 410}[rng.IntN(5)]
		dec := core.Decision{DisableAfter: 90 * time.Minute}
		switch status {
		case 200:
			dec.Verdict = core.VerdictSuccess
		case 500:
			dec.Verdict, dec.NextAttemptAt = core.VerdictRetry, started.Add(time.Minute)
		case 400:
			dec.Verdict = core.VerdictFail
		case 0:
			dec.Verdict = core.VerdictInterrupted
		case 410:
			if rng.IntN(4) > 0 {
				status = 500 // 410s are rarer, so that clocks run long enough to disable
				dec.Verdict = core.VerdictRetry
				break
			}
			dec.Verdict, dec.DisableWebhook = core.VerdictRetry, true
			if rng.IntN(2) == 0 {
				dec.DisableReason = "endpoint answered 410 Gone"
			}
		}
		for _, tw := range []*twin{batch, single} {
			d := *tw.ds[i]
			a := &core.Attempt{StartedAt: started, Duration: time.Duration(n) * time.Microsecond, StatusCode: status,
				RequestHeaders:  map[string][]string{"Webhook-Id": {d.MsgID}, "X-Custom": {"[hidden]"}},
				ResponseHeaders: map[string][]string{"Content-Type": {"text/plain"}, "X-Note": {`<"é">`}},
				ResponseBody:    fmt.Sprint("answer ", n), Error: fmt.Sprint("error ", n)}
			tw.results = append(tw.results, core.AttemptResult{Delivery: &d, Attempt: a, Decision: dec})
			tw.attempts = append(tw.attempts, a)
		}
	}

	if err := batch.outbox.RecordAttempts(ctx, batch.results); err != nil {
		t.Fatal(err)
	}
	for _, r := range single.results {
		if err := single.outbox.RecordAttempts(ctx, []core.AttemptResult{r}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("stores each delivery and its attempts as one at a time does", func(t *testing.T) {
		got, _, err := batch.outbox.FindDeliveries(ctx, core.DeliveryFilter{Limit: 10000, WithAttempts: true})
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := single.outbox.FindDeliveries(ctx, core.DeliveryFilter{Limit: 10000, WithAttempts: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d deliveries, want %d", len(got), len(want))
		}
		states := map[core.DeliveryState]int{}
		for i := range got {
			states[got[i].State]++
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("delivery %d:\n got %+v\nwant %+v", want[i].ID, got[i], want[i])
			}
		}
		for _, s := range []core.DeliveryState{core.StatePending, core.StateRetrying, core.StateSucceeded, core.StateFailed} {
			if states[s] == 0 {
				t.Errorf("no delivery ended %s; the batch does not cover every verdict (%v)", s, states)
			}
		}
	})

	t.Run("runs each webhook's failure clock as one at a time does", func(t *testing.T) {
		var disabled, failing int
		for i, w := range batch.hooks {
			if w.ID == batch.gone {
				continue
			}
			got, want := findHook(t, batch.db, w.ID), findHook(t, single.db, single.hooks[i].ID)
			if got.Enabled != want.Enabled || got.DisabledReason != want.DisabledReason ||
				!got.FailingSince.Equal(want.FailingSince) || !got.UpdatedAt.Equal(want.UpdatedAt) {
				t.Errorf("webhook %d = enabled %v %q, failing since %v, updated %v; want %v %q, %v, %v", w.ID,
					got.Enabled, got.DisabledReason, got.FailingSince, got.UpdatedAt,
					want.Enabled, want.DisabledReason, want.FailingSince, want.UpdatedAt)
			}
			if !got.Enabled && got.DisabledReason != "paused" {
				disabled++
			}
			if !got.FailingSince.IsZero() {
				failing++
			}
		}
		if disabled == 0 || failing == 0 || failing == len(batch.hooks)-1 {
			t.Errorf("%d webhooks disabled by the batch and %d failing; want some of each, and some healthy", disabled, failing)
		}
	})

	t.Run("brings the caller's deliveries and attempts up to date", func(t *testing.T) {
		for i, r := range batch.results {
			want := single.results[i]
			if !reflect.DeepEqual(*r.Delivery, *want.Delivery) || r.Attempt.ID != want.Attempt.ID || r.Attempt.DeliveryID != want.Attempt.DeliveryID {
				t.Errorf("result %d: delivery %+v, attempt %d of %d; want %+v, %d of %d", i,
					*r.Delivery, r.Attempt.ID, r.Attempt.DeliveryID, *want.Delivery, want.Attempt.ID, want.Attempt.DeliveryID)
			}
			if gone := r.Delivery.WebhookID == batch.gone; gone != (r.Attempt.ID == 0) {
				t.Errorf("result %d to webhook %d (deleted: %v) got attempt id %d", i, r.Delivery.WebhookID, gone, r.Attempt.ID)
			}
		}
	})
}
