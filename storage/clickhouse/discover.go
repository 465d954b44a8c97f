package clickhouse

import (
	"context"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// discoverSQL counts per site and hostname first, so that the most common
// hostname is exact (argMax over counts) rather than topK's estimate.
const discoverSQL = `SELECT site_id, sum(c) AS events, argMax(hostname, c), max(last)
FROM (
    SELECT site_id, hostname, count() AS c, max(timestamp) AS last
    FROM events_v2
    WHERE timestamp >= toDateTime(?)
    GROUP BY site_id, hostname
)
GROUP BY site_id
ORDER BY events DESC, site_id`

// DiscoverSites implements core.TrafficSource, busiest site first.
func (s *Source) DiscoverSites(ctx context.Context, since time.Time) ([]core.DiscoveredSite, error) {
	rows, err := s.conn.Query(ctx, discoverSQL, unix(since))
	if err != nil {
		return nil, s.wrap("discover sites", err)
	}
	defer rows.Close()
	var out []core.DiscoveredSite
	for rows.Next() {
		var d core.DiscoveredSite
		if err := rows.Scan(&d.PlausibleID, &d.Events, &d.Hostname, &d.LastSeen); err != nil {
			return nil, s.wrap("discover sites", err)
		}
		d.LastSeen = d.LastSeen.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("discover sites", err)
	}
	return out, nil
}
