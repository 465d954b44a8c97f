package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// The defaults that apply while a setting is empty; the ranges the screen
// accepts are core's (core.PollIntervalRange, core.CooldownRange).
var defaultPollInterval = shortDuration(core.DefaultPollInterval)

// settingsScreen edits the settings stored in SQLite. The engine notices a
// change and applies it at its next poll.
type settingsScreen struct {
	ui   *UI
	page fyne.CanvasObject

	storedDSN string

	dsn      *entry
	poll     *entry
	cooldown *entry
	test     *widget.Button
	testing  *widget.Activity
	result   *widget.Label
	save     *widget.Button
	saved    *widget.Label
	fields   checkedForm
}

func (s *settingsScreen) buildUI() fyne.CanvasObject {
	u := s.ui
	s.dsn = u.newEntry(core.DefaultClickHouseDSN)
	s.poll = u.newEntry(defaultPollInterval)
	s.cooldown = u.newEntry(shortDuration(core.DefaultCooldown))
	for _, e := range []*entry{s.dsn, s.poll, s.cooldown} {
		e.OnSubmitted = func(string) { s.onSave() }
	}
	s.testing = widget.NewActivity()
	s.testing.Hide()
	s.test = &widget.Button{Text: "Test connection", Icon: theme.MediaPlayIcon(), OnTapped: s.onTest}
	if u.svc.TestConnection == nil {
		s.test.Disable()
	}
	s.result = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	s.result.Hide()
	s.save = &widget.Button{Text: "Save", Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: s.onSave}
	s.saved = &widget.Label{Importance: widget.SuccessImportance}

	dsnRow := container.NewBorder(nil, nil, nil, container.NewHBox(s.testing, s.test), s.dsn)
	ff := &s.fields
	dsn := ff.add("ClickHouse DSN", ff.box(dsnRow, s.result), "Plausible's ClickHouse, native protocol (port 9000); empty: the default above", core.SettingClickHouseDSN)
	poll := ff.add("Poll interval", s.poll, "How often to read ClickHouse, "+core.PollIntervalRange.String()+"; empty: "+defaultPollInterval, core.SettingPollInterval)
	cool := ff.add("Default cooldown", s.cooldown, "Cooldown that new webhooks start with, "+core.CooldownRange.String()+"; empty: "+shortDuration(core.DefaultCooldown), core.SettingCooldown)

	back := &widget.Button{Text: "Back", Icon: theme.NavigateBackIcon(), OnTapped: func() { u.ShowScreen(u.currentTab()) }}
	title := &widget.Label{Text: "Settings", TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText}
	note := &widget.Label{Text: "Settings are stored in the database; the engine applies them at its next poll. A flag or environment variable overrides them."}
	info := &widget.Form{}
	info.Append("Database", &widget.Label{Text: u.svc.DBPath, Selectable: true, Truncation: fyne.TextTruncateEllipsis})
	if u.svc.ClickHouseInUse != "" {
		// A flag or HOOKWATCH_CLICKHOUSE beats the stored DSN; say which
		// server this run reads, so an edit above that seems ignored isn't.
		info.Append("ClickHouse in use", &widget.Label{Text: u.svc.ClickHouseInUse, Selectable: true, Truncation: fyne.TextTruncateEllipsis})
	}
	info.Append("Version", &widget.Label{Text: u.svc.Version})

	form := ff.box(ff.errorLabel(), ff.form(dsn, poll, cool),
		container.NewHBox(layout.NewSpacer(), s.saved, s.save), widget.NewSeparator(), note, info)
	return container.NewBorder(container.NewHBox(back, title), nil, nil, nil,
		container.NewVScroll(container.NewPadded(container.New(&maxWidth{w: 900}, form))))
}

// currentTab names the selected tab of the site view.
func (u *UI) currentTab() string {
	return []string{ScreenWebhooks, ScreenGoals, ScreenDeliveries, ScreenTraffic}[max(0, u.tabs.SelectedIndex())]
}

