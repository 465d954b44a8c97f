package clickhouse

import (
	"context"
	"strings"

	"github.com/hookwatch/hookwatch/core"
)

// visitorsSQL returns Visitors' SQL for n windows. One pass over the
// widest window counts every window: the narrower counts are conditional
// aggregates of its scan. All leave out engagement events, which Plausible
// sends when a page is left: they are no visit of their own (Plausible's
// visitor metrics count sessions, which engagement events never start).
func visitorsSQL(windows int) string {
	var b strings.Builder
	b.WriteString("SELECT site_id")
	for range windows - 1 {
		b.WriteString(", uniqIf(user_id, timestamp >= now() - ?)")
	}
	b.WriteString(`, uniq(user_id)
FROM events_v2
WHERE site_id IN ? AND timestamp >= now() - ? AND name != 'engagement'
GROUP BY site_id`)
	return b.String()
}

var (
	currentSeconds = int64(core.CurrentWindow.Seconds())
	dropSeconds    = int64(core.DropWindow.Seconds())
	rollingSeconds = int64(core.RollingWindow.Seconds())
)

// Visitors implements core.TrafficSource in one query for all siteIDs
// (one per site list of the statement budget).
func (s *Source) Visitors(ctx context.Context, siteIDs []uint64, with12h bool) (map[uint64]core.VisitorCounts, error) {
	return s.visitorCounts(ctx, siteIDs, with12h, false)
}

// visitorCounts is Visitors with the 60-minute count when with60m is set.
func (s *Source) visitorCounts(ctx context.Context, siteIDs []uint64, with12h, with60m bool) (map[uint64]core.VisitorCounts, error) {
	out := make(map[uint64]core.VisitorCounts)
	for _, ids := range siteChunks(siteIDs) {
		if err := s.visitors(ctx, ids, with12h, with60m, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Source) visitors(ctx context.Context, siteIDs []uint64, with12h, with60m bool, out map[uint64]core.VisitorCounts) error {
	// The windows, narrowest first: the widest is the scan, the others
	// its conditional counts.
	windows := []int64{currentSeconds}
	if with60m {
		windows = append(windows, rollingSeconds)
	}
	if with12h {
		windows = append(windows, dropSeconds)
	}
	var args []any
	for _, w := range windows[:len(windows)-1] {
		args = append(args, w)
	}
	args = append(args, ids(siteIDs), windows[len(windows)-1])
	rows, err := s.conn.Query(ctx, visitorsSQL(len(windows)), args...)
	if err != nil {
		return s.wrap("visitors", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint64
		var c core.VisitorCounts
		dest := []any{&id, &c.Current}
		if with60m {
			dest = append(dest, &c.Last60m)
		}
		if with12h {
			dest = append(dest, &c.Last12h)
		}
		if err := rows.Scan(dest...); err != nil {
			return s.wrap("visitors", err)
		}
		out[id] = c
	}
	return s.wrap("visitors", rows.Err())
}
