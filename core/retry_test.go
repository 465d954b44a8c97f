package core_test

import (
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

func TestRetryPolicyDecide(t *testing.T) {
	p := core.DefaultRetryPolicy()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		attempt    int
		status     int
		retryAfter string
		verdict    core.Verdict
		wait       time.Duration
		disable    bool
	}{
		{"2xx succeeds", 1, 204, "", core.VerdictSuccess, 0, false},
		{"500 on the first attempt retries after 5 s", 1, 500, "", core.VerdictRetry, 5 * time.Second, false},
		{"a refused connection retries like a 5xx", 2, 0, "", core.VerdictRetry, 5 * time.Minute, false},
		{"302 is a failure and retries", 1, 302, "", core.VerdictRetry, 5 * time.Second, false},
		{"400 retries", 3, 400, "", core.VerdictRetry, 30 * time.Minute, false},
		{"429 honours Retry-After seconds", 1, 429, "120", core.VerdictRetry, 2 * time.Minute, false},
		{"503 honours an HTTP-date Retry-After", 1, 503, now.Add(90 * time.Second).Format("Mon, 02 Jan 2006 15:04:05 GMT"), core.VerdictRetry, 90 * time.Second, false},
		{"Retry-After is clamped to the maximum", 1, 429, "999999", core.VerdictRetry, 6 * time.Hour, false},
		{"Retry-After is clamped to the minimum", 1, 429, "0", core.VerdictRetry, time.Second, false},
		{"429 without Retry-After follows the schedule", 1, 429, "", core.VerdictRetry, 5 * time.Second, false},
		{"410 disables the webhook and holds the delivery", 1, 410, "", core.VerdictRetry, 0, true},
		{"the 8th failed attempt gives up", 8, 500, "", core.VerdictFail, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := p.Decide(tc.attempt, tc.status, tc.retryAfter, now, 0.5) // 0.5: no jitter
			if d.Verdict != tc.verdict || d.DisableWebhook != tc.disable {
				t.Fatalf("got %+v", d)
			}
			if tc.verdict == core.VerdictRetry {
				if got := d.NextAttemptAt.Sub(now); got != tc.wait {
					t.Errorf("waits %v, want %v", got, tc.wait)
				}
			}
		})
	}
}

func TestRetryPolicyDelayJitter(t *testing.T) {
	p := core.DefaultRetryPolicy()
	for _, tc := range []struct {
		rnd  float64
		want time.Duration
	}{
		{0, 4 * time.Minute},                             // −20% of 5 min
		{0.5, 5 * time.Minute},                           // exact
		{0.999999, 6*time.Minute - 120*time.Microsecond}, // just under +20%
	} {
		if got := p.Delay(2, tc.rnd); got.Round(time.Millisecond) != tc.want.Round(time.Millisecond) {
			t.Errorf("Delay(2, %v) = %v, want %v", tc.rnd, got, tc.want)
		}
	}
	var total time.Duration
	for _, d := range p.Schedule {
		total += d
	}
	if total.Round(6*time.Minute) != 27*time.Hour+36*time.Minute {
		t.Errorf("default schedule spans %v, want about 27.6 h as Svix", total)
	}
}

func TestDecisionInProcess(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := core.DefaultRetryPolicy()
	edge := core.DefaultRetryPolicy()
	edge.Schedule = []time.Duration{0, 55 * time.Second, core.ShortRetry}
	for _, tc := range []struct {
		name       string
		p          core.RetryPolicy
		attempt    int
		status     int
		retryAfter string
		rnd        float64
		want       bool
	}{
		{"the default 5 s step, at its longest jitter", p, 1, 500, "", 0.99, true},
		{"the default 5 min step", p, 2, 0, "", 0.5, false},
		{"a Retry-After of 30 s", p, 2, 503, "30", 0.5, true},
		{"a Retry-After of a minute", p, 1, 429, "60", 0.5, false},
		{"a 55 s step jittered past a minute", edge, 1, 500, "", 0.99, true},
		{"a one-minute step jittered under it", edge, 2, 500, "", 0, false},
		{"a 410, which holds the delivery", p, 1, 410, "", 0.5, false},
		{"a success", p, 1, 200, "", 0.5, false},
		{"the last attempt", p, len(p.Schedule), 500, "", 0.5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Decide(tc.attempt, tc.status, tc.retryAfter, now, tc.rnd).InProcess(); got != tc.want {
				t.Errorf("InProcess = %v, want %v", got, tc.want)
			}
		})
	}
}
