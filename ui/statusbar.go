package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// failingNotice is how long ClickHouse must stay unreachable before the
// user is notified, so that one failed poll does not raise an alarm.
const failingNotice = time.Minute

// statusBar is the line at the bottom of the window: the engine's health,
// updated on every refresh.
type statusBar struct {
	ui         *UI
	chIcon     *widget.Icon
	clickhouse *widget.Label
	lastPoll   *widget.Label
	counts     *widget.Label
	info       *widget.RichText
}

func (b *statusBar) buildUI() fyne.CanvasObject {
	b.chIcon = widget.NewIcon(theme.QuestionIcon())
	b.clickhouse = &widget.Label{Text: "ClickHouse: not polled yet", Truncation: fyne.TextTruncateEllipsis}
	b.lastPoll = &widget.Label{Text: "Last poll: never"}
	b.counts = &widget.Label{Text: "Deliveries: —"}
	info := b.ui.svc.Version
	if info != "" {
		info = "hookwatch " + info
	}
	b.info = muted(info, "", fyne.TextAlignLeading, fyne.TextWrapOff)
	bar := container.NewBorder(nil, nil, container.NewHBox(b.chIcon),
		container.NewHBox(widget.NewSeparator(), b.lastPoll, widget.NewSeparator(), b.counts, widget.NewSeparator(), b.info),
		b.clickhouse)
	if note := b.ui.svc.EngineNote; note != "" {
		return container.NewVBox(&widget.Label{Text: "This window only edits; the engine runs elsewhere: " + note,
			Importance: widget.WarningImportance, Truncation: fyne.TextTruncateEllipsis}, bar)
	}
	return bar
}

func (b *statusBar) apply(s *snapshot) {
	now := time.Now()
	st := s.status
	switch {
	case s.err != nil:
		b.chIcon.SetResource(theme.ErrorIcon())
		b.clickhouse.Importance = widget.DangerImportance
		b.clickhouse.SetText("Could not read the database: " + core.ErrorMessage(s.err))
	case st.LastPollAt.IsZero():
		b.chIcon.SetResource(theme.QuestionIcon())
		b.clickhouse.Importance = widget.LowImportance
		b.clickhouse.SetText("ClickHouse: not polled yet")
	case st.ClickHouseOK:
		b.chIcon.SetResource(theme.ConfirmIcon())
		b.clickhouse.Importance = widget.SuccessImportance
		text := "ClickHouse: connected"
		if st.ServerVersion != "" {
			text += " (" + st.ServerVersion + ")"
		}
		b.clickhouse.SetText(text)
	default:
		b.chIcon.SetResource(theme.ErrorIcon())
		b.clickhouse.Importance = widget.DangerImportance
		text := "ClickHouse: failing"
		if !st.ClickHouseSince.IsZero() {
			text += " since " + stamp(st.ClickHouseSince, now)
		}
		if st.ClickHouseError != "" {
			text += ": " + st.ClickHouseError
		}
		b.clickhouse.SetText(text)
	}
	last := "Last poll: " + ago(st.LastPollAt, now)
	if st.LateEvents > 0 {
		// Completions that reached ClickHouse after the late horizon: counted, never sent.
		last += fmt.Sprintf(" · %d late events", st.LateEvents)
	}
	b.lastPoll.SetText(last)
	if s.stats != nil {
		b.counts.SetText(fmt.Sprintf("Deliveries: %d pending · %d retrying · %d failed",
			s.stats[core.StatePending], s.stats[core.StateRetrying], s.stats[core.StateFailed]))
	}
}

// notifier sends a desktop notification once per occurrence of trouble the
// user may not be looking at: ClickHouse failing for a while, or a webhook
// disabled automatically.
type notifier struct {
	start    time.Time        // polls before this are a previous run's
	chSince  time.Time        // the failing period already notified
	disabled map[int64]string // webhook id → disabled reason already notified
}

// check compares s with what was notified and sends what is new. On the
// first load it only records what is already disabled, since the window
// shows it.
func (n *notifier) check(a fyne.App, s *snapshot, first bool) {
	if n.disabled == nil {
		n.disabled = map[int64]string{}
	}
	if n.start.IsZero() {
		n.start = time.Now()
	}
	st := s.status
	if !st.LastPollAt.IsZero() && !st.ClickHouseOK && st.LastPollAt.After(n.start) &&
		time.Since(st.ClickHouseSince) > failingNotice && !n.chSince.Equal(st.ClickHouseSince) {
		n.chSince = st.ClickHouseSince
		a.SendNotification(&fyne.Notification{
			Title:   "hookwatch: ClickHouse unreachable",
			Content: fmt.Sprintf("No poll has reached ClickHouse since %s. Alerts wait until it is back. %s", stamp(st.ClickHouseSince, time.Now()), st.ClickHouseError),
		})
	}
	if s.allHooks == nil {
		return
	}
	seen := map[int64]bool{}
	for _, w := range s.allHooks {
		seen[w.ID] = true
		if w.Enabled || w.DisabledReason == "" {
			delete(n.disabled, w.ID)
			continue
		}
		if n.disabled[w.ID] == w.DisabledReason {
			continue
		}
		n.disabled[w.ID] = w.DisabledReason
		if !first {
			a.SendNotification(&fyne.Notification{
				Title:   "hookwatch: webhook disabled",
				Content: fmt.Sprintf("%s (%s) was disabled: %s", w.DisplayURL(), w.Site, w.DisabledReason),
			})
		}
	}
	for id := range n.disabled {
		if !seen[id] {
			delete(n.disabled, id)
		}
	}
}
