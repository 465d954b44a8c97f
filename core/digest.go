package core

import "time"

// DigestKey names one goal's digest for one webhook.
type DigestKey struct {
	WebhookID int64
	GoalID    int64
}

// Digests reports whether w gathers goal completions into one message per
// goal per DigestInterval instead of receiving each poll window's count.
func (w *Webhook) Digests() bool { return w.DigestInterval > 0 }

// DigestBucket returns the digest interval of length d that contains t:
// [start, end), aligned to the Unix epoch in UTC, so that every process
// and every restart cuts the same buckets. d must be positive.
func DigestBucket(t time.Time, d time.Duration) (start, end time.Time) {
	ms, dm := t.UnixMilli(), d.Milliseconds()
	s := ms - ((ms%dm)+dm)%dm // floor, also before 1970
	return time.UnixMilli(s).UTC(), time.UnixMilli(s + dm).UTC()
}
