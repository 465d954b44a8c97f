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

// PathPattern returns the regular expression with which current Plausible
// matches page goal path (page_regex, lib/plausible/stats/filters/utils.ex):
// the whole path regex-escaped, then `\|` turned back into `|`, `\*\*` and
// then `\*` into `.*`, wrapped in `^…$`. So `*` and `**` match any run of
// characters, and `|` is an alternation with Plausible's quirk: `/a|/b`
// gives `^/a|/b$`, "starts with /a or ends with /b". Go's regexp and
// ClickHouse's match() (both RE2) accept it; match() searches, as
// Plausible's query does, so the anchors mean what they say.
func PathPattern(path string) string {
	s := regexp.QuoteMeta(path)
	s = strings.ReplaceAll(s, `\|`, "|")
	s = strings.ReplaceAll(s, `\*\*`, ".*")
	s = strings.ReplaceAll(s, `\*`, ".*")
	return "^" + s + "$"
}

// PathLiteral reports whether page goal path matches only the pathname
// equal to it, which holds when it has neither `*` nor `|`: its
// PathPattern is then the escaped path between anchors. Readers may
// compare such a path with `=`, which costs less than a regular expression
// and gives the same answer.
func PathLiteral(path string) bool {
	return !strings.ContainsAny(path, "*|")
}

// MatchPath reports whether pathname completes the page goal path, as
// PathPattern defines it.
func MatchPath(path, pathname string) bool {
	if PathLiteral(path) {
		return path == pathname
	}
	return regexp.MustCompile(PathPattern(path)).MatchString(pathname)
}

// GoalFilter narrows FindGoals. A zero SiteID means every site.
type GoalFilter struct {
	SiteID int64
}

// GoalService stores goals. CreateGoal returns ECONFLICT when the site
// already has the same goal, and ENOTFOUND when the site is gone.
type GoalService interface {
	// CreateGoal validates g and adds it to the site it names by SiteID
	// or, when that is zero, by Site (domain); it fills in g's ID, Kind,
	// SiteID, Site and CreatedAt.
	CreateGoal(ctx context.Context, g *Goal) error
	// FindGoals returns the goals filter selects, by site domain and then
	// in the order they were added.
	FindGoals(ctx context.Context, filter GoalFilter) ([]*Goal, error)
	// DeleteGoal removes goal id with its counting state, or returns
	// ENOTFOUND. Its completions stop being reported from the next poll.
	DeleteGoal(ctx context.Context, id int64) error
}
