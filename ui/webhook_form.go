package ui

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// headerMask stands for a stored header value, which is never shown.
const headerMask = "••••••••"

// webhookForm is the add/edit webhook dialog.
type webhookForm struct {
	s    *webhooksScreen
	hook *core.Webhook // nil when adding

	url          *entry
	spike        *widget.Check
	drop         *widget.Check
	goal         *widget.Check
	spikeAt      *entry
	dropBelow    *entry
	goals        *widget.CheckGroup
	cooldown     *entry
	sendResolved *widget.Check
	format       *widget.Select
	digest       *entry
	headers      *entry
	allowPrivate *widget.Check
	body         *webhookBody
	rules        *ruleInputs

	fields checkedForm
	dlg    *formDialog
	live   *liveBacktest
}

func newWebhookForm(s *webhooksScreen, w *core.Webhook) *webhookForm {
	u := s.ui
	f := &webhookForm{s: s, hook: w,
		url:          u.newEntry("https://example.com/hooks/plausible"),
		spike:        &widget.Check{Text: string(core.EventSpike)},
		drop:         &widget.Check{Text: string(core.EventDrop)},
		goal:         &widget.Check{Text: string(core.EventGoal)},
		spikeAt:      u.newEntry("e.g. 200"),
		dropBelow:    u.newEntry("e.g. 50"),
		cooldown:     u.newEntry(shortDuration(core.DefaultCooldown)),
		sendResolved: &widget.Check{Text: "Also send *.resolved when an alert clears"},
		format:       &widget.Select{Options: formatOptions()},
		digest:       u.newEntry("0 (off)"),
		headers:      u.newMultiLineEntry("Authorization: Bearer …", 3),
		allowPrivate: &widget.Check{Text: "Allow private and loopback addresses"},
		rules:        newRuleInputs(u),
	}
	var names []string
	for _, g := range s.goals {
		names = append(names, g.Name())
	}
	f.goals = &widget.CheckGroup{Options: names}
	f.body = newWebhookBody(f)
	f.fill(w)
	f.format.OnChanged = f.onFormat
	f.watch()

	events := container.NewHBox(f.spike, f.drop, f.goal)
	var goalsInput fyne.CanvasObject = f.goals
	if len(names) == 0 {
		goalsInput = muted("This site has no goals yet (add them in the Goals tab).", "", fyne.TextAlignLeading, fyne.TextWrapOff)
	} else if len(names) > 4 {
		scroll := container.NewVScroll(f.goals)
		scroll.SetMinSize(fyne.NewSize(0, 140))
		goalsInput = scroll
	}
	private := container.NewVBox(f.allowPrivate, &widget.Label{
		Text:       "Lets this webhook reach private and loopback addresses such as LAN services;\nonly enable for endpoints you control.",
		Importance: widget.WarningImportance, SizeName: theme.SizeNameCaptionText,
	})

	f.live = newLiveBacktest(f)
	ff := &f.fields
	url := ff.add("URL", f.url, "http:// or https:// endpoint that receives the events", "url")
	ev := ff.add("Events", events, "", "events")
	spike := ff.add("Spike alert", container.NewVBox(alertInput(f.rules.spikeKind, f.spikeAt, f.rules.spikeNote), f.live.spike),
		"Fixed: traffic.spike when current visitors (5 min) reach the threshold", "spike_threshold", "spike_anomaly")
	drop := ff.add("Drop alert", container.NewVBox(alertInput(f.rules.dropKind, f.dropBelow, f.rules.dropNote), f.live.drop),
		"Fixed: traffic.drop when visitors over 12 h fall below the threshold", "drop_threshold", "drop_anomaly")
	normal := ff.add("Normal", f.rules.settings, normalHint(), "sensitivity", "min_visitors", "baseline_weeks")
	cool := ff.add("Cooldown", f.cooldown, "Least time between two alerts of one kind ("+core.CooldownRange.String()+")", "cooldown")
	res := ff.add("Resolved", f.sendResolved, "", "send_resolved")
	goals := ff.add("Goals", goalsInput, "None checked: every goal of the site", "goals")
	format := ff.add("Format", f.format, "standard is signed JSON; template is your own body; the rest post chat messages", "format")
	digest := ff.add("Goal digest", f.digest, "Gather goal completions per interval, e.g. 15m; 0 sends at once", "digest")
	headers := ff.add("Headers", f.headers, headersHint(w), "header", "headers")
	priv := ff.add("Private", private, "", "allow_private")

	left := ff.form(ev, spike, drop, normal, cool, res)
	right := ff.form(goals, format, digest, headers, priv)
	content := ff.box(ff.errorLabel(), ff.form(url), container.NewGridWithColumns(2, left, right), f.body.buildUI(ff))

	title, confirm := "Add webhook", "Add"
	if w != nil {
		title, confirm = "Edit webhook", "Save"
	}
	f.dlg = u.newFormDialog(title, confirm, content, 1040, f.onSubmit)
	f.dlg.submitOnEnter(f.url, f.spikeAt, f.dropBelow, f.rules.minVisitors, f.cooldown, f.digest, f.body.contentType)
	f.body.onChange()
	return f
}

