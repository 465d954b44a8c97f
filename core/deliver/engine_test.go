package deliver_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookwatch/hookwatch/core"
)

// verify checks a request as a receiver following the Standard Webhooks
// spec would, written from the spec rather than from core.Sign: the
// signature is an HMAC-SHA256 over "id.timestamp.body" keyed with the
// base64-decoded secret, the timestamp must be within 5 minutes, and any
// one of the space-separated v1 signatures may match.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("missing webhook headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s off by %s", ts, d)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", id, ts, body)
	want := mac.Sum(nil)
	for _, s := range strings.Split(sigs, " ") {
		version, b64, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no signature in %q matches", sigs)
}

func TestEngineSigning(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rc := newReceiver(t, nil)
	w := st.addHook(t, rc.URL+"/hook", nil)
	start(t, testConfig(t, st))

	t.Run("delivers a request a spec verifier accepts", func(t *testing.T) {
		ids := st.enqueue(t, w, "sign-1")
		st.waitState(t, w, ids[0], core.StateSucceeded)
		h := rc.Hits("/hook")[0]
		if err := verify(w.Secret, h.header, h.body, time.Now()); err != nil {
			t.Fatalf("receiver rejects the delivery: %v", err)
		}
		if got := h.header.Get("webhook-id"); got != ids[0] {
			t.Errorf("webhook-id = %q; want %q", got, ids[0])
		}
		if got := h.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := h.header.Get("User-Agent"); got != "hookwatch/test" {
			t.Errorf("User-Agent = %q", got)
		}
	})

	t.Run("is accepted with the old and the new secret while a rotation overlaps", func(t *testing.T) {
		old := w.Secret
		rotated, err := st.webhooks.RotateSecret(context.Background(), w.ID, core.GenerateSecret(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		// The engine re-reads webhooks within a second; keep sending
		// until a request carries both signatures.
		for i := 0; ; i++ {
			ids := st.enqueue(t, w, fmt.Sprintf("rotate-%d", i))
			st.waitState(t, w, ids[0], core.StateSucceeded)
			hits := rc.Hits("/hook")
			h := hits[len(hits)-1]
			if len(strings.Fields(h.header.Get("webhook-signature"))) < 2 {
				if i > 100 {
					t.Fatal("the rotated secret never signed")
				}
				continue
			}
			for _, secret := range []string{old, rotated.Secret} {
				if err := verify(secret, h.header, h.body, time.Now()); err != nil {
					t.Errorf("receiver with secret %s… rejects: %v", secret[:10], err)
				}
			}
			return
		}
	})
}

func TestEngineOutcomes(t *testing.T) {
	t.Parallel()

	t.Run("delivers on a retry after a 500 with the same webhook-id", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				http.Error(w, "boom", http.StatusInternalServerError)
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		start(t, testConfig(t, st))
		ids := st.enqueue(t, w, "e1")
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		hits := rc.Hits("/h")
		if len(hits) != 2 {
			t.Fatalf("receiver got %d requests; want 2", len(hits))
		}
		for i, h := range hits {
			if got := h.header.Get("webhook-id"); got != d.MsgID {
				t.Errorf("request %d webhook-id = %q; want %q", i+1, got, d.MsgID)
			}
		}
		if got := statuses(d); got != "500 200" {
			t.Errorf("attempts logged: %s; want 500 200", got)
		}
		if d.Attempts[0].ResponseBody != "boom\n" {
			t.Errorf("first attempt's body = %q; want the 500's body", d.Attempts[0].ResponseBody)
		}
	})

	t.Run("waits for Retry-After after a 429", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		start(t, testConfig(t, st))
		ids := st.enqueue(t, w, "e1")
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		hits := rc.Hits("/h")
		if len(hits) != 2 {
			t.Fatalf("receiver got %d requests; want 2", len(hits))
		}
		// The schedule alone would retry after 50ms.
		if gap := hits[1].at.Sub(hits[0].at); gap < 950*time.Millisecond {
			t.Errorf("retried %s after the 429; want Retry-After's 1s", gap)
		}
		if got := statuses(d); got != "429 200" {
			t.Errorf("attempts logged: %s; want 429 200", got)
		}
	})

	t.Run("logs a timeout and retries after a hang", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		var rc *receiver
		rc = newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				rc.hang(r)
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		cfg := testConfig(t, st)
		// Long enough that the retry, answered at once, never times out
		// too on a loaded machine.
		cfg.Policy.Timeout = 2 * time.Second
		start(t, cfg)
		ids := st.enqueue(t, w, "e1")
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		if got := statuses(d); got != "0 200" {
			t.Fatalf("attempts logged: %s; want 0 (no answer) then 200", got)
		}
		if e := d.Attempts[0].Error; !strings.Contains(e, "Timeout") && !strings.Contains(e, "deadline") {
			t.Errorf("first attempt's error = %q; want a timeout", e)
		}
	})

	t.Run("logs a reset connection and retries", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		start(t, testConfig(t, st))
		ids := st.enqueue(t, w, "e1")
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		if got := statuses(d); got != "0 200" {
			t.Fatalf("attempts logged: %s; want 0 (no answer) then 200", got)
		}
		if d.Attempts[0].Error == "" {
			t.Error("the reset attempt has no error text")
		}
		if n := len(rc.Hits("/h")); n != 2 {
			t.Errorf("receiver got %d requests; want 2 (no hidden retry)", n)
		}
	})

	t.Run("counts a 302 as a failure and does not follow it", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.URL.Path == "/h" {
				http.Redirect(w, r, "/target", http.StatusFound)
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		cfg := testConfig(t, st)
		cfg.Policy.Schedule = cfg.Policy.Schedule[:2]
		start(t, cfg)
		ids := st.enqueue(t, w, "e1")
		d := st.waitState(t, w, ids[0], core.StateFailed)
		if got := statuses(d); got != "302 302" {
			t.Errorf("attempts logged: %s; want 302 302 (retried like a 5xx)", got)
		}
		if !strings.Contains(d.Attempts[0].Error, "redirect") {
			t.Errorf("attempt error = %q; want it to say the redirect was not followed", d.Attempts[0].Error)
		}
		if n := len(rc.Hits("/target")); n != 0 {
			t.Errorf("the redirect target got %d requests; want 0", n)
		}
	})

	t.Run("keeps 4 KiB of a huge response body", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			chunk := []byte(strings.Repeat("x", 64<<10))
			for range 160 { // 10 MiB
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		start(t, testConfig(t, st))
		ids := st.enqueue(t, w, "e1")
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		if n := len(d.Attempts[0].ResponseBody); n != core.MaxResponseBody {
			t.Errorf("kept %d bytes of the body; want %d", n, core.MaxResponseBody)
		}
	})

	t.Run("disables the webhook on 410 and holds its deliveries until it is enabled", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		var gone atomic.Bool
		gone.Store(true)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.URL.Path == "/gone" && gone.Load() {
				w.WriteHeader(http.StatusGone)
			}
		})
		w := st.addHook(t, rc.URL+"/gone", nil)
		healthy := st.addHook(t, rc.URL+"/ok", nil)
		start(t, testConfig(t, st))
		first := st.enqueue(t, w, "e1")
		waitFor(t, "the webhook to be disabled", func() bool {
			got, err := st.webhooks.FindWebhookByID(context.Background(), w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Enabled && !strings.Contains(got.DisabledReason, "410") {
				t.Fatalf("disabled with reason %q; want it to name the 410", got.DisabledReason)
			}
			return !got.Enabled
		})
		second := st.enqueue(t, w, "e2")
		// Several rounds later (the healthy webhook's deliveries went
		// through), the disabled webhook's deliveries are still held.
		for i := range 5 {
			ids := st.enqueue(t, healthy, fmt.Sprintf("h%d", i))
			st.waitState(t, healthy, ids[0], core.StateSucceeded)
		}
		if n := len(rc.Hits("/gone")); n != 1 {
			t.Fatalf("the disabled webhook got %d requests; want 1 (the 410)", n)
		}
		gone.Store(false)
		if _, err := st.webhooks.SetWebhookEnabled(context.Background(), w.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		st.waitState(t, w, first[0], core.StateSucceeded)
		st.waitState(t, w, second[0], core.StateSucceeded)
		if n := len(rc.Hits("/gone")); n != 3 {
			t.Errorf("the webhook got %d requests; want 3 (the 410, then both deliveries)", n)
		}
	})
}

