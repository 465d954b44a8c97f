package main

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chserver"
)

// historyDays is how much past traffic the demo seeds, so that the Traffic
// tab's 7- and 28-day charts and the webhook form's backtest have a month
// to show, and the week shown has 4 weeks of its own past for the band of
// normal traffic (core.DefaultBaselineWeeks). It ends well before now, so that it never moves the current
// visitors that the live demo's spike depends on.
const (
	historyDays = 35
	historyGap  = 15 * time.Minute
)

// seedHistory inserts a month of the demo site's pageviews: a daily rhythm
// of about 5 visitors per 5 minutes at night and 60 at midday UTC, busier
// on weekdays, and four bursts above the spike threshold, two of them an
// hour apart so that the cooldown shows in the backtest.
func seedHistory(srv *chserver.Server, db string, now time.Time) error {
	rng := rand.New(rand.NewPCG(7, 13))
	end := now.Add(-historyGap).Truncate(5 * time.Minute)
	start := end.Add(-historyDays * 24 * time.Hour)
	bursts := map[time.Time]int{
		end.Add(-26*24*time.Hour + 3*time.Hour).Truncate(5 * time.Minute): spikeThreshold + 40,
		end.Add(-12*24*time.Hour - 5*time.Hour).Truncate(5 * time.Minute): spikeThreshold + 15,
		end.Add(-12*24*time.Hour - 4*time.Hour).Truncate(5 * time.Minute): spikeThreshold + 25,
		end.Add(-3*24*time.Hour + 7*time.Hour).Truncate(5 * time.Minute):  spikeThreshold + 60,
	}
	var evs []chserver.Event
	user := uint64(0)
	for b := start; b.Before(end); b = b.Add(5 * time.Minute) {
		hour := float64(b.Hour()) + float64(b.Minute())/60
		level := 5 + 55*math.Pow(math.Max(0, math.Sin((hour-6)/24*2*math.Pi)), 1.5)
		if wd := b.Weekday(); wd == time.Saturday || wd == time.Sunday {
			level *= 0.6
		}
		n := int(level*(0.8+0.4*rng.Float64())) + bursts[b]
		for range n {
			user++
			at := b.Add(time.Duration(rng.IntN(300)) * time.Second)
			evs = append(evs, chserver.Event{Timestamp: at, Name: "pageview", SiteID: demoSiteID, UserID: user, SessionID: user,
				Hostname: "demo.example", Pathname: pick("/", "/pricing", "/blog/launch", "/docs"), ReferrerSource: pick("Google", "Hacker News", "", "DuckDuckGo")})
		}
	}
	say("seeding %d days of past traffic (%d pageviews)", historyDays, len(evs))
	return srv.InsertEvents(db, evs)
}
