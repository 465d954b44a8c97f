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
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// Services are what the window reads and changes. Every field is required
// except the function values, whose buttons are disabled when nil.
type Services struct {
	Sites      core.SiteService
	Goals      core.GoalService
	Webhooks   core.WebhookService
	Deliveries core.DeliveryService
	Triggers   core.TriggerStore // PollStatus and TrafficSamples, for the status bar and chart
	Settings   core.SettingsService
	History    core.HistoryReader // the sites' past, for the Traffic tab and the form's backtest; optional
	Alerts     core.AlertLog      // the alerts sent, marked on the chart; optional
	// Baselines, if set, tells the webhooks screen which anomaly rules
	// are still learning their site's history.
	Baselines core.BaselineStore

	// SendTest performs one signed webhook.test attempt now and logs it.
	SendTest func(ctx context.Context, webhookID int64) (*core.Delivery, *core.Attempt, error)
	// TestConnection checks a ClickHouse DSN and returns the server version.
	TestConnection func(ctx context.Context, dsn string) (string, error)
	// ClickHouse, when set, gives the first run its connect form and the
	// add dialogs the sites and goals found in ClickHouse.
	ClickHouse core.ClickHouseService
	// Wake asks the running engine to look for due deliveries now.
	Wake func()

	// Version and DBPath are shown in the status bar and settings.
	Version, DBPath string
	// ClickHouseInUse names the ClickHouse this run reads and where that
	// came from (flag, environment, settings or default), password hidden.
	ClickHouseInUse string
	// EngineNote, when set, says why this window runs without its own
	// engine (another process holds the database); the status bar shows it.
	EngineNote string
}

// tickInterval is how often the status bar and the screens reload.
const tickInterval = 2 * time.Second

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
	bg   sync.WaitGroup
	doMu sync.Mutex
	// loading serialises refresh loads so that results apply in order.
	loading  sync.Mutex
	inflight atomic.Int32
	escapes  []*escapeEntry // the open dialogs' cancel functions, innermost last
	// lastConfirm is the most recent confirmation dialog, for tests.
	lastConfirm *dialog.ConfirmDialog
	stopTick    chan struct{}
	stopOnce    sync.Once
	quitOnce    sync.Once
	notifier    notifier
	onQuit      func()
	firstLoad   bool
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

// Refresh reloads every screen from the services in the background. It may
// be called from any goroutine.
func (u *UI) Refresh() {
	u.inflight.Add(1)
	u.goBG(func() {
		defer u.inflight.Add(-1)
		u.loading.Lock()
		defer u.loading.Unlock()
		sel := u.selection()
		snap := u.load(u.ctx, sel)
		u.do(func() { u.apply(sel, snap) })
	})
}

// snapshot is everything one refresh read.
type snapshot struct {
	sites      []*core.Site
	sitesErr   error
	site       *core.Site
	webhooks   []*core.Webhook // of the chosen site
	allHooks   []*core.Webhook // of every site, for notifications
	last       map[int64]*core.Delivery
	goals      []*core.Goal
	deliveries []*core.Delivery
	total      int
	detail     *core.Delivery
	samples    []core.TrafficSample
	status     core.PollStatus
	stats      core.DeliveryStats
	cooldown   string
	baselines  map[core.BaselineKey]core.Baseline
	err        error // the first load error, shown in the status bar
}

