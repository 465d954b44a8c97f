package deliver_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/deliver"
)

// laneConfig is testConfig with an outbox the engine reads only when
// notified or once an hour: a retry that comes within seconds was made in
// process, by the retry lane.
func laneConfig(t *testing.T, st *store, schedule ...time.Duration) deliver.Config {
	cfg := testConfig(t, st)
	cfg.PollEvery = time.Hour
	if schedule != nil {
		cfg.Policy.Schedule = schedule
	}
	return cfg
}

func numbers(d *core.Delivery) string {
	var n []int
	for _, a := range d.Attempts {
		n = append(n, a.Number)
	}
	return fmt.Sprint(n)
}

func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

func TestRetryLane(t *testing.T) {
	t.Parallel()

	t.Run("makes short retries in process, each a numbered attempt in the log", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			switch n {
			case 1:
				reset(w)
			case 2:
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		e, _ := start(t, laneConfig(t, st))
		ids := st.enqueue(t, w, "e1")
		e.Notify()
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		if got := statuses(d); got != "0 503 200" {
			t.Errorf("attempts logged: %s; want 0 (the reset) 503 200", got)
		}
		if got := numbers(d); got != "[1 2 3]" {
			t.Errorf("attempt numbers %s; want [1 2 3]", got)
		}
		if d.Attempts[0].Error == "" {
			t.Error("the reset attempt logged no error")
		}
		if hits := rc.Hits("/h"); len(hits) != 3 || fmt.Sprint(webhookIDs(hits)) != fmt.Sprint([]string{d.MsgID, d.MsgID, d.MsgID}) {
			t.Errorf("receiver got webhook-ids %v; want %s three times, one per logged attempt", webhookIDs(hits), d.MsgID)
		}
	})

	t.Run("keeps a retry in process when the webhook changed only its failure clock", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.WriteHeader(http.StatusInternalServerError)
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		// A long step, so that the test sees the wait however loaded the
		// machine is.
		e, _ := start(t, laneConfig(t, st, 0, 8*time.Second))
		ids := st.enqueue(t, w, "e1")
		e.Notify()
		st.waitState(t, w, ids[0], core.StateRetrying)
		waitFor(t, "the failure clock to start", func() bool {
			got, err := st.webhooks.FindWebhookByID(context.Background(), w.ID)
			if err != nil {
				t.Fatal(err)
			}
			return !got.FailingSince.IsZero()
		})
		e.Notify() // the engine reads the changed row during the wait
		// Left to the outbox, it would wait for the hourly poll.
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		if got := statuses(d); got != "500 200" {
			t.Errorf("attempts logged: %s; want 500 200", got)
		}
	})

	t.Run("waits out a Retry-After within a minute in process", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		e, _ := start(t, laneConfig(t, st))
		ids := st.enqueue(t, w, "e1")
		e.Notify()
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		hits := rc.Hits("/h")
		if len(hits) != 2 || statuses(d) != "503 200" {
			t.Fatalf("%d requests, attempts %s; want 2: 503 200", len(hits), statuses(d))
		}
		// The schedule alone would retry after 50ms.
		if gap := hits[1].at.Sub(hits[0].at); gap < 950*time.Millisecond {
			t.Errorf("retried %s after the 503; Retry-After asked for 1s", gap)
		}
	})

	for _, tt := range []struct {
		name     string
		schedule []time.Duration
		answer   func(w http.ResponseWriter)
		due      time.Duration // after the first attempt, at least
	}{
		{"leaves a step of a minute or more to the outbox", []time.Duration{0, time.Minute},
			func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }, 48 * time.Second},
		{"leaves a Retry-After beyond a minute to the outbox", nil,
			func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "90")
				w.WriteHeader(http.StatusTooManyRequests)
			}, 90 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newStore(t)
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					tt.answer(w)
				}
			})
			w := st.addHook(t, rc.URL+"/h", nil)
			cfg := laneConfig(t, st, tt.schedule...)
			cfg.Policy.MaxRetryAfter = time.Hour
			// Polled, so that the redelivery below is read however its
			// commit and the first attempt's interleave.
			cfg.PollEvery = 50 * time.Millisecond
			e, _ := start(t, cfg)
			ids := st.enqueue(t, w, "e1")
			e.Notify()
			d := st.waitState(t, w, ids[0], core.StateRetrying)
			if wait := d.NextAttemptAt.Sub(d.Attempts[0].StartedAt); wait < tt.due {
				t.Errorf("due again %s after the first attempt; want at least %s", wait, tt.due)
			}
			// Held in process, it would not be read back from the outbox.
			if _, err := st.deliveries.Redeliver(context.Background(), d.ID); err != nil {
				t.Fatal(err)
			}
			e.Notify()
			d = st.waitState(t, w, ids[0], core.StateSucceeded)
			if n := len(rc.Hits("/h")); n != 2 || len(d.Attempts) != 2 {
				t.Errorf("%d requests, %d attempts; want the failed one and the redelivery", n, len(d.Attempts))
			}
		})
	}

	t.Run("never holds a first-attempt worker with a failing endpoint", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.URL.Path == "/bad" {
				w.WriteHeader(http.StatusInternalServerError)
			}
		})
		bad, good := st.addHook(t, rc.URL+"/bad", nil), st.addHook(t, rc.URL+"/good", nil)
		cfg := laneConfig(t, st, 0, 10*time.Second, 10*time.Second)
		cfg.Workers = 1
		e, _ := start(t, cfg)
		badIDs := st.enqueue(t, bad, "b1", "b2", "b3")
		st.enqueue(t, good, "g1", "g2", "g3")
		e.Notify()
		waitFor(t, "the healthy endpoint's deliveries", func() bool { return len(rc.Hits("/good")) == 3 })
		for _, id := range badIDs {
			st.waitState(t, bad, id, core.StateRetrying)
		}
		// Each failing delivery waits its 10 s step in the retry lane, not
		// on the one first-attempt worker.
		if n := len(rc.Hits("/bad")); n != 3 {
			t.Errorf("the failing endpoint got %d requests; want its 3 first attempts", n)
		}
	})

	t.Run("ends a wait at shutdown and leaves the retry due in the outbox", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.WriteHeader(http.StatusBadGateway)
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		cfg := laneConfig(t, st, 0, 10*time.Second)
		cfg.DrainTimeout = time.Minute
		e, stop := start(t, cfg)
		ids := st.enqueue(t, w, "e1")
		e.Notify()
		d := st.waitState(t, w, ids[0], core.StateRetrying)
		stop()
		if now := time.Now(); !now.Before(d.NextAttemptAt) {
			t.Errorf("Run returned at %s, after the retry was due (%s): it waited instead of leaving it to the outbox",
				now.Format(time.StampMilli), d.NextAttemptAt.Format(time.StampMilli))
		}
		if n := len(rc.Hits("/h")); n != 1 {
			t.Fatalf("%d requests before the restart; want 1", n)
		}
		cfg.PollEvery = 50 * time.Millisecond
		start(t, cfg)
		d = st.waitState(t, w, ids[0], core.StateSucceeded)
		if hits := rc.Hits("/h"); len(hits) != 2 || hits[1].header.Get("webhook-id") != d.MsgID || statuses(d) != "502 200" {
			t.Errorf("after the restart: %d requests with webhook-ids %v, attempts %s; want 2 with %s: 502 200",
				len(hits), webhookIDs(hits), statuses(d), d.MsgID)
		}
	})

	t.Run("sends the retry to the webhook's new URL when it changed during the wait", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.URL.Path == "/old" {
				w.Header().Set("Retry-After", "8") // ample time for the edit below
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})
		w := st.addHook(t, rc.URL+"/old", nil)
		cfg := laneConfig(t, st)
		cfg.PollEvery = 50 * time.Millisecond
		e, _ := start(t, cfg)
		ids := st.enqueue(t, w, "e1")
		e.Notify()
		st.waitState(t, w, ids[0], core.StateRetrying)
		url := rc.URL + "/new"
		if _, err := st.webhooks.UpdateWebhook(context.Background(), w.ID, core.WebhookUpdate{URL: &url}); err != nil {
			t.Fatal(err)
		}
		e.Notify()
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		if o, n := len(rc.Hits("/old")), len(rc.Hits("/new")); o != 1 || n != 1 || statuses(d) != "503 200" {
			t.Errorf("%d requests to the old URL, %d to the new, attempts %s; want 1, 1: 503 200", o, n, statuses(d))
		}
	})
}
