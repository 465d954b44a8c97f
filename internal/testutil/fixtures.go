package testutil

import (
	"context"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

// Goal creates g through goals and returns it with its ID set; it fails tb
// if the store refuses it. It is the tests' one goal fixture: a test that
// means to see the refusal calls CreateGoal itself.
func Goal(tb testing.TB, goals core.GoalService, g *core.Goal) *core.Goal {
	tb.Helper()
	if err := goals.CreateGoal(context.Background(), g); err != nil {
		tb.Fatalf("CreateGoal(%s %q %q): %v", g.Site, g.EventName, g.PagePath, err)
	}
	return g
}
