package sqlite

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/hookwatch/hookwatch/core"
)

// GoalStates returns how far the poller has counted each goal.
func (s *TriggerStore) GoalStates(ctx context.Context) (map[int64]core.GoalState, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findGoalStates(ctx, tx)
}

func findGoalStates(ctx context.Context, tx *Tx) (map[int64]core.GoalState, error) {
	rows, err := tx.QueryContext(ctx, `SELECT goal_id, until, recount_from FROM goal_watermarks`)
	if err != nil {
		return nil, dbError("find goal states", err)
	}
	defer rows.Close()
	out := make(map[int64]core.GoalState)
	for rows.Next() {
		var id, open int64
		var recount sql.NullInt64
		if err := rows.Scan(&id, &open, &recount); err != nil {
			return nil, dbError("find goal states", err)
		}
		out[id] = core.GoalState{Open: fromMS(open), Recount: fromNullMS(recount)}
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find goal states", err)
	}
	return out, nil
}

// ReportedBuckets returns the completions reported per goal bucket.
func (s *TriggerStore) ReportedBuckets(ctx context.Context) (map[core.BucketKey]uint64, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findReportedBuckets(ctx, tx)
}

func findReportedBuckets(ctx context.Context, tx *Tx) (map[core.BucketKey]uint64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT goal_id, start, reported FROM goal_buckets`)
	if err != nil {
		return nil, dbError("find goal buckets", err)
	}
	defer rows.Close()
	out := make(map[core.BucketKey]uint64)
	for rows.Next() {
		var k core.BucketKey
		var n int64
		if err := rows.Scan(&k.GoalID, &k.Start, &n); err != nil {
			return nil, dbError("find goal buckets", err)
		}
		out[k] = uint64(n)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find goal buckets", err)
	}
	return out, nil
}

// saveGoalStates upserts the goals' states and reported buckets of c,
// skipping goals deleted since the poll read them, and prunes the buckets
// before each goal's time in c.Prune, their last recount done. A state
// with a zero Open deletes the goal's state and buckets.
func saveGoalStates(ctx context.Context, tx *Tx, c core.PollCommit) error {
	states, reported := c.Goals, c.Reported
	if len(reported) > 0 {
		// One statement for them all: a poll reports hundreds of buckets,
		// and a statement each cost more than their writes.
		if _, err := tx.ExecContext(ctx, `INSERT INTO goal_buckets (goal_id, start, reported)
			SELECT b.value ->> 0, b.value ->> 1, b.value ->> 2 FROM json_each(?) AS b
			WHERE EXISTS (SELECT 1 FROM goals WHERE id = b.value ->> 0)
			ON CONFLICT (goal_id, start) DO UPDATE SET reported = excluded.reported`, jsonBuckets(reported)); err != nil {
			return dbError("save goal buckets", err)
		}
	}
	// Goals in step, which in a steady poll are all of them, share their
	// state and their prune: one statement for each such group, rather
	// than two per goal, which at thousands of goals cost most of a commit.
	type saved struct {
		open    int64
		recount any // nullMS
	}
	byState, byKeep, gone := map[saved][]int64{}, map[int64][]int64{}, []int64(nil)
	for id, st := range states {
		if st.Open.IsZero() {
			gone = append(gone, id)
			continue
		}
		k := saved{ms(st.Open), nullMS(st.Recount)}
		byState[k] = append(byState[k], id)
	}
	for id, keep := range c.Prune {
		byKeep[keep.Unix()] = append(byKeep[keep.Unix()], id)
	}
	for st, ids := range byState {
		// An UPDATE first, which is all a steady poll needs: cheaper than
		// the upsert, which looks up each goal and conflicts.
		res, err := tx.ExecContext(ctx, `UPDATE goal_watermarks SET until = ?2, recount_from = ?3
			WHERE goal_id IN (SELECT value FROM json_each(?1))`, jsonIDs(ids), st.open, st.recount)
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err == nil && n < int64(len(ids)) {
			_, err = tx.ExecContext(ctx, `INSERT INTO goal_watermarks (goal_id, until, recount_from)
				SELECT id, ?2, ?3 FROM goals WHERE id IN (SELECT value FROM json_each(?1))
				ON CONFLICT (goal_id) DO NOTHING`, jsonIDs(ids), st.open, st.recount)
		}
		if err != nil {
			return dbError("save goal states", err)
		}
	}
	for keep, ids := range byKeep {
		if _, err := tx.ExecContext(ctx, `DELETE FROM goal_buckets
			WHERE goal_id IN (SELECT value FROM json_each(?1)) AND start < ?2`, jsonIDs(ids), keep); err != nil {
			return dbError("prune goal buckets", err)
		}
	}
	if len(gone) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM goal_watermarks WHERE goal_id IN (SELECT value FROM json_each(?))`, jsonIDs(gone)); err != nil {
			return dbError("delete goal states", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM goal_buckets WHERE goal_id IN (SELECT value FROM json_each(?))`, jsonIDs(gone)); err != nil {
			return dbError("delete goal states", err)
		}
	}
	return nil
}

// jsonBuckets writes reported as a JSON array of [goal id, start, count].
func jsonBuckets(reported map[core.BucketKey]uint64) string {
	b := make([]byte, 0, 2+32*len(reported))
	b = append(b, '[')
	for k, n := range reported {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, k.GoalID, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, k.Start, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(n), 10) // as the column holds it, read back as uint64
		b = append(b, ']')
	}
	return string(append(b, ']'))
}
