package clickhouse_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestDiscoverSites(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	evs := seedEvents(now, 4)
	// A site whose events all predate since stays hidden.
	evs = append(evs, chtest.Event{Timestamp: now.Add(-72 * time.Hour).Truncate(time.Second), Name: "pageview", SiteID: 123, Hostname: "gone.test"})
	insert(t, srv, db, evs)
	since := now.Add(-30 * time.Hour)

	type acc struct {
		events uint64
		hosts  map[string]uint64
		last   time.Time
	}
	sites := make(map[uint64]*acc)
	for _, e := range evs {
		if e.Timestamp.Before(since) {
			continue
		}
		a := sites[e.SiteID]
		if a == nil {
			a = &acc{hosts: make(map[string]uint64)}
			sites[e.SiteID] = a
		}
		a.events++
		a.hosts[e.Hostname]++
		if e.Timestamp.After(a.last) {
			a.last = e.Timestamp
		}
	}
	var wantSites []core.DiscoveredSite
	for id, a := range sites {
		best, n := "", uint64(0)
		for h, c := range a.hosts {
			if c > n {
				best, n = h, c
			}
		}
		wantSites = append(wantSites, core.DiscoveredSite{PlausibleID: id, Events: a.events, Hostname: best, LastSeen: a.last})
	}
	slices.SortFunc(wantSites, func(a, b core.DiscoveredSite) int {
		return cmp.Or(cmp.Compare(b.Events, a.Events), cmp.Compare(a.PlausibleID, b.PlausibleID))
	})
	var want []string
	for _, d := range wantSites {
		want = append(want, line(d))
	}

	got, err := src.DiscoverSites(context.Background(), since)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, d := range got {
		lines = append(lines, line(d))
	}
	if !slices.Equal(lines, want) || len(want) != len(seedSites)+1 {
		t.Errorf("got\n%v\nwant (busiest first)\n%v", lines, want)
	}
}

// line shows a discovered site with its time in UTC, so that a timezone
// slip in the round trip shows as a different hour.
func line(d core.DiscoveredSite) string {
	return fmt.Sprintf("site %d: %d events, %s, last %s", d.PlausibleID, d.Events, d.Hostname, d.LastSeen.UTC().Format(time.RFC3339))
}
