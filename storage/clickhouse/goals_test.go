package clickhouse_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// wantGoals counts completions of goals in [from, to) from the seed, the
// way core defines a goal: a custom event by name, or a pageview whose
// path matches.
func wantGoals(evs []chtest.Event, goals []core.GoalQuery, from, to time.Time) []core.GoalCount {
	var out []core.GoalCount
	for _, g := range goals {
		c := core.GoalCount{GoalID: g.GoalID}
		users := make(map[uint64]bool)
		for _, e := range evs {
			if e.SiteID != g.PlausibleID || !in(e.Timestamp, from, to) {
				continue
			}
			if g.Kind == core.GoalEvent && e.Name == g.EventName ||
				g.Kind == core.GoalPage && e.Name == "pageview" && core.MatchPath(g.PagePath, e.Pathname) {
				c.Completions++
				users[e.UserID] = true
			}
		}
		c.UniqueVisitors = uint64(len(users))
		if c.Completions > 0 {
			out = append(out, c)
		}
	}
	return out
}

func eventGoal(id int64, site uint64, name string) core.GoalQuery {
	return core.GoalQuery{GoalID: id, PlausibleID: site, Kind: core.GoalEvent, EventName: name}
}

func pageGoal(id int64, site uint64, path string) core.GoalQuery {
	return core.GoalQuery{GoalID: id, PlausibleID: site, Kind: core.GoalPage, PagePath: path}
}

func TestGoalCompletions(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	evs := seedEvents(now, 2)
	insert(t, srv, db, evs)

	var goals []core.GoalQuery
	add := func(g core.GoalQuery) { g.GoalID = int64(len(goals) + 1); goals = append(goals, g) }
	for i, site := range seedSites {
		add(eventGoal(0, site, "Signup"))
		add(pageGoal(0, site, "/thank-you"))
		add(pageGoal(0, site, "/blog/*"))
		if i%2 == 0 {
			add(eventGoal(0, site, "Purchase"))
			add(pageGoal(0, site, "/blog/b.*"))
			add(pageGoal(0, site, "/docs/*/install"))
			add(pageGoal(0, site, "/blog/b.c"))
		}
	}
	add(eventGoal(0, seedSites[1], "Download"))
	add(eventGoal(0, seedSites[1], "Never sent"))
	add(pageGoal(0, seedSites[1], "/nowhere/*"))
	add(eventGoal(0, siteEmpty, "Signup"))
	add(pageGoal(0, siteEmpty, "/*"))
	from, to := now.Add(-8*time.Hour), now.Add(-1*time.Hour)

	t.Run("counts event and page goals of every site in the window", func(t *testing.T) {
		got, err := src.GoalCompletions(context.Background(), goals, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := wantGoals(evs, goals, from, to)
		if len(want) < len(seedSites)*3 {
			t.Fatalf("seed too thin: %d goals completed", len(want))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})
	t.Run("seed tells pageviews from custom events on the same path", func(t *testing.T) {
		// Were custom events on /thank-you counted, or were `.` a regular
		// expression's any-character, some count would differ; make sure
		// the seed holds such events, so the test above can fail.
		var custom, bxc bool
		for _, e := range evs {
			if in(e.Timestamp, from, to) && e.Name != "pageview" && e.Pathname == "/thank-you" {
				custom = true
			}
			if in(e.Timestamp, from, to) && e.Name == "pageview" && e.Pathname == "/blog/bxc" {
				bxc = true
			}
		}
		if !custom || !bxc {
			t.Errorf("seed lacks a custom event on /thank-you (%v) or a pageview of /blog/bxc (%v)", custom, bxc)
		}
	})
	t.Run("returns nothing for no goals", func(t *testing.T) {
		got, err := src.GoalCompletions(context.Background(), nil, from, to)
		if err != nil || len(got) != 0 {
			t.Errorf("got %v, %v; want nothing", got, err)
		}
	})
}

func TestGoalCompletionsWindow(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	start := serverNow(t, src).Add(-2 * time.Hour).Truncate(time.Minute)
	var evs []chtest.Event
	for i, at := range []time.Duration{-time.Second, 0, 30 * time.Second, 59 * time.Second, 60 * time.Second, 61 * time.Second} {
		ts := start.Add(at)
		evs = append(evs,
			chtest.Event{Timestamp: ts, Name: "Signup", SiteID: 5, UserID: uint64(i + 1), Pathname: "/thank-you"},
			chtest.Event{Timestamp: ts, Name: "pageview", SiteID: 5, UserID: uint64(i + 1), Pathname: "/thank-you"})
	}
	insert(t, srv, db, evs)
	goals := []core.GoalQuery{eventGoal(1, 5, "Signup"), pageGoal(2, 5, "/thank-you"), pageGoal(3, 5, "/thank-*")}

	tests := []struct {
		name     string
		from, to time.Time
		want     uint64 // completions of each goal
	}{
		{"includes from and excludes to", start, start.Add(time.Minute), 3},
		{"rounds a fractional from up", start.Add(-500 * time.Millisecond), start.Add(time.Minute), 3},
		{"keeps the second before a fractional to", start, start.Add(time.Minute + 500*time.Millisecond), 4},
		{"finds nothing in an empty window", start, start, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := src.GoalCompletions(context.Background(), goals, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			var want []core.GoalCount
			if tt.want > 0 {
				for _, g := range goals {
					want = append(want, core.GoalCount{GoalID: g.GoalID, Completions: tt.want, UniqueVisitors: tt.want})
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestGoalCompletionsManyPaths(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	at := serverNow(t, src).Add(-time.Hour)
	// More distinct paths than one query takes, to cover the chunking.
	var goals []core.GoalQuery
	var evs []chtest.Event
	for i := range 250 {
		path := "/p/" + string(rune('a'+i%26)) + "/" + string(rune('a'+i/26))
		goals = append(goals, pageGoal(int64(i+1), uint64(1+i%3), path))
		for u := range i%4 + 1 {
			evs = append(evs, chtest.Event{Timestamp: at, Name: "pageview", SiteID: uint64(1 + i%3), UserID: uint64(u), Pathname: path})
		}
	}
	insert(t, srv, db, evs)
	got, err := src.GoalCompletions(context.Background(), goals, at, at.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if want := wantGoals(evs, goals, at, at.Add(time.Second)); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
