package clickhouse_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// suggestEvents seeds two sites: site 1 with custom events of several
// counts, pageviews of many paths and engagement, part of it older than
// the discovery window; site 2 with events site 1's lists must not show.
func suggestEvents(now time.Time) []chtest.Event {
	var evs []chtest.Event
	user := uint64(0)
	add := func(site uint64, name, path string, n int, ago time.Duration) {
		for range n {
			user++
			evs = append(evs, chtest.Event{Timestamp: now.Add(-ago).Truncate(time.Second), Name: name, SiteID: site,
				UserID: user, SessionID: user, Hostname: fmt.Sprintf("site%d.test", site), Pathname: path})
		}
	}
	add(1, "Signup", "/signup", 7, time.Hour)
	add(1, "Download", "/docs", 3, 10*24*time.Hour)
	add(1, "Purchase", "/buy", 3, 2*time.Hour)
	add(1, "Ancient", "/", 9, 31*24*time.Hour) // outside the window
	add(1, "engagement", "/", 50, time.Minute)
	for i := range 25 {
		add(1, "pageview", fmt.Sprintf("/p%02d", i), 30-i, time.Duration(i+1)*time.Minute)
	}
	add(1, "pageview", "/old", 99, 40*24*time.Hour)
	add(2, "Other", "/", 20, time.Minute)
	add(2, "pageview", "/elsewhere", 40, time.Minute)
	return evs
}

func TestEventNames(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	insert(t, srv, db, suggestEvents(now))

	got, err := src.EventNames(context.Background(), []uint64{1, 2, 3}, now.Add(-core.DiscoverWindow), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64][]core.EventCount{
		1: {{Name: "Signup", Events: 7}, {Name: "Download", Events: 3}}, // Purchase ties Download and sorts after it
		2: {{Name: "Other", Events: 20}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("EventNames = %v, want %v", got, want)
	}
}

func TestExplorer(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := open(t, srv, db)
	now := serverNow(t, src)
	insert(t, srv, db, suggestEvents(now))
	dsn := srv.DSN(db)
	e := &clickhouse.Explorer{DSN: func(context.Context) string { return dsn }}
	ctx := context.Background()

	t.Run("discovers every site with its hostname", func(t *testing.T) {
		sites, err := e.DiscoverSites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, s := range sites {
			lines = append(lines, fmt.Sprintf("%d %s %d", s.PlausibleID, s.Hostname, s.Events))
		}
		// Site 1: 7+3+3 custom, 50 engagement, 25 paths of 30..6 pageviews.
		if want := []string{"1 site1.test 513", "2 site2.test 60"}; !reflect.DeepEqual(lines, want) {
			t.Fatalf("DiscoverSites = %v, want %v", lines, want)
		}
	})

	t.Run("suggests custom events and the top 20 paths", func(t *testing.T) {
		s, err := e.SuggestGoals(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		wantEvents := []core.EventCount{{Name: "Signup", Events: 7}, {Name: "Download", Events: 3}, {Name: "Purchase", Events: 3}}
		if !reflect.DeepEqual(s.Events, wantEvents) {
			t.Errorf("events = %v, want %v", s.Events, wantEvents)
		}
		if len(s.Pages) != core.SuggestedPages || s.Pages[0] != (core.PageRow{Page: "/p00", Visitors: 30}) ||
			s.Pages[19] != (core.PageRow{Page: "/p19", Visitors: 11}) {
			t.Errorf("pages = %v, want /p00 (30 visitors) to /p19 (11)", s.Pages)
		}
	})

	t.Run("tests a connection and redacts the password of a refusal", func(t *testing.T) {
		v, err := e.TestClickHouse(ctx, dsn)
		if err != nil || v == "" {
			t.Fatalf("TestClickHouse = %q, %v", v, err)
		}
		bad := srv.PasswordDSN(db, "wr0ng-Secret")
		_, err = e.TestClickHouse(ctx, bad)
		if err == nil || strings.Contains(err.Error(), "wr0ng-Secret") || !strings.Contains(err.Error(), srv.TCPAddr()) {
			t.Fatalf("wrong password gave %v, want an error naming the server without the password", err)
		}
		if got := core.RedactDSN(bad); strings.Contains(got, "wr0ng-Secret") || !strings.Contains(got, "hookwatch:xxxxx@") {
			t.Fatalf("RedactDSN = %q", got)
		}
	})

	t.Run("reads the DSN in use at each call", func(t *testing.T) {
		moved := &clickhouse.Explorer{DSN: func(context.Context) string { return "clickhouse://127.0.0.1:1/" + db }}
		if _, err := moved.DiscoverSites(ctx); err == nil || !strings.Contains(err.Error(), "cannot reach the server") {
			t.Fatalf("DiscoverSites on a closed port = %v", err)
		}
	})
}
