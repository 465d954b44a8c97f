package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// pageSize is how many deliveries one page of the history shows.
const pageSize = 50

const allStates = "All states"

// deliveriesScreen is the Deliveries tab: the chosen site's delivery
// history, newest first, with a detail view of one delivery.
type deliveriesScreen struct {
	ui       *UI
	rows     []*core.Delivery
	total    int
	hooks    map[int64]*core.Webhook
	detailOf *core.Delivery

	table     *widget.Table
	view      *tableView
	filter    *widget.Select
	prev      *widget.Button
	next      *widget.Button
	pageLabel *widget.Label
	redeliver *widget.Button
	detail    *fyne.Container
	applying  bool
}

var deliveryColumns = []column{
	{"Time", 140}, {"Event", 190}, {"Webhook", 300}, {"State", 100}, {"Attempts", 85}, {"Status", 70},
}

func (s *deliveriesScreen) buildUI() fyne.CanvasObject {
	s.table = newTable(deliveryColumns, func() int { return len(s.rows) }, s.updateCell, func(row int) {
		if !s.applying {
			s.onSelect(s.rows[row].ID)
		}
	})
	s.view = newTableView(s.table, deliveryColumns, "No deliveries yet. They appear here when an alert fires, a goal completes or a test is sent.")
	s.filter = &widget.Select{
		Options:  []string{allStates, string(core.StatePending), string(core.StateRetrying), string(core.StateSucceeded), string(core.StateFailed)},
		Selected: allStates,
	}
	s.filter.OnChanged = s.onFilter
	s.prev = &widget.Button{Icon: theme.NavigateBackIcon(), Text: "Prev", OnTapped: func() { s.onPage(-1) }}
	s.next = &widget.Button{Icon: theme.NavigateNextIcon(), Text: "Next", IconPlacement: widget.ButtonIconTrailingText, OnTapped: func() { s.onPage(1) }}
	s.pageLabel = &widget.Label{Text: "Page 1 of 1"}
	s.redeliver = &widget.Button{Text: "Redeliver", Icon: theme.MailForwardIcon(), Importance: widget.HighImportance, OnTapped: s.onRedeliver}
	s.redeliver.Disable()
	s.detail = container.NewVBox()
	s.showDetail(nil)

	bar := container.NewHBox(&widget.Label{Text: "Show"}, s.filter, widget.NewSeparator(), s.prev, s.pageLabel, s.next, layout.NewSpacer(), s.redeliver)
	split := container.NewVSplit(s.view.box, container.NewVScroll(container.NewPadded(s.detail)))
	split.Offset = 0.45
	return container.NewBorder(bar, nil, nil, nil, split)
}

func (s *deliveriesScreen) updateCell(id widget.TableCellID, l *widget.Label) {
	d := s.rows[id.Row]
	l.Importance = widget.MediumImportance
	switch id.Col {
	case 0:
		l.Text = stamp(d.CreatedAt, time.Now())
	case 1:
		l.Text = string(d.EventType)
	case 2:
		l.Text = fmt.Sprintf("#%d", d.WebhookID)
		if w := s.hooks[d.WebhookID]; w != nil {
			l.Text = w.DisplayURL()
		}
	case 3:
		l.Text = string(d.State)
		l.Importance = stateImportance(d.State)
	case 4:
		l.Text = fmt.Sprint(d.AttemptCount)
	case 5:
		l.Text = statusText(d.LastStatus)
	}
	l.Refresh()
}

func (s *deliveriesScreen) apply(sel selection, snap *snapshot) {
	cur := s.ui.selection()
	if cur.state != sel.state || cur.page != sel.page {
		return // a load for the newer filter or page follows
	}
	s.hooks = map[int64]*core.Webhook{}
	for _, w := range snap.webhooks {
		s.hooks[w.ID] = w
	}
	s.rows, s.total = snap.deliveries, snap.total
	pages := s.pages()
	if sel.page >= pages && sel.page > 0 {
		s.ui.setSelection(func(x *selection) { x.page = pages - 1 })
		s.ui.Refresh()
	}
	s.pageLabel.SetText(fmt.Sprintf("Page %d of %d  ·  %d deliveries", min(sel.page+1, pages), pages, s.total))
	if sel.page > 0 {
		s.prev.Enable()
	} else {
		s.prev.Disable()
	}
	if sel.page+1 < pages {
		s.next.Enable()
	} else {
		s.next.Disable()
	}
	row := -1
	for i, d := range s.rows {
		if d.ID == cur.deliveryID && cur.deliveryID != 0 {
			row = i
		}
	}
	s.applying = true
	s.view.keep(row)
	s.applying = false
	s.view.setEmpty(len(s.rows) == 0)
	if cur.deliveryID == sel.deliveryID && !sameDelivery(s.detailOf, snap.detail) {
		s.showDetail(snap.detail)
	}
}

