package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/hookwatch/hookwatch/core"
)

// GoalStates returns how far the poller has counted each goal.
func (s *TriggerStore) GoalStates(ctx context.Context) (map[int64]core.GoalState, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
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

// saveGoalStates upserts the goals' states and reported buckets, skipping
// goals deleted since the poll read them. A state with a zero Open deletes
// the goal's state and buckets; buckets before a goal's Recount (its Open
// when it has none) are pruned, their last recount done.
//
// Each kind of write is one statement over a JSON array of rows
// (json_each), not one statement per row: a steady poll moves every goal's
// state, and at 2,000 goals the per-statement cost was most of the commit.
func saveGoalStates(ctx context.Context, tx *Tx, states map[int64]core.GoalState, reported map[core.BucketKey]uint64) error {
	if len(reported) > 0 {
		rows := make([][3]int64, 0, len(reported))
		for k, n := range reported {
			rows = append(rows, [3]int64{k.GoalID, k.Start, int64(n)})
		}
		if err := execJSON(ctx, tx, "save goal buckets", `INSERT INTO goal_buckets (goal_id, start, reported)
			SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(?) j
			WHERE EXISTS (SELECT 1 FROM goals WHERE id = j.value ->> 0)
			ON CONFLICT (goal_id, start) DO UPDATE SET reported = excluded.reported`, rows); err != nil {
			return err
		}
	}
	if len(states) == 0 {
		return nil
	}
	var gone []int64
	var kept [][4]any // goal id, open ms, recount ms or nil, first bucket kept
	for id, st := range states {
		if st.Open.IsZero() {
			gone = append(gone, id)
			continue
		}
		keep := st.Recount
		if keep.IsZero() || st.Open.Before(keep) {
			keep = st.Open
		}
		kept = append(kept, [4]any{id, ms(st.Open), nullMS(st.Recount), keep.Unix()})
	}
	if len(gone) > 0 {
		if err := execJSON(ctx, tx, "delete goal states", `DELETE FROM goal_watermarks WHERE goal_id IN (SELECT value FROM json_each(?))`, gone); err != nil {
			return err
		}
		if err := execJSON(ctx, tx, "delete goal buckets", `DELETE FROM goal_buckets WHERE goal_id IN (SELECT value FROM json_each(?))`, gone); err != nil {
			return err
		}
	}
	if len(kept) == 0 {
		return nil
	}
	if err := execJSON(ctx, tx, "save goal states", `INSERT INTO goal_watermarks (goal_id, until, recount_from)
		SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(?) j
		WHERE EXISTS (SELECT 1 FROM goals WHERE id = j.value ->> 0)
		ON CONFLICT (goal_id) DO UPDATE SET until = excluded.until, recount_from = excluded.recount_from`, kept); err != nil {
		return err
	}
	return execJSON(ctx, tx, "prune goal buckets", `DELETE FROM goal_buckets WHERE (goal_id, start) IN (
		SELECT b.goal_id, b.start FROM json_each(?) j
		JOIN goal_buckets b ON b.goal_id = j.value ->> 0 AND b.start < j.value ->> 3)`, kept)
}

// execJSON runs query with rows, encoded as one JSON array, as its one
// argument.
func execJSON(ctx context.Context, tx *Tx, what, query string, rows any) error {
	arg, err := json.Marshal(rows)
	if err != nil {
		return dbError(what, err)
	}
	if _, err := tx.ExecContext(ctx, query, string(arg)); err != nil {
		return dbError(what, err)
	}
	return nil
}
