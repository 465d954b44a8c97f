package core

import "time"

// GoalBucket is the span of event time in which goal completions are
// counted: every poll recounts the buckets of the late horizon and reports
// what each one gained since it was last reported.
const GoalBucket = 10 * time.Second

// The late horizon: how long after its timestamp a completion may reach
// ClickHouse and still be reported, exactly once, within a poll (less the
// poll interval). Its maximum keeps the buckets it recounts inside the
// current-visitors window, which the steady poll reads anyway.
const (
	DefaultLateHorizon = 2 * time.Minute
	MinLateHorizon     = 30 * time.Second
	MaxLateHorizon     = CurrentWindow
)

// ValidateLateHorizon reports whether d is a late horizon hookwatch
// accepts; field names the setting, as the caller shows it.
func ValidateLateHorizon(field string, d time.Duration) error {
	if d < MinLateHorizon || d > MaxLateHorizon {
		return FieldErrorf(field, "must be between %s and %s", fmtDuration(MinLateHorizon), fmtDuration(MaxLateHorizon))
	}
	return nil
}

// fmtDuration writes whole minutes as "5m" rather than Go's "5m0s".
func fmtDuration(d time.Duration) string {
	if d%time.Minute == 0 {
		return d.String()[:len(d.String())-2]
	}
	return d.String()
}

// BucketStart returns the start of the GoalBucket holding t, aligned to
// the Unix epoch so that every process and restart cuts the same buckets.
func BucketStart(t time.Time) time.Time {
	start, _ := DigestBucket(t, GoalBucket)
	return start
}

// BucketCount is one goal's completions in one GoalBucket.
type BucketCount struct {
	GoalID      int64
	Start       time.Time
	Completions uint64
	// Users are the distinct visitors of the completions, when asked for
	// (PollQuery.BucketUsers) and when there are at most MaxBucketUsers;
	// otherwise nil. They let the poller count unique visitors over any run
	// of buckets; they never leave it.
	Users []uint64
}

// MaxBucketUsers bounds BucketCount.Users, so that a very busy goal costs
// one extra count of its unique visitors instead of a long list per poll.
const MaxBucketUsers = 4096

// BucketKey names one goal's bucket in the poller's store; Start is the
// bucket's start in Unix seconds.
type BucketKey struct {
	GoalID int64
	Start  int64
}

// GoalState is how far the poller has counted one goal.
type GoalState struct {
	// Open is the start of the goal's oldest open bucket: the buckets from
	// it on are recounted at every poll. A database from before revisable
	// buckets holds the end of the last counted window here, which need
	// not fall on a bucket's start; what was stamped before it was
	// reported.
	Open time.Time
	// Recount is the start of the oldest closed bucket that has not had
	// its last recount yet; zero for none.
	Recount time.Time
}

// Kept is the start of the oldest bucket whose reported count the goal
// still needs: its Recount, or its Open when that is earlier or there is
// no Recount. Reported counts of older buckets are pruned.
func (s GoalState) Kept() time.Time {
	if s.Recount.IsZero() || s.Open.Before(s.Recount) {
		return s.Open
	}
	return s.Recount
}
