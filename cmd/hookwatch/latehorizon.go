package main

import (
	"flag"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// lateHorizonFlags defines --late-horizon on fs, writing into d, and the
// retired --settle-delay, left out of the usage text, which refuses every
// value and points at its replacement: goal windows no longer wait behind
// ClickHouse's now(), their buckets stay open for the horizon instead.
func (c *cli) lateHorizonFlags(fs *flag.FlagSet, d *time.Duration) {
	fs.Func("late-horizon", "how long after its timestamp a goal completion is still reported (default 2m, 30s to 5m)", func(s string) error {
		v, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return c.refuse(core.FieldErrorf("late_horizon", "must be a duration such as 2m, not %q", s))
		}
		if err := core.ValidateLateHorizon("late_horizon", v); err != nil {
			return c.refuse(err.(*core.Error))
		}
		*d = v
		return nil
	})
	fs.Func("settle-delay", "replaced by --late-horizon (hidden)", func(string) error {
		return c.refuse(core.FieldErrorf("settle_delay", "is gone: use --late-horizon"))
	})
}
