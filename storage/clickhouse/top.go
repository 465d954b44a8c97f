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

// TopSources implements core.TrafficSource, one query per site list of
// the statement budget.
func (s *Source) TopSources(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]core.SourceRow, error) {
	out := make(map[uint64][]core.SourceRow)
	if n <= 0 {
		return out, nil
	}
	for _, chunk := range siteChunks(siteIDs) {
		q := topQuery[core.SourceRow]{
			op:   "top sources",
			sql:  topSourcesSQL,
			args: []any{DirectNone, ids(chunk), unix(from), unix(to), n},
			cols: func(r *core.SourceRow) []any { return []any{&r.Source, &r.Visitors} },
		}
		if err := queryTop(ctx, s, q, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TopPages implements core.TrafficSource; it counts pageviews only, one
// query per site list of the statement budget.
func (s *Source) TopPages(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]core.PageRow, error) {
	out := make(map[uint64][]core.PageRow)
	if n <= 0 {
		return out, nil
	}
	for _, chunk := range siteChunks(siteIDs) {
		q := topQuery[core.PageRow]{
			op:   "top pages",
			sql:  topPagesSQL,
			args: []any{ids(chunk), unix(from), unix(to), n},
			cols: func(r *core.PageRow) []any { return []any{&r.Page, &r.Visitors} },
		}
		if err := queryTop(ctx, s, q, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// topQuery is one top-N query whose rows are a site id and the columns of
// an R: op names it in errors, cols points at the fields of r the columns
// after the site id scan into.
type topQuery[R any] struct {
	op   string
	sql  string
	args []any
	cols func(r *R) []any
}

// queryTop runs q and appends each row to out under its site.
func queryTop[R any](ctx context.Context, s *Source, q topQuery[R], out map[uint64][]R) error {
	rows, err := s.conn.Query(ctx, q.sql, q.args...)
	if err != nil {
		return s.wrap(q.op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint64
		var r R
		if err := rows.Scan(append([]any{&id}, q.cols(&r)...)...); err != nil {
			return s.wrap(q.op, err)
		}
		out[id] = append(out[id], r)
	}
	return s.wrap(q.op, rows.Err())
}
