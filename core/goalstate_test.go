package core_test

import (
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

func TestGoalStateKept(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		st   core.GoalState
		want time.Time
	}{
		{"no recount: from the open bucket", core.GoalState{Open: t0}, t0},
		{"a closed bucket awaiting its recount", core.GoalState{Open: t0, Recount: t0.Add(-2 * time.Minute)}, t0.Add(-2 * time.Minute)},
		{"open before the recount", core.GoalState{Open: t0.Add(-time.Minute), Recount: t0}, t0.Add(-time.Minute)},
	} {
		if got := c.st.Kept(); !got.Equal(c.want) {
			t.Errorf("%s: Kept() = %v; want %v", c.name, got, c.want)
		}
	}
}
