package main

import (
	"errors"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookwatch/hookwatch/core"
)

// RetryConfig is what the hidden global flags --retry-schedule and
// --request-timeout say. They are left out of the usage text because the
// defaults (Svix's 8 attempts over about 27.6 h, 10 s per request) suit
// every receiver; they exist so that the fault suite, or a user debugging a
// receiver, sees retries within seconds instead of minutes:
//
//	hookwatch --headless --retry-schedule 0s,200ms,1s,5s --request-timeout 2s
//
// The schedule lists the delay before each attempt, the first normally 0s;
// its length is the most attempts a delivery gets (1 to 50). The retry
// jitter (±20%) and the Retry-After bounds (1 s to 6 h) stay as they are.
// The zero value keeps the defaults.
type RetryConfig struct {
	Schedule []time.Duration // nil: core.DefaultRetryPolicy's
	Timeout  time.Duration   // 0: core.DefaultRetryPolicy's
}

// Policy returns the retry policy for the delivery engine: the default one
// with the configured schedule and request timeout.
func (r RetryConfig) Policy() core.RetryPolicy {
	p := core.DefaultRetryPolicy()
	if r.Schedule != nil {
		p.Schedule = append([]time.Duration(nil), r.Schedule...)
	}
	if r.Timeout > 0 {
		p.Timeout = r.Timeout
	}
	return p
}

// retryFlags defines --retry-schedule and --request-timeout on fs, writing
// into r (the caller passes &c.cfg.Retry). A bad value is refused naming its
// field, as other flags' are.
func retryFlags(fs *pflag.FlagSet, r *RetryConfig) {
	fs.Var(funcValue{typ: "durations", set: func(s string) error {
		sched, err := parseSchedule(s)
		if err != nil {
			return err
		}
		r.Schedule = sched
		return nil
	}}, "retry-schedule", "comma-separated delay before each attempt, e.g. 0s,200ms,1s")
	fs.Var(funcValue{typ: "duration", set: func(s string) error {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil || d <= 0 {
			return core.FieldErrorf("request_timeout", "must be a positive duration such as 500ms or 10s, not %q", s)
		}
		r.Timeout = d
		return nil
	}}, "request-timeout", "bound on one request, connect to last byte, e.g. 2s")
}

// parseSchedule reads "0s,200ms,1s" into a schedule that
// core.RetryPolicy.Validate accepts.
func parseSchedule(s string) ([]time.Duration, *core.Error) {
	var sched []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil {
			return nil, core.FieldErrorf("retry_schedule", "must be comma-separated durations such as 0s,200ms,1s, not %q", s)
		}
		sched = append(sched, d)
	}
	p := core.DefaultRetryPolicy()
	p.Schedule = sched
	if err := p.Validate(); err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, core.FieldErrorf("retry_schedule", "%v", err)
	}
	return sched, nil
}
