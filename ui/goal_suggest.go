package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// suggestion is one goal the site's events suggest.
type suggestion struct {
	name  string // event name or page path
	count string // how often, in words
}

// goalSuggestions is the add-goal dialog's list of the site's custom event
// names or top page paths, each with an Add button that makes it a goal.
type goalSuggestions struct {
	ui   *UI
	site *core.Site
	kind core.GoalKind
	// have are the names or paths that are goals already; they are not
	// offered.
	have   map[string]bool
	onPick func(name string)

	rows   []suggestion
	spin   *widget.Activity
	status *widget.Label
	list   *widget.List
}

func (g *goalSuggestions) buildUI() fyne.CanvasObject {
	g.spin = widget.NewActivity()
	g.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	g.list = &widget.List{
		Length: func() int { return len(g.rows) },
		CreateItem: func() fyne.CanvasObject {
			name := &widget.Label{Text: "Signup", Truncation: fyne.TextTruncateEllipsis}
			count := &widget.Label{Text: "1,234 events", Importance: widget.LowImportance}
			add := &widget.Button{Text: "Add", Icon: theme.ContentAddIcon(), Importance: widget.LowImportance}
			return container.NewBorder(nil, nil, nil, container.NewHBox(count, add), name)
		},
		UpdateItem: func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(g.rows) {
				return
			}
			row := g.rows[id]
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(row.name)
			right := c.Objects[1].(*fyne.Container)
			right.Objects[0].(*widget.Label).SetText(row.count)
			right.Objects[1].(*widget.Button).OnTapped = func() { g.onPick(row.name) }
		},
		// A row is picked with its button; selecting it does nothing.
		OnSelected: func(widget.ListItemID) { g.list.UnselectAll() },
	}
	what := "Custom events of the last 30 days"
	if g.kind == core.GoalPage {
		what = fmt.Sprintf("Top %d pages of the last 30 days", core.SuggestedPages)
	}
	title := &widget.Label{Text: what, TextStyle: fyne.TextStyle{Bold: true}}
	return container.NewBorder(container.NewVBox(container.NewHBox(title, g.spin), g.status), nil, nil, nil,
		container.New(&minSize{fyne.NewSize(520, 240)}, g.list))
}

// load reads the suggestions in the background, with the spinner turning.
func (g *goalSuggestions) load() {
	g.spin.Show()
	g.spin.Start()
	g.setStatus("Reading the site's events in ClickHouse…", widget.MediumImportance)
	var sg *core.GoalSuggestions
	g.ui.run(func(ctx context.Context) (err error) {
		ctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		sg, err = g.ui.svc.ClickHouse.SuggestGoals(ctx, g.site.PlausibleID)
		return err
	}, func(err error) {
		g.spin.Stop()
		g.spin.Hide()
		if err != nil {
			g.setStatus("Could not read the site's events; type the goal above.\n"+core.ErrorMessage(err), widget.DangerImportance)
			return
		}
		g.apply(sg)
	})
}

func (g *goalSuggestions) apply(sg *core.GoalSuggestions) {
	g.rows = g.rows[:0]
	if g.kind == core.GoalPage {
		for _, p := range sg.Pages {
			if !g.have[p.Page] {
				g.rows = append(g.rows, suggestion{p.Page, counted(p.Visitors, "visitor", "visitors")})
			}
		}
	} else {
		for _, e := range sg.Events {
			if !g.have[e.Name] {
				g.rows = append(g.rows, suggestion{e.Name, counted(e.Events, "event", "events")})
			}
		}
	}
	switch {
	case len(g.rows) > 0:
		g.setStatus("Add one as a goal with one click, or type another above.", widget.MediumImportance)
	case g.kind == core.GoalPage:
		g.setStatus("No page of "+g.site.Domain+" to suggest that is not a goal already.", widget.MediumImportance)
	default:
		g.setStatus("No custom event of "+g.site.Domain+" to suggest that is not a goal already. Custom events are what the site sends with plausible('…').", widget.MediumImportance)
	}
	g.list.Refresh()
}

func (g *goalSuggestions) setStatus(text string, imp widget.Importance) {
	g.status.Importance = imp
	g.status.SetText(text)
}
