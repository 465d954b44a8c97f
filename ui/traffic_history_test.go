package ui

import (
	"context"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/history"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// seededHistory is a week of one site's traffic in a real ClickHouse:
// three visitors at half past every hour, a burst of 45 visitors at peak,
// 41 an hour later (inside a 12 h cooldown), and 60 engagement-only
// visitors an hour after that, who do not count.
type seededHistory struct {
	reader core.HistoryReader
	peak   time.Time // the start of the 45-visitor bucket
}

const historySite = 31

func seedHistory(t *testing.T) seededHistory {
	t.Helper()
	srv, db := chtest.EventsDB(t)
	src := chtest.Source(t, srv.DSN(db))
	now, err := src.Now(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ev := func(at time.Time, name string, user uint64) chtest.Event {
		return chtest.Event{Timestamp: at.Truncate(time.Second), Name: name, SiteID: historySite, UserID: user, Hostname: "h.test", Pathname: "/"}
	}
	var evs []chtest.Event
	hour := core.HourlySeries.Align(now)
	for h := 1; h <= 160; h++ {
		for j := range 3 {
			evs = append(evs, ev(hour.Add(time.Duration(-h)*time.Hour+30*time.Minute+time.Duration(j)*time.Second), "pageview", uint64(h*10+j)))
		}
	}
	peak := hour.Add(-50 * time.Hour)
	for j := range 60 {
		if j < 45 {
			evs = append(evs, ev(peak.Add(time.Duration(j)*time.Second), "pageview", uint64(100_000+j)))
		}
		if j < 41 {
			evs = append(evs, ev(peak.Add(time.Hour+time.Duration(j)*time.Second), "pageview", uint64(200_000+j)))
		}
		evs = append(evs, ev(peak.Add(2*time.Hour+time.Duration(j)*time.Second), "engagement", uint64(300_000+j)))
	}
	if err := srv.InsertEvents(db, evs); err != nil {
		t.Fatal(err)
	}
	return seededHistory{reader: history.New(src, 0), peak: peak}
}

// historyEnv is a window whose history comes from r.
func historyEnv(t *testing.T, r core.HistoryReader) *env {
	return newEnv(t, func(e *env) {
		e.svc.History = r
		e.svc.Alerts = e.svc.Triggers.(*sqlite.TriggerStore)
	})
}

func hollowRings(c *chart, size fyne.Size) int {
	c.Resize(size)
	r := test.WidgetRenderer(c)
	r.Layout(size)
	n := 0
	for _, o := range r.Objects() {
		if ring, ok := o.(*canvas.Circle); ok && ring.FillColor == color.Transparent && ring.StrokeWidth == 2 {
			n++
		}
	}
	return n
}

func TestTrafficHistory(t *testing.T) {
	h := seedHistory(t)
	e := historyEnv(t, h.reader)
	site := e.site("history.example", historySite)
	w := e.webhook(site, "https://hooks.example.com/a")
	spike, cooldown := 40, 12*time.Hour
	events := []core.EventType{core.EventSpike}
	if _, err := e.svc.Webhooks.UpdateWebhook(context.Background(), w.ID, core.WebhookUpdate{Events: &events, SpikeThreshold: &spike, Cooldown: &cooldown}); err != nil {
		t.Fatal(err)
	}
	// One spike the poller sent, an hour ago.
	if err := e.svc.Triggers.CommitPoll(context.Background(), core.PollCommit{Deliveries: []core.NewDelivery{
		{WebhookID: w.ID, EventKey: "spike:1", EventType: core.EventSpike, Payload: []byte(`{}`)}}}); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	e.act(func() { e.ui.ShowScreen(ScreenTraffic) })
	s := e.ui.traffic

	// 24 h: the burst two days ago is out of range; the hourly three are in.
	if got := s.summary.Text; !strings.Contains(got, "Peak 3 ") || !strings.Contains(got, "1 alert sent") || !strings.Contains(got, "spike ≥ 40 would have fired 0 times") {
		t.Errorf("24 h summary = %q", got)
	}
	if !strings.Contains(s.title.Text, "24 h") || s.notice.Visible() {
		t.Errorf("title %q, notice shown: %v", s.title.Text, s.notice.Visible())
	}

	e.act(func() { s.ranges.SetSelected("7 d") })
	got := s.summary.Text
	// The burst fires; the 41 an hour later is inside the cooldown; the
	// 60 engagement-only visitors are no peak.
	if !strings.Contains(got, "Peak 45 at "+h.peak.Local().Format("Mon 2 Jan 15:04")) || !strings.Contains(got, "spike ≥ 40 would have fired 1 time") {
		t.Errorf("7 d summary = %q", got)
	}
	size := fyne.NewSize(900, 400)
	texts := strings.Join(chartTexts(s.chart, size), "|")
	if !strings.Contains(texts, "spike ≥ 40") || !strings.Contains(texts, "spike fired") {
		t.Errorf("7 d chart draws %s", texts)
	}
	if n := hollowRings(s.chart, size); n != 1 {
		t.Errorf("%d would-have-fired marks, want 1", n)
	}

	// Hovering over the burst's pixel column shows its time and visitors.
	pa := test.WidgetRenderer(s.chart).(*chartRenderer).plot
	e.act(func() {
		s.chart.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(pa.x(h.peak)+0.01, 100)}})
	})
	if want := h.peak.Local().Format("Mon 2 Jan 15:04") + "  ·  45 visitors"; !strings.HasPrefix(s.chart.hoverText, want) {
		t.Errorf("hover says %q, want %q…", s.chart.hoverText, want)
	}
	e.act(func() { s.chart.MouseOut() })
	if s.chart.hoverText != "" {
		t.Errorf("hover text %q after the pointer left", s.chart.hoverText)
	}

	e.act(func() { s.ranges.SetSelected("28 d") })
	if got := s.summary.Text; !strings.Contains(got, "Peak 45") || !strings.Contains(s.title.Text, "28 d") {
		t.Errorf("28 d: title %q, summary %q", s.title.Text, got)
	}
}

