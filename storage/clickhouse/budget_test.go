package clickhouse_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// longName returns the i-th of many distinct 120-character event names,
// with quotes and backslashes, which the driver escapes into more bytes.
func longName(i int) string {
	head := fmt.Sprintf("goal %05d 'quoted' \\ ", i)
	return head + strings.Repeat("x", 120-len(head))
}

// longPath returns the i-th of many distinct 1,500-character page paths,
// full of characters a regular expression must escape; wild ones end in
// `*`.
func longPath(i int, wild bool) string {
	head := fmt.Sprintf("/p%03d/", i)
	path := head + strings.Repeat("a.b(c)+", 1500/7)
	path = path[:1500]
	if wild {
		path = path[:1499] + "*"
	}
	return path
}

func TestGoalCompletionsCatchUpWithThousandsOfLongNames(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	// A catch-up window after downtime: an hour, ending an hour ago.
	from, to := now.Add(-2*time.Hour), now.Add(-time.Hour)
	var goals []core.GoalQuery
	var evs []chtest.Event
	for i := range 2500 {
		site := uint64(1 + i%5)
		name := longName(i)
		goals = append(goals, eventGoal(int64(i+1), site, name))
		for u := range i%3 + 1 {
			at := from.Add(time.Duration(i+u) * time.Second)
			evs = append(evs, chtest.Event{Timestamp: at, Name: name, SiteID: site, UserID: uint64(u + i%2)})
		}
		// Outside the window, and on a site that did not ask.
		evs = append(evs,
			chtest.Event{Timestamp: to, Name: name, SiteID: site, UserID: 9},
			chtest.Event{Timestamp: from, Name: name, SiteID: site + 10, UserID: 9})
	}
	insert(t, srv, db, evs)
	got, err := src.GoalCompletions(context.Background(), goals, from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := wantGoals(evs, goals, from, to)
	if len(want) != len(goals) {
		t.Fatalf("seed: %d of %d goals completed", len(want), len(goals))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %d counts, want %d; first difference %s", len(got), len(want), firstDiff(got, want))
	}
}

func TestGoalCompletionsCatchUpWithLongPaths(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	from, to := now.Add(-2*time.Hour), now.Add(-time.Hour)
	var goals []core.GoalQuery
	var evs []chtest.Event
	for i := range 100 {
		site := uint64(1 + i%3)
		path := longPath(i, i%2 == 1)
		goals = append(goals, pageGoal(int64(i+1), site, path))
		hit := strings.TrimSuffix(path, "*") + strings.Repeat("z", i%2) // a wild path's own characters, then more
		// `.` is no wildcard: a path with `x` in its place does not count.
		miss := strings.Replace(hit, ".", "x", 1)
		for u := range i%4 + 1 {
			at := from.Add(time.Duration(i) * time.Second)
			evs = append(evs,
				chtest.Event{Timestamp: at, Name: "pageview", SiteID: site, UserID: uint64(u), Pathname: hit},
				chtest.Event{Timestamp: at, Name: "pageview", SiteID: site, UserID: uint64(u), Pathname: miss},
				chtest.Event{Timestamp: at, Name: "Signup", SiteID: site, UserID: uint64(u), Pathname: hit})
		}
	}
	insert(t, srv, db, evs)
	got, err := src.GoalCompletions(context.Background(), goals, from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := wantGoals(evs, goals, from, to)
	if len(want) != len(goals) {
		t.Fatalf("seed: %d of %d goals completed", len(want), len(goals))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %d counts, want %d; first difference %s", len(got), len(want), firstDiff(got, want))
	}
}

// TestReadersWithThousandsOfSites asks about more sites, with the longest
// ids, than one IN list may hold, in every reader that takes site ids.
func TestReadersWithThousandsOfSites(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	var sites []uint64
	for i := range 12_000 {
		sites = append(sites, 18_000_000_000_000_000_000+uint64(i))
	}
	// Events on sites spread over the whole list, so that every chunk has
	// some.
	var evs []chtest.Event
	var goals []core.GoalQuery
	for i := 0; i < len(sites); i += 997 {
		site := sites[i]
		for u := range i%5 + 1 {
			evs = append(evs,
				chtest.Event{Timestamp: now.Add(-time.Minute), Name: "pageview", SiteID: site, UserID: uint64(u), Pathname: "/x", ReferrerSource: "Google"},
				chtest.Event{Timestamp: now.Add(-time.Minute), Name: "Signup", SiteID: site, UserID: uint64(u), ReferrerSource: "Google"})
		}
		goals = append(goals, eventGoal(int64(len(goals)+1), site, "Signup"), pageGoal(int64(len(goals)+2), site, "/x"))
	}
	insert(t, srv, db, evs)
	ctx := context.Background()
	current := uniqUsers(evs, func(*chtest.Event) bool { return true })
	wantVisitors := make(map[uint64]core.VisitorCounts)
	for site, n := range current {
		wantVisitors[site] = core.VisitorCounts{Current: n, Last12h: n}
	}
	from, to := now.Add(-2*time.Minute), now

	t.Run("visitors", func(t *testing.T) {
		got, err := src.Visitors(ctx, sites, true)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, wantVisitors) {
			t.Errorf("got %v\nwant %v", got, wantVisitors)
		}
	})
	t.Run("poll", func(t *testing.T) {
		got, err := src.Poll(ctx, core.PollQuery{SiteIDs: sites, Goals: goals, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		want := make(map[uint64]core.VisitorCounts)
		for site, c := range wantVisitors {
			want[site] = core.VisitorCounts{Current: c.Current}
		}
		if !reflect.DeepEqual(got.Visitors, want) {
			t.Errorf("visitors %v\nwant %v", got.Visitors, want)
		}
		if w := wantGoals(evs, goals, from, to); !reflect.DeepEqual(got.Goals, w) {
			t.Errorf("goals %v\nwant %v", got.Goals, w)
		}
	})
	t.Run("top pages and sources", func(t *testing.T) {
		pages, err := src.TopPages(ctx, sites, from, to, 3)
		if err != nil {
			t.Fatal(err)
		}
		srcs, err := src.TopSources(ctx, sites, from, to, 3)
		if err != nil {
			t.Fatal(err)
		}
		for site, n := range current {
			if want := []core.PageRow{{Page: "/x", Visitors: n}}; !reflect.DeepEqual(pages[site], want) {
				t.Errorf("site %d: pages %v, want %v", site, pages[site], want)
			}
			if want := []core.SourceRow{{Source: "Google", Visitors: n}}; !reflect.DeepEqual(srcs[site], want) {
				t.Errorf("site %d: sources %v, want %v", site, srcs[site], want)
			}
		}
		if len(pages) != len(current) || len(srcs) != len(current) {
			t.Errorf("%d sites with pages, %d with sources; want %d", len(pages), len(srcs), len(current))
		}
	})
}

func firstDiff(got, want []core.GoalCount) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if i := min(len(got), len(want)); i < max(len(got), len(want)) {
		return fmt.Sprintf("at %d: got %v, want %v", i, got[i:], want[i:])
	}
	return "none"
}
