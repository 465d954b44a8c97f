package clickhouse_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestVisitors(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	evs := seedEvents(now, 1)
	insert(t, srv, db, evs)
	asked := append([]uint64{siteEmpty}, seedSites...)

	since := func(d time.Duration, engagement bool) map[uint64]uint64 {
		return uniqUsers(evs, func(e *chtest.Event) bool {
			return e.SiteID != siteOther && (engagement || e.Name != "engagement") && !e.Timestamp.Before(now.Add(-d))
		})
	}
	current, last12h := since(core.CurrentWindow, false), since(core.DropWindow, false)
	if len(current) != len(seedSites) || maps.Equal(current, since(core.CurrentWindow, true)) || maps.Equal(current, last12h) {
		t.Fatalf("seed does not tell the windows and engagement apart: current %v, 12h %v", current, last12h)
	}

	t.Run("counts current visitors per site without engagement", func(t *testing.T) {
		got, err := src.Visitors(context.Background(), asked, false)
		if err != nil {
			t.Fatal(err)
		}
		want := make(map[uint64]core.VisitorCounts)
		for site, n := range current {
			want[site] = core.VisitorCounts{Current: n}
		}
		if !maps.Equal(got, want) {
			t.Errorf("got %v\nwant %v", got, want)
		}
	})
	t.Run("adds the 12-hour visitors when asked", func(t *testing.T) {
		got, err := src.Visitors(context.Background(), asked, true)
		if err != nil {
			t.Fatal(err)
		}
		want := make(map[uint64]core.VisitorCounts)
		for site, n := range last12h {
			want[site] = core.VisitorCounts{Current: current[site], Last12h: n}
		}
		if !maps.Equal(got, want) {
			t.Errorf("got %v\nwant %v", got, want)
		}
	})
	t.Run("answers only the sites asked", func(t *testing.T) {
		got, err := src.Visitors(context.Background(), []uint64{seedSites[0]}, true)
		if err != nil {
			t.Fatal(err)
		}
		want := map[uint64]core.VisitorCounts{seedSites[0]: {Current: current[seedSites[0]], Last12h: last12h[seedSites[0]]}}
		if !maps.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("returns an empty map for no sites", func(t *testing.T) {
		got, err := src.Visitors(context.Background(), nil, true)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("got %v, %v; want an empty map", got, err)
		}
	})
}
