package clickhouse_test

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestPoll(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	evs := seedEvents(now, 3)
	// A steady goal window inside the current 5 minutes, with completions
	// on both of its edges: the one at from counts, the one at to does not.
	from, to := now.Add(-3*time.Minute), now.Add(-30*time.Second)
	site := seedSites[0]
	for i, at := range []time.Time{from, to, to.Add(-time.Second)} {
		user := uint64(500 + i)
		evs = append(evs,
			chtest.Event{Timestamp: at, Name: "Signup", SiteID: site, UserID: user, Pathname: "/"},
			chtest.Event{Timestamp: at, Name: "pageview", SiteID: site, UserID: user, Pathname: "/blog/edge"})
	}
	insert(t, srv, db, evs)
	asked := append([]uint64{siteEmpty}, seedSites...)

	var goals []core.GoalQuery
	add := func(g core.GoalQuery) { g.GoalID = int64(len(goals) + 1); goals = append(goals, g) }
	for i, site := range seedSites {
		add(eventGoal(0, site, "Signup"))
		add(pageGoal(0, site, "/blog/*"))
		add(pageGoal(0, site, "/thank-you"))
		if i%2 == 0 {
			add(eventGoal(0, site, "Purchase"))
			add(pageGoal(0, site, "/blog/b.*"))
			add(pageGoal(0, site, "/docs/*/install"))
		}
	}
	add(eventGoal(0, seedSites[1], "It's never sent"))
	add(eventGoal(0, siteEmpty, "Signup"))
	add(pageGoal(0, siteEmpty, "/*"))

	since := func(d time.Duration, engagement bool) map[uint64]uint64 {
		return uniqUsers(evs, func(e *chtest.Event) bool {
			return e.SiteID != siteOther && (engagement || e.Name != "engagement") && !e.Timestamp.Before(now.Add(-d))
		})
	}
	current, last12h := since(core.CurrentWindow, false), since(core.DropWindow, false)
	if len(current) != len(seedSites) || maps.Equal(current, since(core.CurrentWindow, true)) || maps.Equal(current, last12h) {
		t.Fatalf("seed does not tell the windows and engagement apart: current %v, 12h %v", current, last12h)
	}
	visitors := func(with12h bool, sites ...uint64) map[uint64]core.VisitorCounts {
		want := make(map[uint64]core.VisitorCounts)
		for _, site := range sites {
			if n, ok := current[site]; ok {
				want[site] = core.VisitorCounts{Current: n}
			}
			if n, ok := last12h[site]; ok && with12h {
				c := want[site]
				c.Last12h = n
				want[site] = c
			}
		}
		return want
	}
	poll := func(t *testing.T, q core.PollQuery) core.PollResult {
		t.Helper()
		res, err := src.Poll(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	check := func(t *testing.T, res core.PollResult, wantVisitors map[uint64]core.VisitorCounts, wantGoals []core.GoalCount) {
		t.Helper()
		if !maps.Equal(res.Visitors, wantVisitors) {
			t.Errorf("visitors %v\nwant     %v", res.Visitors, wantVisitors)
		}
		if !reflect.DeepEqual(res.Goals, wantGoals) {
			t.Errorf("goals %v\nwant  %v", res.Goals, wantGoals)
		}
	}

	t.Run("counts current visitors and the goal window in one pass", func(t *testing.T) {
		want := wantGoals(evs, goals, from, to)
		if len(want) < len(seedSites)*2 {
			t.Fatalf("seed too thin: %d goals completed", len(want))
		}
		check(t, poll(t, core.PollQuery{SiteIDs: asked, Goals: goals, From: from, To: to}), visitors(false, asked...), want)
	})
	t.Run("counts the completion at from and not the one at to", func(t *testing.T) {
		edge := []core.GoalQuery{eventGoal(1, site, "Signup"), pageGoal(2, site, "/blog/edge")}
		got := poll(t, core.PollQuery{SiteIDs: []uint64{site}, Goals: edge, From: from, To: to})
		want := wantGoals(evs, edge, from, to)
		if len(want) != 2 || want[1] != (core.GoalCount{GoalID: 2, Completions: 2, UniqueVisitors: 2}) {
			t.Fatalf("seed: want %v; the page goal should have the completions at from and a second before to", want)
		}
		if !reflect.DeepEqual(got.Goals, want) {
			t.Errorf("goals %v, want %v", got.Goals, want)
		}
		// A window one second wider takes in the completion at to.
		got = poll(t, core.PollQuery{SiteIDs: []uint64{site}, Goals: edge[1:], From: from, To: to.Add(time.Second)})
		if want := []core.GoalCount{{GoalID: 2, Completions: 3, UniqueVisitors: 3}}; !reflect.DeepEqual(got.Goals, want) {
			t.Errorf("wider window: goals %v, want %v", got.Goals, want)
		}
	})
	t.Run("rounds a fractional window up to whole seconds", func(t *testing.T) {
		edge := []core.GoalQuery{pageGoal(2, site, "/blog/edge")}
		got := poll(t, core.PollQuery{SiteIDs: []uint64{site}, Goals: edge, From: from.Add(-500 * time.Millisecond), To: to.Add(500 * time.Millisecond)})
		if want := []core.GoalCount{{GoalID: 2, Completions: 3, UniqueVisitors: 3}}; !reflect.DeepEqual(got.Goals, want) {
			t.Errorf("goals %v, want %v", got.Goals, want)
		}
	})
	t.Run("adds the 12-hour visitors when asked", func(t *testing.T) {
		check(t, poll(t, core.PollQuery{SiteIDs: asked, With12h: true, Goals: goals, From: from, To: to}),
			visitors(true, asked...), wantGoals(evs, goals, from, to))
	})
	t.Run("counts a window older than the current visitors", func(t *testing.T) {
		from, to := now.Add(-8*time.Hour), now.Add(-time.Hour)
		want := wantGoals(evs, goals, from, to)
		if len(want) < len(seedSites)*3 {
			t.Fatalf("seed too thin: %d goals completed", len(want))
		}
		check(t, poll(t, core.PollQuery{SiteIDs: asked, Goals: goals, From: from, To: to}), visitors(false, asked...), want)
	})
	t.Run("answers visitors only for the sites asked", func(t *testing.T) {
		check(t, poll(t, core.PollQuery{SiteIDs: seedSites[:1], Goals: goals, From: from, To: to}),
			visitors(false, seedSites[0]), wantGoals(evs, goals, from, to))
	})
	t.Run("answers visitors alone without goals", func(t *testing.T) {
		check(t, poll(t, core.PollQuery{SiteIDs: asked, From: from, To: to}), visitors(false, asked...), nil)
		check(t, poll(t, core.PollQuery{SiteIDs: asked, With12h: true}), visitors(true, asked...), nil)
	})
	t.Run("answers goals alone without sites", func(t *testing.T) {
		check(t, poll(t, core.PollQuery{Goals: goals, From: from, To: to}), map[uint64]core.VisitorCounts{}, wantGoals(evs, goals, from, to))
	})
}

func TestPollManyGoals(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	at := now.Add(-time.Minute)
	// More distinct wildcard paths than one statement takes, and event
	// names longer in all than ClickHouse's max_query_size, to cover the
	// splitting.
	var goals []core.GoalQuery
	var evs []chtest.Event
	for i := range 250 {
		site := uint64(1 + i%3)
		path := fmt.Sprintf("/p/%d/", i)
		if i < 150 {
			goals = append(goals, pageGoal(int64(len(goals)+1), site, path+"*"))
		}
		name := fmt.Sprintf("%02000d", i)
		goals = append(goals, eventGoal(int64(len(goals)+1), site, name))
		for u := range i%4 + 1 {
			evs = append(evs,
				chtest.Event{Timestamp: at, Name: "pageview", SiteID: site, UserID: uint64(u), Pathname: path + "x"},
				chtest.Event{Timestamp: at, Name: name, SiteID: site, UserID: uint64(u + 1)})
		}
	}
	insert(t, srv, db, evs)
	res, err := src.Poll(context.Background(), core.PollQuery{SiteIDs: []uint64{1, 2, 3}, Goals: goals, From: at, To: at.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if want := wantGoals(evs, goals, at, at.Add(time.Second)); len(want) != len(goals) || !reflect.DeepEqual(res.Goals, want) {
		t.Errorf("goals %v\nwant  %v", res.Goals, want)
	}
	wantVisitors := map[uint64]core.VisitorCounts{1: {Current: 5}, 2: {Current: 5}, 3: {Current: 5}}
	if !maps.Equal(res.Visitors, wantVisitors) {
		t.Errorf("visitors %v, want %v", res.Visitors, wantVisitors)
	}
}
