package clickhouse

import (
	"fmt"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// A poll's pass sends every event row to each count it belongs to, its
// lanes, and groups by (site_id, lane), and by bucket when goals are
// counted per core.GoalBucket (the visitors lane has bucket 0): lane 1 is the current visitors,
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

// bucketSeconds is core.GoalBucket in the seconds of DateTime.
var bucketSeconds = int64(core.GoalBucket.Seconds())

// pollSQL returns statement st: it counts st's lanes for the sites bound
// to its IN list and, with visitors, the current visitors of those sites.
// Without visitors it reads only the goal window.
func pollSQL(st statement) string {
	var b strings.Builder
	// Only the aliases a lane uses: 18.16 computes every alias of WITH,
	// and wpath reads the pathname column, the dearest of the pass, for
	// every row of the scan.
	b.WriteString("WITH (timestamp >= toDateTime(?) AND timestamp < toDateTime(?)) AS w")
	l := st.lanes
	if len(l.paths) > 0 || len(l.patterns) > 0 {
		b.WriteString(", (w AND name = 'pageview') AS wp")
	}
	if len(l.patterns) > 0 {
		b.WriteString(", if(wp, pathname, '') AS wpath")
	}
	b.WriteString("\nSELECT site_id, toUInt32(arrayJoin(arrayFilter(k -> k != 0, [")
	var sel []string
	if st.visitors {
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
	b.WriteString("]))) AS lane,\n    ")
	if st.buckets {
		fmt.Fprintf(&b, "toUInt32(if(lane = %d, 0, intDiv(toUInt32(timestamp), %d) * %d))", laneVisitors, bucketSeconds, bucketSeconds)
	} else {
		b.WriteString("toUInt32(0)")
	}
	b.WriteString(" AS bucket, count(), uniq(user_id)")
	if st.users {
		// One more than kept, to tell a full list from a cut one. 18.16's
		// groupUniqArray takes no size, so the list is cut after it is
		// built: on the server, a bucket's visitors are few anyway.
		fmt.Fprintf(&b, ", arraySlice(groupUniqArrayIf(user_id, lane != %d), 1, %d)", laneVisitors, core.MaxBucketUsers+1)
	}
	b.WriteString("\nFROM events_v2\nWHERE site_id IN ? AND ")
	if st.visitors {
		b.WriteString("timestamp >= least(now() - ?, toDateTime(?))")
	} else {
		b.WriteString("timestamp >= toDateTime(?) AND timestamp < toDateTime(?)")
	}
	b.WriteString("\nGROUP BY site_id, lane, bucket")
	return b.String()
}

// pollArgs returns pollSQL's arguments, in the order of its placeholders.
func pollArgs(st statement, from, to time.Time) []any {
	args := []any{unix(from), unix(to)}
	if st.visitors {
		args = append(args, currentSeconds)
	}
	l := st.lanes
	if len(l.names) > 0 {
		args = append(args, l.names, l.nameLanes)
	}
	if len(l.paths) > 0 {
		args = append(args, l.paths, l.pathLanes)
	}
	for _, p := range l.patterns {
		args = append(args, p)
	}
	args = append(args, ids(st.sites))
	if st.visitors {
		args = append(args, currentSeconds, unix(from))
	} else {
		args = append(args, unix(from), unix(to))
	}
	return args
}
