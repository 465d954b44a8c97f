package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/internal/testutil"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// TestConfigVersion: every change to the sites or goals moves the number,
// whatever made it (a cascade included), and changes to anything else
// leave it, so that a poller keeps its read only while it is right.
func TestConfigVersion(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t)
	sites, goals := sqlite.NewSiteService(db), sqlite.NewGoalService(db)
	mustSite(t, db, "a.example", 1)
	var goal *core.Goal
	for _, step := range []struct {
		name  string
		moves bool
		do    func()
	}{
		{"a site added", true, func() { mustSite(t, db, "b.example", 2) }},
		{"a goal added", true, func() { goal = testutil.Goal(t, goals, &core.Goal{Site: "a.example", EventName: "Signup"}) }},
		{"a webhook added", false, func() { mustWebhook(t, db, "a.example") }},
		{"a poll committed", false, func() {
			if err := sqlite.NewTriggerStore(db).CommitPoll(ctx, core.PollCommit{Status: core.PollStatus{ClickHouseOK: true}}); err != nil {
				t.Fatal(err)
			}
		}},
		{"a goal deleted", true, func() {
			if err := goals.DeleteGoal(ctx, goal.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"a goal added to the second site", true, func() { testutil.Goal(t, goals, &core.Goal{Site: "b.example", PagePath: "/x"}) }},
		{"the second site deleted with its goal", true, func() {
			if err := sites.DeleteSite(ctx, "b.example", core.DeleteSiteOptions{}); err != nil {
				t.Fatal(err)
			}
		}},
		{"nothing", false, func() {}},
	} {
		before, err := sites.ConfigVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		step.do()
		after, err := sites.ConfigVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if moved := after != before; moved != step.moves {
			t.Errorf("after %s, the version went from %d to %d; want moved = %v", step.name, before, after, step.moves)
		}
	}
}

// TestCommitPollConfigChanged: a poll that saw an older config version
// commits nothing, with ECONFLICT and core.ErrConfigChanged; one that saw
// the current version commits.
func TestCommitPollConfigChanged(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t)
	sites, ts := sqlite.NewSiteService(db), sqlite.NewTriggerStore(db)
	mustSite(t, db, "a.example", 1)
	seen, err := sites.ConfigVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	goal := testutil.Goal(t, sqlite.NewGoalService(db), &core.Goal{Site: "a.example", EventName: "Signup"})
	open := t0.Truncate(core.GoalBucket)
	c := core.PollCommit{ConfigVersion: seen, Goals: map[int64]core.GoalState{goal.ID: {Open: open, Recount: open}},
		Status: core.PollStatus{ClickHouseOK: true, LastPollAt: t0}}
	err = ts.CommitPoll(ctx, c)
	if core.ErrorCode(err) != core.ECONFLICT || !errors.Is(err, core.ErrConfigChanged) {
		t.Fatalf("CommitPoll with a config version from before a goal was added = %v; want ECONFLICT wrapping ErrConfigChanged", err)
	}
	if st, err := ts.GoalStates(ctx); err != nil || len(st) != 0 {
		t.Fatalf("after the refused commit, goal states = %v, %v; want none", st, err)
	}
	if c.ConfigVersion, err = sites.ConfigVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ts.CommitPoll(ctx, c); err != nil {
		t.Fatalf("CommitPoll with the current config version: %v", err)
	}
	if st, err := ts.GoalStates(ctx); err != nil || !st[goal.ID].Open.Equal(open) {
		t.Fatalf("after the commit, goal states = %v, %v; want the goal's", st, err)
	}
}
