package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// wildcardHint explains page-goal wildcards, as Plausible has them.
const wildcardHint = "Use * as a wildcard: /blog/* matches every post"

// goalsScreen is the Goals tab: the chosen site's goals.
type goalsScreen struct {
	ui       *UI
	site     *core.Site
	goals    []*core.Goal
	selected int64

	table   *widget.Table
	view    *tableView
	addEv   *widget.Button
	addPage *widget.Button
	remove  *widget.Button

	form *goalForm // the open add dialog, for tests
}

var goalColumns = []column{
	{"Kind", 100}, {"Goal", 500}, {"Added", 180},
}

func (s *goalsScreen) buildUI() fyne.CanvasObject {
	s.table = newTable(goalColumns, func() int { return len(s.goals) }, func(id widget.TableCellID, l *widget.Label) {
		g := s.goals[id.Row]
		switch id.Col {
		case 0:
			l.SetText(goalKindText(g.Kind))
		case 1:
			l.SetText(g.Name())
		case 2:
			l.SetText(stamp(g.CreatedAt, time.Now()))
		}
	}, func(row int) {
		s.selected = s.goals[row].ID
		s.remove.Enable()
	})
	s.view = newTableView(s.table, goalColumns, "No goals yet. Add the custom events or pages whose completions should send goal.completed.")
	s.addEv = &widget.Button{Text: "Add event goal", Icon: theme.ContentAddIcon(), OnTapped: func() { s.onAdd(core.GoalEvent) }}
	s.addPage = &widget.Button{Text: "Add page goal", Icon: theme.ContentAddIcon(), OnTapped: func() { s.onAdd(core.GoalPage) }}
	s.remove = &widget.Button{Text: "Remove", Icon: theme.DeleteIcon(), OnTapped: s.onRemove}
	s.remove.Disable()
	buttons := container.NewHBox(s.addEv, s.addPage, s.remove, layout.NewSpacer())
	hint := muted("Event goals match a custom event name; page goals match a path. "+wildcardHint+".", "", fyne.TextAlignLeading, fyne.TextWrapWord)
	return container.NewBorder(buttons, container.NewVBox(widget.NewSeparator(), hint), nil, nil, s.view.box)
}

func goalKindText(k core.GoalKind) string {
	if k == core.GoalPage {
		return "Page"
	}
	return "Event"
}

func (s *goalsScreen) apply(snap *snapshot) {
	s.site, s.goals = snap.site, snap.goals
	row := -1
	for i, g := range s.goals {
		if g.ID == s.selected && s.selected != 0 {
			row = i
		}
	}
	if row < 0 {
		s.selected = 0
		s.remove.Disable()
	}
	s.view.keep(row)
	s.view.setEmpty(len(s.goals) == 0)
}

// goalForm is the add-goal dialog, for an event name or a page path.
type goalForm struct {
	s       *goalsScreen
	kind    core.GoalKind
	name    *entry
	suggest *goalSuggestions // nil without a ClickHouse service
	fields  checkedForm
	dlg     *formDialog
}

func (s *goalsScreen) onAdd(kind core.GoalKind) {
	if s.site == nil {
		return
	}
	f := &goalForm{s: s, kind: kind}
	if kind == core.GoalPage {
		f.name = s.ui.newEntry("/signup/thanks")
		f.fields.add("Page path", f.name, wildcardHint, "page", "goal")
	} else {
		f.name = s.ui.newEntry("Signup")
		f.fields.add("Event name", f.name, "The name your site sends with plausible('…')", "event", "goal")
	}
	title := "Add event goal to " + s.site.Domain
	if kind == core.GoalPage {
		title = "Add page goal to " + s.site.Domain
	}
	content := f.fields.buildUI()
	if s.ui.svc.ClickHouse != nil {
		f.suggest = &goalSuggestions{ui: s.ui, site: s.site, kind: kind, have: s.goalNames(kind), onPick: f.onPick}
		content = container.NewBorder(content, nil, nil, nil, f.suggest.buildUI())
	}
	f.dlg = s.ui.newFormDialog(title, "Add", content, 560, f.onSubmit)
	f.dlg.submitOnEnter(f.name)
	s.form = f
	f.dlg.show()
	if f.suggest != nil {
		f.suggest.load()
	}
	s.ui.win.Canvas().Focus(f.name)
}

// goalNames are the event names or page paths of the site's goals of kind.
func (s *goalsScreen) goalNames(kind core.GoalKind) map[string]bool {
	have := map[string]bool{}
	for _, g := range s.goals {
		if g.Kind == kind {
			have[g.Name()] = true
		}
	}
	return have
}

// onPick makes a suggested name or path the goal, at once.
func (f *goalForm) onPick(name string) {
	f.name.SetText(name)
	f.onSubmit()
}

func (f *goalForm) onSubmit() {
	g := &core.Goal{SiteID: f.s.site.ID, Site: f.s.site.Domain}
	var err error
	switch {
	case f.kind == core.GoalPage && strings.TrimSpace(f.name.Text) == "":
		err = core.FieldErrorf("page", "is required")
	case f.kind == core.GoalPage:
		g.PagePath = strings.TrimSpace(f.name.Text)
	case f.name.Text == "":
		err = core.FieldErrorf("event", "is required")
	default:
		g.EventName = f.name.Text
	}
	if err == nil {
		err = g.Validate()
	}
	u := f.s.ui
	f.dlg.save(&f.fields, err, func(ctx context.Context) error {
		return u.svc.Goals.CreateGoal(ctx, g)
	}, func() {
		f.s.selected = g.ID
		u.Refresh()
	})
}

func (s *goalsScreen) onRemove() {
	var goal *core.Goal
	for _, g := range s.goals {
		if g.ID == s.selected {
			goal = g
		}
	}
	if goal == nil {
		return
	}
	msg := fmt.Sprintf("Remove the %s goal %q?\nWebhooks that filter on it stop receiving its completions.", strings.ToLower(goalKindText(goal.Kind)), goal.Name())
	s.ui.confirm("Remove goal", msg, "Remove", func() {
		s.ui.run(func(ctx context.Context) error {
			return s.ui.svc.Goals.DeleteGoal(ctx, goal.ID)
		}, func(err error) {
			if err != nil {
				s.ui.showError("Could not remove the goal", err)
			}
			s.ui.Refresh()
		})
	})
}
