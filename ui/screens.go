package ui

import (
	"slices"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// Screen names accepted by ShowScreen.
const (
	ScreenWebhooks   = "webhooks"
	ScreenGoals      = "goals"
	ScreenDeliveries = "deliveries"
	ScreenTraffic    = "traffic"
	// ScreenTraffic7d is the Traffic tab showing the last 7 days.
	ScreenTraffic7d = "traffic-7d"
	// ScreenTrafficBand is the Traffic tab's last 7 days with the hover
	// held over a weekday's noon, where it tells the band of normal.
	ScreenTrafficBand = "traffic-band"
	ScreenSettings    = "settings"
	// ScreenDelivery is the Deliveries tab with a delivery opened in the
	// detail view: the newest traffic alert, else the newest delivery.
	ScreenDelivery = "delivery"
	// ScreenAddWebhook is the add-webhook dialog after a submit that
	// core's validation refused, showing the inline error.
	ScreenAddWebhook = "add-webhook"
	// ScreenConnect is the first run's connect form, filled with the
	// ClickHouse in use and tested.
	ScreenConnect = "connect"
	// ScreenAddSite is the add-site dialog with the sites found in
	// ClickHouse, the busiest not added yet picked.
	ScreenAddSite = "add-site"
)

// Screens lists every screen ShowScreen knows, in the order a screenshot
// driver shows them; dialogs come last since they stay open.
var Screens = []string{ScreenWebhooks, ScreenGoals, ScreenDeliveries, ScreenDelivery, ScreenTraffic, ScreenTraffic7d, ScreenTrafficBand, ScreenConnect, ScreenSettings, ScreenAddSite, ScreenAddWebhook}

// ShowScreen brings the named screen to the front (see Screens), with
// something chosen to show: the first webhook when none is selected. It is
// meant for screenshot drivers and must be called on Fyne's goroutine;
// screens that load in the background fill in shortly after it returns.
func (u *UI) ShowScreen(name string) {
	// Close the dialogs an earlier screen left open.
	for _, e := range slices.Backward(slices.Clone(u.escapes)) {
		e.cancel()
	}
	u.first.force(name == ScreenConnect)
	if name == ScreenSettings {
		u.mainPage.Hide()
		u.settings.page.Show()
		u.settings.load()
		return
	}
	u.settings.page.Hide()
	u.mainPage.Show()
	tab := name
	switch name {
	case ScreenDelivery:
		tab = ScreenDeliveries
	case ScreenAddWebhook:
		tab = ScreenWebhooks
	case ScreenTraffic7d, ScreenTrafficBand:
		tab = ScreenTraffic
	}
	for i, n := range []string{ScreenWebhooks, ScreenGoals, ScreenDeliveries, ScreenTraffic} {
		if n == tab {
			u.tabs.SelectIndex(i)
		}
	}
	if u.traffic.chart.pin != (time.Time{}) {
		u.traffic.chart.pinHover(time.Time{})
	}
	switch name {
	case ScreenTraffic:
		u.traffic.showRange(0)
	case ScreenTraffic7d:
		u.traffic.showRange(1)
	case ScreenTrafficBand:
		u.traffic.showRange(1)
		u.traffic.chart.pinHover(exampleNoon(time.Now()))
	case ScreenWebhooks:
		u.webhooks.selectExample()
	case ScreenDelivery:
		u.deliveries.openExample()
	case ScreenAddWebhook:
		u.webhooks.showFormExample()
	case ScreenAddSite:
		u.sites.showAddExample()
	}
}

// Loading reports whether the screen shown is still reading what it
// draws, such as the Traffic tab's or the webhook form's history, so that a screenshot driver can
// wait for it. It must be called on Fyne's goroutine.
func (u *UI) Loading() bool {
	return u.traffic.loading || u.webhooks.form != nil && u.webhooks.form.live.loading
}

// selectExample selects the first webhook when none is, so that the
// screen shows its settings and the buttons that act on it.
func (s *webhooksScreen) selectExample() {
	if s.current() == nil && len(s.hooks) > 0 {
		s.table.Select(widget.TableCellID{Row: 0, Col: 0})
	}
}

// openExample opens the newest traffic alert in the detail view, or the
// newest delivery when no alert fired.
func (s *deliveriesScreen) openExample() {
	if len(s.rows) == 0 {
		return
	}
	row := 0
	for i, d := range s.rows {
		if d.EventType == core.EventSpike || d.EventType == core.EventDrop {
			row = i
			break
		}
	}
	s.table.Select(widget.TableCellID{Row: row, Col: 0})
}

// showFormExample opens the add dialog with a spike alert but no
// threshold, and submits it, so that the dialog shows core's inline error.
func (s *webhooksScreen) showFormExample() {
	s.onAdd()
	if s.form == nil {
		return
	}
	s.form.url.SetText("https://hooks.example.com/plausible")
	s.form.spike.SetChecked(true)
	s.form.onSubmit()
}

// showRange shows the Traffic tab's range i of trafficRanges.
func (s *trafficScreen) showRange(i int) {
	s.ranges.SetSelected(trafficRanges[i].label)
}

// showAddExample opens the add-site dialog with the busiest site found in
// ClickHouse that is not added yet picked.
func (s *sitesScreen) showAddExample() {
	s.onAdd()
	if f := s.form; f != nil && f.picker != nil {
		f.picker.pickFirst = true
	}
}
