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

// Choices of the connect form's toggle.
const (
	modeFields = "Separate fields"
	modeDSN    = "One DSN"
)

// connectTimeout bounds a connection test, so that a server that drops
// packets gives an answer the user can read.
const connectTimeout = 15 * time.Second

// connectScreen is the first run's "Connect to Plausible's ClickHouse"
// form: host, port, database, user, password and TLS, or one DSN.
type connectScreen struct {
	ui          *UI
	onConnected func()
	page        fyne.CanvasObject

	mode                 *widget.RadioGroup
	host, port, database *entry
	user, password, dsn  *entry
	tls                  *widget.Check
	byFields, byDSN      *widget.Form
	fields               checkedForm

	testing *widget.Activity
	result  *widget.Label
	test    *widget.Button
	save    *widget.Button
	help    *widget.Button
	// helpText is the last "How do I get access?" dialog's text, for tests.
	helpText *widget.RichText

	loaded  bool // the form holds the DSN in use, or the user's input
	filling bool // load is reading the DSN in use
	// onFilled, if set, runs once load has filled the form.
	onFilled func(core.ClickHouseAddress)
	// lastMode is the toggle's choice before the current one, to go back
	// to when a DSN cannot be split into fields.
	lastMode string
}

func (s *connectScreen) buildUI() fyne.CanvasObject {
	u := s.ui
	s.host, s.port = u.newEntry("127.0.0.1"), u.newEntry(core.ClickHousePort)
	s.database, s.user = u.newEntry(core.DefaultClickHouseDatabase), u.newEntry("default")
	s.password = u.newEntry("")
	s.password.Password = true
	s.dsn = u.newEntry("clickhouse://hookwatch:password@127.0.0.1:9000/" + core.DefaultClickHouseDatabase)
	s.tls = &widget.Check{Text: "TLS (secure=true; port " + core.ClickHouseTLSPort + " unless given)"}
	for _, e := range []*entry{s.host, s.port, s.database, s.user, s.password, s.dsn} {
		e.OnSubmitted = func(string) { s.onSave() }
	}
	ff := &s.fields
	s.byFields = ff.form(
		ff.add("Host", s.host, "Where Plausible's ClickHouse listens", "host"),
		ff.add("Port", s.port, "Native protocol: "+core.ClickHousePort+", or "+core.ClickHouseTLSPort+" with TLS; empty: the default", "port"),
		ff.add("Database", s.database, "Plausible keeps its events in "+core.DefaultClickHouseDatabase, "database"),
		ff.add("User", s.user, "A read-only user is enough; empty: default", "user"),
		ff.add("Password", s.password, "", "password"),
		ff.add("", s.tls, ""),
	)
	s.byDSN = ff.form(ff.add("DSN", s.dsn, "clickhouse://user:password@host:9000/database, ?secure=true for TLS",
		core.SettingClickHouseDSN, "clickhouse"))
	s.byDSN.Hide()
	s.mode = widget.NewRadioGroup([]string{modeFields, modeDSN}, s.onMode)
	s.mode.Horizontal = true
	s.mode.Required = true
	s.mode.SetSelected(modeFields)

	s.testing = widget.NewActivity()
	s.testing.Hide()
	s.result = &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
	s.result.Hide()
	s.test = &widget.Button{Text: "Test connection", Icon: theme.MediaPlayIcon(), OnTapped: s.onTest}
	s.save = &widget.Button{Text: "Save and continue", Icon: theme.NavigateNextIcon(), Importance: widget.HighImportance, OnTapped: s.onSave}
	s.help = &widget.Button{Text: "How do I get access?", Icon: theme.HelpIcon(), Importance: widget.LowImportance, OnTapped: s.onHelp}

	title := &widget.Label{Text: "Connect to Plausible's ClickHouse", TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText}
	intro := &widget.Label{Wrapping: fyne.TextWrapWord, Text: "hookwatch reads the visits and goal completions that Plausible stores in its ClickHouse. " +
		"It only reads, and a read-only user is enough. The connection is saved in hookwatch's database."}
	buttons := container.NewHBox(s.help, layout.NewSpacer(), s.testing, s.test, s.save)
	form := ff.box(title, intro, s.mode, ff.errorLabel(), s.byFields, s.byDSN, s.result, buttons)
	s.page = container.NewVScroll(container.NewPadded(container.NewCenter(container.New(&fixedWidth{w: 640}, form))))
	return s.page
}

// load fills the form once with the DSN this run reads, less its password,
// which the user types.
func (s *connectScreen) load() {
	if s.loaded || s.filling {
		return
	}
	s.filling = true
	var dsn string
	s.ui.run(func(ctx context.Context) error {
		dsn, _ = s.ui.svc.ClickHouse.CurrentClickHouse(ctx)
		return nil
	}, func(error) {
		s.filling = false
		if s.loaded {
			return // the user typed meanwhile
		}
		s.loaded = true
		a, err := core.ParseClickHouseDSN(dsn)
		if err != nil {
			// Several hosts, say: only the DSN field holds them. Its
			// password is the user's to type again.
			s.mode.SetSelected(modeDSN)
			s.dsn.SetText(core.RedactDSN(dsn))
		} else {
			pw := a.Password
			a.Password = ""
			s.setAddress(a)
			s.dsn.SetText(a.DSN())
			a.Password = pw
		}
		if then := s.onFilled; then != nil {
			s.onFilled = nil
			then(a)
		}
	})
}

