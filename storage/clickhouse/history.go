package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.HistorySource = (*Source)(nil)

// History's SQL. Buckets are Unix seconds divided by the step, which
// aligns them to UTC midnight for any step dividing a day, whatever the
// server's timezone. The WHERE names site_id and a timestamp range, which
// the primary key (site_id, toDate(timestamp), …) and the monthly
// partitions narrow to the granules of those sites and days.
//
// A rolling count cannot add the buckets' uniq counts (a visitor in two
// buckets would count twice), so the inner query keeps each bucket's
// uniqState, every state is sent to the Window/Step points whose window
// holds it, and uniqMerge combines them exactly. 18.16 resolves ARRAY JOIN
// only over a plain array (range(k) AS i), not arrayMap over a subquery's
// column, so the point's time is computed in the SELECT.
const (
	historyTumblingSQL = `SELECT site_id, toUInt32(intDiv(toUInt32(timestamp), %[1]d) * %[1]d) AS bucket_start, uniq(user_id)
FROM events_v2
WHERE site_id IN ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?) AND name != 'engagement'
GROUP BY site_id, bucket_start`

	historyRollingSQL = `SELECT site_id, toUInt32(bucket_start + i * %[1]d) AS point, uniqMerge(visitors)
FROM (
    SELECT site_id, toUInt32(intDiv(toUInt32(timestamp), %[1]d) * %[1]d) AS bucket_start, uniqState(user_id) AS visitors
    FROM events_v2
    WHERE site_id IN ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?) AND name != 'engagement'
    GROUP BY site_id, bucket_start
)
ARRAY JOIN range(%[2]d) AS i
GROUP BY site_id, point`
)

// History implements core.HistorySource: one grouped query per list of
// sites that fits the statement budget (siteChunks). Buckets with no events are filled with zero here, since 18.16 has
// no WITH FILL.
func (s *Source) History(ctx context.Context, q core.HistoryQuery) (map[uint64]core.Series, error) {
	k := q.Kind
	if err := k.Validate(); err != nil {
		return nil, err
	}
	if !q.From.Equal(k.Align(q.From)) || !q.To.Equal(k.Align(q.To)) || q.To.Before(q.From) {
		return nil, core.Errorf(core.EINVALID, "history: the range %v–%v is not whole %v buckets", q.From, q.To, k.Step)
	}
	n := int(q.To.Sub(q.From) / k.Step)
	out := make(map[uint64]core.Series, len(q.SiteIDs))
	for _, id := range q.SiteIDs {
		out[id] = core.Series{Kind: k, Start: q.From.UTC(), Values: make([]uint64, n)}
	}
	if n == 0 {
		return out, nil
	}
	step := int64(k.Step / time.Second)
	query := fmt.Sprintf(historyTumblingSQL, step)
	if k.Rolling() {
		query = fmt.Sprintf(historyRollingSQL, step, int64(k.Window/k.Step))
	}
	for _, sites := range siteChunks(q.SiteIDs) {
		if err := s.history(ctx, query, sites, q, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Source) history(ctx context.Context, query string, sites []uint64, q core.HistoryQuery, out map[uint64]core.Series) error {
	// A point's window reaches Window−Step before its own bucket.
	eventsFrom := q.From.Add(q.Kind.Step - q.Kind.Window)
	rows, err := s.conn.Query(ctx, query, ids(sites), unix(eventsFrom), unix(q.To))
	if err != nil {
		return s.wrap("history", err)
	}
	defer rows.Close()
	from, step := q.From.Unix(), int64(q.Kind.Step/time.Second)
	for rows.Next() {
		var site uint64
		var at uint32
		var visitors uint64
		if err := rows.Scan(&site, &at, &visitors); err != nil {
			return s.wrap("history", err)
		}
		ser, ok := out[site]
		i := (int64(at) - from) / step
		// A rolling query also yields the points after To and before From
		// that the range's events reach; they are not asked for.
		if ok && int64(at) >= from && i < int64(len(ser.Values)) {
			ser.Values[i] = visitors
		}
	}
	return s.wrap("history", rows.Err())
}
