package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// webhookBody is the webhook dialog's body section: the template editor and
// its content type, shown for the template format, and a live preview of
// the body each event type the webhook receives would carry.
type webhookBody struct {
	form        *webhookForm
	template    *entry
	contentType *entry
	editor      *fyne.Container // the template's inputs; hidden for other formats
	event       *widget.Select
	preview     *widget.Label
	problem     *widget.Label // why the preview cannot be rendered
}

func newWebhookBody(f *webhookForm) *webhookBody {
	u := f.s.ui
	b := &webhookBody{form: f,
		template:    u.newMultiLineEntry("{\"text\": {{json (sentence .)}}}", 8),
		contentType: u.newEntry(core.DefaultContentType),
		event:       &widget.Select{},
		preview:     monoLabel(""),
		problem:     &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord},
	}
	b.template.TextStyle = fyne.TextStyle{Monospace: true}
	b.problem.Hide()
	return b
}

// buildUI lays the section out; its inputs join ff, so that a core error on
// "template" or "content_type" shows beside them.
func (b *webhookBody) buildUI(ff *checkedForm) fyne.CanvasObject {
	tpl := ff.add("Template", b.template, "text/template over the payload: {{.data.site}}, {{json (sentence .)}}", "template")
	ct := ff.add("Content type", b.contentType, "A JSON type must render valid JSON", "content_type")
	b.editor = container.NewVBox(ff.form(tpl, ct))
	scroll := container.NewScroll(b.preview)
	scroll.SetMinSize(fyne.NewSize(0, 200))
	preview := container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, heading("Preview"), nil, b.event), b.problem), nil, nil, nil, scroll)
	return container.NewGridWithColumns(2, b.editor, preview)
}

// fill sets the template inputs from w (nil when adding).
func (b *webhookBody) fill(w *core.Webhook) {
	if w == nil || w.Format != core.FormatTemplate {
		b.contentType.SetText(core.DefaultContentType)
		return
	}
	b.template.SetText(w.Template)
	b.contentType.SetText(w.ContentType())
}

// read adds the template inputs to upd: the template and its content type
// for the template format, and nothing otherwise, which clears them when
// the user moves a webhook to another format.
func (b *webhookBody) read(upd *core.WebhookUpdate, format core.Format) {
	tpl, ct := "", ""
	if format == core.FormatTemplate {
		tpl, ct = b.template.Text, strings.TrimSpace(b.contentType.Text)
	}
	upd.Template, upd.ContentType = &tpl, &ct
}

// onChange renders the preview of the webhook as the form now describes
// it, for the chosen event type; a failing template shows its error, the
// same one saving would give.
func (b *webhookBody) onChange() {
	w := b.form.candidate()
	if w.Format == core.FormatTemplate {
		b.editor.Show()
	} else {
		b.editor.Hide()
	}
	types := w.EventTypes()
	opts := make([]string, len(types))
	for i, t := range types {
		opts[i] = string(t)
	}
	if !slices.Equal(opts, b.event.Options) {
		b.event.Options = opts
		b.event.Refresh()
	}
	if !slices.Contains(opts, b.event.Selected) {
		b.event.Selected = opts[0]
		b.event.Refresh()
	}
	body, err := core.Preview(w, core.EventType(b.event.Selected))
	if err != nil {
		b.problem.SetText(errorLine(err))
		b.problem.Show()
		b.preview.SetText("")
	} else {
		b.problem.Hide()
		b.preview.SetText(prettyJSON(body))
	}
	b.form.fields.relayout()
	if b.form.dlg != nil {
		b.form.dlg.fit()
	}
}
