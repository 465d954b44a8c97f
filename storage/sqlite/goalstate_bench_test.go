package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// BenchmarkCommitGoalStates commits what a steady poll decides of 2,000
// goals (ms/commit): every goal's state moves one 10 s bucket, as at a
// 10 s poll interval, a sixth of the goals report a new bucket, and the
// buckets that fell behind the recount are pruned.
func BenchmarkCommitGoalStates(b *testing.B) {
	const goals = 2000
	ctx := context.Background()
	db, _ := mustOpenPath(b, filepath.Join(b.TempDir(), "hookwatch.db"))
	ts := sqlite.NewTriggerStore(db)
	var ids []int64
	for i := range goals / 2 {
		domain := fmt.Sprintf("site%d.example.com", i)
		mustSite(b, db, domain, uint64(i+1))
		ids = append(ids, mustGoal(b, db, domain, "Signup").ID, mustGoal(b, db, domain, "Buy").ID)
	}
	open := core.BucketStart(time.Unix(1_800_000_000, 0))
	b.ResetTimer()
	for i := range b.N {
		open = open.Add(core.GoalBucket)
		c := core.PollCommit{Goals: map[int64]core.GoalState{}, Prune: map[int64]time.Time{}, Reported: map[core.BucketKey]uint64{}}
		for j, id := range ids {
			c.Goals[id] = core.GoalState{Open: open, Recount: open.Add(-core.GoalBucket)}
			c.Prune[id] = c.Goals[id].Kept()
			if (i+j)%6 == 0 {
				c.Reported[core.BucketKey{GoalID: id, Start: open.Add(2 * time.Minute).Unix()}] = uint64(j)
			}
		}
		if err := ts.CommitPoll(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/commit")
	b.ReportMetric(0, "ns/op")
}
