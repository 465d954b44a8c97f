package main

import (
	"io"
	"slices"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookwatch/hookwatch/core"
)

func TestRetryFlags(t *testing.T) {
	parse := func(args ...string) (RetryConfig, error) {
		var r RetryConfig
		fs := pflag.NewFlagSet("hookwatch", pflag.ContinueOnError)
		fs.SetOutput(io.Discard)
		retryFlags(fs, &r)
		err := fs.Parse(args)
		if err != nil {
			err = flagError(nil, err)
		}
		return r, err
	}

	t.Run("sets the schedule and the request timeout of the engine's policy", func(t *testing.T) {
		r, err := parse("--retry-schedule", "0s, 200ms,1s", "--request-timeout", "1500ms")
		if err != nil {
			t.Fatal(err)
		}
		p := r.Policy()
		want := []time.Duration{0, 200 * time.Millisecond, time.Second}
		def := core.DefaultRetryPolicy()
		if !slices.Equal(p.Schedule, want) || p.Timeout != 1500*time.Millisecond || p.Jitter != def.Jitter ||
			p.MinRetryAfter != def.MinRetryAfter || p.DisableAfter != def.DisableAfter {
			t.Errorf("policy = %+v", p)
		}
	})
	t.Run("keeps the default policy when not given", func(t *testing.T) {
		r, err := parse()
		if err != nil {
			t.Fatal(err)
		}
		if p, def := r.Policy(), core.DefaultRetryPolicy(); !slices.Equal(p.Schedule, def.Schedule) || p.Timeout != def.Timeout {
			t.Errorf("policy = %+v, want the default", p)
		}
	})
	t.Run("refuses bad values naming the field", func(t *testing.T) {
		for _, tc := range []struct {
			args  []string
			field string
		}{
			{[]string{"--retry-schedule", "0s,soon"}, "retry_schedule"},
			{[]string{"--retry-schedule", "0s,-1s"}, "retry_schedule"},
			{[]string{"--retry-schedule", ""}, "retry_schedule"},
			{[]string{"--request-timeout", "0s"}, "request_timeout"},
			{[]string{"--request-timeout", "fast"}, "request_timeout"},
		} {
			if _, err := parse(tc.args...); core.ErrorField(err) != tc.field || core.ErrorCode(err) != core.EINVALID {
				t.Errorf("%q: error %v; want an invalid %s", tc.args, err, tc.field)
			}
		}
	})
}