func TestEngineEgress(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rc := newReceiver(t, nil)
	cfg := testConfig(t, st)
	cfg.Policy.Schedule = cfg.Policy.Schedule[:1]
	cfg.Resolver = dnsServer(t, map[string]string{"hook.test": "127.0.0.1"})
	start(t, cfg)
	url := "http://hook.test:" + rc.port()

	t.Run("refuses a name that resolves to loopback at connect time", func(t *testing.T) {
		w := st.addHook(t, url+"/guarded", func(w *core.Webhook) { w.AllowPrivate = false })
		ids := st.enqueue(t, w, "e1")
		d := st.waitState(t, w, ids[0], core.StateFailed)
		want := "refused to connect to 127.0.0.1: a loopback address; set allow_private on the webhook to allow it"
		if len(d.Attempts) != 1 || !strings.Contains(d.Attempts[0].Error, want) {
			t.Fatalf("attempts = %s; want one refused with %q", attemptsText(d), want)
		}
		if n := len(rc.Hits("/guarded")); n != 0 {
			t.Errorf("receiver got %d requests; want none", n)
		}
	})

	t.Run("reaches it with allow_private", func(t *testing.T) {
		w := st.addHook(t, url+"/private", func(w *core.Webhook) { w.AllowPrivate = true })
		ids := st.enqueue(t, w, "e1")
		st.waitState(t, w, ids[0], core.StateSucceeded)
		if n := len(rc.Hits("/private")); n != 1 {
			t.Errorf("receiver got %d requests; want 1", n)
		}
	})
}

