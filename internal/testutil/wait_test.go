package testutil

import (
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	n := 0
	if !Poll(time.Minute, func() bool { n++; return n == 3 }) {
		t.Fatal("Poll gave up on a condition that came true")
	}
	if n != 3 {
		t.Fatalf("cond called %d times, want 3", n)
	}
	if Poll(20*time.Millisecond, func() bool { return false }) {
		t.Fatal("Poll reported a condition that never held")
	}
}
