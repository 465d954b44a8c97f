package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/hookwatch/hookwatch/core"
)

// A spike alert relative to normal, chosen in the form, is saved as core
// has it; the edit form shows it, and switching back to a fixed threshold
// saves a threshold rule.
func TestWebhookFormRuleRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.site("example.com", 1)
	e.refresh()
	e.act(func() { e.ui.ShowScreen(ScreenWebhooks) })
	e.tap(e.ui.webhooks.add)
	f := e.ui.webhooks.form
	e.act(func() {
		test.Type(f.url, "https://hooks.example.com/a")
		test.Tap(f.spike)
		f.rules.spikeKind.SetSelected(ruleNormal)
		f.rules.sensitivity.SetSelected(string(core.SensitivityHigh))
	})
	if f.spikeAt.Visible() || !f.rules.spikeNote.Visible() {
		t.Errorf("threshold shown %v, note shown %v, want the note in its place", f.spikeAt.Visible(), f.rules.spikeNote.Visible())
	}

	// core's rule for min_visitors, beside its input.
	e.act(func() { f.rules.minVisitors.SetText("-3") })
	e.tap(f.dlg.confirm)
	if got := f.fields.errorText("min_visitors"); !strings.Contains(got, "between 1 and") {
		t.Fatalf("min_visitors error = %q", got)
	}
	e.act(func() { f.rules.minVisitors.SetText("") }) // core's default
	e.tap(f.dlg.confirm)
	ws := e.webhooks()
	if len(ws) != 1 {
		t.Fatalf("%d webhooks stored, want 1", len(ws))
	}
	w := ws[0]
	if w.SpikeRule() != core.RuleAnomaly || w.Sensitivity != core.SensitivityHigh || w.SpikeThreshold != 0 ||
		w.MinVisitors != core.DefaultMinVisitors || w.BaselineWeeks != core.DefaultBaselineWeeks {
		t.Fatalf("stored spike rule %q, sensitivity %q, threshold %d, min visitors %d, weeks %d",
			w.SpikeRule(), w.Sensitivity, w.SpikeThreshold, w.MinVisitors, w.BaselineWeeks)
	}

	// Editing shows the rule; back to a fixed threshold.
	e.act(func() { e.ui.ShowScreen(ScreenWebhooks) })
	e.ui.webhooks.table.Select(tableCell(0))
	e.tap(e.ui.webhooks.edit)
	f = e.ui.webhooks.form
	if f.rules.spikeKind.Selected != ruleNormal || f.rules.sensitivity.Selected != "high" || f.rules.weeks.Selected != weeksLabel(core.DefaultBaselineWeeks) {
		t.Fatalf("edit form shows %q, %q, %q", f.rules.spikeKind.Selected, f.rules.sensitivity.Selected, f.rules.weeks.Selected)
	}
	e.act(func() {
		f.rules.spikeKind.SetSelected(ruleFixed)
		test.Type(f.spikeAt, "150")
	})
	e.tap(f.dlg.confirm)
	got, err := e.svc.Webhooks.FindWebhookByID(context.Background(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SpikeRule() != core.RuleThreshold || got.SpikeThreshold != 150 || got.SpikeAnomaly {
		t.Fatalf("after switching back: rule %q, threshold %d, anomaly %v", got.SpikeRule(), got.SpikeThreshold, got.SpikeAnomaly)
	}
}

// The form's live backtest replays a rule relative to normal over the
// last 28 days, each moment against the weeks before it.
func TestWebhookFormLiveAnomaly(t *testing.T) {
	e := historyEnv(t, seedSteady(t))
	e.site("steady.example", steadySite)
	e.site("young.example", youngSite)
	e.refresh()
	e.chooseSite("steady.example")
	e.act(func() { e.ui.webhooks.onAdd() })
	f := e.ui.webhooks.form
	for _, tc := range []struct {
		do   func()
		want string
	}{
		// The burst of 34 is far above the normal 4 (up to 12 at medium).
		{func() { f.rules.spikeKind.SetSelected(ruleNormal) }, "Would have fired 1 time in the last 28 days, relative to normal."},
		{func() { f.rules.sensitivity.SetSelected("low") }, "Would have fired 1 time"},
		{func() { f.rules.minVisitors.SetText("40") }, "Would have fired 0 times"},
	} {
		e.act(tc.do)
		if !strings.HasPrefix(f.live.spike.Text, tc.want) {
			t.Errorf("spike line %q, want %q…", f.live.spike.Text, tc.want)
		}
	}

	e.act(func() { f.dlg.hide() })
	e.chooseSite("young.example")
	e.act(func() { e.ui.webhooks.onAdd() })
	f = e.ui.webhooks.form
	e.act(func() { f.rules.dropKind.SetSelected(ruleNormal) })
	if want := "sends nothing while learning (5 days of history)"; !strings.Contains(f.live.drop.Text, want) {
		t.Errorf("drop line of a young site %q, want …%q", f.live.drop.Text, want)
	}
}