func formatOptions() []string {
	out := make([]string, len(core.Formats))
	for i, fm := range core.Formats {
		out[i] = string(fm)
	}
	return out
}

// watch renders the preview again whenever an input it depends on changes.
func (f *webhookForm) watch() {
	changed := func(string) { f.body.onChange() }
	checked := func(bool) { f.body.onChange() }
	for _, c := range []*widget.Check{f.spike, f.drop, f.goal, f.sendResolved} {
		c.OnChanged = checked
	}
	for _, e := range []*entry{f.spikeAt, f.dropBelow, f.body.template, f.body.contentType} {
		e.OnChanged = changed
	}
	f.goals.OnChanged = func([]string) { f.body.onChange() }
	f.body.event.OnChanged = changed
	f.watchRules()
}

func headersHint(w *core.Webhook) string {
	if w != nil && len(w.Headers) > 0 {
		return "One 'Name: value' a line; " + headerMask + " keeps the stored value"
	}
	return "One 'Name: value' a line; values are kept secret"
}

// fill sets the inputs from w, or to a new webhook's defaults.
func (f *webhookForm) fill(w *core.Webhook) {
	f.body.fill(w)
	f.rules.fill(w)
	f.rules.sync(f.spikeAt, f.dropBelow)
	if w == nil {
		f.goal.SetChecked(true)
		f.format.SetSelected(string(core.FormatStandard))
		f.digest.SetText("0")
		f.cooldown.SetText(shortDuration(core.NewWebhookCooldown(f.s.cooldown)))
		return
	}
	f.url.SetText(w.DisplayURL()) // the form never shows a URL's secret
	f.spike.SetChecked(slices.Contains(w.Events, core.EventSpike))
	f.drop.SetChecked(slices.Contains(w.Events, core.EventDrop))
	f.goal.SetChecked(slices.Contains(w.Events, core.EventGoal))
	if w.SpikeThreshold > 0 {
		f.spikeAt.SetText(strconv.Itoa(w.SpikeThreshold))
	}
	if w.DropThreshold > 0 {
		f.dropBelow.SetText(strconv.Itoa(w.DropThreshold))
	}
	f.goals.SetSelected(w.Goals)
	f.cooldown.SetText(shortDuration(w.Cooldown))
	f.sendResolved.SetChecked(w.SendResolved)
	f.format.SetSelected(string(w.Format))
	f.digest.SetText(shortDuration(w.DigestInterval))
	var lines []string
	for _, name := range w.HeaderNames() {
		lines = append(lines, name+": "+headerMask)
	}
	f.headers.SetText(strings.Join(lines, "\n"))
	f.allowPrivate.SetChecked(w.AllowPrivate)
}

// onFormat gives the digest the new format's default (core.Format.NewDigest)
// unless the user chose an interval: off and a chat format's default, left
// from the format before, are no choice; nor is anything on a new webhook
// that does not parse, which stays for read to report.
func (f *webhookForm) onFormat(v string) {
	d, err := parseDuration("digest", f.digest.Text, "")
	chose := err != nil || (d != 0 && (d != core.DefaultChatDigest || f.hook != nil))
	if nd := core.Format(v).NewDigest(d, chose); !chose && nd != d {
		f.digest.SetText(shortDuration(nd))
	}
	if f.body != nil && f.body.editor != nil {
		f.body.onChange()
	}
}

func (f *webhookForm) show() {
	f.live.start()
	f.dlg.show()
	f.s.ui.win.Canvas().Focus(f.url)
}