// sameDelivery reports whether a and b show the same, so that the detail
// view is rebuilt only when the delivery changed.
func sameDelivery(a, b *core.Delivery) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID && a.UpdatedAt.Equal(b.UpdatedAt) && a.State == b.State &&
		len(a.Attempts) == len(b.Attempts) && a.AttemptCount == b.AttemptCount
}

func (s *deliveriesScreen) pages() int {
	return max(1, (s.total+pageSize-1)/pageSize)
}

func (s *deliveriesScreen) onFilter(v string) {
	st := core.DeliveryState("")
	if v != allStates {
		st = core.DeliveryState(v)
	}
	s.ui.setSelection(func(x *selection) { x.state, x.page = st, 0 })
	s.ui.Refresh()
}

func (s *deliveriesScreen) onPage(delta int) {
	s.ui.setSelection(func(x *selection) { x.page = max(0, x.page+delta) })
	s.ui.Refresh()
}

// onSelect shows delivery id in the detail view, loading it with its
// attempts in the background.
func (s *deliveriesScreen) onSelect(id int64) {
	s.ui.setSelection(func(x *selection) { x.deliveryID = id })
	var d *core.Delivery
	s.ui.run(func(ctx context.Context) (err error) {
		d, err = s.ui.svc.Deliveries.FindDeliveryByID(ctx, id)
		return err
	}, func(err error) {
		if s.ui.selection().deliveryID != id {
			return
		}
		if err != nil {
			s.ui.showError("Could not load the delivery", err)
			return
		}
		s.showDetail(d)
	})
}

func (s *deliveriesScreen) onRedeliver() {
	d := s.detailOf
	if d == nil {
		return
	}
	s.redeliver.Disable()
	s.ui.run(func(ctx context.Context) error {
		_, err := s.ui.svc.Deliveries.Redeliver(ctx, d.ID)
		return err
	}, func(err error) {
		if err != nil {
			s.ui.showError("Could not redeliver", err)
		} else if s.ui.svc.Wake != nil {
			s.ui.svc.Wake()
		}
		s.ui.Refresh()
	})
}

