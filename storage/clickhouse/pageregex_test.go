package clickhouse_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// pageRegexCases are page goals and pathnames with whether the pathname
// completes the goal, written from Plausible's page_regex: the path
// regex-escaped, `\|` back to `|`, `\*\*` and `\*` to `.*`, in `^…$`.
var pageRegexCases = []struct {
	goal, pathname string
	want           bool
}{
	{"/signup", "/signup", true},
	{"/signup", "/signup/", false},
	{"/blog/*", "/blog/", true},
	{"/blog/*", "/blog/hello", true},
	{"/blog/*", "/blog/2024/hello", true},
	{"/blog/*", "/blog", false},
	{"/*/thanks", "/pro/plan/thanks", true},
	{"/*/thanks", "/pro/thanks/x", false},
	{"/blog/**", "/blog/2024/hello", true},
	{"/blog/**", "/blogs", false},
	{"/docs/**/install", "/docs/a/b/install", true},
	// ^/a|/b$: starts with /a, or ends with /b.
	{"/a|/b", "/a", true},
	{"/a|/b", "/b", true},
	{"/a|/b", "/about", true},
	{"/a|/b", "/x/b", true},
	{"/a|/b", "/b/x", false},
	{"/a|/b", "/x", false},
	{"/a|/b*", "/x/b/y", true},
	{"/a|/b*", "/x/a", false},
	// `.` is literal.
	{"/a.b", "/a.b", true},
	{"/a.b", "/axb", false},
	{"/file.*", "/file.pdf", true},
	{"/file.*", "/filexpdf", false},
	// `(` is literal, balanced or not.
	{"/p(1)", "/p(1)", true},
	{"/p(1)", "/p1", false},
	{"/p(", "/p(", true},
	{"/p(*", "/p(x", true},
	{"/p(*", "/px", false},
	// Other metacharacters are literal too.
	{"/x+y", "/x+y", true},
	{"/x+y", "/xxy", false},
	{"/[a]", "/[a]", true},
	{"/[a]", "/a", false},
	{"/c$", "/c$", true},
	{"/^c", "/^c", true},
}

// TestPageGoalRegex gives each case a site of its own holding one pageview
// of the case's pathname, plus a custom event on it that never counts, and
// checks ClickHouse's count, in both of Poll's statements and in
// GoalCompletions, and core.MatchPath against the written expectation.
func TestPageGoalRegex(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	at := now.Add(-time.Minute)
	var evs []chtest.Event
	var goals []core.GoalQuery
	var want []core.GoalCount
	var sites []uint64
	for i, tc := range pageRegexCases {
		site := uint64(100 + i)
		sites = append(sites, site)
		if got := core.MatchPath(tc.goal, tc.pathname); got != tc.want {
			t.Errorf("core.MatchPath(%q, %q) = %v, want %v", tc.goal, tc.pathname, got, tc.want)
		}
		evs = append(evs,
			chtest.Event{Timestamp: at, Name: "pageview", SiteID: site, UserID: 1, Pathname: tc.pathname},
			chtest.Event{Timestamp: at, Name: "Signup", SiteID: site, UserID: 2, Pathname: tc.pathname})
		goals = append(goals, pageGoal(int64(i+1), site, tc.goal))
		if tc.want {
			want = append(want, core.GoalCount{GoalID: int64(i + 1), Completions: 1, UniqueVisitors: 1})
		}
	}
	insert(t, srv, db, evs)
	from, to := now.Add(-2*time.Minute), now
	ctx := context.Background()
	runs := map[string]func() ([]core.GoalCount, error){
		"goal completions": func() ([]core.GoalCount, error) { return src.GoalCompletions(ctx, goals, from, to) },
		"poll with visitors": func() ([]core.GoalCount, error) {
			res, err := src.Poll(ctx, core.PollQuery{SiteIDs: sites, Goals: goals, From: from, To: to})
			return res.Goals, err
		},
		"poll with the 12 h count": func() ([]core.GoalCount, error) {
			res, err := src.Poll(ctx, core.PollQuery{SiteIDs: sites, With12h: true, Goals: goals, From: from, To: to})
			return res.Goals, err
		},
	}
	for name, run := range runs {
		t.Run(name, func(t *testing.T) {
			got, err := run()
			if err != nil {
				t.Fatal(err)
			}
			if reflect.DeepEqual(got, want) {
				return
			}
			byID := make(map[int64]uint64)
			for _, c := range got {
				byID[c.GoalID] = c.Completions
			}
			for i, tc := range pageRegexCases {
				if n := byID[int64(i+1)]; (n == 1) != tc.want || n > 1 {
					t.Errorf("goal %q, pathname %q: %d completions, want match %v", tc.goal, tc.pathname, n, tc.want)
				}
			}
		})
	}
}
