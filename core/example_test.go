package core_test

import (
	"fmt"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// A receiver recomputes the signature over "id.timestamp.body" with the
// secret's decoded bytes; these are the Standard Webhooks spec's values.
func ExampleSign() {
	key, _ := core.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	fmt.Println(core.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`), key))
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

func ExamplePrivateHostReason() {
	for _, h := range []string{"2130706433", "0x7f.1", "169.254.169.254", "hooks.slack.com"} {
		fmt.Printf("%s: %q\n", h, core.PrivateHostReason(h))
	}
	// Output:
	// 2130706433: "a loopback address"
	// 0x7f.1: "a loopback address"
	// 169.254.169.254: "a link-local address"
	// hooks.slack.com: ""
}

// An alert fires once when its condition begins, stays quiet while it
// lasts, resolves when it clears, and waits out its cooldown before firing
// again.
func ExampleEvaluateAlert() {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var st core.AlertState
	for _, obs := range []struct {
		at   time.Duration
		cond bool
	}{{0, true}, {time.Minute, true}, {2 * time.Minute, false}, {3 * time.Minute, true}, {13 * time.Hour, true}} {
		step := core.EvaluateAlert(st, obs.cond, t0.Add(obs.at), 12*time.Hour)
		st = step.Next
		fmt.Printf("%v cond=%v fire=%v resolve=%v\n", obs.at, obs.cond, step.Fire, step.Resolve)
	}
	// Output:
	// 0s cond=true fire=true resolve=false
	// 1m0s cond=true fire=false resolve=false
	// 2m0s cond=false fire=false resolve=true
	// 3m0s cond=true fire=false resolve=false
	// 13h0m0s cond=true fire=true resolve=false
}

func ExampleMatchPath() {
	fmt.Println(core.MatchPath("/blog/*", "/blog/launch-week"))
	fmt.Println(core.MatchPath("/blog/*", "/pricing"))
	// Output:
	// true
	// false
}
