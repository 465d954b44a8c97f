package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/hookwatch/hookwatch/core"
)

// webhooksScreen is the Webhooks tab: the chosen site's webhooks.
type webhooksScreen struct {
	ui       *UI
	site     *core.Site
	hooks    []*core.Webhook
	last     map[int64]*core.Delivery
	goals    []*core.Goal
	cooldown string // the default cooldown setting, for new webhooks
	// baselines say which anomaly rules are learning.
	baselines map[core.BaselineKey]core.Baseline
	selected  int64 // webhook id, 0 for none

	table   *widget.Table
	view    *tableView
	detail  *widget.Label
	reason  *widget.Label
	root    *fyne.Container
	add     *widget.Button
	edit    *widget.Button
	toggle  *widget.Button
	del     *widget.Button
	test    *widget.Button
	rotate  *widget.Button
	testing *widget.Activity

	// The most recent dialogs, for tests.
	form       *webhookForm
	secret     *secretDialog
	testResult *testResultDialog
}

var webhookColumns = []column{
	{"URL", 280}, {"Events", 300}, {"Status", 170}, {"Last delivery", 180},
}

func (s *webhooksScreen) buildUI() fyne.CanvasObject {
	s.table = newTable(webhookColumns, func() int { return len(s.hooks) }, s.updateCell, s.onSelect)
	s.view = newTableView(s.table, webhookColumns, "No webhooks yet. Add one to send this site's alerts and goal completions to an endpoint.")
	s.add = &widget.Button{Text: "Add", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: s.onAdd}
	s.edit = &widget.Button{Text: "Edit", Icon: theme.DocumentCreateIcon(), OnTapped: s.onEdit}
	s.toggle = &widget.Button{Text: "Disable", Icon: theme.MediaPauseIcon(), OnTapped: s.onToggle}
	s.del = &widget.Button{Text: "Delete", Icon: theme.DeleteIcon(), OnTapped: s.onDelete}
	s.test = &widget.Button{Text: "Send test", Icon: theme.MailSendIcon(), OnTapped: s.onSendTest}
	s.rotate = &widget.Button{Text: "Rotate secret", Icon: theme.ViewRefreshIcon(), OnTapped: s.onRotate}
	s.testing = widget.NewActivity()
	s.testing.Hide()
	s.detail = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	s.reason = &widget.Label{Importance: widget.DangerImportance, Truncation: fyne.TextTruncateEllipsis}
	s.reason.Hide()
	s.updateButtons()

	buttons := container.NewHBox(s.add, s.edit, s.toggle, s.del, widget.NewSeparator(), s.test, s.testing, s.rotate, layout.NewSpacer())
	s.root = container.NewBorder(buttons, container.NewVBox(widget.NewSeparator(), s.reason, s.detail), nil, nil, s.view.box)
	return s.root
}

func (s *webhooksScreen) updateCell(id widget.TableCellID, l *widget.Label) {
	w := s.hooks[id.Row]
	l.Importance = widget.MediumImportance
	switch id.Col {
	case 0:
		l.Text = w.DisplayURL()
	case 1:
		l.Text = eventsText(w.Events)
		if w.SendResolved {
			l.Text += " (+resolved)"
		}
	case 2:
		l.Text, l.Importance = webhookStatus(w)
	case 3:
		l.Text = "—"
		if d := s.last[w.ID]; d != nil {
			l.Text = string(d.State) + " · " + stamp(d.UpdatedAt, time.Now())
			l.Importance = stateImportance(d.State)
		}
	}
	l.Refresh()
}

// webhookStatus is the Status column: enabled, or disabled and why.
func webhookStatus(w *core.Webhook) (string, widget.Importance) {
	switch {
	case !w.Enabled && w.DisabledReason != "":
		return "Disabled: " + w.DisabledReason, widget.DangerImportance
	case !w.Enabled:
		return "Disabled", widget.WarningImportance
	case !w.FailingSince.IsZero():
		return "Enabled · failing since " + stamp(w.FailingSince, time.Now()), widget.WarningImportance
	}
	return "Enabled", widget.SuccessImportance
}