// read parses the inputs into an update; a malformed number or duration is
// reported as a field error, like core's own rules.
func (f *webhookForm) read() (core.WebhookUpdate, error) {
	var upd core.WebhookUpdate
	// The format first: the preview needs it even when a later input is bad.
	format := core.Format(f.format.Selected)
	upd.Format = &format
	f.body.read(&upd, format)
	url := strings.TrimSpace(f.url.Text)
	if f.hook != nil {
		url = core.UnredactURL(url, f.hook.URL)
	}
	upd.URL = &url
	var events []core.EventType
	for _, c := range []*widget.Check{f.spike, f.drop, f.goal} {
		if c.Checked {
			events = append(events, core.EventType(c.Text))
		}
	}
	upd.Events = &events
	spike, err := parseThreshold("spike_threshold", shownText(f.spikeAt))
	if err != nil {
		return upd, err
	}
	upd.SpikeThreshold = &spike
	drop, err := parseThreshold("drop_threshold", shownText(f.dropBelow))
	if err != nil {
		return upd, err
	}
	upd.DropThreshold = &drop
	if err := f.rules.read(&upd); err != nil {
		return upd, err
	}
	goals := append([]string{}, f.goals.Selected...)
	upd.Goals = &goals
	cooldown, err := parseDuration("cooldown", f.cooldown.Text, "30m or 12h")
	if err != nil {
		return upd, err
	}
	upd.Cooldown = &cooldown
	resolved := f.sendResolved.Checked
	upd.SendResolved = &resolved
	digest, err := parseDuration("digest", f.digest.Text, "15m or 1h, or 0 for off")
	if err != nil {
		return upd, err
	}
	upd.DigestInterval = &digest
	var old map[string]string
	if f.hook != nil {
		old = f.hook.Headers
	}
	headers, err := parseHeaders(f.headers.Text, old)
	if err != nil {
		return upd, err
	}
	upd.Headers = &headers
	private := f.allowPrivate.Checked
	upd.AllowPrivate = &private
	return upd, nil
}

func parseThreshold(field, s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, core.FieldErrorf(field, "must be an integer ≥ 1")
	}
	return n, nil
}

// parseDuration reads a Go duration; empty, 0 and "off" are zero.
func parseDuration(field, s, example string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || s == "off" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, core.FieldErrorf(field, "must be a duration such as %s", example)
	}
	return d, nil
}

// parseHeaders reads 'Name: value' lines. A masked value keeps the stored
// value of that header, which the form never shows.
func parseHeaders(text string, stored map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for line := range strings.SplitSeq(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, err := core.ParseHeader(line)
		if err != nil {
			return nil, err
		}
		if value == headerMask {
			v, ok := stored[name]
			if !ok {
				return nil, core.FieldErrorf("header", "type the value of %s; %s only stands for a stored value", name, headerMask)
			}
			value = v
		}
		out[name] = value
	}
	return out, nil
}

// candidate is the webhook as the form describes it: the stored one (or a
// new one) with the inputs applied as far as they parse.
func (f *webhookForm) candidate() *core.Webhook {
	w, _, _ := f.build()
	return w
}

// build applies the inputs to a copy of the stored webhook, or to a new
// one; err is the first input that does not parse.
func (f *webhookForm) build() (*core.Webhook, core.WebhookUpdate, error) {
	upd, err := f.read()
	w := &core.Webhook{}
	if f.hook != nil {
		c := *f.hook
		w = &c
	} else {
		site := f.s.site
		w.SiteID, w.Site, w.Enabled, w.Secret = site.ID, site.Domain, true, core.GenerateSecret()
	}
	upd.Apply(w)
	return w, upd, err
}

func (f *webhookForm) onSubmit() {
	w, upd, err := f.build()
	if err == nil {
		err = w.Validate()
	}
	u := f.s.ui
	f.dlg.save(&f.fields, err, func(ctx context.Context) error {
		if f.hook == nil {
			return u.svc.Webhooks.CreateWebhook(ctx, w)
		}
		_, err := u.svc.Webhooks.UpdateWebhook(ctx, f.hook.ID, upd)
		return err
	}, func() {
		if f.hook == nil {
			f.s.selected = w.ID
			f.s.showSecret("Webhook added", w.DisplayURL(), w.Secret)
		}
		u.Refresh()
	})
}
