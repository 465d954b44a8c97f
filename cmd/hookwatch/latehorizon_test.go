package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestLateHorizonFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hw.db")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"the retired settle delay", []string{"--settle-delay", "2s", "--headless"}, "settle_delay: is gone: use --late-horizon"},
		{"a horizon under 30s", []string{"--late-horizon", "29s", "--headless"}, "late_horizon: must be between 30s and 5m"},
		{"a horizon over 5m", []string{"--late-horizon", "5m1s", "--headless"}, "late_horizon: must be between 30s and 5m"},
		{"no duration", []string{"--late-horizon", "soon", "--headless"}, `late_horizon: must be a duration such as 2m, not "soon"`},
	} {
		t.Run("refuses "+tc.name+" with exit 2 and the rule", func(t *testing.T) {
			code, _, errs := hw(t, db, tc.args...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tc.want)
			}
		})
	}
	t.Run("accepts the ends of the range", func(t *testing.T) {
		for _, d := range []string{"30s", "5m"} {
			mustHW(t, db, "--late-horizon", d, "status")
		}
	})
	t.Run("status --json carries late_events at the top level", func(t *testing.T) {
		var v map[string]any
		if err := json.Unmarshal([]byte(mustHW(t, db, "status", "--json")), &v); err != nil {
			t.Fatal(err)
		}
		if n, ok := v["late_events"].(float64); !ok || n != 0 {
			t.Errorf("late_events = %v (%T); want the number 0", v["late_events"], v["late_events"])
		}
	})
}
