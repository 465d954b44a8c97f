package clickhouse

import (
	"context"
	"slices"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// Poll implements core.TrafficSource. Without the 12 h count it reads the
// events once: one statement counts the current visitors and the goals
// (one more per statement budget of goal lanes or 100 regular
// expressions, and the lot again per site list of the budget). The 12 h
// count scans twelve hours, over which the goals' lanes would cost more
// than a second statement reading only the goal window: with it, Poll
// runs Visitors' statement and then the goals' own.
func (s *Source) Poll(ctx context.Context, q core.PollQuery) (core.PollResult, error) {
	res := core.PollResult{Visitors: make(map[uint64]core.VisitorCounts)}
	hasLanes := len(laneKeys(q.Goals, nil)) > 0
	visitorLane := !q.With12h && len(q.SiteIDs) > 0 && hasLanes
	if !visitorLane && len(q.SiteIDs) > 0 {
		v, err := s.Visitors(ctx, q.SiteIDs, q.With12h)
		if err != nil {
			return core.PollResult{}, err
		}
		res.Visitors = v
	}
	if !hasLanes {
		return res, nil
	}
	p := pass{goals: q.Goals, from: q.From, to: q.To, buckets: q.Buckets, users: q.Buckets && q.BucketUsers, res: &res,
		counts: make(map[goalKey]core.GoalCount), bucketRows: make(map[goalKey][]core.BucketCount)}
	if visitorLane {
		p.visitorSites = q.SiteIDs
	}
	if err := s.countLanes(ctx, &p); err != nil {
		return core.PollResult{}, err
	}
	if q.Buckets {
		res.Buckets = askedBuckets(q.Goals, p.bucketRows)
	} else {
		res.Goals = askedCounts(q.Goals, p.counts)
	}
	return res, nil
}

// pass is one count of goal lanes, and of the current visitors of
// visitorSites if any, split into statements within the budget.
type pass struct {
	visitorSites   []uint64
	goals          []core.GoalQuery
	from, to       time.Time
	buckets, users bool

	res        *core.PollResult // gets the visitors
	counts     map[goalKey]core.GoalCount
	bucketRows map[goalKey][]core.BucketCount
}

// countLanes runs the statements of p: per site list within maxSiteBytes,
// the lanes of that list's goals in chunks within what the list leaves of
// the budget, the first chunk with the visitors lane.
func (s *Source) countLanes(ctx context.Context, p *pass) error {
	goalSites := make(map[uint64]bool)
	for _, g := range p.goals {
		goalSites[g.PlausibleID] = true
	}
	asked := make(map[uint64]bool, len(p.visitorSites))
	for _, id := range p.visitorSites {
		asked[id] = true
	}
	for _, sites := range siteChunks(union(p.visitorSites, goalSites)) {
		mine, visitors := make(map[uint64]bool), false
		for _, id := range sites {
			if goalSites[id] {
				mine[id] = true
			}
			visitors = visitors || asked[id]
		}
		chunks := laneChunks(laneKeys(p.goals, mine), maxBoundBytes-siteCost*len(sites))
		if len(chunks) == 0 {
			chunks = []*lanes{{}}
		}
		for i, l := range chunks {
			st := statement{visitors: visitors && i == 0, buckets: p.buckets, users: p.users, lanes: l, sites: sites}
			if !st.visitors {
				st.sites = siteList(sites, goalSites)
			}
			if err := s.pollLanes(ctx, st, p, asked, goalSites); err != nil {
				return err
			}
		}
	}
	return nil
}

// statement is one of a pass's statements.
type statement struct {
	visitors, buckets, users bool
	lanes                    *lanes
	sites                    []uint64
}

func (s *Source) pollLanes(ctx context.Context, st statement, p *pass, asked, goalSites map[uint64]bool) error {
	l := st.lanes
	rows, err := s.conn.Query(ctx, pollSQL(st), pollArgs(st, p.from, p.to)...)
	if err != nil {
		return s.wrap("poll", err)
	}
	defer rows.Close()
	for rows.Next() {
		var site uint64
		var lane, bucket uint32
		var n, users uint64
		var ids []uint64
		dest := []any{&site, &lane, &bucket, &n, &users}
		if st.users {
			dest = append(dest, &ids)
		}
		if err := rows.Scan(dest...); err != nil {
			return s.wrap("poll", err)
		}
		i := int(lane) - laneVisitors - 1
		switch {
		case lane == laneVisitors:
			if asked[site] {
				p.res.Visitors[site] = core.VisitorCounts{Current: users}
			}
		case i >= 0 && i < len(l.keys) && goalSites[site]:
			k := goalKey{site, l.keys[i].kind, l.keys[i].name}
			if !st.buckets {
				p.counts[k] = core.GoalCount{Completions: n, UniqueVisitors: users}
				continue
			}
			b := core.BucketCount{Start: time.Unix(int64(bucket), 0).UTC(), Completions: n}
			if st.users && len(ids) <= core.MaxBucketUsers {
				b.Users = ids
			}
			p.bucketRows[k] = append(p.bucketRows[k], b)
		}
	}
	return s.wrap("poll", rows.Err())
}

// askedBuckets returns the buckets of goals, by goal in the order of goals
// and then by start.
func askedBuckets(goals []core.GoalQuery, rows map[goalKey][]core.BucketCount) []core.BucketCount {
	var out []core.BucketCount
	for _, g := range goals {
		k := keyOf(g)
		bs := slices.Clone(rows[goalKey{g.PlausibleID, k.kind, k.name}])
		slices.SortFunc(bs, func(a, b core.BucketCount) int { return a.Start.Compare(b.Start) })
		for _, b := range bs {
			if b.Completions > 0 {
				b.GoalID = g.GoalID
				out = append(out, b)
			}
		}
	}
	return out
}

// siteList returns the ids that are in keep, in order.
func siteList(ids []uint64, keep map[uint64]bool) []uint64 {
	var out []uint64
	for _, id := range ids {
		if keep[id] {
			out = append(out, id)
		}
	}
	return out
}

// union returns ids and the keys of more, each once.
func union(ids []uint64, more map[uint64]bool) []uint64 {
	out := append([]uint64(nil), ids...)
	have := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		have[id] = true
	}
	for id := range more {
		if !have[id] {
			out = append(out, id)
		}
	}
	return out
}
