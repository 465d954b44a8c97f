package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.BaselineSource = (*Source)(nil)

// bucketCountsSQL returns the general statement of BucketCounts for n
// ranges. The inner query keeps one uniqState per (site, 5-minute bucket),
// over each range and the hour before it; the outer one unfolds every
// bucket into its own count (i = 0) and into the 12 rolling windows it
// belongs to, those ending 5, 10, … 60 minutes after its start (i = 1 …
// 12), and merges the states per (site, kind, time). uniq is not additive,
// so the rolling counts must merge states rather than add counts. The
// ARRAY JOIN runs over range() with the time computed in the SELECT, the
// form 18.16 accepts over a subquery. Only the times inside the ranges are
// kept. The time ranges go in PREWHERE, so that the other columns are read
// only where they match.
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
    PREWHERE %[2]s
    WHERE site_id IN ? AND name != 'engagement'
    GROUP BY site_id, b
)
ARRAY JOIN range(%[3]d) AS i
WHERE %[4]s
GROUP BY site_id, own, t`, int64(core.BucketWidth/time.Second), strings.Join(read, " OR "),
		core.SlotBuckets+1, strings.Join(keep, " OR "))
}

// slotCountsSQL returns the statement of BucketCounts for n slot hours
// whose reads (each hour and the one before it) do not overlap, as a
// baseline's are, a week apart. Each row finds its hour (w) and its offset
// from the start of that hour's read (off, 0 to 7,200 s), and 24
// conditional uniqs per (site, hour) count the 12 buckets and the 12
// rolling windows. Unlike the general statement it keeps no state per
// bucket and unfolds nothing, which makes it about as cheap as the scan
// itself. Ranges must be given in ascending order.
func slotCountsSQL(n int) string {
	read := make([]string, n)
	which := make([]string, 0, 2*n)
	for i := range n {
		read[i] = "(timestamp >= toDateTime(?) AND timestamp < toDateTime(?))"
		if i < n-1 {
			which = append(which, "timestamp < toDateTime(?)", fmt.Sprint(i))
		}
	}
	which = append(which, fmt.Sprint(n-1))
	w := "multiIf(" + strings.Join(which, ", ") + ")"
	if n == 1 {
		w = "0" // multiIf needs a condition
	}
	step, hour := int64(core.BucketWidth/time.Second), int64(core.RollingWindow/time.Second)
	var cols []string
	for j := range int64(core.SlotBuckets) {
		cols = append(cols, fmt.Sprintf("uniqIf(user_id, off >= %d AND off < %d)", hour+j*step, hour+(j+1)*step))
	}
	for j := range int64(core.SlotBuckets) {
		cols = append(cols, fmt.Sprintf("uniqIf(user_id, off >= %d AND off < %d)", j*step, j*step+hour))
	}
	return fmt.Sprintf(`WITH toUInt32(%s) AS w, toInt64(toUInt32(timestamp)) - arrayElement(?, w + 1) AS off
SELECT site_id, w,
    %s
