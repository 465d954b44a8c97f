package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/internal/testutil"
)

func (e *env) goals(site *core.Site) []*core.Goal {
	e.t.Helper()
	gs, err := e.svc.Goals.FindGoals(context.Background(), core.GoalFilter{SiteID: site.ID})
	if err != nil {
		e.t.Fatalf("FindGoals: %v", err)
	}
	return gs
}

func TestGoals(t *testing.T) {
	e := newEnv(t)
	site := e.site("example.com", 1)
	e.refresh()
	e.act(func() { e.ui.ShowScreen(ScreenGoals) })
	s := e.ui.goals

	e.tap(s.addEv)
	test.Type(s.form.name, "Signup")
	e.enter(s.form.name)

	e.tap(s.addPage)
	f := s.form
	if !strings.Contains(f.fields.fields[0].hint, "/blog/* matches every post") {
		t.Fatalf("page goal hint = %q", f.fields.fields[0].hint)
	}
	test.Type(f.name, "blog/*")
	e.enter(f.name)
	if got := f.fields.errorText("page"); !strings.Contains(got, "must start with /") {
		t.Fatalf("page error = %q", got)
	}
	f.name.SetText("/blog/*")
	e.enter(f.name)

	gs := e.goals(site)
	if len(gs) != 2 || len(s.goals) != 2 {
		t.Fatalf("%d goals stored, %d shown; want 2", len(gs), len(s.goals))
	}
	var shown []string
	for i := range s.goals {
		shown = append(shown, cell(s.table, i, 0)+" "+cell(s.table, i, 1))
	}
	if got := strings.Join(shown, ", "); !strings.Contains(got, "Event Signup") || !strings.Contains(got, "Page /blog/*") {
		t.Fatalf("table shows %s", got)
	}

	for i, g := range s.goals {
		if g.Name() == "Signup" {
			s.table.Select(widget.TableCellID{Row: i, Col: 1})
		}
	}
	e.tap(s.remove)
	if !e.dialogOpen() {
		t.Fatal("Remove asks no confirmation")
	}
	// Enter, with nothing focused, confirms.
	e.act(func() { e.ui.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
	gs = e.goals(site)
	if len(gs) != 1 || gs[0].Name() != "/blog/*" || len(s.goals) != 1 {
		t.Fatalf("after remove: %d stored, %d shown", len(gs), len(s.goals))
	}
}

func TestGoalDuplicateShowsStoreError(t *testing.T) {
	e := newEnv(t)
	site := e.site("example.com", 1)
	testutil.Goal(t, e.svc.Goals, &core.Goal{SiteID: site.ID, Site: site.Domain, EventName: "Signup"})
	e.refresh()
	e.tap(e.ui.goals.addEv)
	f := e.ui.goals.form
	test.Type(f.name, "Signup")
	e.enter(f.name)
	if got := f.fields.errorText("event"); got == "" || !e.dialogOpen() {
		t.Fatalf("duplicate goal: error %q, dialog open %v", got, e.dialogOpen())
	}
}
