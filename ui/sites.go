package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// sitesScreen is the list of sites on the left of the window.
type sitesScreen struct {
	ui     *UI
	sites  []*core.Site
	list   *widget.List
	remove *widget.Button
	// applying is set while apply selects the chosen site, so that the
	// selection does not count as the user's choice.
	applying bool
	selRow   int // the selected row, -1 for none

	form     *siteForm // the open add dialog, for tests
	hookings int       // webhooks of the chosen site, for the remove question
}

func (s *sitesScreen) buildUI() fyne.CanvasObject {
	s.list = &widget.List{
		Length: func() int { return len(s.sites) },
		CreateItem: func() fyne.CanvasObject {
			// The caption sits close under the domain, as one item.
			return container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.InnerPadding()),
				&widget.Label{Text: "example.com", TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
				&widget.Label{Text: "Plausible site_id 1", SizeName: theme.SizeNameCaptionText, Truncation: fyne.TextTruncateEllipsis},
			)
		},
		UpdateItem: func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.sites) {
				return
			}
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(s.sites[id].Domain)
			box.Objects[1].(*widget.Label).SetText("Plausible site_id " + strconv.FormatUint(s.sites[id].PlausibleID, 10))
		},
		OnSelected: s.onSelect,
	}
	add := &widget.Button{Text: "Add site", Icon: theme.ContentAddIcon(), OnTapped: s.onAdd}
	s.remove = &widget.Button{Text: "Remove", Icon: theme.DeleteIcon(), OnTapped: s.onRemove}
	s.remove.Disable()
	header := &widget.Label{Text: "Sites", TextStyle: fyne.TextStyle{Bold: true}}
	return container.NewBorder(header, container.NewGridWithColumns(2, add, s.remove), nil, nil, s.list)
}

func (s *sitesScreen) apply(snap *snapshot) {
	if snap.sitesErr != nil {
		return
	}
	s.sites = snap.sites
	s.hookings = len(snap.webhooks)
	s.applying = true
	s.list.Refresh()
	row := -1
	if snap.site != nil {
		for i, site := range s.sites {
			if site.ID == snap.site.ID {
				row = i
			}
		}
		s.remove.Enable()
	} else {
		s.remove.Disable()
	}
	if row != s.selRow {
		// Only on change: selecting scrolls the list to the row.
		if row < 0 {
			s.list.UnselectAll()
		} else {
			s.list.Select(row)
		}
		s.selRow = row
	}
	s.applying = false
}

func (s *sitesScreen) chosen() *core.Site {
	id := s.ui.selection().siteID
	for _, site := range s.sites {
		if site.ID == id {
			return site
		}
	}
	return nil
}

func (s *sitesScreen) onSelect(id widget.ListItemID) {
	if s.applying || id >= len(s.sites) {
		return
	}
	s.selRow = id
	site := s.sites[id]
	if site.ID == s.ui.selection().siteID {
		return
	}
	s.ui.setSelection(func(x *selection) { *x = selection{siteID: site.ID} })
	s.ui.Refresh()
}

// siteForm is the add-site dialog: the sites found in ClickHouse to pick
// from, above the domain and site_id, which may also be typed.
type siteForm struct {
	ui     *UI
	domain *entry
	siteID *entry
	picker *sitePicker // nil without a ClickHouse service
	fields checkedForm
	dlg    *formDialog
}

func (s *sitesScreen) onAdd() {
	f := &siteForm{ui: s.ui, domain: s.ui.newEntry("example.com"), siteID: s.ui.newEntry("1")}
	f.fields.add("Domain", f.domain, "The site's domain as Plausible shows it", "domain")
	f.fields.add("Plausible site_id", f.siteID, "The numeric id under which ClickHouse keeps the site's events", "site_id")
	content, width := f.fields.buildUI(), float32(560)
	if s.ui.svc.ClickHouse != nil {
		known := map[uint64]string{}
		for _, site := range s.sites {
			known[site.PlausibleID] = site.Domain
		}
		f.picker = &sitePicker{ui: s.ui, known: known, onPick: f.onPick}
		content, width = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), content), nil, nil, f.picker.buildUI()), 800
	}
	f.dlg = s.ui.newFormDialog("Add site", "Add", content, width, f.onSubmit)
	f.dlg.submitOnEnter(f.domain, f.siteID)
	s.form = f
	f.dlg.show()
	if f.picker != nil {
		f.picker.load()
	}
	s.ui.win.Canvas().Focus(f.domain)
}

// onPick fills the form with a site found in ClickHouse.
func (f *siteForm) onPick(d core.DiscoveredSite) {
	f.domain.SetText(domainOf(d.Hostname))
	f.siteID.SetText(strconv.FormatUint(d.PlausibleID, 10))
	f.fields.clear()
}

func (f *siteForm) onSubmit() {
	site := &core.Site{Domain: f.domain.Text}
	id, err := strconv.ParseUint(strings.TrimSpace(f.siteID.Text), 10, 64)
	if err != nil || id == 0 {
		err = core.FieldErrorf("site_id", "must be an integer ≥ 1 (pick the site in the list above)")
		if f.picker == nil {
			err = core.FieldErrorf("site_id", "must be an integer ≥ 1")
		}
	} else {
		site.PlausibleID = id
		err = site.Validate()
	}
	f.dlg.save(&f.fields, err, func(ctx context.Context) error {
		return f.ui.svc.Sites.CreateSite(ctx, site)
	}, func() {
		f.ui.setSelection(func(x *selection) { *x = selection{siteID: site.ID} })
		f.ui.Refresh()
	})
}

func (s *sitesScreen) onRemove() {
	site := s.chosen()
	if site == nil {
		return
	}
	msg := fmt.Sprintf("Remove %s and its goals from hookwatch?\nPlausible's data is not touched.", site.Domain)
	force := s.hookings > 0
	if force {
		msg = fmt.Sprintf("Remove %s and its goals, and also delete its %d webhook(s)\nwith their delivery history?", site.Domain, s.hookings)
	}
	s.ui.confirm("Remove site", msg, "Remove", func() {
		s.ui.run(func(ctx context.Context) error {
			return s.ui.svc.Sites.DeleteSite(ctx, site.Domain, core.DeleteSiteOptions{Force: force})
		}, func(err error) {
			if err != nil {
				s.ui.showError("Could not remove the site", err)
			}
			s.ui.setSelection(func(x *selection) { *x = selection{} })
			s.ui.Refresh()
		})
	})
}
