package ui

import (
	"context"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// entry is a text entry on which Esc closes the innermost dialog, since
// Fyne's dialogs leave Esc to the focused widget.
type entry struct {
	widget.Entry
	ui *UI
}

func (u *UI) newEntry(placeholder string) *entry {
	e := &entry{ui: u}
	e.PlaceHolder = placeholder
	e.ExtendBaseWidget(e)
	return e
}

func (u *UI) newMultiLineEntry(placeholder string, rows int) *entry {
	e := u.newEntry(placeholder)
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapOff
	e.SetMinRowsVisible(rows)
	return e
}

// TypedKey closes the innermost dialog on Esc and otherwise edits.
func (e *entry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.ui.escape() {
		return
	}
	e.Entry.TypedKey(k)
}

// formRow is one row of a checkedForm: an input and the line under it that
// shows the message of a core error naming one of its fields.
type formRow struct {
	names []string // core field names this input answers for
	label string
	input fyne.CanvasObject
	hint  string
	err   *widget.Label
}

// checkedForm is a form whose rows show the errors of the checks (core's
// rules) beside their inputs: it lays out inputs with their hints and
// inline error lines, and puts a core error beside the input it names
// (core.ErrorField).
type checkedForm struct {
	fields  []*formRow
	general *widget.Label // errors that name no input of the form
	// boxes are the containers that hold the error lines; they are laid
	// out again when a line appears or goes.
	boxes []fyne.CanvasObject
}

func (f *checkedForm) add(label string, input fyne.CanvasObject, hint string, names ...string) *formRow {
	ff := &formRow{names: names, label: label, input: input, hint: hint,
		err: &widget.Label{Importance: widget.DangerImportance}}
	ff.err.Hide()
	f.fields = append(f.fields, ff)
	return ff
}

func (f *checkedForm) buildUI() fyne.CanvasObject {
	return f.box(f.errorLabel(), f.form(f.fields...))
}

// box stacks objects vertically in a container that is laid out again
// when an error line changes.
func (f *checkedForm) box(objs ...fyne.CanvasObject) *fyne.Container {
	b := container.NewVBox(objs...)
	f.boxes = append(f.boxes, b)
	return b
}

// errorLabel returns the line above the form for errors that name no input.
func (f *checkedForm) errorLabel() *widget.Label {
	if f.general == nil {
		f.general = &widget.Label{Importance: widget.DangerImportance}
		f.general.Hide()
	}
	return f.general
}

// form lays out some of the fields, for dialogs that show them in columns.
func (f *checkedForm) form(fields ...*formRow) *widget.Form {
	form := &widget.Form{}
	for _, ff := range fields {
		// The error line sits close under its input, above the hint.
		b := container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()), ff.input, ff.err)
		f.boxes = append(f.boxes, b)
		form.Items = append(form.Items, &widget.FormItem{Text: ff.label, Widget: b, HintText: ff.hint})
	}
	f.boxes = append(f.boxes, form)
	return form
}

// clear hides every error line.
func (f *checkedForm) clear() {
	for _, ff := range append(f.fields, &formRow{err: f.errorLabel()}) {
		ff.err.SetText("")
		ff.err.Hide()
	}
	f.relayout()
}

func (f *checkedForm) relayout() {
	for _, b := range f.boxes {
		b.Refresh()
	}
}

// show puts err's message beside the input it names, or above the form.
// It returns the field the message went to, or nil.
func (f *checkedForm) show(err error) *formRow {
	f.clear()
	if err == nil {
		return nil
	}
	name := core.ErrorField(err)
	for _, ff := range f.fields {
		if name != "" && slices.Contains(ff.names, name) {
			ff.err.SetText(errorLine(err))
			ff.err.Show()
			f.relayout()
			return ff
		}
	}
	f.errorLabel().SetText("⚠ " + core.ErrorMessage(err))
	f.general.Show()
	f.relayout()
	return nil
}

// errorText returns the message shown for field name, or "".
func (f *checkedForm) errorText(name string) string {
	for _, ff := range f.fields {
		if slices.Contains(ff.names, name) && ff.err.Visible() {
			return ff.err.Text
		}
	}
	if f.general != nil && f.general.Visible() {
		return f.general.Text
	}
	return ""
}

// errorLine is an error's message without the field name, which the row's
// label already gives.
func errorLine(err error) string {
	if e, ok := errorAs(err); ok {
		return "⚠ " + e.Message
	}
	return "⚠ " + core.ErrorMessage(err)
}

// formDialog is a dialog with Cancel and a confirm button that stays open
// until submit says it is done, so that the user's input survives an error.
// Enter in a one-line entry submits; Esc cancels.
type formDialog struct {
	ui      *UI
	d       *dialog.CustomDialog
	confirm *widget.Button
	cancel  *widget.Button
	submit  func()
	esc     *escapeEntry
	width   float32
}

