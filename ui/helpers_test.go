package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/deliver"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// env is a window over a real SQLite database in the test's folder, with
// the delivery engine's SendTest wired in as hookwatch wires it.
type env struct {
	t     *testing.T
	app   *serialApp
	ui    *UI
	db    *sqlite.DB
	svc   Services
	wakes atomic.Int32
}

// newEnv returns the window; each configure changes its services first.
func newEnv(t *testing.T, configure ...func(*env)) *env {
	t.Helper()
	a := newSerialApp(test.NewTempApp(t))
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hookwatch.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	e := &env{t: t, app: a, db: db}
	e.svc = Services{
		Sites:      sqlite.NewSiteService(db),
		Goals:      sqlite.NewGoalService(db),
		Webhooks:   sqlite.NewWebhookService(db),
		Deliveries: sqlite.NewDeliveryService(db),
		Triggers:   sqlite.NewTriggerStore(db),
		Baselines:  sqlite.NewBaselineStore(db),
		Settings:   sqlite.NewSettingsService(db),
		Wake:       func() { e.wakes.Add(1) },
		Version:    "0.0.0-test",
		DBPath:     db.Path(),
	}
	engine := deliver.New(deliver.Config{Deliveries: e.svc.Deliveries, Webhooks: e.svc.Webhooks})
	e.svc.SendTest = engine.SendTest
	for _, c := range configure {
		c(e)
	}
	e.ui = New(a, e.svc)
	e.ui.wait()
	e.ui.Window().Resize(fyne.NewSize(1200, 800))
	t.Cleanup(func() {
		e.ui.wait()
		e.ui.cancel()
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

// refresh reloads the window and waits for it.
func (e *env) refresh() {
	e.ui.Refresh()
	e.ui.wait()
}

func (e *env) site(domain string, id uint64) *core.Site {
	e.t.Helper()
	s := &core.Site{Domain: domain, PlausibleID: id}
	if err := e.svc.Sites.CreateSite(context.Background(), s); err != nil {
		e.t.Fatalf("CreateSite: %v", err)
	}
	return s
}

func (e *env) webhook(site *core.Site, url string) *core.Webhook {
	e.t.Helper()
	w := &core.Webhook{SiteID: site.ID, Site: site.Domain, URL: url, Secret: core.GenerateSecret(), Enabled: true,
		Events: []core.EventType{core.EventGoal}, AllowPrivate: true}
	if err := e.svc.Webhooks.CreateWebhook(context.Background(), w); err != nil {
		e.t.Fatalf("CreateWebhook: %v", err)
	}
	return w
}

func (e *env) webhooks() []*core.Webhook {
	e.t.Helper()
	ws, err := e.svc.Webhooks.FindWebhooks(context.Background(), core.WebhookFilter{})
	if err != nil {
		e.t.Fatalf("FindWebhooks: %v", err)
	}
	return ws
}

// act does what the user does, as Fyne's goroutine would, and waits for
// what it started in the background.
func (e *env) act(f func()) {
	e.app.mu.Lock()
	f()
	e.app.mu.Unlock()
	e.ui.wait()
}

// tap taps a button and waits.
func (e *env) tap(b fyne.Tappable) { e.act(func() { test.Tap(b) }) }

// enter presses Enter in an entry and waits.
func (e *env) enter(en *entry) {
	e.act(func() { en.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
}

// confirm taps the button named yes in the dialog on top, as the user
// confirms, and waits; it fails the test when no dialog with that button
// is open.
func (e *env) confirm(yes string) {
	e.t.Helper()
	top := e.ui.win.Canvas().Overlays().Top()
	if top == nil {
		e.t.Fatal("no confirmation")
	}
	b := findButton(top, yes)
	if b == nil {
		e.t.Fatalf("the dialog has no %q button; it says %q", yes, texts(top))
	}
	e.tap(b)
}

// findButton returns the button labelled text in o's tree, or nil.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	switch x := o.(type) {
	case *widget.Button:
		if x.Text == text {
			return x
		}
	case *widget.PopUp:
		return findButton(x.Content, text)
	case *fyne.Container:
		for _, c := range x.Objects {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	}
	return nil
}

// dialogOpen reports whether a dialog (a modal pop-up) is showing.
func (e *env) dialogOpen() bool {
	return e.ui.win.Canvas().Overlays().Top() != nil
}

// cell returns the text a table shows in a cell, rendered with the table's
// own functions.
func cell(t *widget.Table, row, col int) string {
	o := t.CreateCell()
	t.UpdateCell(widget.TableCellID{Row: row, Col: col}, o)
	return cellLabel(o).Text
}

// receiver is an HTTP endpoint on loopback that records what it gets.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newReceiver(t *testing.T, status int, body string) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req)
		r.mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

func tableCell(row int) widget.TableCellID { return widget.TableCellID{Row: row} }

// wait blocks until every background job of the window has finished.
func (u *UI) wait() { u.bg.Wait() }

// serialApp is the test app with fyne.Do serialised against env.act. The
// test driver runs fyne.Do on the calling goroutine, so without the lock a
// background result would touch the widgets while the test does, or while
// another result does; on a real driver they all run on Fyne's goroutine.
// It also keeps the last notification sent, for assertNotification.
type serialApp struct {
	fyne.App
	drv  serialDriver
	mu   sync.Mutex
	note *fyne.Notification
}

type serialDriver struct {
	fyne.Driver
	mu *sync.Mutex
}

// newSerialApp wraps a and makes it the current app, which fyne.Do uses.
func newSerialApp(a fyne.App) *serialApp {
	s := &serialApp{App: a}
	s.drv = serialDriver{Driver: a.Driver(), mu: &s.mu}
	fyne.SetCurrentApp(s)
	return s
}

func (s *serialApp) Driver() fyne.Driver { return s.drv }

func (s *serialApp) SendNotification(n *fyne.Notification) {
	s.note = n
	s.App.SendNotification(n)
}

func (d serialDriver) DoFromGoroutine(f func(), wait bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Driver.DoFromGoroutine(f, wait)
}

// assertNotification runs f and checks that it sent the notification n, or
// none when n is nil, as fyne/test's AssertNotificationSent does for its
// own app.
func (e *env) assertNotification(n *fyne.Notification, f func()) {
	e.t.Helper()
	e.app.note = nil
	f()
	got := e.app.note
	switch {
	case n == nil && got != nil:
		e.t.Errorf("notification sent: %q: %q", got.Title, got.Content)
	case n == nil:
	case got == nil:
		e.t.Error("No notification sent")
	case got.Title != n.Title || got.Content != n.Content:
		e.t.Errorf("notification = %q: %q, want %q: %q", got.Title, got.Content, n.Title, n.Content)
	}
}
