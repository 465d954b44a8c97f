package clickhouse

import (
	"context"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// eventNamesSQL counts every site's custom events by name in one query;
// LIMIT n BY keeps each site's n most sent. Ties are broken by name so
// that the list does not reorder between two looks.
const eventNamesSQL = `SELECT site_id, name, count() AS events
FROM events_v2
WHERE site_id IN ? AND timestamp >= toDateTime(?) AND name NOT IN ('pageview', 'engagement')
GROUP BY site_id, name
ORDER BY site_id, events DESC, name
LIMIT ? BY site_id`

// EventNames returns, per site, the n custom event names sent most since
// since, with their counts; pageview and engagement are left out.
func (s *Source) EventNames(ctx context.Context, siteIDs []uint64, since time.Time, n int) (map[uint64][]core.EventCount, error) {
	out := make(map[uint64][]core.EventCount)
	if len(siteIDs) == 0 || n <= 0 {
		return out, nil
	}
	rows, err := s.conn.Query(ctx, eventNamesSQL, ids(siteIDs), unix(since), n)
	if err != nil {
		return nil, s.wrap("event names", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint64
		var e core.EventCount
		if err := rows.Scan(&id, &e.Name, &e.Events); err != nil {
			return nil, s.wrap("event names", err)
		}
		out[id] = append(out[id], e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("event names", err)
	}
	return out, nil
}

// Explorer answers the reads and checks of the window's first run (see
// core.ClickHouseService; saving is the caller's). Each call opens its own
// connection to the DSN that DSN returns at that moment, so that a DSN
// saved a moment ago is the one read, whatever the engine holds open.
type Explorer struct {
	// DSN returns the DSN in use. Required.
	DSN func(ctx context.Context) string
}

// TestClickHouse connects to dsn and returns the server's version.
func (e *Explorer) TestClickHouse(ctx context.Context, dsn string) (string, error) {
	src, err := Open(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer src.Close()
	return src.Version(ctx)
}

// DiscoverSites lists the sites with events over core.DiscoverWindow
// before the server's now(), busiest first.
func (e *Explorer) DiscoverSites(ctx context.Context) ([]core.DiscoveredSite, error) {
	var out []core.DiscoveredSite
	err := e.with(ctx, func(src *Source, now time.Time) (err error) {
		out, err = src.DiscoverSites(ctx, now.Add(-core.DiscoverWindow))
		return err
	})
	return out, err
}

// SuggestGoals returns site plausibleID's custom event names and top page
// paths over core.DiscoverWindow.
func (e *Explorer) SuggestGoals(ctx context.Context, plausibleID uint64) (*core.GoalSuggestions, error) {
	out := &core.GoalSuggestions{}
	err := e.with(ctx, func(src *Source, now time.Time) error {
		site := []uint64{plausibleID}
		from := now.Add(-core.DiscoverWindow)
		names, err := src.EventNames(ctx, site, from, core.SuggestedEvents)
		if err != nil {
			return err
		}
		// The window ends after now() so that this second's events count.
		pages, err := src.TopPages(ctx, site, from, now.Add(time.Second), core.SuggestedPages)
		if err != nil {
			return err
		}
		out.Events, out.Pages = names[plausibleID], pages[plausibleID]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// with opens a Source on the DSN in use and calls f with it and the
// server's now().
func (e *Explorer) with(ctx context.Context, f func(src *Source, now time.Time) error) error {
	src, err := Open(ctx, e.DSN(ctx))
	if err != nil {
		return err
	}
	defer src.Close()
	now, err := src.Now(ctx)
	if err != nil {
		return err
	}
	return f(src, now)
}
