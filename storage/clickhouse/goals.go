package clickhouse

import (
	"context"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

type goalKey struct {
	site uint64
	kind core.GoalKind
	name string // event name or page path
}

// GoalCompletions implements core.TrafficSource with Poll's goal lanes
// over [from, to) alone: one statement per budget of lanes or 100 regular
// expressions, each covering every site, so that a catch-up window with
// thousands of long goal names or paths stays within max_query_size.
// Goals with no completion in [from, to) are left out.
func (s *Source) GoalCompletions(ctx context.Context, goals []core.GoalQuery, from, to time.Time) ([]core.GoalCount, error) {
	p := pass{goals: goals, from: from, to: to, counts: make(map[goalKey]core.GoalCount)}
	if len(laneKeys(goals, nil)) > 0 {
		if err := s.countLanes(ctx, &p); err != nil {
			return nil, err
		}
	}
	return askedCounts(goals, p.counts), nil
}

// askedCounts returns the counts of goals with a completion, in the order
// of goals.
func askedCounts(goals []core.GoalQuery, counts map[goalKey]core.GoalCount) []core.GoalCount {
	var out []core.GoalCount
	for _, g := range goals {
		k := keyOf(g)
		if c, ok := counts[goalKey{g.PlausibleID, k.kind, k.name}]; ok && c.Completions > 0 {
			c.GoalID = g.GoalID
			out = append(out, c)
		}
	}
	return out
}
