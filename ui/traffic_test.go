package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/hookwatch/hookwatch/core"
)

// chartTexts returns the labels the chart draws at size.
func chartTexts(c *chart, size fyne.Size) []string {
	c.Resize(size)
	r := test.WidgetRenderer(c)
	r.Layout(size)
	var out []string
	for _, o := range r.Objects() {
		if t, ok := o.(*canvas.Text); ok {
			out = append(out, t.Text)
			if p := t.Position(); p.X < 0 || p.Y < 0 || p.X+t.Size().Width > size.Width+0.5 || p.Y+t.Size().Height > size.Height+0.5 {
				panic("chart text " + t.Text + " drawn outside the chart")
			}
		}
	}
	return out
}

func TestTrafficChart(t *testing.T) {
	e := newEnv(t)
	site := e.site("example.com", 1)
	w := e.webhook(site, "https://hooks.example.com/a")
	spike, drop := 40, 5
	events := []core.EventType{core.EventSpike, core.EventDrop}
	if _, err := e.svc.Webhooks.UpdateWebhook(context.Background(), w.ID, core.WebhookUpdate{Events: &events, SpikeThreshold: &spike, DropThreshold: &drop}); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	e.act(func() { e.ui.ShowScreen(ScreenTraffic) })
	if got := strings.Join(chartTexts(e.ui.traffic.chart, fyne.NewSize(800, 400)), "|"); !strings.Contains(got, "No traffic samples") {
		t.Fatalf("empty chart draws %q", got)
	}

	now := time.Now().Truncate(time.Second)
	var samples []core.TrafficSample
	for i, v := range []uint64{10, 12, 15, 44, 30, 20} {
		s := core.TrafficSample{SiteID: site.ID, At: now.Add(time.Duration(i-6) * time.Minute), CurrentVisitors: v}
		if v == 44 {
			s.Fired = []core.EventType{core.EventSpike}
		}
		samples = append(samples, s)
	}
	if err := e.svc.Triggers.CommitPoll(context.Background(), core.PollCommit{Samples: samples,
		Status: core.PollStatus{LastPollAt: now, ClickHouseOK: true, ClickHouseSince: now, ServerVersion: "24.8"}}); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	// The samples and now span 6 minutes, more than the least span the
	// chart shows, so it starts at the first sample, ticked every minute.
	firstTick := samples[0].At.Truncate(time.Minute).Add(time.Minute).Local().Format("15:04")
	for _, size := range []fyne.Size{fyne.NewSize(800, 400), fyne.NewSize(420, 260)} {
		got := strings.Join(chartTexts(e.ui.traffic.chart, size), "|")
		for _, want := range []string{"spike ≥ 40", "drop < 5", "spike fired", "|40|", firstTick} {
			if !strings.Contains(got, want) {
				t.Errorf("chart at %v lacks %q: %s", size, want, got)
			}
		}
	}
	if !strings.Contains(e.ui.traffic.summary.Text, "Now 20 visitors") || !strings.Contains(e.ui.traffic.summary.Text, "peak 44") {
		t.Fatalf("summary = %q", e.ui.traffic.summary.Text)
	}
	if got := e.ui.status.clickhouse.Text; got != "ClickHouse: connected (24.8)" {
		t.Fatalf("status bar says %q", got)
	}
}
