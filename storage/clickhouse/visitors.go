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

// Visitors implements core.TrafficSource in one query for all siteIDs
// (one per site list of the statement budget).
func (s *Source) Visitors(ctx context.Context, siteIDs []uint64, with12h bool) (map[uint64]core.VisitorCounts, error) {
	out := make(map[uint64]core.VisitorCounts)
	for _, ids := range siteChunks(siteIDs) {
		if err := s.visitors(ctx, ids, with12h, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Source) visitors(ctx context.Context, siteIDs []uint64, with12h bool, out map[uint64]core.VisitorCounts) error {
	q, args := visitorsSQL, []any{ids(siteIDs), currentSeconds}
	if with12h {
		q, args = visitors12hSQL, []any{currentSeconds, ids(siteIDs), dropSeconds}
	}
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return s.wrap("visitors", err)
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
			return s.wrap("visitors", err)
		}
		out[id] = c
	}
	return s.wrap("visitors", rows.Err())
}
