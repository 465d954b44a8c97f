package testutil

import (
	"testing"
	"time"
)

// Poll calls cond until it holds or within has passed, and reports whether
// it held. It waits a little longer between calls as time goes on, from
// 10 ms to 100 ms, so that a condition that is cheap and soon true is seen
// at once and an expensive one (running the binary, say) does not load
// the machine. Callers that want their own failure message use it;
// the others use Eventually.
func Poll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	pause := 10 * time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
	return true
}

// Eventually waits until cond holds, failing the test with what it waited
// for once within has passed. within is a bound for a stuck test, never a
// timing under test: give it generous room.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(within, cond) {
		t.Fatalf("timed out after %s waiting for %s", within, what)
	}
}
