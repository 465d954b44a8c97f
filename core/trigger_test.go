package core_test

import (
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

func TestEvaluateAlert(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cooldown := time.Hour
	tests := []struct {
		name    string
		st      core.AlertState
		cond    bool
		now     time.Time
		fire    bool
		resolve bool
		next    core.AlertState
	}{
		{
			name: "fires at once from the zero state",
			cond: true, now: t0,
			fire: true, next: core.AlertState{Firing: true, LastFired: t0},
		},
		{
			name: "stays quiet while the condition does not hold",
			cond: false, now: t0,
			next: core.AlertState{},
		},
		{
			name: "does not fire again while still firing",
			st:   core.AlertState{Firing: true, LastFired: t0},
			cond: true, now: t0.Add(3 * time.Hour),
			next: core.AlertState{Firing: true, LastFired: t0},
		},
		{
			name: "resolves once when the condition clears",
			st:   core.AlertState{Firing: true, LastFired: t0},
			cond: false, now: t0.Add(time.Minute),
			resolve: true, next: core.AlertState{LastFired: t0},
		},
		{
			name: "does not resolve twice",
			st:   core.AlertState{LastFired: t0},
			cond: false, now: t0.Add(2 * time.Minute),
			next: core.AlertState{LastFired: t0},
		},
		{
			name: "holds back a re-fire within the cooldown",
			st:   core.AlertState{LastFired: t0},
			cond: true, now: t0.Add(cooldown - time.Second),
			next: core.AlertState{LastFired: t0},
		},
		{
			name: "re-fires exactly when the cooldown ends",
			st:   core.AlertState{LastFired: t0},
			cond: true, now: t0.Add(cooldown),
			fire: true, next: core.AlertState{Firing: true, LastFired: t0.Add(cooldown)},
		},
		{
			name: "re-fires after the cooldown",
			st:   core.AlertState{LastFired: t0},
			cond: true, now: t0.Add(2 * cooldown),
			fire: true, next: core.AlertState{Firing: true, LastFired: t0.Add(2 * cooldown)},
		},
		{
			name: "held back alert clearing in the cooldown sends no resolved",
			st:   core.AlertState{LastFired: t0},
			cond: false, now: t0.Add(time.Minute),
			next: core.AlertState{LastFired: t0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step := core.EvaluateAlert(tt.st, tt.cond, tt.now, cooldown)
			if step.Fire != tt.fire || step.Resolve != tt.resolve {
				t.Errorf("fire, resolve = %v, %v; want %v, %v", step.Fire, step.Resolve, tt.fire, tt.resolve)
			}
			if step.Next.Firing != tt.next.Firing || !step.Next.LastFired.Equal(tt.next.LastFired) {
				t.Errorf("next = %+v; want %+v", step.Next, tt.next)
			}
		})
	}
}

// A burst that flaps around the threshold within the cooldown fires once
// and resolves once; the next burst after the cooldown fires again.
func TestEvaluateAlertSequence(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	conds := []bool{false, true, true, false, true, false, true, true}
	var st core.AlertState
	var fires, resolves []int
	for i, cond := range conds {
		now := t0.Add(time.Duration(i) * 10 * time.Second)
		if i == len(conds)-1 {
			now = t0.Add(13 * time.Hour)
		}
		step := core.EvaluateAlert(st, cond, now, core.DefaultCooldown)
		if step.Fire {
			fires = append(fires, i)
		}
		if step.Resolve {
			resolves = append(resolves, i)
		}
		st = step.Next
	}
	// Index 6 is within the 12 h cooldown and held; index 7 is after it.
	if want := []int{1, 7}; !equalInts(fires, want) {
		t.Errorf("fired at %v; want %v", fires, want)
	}
	if want := []int{3}; !equalInts(resolves, want) {
		t.Errorf("resolved at %v; want %v", resolves, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
