package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.BaselineSource = (*Source)(nil)

// maxStatementSites bounds the site ids bound inline into one baseline
// statement: at 21 bytes each at worst, 5,000 stay far below
// max_query_size (256 KiB) with the rest of the statement.
const maxStatementSites = 5000

// bucketCountsSQL returns the statement of BucketCounts for n ranges. The
// inner query keeps one uniqState per (site, 5-minute bucket), over each
// range and the hour before it; the outer one unfolds every bucket into
// its own count (i = 0) and into the 12 rolling windows it belongs to,
// those ending 5, 10, … 60 minutes after its start (i = 1 … 12), and
// merges the states per (site, kind, time). uniq is not additive, so the
// rolling counts must merge states rather than add counts. The ARRAY JOIN
// runs over range() with the time computed in the SELECT, the form 18.16
// accepts over a subquery. Only the times inside the ranges are kept.
func bucketCountsSQL(n int) string {
	read := make([]string, n)
	keep := make([]string, n)
	for i := range n {
		read[i] = "(timestamp >= toDateTime(?) AND timestamp < toDateTime(?))"
		keep[i] = "(t >= ? AND t < ?)"
	}
	return fmt.Sprintf(`SELECT site_id, i = 0 AS own, toInt64(b + i * %[1]d) AS t, uniqMerge(st)
FROM (
    SELECT site_id, intDiv(toUInt32(timestamp), %[1]d) * %[1]d AS b, uniqState(user_id) AS st
    FROM events_v2
    WHERE site_id IN ? AND name != 'engagement' AND (%[2]s)
    GROUP BY site_id, b
)
ARRAY JOIN range(%[3]d) AS i
WHERE %[4]s
GROUP BY site_id, own, t`, int64(core.BucketWidth/time.Second), strings.Join(read, " OR "),
		core.SlotBuckets+1, strings.Join(keep, " OR "))
}

// BucketCounts implements core.BaselineSource: one grouped statement per
// 5,000 sites.
func (s *Source) BucketCounts(ctx context.Context, q core.CountQuery) (map[uint64]*core.BucketCounts, error) {
	out := make(map[uint64]*core.BucketCounts)
	if len(q.SiteIDs) == 0 || len(q.Ranges) == 0 {
		return out, nil
	}
	var read, keep []any
	for _, r := range q.Ranges {
		read = append(read, unix(r.From.Add(-core.RollingWindow)), unix(r.To))
		keep = append(keep, unix(r.From), unix(r.To))
	}
	sql := bucketCountsSQL(len(q.Ranges))
	for sites := range chunks(q.SiteIDs, maxStatementSites) {
		args := append(append([]any{ids(sites)}, read...), keep...)
		if err := s.bucketCounts(ctx, sql, args, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Source) bucketCounts(ctx context.Context, sql string, args []any, out map[uint64]*core.BucketCounts) error {
	rows, err := s.conn.Query(ctx, sql, args...)
	if err != nil {
		return s.wrap("bucket counts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var site, n uint64
		var own uint8
		var t int64
		if err := rows.Scan(&site, &own, &t, &n); err != nil {
			return s.wrap("bucket counts", err)
		}
		c := out[site]
		if c == nil {
			c = &core.BucketCounts{Visitors: map[int64]uint64{}, Rolling: map[int64]uint64{}}
			out[site] = c
		}
		if own == 1 {
			c.Visitors[t] = n
		} else {
			c.Rolling[t] = n
		}
	}
	return s.wrap("bucket counts", rows.Err())
}

// firstEventsSQL returns FirstEvents' statement for n spans: one minIf per
// span, over one scan from the earliest.
func firstEventsSQL(n int) string {
	var b strings.Builder
	b.WriteString("SELECT site_id")
	for range n {
		b.WriteString(", toUInt32(minIf(timestamp, timestamp >= toDateTime(?)))")
	}
	b.WriteString(`
FROM events_v2
WHERE site_id IN ? AND timestamp >= toDateTime(?)
GROUP BY site_id`)
	return b.String()
}

// FirstEvents implements core.BaselineSource. An empty minIf is 0 in
// ClickHouse, the zero time here.
func (s *Source) FirstEvents(ctx context.Context, siteIDs []uint64, since []time.Time) (map[uint64][]time.Time, error) {
	out := make(map[uint64][]time.Time)
	if len(siteIDs) == 0 || len(since) == 0 {
		return out, nil
	}
	var args []any
	earliest := since[0]
	for _, t := range since {
		args = append(args, unix(t))
		if t.Before(earliest) {
			earliest = t
		}
	}
	sql := firstEventsSQL(len(since))
	for sites := range chunks(siteIDs, maxStatementSites) {
		if err := s.firstEvents(ctx, sql, append(args, ids(sites), unix(earliest)), len(since), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Source) firstEvents(ctx context.Context, sql string, args []any, n int, out map[uint64][]time.Time) error {
	rows, err := s.conn.Query(ctx, sql, args...)
	if err != nil {
		return s.wrap("first events", err)
	}
	defer rows.Close()
	secs := make([]uint32, n)
	for rows.Next() {
		var site uint64
		dest := []any{&site}
		for i := range secs {
			dest = append(dest, &secs[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return s.wrap("first events", err)
		}
		firsts := make([]time.Time, n)
		for i, sec := range secs {
			if sec > 0 {
				firsts[i] = time.Unix(int64(sec), 0).UTC()
			}
		}
		out[site] = firsts
	}
	return s.wrap("first events", rows.Err())
}

// chunks yields ids in runs of at most n.
func chunks(ids []uint64, n int) func(func([]uint64) bool) {
	return func(yield func([]uint64) bool) {
		for len(ids) > 0 {
			k := min(len(ids), n)
			if !yield(ids[:k]) {
				return
			}
			ids = ids[k:]
		}
	}
}
