package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// A poll's pass sends every event row to each count it belongs to, its
// lanes, and groups by (site_id, lane): lane 1 is the current visitors,
// and each distinct goal (kind and event name or page path) has a lane of
// its own, whatever the sites asking for it. The lanes of a row are built
// as an array and unfolded with arrayJoin, after WHERE, so that a row in
// the current window and in a goal's window counts for both. Grouping by
// lane, rather than one uniqIf column per goal, keeps the server's state
// to the (site, lane) pairs that have events: columns would cost every
// site one uniq state per distinct goal, and with per-site conditions the
// statement outgrows max_query_size (256 KiB) at 1,000 sites.
//
// Event names and exact paths map to their lanes through transform, one
// hash lookup per row however many goals there are; each wildcard path
// costs a match() per row, run on the pathname of the window's pageviews
// only (an empty string elsewhere), since 18.16 evaluates every operand
// of AND.
const laneVisitors = 1

// Statement budget: the lanes' strings, bound inline, stay well under
// max_query_size, and the regular expressions of one pass stay few.
const (
	maxLaneBytes    = 64 << 10
	maxLanePatterns = pagePathsPerQuery
)

// laneKey is a goal without its site: what one lane counts.
type laneKey struct {
	kind core.GoalKind
	name string // event name or page path
}

// lanes are the goal lanes of one statement.
type lanes struct {
	keys                   []laneKey // lane laneVisitors+1+i counts keys[i]
	names, paths, patterns []string
	nameLanes, pathLanes   []uint32
	patternLanes           []uint32
}

func (l *lanes) add(k laneKey) {
	lane := uint32(laneVisitors + 1 + len(l.keys))
	l.keys = append(l.keys, k)
	switch {
	case k.kind == core.GoalEvent:
		l.names, l.nameLanes = append(l.names, k.name), append(l.nameLanes, lane)
	case strings.Contains(k.name, "*"):
		l.patterns, l.patternLanes = append(l.patterns, core.PathPattern(k.name)), append(l.patternLanes, lane)
	default:
		l.paths, l.pathLanes = append(l.paths, k.name), append(l.pathLanes, lane)
	}
}

// laneChunks splits the distinct goals of goals into statements within
// the budget.
func laneChunks(goals []core.GoalQuery) []*lanes {
	var out []*lanes
	var cur *lanes
	size := 0
	seen := make(map[laneKey]bool)
	for _, g := range goals {
		k := laneKey{g.Kind, g.EventName}
		if g.Kind == core.GoalPage {
			k.name = g.PagePath
		}
		if seen[k] || (k.kind != core.GoalEvent && k.kind != core.GoalPage) {
			continue
		}
		seen[k] = true
		wild := k.kind == core.GoalPage && strings.Contains(k.name, "*")
		if cur == nil || size+len(k.name) > maxLaneBytes || wild && len(cur.patterns) >= maxLanePatterns {
			cur = &lanes{}
			out = append(out, cur)
			size = 0
		}
		cur.add(k)
		size += 2*len(k.name) + 16 // quoted, escaped at worst, and its lane
	}
	return out
}

// pollSQL returns the statement counting the lanes l of the sites bound to
// its IN list and, with visitors, the current visitors of those sites.
// Without visitors it reads only the goal window.
func pollSQL(visitors bool, l *lanes) string {
	var b strings.Builder
	b.WriteString(`WITH (timestamp >= toDateTime(?) AND timestamp < toDateTime(?)) AS w, (w AND name = 'pageview') AS wp, if(wp, pathname, '') AS wpath
SELECT site_id, toUInt32(arrayJoin(arrayFilter(k -> k != 0, [`)
	var sel []string
	if visitors {
		sel = append(sel, fmt.Sprintf("if(timestamp >= now() - ? AND name != 'engagement', %d, 0)", laneVisitors))
	}
	if len(l.names) > 0 {
		sel = append(sel, "if(w, transform(name, ?, ?, 0), 0)")
	}
	if len(l.paths) > 0 {
		sel = append(sel, "if(wp, transform(pathname, ?, ?, 0), 0)")
	}
	for _, lane := range l.patternLanes {
		sel = append(sel, fmt.Sprintf("if(wp AND match(wpath, ?), %d, 0)", lane))
	}
	b.WriteString("\n    ")
	b.WriteString(strings.Join(sel, ",\n    "))
	b.WriteString(`]))) AS lane, count(), uniq(user_id)
FROM events_v2
WHERE site_id IN ? AND `)
	if visitors {
		b.WriteString("timestamp >= least(now() - ?, toDateTime(?))")
	} else {
		b.WriteString("timestamp >= toDateTime(?) AND timestamp < toDateTime(?)")
	}
	b.WriteString("\nGROUP BY site_id, lane")
	return b.String()
}

