package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestSites(t *testing.T) {
	e := newEnv(t)
	s := e.ui.sites
	e.tap(&testButton{s.onAdd})
	f := s.form
	test.Type(f.domain, "https://example.com/")
	test.Type(f.siteID, "1")
	e.enter(f.siteID)
	if got := f.fields.errorText("domain"); !strings.Contains(got, "bare domain") {
		t.Fatalf("domain error = %q", got)
	}
	f.domain.SetText("example.com")
	f.siteID.SetText("zero")
	e.enter(f.domain)
	if got := f.fields.errorText("site_id"); !strings.Contains(got, "integer") {
		t.Fatalf("site_id error = %q", got)
	}
	f.siteID.SetText("7")
	e.enter(f.domain)
	sites, _ := e.svc.Sites.FindSites(context.Background())
	if len(sites) != 1 || sites[0].PlausibleID != 7 {
		t.Fatalf("stored sites %v", sites)
	}
	if e.ui.siteTitle.Text == "" || !strings.HasPrefix(e.ui.siteTitle.Text, "example.com") {
		t.Fatalf("site title = %q", e.ui.siteTitle.Text)
	}

	e.webhook(sites[0], "https://hooks.example.com/a")
	e.refresh()
	e.tap(s.remove)
	if !e.dialogOpen() {
		t.Fatal("no confirmation")
	}
	if got := texts(e.ui.win.Canvas().Overlays().Top()); !strings.Contains(got, "also delete its 1 webhook") {
		t.Fatalf("confirmation says %q", got)
	}
	e.confirm("Remove")
	sites, _ = e.svc.Sites.FindSites(context.Background())
	if len(sites) != 0 || len(e.webhooks()) != 0 {
		t.Fatalf("after remove: %d sites, %d webhooks", len(sites), len(e.webhooks()))
	}
	if len(e.ui.pages.Objects) != 1 || e.ui.pages.Objects[0] != e.ui.emptyView {
		t.Fatal("the empty view is not shown without sites")
	}
}

// testButton makes a function tappable, for buttons built inline.
type testButton struct{ f func() }

func (b *testButton) Tapped(*fyne.PointEvent) { b.f() }
