package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// firstRunScreen is what the window shows while there is no site: the
// "Connect to Plausible's ClickHouse" form until a connection is known to
// work, then the invitation to add a site.
type firstRunScreen struct {
	ui      *UI
	connect *connectScreen
	noSite  fyne.CanvasObject
	box     *fyne.Container

	// saved is set once the user saved a connection that answered, which
	// ends the form before the engine's next poll confirms it.
	saved bool
	// forced shows the form whatever the state, for ShowScreen.
	forced bool
}

func (s *firstRunScreen) buildUI() fyne.CanvasObject {
	hint := "Add the Plausible site to watch: pick it from the sites found in ClickHouse, or type its domain and site_id."
	if s.ui.svc.ClickHouse == nil {
		hint = "Add the Plausible site to watch: its domain and its numeric site_id."
	}
	s.noSite = container.NewCenter(container.NewVBox(
		&widget.Label{Text: "No site yet", TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Alignment: fyne.TextAlignCenter},
		&widget.Label{Text: hint, Alignment: fyne.TextAlignCenter},
		container.NewCenter(&widget.Button{Text: "Add site…", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: s.ui.sites.onAdd}),
	))
	s.box = container.NewStack(s.noSite)
	if s.ui.svc.ClickHouse != nil {
		s.connect = &connectScreen{ui: s.ui, onConnected: s.onConnected}
		s.box.Add(s.connect.buildUI())
		s.show(false)
	}
	return s.box
}

// apply shows the form while there is no site and no poll has ever reached
// ClickHouse (a saved status with a server version says one did).
func (s *firstRunScreen) apply(snap *snapshot) {
	if s.connect == nil {
		return
	}
	reached := snap.status.ClickHouseOK || snap.status.ServerVersion != ""
	s.show(s.forced || (!s.saved && !reached && len(snap.sites) == 0))
}

// showsConnect reports whether the window shows the connect form instead
// of the site view.
func (s *firstRunScreen) showsConnect() bool { return s.connect != nil && s.connect.page.Visible() }

func (s *firstRunScreen) show(connect bool) {
	if s.connect == nil {
		return
	}
	if connect {
		s.noSite.Hide()
		if !s.connect.page.Visible() {
			s.connect.page.Show()
			s.connect.load()
		}
	} else {
		s.connect.page.Hide()
		s.noSite.Show()
	}
}

// onConnected moves on from the saved connection to picking a site.
func (s *firstRunScreen) onConnected() {
	s.saved, s.forced = true, false
	s.show(false)
	s.ui.Refresh()
	s.ui.sites.onAdd()
}

// force shows the connect form, filled with the ClickHouse in use and
// tested, whatever the state; or, with on false, ends that.
func (s *firstRunScreen) force(on bool) {
	if s.connect == nil || on == s.forced {
		return
	}
	s.forced = on
	if !on {
		s.ui.Refresh()
		return
	}
	s.show(true)
	s.ui.pages.Objects = []fyne.CanvasObject{s.ui.emptyView}
	s.ui.pages.Refresh()
	s.connect.loadAndTest()
}
