package ui

import (
	"context"
	"slices"
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
)

// Plausible site ids of the band tests: a site with 22 days of 4 visitors
// in every 5 minutes and one burst of 34 two days ago, and one with 5 days
// of 4 visitors.
const (
	steadySite = 41
	youngSite  = 42
)

func seedSteady(t *testing.T) core.HistoryReader {
	t.Helper()
	srv, db := chtest.EventsDB(t)
	src, err := clickhouse.Open(context.Background(), srv.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	now, err := src.Now(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var evs []chtest.Event
	user := uint64(0)
	end := core.SpikeSeries.Align(now)
	for _, s := range []struct {
		id   uint64
		days int
	}{{steadySite, 22}, {youngSite, 5}} {
		for b := end.Add(-time.Duration(s.days) * 24 * time.Hour); b.Before(end); b = b.Add(core.BucketWidth) {
			for j := range 4 {
				user++
				evs = append(evs, chtest.Event{Timestamp: b.Add(time.Duration(j) * time.Second), Name: "pageview", SiteID: s.id,
					UserID: user, Hostname: "h.test", Pathname: "/"})
			}
		}
	}
	// One burst of 30 more, two days ago, on the steady site.
	for j := range 30 {
		evs = append(evs, chtest.Event{Timestamp: end.Add(-48*time.Hour + time.Duration(j)*time.Second), Name: "pageview", SiteID: steadySite,
			UserID: 1_000_000 + uint64(j), Hostname: "h.test", Pathname: "/"})
	}
	if err := srv.InsertEvents(db, evs); err != nil {
		t.Fatal(err)
	}
	return history.New(src, 0)
}

// anomalyHook gives site a webhook whose spike rule is relative to normal.
func (e *env) anomalyHook(site *core.Site, sens core.Sensitivity) *core.Webhook {
	e.t.Helper()
	w := e.webhook(site, "https://hooks.example.com/"+site.Domain)
	events, yes := []core.EventType{core.EventSpike}, true
	if _, err := e.svc.Webhooks.UpdateWebhook(context.Background(), w.ID, core.WebhookUpdate{Events: &events, SpikeAnomaly: &yes, Sensitivity: &sens}); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// bandRects are the shaded band's rectangles the chart draws, and whether
// each lies within the plot.
func bandRects(c *chart, size fyne.Size) (n int, inside bool) {
	c.Resize(size)
	r := test.WidgetRenderer(c)
	r.Layout(size)
	pa := r.(*chartRenderer).plot
	fill := withAlpha(chartColor("foreground"), 0x22)
	inside = true
	for _, o := range r.Objects() {
		if rect, ok := o.(*canvas.Rectangle); ok && rect.FillColor == fill {
			n++
			p, s := rect.Position(), rect.Size()
			inside = inside && p.X >= pa.left && p.X+s.Width <= pa.right+0.5 && p.Y >= pa.topY && p.Y+s.Height <= pa.bottom+0.5
		}
	}
	return n, inside
}

func (e *env) chooseSite(domain string) {
	e.t.Helper()
	i := slices.IndexFunc(e.ui.sites.sites, func(s *core.Site) bool { return s.Domain == domain })
	if i < 0 {
		e.t.Fatalf("no site %s", domain)
	}
	e.act(func() { e.ui.sites.onSelect(i) })
	e.ui.wait()
}

func TestTrafficBand(t *testing.T) {
	e := historyEnv(t, seedSteady(t))
	steady := e.site("steady.example", steadySite)
	young := e.site("young.example", youngSite)
	e.anomalyHook(steady, core.SensitivityHigh)
	e.anomalyHook(young, core.SensitivityMedium)
	e.refresh()
	e.act(func() { e.ui.ShowScreen(ScreenTraffic) })
	e.chooseSite("steady.example")
	s := e.ui.traffic
	size := fyne.NewSize(900, 400)

	// 24 hours of bands, one per hour (the first and last partly in view).
	if n, inside := bandRects(s.chart, size); n < 24 || n > 25 || !inside {
		t.Errorf("%d band rectangles (inside the plot: %v), want 24 or 25 inside", n, inside)
	}
	legend := s.legend.String()
	for _, want := range []string{"Shaded: what is normal for each hour of the week (UTC)", "4 weeks before it", "high sensitivity", "at least 10 visitors"} {
		if !strings.Contains(legend, want) {
			t.Errorf("legend %q lacks %q", legend, want)
		}
	}
	// 4 visitors every 5 minutes: expected 4, spread √4 = 2, and at high
	// sensitivity 3 spreads either side: up to 10.
	pa := test.WidgetRenderer(s.chart).(*chartRenderer).plot
	mid := pa.from.Add(12 * time.Hour)
	e.act(func() {
		s.chart.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(pa.x(mid), 100)}})
	})
	if want := "4 visitors  ·  normal 0–10 (about 4)"; !strings.Contains(s.chart.hoverText, want) {
		t.Errorf("hover says %q, want …%q", s.chart.hoverText, want)
	}
	if got := s.summary.Text; !strings.Contains(got, "spike vs normal would have fired 0 times") {
		t.Errorf("summary %q", got)
	}

	// A site with 5 days of history is learning: no band, and it says so.
	e.chooseSite("young.example")
	if n, _ := bandRects(s.chart, size); n != 0 {
		t.Errorf("%d band rectangles for a learning site", n)
	}
	if legend := s.legend.String(); !strings.Contains(legend, "Relative to normal: learning (5 days of history)") || strings.Contains(legend, "Shaded") {
		t.Errorf("legend of the young site: %q", legend)
	}
}