// pollArgs returns pollSQL's arguments, in the order of its placeholders.
func pollArgs(visitors bool, l *lanes, sites []uint64, from, to time.Time) []any {
	args := []any{unix(from), unix(to)}
	if visitors {
		args = append(args, currentSeconds)
	}
	if len(l.names) > 0 {
		args = append(args, l.names, l.nameLanes)
	}
	if len(l.paths) > 0 {
		args = append(args, l.paths, l.pathLanes)
	}
	for _, p := range l.patterns {
		args = append(args, p)
	}
	args = append(args, ids(sites))
	if visitors {
		args = append(args, currentSeconds, unix(from))
	} else {
		args = append(args, unix(from), unix(to))
	}
	return args
}

// Poll implements core.TrafficSource. Without the 12 h count it reads the
// events once: one statement counts the current visitors and the goals
// (one more per 64 KiB of goal names or 100 wildcard paths). The 12 h
// count scans twelve hours, over which the goals' lanes would cost more
// than a second statement reading only the goal window: with it (or with
// the 60-minute count, for the same reason), Poll runs Visitors' statement
// and then the goals' own.
func (s *Source) Poll(ctx context.Context, q core.PollQuery) (core.PollResult, error) {
	res := core.PollResult{Visitors: make(map[uint64]core.VisitorCounts)}
	chunks := laneChunks(q.Goals)
	visitorLane := !q.With12h && !q.With60m && len(q.SiteIDs) > 0 && len(chunks) > 0
	if !visitorLane && len(q.SiteIDs) > 0 {
		v, err := s.visitors(ctx, q.SiteIDs, q.With12h, q.With60m)
		if err != nil {
			return core.PollResult{}, err
		}
		res.Visitors = v
	}
	if len(chunks) == 0 {
		return res, nil
	}
	goalSites := make(map[uint64]bool)
	for _, g := range q.Goals {
		goalSites[g.PlausibleID] = true
	}
	asked := make(map[uint64]bool, len(q.SiteIDs))
	for _, id := range q.SiteIDs {
		asked[id] = true
	}
	counts := make(map[goalKey]core.GoalCount)
	for i, l := range chunks {
		visitors := visitorLane && i == 0
		sites := keys(goalSites)
		if visitors {
			sites = union(q.SiteIDs, goalSites)
		}
		if err := s.pollLanes(ctx, visitors, l, sites, q.From, q.To, asked, goalSites, &res, counts); err != nil {
			return core.PollResult{}, err
		}
	}
	res.Goals = askedCounts(q.Goals, counts)
	return res, nil
}

func (s *Source) pollLanes(ctx context.Context, visitors bool, l *lanes, sites []uint64, from, to time.Time,
	asked, goalSites map[uint64]bool, res *core.PollResult, counts map[goalKey]core.GoalCount) error {
	rows, err := s.conn.Query(ctx, pollSQL(visitors, l), pollArgs(visitors, l, sites, from, to)...)
	if err != nil {
		return s.wrap("poll", err)
	}
	defer rows.Close()
	for rows.Next() {
		var site uint64
		var lane uint32
		var n, users uint64
		if err := rows.Scan(&site, &lane, &n, &users); err != nil {
			return s.wrap("poll", err)
		}
		switch i := int(lane) - laneVisitors - 1; {
		case lane == laneVisitors:
			if asked[site] {
				res.Visitors[site] = core.VisitorCounts{Current: users}
			}
		case i >= 0 && i < len(l.keys) && goalSites[site]:
			k := l.keys[i]
			counts[goalKey{site, k.kind, k.name}] = core.GoalCount{Completions: n, UniqueVisitors: users}
		}
	}
	return s.wrap("poll", rows.Err())
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