func TestEngineFairness(t *testing.T) {
	t.Parallel()

	t.Run("keeps a webhook's requests in flight under its cap", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			time.Sleep(30 * time.Millisecond)
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		cfg := testConfig(t, st)
		cfg.MaxInFlightPerWebhook = 2
		cfg.RatePerWebhook = rate.Inf
		start(t, cfg)
		keys := make([]string, 20)
		for i := range keys {
			keys[i] = fmt.Sprint("e", i)
		}
		st.enqueue(t, w, keys...)
		waitFor(t, "all deliveries", func() bool { return rc.IDs("/h") == len(keys) })
		if got := rc.MaxRunning("/h"); got != 2 {
			t.Errorf("at most %d requests in flight; want exactly the cap, 2", got)
		}
	})

	t.Run("spaces a webhook's requests by its rate and drops none", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, nil)
		w := st.addHook(t, rc.URL+"/h", nil)
		cfg := testConfig(t, st)
		cfg.RatePerWebhook, cfg.Burst = 20, 1
		start(t, cfg)
		keys := make([]string, 10)
		for i := range keys {
			keys[i] = fmt.Sprint("e", i)
		}
		st.enqueue(t, w, keys...)
		waitFor(t, "all deliveries", func() bool { return rc.IDs("/h") == len(keys) })
		hits := rc.Hits("/h")
		// 9 intervals of 50ms at 20/s, less a little for clock edges.
		if span := hits[len(hits)-1].at.Sub(hits[0].at); span < 400*time.Millisecond {
			t.Errorf("10 requests within %s; want them spread at 20/s", span)
		}
	})
}

