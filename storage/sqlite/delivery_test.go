package sqlite_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// enqueue queues a webhook.test delivery with key and returns it.
func enqueue(t testing.TB, db *sqlite.DB, webhookID int64, key string) *core.Delivery {
	t.Helper()
	return enqueueAt(t, db, webhookID, key, time.Time{})
}

func enqueueAt(t testing.TB, db *sqlite.DB, webhookID int64, key string, notBefore time.Time) *core.Delivery {
	t.Helper()
	ctx := context.Background()
	outbox := sqlite.NewDeliveryService(db)
	err := outbox.Enqueue(ctx, []core.NewDelivery{{WebhookID: webhookID, EventKey: key, EventType: core.EventTest,
		Payload: []byte(`{"key":"` + key + `"}`), NotBefore: notBefore}})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	ds, _, err := outbox.FindDeliveries(ctx, core.DeliveryFilter{WebhookID: webhookID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.EventKey == key {
			return d
		}
	}
	t.Fatalf("delivery %s not found after Enqueue", key)
	return nil
}

// record records one attempt of d started at at with status and decision.
func record(t testing.TB, db *sqlite.DB, d *core.Delivery, at time.Time, status int, dec core.Decision) *core.Delivery {
	t.Helper()
	a := &core.Attempt{StartedAt: at, Duration: 1500 * time.Microsecond, StatusCode: status,
		ResponseHeaders: map[string][]string{"Content-Type": {"text/plain"}}, ResponseBody: "answer"}
	if err := sqlite.NewDeliveryService(db).RecordAttempts(context.Background(), []core.AttemptResult{{Delivery: d, Attempt: a, Decision: dec}}); err != nil {
		t.Fatalf("RecordAttempts: %v", err)
	}
	return findDelivery(t, db, d.ID)
}

// failDelivery enqueues a delivery and records a retryable failure at at.
func failDelivery(t testing.TB, db *sqlite.DB, webhookID int64, key string, at time.Time) *core.Delivery {
	t.Helper()
	d := enqueue(t, db, webhookID, key)
	return record(t, db, d, at, 500, core.Decision{Verdict: core.VerdictRetry, NextAttemptAt: at.Add(time.Minute)})
}

func findDelivery(t testing.TB, db *sqlite.DB, id int64) *core.Delivery {
	t.Helper()
	d, err := sqlite.NewDeliveryService(db).FindDeliveryByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func findHook(t testing.TB, db *sqlite.DB, id int64) *core.Webhook {
	t.Helper()
	w, err := sqlite.NewWebhookService(db).FindWebhookByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func dueIDs(t testing.TB, db *sqlite.DB, now time.Time, firstOnly bool, limit int, skip map[int64]bool) []int64 {
	t.Helper()
	ds, err := sqlite.NewDeliveryService(db).DueDeliveries(context.Background(), now, core.DueFilter{FirstOnly: firstOnly, Limit: limit, Skip: skip})
	if err != nil {
		t.Fatal(err)
	}
	ids := []int64{}
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return ids
}

func TestEnqueue(t *testing.T) {
	ctx := context.Background()

	t.Run("makes one delivery of the same event however often it is queued", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		outbox := sqlite.NewDeliveryService(db)
		nd := core.NewDelivery{WebhookID: w.ID, EventKey: "goal:1:window", EventType: core.EventGoal, Payload: []byte(`{"n":1}`)}
		for range 2 {
			if err := outbox.Enqueue(ctx, []core.NewDelivery{nd, nd}); err != nil {
				t.Fatal(err)
			}
		}
		ds, total, err := outbox.FindDeliveries(ctx, core.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(ds) != 1 {
			t.Fatalf("deliveries = %d, want 1", total)
		}
		d := ds[0]
		if d.MsgID != core.MessageID(w.ID, nd.EventKey) || d.State != core.StatePending || d.AttemptCount != 0 ||
			!d.NextAttemptAt.Equal(t0) || string(d.Payload) != `{"n":1}` || d.EventType != core.EventGoal {
			t.Errorf("delivery = %+v", d)
		}
	})

	t.Run("delays a delivery until NotBefore", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		d := enqueueAt(t, db, w.ID, "digest", t0.Add(time.Hour))
		if !d.NextAttemptAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("next attempt = %v, want %v", d.NextAttemptAt, t0.Add(time.Hour))
		}
		if got := dueIDs(t, db, t0, true, 10, nil); len(got) != 0 {
			t.Errorf("due before NotBefore: %v", got)
		}
	})

	t.Run("drops deliveries to a deleted webhook and writes the rest", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		outbox := sqlite.NewDeliveryService(db)
		err := outbox.Enqueue(ctx, []core.NewDelivery{
			{WebhookID: 999, EventKey: "k", EventType: core.EventTest, Payload: []byte(`{}`)},
			{WebhookID: w.ID, EventKey: "k", EventType: core.EventTest, Payload: []byte(`{}`)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, total, _ := outbox.FindDeliveries(ctx, core.DeliveryFilter{}); total != 1 {
			t.Errorf("deliveries = %d, want 1", total)
		}
	})

	t.Run("writes nothing of a batch with a bad delivery", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		outbox := sqlite.NewDeliveryService(db)
		err := outbox.Enqueue(ctx, []core.NewDelivery{
			{WebhookID: w.ID, EventKey: "good", EventType: core.EventTest, Payload: []byte(`{}`)},
			{WebhookID: w.ID, EventKey: "", EventType: core.EventTest, Payload: []byte(`{}`)},
		})
		if err == nil {
			t.Fatal("Enqueue accepted an empty event key")
		}
		if _, total, _ := outbox.FindDeliveries(ctx, core.DeliveryFilter{}); total != 0 {
			t.Errorf("deliveries = %d, want 0", total)
		}
	})
}

func TestDueDeliveries(t *testing.T) {
	db, _ := mustOpen(t)
	mustSite(t, db, "example.com", 5)
	w := mustWebhook(t, db, "example.com")
	off := mustWebhook(t, db, "example.com")

	// Queued out of due order: the later key is due first.
	late := enqueueAt(t, db, w.ID, "late", t0.Add(2*time.Second))
	early := enqueueAt(t, db, w.ID, "early", t0.Add(time.Second))
	future := enqueueAt(t, db, w.ID, "future", t0.Add(time.Hour))
	held := enqueueAt(t, db, off.ID, "held", t0)
	retry := enqueueAt(t, db, w.ID, "retry", t0)
	record(t, db, retry, t0, 500, core.Decision{Verdict: core.VerdictRetry, NextAttemptAt: t0.Add(3 * time.Second)})
	if _, err := sqlite.NewWebhookService(db).SetWebhookEnabled(context.Background(), off.ID, false, "paused"); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(10 * time.Second)

	for _, tt := range []struct {
		name      string
		firstOnly bool
		limit     int
		skip      map[int64]bool
		want      []int64
	}{
		{"returns first attempts oldest first", true, 10, nil, []int64{early.ID, late.ID}},
		{"returns retries apart from first attempts", false, 10, nil, []int64{retry.ID}},
		{"stops at the limit", true, 1, nil, []int64{early.ID}},
		{"leaves out deliveries in flight", true, 1, map[int64]bool{early.ID: true}, []int64{late.ID}},
		{"returns nothing when every due delivery is in flight", true, 10, map[int64]bool{early.ID: true, late.ID: true, retry.ID: true}, []int64{}},
		{"ignores ids in skip set to false", true, 1, map[int64]bool{early.ID: false, late.ID: true}, []int64{early.ID}},
		{"returns nothing for a zero limit", true, 0, nil, []int64{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := dueIDs(t, db, now, tt.firstOnly, tt.limit, tt.skip); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("due = %v, want %v (future %d, held %d)", got, tt.want, future.ID, held.ID)
			}
		})
	}

	t.Run("holds a disabled webhook's deliveries until it is enabled", func(t *testing.T) {
		if _, err := sqlite.NewWebhookService(db).SetWebhookEnabled(context.Background(), off.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if got, want := dueIDs(t, db, now, true, 10, nil), []int64{held.ID, early.ID, late.ID}; !reflect.DeepEqual(got, want) {
			t.Errorf("due after enable = %v, want %v", got, want)
		}
	})
}

func TestRecordAttempts(t *testing.T) {
	ctx := context.Background()
	policy := core.DefaultRetryPolicy()

	t.Run("applies each verdict to its delivery", func(t *testing.T) {
		db, c := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		c.now = t0.Add(time.Minute)
		next := t0.Add(5 * time.Minute)
		for _, tt := range []struct {
			name      string
			status    int
			dec       core.Decision
			state     core.DeliveryState
			attempts  int
			nextDueAt time.Time // enqueued at c.now
		}{
			{"succeeds on a 2xx", 200, core.Decision{Verdict: core.VerdictSuccess}, core.StateSucceeded, 1, c.now},
			{"waits for a retry", 500, core.Decision{Verdict: core.VerdictRetry, NextAttemptAt: next}, core.StateRetrying, 1, next},
			{"fails for good", 400, core.Decision{Verdict: core.VerdictFail}, core.StateFailed, 1, c.now},
			{"does not count an interrupted attempt", 0, core.Decision{Verdict: core.VerdictInterrupted}, core.StatePending, 0, c.now},
		} {
			t.Run(tt.name, func(t *testing.T) {
				d := enqueue(t, db, w.ID, tt.name)
				a := &core.Attempt{Number: 1, StartedAt: c.now, Duration: 2500 * time.Microsecond, StatusCode: tt.status,
					RequestHeaders:  map[string][]string{"Webhook-Id": {d.MsgID}},
					ResponseHeaders: map[string][]string{"X-Reply": {"a", "b"}}, ResponseBody: "body", Error: "err"}
				err := sqlite.NewDeliveryService(db).RecordAttempts(ctx, []core.AttemptResult{{Delivery: d, Attempt: a, Decision: tt.dec}})
				if err != nil {
					t.Fatal(err)
				}
				got := findDelivery(t, db, d.ID)
				if got.State != tt.state || got.AttemptCount != tt.attempts || !got.NextAttemptAt.Equal(tt.nextDueAt) ||
					got.LastStatus != tt.status || got.LastError != "err" || got.MsgID != d.MsgID {
					t.Errorf("delivery = state %s, attempts %d, next %v, last %d %q; want %s, %d, %v",
						got.State, got.AttemptCount, got.NextAttemptAt, got.LastStatus, got.LastError, tt.state, tt.attempts, tt.nextDueAt)
				}
				if d.State != tt.state || d.AttemptCount != tt.attempts || a.ID == 0 || a.DeliveryID != d.ID {
					t.Errorf("caller's copy not brought up to date: delivery %+v, attempt id %d", d, a.ID)
				}
				if len(got.Attempts) != 1 {
					t.Fatalf("attempts = %d, want 1", len(got.Attempts))
				}
				ga := got.Attempts[0]
				if ga.ID != a.ID || ga.Number != 1 || !ga.StartedAt.Equal(c.now) || ga.Duration != a.Duration || ga.DurationMS != 2.5 ||
					ga.StatusCode != tt.status || ga.ResponseBody != "body" || ga.Error != "err" ||
					!reflect.DeepEqual(ga.ResponseHeaders, a.ResponseHeaders) || !reflect.DeepEqual(ga.RequestHeaders, a.RequestHeaders) ||
					ga.Interrupted != (tt.dec.Verdict == core.VerdictInterrupted) {
					t.Errorf("stored attempt = %+v\nwant like %+v", ga, a)
				}
			})
		}
	})

	t.Run("cuts a response body at 4 KiB", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		d := enqueue(t, db, w.ID, "k")
		a := &core.Attempt{StartedAt: t0, StatusCode: 200, ResponseBody: strings.Repeat("x", 10000)}
		if err := sqlite.NewDeliveryService(db).RecordAttempts(ctx, []core.AttemptResult{{Delivery: d, Attempt: a, Decision: core.Decision{Verdict: core.VerdictSuccess}}}); err != nil {
			t.Fatal(err)
		}
		if n := len(findDelivery(t, db, d.ID).Attempts[0].ResponseBody); n != core.MaxResponseBody {
			t.Errorf("stored body = %d bytes, want %d", n, core.MaxResponseBody)
		}
	})

	t.Run("disables the webhook on 410 and holds its deliveries", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		d := enqueue(t, db, w.ID, "k")
		dec := policy.Decide(1, 410, "", t0, 0.5)
		got := record(t, db, d, t0, 410, dec)
		hook := findHook(t, db, w.ID)
		if hook.Enabled || hook.DisabledReason != dec.DisableReason || !strings.Contains(hook.DisabledReason, "410") {
			t.Errorf("webhook = enabled %v, reason %q; want disabled for the 410", hook.Enabled, hook.DisabledReason)
		}
		if got.State != core.StateRetrying {
			t.Errorf("delivery state = %s, want retrying (held)", got.State)
		}
		if due := dueIDs(t, db, t0.Add(time.Hour), false, 10, nil); len(due) != 0 {
			t.Errorf("due while disabled: %v", due)
		}
		if _, err := sqlite.NewWebhookService(db).SetWebhookEnabled(ctx, w.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if due := dueIDs(t, db, t0.Add(time.Hour), false, 10, nil); !reflect.DeepEqual(due, []int64{d.ID}) {
			t.Errorf("due after enable = %v, want [%d]", due, d.ID)
		}
	})

	t.Run("disables a webhook that has failed for DisableAfter, and a success resets the clock", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		day := 24 * time.Hour
		retry := func(at time.Time) core.Decision {
			return core.Decision{Verdict: core.VerdictRetry, NextAttemptAt: at.Add(time.Hour), DisableAfter: 5 * day}
		}
		d := enqueue(t, db, w.ID, "a")
		record(t, db, d, t0, 500, retry(t0))
		if hook := findHook(t, db, w.ID); !hook.FailingSince.Equal(t0) || !hook.Enabled {
			t.Fatalf("after first failure: failing since %v, enabled %v; want %v, true", hook.FailingSince, hook.Enabled, t0)
		}
		record(t, db, d, t0.Add(4*day), 500, retry(t0.Add(4*day)))
		if hook := findHook(t, db, w.ID); !hook.FailingSince.Equal(t0) || !hook.Enabled {
			t.Fatalf("after 4 days: failing since %v, enabled %v; want %v, true", hook.FailingSince, hook.Enabled, t0)
		}

		// A success on another delivery resets the clock.
		other := enqueue(t, db, w.ID, "b")
		record(t, db, other, t0.Add(4*day+time.Hour), 200, core.Decision{Verdict: core.VerdictSuccess, DisableAfter: 5 * day})
		if hook := findHook(t, db, w.ID); !hook.FailingSince.IsZero() {
			t.Fatalf("after success: failing since %v, want zero", hook.FailingSince)
		}
		restart := t0.Add(4*day + 2*time.Hour)
		record(t, db, d, restart, 500, retry(restart))
		record(t, db, d, restart.Add(5*day-time.Millisecond), 500, retry(restart))
		if hook := findHook(t, db, w.ID); !hook.Enabled || !hook.FailingSince.Equal(restart) {
			t.Fatalf("just under 5 days after the reset: enabled %v, failing since %v; want true, %v", hook.Enabled, hook.FailingSince, restart)
		}
		record(t, db, d, restart.Add(5*day), 500, retry(restart))
		hook := findHook(t, db, w.ID)
		want := "no successful delivery for 5 days (failing since " + restart.Format(time.RFC3339) + ")"
		if hook.Enabled || hook.DisabledReason != want {
			t.Errorf("after 5 days: enabled %v, reason %q; want false, %q", hook.Enabled, hook.DisabledReason, want)
		}
	})

	t.Run("does not start the failure clock on an interrupted attempt", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		record(t, db, enqueue(t, db, w.ID, "k"), t0, 0, core.Decision{Verdict: core.VerdictInterrupted, DisableAfter: time.Hour})
		if hook := findHook(t, db, w.ID); !hook.FailingSince.IsZero() {
			t.Errorf("failing since %v after an interruption, want zero", hook.FailingSince)
		}
	})

	t.Run("records a batch in one go and drops results of deleted deliveries", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		gone := mustWebhook(t, db, "example.com")
		var results []core.AttemptResult
		for _, key := range []string{"a", "b", "c"} {
			results = append(results, core.AttemptResult{Delivery: enqueue(t, db, w.ID, key),
				Attempt: &core.Attempt{StartedAt: t0, StatusCode: 200}, Decision: core.Decision{Verdict: core.VerdictSuccess}})
		}
		lost := core.AttemptResult{Delivery: enqueue(t, db, gone.ID, "x"),
			Attempt: &core.Attempt{StartedAt: t0, StatusCode: 200}, Decision: core.Decision{Verdict: core.VerdictSuccess}}
		if err := sqlite.NewWebhookService(db).DeleteWebhook(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		if err := sqlite.NewDeliveryService(db).RecordAttempts(ctx, append(results, lost)); err != nil {
			t.Fatal(err)
		}
		stats, err := sqlite.NewDeliveryService(db).DeliveryStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := core.DeliveryStats{core.StatePending: 0, core.StateRetrying: 0, core.StateSucceeded: 3, core.StateFailed: 0}
		if !reflect.DeepEqual(stats, want) {
			t.Errorf("stats = %v, want %v", stats, want)
		}
		if lost.Attempt.ID != 0 {
			t.Errorf("attempt of a deleted delivery got id %d", lost.Attempt.ID)
		}
	})

	t.Run("drops the result of a deleted delivery whose id a new one took", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		gone := mustWebhook(t, db, "example.com")
		old := enqueue(t, db, gone.ID, "x") // in flight when its webhook is deleted
		if err := sqlite.NewWebhookService(db).DeleteWebhook(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		// SQLite hands the freed highest rowid to the next delivery.
		fresh := enqueue(t, db, w.ID, "y")
		if fresh.ID != old.ID {
			t.Fatalf("new delivery got id %d, not the deleted %d: the test no longer sets up the reuse", fresh.ID, old.ID)
		}
		a := &core.Attempt{StartedAt: t0, StatusCode: 200}
		err := sqlite.NewDeliveryService(db).RecordAttempts(ctx, []core.AttemptResult{{Delivery: old, Attempt: a,
			Decision: core.Decision{Verdict: core.VerdictSuccess}}})
		if err != nil {
			t.Fatal(err)
		}
		got := findDelivery(t, db, fresh.ID)
		if got.State != core.StatePending || got.AttemptCount != 0 || len(got.Attempts) != 0 {
			t.Errorf("new delivery = %s after %d attempts (%d logged); want pending, never attempted",
				got.State, got.AttemptCount, len(got.Attempts))
		}
		if a.ID != 0 {
			t.Errorf("attempt of a deleted delivery got id %d", a.ID)
		}
	})
}

