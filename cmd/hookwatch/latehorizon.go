package main

import (
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookwatch/hookwatch/core"
)

// lateHorizonFlags defines --late-horizon on fs, writing into d, and the
// retired --settle-delay, hidden from help, which refuses every value and
// points at its replacement: goal windows no longer wait behind
// ClickHouse's now(), their buckets stay open for the horizon instead.
func lateHorizonFlags(fs *pflag.FlagSet, d *time.Duration) {
	fs.Var(funcValue{typ: "duration", set: func(s string) error {
		v, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return core.FieldErrorf("late_horizon", "must be a duration such as 2m, not %q", s)
		}
		if err := core.ValidateLateHorizon("late_horizon", v); err != nil {
			return err
		}
		*d = v
		return nil
	}}, "late-horizon", "engine: how long after its timestamp a goal completion is still reported (default 2m, 30s to 5m)")
	fs.Var(funcValue{typ: "duration", set: func(string) error {
		return core.FieldErrorf("settle_delay", "is gone: use --late-horizon")
	}}, "settle-delay", "replaced by --late-horizon")
	_ = fs.MarkHidden("settle-delay")
}
