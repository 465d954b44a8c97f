package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chserver"
)

const demoSiteID = 1

// traffic feeds ClickHouse a small stream of Plausible-shaped events: about
// one visitor every four seconds, goal completions now and then, and one
// burst of visitors about 25 s in. The trickle keeps current visitors (the
// last 5 minutes) well under the spike threshold; the burst crosses it.
type traffic struct {
	srv  *chserver.Server
	db   string
	user uint64
}

func (t *traffic) run(ctx context.Context) {
	start := time.Now()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	burst := false
	for i := 0; ; i++ {
		var evs []chserver.Event
		now := time.Now().UTC()
		for n := rand.IntN(2); n > 0; n-- {
			evs = append(evs, t.visit(now, "pageview", pick("/", "/pricing", "/blog/launch", "/docs")))
		}
		if i%3 == 1 {
			evs = append(evs, t.visit(now, "Signup", "/signup"))
		}
		if i%4 == 2 {
			evs = append(evs, t.visit(now, "pageview", "/thanks/pro"))
		}
		if !burst && time.Since(start) > 25*time.Second {
			burst = true
			for n := 0; n < spikeThreshold; n++ {
				evs = append(evs, t.visit(now, "pageview", "/launch"))
			}
			say("traffic: a burst of %d visitors on /launch", spikeThreshold)
		}
		if err := t.srv.InsertEvents(t.db, evs); err != nil {
			fmt.Println("demo: traffic:", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (t *traffic) visit(at time.Time, name, path string) chserver.Event {
	t.user++
	return chserver.Event{Timestamp: at, Name: name, SiteID: demoSiteID, UserID: 1_000_000 + t.user, SessionID: 2_000_000 + t.user,
		Hostname: "demo.example", Pathname: path, ReferrerSource: pick("Google", "Hacker News", "", "DuckDuckGo")}
}

func pick(s ...string) string { return s[rand.IntN(len(s))] }

// otherSites are Plausible sites the demo database does not watch, so that
// the add-site dialog has sites to offer besides demo.example.
var otherSites = []struct {
	id     uint64
	host   string
	visits int
}{{2, "www.shop.example", 900}, {3, "docs.example", 400}, {4, "status.example", 60}}

// seedOtherSites gives each of otherSites a past month of pageviews and a
// custom event or two.
func seedOtherSites(srv *chserver.Server, db string) error {
	now := time.Now().UTC()
	var evs []chserver.Event
	user := uint64(5_000_000)
	for _, s := range otherSites {
		for i := range s.visits {
			user++
			at := now.Add(-time.Duration(rand.Int64N(int64(29 * 24 * time.Hour)))).Add(-time.Duration(i) * time.Second)
			name := "pageview"
			if i%9 == 0 {
				name = pick("Signup", "Download")
			}
			evs = append(evs, chserver.Event{Timestamp: at, Name: name, SiteID: s.id, UserID: user, SessionID: user,
				Hostname: s.host, Pathname: pick("/", "/pricing", "/docs", "/blog"), ReferrerSource: pick("Google", "")})
		}
	}
	return srv.InsertEvents(db, evs)
}