FROM events_v2
PREWHERE %s
WHERE site_id IN ? AND name != 'engagement'
GROUP BY site_id, w`, w, strings.Join(cols, ",\n    "), strings.Join(read, " OR "))
}

// slotShaped reports whether ranges are hours whose reads do not overlap,
// for slotCountsSQL, and returns them in ascending order.
func slotShaped(ranges []core.TimeRange) ([]core.TimeRange, bool) {
	rs := slices.Clone(ranges)
	slices.SortFunc(rs, func(a, b core.TimeRange) int { return a.From.Compare(b.From) })
	for i, r := range rs {
		if r.To.Sub(r.From) != time.Hour || i > 0 && r.From.Add(-core.RollingWindow).Before(rs[i-1].To) {
			return nil, false
		}
	}
	return rs, true
}

// BucketCounts implements core.BaselineSource: one grouped statement per
// site list of the statement budget, the cheaper slot statement when the
// ranges allow it.
func (s *Source) BucketCounts(ctx context.Context, q core.CountQuery) (map[uint64]*core.BucketCounts, error) {
	out := make(map[uint64]*core.BucketCounts)
	if len(q.SiteIDs) == 0 || len(q.Ranges) == 0 {
		return out, nil
	}
	slots, slot := slotShaped(q.Ranges)
	for _, sites := range siteChunks(q.SiteIDs) {
		var err error
		if slot {
			err = s.slotCounts(ctx, sites, slots, out)
		} else {
			err = s.bucketCounts(ctx, sites, q.Ranges, out)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Source) bucketCounts(ctx context.Context, sites []uint64, ranges []core.TimeRange, out map[uint64]*core.BucketCounts) error {
	var args, keep []any
	for _, r := range ranges {
		args = append(args, unix(r.From.Add(-core.RollingWindow)), unix(r.To))
		keep = append(keep, unix(r.From), unix(r.To))
	}
	args = append(append(args, ids(sites)), keep...)
	rows, err := s.conn.Query(ctx, bucketCountsSQL(len(ranges)), args...)
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
		c := countsOf(out, site)
		if own == 1 {
			c.Visitors[t] = n
		} else {
			c.Rolling[t] = n
		}
	}
	return s.wrap("bucket counts", rows.Err())
}

func (s *Source) slotCounts(ctx context.Context, sites []uint64, slots []core.TimeRange, out map[uint64]*core.BucketCounts) error {
	var args []any
	starts := make([]int64, len(slots))
	for i, r := range slots {
		starts[i] = r.From.Add(-core.RollingWindow).Unix()
		if i < len(slots)-1 {
			args = append(args, unix(r.To))
		}
	}
	args = append(args, starts)
	for _, r := range slots {
		args = append(args, unix(r.From.Add(-core.RollingWindow)), unix(r.To))
	}
	args = append(args, ids(sites))
	rows, err := s.conn.Query(ctx, slotCountsSQL(len(slots)), args...)
	if err != nil {
		return s.wrap("slot counts", err)
	}
	defer rows.Close()
	n := make([]uint64, 2*core.SlotBuckets)
	for rows.Next() {
		var site uint64
		var w uint32
		dest := []any{&site, &w}
		for i := range n {
			dest = append(dest, &n[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return s.wrap("slot counts", err)
		}
		if int(w) >= len(slots) {
			continue
		}
		c := countsOf(out, site)
		for j := range core.SlotBuckets {
			t := slots[w].From.Add(time.Duration(j) * core.BucketWidth).Unix()
			if v := n[j]; v > 0 {
				c.Visitors[t] = v
			}
			if v := n[core.SlotBuckets+j]; v > 0 {
				c.Rolling[t] = v
			}
		}
	}
	return s.wrap("slot counts", rows.Err())
}

func countsOf(out map[uint64]*core.BucketCounts, site uint64) *core.BucketCounts {
	c := out[site]
	if c == nil {
		c = &core.BucketCounts{Visitors: map[int64]uint64{}, Rolling: map[int64]uint64{}}
		out[site] = c
	}
	return c
}

// firstEventsSQL returns FirstEvents' statement for n spans: one minIf per
// span, over one scan from the earliest; a plain min when there is one.
func firstEventsSQL(n int) string {
	var b strings.Builder
	b.WriteString("SELECT site_id")
	if n == 1 {
		b.WriteString(", toUInt32(min(timestamp))")
	} else {
		for range n {
			b.WriteString(", toUInt32(minIf(timestamp, timestamp >= toDateTime(?)))")
		}
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
		if len(since) > 1 {
			args = append(args, unix(t))
		}
		if t.Before(earliest) {
			earliest = t
		}
	}
	sql := firstEventsSQL(len(since))
	for _, sites := range siteChunks(siteIDs) {
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