func (u *UI) newFormDialog(title, confirm string, content fyne.CanvasObject, width float32, submit func()) *formDialog {
	fd := &formDialog{ui: u, submit: submit, width: width}
	fd.d = dialog.NewCustomWithoutButtons(title, content, u.win)
	fd.cancel = &widget.Button{Text: "Cancel", Icon: theme.CancelIcon(), OnTapped: fd.hide}
	fd.confirm = &widget.Button{Text: confirm, Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: fd.onSubmit}
	fd.d.SetButtons([]fyne.CanvasObject{fd.cancel, fd.confirm})
	fd.d.SetOnClosed(func() { u.popEscape(fd.esc) })
	return fd
}

// submitOnEnter makes Enter in each one-line entry submit the dialog.
func (fd *formDialog) submitOnEnter(entries ...*entry) {
	for _, e := range entries {
		if !e.MultiLine {
			e.OnSubmitted = func(string) { fd.onSubmit() }
		}
	}
}

func (fd *formDialog) onSubmit() {
	if fd.confirm.Disabled() {
		return
	}
	fd.submit()
}

func (fd *formDialog) show() {
	fd.esc = fd.ui.pushEscape(fd.hide, fd.onSubmit)
	fd.fit()
	fd.d.Show()
}

// fit sizes the dialog to its content, at least fd.width wide, so that an
// error line that appeared is not clipped.
func (fd *formDialog) fit() {
	m := fd.d.MinSize()
	fd.d.Resize(fyne.NewSize(max(m.Width, fd.width), m.Height))
}

func (fd *formDialog) hide() { fd.d.Hide() }

// busy disables the buttons while a save runs.
func (fd *formDialog) busy(b bool) {
	if b {
		fd.confirm.Disable()
	} else {
		fd.confirm.Enable()
	}
}

// save is the end of every form dialog's submit: err is the form's own
// validation; if it passed, store runs in the background with the dialog
// busy. A refusal from either is shown beside the field it names and keeps
// the dialog open with the input as typed; on success the dialog closes and
// saved runs on Fyne's goroutine.
func (fd *formDialog) save(fields *checkedForm, err error, store func(ctx context.Context) error, saved func()) {
	if err != nil {
		fields.show(err)
		fd.fit()
		return
	}
	fields.clear()
	fd.busy(true)
	fd.ui.run(store, func(err error) {
		fd.busy(false)
		if err != nil {
			fields.show(err)
			fd.fit()
			return
		}
		fd.hide()
		saved()
	})
}

// escapeEntry is one open dialog on the key stack: what Esc and Enter do
// while it is the innermost.
type escapeEntry struct{ cancel, submit func() }

func (u *UI) pushEscape(cancel, submit func()) *escapeEntry {
	e := &escapeEntry{cancel: cancel, submit: submit}
	u.escapes = append(u.escapes, e)
	return e
}

func (u *UI) popEscape(e *escapeEntry) {
	u.escapes = slices.DeleteFunc(u.escapes, func(x *escapeEntry) bool { return x == e })
}

// escape cancels the innermost open dialog and reports whether there was
// one.
func (u *UI) escape() bool {
	if len(u.escapes) == 0 {
		return false
	}
	u.escapes[len(u.escapes)-1].cancel()
	return true
}

// enter submits the innermost open dialog and reports whether there was
// one.
func (u *UI) enter() bool {
	if len(u.escapes) == 0 {
		return false
	}
	u.escapes[len(u.escapes)-1].submit()
	return true
}

// showDialog shows a dialog that Esc closes; Enter closes it too, or
// confirms it if it is a confirmation.
func (u *UI) showDialog(d dialog.Dialog) {
	submit := d.Hide
	if c, ok := d.(*dialog.ConfirmDialog); ok {
		submit = c.Confirm
	}
	e := u.pushEscape(d.Hide, submit)
	d.SetOnClosed(func() { u.popEscape(e) })
	d.Show()
}

// showError shows an error in a dialog.
func (u *UI) showError(title string, err error) {
	d := dialog.NewCustom(title, "Close", &widget.Label{Text: core.ErrorMessage(err)}, u.win)
	u.showDialog(d)
}

// confirm asks before a destructive action; yes runs on Fyne's goroutine.
func (u *UI) confirm(title, message, yesText string, yes func()) {
	d := dialog.NewCustomConfirm(title, yesText, "Cancel", &widget.Label{Text: message}, func(ok bool) {
		if ok {
			yes()
		}
	}, u.win)
	d.SetConfirmImportance(widget.DangerImportance)
	u.showDialog(d)
}