// showDetail fills the detail view with d: its request, as the receiver
// gets it, and every attempt's answer.
func (s *deliveriesScreen) showDetail(d *core.Delivery) {
	s.detailOf = d
	if d == nil {
		s.redeliver.Disable()
		s.detail.Objects = []fyne.CanvasObject{muted("Select a delivery to see its request and the endpoint's answers.", "", fyne.TextAlignLeading, fyne.TextWrapWord)}
		s.detail.Refresh()
		return
	}
	s.redeliver.Enable()
	hook := s.hooks[d.WebhookID]
	url := fmt.Sprintf("webhook #%d", d.WebhookID)
	if hook != nil {
		url = hook.DisplayURL()
	}
	now := time.Now()
	title := &widget.Label{Text: fmt.Sprintf("#%d  %s  →  %s", d.ID, d.EventType, url), TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	state := &widget.Label{Text: string(d.State), Importance: stateImportance(d.State), Wrapping: fyne.TextWrapWord}
	switch d.State {
	case core.StatePending, core.StateRetrying:
		state.Text += "  ·  next attempt " + stamp(d.NextAttemptAt, now)
		if hook != nil && !hook.Enabled {
			state.Text += " (held: the webhook is disabled)"
		}
	}
	if d.LastError != "" {
		state.Text += "  ·  " + d.LastError
	}
	// Two columns of facts keep the request and answers in view.
	facts := container.NewGridWithColumns(2,
		&widget.Form{Items: []*widget.FormItem{
			{Text: "State", Widget: state},
			{Text: "Created", Widget: &widget.Label{Text: d.CreatedAt.Local().Format("2006-01-02 15:04:05") + "  ·  " + ago(d.CreatedAt, now)}},
		}},
		&widget.Form{Items: []*widget.FormItem{
			{Text: "webhook-id", Widget: &widget.Label{Text: d.MsgID, TextStyle: fyne.TextStyle{Monospace: true}, Selectable: true, Truncation: fyne.TextTruncateEllipsis}},
			{Text: "Attempts", Widget: &widget.Label{Text: fmt.Sprint(d.AttemptCount)}},
		}},
	)

	// The request on the left, as the receiver gets it; the endpoint's
	// answers on the right.
	request := container.NewVBox(heading("Request body"), monoLabel(prettyJSON(d.Payload)))
	var last *core.Attempt
	if n := len(d.Attempts); n > 0 {
		last = d.Attempts[n-1]
	}
	if last != nil && len(last.RequestHeaders) > 0 {
		request.Add(heading("Request headers (latest attempt)"))
		request.Add(monoLabel(headerText(last.RequestHeaders, customHeaderNames(hook))))
	}
	answers := container.NewVBox(heading(fmt.Sprintf("Attempts (%d)", len(d.Attempts))))
	if len(d.Attempts) == 0 {
		answers.Add(muted("Not attempted yet.", "", fyne.TextAlignLeading, fyne.TextWrapOff))
	}
	for i := len(d.Attempts) - 1; i >= 0; i-- {
		answers.Add(attemptCard(i+1, d.Attempts[i], now))
	}
	s.detail.Objects = []fyne.CanvasObject{title, facts, widget.NewSeparator(), container.NewGridWithColumns(2, request, answers)}
	s.detail.Refresh()
}

func heading(text string) fyne.CanvasObject {
	return &widget.Label{Text: text, TextStyle: fyne.TextStyle{Bold: true}}
}

func monoLabel(text string) *widget.Label {
	return &widget.Label{Text: text, TextStyle: fyne.TextStyle{Monospace: true}, Selectable: true, Wrapping: fyne.TextWrapBreak}
}

func attemptCard(n int, a *core.Attempt, now time.Time) fyne.CanvasObject {
	title := &widget.Label{Text: fmt.Sprintf("Attempt %d  ·  ", n), TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	switch {
	case a.Interrupted:
		title.Text += "interrupted by shutdown"
		title.Importance = widget.WarningImportance
	case a.StatusCode != 0:
		title.Text += fmt.Sprintf("%d %s", a.StatusCode, http.StatusText(a.StatusCode))
		title.Importance = widget.DangerImportance
		if a.StatusCode >= 200 && a.StatusCode < 300 {
			title.Importance = widget.SuccessImportance
		}
	default:
		title.Text += "no answer"
		title.Importance = widget.DangerImportance
	}
	sub := a.StartedAt.Local().Format("2006-01-02 15:04:05") + "  ·  " + ago(a.StartedAt, now) + "  ·  " + latency(a.Duration)
	box := container.NewVBox(title, muted(sub, theme.SizeNameCaptionText, fyne.TextAlignLeading, fyne.TextWrapOff))
	if a.Error != "" {
		box.Add(&widget.Label{Text: "Error: " + a.Error, Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord})
	}
	if len(a.ResponseHeaders) > 0 {
		box.Add(&widget.Label{Text: "Response headers", TextStyle: fyne.TextStyle{Italic: true}})
		box.Add(monoLabel(headerText(a.ResponseHeaders, nil)))
	}
	body := a.ResponseBody
	if body == "" {
		body = "(empty body)"
	} else {
		body = excerpt(prettyJSON([]byte(body)), 2000)
	}
	box.Add(&widget.Label{Text: "Response body", TextStyle: fyne.TextStyle{Italic: true}})
	box.Add(monoLabel(body))
	// A framed box rather than a widget.Card, whose title is headline-sized.
	frame := &canvas.Rectangle{FillColor: theme.Color(theme.ColorNameInputBackground), StrokeColor: theme.Color(theme.ColorNameSeparator),
		StrokeWidth: 1, CornerRadius: theme.InputRadiusSize()}
	return container.NewStack(frame, container.NewPadded(box))
}

// prettyJSON indents JSON, and returns anything else as it is.
func prettyJSON(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// customHeaderNames are the lower-cased names of a webhook's custom headers,
// whose values are secrets.
func customHeaderNames(w *core.Webhook) []string {
	if w == nil {
		return nil
	}
	var names []string
	for k := range w.Headers {
		names = append(names, strings.ToLower(k))
	}
	return names
}

// headerText lists headers one a line, sorted, with the values of the
// secret ones masked.
func headerText(h map[string][]string, secret []string) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, k := range names {
		v := strings.Join(h[k], ", ")
		if slices.Contains(secret, strings.ToLower(k)) {
			v = headerMask
		}
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
