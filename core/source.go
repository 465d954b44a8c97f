package core

import (
	"context"
	"time"
)

// CurrentWindow is the span of Plausible's "current visitors".
const CurrentWindow = 5 * time.Minute

// DropWindow is the span of the drop alert's visitor count.
const DropWindow = 12 * time.Hour

// VisitorCounts are a site's visitors as of ClickHouse's now().
type VisitorCounts struct {
	// Current is uniq(user_id) over the last 5 minutes, leaving out
	// engagement events.
	Current uint64
	// Last12h is uniq(user_id) over the last 12 hours; set only when asked.
	Last12h uint64
	// Last60m is uniq(user_id) over the last 60 minutes, leaving out
	// engagement events: the anomaly drop rule's count. Set only when
	// asked.
	Last60m uint64
}

// GoalQuery asks for one goal's completions.
type GoalQuery struct {
	GoalID      int64
	PlausibleID uint64
	Kind        GoalKind
	EventName   string
	PagePath    string
}

// GoalCount is one goal's completions in a window.
type GoalCount struct {
	GoalID         int64
	Completions    uint64
	UniqueVisitors uint64
}

// PollQuery asks for a steady poll's counts at once: the visitors of
// SiteIDs, as Visitors counts them, and the completions of Goals in
// [From, To), as GoalCompletions counts them.
type PollQuery struct {
	SiteIDs []uint64
	// With12h adds VisitorCounts.Last12h, With60m VisitorCounts.Last60m.
	With12h bool
	With60m bool
	// Goals are counted in [From, To); with no Goals the window is unused.
	Goals    []GoalQuery
	From, To time.Time
	// Buckets counts the goals per GoalBucket, into PollResult.Buckets,
	// instead of over the whole window; From and To must then fall on
	// bucket starts. BucketUsers adds each bucket's Users.
	Buckets, BucketUsers bool
}

// PollResult answers a PollQuery. Visitors and Goals hold what Visitors
// and GoalCompletions would return for the same arguments: sites with no
// events and goals with no completion are left out.
type PollResult struct {
	Visitors map[uint64]VisitorCounts
	Goals    []GoalCount
	// Buckets, with PollQuery.Buckets, are the buckets with completions,
	// by goal in the order of PollQuery.Goals and then by start.
	Buckets []BucketCount
}

// DiscoveredSite is a site_id seen in ClickHouse.
type DiscoveredSite struct {
	PlausibleID uint64    `json:"site_id"`
	Events      uint64    `json:"events"`
	Hostname    string    `json:"hostname"`
	LastSeen    time.Time `json:"last_seen"`
}

// TrafficSource reads Plausible's events. Every method covers many sites in
// one query; none is called per site. Times are ClickHouse's, since the
// events are stamped by Plausible's clock, not ours.
type TrafficSource interface {
	// Now returns the server's now(), so that windows follow its clock.
	Now(ctx context.Context) (time.Time, error)
	// Visitors returns the visitor counts of the given Plausible site ids
	// as of the server's now(); with12h adds the 12 h count in the same
	// pass. Sites with no events are missing from the map: zero visitors.
	Visitors(ctx context.Context, siteIDs []uint64, with12h bool) (map[uint64]VisitorCounts, error)
	// GoalCompletions counts completions in [from, to) per goal.
	GoalCompletions(ctx context.Context, goals []GoalQuery, from, to time.Time) ([]GoalCount, error)
	// Poll answers Visitors and GoalCompletions together, in fewer passes
	// over the events than the two calls take. It is cheapest when the goal
	// window lies inside the last CurrentWindow, as a steady poll's does;
	// the counts are the same for any window.
	Poll(ctx context.Context, q PollQuery) (PollResult, error)
	// TopSources returns, per site, the n referrer sources ("Direct /
	// None" for none) with the most visitors in [from, to).
	TopSources(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]SourceRow, error)
	// TopPages returns, per site, the n pages with the most visitors in
	// [from, to).
	TopPages(ctx context.Context, siteIDs []uint64, from, to time.Time, n int) (map[uint64][]PageRow, error)
	// DiscoverSites lists the site ids with events since since.
	DiscoverSites(ctx context.Context, since time.Time) ([]DiscoveredSite, error)
	// Version returns the server's version, as a health check.
	Version(ctx context.Context) (string, error)
	// Close ends the connection; the caller closes a source it opened
	// once it reads no more, and calls nothing on it afterwards.
	Close() error
}