func TestTrafficHistoryUnavailable(t *testing.T) {
	src, err := clickhouse.Open(context.Background(), "clickhouse://127.0.0.1:1/default?dial_timeout=1s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	e := historyEnv(t, history.New(src, 0))
	site := e.site("down.example", 1)
	now := time.Now()
	if err := e.svc.Triggers.CommitPoll(context.Background(), core.PollCommit{Samples: []core.TrafficSample{
		{SiteID: site.ID, At: now.Add(-2 * time.Minute), CurrentVisitors: 7},
		{SiteID: site.ID, At: now.Add(-time.Minute), CurrentVisitors: 9},
	}}); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	e.act(func() { e.ui.ShowScreen(ScreenTraffic) })
	s := e.ui.traffic
	if !s.notice.Visible() || !strings.Contains(s.notice.Text, "History is unavailable") || !strings.Contains(s.notice.Text, "cannot reach the server") {
		t.Errorf("notice (shown %v) = %q", s.notice.Visible(), s.notice.Text)
	}
	// hookwatch's own samples stand in, and no dialog interrupts.
	if !strings.Contains(s.summary.Text, "Now 9 visitors") || e.dialogOpen() {
		t.Errorf("summary %q, dialog open %v", s.summary.Text, e.dialogOpen())
	}
}

func TestWebhookFormLiveBacktest(t *testing.T) {
	h := seedHistory(t)
	e := historyEnv(t, h.reader)
	e.site("history.example", historySite)
	e.refresh()
	e.act(func() { e.ui.webhooks.onAdd() })
	f := e.ui.webhooks.form
	// Before anything is typed: the site's peak and 95th percentile over
	// 28 days, 7 of which have traffic (3 visitors an hour, 1 bucket in 12).
	if got := f.live.spike.Text; got != "Peak 45, 95th percentile 0 of the 5-minute visitors over 28 days." {
		t.Errorf("spike line = %q", got)
	}
	for _, tc := range []struct {
		entry *entry
		text  string
		line  *string
		want  string
	}{
		{f.spikeAt, "40", &f.live.spike.Text, "Would have fired 1 time in the last 28 days. Peak 45"},
		{f.spikeAt, "45", &f.live.spike.Text, "Would have fired 1 time in the last 28 days."},
		{f.spikeAt, "46", &f.live.spike.Text, "Would have fired 0 times in the last 28 days."},
		// The 12 h count is 0 for three weeks (one firing), then 36.
		{f.dropBelow, "10", &f.live.drop.Text, "Would have fired 1 time in the last 28 days. Lowest 12-hour count 0"},
	} {
		e.act(func() {
			tc.entry.SetText("")
			test.Type(tc.entry, tc.text)
		})
		if !strings.HasPrefix(*tc.line, tc.want) {
			t.Errorf("after typing %q: %q, want %q…", tc.text, *tc.line, tc.want)
		}
	}
	// A cooldown shorter than the hour between the bursts lets the second fire.
	e.act(func() {
		f.spikeAt.SetText("40")
		f.cooldown.SetText("30m")
	})
	if want := "Would have fired 2 times"; !strings.HasPrefix(f.live.spike.Text, want) {
		t.Errorf("with a 30m cooldown: %q, want %q…", f.live.spike.Text, want)
	}
}
