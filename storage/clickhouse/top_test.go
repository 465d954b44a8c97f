package clickhouse_test

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

type ranked struct {
	name     string
	visitors uint64
}

// wantTop ranks, per site, the names that key gives the kept events by
// distinct users, most first, ties by name, and keeps n.
func wantTop(evs []chtest.Event, from, to time.Time, n int, key func(e *chtest.Event) (string, bool)) map[uint64][]ranked {
	users := make(map[uint64]map[string]map[uint64]bool)
	for i := range evs {
		e := &evs[i]
		name, ok := key(e)
		if !ok || e.SiteID == siteOther || !in(e.Timestamp, from, to) {
			continue
		}
		if users[e.SiteID] == nil {
			users[e.SiteID] = make(map[string]map[uint64]bool)
		}
		if users[e.SiteID][name] == nil {
			users[e.SiteID][name] = make(map[uint64]bool)
		}
		users[e.SiteID][name][e.UserID] = true
	}
	out := make(map[uint64][]ranked)
	for site, names := range users {
		var rows []ranked
		for name, u := range names {
			rows = append(rows, ranked{name, uint64(len(u))})
		}
		slices.SortFunc(rows, func(a, b ranked) int {
			return cmp.Or(cmp.Compare(b.visitors, a.visitors), cmp.Compare(a.name, b.name))
		})
		out[site] = rows[:min(n, len(rows))]
	}
	return out
}

func sourceKey(e *chtest.Event) (string, bool) {
	if e.ReferrerSource == "" {
		return clickhouse.DirectNone, e.Name != "engagement"
	}
	return e.ReferrerSource, e.Name != "engagement"
}

func pageKey(e *chtest.Event) (string, bool) { return e.Pathname, e.Name == "pageview" }

func sourcesRanked(m map[uint64][]core.SourceRow) map[uint64][]ranked {
	out := make(map[uint64][]ranked)
	for site, rows := range m {
		for _, r := range rows {
			out[site] = append(out[site], ranked{r.Source, r.Visitors})
		}
	}
	return out
}

func pagesRanked(m map[uint64][]core.PageRow) map[uint64][]ranked {
	out := make(map[uint64][]ranked)
	for site, rows := range m {
		for _, r := range rows {
			out[site] = append(out[site], ranked{r.Page, r.Visitors})
		}
	}
	return out
}

func TestTopSourcesAndPages(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	evs := seedEvents(now, 3)
	insert(t, srv, db, evs)
	asked := append([]uint64{siteEmpty}, seedSites...)
	from, to := now.Add(-6*time.Hour), now

	for _, n := range []int{1, 3, 10} {
		t.Run("ranks sources of every site", func(t *testing.T) {
			got, err := src.TopSources(context.Background(), asked, from, to, n)
			if err != nil {
				t.Fatal(err)
			}
			want := wantTop(evs, from, to, n, sourceKey)
			if len(want) != len(seedSites) {
				t.Fatalf("seed too thin: %v", want)
			}
			if g := sourcesRanked(got); !reflect.DeepEqual(g, want) {
				t.Errorf("n=%d: got  %v\nwant %v", n, g, want)
			}
		})
		t.Run("ranks pages of every site", func(t *testing.T) {
			got, err := src.TopPages(context.Background(), asked, from, to, n)
			if err != nil {
				t.Fatal(err)
			}
			if g, want := pagesRanked(got), wantTop(evs, from, to, n, pageKey); !reflect.DeepEqual(g, want) {
				t.Errorf("n=%d: got  %v\nwant %v", n, g, want)
			}
		})
	}
}

func TestTopTies(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	at := serverNow(t, src).Add(-time.Minute).Truncate(time.Second)
	var evs []chtest.Event
	visit := func(user uint64, name, source, path string) {
		evs = append(evs, chtest.Event{Timestamp: at, SiteID: 5, UserID: user, Name: name, ReferrerSource: source, Pathname: path})
	}
	// Three sources and two pages tie at two visitors; engagement events
	// and custom events outnumber them all and must not count.
	for u := uint64(1); u <= 2; u++ {
		visit(u, "pageview", "Twitter", "/b")
		visit(u+10, "pageview", "", "/a")
		visit(u+20, "pageview", "Google", "/c")
		visit(u+20, "pageview", "Google", "/c")
	}
	visit(30, "pageview", "Bing", "/a")
	for u := uint64(100); u < 110; u++ {
		visit(u, "engagement", "Zzz", "/engaged")
		visit(u, "Signup", "", "/signed-up")
	}
	insert(t, srv, db, evs)
	from, to := at, at.Add(time.Second)

	sources, err := src.TopSources(context.Background(), []uint64{5}, from, to, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Signup's 10 users have no source: Direct / None leads with 12.
	wantSources := []core.SourceRow{{Source: clickhouse.DirectNone, Visitors: 12}, {Source: "Google", Visitors: 2}, {Source: "Twitter", Visitors: 2}}
	if !reflect.DeepEqual(sources[5], wantSources) {
		t.Errorf("sources: got %v, want %v", sources[5], wantSources)
	}
	pages, err := src.TopPages(context.Background(), []uint64{5}, from, to, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantPages := []core.PageRow{{Page: "/a", Visitors: 3}, {Page: "/b", Visitors: 2}}
	if !reflect.DeepEqual(pages[5], wantPages) {
		t.Errorf("pages: got %v, want %v", pages[5], wantPages)
	}
}
