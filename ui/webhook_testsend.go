package ui

import (
	"context"
	"fmt"
	"net/http"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/hookwatch/hookwatch/core"
)

func (s *webhooksScreen) onSendTest() {
	w := s.current()
	if w == nil || s.ui.svc.SendTest == nil {
		return
	}
	s.testing.Show()
	s.testing.Start()
	s.test.Disable()
	var (
		d   *core.Delivery
		a   *core.Attempt
		err error
	)
	s.ui.run(func(ctx context.Context) error {
		d, a, err = s.ui.svc.SendTest(ctx, w.ID)
		return err
	}, func(error) {
		s.testing.Stop()
		s.testing.Hide()
		s.updateButtons()
		s.testResult = newTestResultDialog(s.ui, w, d, a, err)
		s.ui.showDialog(s.testResult.d)
		s.ui.Refresh()
	})
}

// testResultDialog reports a test send: status, latency and the response,
// or the error.
type testResultDialog struct {
	ok      bool
	summary *widget.Label
	status  *widget.Label
	body    *widget.Label
	d       *dialog.CustomDialog
}

func newTestResultDialog(u *UI, w *core.Webhook, d *core.Delivery, a *core.Attempt, err error) *testResultDialog {
	r := &testResultDialog{
		summary: &widget.Label{TextStyle: fyne.TextStyle{Bold: true}},
		status:  &widget.Label{},
		body:    &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, Wrapping: fyne.TextWrapBreak, Selectable: true},
	}
	form := &widget.Form{}
	form.Append("Endpoint", &widget.Label{Text: w.DisplayURL(), Truncation: fyne.TextTruncateEllipsis})
	switch {
	case err != nil:
		r.summary.SetText("✗ The test could not be sent")
		r.summary.Importance = widget.DangerImportance
		r.body.SetText(core.ErrorMessage(err))
		form.Append("Error", r.body)
	case a == nil:
		r.summary.SetText("The test was queued")
		r.body.SetText("The engine will send it shortly; see the Deliveries tab.")
		form.Append("Note", r.body)
	default:
		r.ok = a.StatusCode >= 200 && a.StatusCode < 300
		if r.ok {
			r.summary.SetText("✓ The endpoint accepted the test")
			r.summary.Importance = widget.SuccessImportance
		} else {
			r.summary.SetText("✗ The endpoint did not accept the test")
			r.summary.Importance = widget.DangerImportance
		}
		if a.StatusCode != 0 {
			r.status.SetText(fmt.Sprintf("%d %s", a.StatusCode, http.StatusText(a.StatusCode)))
		} else {
			r.status.SetText("no answer")
		}
		form.Append("Status", r.status)
		form.Append("Latency", &widget.Label{Text: latency(a.Duration)})
		if d != nil {
			form.Append("webhook-id", &widget.Label{Text: d.MsgID, TextStyle: fyne.TextStyle{Monospace: true}})
		}
		if a.Error != "" {
			form.Append("Error", &widget.Label{Text: a.Error, Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance})
		}
		body := excerpt(prettyJSON([]byte(a.ResponseBody)), 600)
		if body == "" {
			body = "(empty body)"
		}
		r.body.SetText(body)
		scroll := container.NewVScroll(r.body)
		scroll.SetMinSize(fyne.NewSize(560, 120))
		form.Append("Response", scroll)
	}
	r.d = dialog.NewCustom("Test send", "Close", container.NewVBox(r.summary, form), u.win)
	r.d.Resize(fyne.NewSize(720, r.d.MinSize().Height))
	return r
}
