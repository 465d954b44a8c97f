package poll

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		name     string
		fails    int
		interval time.Duration
		want     time.Duration
	}{
		{"waits two intervals after the first failure", 1, 10 * time.Second, 20 * time.Second},
		{"doubles after the second failure", 2, 10 * time.Second, 40 * time.Second},
		{"caps at one minute", 3, 10 * time.Second, time.Minute},
		{"stays capped after many failures", 50, 10 * time.Second, time.Minute},
		{"doubles a short interval", 3, time.Second, 8 * time.Second},
		{"never waits less than the interval when it exceeds the cap", 1, 2 * time.Minute, 2 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backoff(tt.fails, tt.interval); got != tt.want {
				t.Errorf("backoff(%d, %v) = %v; want %v", tt.fails, tt.interval, got, tt.want)
			}
		})
	}
}
