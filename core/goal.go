package core

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// GoalKind says what completes a goal.
type GoalKind string

// Goal kinds, as Plausible names them.
const (
	GoalEvent GoalKind = "event" // a custom event with this name
	GoalPage  GoalKind = "page"  // a pageview whose path matches
)

// Goal is a conversion that hookwatch reports as goal.completed. Exactly one
// of EventName and PagePath is set.
type Goal struct {
	ID        int64     `json:"id"`
	SiteID    int64     `json:"-"`
	Site      string    `json:"site"` // the site's domain, filled on reads
	Kind      GoalKind  `json:"kind"`
	EventName string    `json:"event_name,omitempty"`
	PagePath  string    `json:"page_path,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Name is how users and webhook goal filters refer to the goal: its event
// name, or its path for a page goal.
func (g *Goal) Name() string {
	if g.Kind == GoalPage {
		return g.PagePath
	}
	return g.EventName
}

// Validate reports the first rule the goal breaks. It sets Kind from the
// field that is filled.
func (g *Goal) Validate() error {
	switch {
	case g.EventName != "" && g.PagePath != "":
		return FieldErrorf("goal", "give either an event name or a page path, not both")
	case g.EventName == "" && g.PagePath == "":
		return FieldErrorf("goal", "give an event name (--event) or a page path (--page)")
	case g.EventName != "":
		g.Kind = GoalEvent
		switch {
		case strings.TrimSpace(g.EventName) != g.EventName:
			return FieldErrorf("event", "must not have leading or trailing spaces")
		case len(g.EventName) > 120:
			return FieldErrorf("event", "must be at most 120 characters")
		case g.EventName == "pageview" || g.EventName == "engagement":
			return FieldErrorf("event", "%q is recorded by Plausible itself; use --page for page goals", g.EventName)
		}
	default:
		g.Kind = GoalPage
		switch {
		case !strings.HasPrefix(g.PagePath, "/"):
			return FieldErrorf("page", "must start with /")
		case len(g.PagePath) > 2000:
			return FieldErrorf("page", "must be at most 2000 characters")
		case strings.ContainsAny(g.PagePath, " \t\n?#"):
			return FieldErrorf("page", "must be a path without spaces, query or fragment")
		}
	}
	return nil
}

// PathPattern returns an anchored RE2 regular expression for a page-goal
// path in which `*` matches any run of characters, as in current Plausible.
// Both Go's regexp and ClickHouse's match() accept it.
func PathPattern(path string) string {
	parts := strings.Split(path, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return "^" + strings.Join(parts, ".*") + "$"
}

// MatchPath reports whether pathname completes the page goal path.
func MatchPath(path, pathname string) bool {
	if !strings.Contains(path, "*") {
		return path == pathname
	}
	ok, _ := regexp.MatchString(PathPattern(path), pathname)
	return ok
}

// GoalFilter narrows FindGoals. A zero SiteID means every site.
type GoalFilter struct {
	SiteID int64
}

// GoalService stores goals. CreateGoal returns ECONFLICT when the site
// already has the same goal, and ENOTFOUND when the site is gone.
type GoalService interface {
	CreateGoal(ctx context.Context, g *Goal) error
	FindGoals(ctx context.Context, filter GoalFilter) ([]*Goal, error)
	DeleteGoal(ctx context.Context, id int64) error
}
