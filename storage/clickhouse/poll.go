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
// Event names and paths that match only themselves (core.PathLiteral) map
// to their lanes through transform, one hash lookup per row however many
// goals there are; each other path costs a match() of its
// core.PathPattern per row, run on the pathname of the window's pageviews
// only (an empty string elsewhere), since 18.16 evaluates every operand
// of AND.
const laneVisitors = 1

// maxLanePatterns bounds the regular expressions of one pass, each a
// match() per pageview row of the window.
const maxLanePatterns = 100

// laneKey is a goal without its site: what one lane counts.
type laneKey struct {
	kind core.GoalKind
	name string // event name or page path
}

func keyOf(g core.GoalQuery) laneKey {
	if g.Kind == core.GoalPage {
		return laneKey{g.Kind, g.PagePath}
	}
	return laneKey{g.Kind, g.EventName}
}

// cost is what the lane of k adds to a statement's bound values.
func (k laneKey) cost() int {
	if k.kind == core.GoalPage && !core.PathLiteral(k.name) {
		return stringCost(core.PathPattern(k.name)) + patternSQLCost
	}
	return stringCost(k.name) + laneCost
}

// lanes are the goal lanes of one statement.
type lanes struct {
	keys                   []laneKey // lane laneVisitors+1+i counts keys[i]
	names, paths, patterns []string
	nameLanes, pathLanes   []uint32
	patternLanes           []uint32
}

// add gives k a lane: event names and paths that match only themselves
// map through transform, the other paths through match().
func (l *lanes) add(k laneKey) {
	lane := uint32(laneVisitors + 1 + len(l.keys))
	l.keys = append(l.keys, k)
	switch {
	case k.kind == core.GoalEvent:
		l.names, l.nameLanes = append(l.names, k.name), append(l.nameLanes, lane)
	case !core.PathLiteral(k.name):
		l.patterns, l.patternLanes = append(l.patterns, core.PathPattern(k.name)), append(l.patternLanes, lane)
	default:
		l.paths, l.pathLanes = append(l.paths, k.name), append(l.pathLanes, lane)
	}
}

// laneKeys returns the distinct lanes of the goals of sites (every goal
// with a nil sites), in the order of goals.
func laneKeys(goals []core.GoalQuery, sites map[uint64]bool) []laneKey {
	var out []laneKey
	seen := make(map[laneKey]bool)
	for _, g := range goals {
		k := keyOf(g)
		if seen[k] || (k.kind != core.GoalEvent && k.kind != core.GoalPage) || sites != nil && !sites[g.PlausibleID] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}

// laneChunks splits keys into statements whose lanes cost at most budget
// bytes and hold at most maxLanePatterns regular expressions; a lane
// dearer than the budget gets a statement of its own.
func laneChunks(keys []laneKey, budget int) []*lanes {
	var out []*lanes
	var cur *lanes
	size := 0
	for _, k := range keys {
		c := k.cost()
		pattern := k.kind == core.GoalPage && !core.PathLiteral(k.name)
		if cur == nil || size+c > budget || pattern && len(cur.patterns) >= maxLanePatterns {
			cur = &lanes{}
			out = append(out, cur)
			size = 0
		}
		cur.add(k)
		size += c
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
// (one more per statement budget of goal lanes or 100 regular
// expressions, and the lot again per site list of the budget). The 12 h
// count scans twelve hours, over which the goals' lanes would cost more
// than a second statement reading only the goal window: with it (or with
// the 60-minute count, for the same reason), Poll runs Visitors' statement
// and then the goals' own.
func (s *Source) Poll(ctx context.Context, q core.PollQuery) (core.PollResult, error) {
	res := core.PollResult{Visitors: make(map[uint64]core.VisitorCounts)}
	hasLanes := len(laneKeys(q.Goals, nil)) > 0
	visitorLane := !q.With12h && !q.With60m && len(q.SiteIDs) > 0 && hasLanes
	if !visitorLane && len(q.SiteIDs) > 0 {
		v, err := s.visitorCounts(ctx, q.SiteIDs, q.With12h, q.With60m)
		if err != nil {
			return core.PollResult{}, err
		}
		res.Visitors = v
	}
	if !hasLanes {
		return res, nil
	}
	p := pass{goals: q.Goals, from: q.From, to: q.To, res: &res, counts: make(map[goalKey]core.GoalCount)}
	if visitorLane {
		p.visitorSites = q.SiteIDs
	}
	if err := s.countLanes(ctx, &p); err != nil {
		return core.PollResult{}, err
	}
	res.Goals = askedCounts(q.Goals, p.counts)
	return res, nil
}

// pass is one count of goal lanes, and of the current visitors of
// visitorSites if any, split into statements within the budget.
type pass struct {
	visitorSites []uint64
	goals        []core.GoalQuery
	from, to     time.Time

	res    *core.PollResult // gets the visitors
	counts map[goalKey]core.GoalCount
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
			st := statement{visitors: visitors && i == 0, lanes: l, sites: sites}
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
	visitors bool
	lanes    *lanes
	sites    []uint64
}

func (s *Source) pollLanes(ctx context.Context, st statement, p *pass, asked, goalSites map[uint64]bool) error {
	l := st.lanes
	rows, err := s.conn.Query(ctx, pollSQL(st.visitors, l), pollArgs(st.visitors, l, st.sites, p.from, p.to)...)
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
				p.res.Visitors[site] = core.VisitorCounts{Current: users}
			}
		case i >= 0 && i < len(l.keys) && goalSites[site]:
			k := l.keys[i]
			p.counts[goalKey{site, k.kind, k.name}] = core.GoalCount{Completions: n, UniqueVisitors: users}
		}
	}
	return s.wrap("poll", rows.Err())
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
