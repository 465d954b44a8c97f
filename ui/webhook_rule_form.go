package ui

import (
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

// The two rules a traffic alert may follow, as the webhook form offers them.
const (
	ruleFixed  = "Fixed threshold"
	ruleNormal = "Relative to normal"
)

// ruleInputs are the webhook form's choice, per traffic alert, between a
// fixed threshold and a rule relative to normal, and the settings the
// rules relative to normal share. Every default and range is core's.
type ruleInputs struct {
	spikeKind, dropKind *widget.Select
	// spikeNote and dropNote stand where the threshold was while the
	// alert is relative to normal.
	spikeNote, dropNote *widget.Label
	sensitivity         *widget.Select
	minVisitors         *entry
	weeks               *widget.Select
	settings            fyne.CanvasObject
}

func newRuleInputs(u *UI) *ruleInputs {
	r := &ruleInputs{
		spikeKind:   &widget.Select{Options: []string{ruleFixed, ruleNormal}, Selected: ruleFixed},
		dropKind:    &widget.Select{Options: []string{ruleFixed, ruleNormal}, Selected: ruleFixed},
		spikeNote:   &widget.Label{Text: "Fires when current visitors are far above what is normal at this hour of the week"},
		dropNote:    &widget.Label{Text: "Fires when the last 60 minutes fall far below what is normal at this hour"},
		sensitivity: &widget.Select{},
		minVisitors: u.newEntry(strconv.Itoa(core.DefaultMinVisitors)),
		weeks:       &widget.Select{},
	}
	for _, s := range core.Sensitivities {
		r.sensitivity.Options = append(r.sensitivity.Options, string(s))
	}
	for w := core.MinBaselineWeeks; w <= core.MaxBaselineWeeks; w++ {
		r.weeks.Options = append(r.weeks.Options, weeksLabel(w))
	}
	for _, l := range []*widget.Label{r.spikeNote, r.dropNote} {
		l.Truncation = fyne.TextTruncateEllipsis
		l.Hide()
	}
	field := func(label string, input fyne.CanvasObject) fyne.CanvasObject {
		return container.NewBorder(nil, nil, widget.NewLabel(label), nil, input)
	}
	r.settings = container.NewVBox(
		container.NewGridWithColumns(2, field("Sensitivity", r.sensitivity), field("Learnt over", r.weeks)),
		field("A spike needs at least", container.NewBorder(nil, nil, nil, widget.NewLabel("visitors"), r.minVisitors)))
	r.fill(nil)
	return r
}

func weeksLabel(w int) string { return strconv.Itoa(w) + " weeks" }

// alertInput is one alert's row: the rule's kind, then its threshold or
// the note that stands for it.
func alertInput(kind *widget.Select, threshold *entry, note *widget.Label) fyne.CanvasObject {
	// Wide enough for the longer choice, which a Select would truncate.
	w := fyne.MeasureText(ruleNormal, theme.TextSize(), fyne.TextStyle{}).Width + 6*theme.Padding() + theme.IconInlineSize()
	sized := container.New(layout.NewGridWrapLayout(fyne.NewSize(w, kind.MinSize().Height)), kind)
	return container.NewBorder(nil, nil, sized, nil, container.NewStack(threshold, note))
}

// fill shows w's rules, or a new webhook's: fixed thresholds, and core's
// default settings for a rule relative to normal.
func (r *ruleInputs) fill(w *core.Webhook) {
	sens, minV, weeks := core.DefaultSensitivity, core.DefaultMinVisitors, core.DefaultBaselineWeeks
	r.spikeKind.SetSelected(ruleFixed)
	r.dropKind.SetSelected(ruleFixed)
	if w != nil {
		if w.SpikeAnomaly {
			r.spikeKind.SetSelected(ruleNormal)
		}
		if w.DropAnomaly {
			r.dropKind.SetSelected(ruleNormal)
		}
		if w.Sensitivity != "" {
			sens = w.Sensitivity
		}
		if w.MinVisitors > 0 {
			minV = w.MinVisitors
		}
		if w.BaselineWeeks > 0 {
			weeks = w.BaselineWeeks
		}
	}
	r.sensitivity.SetSelected(string(sens))
	r.minVisitors.SetText(strconv.Itoa(minV))
	r.weeks.SetSelected(weeksLabel(weeks))
}

// anomaly reports which alerts are relative to normal.
func (r *ruleInputs) anomaly() (spike, drop bool) {
	return r.spikeKind.Selected == ruleNormal, r.dropKind.Selected == ruleNormal
}

// sync shows each alert's threshold or its note, and enables the shared
// settings while either alert is relative to normal.
func (r *ruleInputs) sync(spikeAt, dropBelow *entry) {
	spike, drop := r.anomaly()
	for _, x := range []struct {
		on   bool
		e    *entry
		note *widget.Label
	}{{spike, spikeAt, r.spikeNote}, {drop, dropBelow, r.dropNote}} {
		if x.on {
			x.e.Hide()
			x.note.Show()
		} else {
			x.note.Hide()
			x.e.Show()
		}
	}
	for _, d := range []interface {
		Enable()
		Disable()
	}{r.sensitivity, r.minVisitors, r.weeks} {
		if spike || drop {
			d.Enable()
		} else {
			d.Disable()
		}
	}
}

// settingsOf reads the shared settings; core's validation checks them. A
// min_visitors that is not a number is its field's error.
func (r *ruleInputs) settingsOf() (core.Sensitivity, int, int, error) {
	sens := core.Sensitivity(r.sensitivity.Selected)
	weeks, _ := strconv.Atoi(strings.TrimSuffix(r.weeks.Selected, " weeks"))
	s := strings.TrimSpace(r.minVisitors.Text)
	if s == "" {
		return sens, 0, weeks, nil // core's default
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return sens, 0, weeks, core.FieldErrorf("min_visitors", "must be an integer between 1 and %d", core.MaxMinVisitors)
	}
	return sens, n, weeks, nil
}

// read sets the update's rules: an alert relative to normal replaces its
// threshold, and a fixed one turns its rule relative to normal off. The
// settings are read only while a rule uses them.
func (r *ruleInputs) read(upd *core.WebhookUpdate) error {
	spike, drop := r.anomaly()
	upd.SpikeAnomaly, upd.DropAnomaly = &spike, &drop
	if spike {
		upd.SpikeThreshold = nil
	}
	if drop {
		upd.DropThreshold = nil
	}
	if !spike && !drop {
		return nil
	}
	sens, minV, weeks, err := r.settingsOf()
	if err != nil {
		return err
	}
	upd.Sensitivity, upd.MinVisitors, upd.BaselineWeeks = &sens, &minV, &weeks
	return nil
}

// normalHint explains the shared settings in the form.
func normalHint() string {
	return fmt.Sprintf("For rules relative to normal: high fires most; %d–%d weeks of history", core.MinBaselineWeeks, core.MaxBaselineWeeks)
}

// watchRules follows a change of rule: the threshold or its note, the
// preview and the live backtest.
func (f *webhookForm) watchRules() {
	changed := func() {
		f.rules.sync(f.spikeAt, f.dropBelow)
		f.body.onChange()
		if f.live != nil {
			f.live.changed()
		}
	}
	for _, s := range []*widget.Select{f.rules.spikeKind, f.rules.dropKind, f.rules.sensitivity, f.rules.weeks} {
		s.OnChanged = func(string) { changed() }
	}
	f.rules.minVisitors.OnChanged = func(string) { changed() }
}

// shownText is e's text, or "" while it is hidden: a threshold typed
// before its alert became relative to normal is not read.
func shownText(e *entry) string {
	if !e.Visible() {
		return ""
	}
	return e.Text
}
