package core

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy decides what follows an attempt. It is pure: the caller gives
// it the time and a random number, so the schedule can be tested exactly.
type RetryPolicy struct {
	// Schedule holds the delay before each attempt; Schedule[0] is the
	// first attempt's (normally 0), and len(Schedule) is the most
	// attempts a delivery gets.
	Schedule []time.Duration
	// Jitter spreads each delay by up to ±Jitter of itself (0.2 = ±20%),
	// so that a receiver coming back up is not hit by every retry at once.
	Jitter float64
	// Timeout bounds one request, connect to last byte.
	Timeout time.Duration
	// MinRetryAfter and MaxRetryAfter clamp a Retry-After header.
	MinRetryAfter, MaxRetryAfter time.Duration
	// DisableAfter disables a webhook that has failed for this long with no
	// success in between; zero never disables.
	DisableAfter time.Duration
}

// DefaultRetryPolicy is Svix's schedule: 8 attempts over about 27.6 h.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		Schedule: []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute,
			2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour},
		Jitter:        0.2,
		Timeout:       10 * time.Second,
		MinRetryAfter: time.Second,
		MaxRetryAfter: 6 * time.Hour,
		DisableAfter:  5 * 24 * time.Hour,
	}
}

// Verdict is the outcome of one attempt.
type Verdict string

// Verdicts.
const (
	VerdictSuccess Verdict = "success" // 2xx: done
	VerdictRetry   Verdict = "retry"   // failed; try again at NextAttemptAt
	VerdictFail    Verdict = "fail"    // failed; no attempts left
	// VerdictInterrupted: shutdown cut the attempt off. It does not count
	// against the schedule and is tried again after the restart.
	VerdictInterrupted Verdict = "interrupted"
)

// Decision is what the policy decided after an attempt.
type Decision struct {
	Verdict       Verdict
	NextAttemptAt time.Time
	// DisableWebhook asks for the webhook to be disabled (410 Gone), with
	// DisableReason shown to the user. The delivery is then held until the
	// webhook is enabled again.
	DisableWebhook bool
	DisableReason  string
	// DisableAfter carries the policy's auto-disable period to the store,
	// which knows how long the webhook has been failing.
	DisableAfter time.Duration
	// Step is the wait a retry was given before jitter: the schedule's
	// step, or the answer's Retry-After as clamped. It says whether the
	// retry is a short one (see InProcess); jitter never moves a step
	// across that line.
	Step time.Duration
}

// ShortRetry bounds the retry steps waited out in process: a retry whose
// step (a schedule step, or a Retry-After) is shorter is made by the
// delivery engine's retry lane while the delivery stays in memory; a
// longer one waits in the durable outbox. The attempt is recorded before
// either wait, so a crash during one loses nothing: the outbox has the
// delivery, due at the recorded time, under the same webhook-id.
const ShortRetry = time.Minute

// InProcess reports whether the retry d asks for is a short one (see
// ShortRetry). A retry that disables the webhook never is.
func (d Decision) InProcess() bool {
	return d.Verdict == VerdictRetry && !d.DisableWebhook && d.Step < ShortRetry
}

// Decide returns what follows the attempt numbered attempt (1 for the first)
// that got status (0 when the request failed with no answer) and the
// Retry-After header retryAfter. rnd is a uniform random number in [0, 1).
func (p RetryPolicy) Decide(attempt, status int, retryAfter string, now time.Time, rnd float64) Decision {
	d := Decision{DisableAfter: p.DisableAfter}
	if status >= 200 && status < 300 {
		d.Verdict = VerdictSuccess
		return d
	}
	if status == http.StatusGone {
		d.DisableWebhook = true
		d.DisableReason = "endpoint answered 410 Gone at " + now.UTC().Format(time.RFC3339)
		d.Verdict = VerdictRetry
		d.NextAttemptAt = now
		return d
	}
	if attempt >= len(p.Schedule) {
		d.Verdict = VerdictFail
		return d
	}
	d.Verdict = VerdictRetry
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if ra, ok := ParseRetryAfter(retryAfter, now); ok {
			d.Step = min(max(ra, p.MinRetryAfter), p.MaxRetryAfter)
			d.NextAttemptAt = now.Add(d.Step)
			return d
		}
	}
	d.Step = p.Schedule[attempt]
	d.NextAttemptAt = now.Add(p.Delay(attempt, rnd))
	return d
}

// Delay returns the jittered wait before attempt number attempt+1.
func (p RetryPolicy) Delay(attempt int, rnd float64) time.Duration {
	if attempt < 0 || attempt >= len(p.Schedule) {
		return 0
	}
	base := p.Schedule[attempt]
	f := 1 + p.Jitter*(2*rnd-1)
	return time.Duration(math.Round(float64(base) * f))
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(math.MaxInt64/time.Second) {
			n = int64(math.MaxInt64 / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// Validate checks a policy that the user configured.
func (p RetryPolicy) Validate() error {
	if len(p.Schedule) == 0 || len(p.Schedule) > 50 {
		return FieldErrorf("retry_schedule", "must have 1 to 50 steps")
	}
	for _, d := range p.Schedule {
		if d < 0 {
			return FieldErrorf("retry_schedule", "delays must not be negative")
		}
	}
	if p.Jitter < 0 || p.Jitter > 1 {
		return FieldErrorf("retry_jitter", "must be between 0 and 1")
	}
	if p.Timeout <= 0 {
		return FieldErrorf("timeout", "must be positive")
	}
	return nil
}