func TestRedeliver(t *testing.T) {
	ctx := context.Background()
	db, c := mustOpen(t)
	mustSite(t, db, "example.com", 5)
	w := mustWebhook(t, db, "example.com")
	d := enqueue(t, db, w.ID, "k")
	record(t, db, d, t0, 400, core.Decision{Verdict: core.VerdictFail})
	c.now = t0.Add(time.Hour)

	outbox := sqlite.NewDeliveryService(db)
	got, err := outbox.Redeliver(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != core.StatePending || got.AttemptCount != 0 || !got.NextAttemptAt.Equal(c.now) ||
		got.MsgID != d.MsgID || string(got.Payload) != string(d.Payload) {
		t.Errorf("redelivered = %+v, want pending now with the same msg id and payload", got)
	}
	if due := dueIDs(t, db, c.now, true, 10, nil); !reflect.DeepEqual(due, []int64{d.ID}) {
		t.Errorf("due after redeliver = %v, want [%d]", due, d.ID)
	}
	if n := len(findDelivery(t, db, d.ID).Attempts); n != 1 {
		t.Errorf("attempts after redeliver = %d, want the 1 logged before", n)
	}
	_, err = outbox.Redeliver(ctx, 999)
	wantError(t, err, core.ENOTFOUND, "delivery")
	_, err = outbox.FindDeliveryByID(ctx, 999)
	wantError(t, err, core.ENOTFOUND, "delivery")
}

func TestFindDeliveries(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t)
	a := mustSite(t, db, "a.com", 1)
	mustSite(t, db, "b.com", 2)
	wa := mustWebhook(t, db, "a.com")
	wb := mustWebhook(t, db, "b.com")
	var ids []int64
	for _, k := range []string{"1", "2", "3"} {
		ids = append(ids, enqueue(t, db, wa.ID, k).ID)
	}
	bLast := failDelivery(t, db, wb.ID, "4", t0)
	record(t, db, bLast, t0.Add(time.Minute), 200, core.Decision{Verdict: core.VerdictSuccess})
	outbox := sqlite.NewDeliveryService(db)

	for _, tt := range []struct {
		name   string
		filter core.DeliveryFilter
		want   []int64
		total  int
	}{
		{"lists all newest first", core.DeliveryFilter{}, []int64{bLast.ID, ids[2], ids[1], ids[0]}, 4},
		{"filters by webhook", core.DeliveryFilter{WebhookID: wa.ID}, []int64{ids[2], ids[1], ids[0]}, 3},
		{"filters by site", core.DeliveryFilter{SiteID: a.ID}, []int64{ids[2], ids[1], ids[0]}, 3},
		{"filters by state", core.DeliveryFilter{State: core.StateSucceeded}, []int64{bLast.ID}, 1},
		{"pages with limit and offset", core.DeliveryFilter{Limit: 2, Offset: 1}, []int64{ids[2], ids[1]}, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ds, total, err := outbox.FindDeliveries(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := []int64{}
			for _, d := range ds {
				got = append(got, d.ID)
			}
			if !reflect.DeepEqual(got, tt.want) || total != tt.total {
				t.Errorf("got %v of %d, want %v of %d", got, total, tt.want, tt.total)
			}
		})
	}

	t.Run("fills attempts oldest first when asked", func(t *testing.T) {
		ds, _, err := outbox.FindDeliveries(ctx, core.DeliveryFilter{WebhookID: wb.ID, WithAttempts: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || len(ds[0].Attempts) != 2 || ds[0].Attempts[0].StatusCode != 500 || ds[0].Attempts[1].StatusCode != 200 {
			t.Errorf("attempts = %+v, want the 500 then the 200", ds[0].Attempts)
		}
		ds, _, _ = outbox.FindDeliveries(ctx, core.DeliveryFilter{WebhookID: wb.ID})
		if ds[0].Attempts != nil {
			t.Errorf("attempts filled without WithAttempts")
		}
	})

	t.Run("returns each webhook's last delivery", func(t *testing.T) {
		last, err := outbox.LastDeliveries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(last) != 2 || last[wa.ID].ID != ids[2] || last[wb.ID].ID != bLast.ID {
			t.Errorf("LastDeliveries = %v, want %d → %d and %d → %d", last, wa.ID, ids[2], wb.ID, bLast.ID)
		}
	})

	t.Run("counts deliveries by state", func(t *testing.T) {
		stats, err := outbox.DeliveryStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := core.DeliveryStats{core.StatePending: 3, core.StateRetrying: 0, core.StateSucceeded: 1, core.StateFailed: 0}
		if !reflect.DeepEqual(stats, want) {
			t.Errorf("stats = %v, want %v", stats, want)
		}
	})

	t.Run("prunes attempts started before a time", func(t *testing.T) {
		n, err := outbox.PruneAttempts(ctx, t0.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("pruned %d attempts, want 1", n)
		}
		if got := findDelivery(t, db, bLast.ID).Attempts; len(got) != 1 || got[0].StatusCode != 200 {
			t.Errorf("attempts after prune = %+v, want only the 200", got)
		}
	})
}
