package core_test

import (
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

func TestDigestBucket(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name       string
		t          string
		d          time.Duration
		start, end string
	}{
		{"holds a time inside its bucket", "2025-03-01T12:07:30Z", 15 * time.Minute, "2025-03-01T12:00:00Z", "2025-03-01T12:15:00Z"},
		{"starts a bucket at its own boundary", "2025-03-01T12:15:00Z", 15 * time.Minute, "2025-03-01T12:15:00Z", "2025-03-01T12:30:00Z"},
		{"aligns a day to UTC midnight", "2025-03-01T23:59:59+02:00", 24 * time.Hour, "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z"},
		{"aligns an odd interval to the Unix epoch", "1970-01-01T00:20:00Z", 7 * time.Minute, "1970-01-01T00:14:00Z", "1970-01-01T00:21:00Z"},
		{"floors before the epoch", "1969-12-31T23:59:30Z", time.Minute, "1969-12-31T23:59:00Z", "1970-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := core.DigestBucket(at(tt.t), tt.d)
			if !start.Equal(at(tt.start)) || !end.Equal(at(tt.end)) {
				t.Errorf("DigestBucket(%s, %s) = %v, %v; want %s, %s", tt.t, tt.d, start, end, tt.start, tt.end)
			}
			if start.Location() != time.UTC {
				t.Errorf("start in %v; want UTC", start.Location())
			}
		})
	}
}
