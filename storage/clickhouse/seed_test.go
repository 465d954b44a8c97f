package clickhouse_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// Seeded sites. siteOther has events but is never asked about, so a query
// that forgets its site filter shows up; siteEmpty is asked about but has
// no events.
var (
	seedSites = []uint64{11, 22, 33, 44, 55, 66}
	siteOther = uint64(99)
	siteEmpty = uint64(77)
)

var (
	seedPaths   = []string{"/", "/pricing", "/blog/a", "/blog/b.c", "/blog/bxc", "/thank-you", "/docs/x/install", "/docs/y/setup"}
	seedSources = []string{"", "", "Google", "Google", "Twitter", "Hacker News", "GitHub"}
)

// Time bands relative to the server's now at seeding, each a margin of a
// minute or more away from the 5-minute and 12-hour edges, so that the
// seconds a test takes never move an event across a window.
type band struct{ min, max time.Duration }

var (
	bandCurrent = band{5 * time.Second, 4 * time.Minute}
	band12h     = band{6 * time.Minute, 11*time.Hour + 50*time.Minute}
	bandOld     = band{12*time.Hour + 10*time.Minute, 40 * time.Hour}
)

// seedEvents returns a deterministic mix of pageviews, engagement and
// custom events over several sites, anchored at now.
func seedEvents(now time.Time, seed uint64) []chtest.Event {
	rng := rand.New(rand.NewPCG(seed, 42))
	var evs []chtest.Event
	sites := append([]uint64{siteOther}, seedSites...)
	for _, site := range sites {
		n := 150 + rng.IntN(150)
		for i := range n {
			var b band
			switch r := rng.IntN(10); {
			case r < 3:
				b = bandCurrent
			case r < 8:
				b = band12h
			default:
				b = bandOld
			}
			ago := b.min + time.Duration(rng.Int64N(int64(b.max-b.min)/int64(time.Second)))*time.Second
			name := "pageview"
			switch r := rng.IntN(20); {
			case r < 3:
				name = "engagement"
			case r < 5:
				name = "Signup"
			case r < 6:
				name = "Purchase"
			case r < 7:
				name = "Download"
			}
			// A visitor whose only event is engagement shows that
			// engagement is left out.
			user := rng.Uint64N(40) + 1
			if name == "engagement" && rng.IntN(3) == 0 {
				user = 1000 + rng.Uint64N(1000)
			}
			host := fmt.Sprintf("www.site%d.test", site)
			if i%5 == 0 {
				host = fmt.Sprintf("site%d.test", site)
			}
			evs = append(evs, chtest.Event{
				Timestamp:      now.Add(-ago).Truncate(time.Second),
				Name:           name,
				SiteID:         site,
				UserID:         user,
				SessionID:      user*7 + 1,
				Hostname:       host,
				Pathname:       seedPaths[rng.IntN(len(seedPaths))],
				ReferrerSource: seedSources[rng.IntN(len(seedSources))],
			})
		}
	}
	return evs
}

// uniqUsers counts the distinct users of the events that keep returns
// true for, per site.
func uniqUsers(evs []chtest.Event, keep func(e *chtest.Event) bool) map[uint64]uint64 {
	users := make(map[uint64]map[uint64]bool)
	for i := range evs {
		e := &evs[i]
		if !keep(e) {
			continue
		}
		if users[e.SiteID] == nil {
			users[e.SiteID] = make(map[uint64]bool)
		}
		users[e.SiteID][e.UserID] = true
	}
	out := make(map[uint64]uint64)
	for site, u := range users {
		out[site] = uint64(len(u))
	}
	return out
}

func in(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }
