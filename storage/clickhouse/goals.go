package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// eventGoalsSQL counts custom events by name for every site at once. It
// may return pairs nobody asked for (site A's name for site B); the
// caller keeps only the asked ones, which costs less than a tuple IN that
// 18.16 cannot serve from the primary key.
const eventGoalsSQL = `SELECT site_id, name, count(), uniq(user_id)
FROM events_v2
WHERE site_id IN ? AND name IN ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?)
GROUP BY site_id, name`

// pagePathsPerQuery bounds the conditional aggregates of one page-goal
// query (two per distinct path), keeping the statement and the server's
// per-row work reasonable when thousands of page goals exist.
const pagePathsPerQuery = 100

type goalKey struct {
	site uint64
	kind core.GoalKind
	name string // event name or page path
}

// GoalCompletions implements core.TrafficSource: one query for all event
// goals, and one per 100 distinct page paths, each covering every site.
// Goals with no completion in [from, to) are left out.
func (s *Source) GoalCompletions(ctx context.Context, goals []core.GoalQuery, from, to time.Time) ([]core.GoalCount, error) {
	counts := make(map[goalKey]core.GoalCount)
	var (
		eventSites, pageSites = make(map[uint64]bool), make(map[string]map[uint64]bool)
		names                 []string
		seen                  = make(map[string]bool)
		paths                 []string
	)
	for _, g := range goals {
		switch g.Kind {
		case core.GoalEvent:
			eventSites[g.PlausibleID] = true
			if !seen[g.EventName] {
				seen[g.EventName] = true
				names = append(names, g.EventName)
			}
		case core.GoalPage:
			if pageSites[g.PagePath] == nil {
				pageSites[g.PagePath] = make(map[uint64]bool)
				paths = append(paths, g.PagePath)
			}
			pageSites[g.PagePath][g.PlausibleID] = true
		}
	}
	if len(names) > 0 {
		if err := s.eventGoals(ctx, keys(eventSites), names, from, to, counts); err != nil {
			return nil, err
		}
	}
	for len(paths) > 0 {
		n := min(len(paths), pagePathsPerQuery)
		if err := s.pageGoals(ctx, paths[:n], pageSites, from, to, counts); err != nil {
			return nil, err
		}
		paths = paths[n:]
	}

	return askedCounts(goals, counts), nil
}

// askedCounts returns the counts of goals with a completion, in the order
// of goals.
func askedCounts(goals []core.GoalQuery, counts map[goalKey]core.GoalCount) []core.GoalCount {
	var out []core.GoalCount
	for _, g := range goals {
		k := goalKey{g.PlausibleID, g.Kind, g.EventName}
		if g.Kind == core.GoalPage {
			k.name = g.PagePath
		}
		if c, ok := counts[k]; ok && c.Completions > 0 {
			c.GoalID = g.GoalID
			out = append(out, c)
		}
	}
	return out
}

func (s *Source) eventGoals(ctx context.Context, sites []uint64, names []string, from, to time.Time, counts map[goalKey]core.GoalCount) error {
	nameSet := make([]any, len(names))
	for i, n := range names {
		nameSet[i] = n
	}
	rows, err := s.conn.Query(ctx, eventGoalsSQL, ids(sites), groupSet(nameSet), unix(from), unix(to))
	if err != nil {
		return s.wrap("event goals", err)
	}
	defer rows.Close()
	for rows.Next() {
		k := goalKey{kind: core.GoalEvent}
		var c core.GoalCount
		if err := rows.Scan(&k.site, &k.name, &c.Completions, &c.UniqueVisitors); err != nil {
			return s.wrap("event goals", err)
		}
		counts[k] = c
	}
	return s.wrap("event goals", rows.Err())
}

// pageGoalsSQL returns the statement counting pageviews of paths, two
// conditional aggregates per path, for every site at once. A path without
// `*` compares equal, which is cheaper than a regular expression.
func pageGoalsSQL(paths []string) string {
	var b strings.Builder
	b.WriteString("SELECT site_id")
	for _, p := range paths {
		cond := "pathname = ?"
		if strings.Contains(p, "*") {
			cond = "match(pathname, ?)"
		}
		fmt.Fprintf(&b, ", countIf(%[1]s), uniqIf(user_id, %[1]s)", cond)
	}
	b.WriteString(`
FROM events_v2
WHERE site_id IN ? AND name = 'pageview' AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?)
GROUP BY site_id`)
	return b.String()
}

func (s *Source) pageGoals(ctx context.Context, paths []string, pageSites map[string]map[uint64]bool, from, to time.Time, counts map[goalKey]core.GoalCount) error {
	sites := make(map[uint64]bool)
	var args []any
	for _, p := range paths {
		for id := range pageSites[p] {
			sites[id] = true
		}
		arg := p
		if strings.Contains(p, "*") {
			arg = core.PathPattern(p)
		}
		args = append(args, arg, arg)
	}
	args = append(args, ids(keys(sites)), unix(from), unix(to))
	rows, err := s.conn.Query(ctx, pageGoalsSQL(paths), args...)
	if err != nil {
		return s.wrap("page goals", err)
	}
	defer rows.Close()
	var site uint64
	vals := make([]uint64, 2*len(paths))
	dest := []any{&site}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return s.wrap("page goals", err)
		}
		for i, p := range paths {
			if pageSites[p][site] {
				counts[goalKey{site, core.GoalPage, p}] = core.GoalCount{Completions: vals[2*i], UniqueVisitors: vals[2*i+1]}
			}
		}
	}
	return s.wrap("page goals", rows.Err())
}

func keys(m map[uint64]bool) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
