package clickhouse_test

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// wantBuckets counts the completions of goals per core.GoalBucket in
// [from, to) from the seed, with the distinct users of each bucket when
// there are at most core.MaxBucketUsers of them.
func wantBuckets(evs []chtest.Event, goals []core.GoalQuery, from, to time.Time, withUsers bool) []core.BucketCount {
	var out []core.BucketCount
	for _, g := range goals {
		byStart := map[time.Time]*core.BucketCount{}
		users := map[time.Time]map[uint64]bool{}
		for _, e := range evs {
			if e.SiteID != g.PlausibleID || !in(e.Timestamp, from, to) {
				continue
			}
			if !(g.Kind == core.GoalEvent && e.Name == g.EventName ||
				g.Kind == core.GoalPage && e.Name == "pageview" && core.MatchPath(g.PagePath, e.Pathname)) {
				continue
			}
			start := core.BucketStart(e.Timestamp)
			if byStart[start] == nil {
				byStart[start] = &core.BucketCount{GoalID: g.GoalID, Start: start}
				users[start] = map[uint64]bool{}
			}
			byStart[start].Completions++
			users[start][e.UserID] = true
		}
		for _, start := range slices.SortedFunc(maps.Keys(byStart), time.Time.Compare) {
			b := *byStart[start]
			if withUsers && len(users[start]) <= core.MaxBucketUsers {
				b.Users = slices.Sorted(maps.Keys(users[start]))
			}
			out = append(out, b)
		}
	}
	return out
}

func sortUsers(bs []core.BucketCount) []core.BucketCount {
	for i := range bs {
		if bs[i].Users != nil {
			bs[i].Users = slices.Sorted(slices.Values(bs[i].Users))
		}
	}
	return bs
}

func TestPollBuckets(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	to := core.BucketStart(now).Add(core.GoalBucket)
	from := to.Add(-3 * time.Minute)
	site, busy := seedSites[0], seedSites[1]
	var evs []chtest.Event
	for i := range 200 {
		at := from.Add(-20*time.Second + time.Duration(i)*time.Second) // from before the window to its end
		if !at.Before(to) {
			break
		}
		evs = append(evs,
			chtest.Event{Timestamp: at, Name: "Signup", SiteID: site, UserID: uint64(i % 7)},
			chtest.Event{Timestamp: at, Name: "pageview", SiteID: site, UserID: uint64(i % 5), Pathname: "/blog/x"},
			chtest.Event{Timestamp: at, Name: "pageview", SiteID: site, UserID: uint64(i % 5), Pathname: "/about"})
	}
	// One bucket with more users than a bucket lists.
	for u := range core.MaxBucketUsers + 1 {
		evs = append(evs, chtest.Event{Timestamp: from.Add(time.Minute), Name: "Signup", SiteID: busy, UserID: uint64(u)})
	}
	insert(t, srv, db, evs)
	goals := []core.GoalQuery{eventGoal(1, site, "Signup"), pageGoal(2, site, "/blog/*"), pageGoal(3, site, "/about"), eventGoal(4, busy, "Signup")}
	ctx := context.Background()

	for _, tc := range []struct {
		name  string
		q     core.PollQuery
		users bool
	}{
		{"steady pass with visitors and users", core.PollQuery{SiteIDs: []uint64{site, busy}, BucketUsers: true}, true},
		{"goals alone, without users", core.PollQuery{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.Goals, q.From, q.To, q.Buckets = goals, from, to, true
			res, err := src.Poll(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			want := wantBuckets(evs, goals, from, to, tc.users)
			if got := sortUsers(res.Buckets); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
			if res.Goals != nil {
				t.Errorf("window counts %v beside buckets", res.Goals)
			}
			if len(q.SiteIDs) > 0 && res.Visitors[site].Current != 7 {
				t.Errorf("current visitors %v; want 7 on site %d", res.Visitors, site)
			}
		})
	}
}