func TestEngineRestart(t *testing.T) {
	t.Parallel()

	t.Run("records a request cut off by shutdown as interrupted and sends it again after a restart", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		var hang atomic.Bool
		hang.Store(true)
		var rc *receiver
		rc = newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if hang.Load() {
				rc.hang(r)
			}
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		cfg := testConfig(t, st)
		cfg.Policy.Timeout = time.Minute
		cfg.DrainTimeout = 100 * time.Millisecond
		_, stop := start(t, cfg)
		ids := st.enqueue(t, w, "e1")
		waitFor(t, "the request to arrive", func() bool { return len(rc.Hits("/h")) == 1 })
		stop()
		d := st.delivery(t, w, ids[0])
		if d.State != core.StatePending || d.AttemptCount != 0 {
			t.Errorf("after shutdown: state %s, attempt count %d; want pending, 0", d.State, d.AttemptCount)
		}
		if len(d.Attempts) != 1 || !d.Attempts[0].Interrupted || d.Attempts[0].Error != "interrupted by shutdown" {
			t.Fatalf("attempts = %s; want one interrupted by shutdown", attemptsText(d))
		}

		hang.Store(false)
		start(t, cfg)
		d = st.waitState(t, w, ids[0], core.StateSucceeded)
		hits := rc.Hits("/h")
		if len(hits) != 2 || hits[0].header.Get("webhook-id") != d.MsgID || hits[1].header.Get("webhook-id") != d.MsgID {
			t.Errorf("receiver got %d requests with webhook-ids %v; want 2 with %s", len(hits), webhookIDs(hits), d.MsgID)
		}
	})

	t.Run("sends a redelivered delivery again with the same webhook-id", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, nil)
		w := st.addHook(t, rc.URL+"/h", nil)
		cfg := testConfig(t, st)
		cfg.PollEvery = 0 // the default, as `hookwatch redeliver` meets it
		start(t, cfg)
		ids := st.enqueue(t, w, "e1")
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		// As another process would: straight to the database.
		if _, err := st.deliveries.Redeliver(context.Background(), d.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the redelivery", func() bool { return len(rc.Hits("/h")) == 2 })
		d = st.waitState(t, w, ids[0], core.StateSucceeded)
		if hits := rc.Hits("/h"); hits[1].header.Get("webhook-id") != d.MsgID {
			t.Errorf("redelivered with webhook-id %q; want %q", hits[1].header.Get("webhook-id"), d.MsgID)
		}
		if len(d.Attempts) != 2 {
			t.Errorf("%d attempts logged; want 2", len(d.Attempts))
		}
	})
}

