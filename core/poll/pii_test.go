package poll_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// Seeded identities: large and distinctive, so that any leak into a payload
// shows up as a substring.
const (
	piiUser    = 8_123_456_789_000
	piiSession = 7_654_321_000_000
)

func piiEvents(site uint64, at time.Time, name, path string, first, n int) []chtest.Event {
	var evs []chtest.Event
	for i := range n {
		evs = append(evs, chtest.Event{Timestamp: at, Name: name, SiteID: site,
			UserID: piiUser + uint64(first+i), SessionID: piiSession + uint64(first+i),
			Pathname: path, Hostname: "pii.example", ReferrerSource: "Google",
			Referrer: "https://www.google.com/search?q=someone%40example.com", CountryCode: "DE",
			Browser: "Firefox", OperatingSystem: "Linux", ScreenSize: "Desktop",
			MetaKey: []string{"email"}, MetaValue: []string{"someone@example.com"}})
	}
	return evs
}

// No payload of any event type carries a visitor's identity: only
// aggregates.
func TestNoPII(t *testing.T) {
	e := newEnv(t)
	const pid = 71
	site := e.site("pii.example", pid)
	signup := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	spike := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventSpike},
		SpikeThreshold: 3, SendResolved: true})
	drop := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventDrop},
		DropThreshold: 8, SendResolved: true})
	goals := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	chat := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventSpike, core.EventGoal},
		SpikeThreshold: 3, Format: core.FormatSlack})

	p := e.poller()
	now := e.chNow()
	e.insert(piiEvents(pid, now.Add(-30*time.Second), "pageview", "/launch", 0, 5)...)
	e.pollOnce(p) // spike (5 ≥ 3) and drop (5 < 8)
	start := e.watermarks()[signup.ID]
	e.insert(piiEvents(pid, start, "Signup", "/signup", 0, 2)...)
	e.pollPast(p, start) // goal.completed
	e.insert(piiEvents(pid, e.chNow().Add(-20*time.Second), "pageview", "/", 10, 4)...)
	e.pollOnce(p) // drop.resolved (9 ≥ 8)
	e.truncate()
	e.pollOnce(p) // spike.resolved

	var all []*core.Delivery
	for _, h := range []*core.Webhook{spike, drop, goals, chat} {
		all = append(all, e.delivered(h.ID)...)
	}
	seen := map[core.EventType]bool{}
	for _, d := range all {
		seen[d.EventType] = true
	}
	for _, typ := range []core.EventType{core.EventSpike, core.EventSpikeResolved, core.EventDrop, core.EventDropResolved, core.EventGoal} {
		if !seen[typ] {
			t.Fatalf("the scenario produced no %s (got %v); the test must cover every type", typ, types(all))
		}
	}

	var ids []string
	for i := range 14 {
		for _, base := range []uint64{piiUser, piiSession} {
			ids = append(ids, strconv.FormatUint(base+uint64(i), 10))
		}
	}
	forbiddenKeys := []string{"user_id", "session_id", "ip", "ip_address", "remote_ip", "visitor_id", "email"}
	for _, d := range all {
		t.Run("leaves visitor identities out of "+string(d.EventType)+" to webhook "+strconv.FormatInt(d.WebhookID, 10), func(t *testing.T) {
			body := string(d.Payload)
			for _, id := range ids {
				if strings.Contains(body, id) {
					t.Errorf("payload contains seeded id %s: %s", id, body)
				}
			}
			if strings.Contains(body, "someone") {
				t.Errorf("payload contains event meta or referrer: %s", body)
			}
			var v any
			if err := json.Unmarshal(d.Payload, &v); err != nil {
				t.Fatal(err)
			}
			for _, k := range keys(v) {
				for _, bad := range forbiddenKeys {
					if strings.EqualFold(k, bad) {
						t.Errorf("payload has key %q: %s", k, body)
					}
				}
			}
		})
	}
}

// keys returns every object key in a decoded JSON value.
func keys(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			out = append(out, k)
			out = append(out, keys(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, keys(x)...)
		}
	}
	return out
}
