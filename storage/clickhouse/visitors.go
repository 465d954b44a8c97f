package clickhouse

import (
	"context"

	"github.com/hookwatch/hookwatch/core"
)

// Visitors' SQL. One pass over the widest window counts both windows: the
// 5-minute count is a conditional aggregate of the 12-hour scan. Both
// leave out engagement events, which Plausible sends when a page is left:
// they are no visit of their own (Plausible's visitor metrics count
// sessions, which engagement events never start).
const (
	visitorsSQL = `SELECT site_id, uniq(user_id)
FROM events_v2
WHERE site_id IN ? AND timestamp >= now() - ? AND name != 'engagement'
GROUP BY site_id`

	visitors12hSQL = `SELECT site_id, uniqIf(user_id, timestamp >= now() - ?), uniq(user_id)
FROM events_v2
WHERE site_id IN ? AND timestamp >= now() - ? AND name != 'engagement'
GROUP BY site_id`
)

var (
	currentSeconds = int64(core.CurrentWindow.Seconds())
	dropSeconds    = int64(core.DropWindow.Seconds())
)

// Visitors implements core.TrafficSource in one query for all siteIDs.
func (s *Source) Visitors(ctx context.Context, siteIDs []uint64, with12h bool) (map[uint64]core.VisitorCounts, error) {
	out := make(map[uint64]core.VisitorCounts)
	if len(siteIDs) == 0 {
		return out, nil
	}
	q, args := visitorsSQL, []any{ids(siteIDs), currentSeconds}
	if with12h {
		q, args = visitors12hSQL, []any{currentSeconds, ids(siteIDs), dropSeconds}
	}
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, s.wrap("visitors", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint64
		var c core.VisitorCounts
		dest := []any{&id, &c.Current}
		if with12h {
			dest = append(dest, &c.Last12h)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, s.wrap("visitors", err)
		}
		out[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("visitors", err)
	}
	return out, nil
}