func TestSendTest(t *testing.T) {
	t.Parallel()

	t.Run("sends one signed webhook.test and reports the answer", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Write([]byte("thanks, got it"))
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		e, _ := start(t, testConfig(t, st)) // safe while Run is active
		d, a, err := e.SendTest(context.Background(), w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.State != core.StateSucceeded || a.StatusCode != 200 || a.ResponseBody != "thanks, got it" || a.DurationMS <= 0 {
			t.Errorf("SendTest = state %s, status %d, body %q, %.3fms; want succeeded, 200, the body, a latency",
				d.State, a.StatusCode, a.ResponseBody, a.DurationMS)
		}
		if d.EventType != core.EventTest {
			t.Errorf("event type %s; want %s", d.EventType, core.EventTest)
		}
		// A regular delivery afterwards shows the dispatcher did not
		// also send the test event.
		ids := st.enqueue(t, w, "after")
		st.waitState(t, w, ids[0], core.StateSucceeded)
		hits := rc.Hits("/h")
		if len(hits) != 2 {
			t.Fatalf("receiver got %d requests; want 2 (the test once, then the delivery)", len(hits))
		}
		var env struct {
			Type core.EventType `json:"type"`
			Data core.TestData  `json:"data"`
		}
		if err := json.Unmarshal(hits[0].body, &env); err != nil || env.Type != core.EventTest || env.Data.WebhookID != w.ID {
			t.Errorf("test body %s (%v); want a webhook.test envelope for webhook %d", hits[0].body, err, w.ID)
		}
		if err := verify(w.Secret, hits[0].header, hits[0].body, time.Now()); err != nil {
			t.Errorf("test event fails verification: %v", err)
		}
		logged := st.delivery(t, w, d.MsgID)
		if len(logged.Attempts) != 1 || logged.Attempts[0].StatusCode != 200 {
			t.Errorf("logged attempts %s; want one 200", attemptsText(logged))
		}
	})

	t.Run("fails without retrying when the endpoint errs", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			http.Error(w, "nope", http.StatusInternalServerError)
		})
		w := st.addHook(t, rc.URL+"/h", nil)
		e, _ := start(t, testConfig(t, st))
		d, a, err := e.SendTest(context.Background(), w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.State != core.StateFailed || a.StatusCode != 500 {
			t.Errorf("SendTest = state %s, status %d; want failed, 500", d.State, a.StatusCode)
		}
		ids := st.enqueue(t, w, "after")
		st.waitState(t, w, ids[0], core.StateRetrying)
		if n := len(st.delivery(t, w, d.MsgID).Attempts); n != 1 {
			t.Errorf("test delivery has %d attempts; want 1", n)
		}
	})

	t.Run("works without a running engine", func(t *testing.T) {
		t.Parallel()
		st := newStore(t)
		rc := newReceiver(t, nil)
		w := st.addHook(t, rc.URL+"/h", nil)
		d, a, err := newEngine(t, st).SendTest(context.Background(), w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.State != core.StateSucceeded || a.StatusCode != 200 || len(rc.Hits("/h")) != 1 {
			t.Errorf("SendTest = state %s, status %d, %d requests; want succeeded, 200, 1", d.State, a.StatusCode, len(rc.Hits("/h")))
		}
	})
}

func TestEngineCustomHeaders(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rc := newReceiver(t, failFirst)
	w := st.addHook(t, rc.URL+"/h", func(w *core.Webhook) {
		w.Headers = map[string]string{"Authorization": "Bearer s3cret-token", "X-Env": "prod-env"}
	})
	cfg, logs := capturingConfig(t, st)
	start(t, cfg)

	t.Run("sends them and hides their values in the log", func(t *testing.T) {
		ids := st.enqueue(t, w, "e1")
		d := st.waitState(t, w, ids[0], core.StateSucceeded)
		hits := rc.Hits("/h")
		if len(hits) != 2 {
			t.Fatalf("receiver got %d requests; want the failed one and its retry", len(hits))
		}
		for _, hit := range hits {
			if h := hit.header; h.Get("Authorization") != "Bearer s3cret-token" || h.Get("X-Env") != "prod-env" {
				t.Errorf("receiver got Authorization %q, X-Env %q", h.Get("Authorization"), h.Get("X-Env"))
			}
		}
		logged := d.Attempts[0].RequestHeaders
		if len(logged["Webhook-Signature"]) != 1 || logged["Webhook-Id"][0] != d.MsgID {
			t.Errorf("logged headers %v; want the signature and webhook-id shown", logged)
		}
		if out := logs.String(); !strings.Contains(out, "attempt failed") {
			t.Errorf("the log does not show the failed attempt, so it proves nothing:\n%s", out)
		}
		checkHidden(t, d, logs.String(), w)
	})
}

func statuses(d *core.Delivery) string {
	s := make([]string, len(d.Attempts))
	for i, a := range d.Attempts {
		s[i] = strconv.Itoa(a.StatusCode)
	}
	return strings.Join(s, " ")
}

func attemptsText(d *core.Delivery) string {
	var b strings.Builder
	for _, a := range d.Attempts {
		fmt.Fprintf(&b, "[%d %q interrupted=%v] ", a.StatusCode, a.Error, a.Interrupted)
	}
	return b.String()
}

func webhookIDs(hits []hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.header.Get("webhook-id")
	}
	return out
}