func (u *UI) load(ctx context.Context, sel selection) *snapshot {
	s := &snapshot{}
	keep := func(err error) {
		if err != nil && s.err == nil && ctx.Err() == nil {
			s.err = err
		}
	}
	s.sites, s.sitesErr = u.svc.Sites.FindSites(ctx)
	keep(s.sitesErr)
	for _, site := range s.sites {
		if site.ID == sel.siteID {
			s.site = site
		}
	}
	if s.site == nil && len(s.sites) > 0 {
		s.site = s.sites[0]
	}
	var err error
	s.allHooks, err = u.svc.Webhooks.FindWebhooks(ctx, core.WebhookFilter{})
	keep(err)
	s.last, err = u.svc.Deliveries.LastDeliveries(ctx)
	keep(err)
	if s.site != nil {
		for _, w := range s.allHooks {
			if w.SiteID == s.site.ID {
				s.webhooks = append(s.webhooks, w)
			}
		}
		s.goals, err = u.svc.Goals.FindGoals(ctx, core.GoalFilter{SiteID: s.site.ID})
		keep(err)
		s.deliveries, s.total, err = u.svc.Deliveries.FindDeliveries(ctx, core.DeliveryFilter{
			SiteID: s.site.ID, State: sel.state, Limit: pageSize, Offset: sel.page * pageSize,
		})
		keep(err)
		if sel.deliveryID != 0 {
			s.detail, err = u.svc.Deliveries.FindDeliveryByID(ctx, sel.deliveryID)
			if core.ErrorCode(err) != core.ENOTFOUND {
				keep(err)
			}
		}
		s.samples, err = u.svc.Triggers.TrafficSamples(ctx, s.site.ID, time.Now().Add(-trafficSpan))
		keep(err)
	}
	s.status, err = u.svc.Triggers.PollStatus(ctx)
	keep(err)
	s.stats, err = u.svc.Deliveries.DeliveryStats(ctx)
	keep(err)
	if v, ok, err := u.svc.Settings.Setting(ctx, core.SettingCooldown); err == nil && ok {
		s.cooldown = v
	}
	if u.svc.Baselines != nil {
		s.baselines, err = u.svc.Baselines.Baselines(ctx)
		keep(err)
	}
	return s
}

func (u *UI) apply(sel selection, s *snapshot) {
	if u.ctx.Err() != nil {
		return
	}
	if s.sitesErr != nil {
		// Keep showing what was loaded last; the status bar says why
		// it is not current.
		u.status.apply(s)
		return
	}
	if cur := u.selection(); cur.siteID != sel.siteID {
		// The user chose another site while this load ran; a newer
		// load is on its way with that site's data.
		u.sites.apply(s)
		u.status.apply(s)
		return
	}
	switch {
	case s.site == nil:
		u.setSelection(func(x *selection) { *x = selection{} })
	case s.site.ID != sel.siteID:
		u.setSelection(func(x *selection) { *x = selection{siteID: s.site.ID} })
		sel = u.selection()
	}
	u.sites.apply(s)
	u.first.apply(s)
	if s.site == nil || u.first.showsConnect() {
		u.pages.Objects = []fyne.CanvasObject{u.emptyView}
	} else {
		u.siteTitle.SetText(s.site.Domain + "   ·   Plausible site_id " + itoa(int64(s.site.PlausibleID)))
		u.pages.Objects = []fyne.CanvasObject{u.siteView}
	}
	u.pages.Refresh()
	u.webhooks.apply(s)
	u.goals.apply(s)
	u.deliveries.apply(sel, s)
	u.traffic.apply(s)
	u.status.apply(s)
	u.notifier.check(u.app, s, u.firstLoad)
	u.firstLoad = false
}

func (u *UI) selection() selection {
	u.selMu.Lock()
	defer u.selMu.Unlock()
	return u.sel
}

func (u *UI) setSelection(f func(*selection)) {
	u.selMu.Lock()
	f(&u.sel)
	u.selMu.Unlock()
}

// goBG runs f in a goroutine counted by u.bg.
func (u *UI) goBG(f func()) {
	u.bg.Add(1)
	go func() {
		defer u.bg.Done()
		f()
	}()
}

// run does work in the background and then calls done with its error on
// Fyne's goroutine.
func (u *UI) run(work func(ctx context.Context) error, done func(error)) {
	u.goBG(func() {
		err := work(u.ctx)
		u.do(func() { done(err) })
	})
}

// do runs f on Fyne's goroutine. The lock changes nothing there, where
// calls run one at a time anyway; it serialises them under the test
// driver, which runs them on the calling goroutine.
func (u *UI) do(f func()) {
	fyne.Do(func() {
		u.doMu.Lock()
		defer u.doMu.Unlock()
		f()
	})
}

// wait blocks until every background job has finished; for tests.
func (u *UI) wait() { u.bg.Wait() }

func (u *UI) startTicker() {
	u.goBG(func() {
		t := time.NewTicker(tickInterval)
		defer t.Stop()
		for {
			select {
			case <-u.stopTick:
				return
			case <-t.C:
				if u.inflight.Load() == 0 {
					u.Refresh()
				}
			}
		}
	})
}

func (u *UI) stopTicker() { u.stopOnce.Do(func() { close(u.stopTick) }) }
