package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

var sitePickerColumns = []column{
	{"site_id", 80}, {"Most common hostname", 250}, {"Events, 30 days", 130}, {"Last seen", 140}, {"Added as", 140},
}

// sitePicker is the add-site dialog's list of the sites found in
// ClickHouse, searchable; picking one fills the form.
type sitePicker struct {
	ui *UI
	// known maps the Plausible ids already added to their domains.
	known  map[uint64]string
	onPick func(core.DiscoveredSite)
	// pickFirst picks the busiest site not added yet once the list is
	// loaded: ShowScreen's example.
	pickFirst bool

	all, shown []core.DiscoveredSite
	search     *entry
	spin       *widget.Activity
	status     *widget.Label
	retry      *widget.Button
	table      *widget.Table
	view       *tableView
}

func (p *sitePicker) buildUI() fyne.CanvasObject {
	p.search = p.ui.newEntry("Search by hostname or site_id")
	p.search.OnChanged = func(string) { p.filter() }
	p.spin = widget.NewActivity()
	p.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.retry = &widget.Button{Text: "Try again", Icon: theme.ViewRefreshIcon(), OnTapped: p.load}
	p.retry.Hide()
	p.table = newTable(sitePickerColumns, func() int { return len(p.shown) }, func(id widget.TableCellID, l *widget.Label) {
		d := p.shown[id.Row]
		switch id.Col {
		case 0:
			l.SetText(strconv.FormatUint(d.PlausibleID, 10))
		case 1:
			l.SetText(d.Hostname)
		case 2:
			l.SetText(groupDigits(d.Events))
		case 3:
			l.SetText(ago(d.LastSeen, time.Now()))
		case 4:
			l.SetText(p.known[d.PlausibleID])
		}
	}, p.onSelect)
	p.view = newTableView(p.table, sitePickerColumns, "")
	title := &widget.Label{Text: "Sites found in ClickHouse", TextStyle: fyne.TextStyle{Bold: true}}
	head := container.NewBorder(nil, nil, title, container.NewHBox(p.spin, p.retry), p.search)
	return container.NewBorder(container.NewVBox(head, p.status), nil, nil, nil,
		container.New(&minSize{fyne.NewSize(760, 220)}, p.view.box))
}

// load reads the sites in the background, with the spinner turning.
func (p *sitePicker) load() {
	p.retry.Hide()
	p.spin.Show()
	p.spin.Start()
	p.setStatus("Looking for sites in ClickHouse…", widget.MediumImportance)
	var found []core.DiscoveredSite
	p.ui.run(func(ctx context.Context) (err error) {
		ctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		found, err = p.ui.svc.ClickHouse.DiscoverSites(ctx)
		return err
	}, func(err error) {
		p.spin.Stop()
		p.spin.Hide()
		if err != nil {
			p.retry.Show()
			p.setStatus("Could not list the sites; type the domain and site_id below, or check the connection in Settings.\n"+
				core.ErrorMessage(err), widget.DangerImportance)
			return
		}
		p.all = found
		p.filter()
		if p.pickFirst {
			for i, d := range p.shown {
				if p.known[d.PlausibleID] == "" {
					p.table.Select(widget.TableCellID{Row: i, Col: 0})
					break
				}
			}
		}
	})
}

func (p *sitePicker) setStatus(text string, imp widget.Importance) {
	p.status.Importance = imp
	p.status.SetText(text)
	p.status.Show()
}

// filter shows the sites whose hostname or site_id holds the search text.
func (p *sitePicker) filter() {
	if p.all == nil {
		return
	}
	q := strings.ToLower(strings.TrimSpace(p.search.Text))
	p.shown = p.shown[:0]
	for _, d := range p.all {
		if q == "" || strings.Contains(strings.ToLower(d.Hostname), q) || strings.Contains(strconv.FormatUint(d.PlausibleID, 10), q) {
			p.shown = append(p.shown, d)
		}
	}
	switch {
	case len(p.all) == 0:
		p.setStatus("ClickHouse holds no events of the last 30 days. Type the domain and site_id below.", widget.WarningImportance)
	case len(p.shown) == 0:
		p.setStatus(fmt.Sprintf("None of the %d sites found matches %q.", len(p.all), p.search.Text), widget.MediumImportance)
	default:
		p.setStatus(fmt.Sprintf("%d sites with events in the last 30 days, busiest first. Pick one to fill in the form.", len(p.all)), widget.MediumImportance)
	}
	p.view.selRow = -1
	p.table.UnselectAll()
	p.view.setEmpty(len(p.shown) == 0)
}

func (p *sitePicker) onSelect(row int) {
	if row < len(p.shown) && p.onPick != nil {
		p.onPick(p.shown[row])
	}
}

// domainOf is the domain a site is known by in Plausible, which drops a
// leading www. from the hostname.
func domainOf(hostname string) string {
	return strings.TrimPrefix(strings.ToLower(hostname), "www.")
}

// groupDigits writes n with commas between groups of three digits.
func groupDigits(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// counted writes n, its digits grouped, with the singular or plural noun.
func counted(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return groupDigits(n) + " " + many
}
