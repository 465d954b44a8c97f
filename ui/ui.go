// Package ui is hookwatch's desktop window, built with Fyne. It talks only
// to core's interfaces and to the functions in Services; the caller wires in
// the store and the engine.
//
// Threading: every widget is touched on Fyne's goroutine only. Anything that
// may block (store reads and writes, test sends, connection tests) runs in a
// goroutine started by UI.run, which hands its result back through fyne.Do.
package ui

import (
	"context"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/hookwatch/hookwatch/core"
)

// UI is the main window and its screens.
type UI struct {
	app fyne.App
	win fyne.Window
	svc Services

	ctx    context.Context
	cancel context.CancelFunc

	sites      *sitesScreen
	webhooks   *webhooksScreen
	goals      *goalsScreen
	deliveries *deliveriesScreen
	traffic    *trafficScreen
	settings   *settingsScreen
	status     *statusBar
	first      *firstRunScreen

	tabs      *container.AppTabs
	siteTitle *widget.Label
	siteView  fyne.CanvasObject
	emptyView fyne.CanvasObject
	pages     *fyne.Container // siteView, or emptyView while there is no site
	mainPage  *fyne.Container // the sites and pages, hidden behind settings

	// sel is the state the background loads read: which site is chosen and
	// which page of deliveries is shown. It is written on Fyne's goroutine
	// and read by loaders, hence the lock.
	selMu sync.Mutex
	sel   selection

	// bg counts the background jobs, so that tests can wait for them.
	bg sync.WaitGroup
	// loading serialises refresh loads so that results apply in order.
	loading   sync.Mutex
	inflight  atomic.Int32
	escapes   []*escapeEntry // the open dialogs' cancel functions, innermost last
	stopTick  chan struct{}
	stopOnce  sync.Once
	quitOnce  sync.Once
	notifier  notifier
	onQuit    func()
	firstLoad bool
}

type selection struct {
	siteID     int64
	state      core.DeliveryState // "" for all
	page       int                // 0-based
	deliveryID int64              // the delivery in the detail view
}

// New builds the window and its screens, and starts the first load. It does
// not show the window.
func New(a fyne.App, svc Services) *UI {
	ctx, cancel := context.WithCancel(context.Background())
	u := &UI{app: a, svc: svc, ctx: ctx, cancel: cancel, stopTick: make(chan struct{}), firstLoad: true}
	u.win = a.NewWindow("hookwatch")
	u.win.Resize(fyne.NewSize(1180, 760))
	// Keys typed with no widget focused: Esc cancels and Enter submits
	// the innermost dialog, since Fyne's dialogs leave keys to widgets.
	u.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch k.Name {
		case fyne.KeyEscape:
			u.escape()
		case fyne.KeyReturn, fyne.KeyEnter:
			u.enter()
		}
	})

	u.sites = &sitesScreen{ui: u, selRow: -1}
	u.webhooks = &webhooksScreen{ui: u}
	u.goals = &goalsScreen{ui: u}
	u.deliveries = &deliveriesScreen{ui: u}
	u.traffic = &trafficScreen{ui: u}
	u.settings = &settingsScreen{ui: u}
	u.status = &statusBar{ui: u}
	u.first = &firstRunScreen{ui: u}
	u.win.SetContent(u.buildUI())
	u.Refresh()
	u.settings.load()
	return u
}

func (u *UI) buildUI() fyne.CanvasObject {
	u.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Webhooks", theme.MailSendIcon(), u.webhooks.buildUI()),
		container.NewTabItemWithIcon("Goals", theme.ConfirmIcon(), u.goals.buildUI()),
		container.NewTabItemWithIcon("Deliveries", theme.HistoryIcon(), u.deliveries.buildUI()),
		container.NewTabItemWithIcon("Traffic", theme.GridIcon(), u.traffic.buildUI()),
	)
	u.siteTitle = &widget.Label{Text: "", TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Truncation: fyne.TextTruncateEllipsis}
	u.siteView = container.NewBorder(container.NewPadded(u.siteTitle), nil, nil, nil, u.tabs)
	u.emptyView = u.first.buildUI()
	u.pages = container.NewStack(u.emptyView)

	split := container.NewHSplit(u.sites.buildUI(), u.pages)
	split.Offset = 0.2
	u.mainPage = container.NewStack(split)

	title := &widget.Label{Text: "hookwatch", TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText}
	settingsButton := &widget.Button{Text: "Settings", Icon: theme.SettingsIcon(), Importance: widget.LowImportance,
		OnTapped: func() { u.ShowScreen(ScreenSettings) }}
	refreshButton := &widget.Button{Text: "Refresh", Icon: theme.ViewRefreshIcon(), Importance: widget.LowImportance, OnTapped: u.Refresh}
	top := container.NewVBox(
		container.NewHBox(title, layout.NewSpacer(), refreshButton, settingsButton),
		widget.NewSeparator(),
	)
	settingsPage := u.settings.buildUI()
	u.settings.page = settingsPage
	body := container.NewStack(u.mainPage, settingsPage)
	settingsPage.Hide()
	root := container.NewBorder(top, container.NewVBox(widget.NewSeparator(), u.status.buildUI()), nil, nil, body)
	return container.New(&minSize{minWindow}, root)
}

// minWindow is the smallest window in which every screen fits unclipped.
var minWindow = fyne.NewSize(1100, 700)

// Window returns the main window, built but not shown.
func (u *UI) Window() fyne.Window { return u.win }

// ShowAndRun shows the window and runs Fyne's loop until the app quits.
// Where the desktop offers a system tray, closing the window hides it and
// the tray's Quit ends the app; otherwise closing the window quits. onQuit,
// which may be nil, runs once whichever way the app is quit, after the
// screens stopped reloading and before ShowAndRun returns. ShowAndRun does
// not stop the engine: the caller stops it once ShowAndRun has returned.
func (u *UI) ShowAndRun(onQuit func()) {
	u.onQuit = onQuit
	quit := u.quit
	if desk, ok := u.app.(desktop.App); ok && trayAvailable() {
		desk.SetSystemTrayMenu(fyne.NewMenu("hookwatch",
			fyne.NewMenuItem("Show hookwatch", func() { u.win.Show(); u.win.RequestFocus() }),
			fyne.NewMenuItemSeparator(),
			&fyne.MenuItem{Label: "Quit", IsQuit: true, Action: quit},
		))
		u.win.SetCloseIntercept(u.win.Hide)
	} else {
		u.win.SetCloseIntercept(quit)
	}
	u.win.SetMaster()
	u.startTicker()
	u.win.Show()
	u.app.Run()
	u.shutdown(onQuit)
}

// Quit closes the window and ends ShowAndRun as the tray's Quit would. It
// may be called from any goroutine.
func (u *UI) Quit() { fyne.Do(u.quit) }

func (u *UI) quit() {
	u.win.Hide()
	u.shutdown(u.onQuit)
	u.app.Quit()
}

func (u *UI) shutdown(onQuit func()) {
	u.quitOnce.Do(func() {
		u.stopTicker()
		u.cancel()
		if onQuit != nil {
			onQuit()
		}
	})
}