// load reads the stored settings in the background and fills the form.
func (s *settingsScreen) load() {
	var dsn, poll, cool string
	s.ui.run(func(ctx context.Context) error {
		var err error
		if dsn, _, err = s.ui.svc.Settings.Setting(ctx, core.SettingClickHouseDSN); err != nil {
			return err
		}
		if poll, _, err = s.ui.svc.Settings.Setting(ctx, core.SettingPollInterval); err != nil {
			return err
		}
		cool, _, err = s.ui.svc.Settings.Setting(ctx, core.SettingCooldown)
		return err
	}, func(err error) {
		if err != nil {
			s.fields.show(err)
			return
		}
		s.storedDSN = dsn
		s.dsn.SetText(core.RedactDSN(dsn))
		s.poll.SetText(poll)
		s.cooldown.SetText(cool)
		s.saved.SetText("")
	})
}

// dsnValue is the DSN the entry stands for (core.UnredactDSN): the stored
// one while its redacted form is unchanged. The DSN's shape is checked,
// empty for the default; whether it connects is for Test connection to say.
func (s *settingsScreen) dsnValue() (string, error) {
	dsn, err := core.UnredactDSN(s.dsn.Text, s.storedDSN)
	if err != nil || dsn == "" {
		return dsn, err
	}
	return dsn, core.ValidateClickHouseDSN(dsn)
}

func (s *settingsScreen) onSave() {
	s.saved.SetText("")
	dsn, err := s.dsnValue()
	poll := strings.TrimSpace(s.poll.Text)
	cool := strings.TrimSpace(s.cooldown.Text)
	if err == nil {
		_, err = core.ValidateSetting(core.SettingPollInterval, poll)
	}
	if err == nil {
		_, err = core.ValidateSetting(core.SettingCooldown, cool)
	}
	if err != nil {
		s.fields.show(err)
		return
	}
	s.fields.clear()
	s.save.Disable()
	s.ui.run(func(ctx context.Context) error {
		for _, kv := range [][2]string{{core.SettingClickHouseDSN, dsn}, {core.SettingPollInterval, poll}, {core.SettingCooldown, cool}} {
			if err := s.ui.svc.Settings.SetSetting(ctx, kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	}, func(err error) {
		s.save.Enable()
		if err != nil {
			s.fields.show(err)
			return
		}
		s.storedDSN = dsn
		s.dsn.SetText(core.RedactDSN(dsn))
		s.saved.SetText("Saved; applies at the next poll.")
		s.ui.Refresh()
	})
}

func (s *settingsScreen) onTest() {
	dsn, err := s.dsnValue()
	if err != nil {
		s.fields.show(err)
		return
	}
	if dsn == "" {
		dsn = core.DefaultClickHouseDSN
	}
	s.fields.clear()
	s.test.Disable()
	s.testing.Show()
	s.testing.Start()
	s.result.Importance = widget.MediumImportance
	s.result.SetText("Connecting…")
	s.result.Show()
	s.fields.relayout()
	var version string
	s.ui.run(func(ctx context.Context) (err error) {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		version, err = s.ui.svc.TestConnection(ctx, dsn)
		return err
	}, func(err error) {
		s.testing.Stop()
		s.testing.Hide()
		s.test.Enable()
		if err != nil {
			s.result.Importance = widget.DangerImportance
			s.result.SetText("✗ " + core.ErrorMessage(err))
			return
		}
		s.result.Importance = widget.SuccessImportance
		s.result.SetText("✓ Connected: ClickHouse " + version)
	})
}

// maxWidth lays its objects out stacked, no wider than w, so that a form
// does not stretch across a wide window.
type maxWidth struct{ w float32 }

func (l *maxWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

func (l *maxWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := max(min(size.Width, l.w), l.MinSize(objs).Width)
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(fyne.NewSize(w, size.Height))
	}
}
