package clickhouse

import (
	"context"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// DirectNone is how Plausible names visits without a referrer source.
const DirectNone = "Direct / None"

// Top sources and pages of every site in one query each: LIMIT n BY keeps
// n rows per site. Ties in visitors are broken by name, so the answer is
// stable from poll to poll.
const (
	topSourcesSQL = `SELECT site_id, if(referrer_source = '', ?, referrer_source) AS top_source, uniq(user_id) AS visitors
FROM events_v2
WHERE site_id IN ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?) AND name != 'engagement'
GROUP BY site_id, top_source
ORDER BY site_id, visitors DESC, top_source
LIMIT ? BY site_id`

	topPagesSQL = `SELECT site_id, pathname, uniq(user_id) AS visitors
FROM events_v2
WHERE site_id IN ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?) AND name = 'pageview'
GROUP BY site_id, pathname
ORDER BY site_id, visitors DESC, pathname
LIMIT ? BY site_id`
)

// TopSources implements core.TrafficSource.
func (s *Source) TopSources(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]core.SourceRow, error) {
	out := make(map[uint64][]core.SourceRow)
	if len(siteIDs) == 0 || n <= 0 {
		return out, nil
	}
	rows, err := s.conn.Query(ctx, topSourcesSQL, DirectNone, ids(siteIDs), unix(from), unix(to), n)
	if err != nil {
		return nil, s.wrap("top sources", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint64
		var r core.SourceRow
		if err := rows.Scan(&id, &r.Source, &r.Visitors); err != nil {
			return nil, s.wrap("top sources", err)
		}
		out[id] = append(out[id], r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("top sources", err)
	}
	return out, nil
}

// TopPages implements core.TrafficSource; it counts pageviews only.
func (s *Source) TopPages(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]core.PageRow, error) {
	out := make(map[uint64][]core.PageRow)
	if len(siteIDs) == 0 || n <= 0 {
		return out, nil
	}
	rows, err := s.conn.Query(ctx, topPagesSQL, ids(siteIDs), unix(from), unix(to), n)
	if err != nil {
		return nil, s.wrap("top pages", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint64
		var r core.PageRow
		if err := rows.Scan(&id, &r.Page, &r.Visitors); err != nil {
			return nil, s.wrap("top pages", err)
		}
		out[id] = append(out[id], r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("top pages", err)
	}
	return out, nil
}