func stateImportance(st core.DeliveryState) widget.Importance {
	switch st {
	case core.StateSucceeded:
		return widget.SuccessImportance
	case core.StateFailed:
		return widget.DangerImportance
	case core.StateRetrying:
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

func (s *webhooksScreen) apply(snap *snapshot) {
	s.site, s.hooks, s.last, s.goals = snap.site, snap.webhooks, snap.last, snap.goals
	s.cooldown, s.baselines = snap.cooldown, snap.baselines
	if s.find(s.selected) == nil {
		s.selected = 0
	}
	s.view.keep(s.rowOf(s.selected))
	s.view.setEmpty(len(s.hooks) == 0)
	s.updateButtons()
}

func (s *webhooksScreen) find(id int64) *core.Webhook {
	for _, w := range s.hooks {
		if w.ID == id && id != 0 {
			return w
		}
	}
	return nil
}

func (s *webhooksScreen) current() *core.Webhook { return s.find(s.selected) }

func (s *webhooksScreen) onSelect(row int) {
	s.selected = s.hooks[row].ID
	s.updateButtons()
}

// rowOf returns the table row of webhook id, or -1.
func (s *webhooksScreen) rowOf(id int64) int {
	for i, w := range s.hooks {
		if w.ID == id && id != 0 {
			return i
		}
	}
	return -1
}

func (s *webhooksScreen) updateButtons() {
	if s.root != nil {
		defer s.root.Refresh() // the reason line may have come or gone
	}
	w := s.current()
	for _, b := range []*widget.Button{s.edit, s.toggle, s.del, s.rotate, s.test} {
		if w == nil {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if s.site == nil || len(s.hooks) >= core.MaxWebhooksPerSite {
		s.add.Disable()
	} else {
		s.add.Enable()
	}
	if s.ui.svc.SendTest == nil || !s.testing.Hidden {
		s.test.Disable()
	}
	s.reason.Hide()
	if w == nil {
		s.toggle.SetText("Disable")
		s.toggle.SetIcon(theme.MediaPauseIcon())
		s.detail.SetText(fmt.Sprintf("%d of %d webhooks. Select one to edit, test or rotate its secret.", len(s.hooks), core.MaxWebhooksPerSite))
		return
	}
	if w.Enabled {
		s.toggle.SetText("Disable")
		s.toggle.SetIcon(theme.MediaPauseIcon())
	} else {
		s.toggle.SetText("Enable")
		s.toggle.SetIcon(theme.MediaPlayIcon())
		if w.DisabledReason != "" {
			s.reason.SetText("Disabled automatically: " + w.DisabledReason + ". Fix the endpoint, then Enable.")
			s.reason.Show()
		}
	}
	parts := []string{"Format " + string(w.Format), "cooldown " + shortDuration(w.Cooldown)}
	parts = append(parts, ruleParts(w, s.baselines)...)
	if len(w.Goals) > 0 {
		parts = append(parts, "goals: "+strings.Join(w.Goals, ", "))
	} else {
		parts = append(parts, "all goals")
	}
	if w.DigestInterval > 0 {
		parts = append(parts, "digest every "+shortDuration(w.DigestInterval))
	}
	if len(w.Headers) > 0 {
		parts = append(parts, "headers: "+strings.Join(w.HeaderNames(), ", "))
	}
	if w.AllowPrivate {
		parts = append(parts, "private addresses allowed")
	}
	s.detail.SetText(strings.Join(parts, "  ·  "))
}

func (s *webhooksScreen) onAdd() {
	if s.site == nil {
		return
	}
	s.form = newWebhookForm(s, nil)
	s.form.show()
}

func (s *webhooksScreen) onEdit() {
	if w := s.current(); w != nil {
		s.form = newWebhookForm(s, w)
		s.form.show()
	}
}

func (s *webhooksScreen) onToggle() {
	w := s.current()
	if w == nil {
		return
	}
	enable := !w.Enabled
	s.ui.run(func(ctx context.Context) error {
		_, err := s.ui.svc.Webhooks.SetWebhookEnabled(ctx, w.ID, enable, "")
		return err
	}, func(err error) {
		if err != nil {
			s.ui.showError("Could not change the webhook", err)
		} else if enable && s.ui.svc.Wake != nil {
			// Deliveries held while it was disabled are due now.
			s.ui.svc.Wake()
		}
		s.ui.Refresh()
	})
}

func (s *webhooksScreen) onDelete() {
	w := s.current()
	if w == nil {
		return
	}
	s.ui.confirm("Delete webhook", fmt.Sprintf("Delete the webhook to\n%s\nwith its delivery history? This cannot be undone.", w.DisplayURL()), "Delete", func() {
		s.ui.run(func(ctx context.Context) error {
			return s.ui.svc.Webhooks.DeleteWebhook(ctx, w.ID)
		}, func(err error) {
			if err != nil {
				s.ui.showError("Could not delete the webhook", err)
			}
			s.selected = 0
			s.ui.Refresh()
		})
	})
}

func (s *webhooksScreen) onRotate() {
	w := s.current()
	if w == nil {
		return
	}
	msg := fmt.Sprintf("Make a new signing secret for\n%s?\n\nThe old secret keeps signing too for %s, so the receiver can switch without losing requests.", w.DisplayURL(), shortDuration(core.RotationOverlap))
	s.ui.confirm("Rotate secret", msg, "Rotate", func() {
		secret := core.GenerateSecret()
		s.ui.run(func(ctx context.Context) error {
			_, err := s.ui.svc.Webhooks.RotateSecret(ctx, w.ID, secret, core.RotationOverlap)
			return err
		}, func(err error) {
			if err != nil {
				s.ui.showError("Could not rotate the secret", err)
				return
			}
			s.showSecret("New signing secret", w.DisplayURL(), secret)
			s.ui.Refresh()
		})
	})
}

// secretDialog shows a secret once, with a copy button.
type secretDialog struct {
	secret *widget.Label
	copy   *widget.Button
	d      *dialog.CustomDialog
}

func (s *webhooksScreen) showSecret(title, url, secret string) {
	sd := &secretDialog{}
	sd.secret = &widget.Label{Text: secret, TextStyle: fyne.TextStyle{Monospace: true}, Selectable: true}
	sd.copy = &widget.Button{Text: "Copy", Icon: theme.ContentCopyIcon(), OnTapped: func() {
		s.ui.app.Clipboard().SetContent(secret)
		sd.copy.SetText("Copied")
		sd.copy.SetIcon(theme.ConfirmIcon())
	}}
	content := container.NewVBox(
		&widget.Label{Text: "Signing secret for " + url},
		container.NewBorder(nil, nil, nil, sd.copy, sd.secret),
		&widget.Label{Text: "This is the only time the secret is shown. Give it to the receiver now:\nit verifies the webhook-signature header with it (Standard Webhooks).", Importance: widget.WarningImportance},
	)
	sd.d = dialog.NewCustom(title, "Done", content, s.ui.win)
	sd.d.Resize(fyne.NewSize(680, sd.d.MinSize().Height))
	s.secret = sd
	s.ui.showDialog(sd.d)
}