// loadAndTest fills the form with the DSN this run reads, password and all,
// and tests it: ShowScreen's example of a working connection.
func (s *connectScreen) loadAndTest() {
	s.loaded = false
	s.onFilled = func(a core.ClickHouseAddress) {
		s.password.SetText(a.Password)
		s.onTest()
	}
	s.load()
}

func (s *connectScreen) setAddress(a core.ClickHouseAddress) {
	s.host.SetText(a.Host)
	s.port.SetText(a.Port)
	s.database.SetText(a.Database)
	s.user.SetText(a.User)
	s.password.SetText(a.Password)
	s.tls.SetChecked(a.TLS)
}

func (s *connectScreen) address() core.ClickHouseAddress {
	a := core.ClickHouseAddress{Host: strings.TrimSpace(s.host.Text), Port: strings.TrimSpace(s.port.Text),
		Database: strings.TrimSpace(s.database.Text), User: strings.TrimSpace(s.user.Text), Password: s.password.Text, TLS: s.tls.Checked}
	// Parameters such as dial_timeout, typed in the DSN field, survive a
	// switch to the fields and back.
	if p, err := core.ParseClickHouseDSN(s.dsn.Text); err == nil {
		a.Params = p.Params
	}
	return a
}

// value is the DSN the form stands for, or the rule its input breaks.
func (s *connectScreen) value() (string, error) {
	s.loaded = true
	if s.mode.Selected == modeDSN {
		dsn := strings.TrimSpace(s.dsn.Text)
		if dsn == "" {
			return "", core.FieldErrorf(core.SettingClickHouseDSN, "is required, such as %s", s.dsn.PlaceHolder)
		}
		return dsn, nil
	}
	a := s.address()
	if err := a.Validate(); err != nil {
		return "", err
	}
	return a.DSN(), nil
}

// onMode carries what was typed over to the other way of typing it.
func (s *connectScreen) onMode(mode string) {
	if s.byDSN == nil || mode == s.lastMode {
		return
	}
	s.fields.clear()
	switch mode {
	case modeDSN:
		if s.host.Text != "" {
			s.dsn.SetText(s.address().DSN())
		}
		s.byFields.Hide()
		s.byDSN.Show()
	case modeFields:
		if strings.TrimSpace(s.dsn.Text) != "" {
			a, err := core.ParseClickHouseDSN(s.dsn.Text)
			if err != nil {
				s.fields.show(err)
				s.mode.SetSelected(modeDSN)
				return
			}
			s.setAddress(a)
		}
		s.byDSN.Hide()
		s.byFields.Show()
	}
	s.lastMode = mode
	s.fields.relayout()
}

// busy shows the spinner and disables the buttons while a check runs.
func (s *connectScreen) busy(b bool, msg string) {
	if b {
		s.test.Disable()
		s.save.Disable()
		s.testing.Show()
		s.testing.Start()
		s.showResult(widget.MediumImportance, msg)
		return
	}
	s.testing.Stop()
	s.testing.Hide()
	s.test.Enable()
	s.save.Enable()
}

func (s *connectScreen) showResult(imp widget.Importance, text string) {
	s.result.Importance = imp
	s.result.SetText(text)
	s.result.Show()
	s.fields.relayout()
}

// check tests dsn in the background, then calls done with the server's
// version, or shows why it failed.
func (s *connectScreen) check(dsn string, then func(ctx context.Context) error, done func(version string)) {
	c := s.ui.svc.ClickHouse
	s.fields.clear()
	s.busy(true, "Connecting to "+core.RedactDSN(dsn)+" …")
	var version string
	s.ui.run(func(ctx context.Context) (err error) {
		tctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		if version, err = c.TestClickHouse(tctx, dsn); err != nil || then == nil {
			return err
		}
		return then(ctx)
	}, func(err error) {
		s.busy(false, "")
		if err != nil {
			// A refusal of the DSN's shape goes beside the field;
			// the server's answer goes in the result line.
			if core.ErrorField(err) != "" && s.fields.show(err) != nil {
				s.result.Hide()
				s.fields.relayout()
				return
			}
			s.showResult(widget.DangerImportance, "✗ "+core.ErrorMessage(err))
			return
		}
		done(version)
	})
}

func (s *connectScreen) onTest() {
	dsn, err := s.value()
	if err != nil {
		s.fields.show(err)
		return
	}
	s.check(dsn, nil, func(version string) {
		s.showResult(widget.SuccessImportance, "✓ Connected: ClickHouse "+version+" at "+core.RedactDSN(dsn))
	})
}

// onSave tests the connection and saves it only if it answers, so that the
// first run never moves on with a connection that does not work.
func (s *connectScreen) onSave() {
	dsn, err := s.value()
	if err != nil {
		s.fields.show(err)
		return
	}
	save := func(ctx context.Context) error { return s.ui.svc.ClickHouse.SaveClickHouseDSN(ctx, dsn) }
	s.check(dsn, save, func(version string) {
		s.showResult(widget.SuccessImportance, "✓ Saved: ClickHouse "+version+" at "+core.RedactDSN(dsn))
		if s.onConnected != nil {
			s.onConnected()
		}
	})
}
