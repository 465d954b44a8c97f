package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/hookwatch/hookwatch/core"
)

func TestWebhookForm(t *testing.T) {
	t.Run("shows the broken rule beside the URL and saves only a valid webhook", func(t *testing.T) {
		e := newEnv(t)
		e.site("example.com", 1)
		e.refresh()
		e.act(func() { e.ui.ShowScreen(ScreenWebhooks) })

		e.tap(e.ui.webhooks.add)
		f := e.ui.webhooks.form
		test.Type(f.url, "ftp://x")
		e.tap(f.dlg.confirm)
		if got := f.fields.errorText("url"); !strings.Contains(got, `must use http or https, not "ftp"`) {
			t.Fatalf("url error = %q, want the scheme rule", got)
		}
		if n := len(e.webhooks()); n != 0 {
			t.Fatalf("%d webhooks stored after an invalid submit, want 0", n)
		}
		if !e.dialogOpen() || f.url.Text != "ftp://x" {
			t.Fatalf("dialog open %v with url %q, want it open with the input kept", e.dialogOpen(), f.url.Text)
		}

		// A loopback receiver needs allow-private; core says so, beside the URL.
		f.url.SetText("http://127.0.0.1:9/hook")
		e.enter(f.url)
		if got := f.fields.errorText("url"); !strings.Contains(got, "loopback") || !strings.Contains(got, "allow_private") {
			t.Fatalf("url error = %q, want the private-address rule", got)
		}
		test.Type(f.spikeAt, "many")
		e.enter(f.url)
		if got := f.fields.errorText("spike_threshold"); !strings.Contains(got, "integer") {
			t.Fatalf("spike_threshold error = %q", got)
		}
		if got := f.fields.errorText("url"); got != "" {
			t.Fatalf("url still shows %q after the field at fault moved", got)
		}

		f.spikeAt.SetText("200")
		test.Tap(f.spike)
		test.Tap(f.allowPrivate)
		f.headers.SetText("Authorization: Bearer s3cret")
		e.enter(f.url)

		ws := e.webhooks()
		if len(ws) != 1 {
			t.Fatalf("%d webhooks stored, want 1", len(ws))
		}
		w := ws[0]
		if w.URL != "http://127.0.0.1:9/hook" || w.SpikeThreshold != 200 || !w.AllowPrivate || w.Headers["Authorization"] != "Bearer s3cret" {
			t.Fatalf("stored %+v", w)
		}
		if got := cell(e.ui.webhooks.table, 0, 0); got != w.URL {
			t.Fatalf("table shows URL %q, want %q", got, w.URL)
		}
		sd := e.ui.webhooks.secret
		if sd == nil || !strings.HasPrefix(sd.secret.Text, core.SecretPrefix) || sd.secret.Text != w.Secret {
			t.Fatalf("secret dialog does not show the stored whsec_ secret")
		}
		test.Tap(sd.copy)
		if got := e.ui.app.Clipboard().Content(); got != w.Secret {
			t.Fatalf("clipboard = %q, want the secret", got)
		}
	})

	t.Run("edits keep stored header values behind the mask", func(t *testing.T) {
		e := newEnv(t)
		site := e.site("example.com", 1)
		w := e.webhook(site, "https://hooks.example.com/a")
		if _, err := e.svc.Webhooks.UpdateWebhook(context.Background(), w.ID, core.WebhookUpdate{Headers: &map[string]string{"X-Token": "t0ken"}}); err != nil {
			t.Fatal(err)
		}
		e.refresh()
		e.ui.webhooks.table.Select(tableCell(0))
		e.tap(e.ui.webhooks.edit)
		f := e.ui.webhooks.form
		if f.headers.Text != "X-Token: "+headerMask {
			t.Fatalf("headers entry shows %q, want the name with a masked value", f.headers.Text)
		}
		f.headers.SetText(f.headers.Text + "\nX-Extra: 1")
		f.url.SetText("https://hooks.example.com/b")
		e.tap(f.dlg.confirm)
		got, err := e.svc.Webhooks.FindWebhookByID(context.Background(), w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.URL != "https://hooks.example.com/b" || got.Headers["X-Token"] != "t0ken" || got.Headers["X-Extra"] != "1" {
			t.Fatalf("after edit: url %q headers %v", got.URL, got.Headers)
		}
		if e.dialogOpen() {
			t.Fatal("edit dialog still open after a valid save")
		}
	})

	t.Run("a chat format starts with a 15m goal digest", func(t *testing.T) {
		e := newEnv(t)
		e.site("example.com", 1)
		e.refresh()
		e.tap(e.ui.webhooks.add)
		f := e.ui.webhooks.form
		test.Type(f.url, "https://hooks.slack.com/services/T0/B0/x")
		f.format.SetSelected(string(core.FormatSlack))
		if f.digest.Text != "15m" {
			t.Fatalf("digest = %q after choosing slack, want 15m", f.digest.Text)
		}
		f.format.SetSelected(string(core.FormatStandard))
		if f.digest.Text != "0" {
			t.Fatalf("digest = %q after going back to standard, want 0", f.digest.Text)
		}
		f.format.SetSelected(string(core.FormatDiscord))
		f.digest.SetText("30m")
		f.format.SetSelected(string(core.FormatSlack))
		if f.digest.Text != "30m" {
			t.Fatalf("digest = %q after choosing 30m and another chat format, want 30m kept", f.digest.Text)
		}
		f.digest.SetText("15m")
		e.enter(f.url)
		ws := e.webhooks()
		if len(ws) != 1 || ws[0].Format != core.FormatSlack || ws[0].DigestInterval != 15*time.Minute {
			t.Fatalf("stored %d webhooks: %+v", len(ws), ws)
		}
	})

	t.Run("a new webhook starts with the default_cooldown setting, else 12h", func(t *testing.T) {
		e := newEnv(t)
		e.site("example.com", 1)
		e.refresh()
		e.tap(e.ui.webhooks.add)
		if got := e.ui.webhooks.form.cooldown.Text; got != "12h" {
			t.Fatalf("cooldown = %q with no setting, want 12h", got)
		}
		e.tap(e.ui.webhooks.form.dlg.cancel)
		if err := e.svc.Settings.SetSetting(context.Background(), core.SettingCooldown, "6h"); err != nil {
			t.Fatal(err)
		}
		e.refresh()
		e.tap(e.ui.webhooks.add)
		f := e.ui.webhooks.form
		if f.cooldown.Text != "6h" {
			t.Fatalf("cooldown = %q with default_cooldown 6h, want 6h", f.cooldown.Text)
		}
		test.Type(f.url, "https://hooks.example.com/x")
		e.enter(f.url)
		if ws := e.webhooks(); len(ws) != 1 || ws[0].Cooldown != 6*time.Hour {
			t.Fatalf("stored %+v, want one webhook with a 6h cooldown", ws)
		}
	})

	t.Run("a template previews live, shows its error inline and saves only when it renders", func(t *testing.T) {
		e := newEnv(t)
		e.site("example.com", 1)
		e.refresh()
		e.tap(e.ui.webhooks.add)
		f := e.ui.webhooks.form
		test.Type(f.url, "https://hooks.example.com/x")
		if f.body.editor.Visible() {
			t.Fatal("the template editor shows for the standard format")
		}
		if !strings.Contains(f.body.preview.Text, `"type": "goal.completed"`) {
			t.Fatalf("preview of a standard goal webhook = %q", f.body.preview.Text)
		}
		e.act(func() { f.format.SetSelected(string(core.FormatTemplate)) })
		if !f.body.editor.Visible() || f.body.contentType.Text != core.DefaultContentType {
			t.Fatalf("template editor visible %v with content type %q", f.body.editor.Visible(), f.body.contentType.Text)
		}
		e.act(func() { f.body.template.SetText("{\"text\": {{json .data.gaol.name}}}") })
		if got := f.body.problem.Text; !f.body.problem.Visible() || !strings.Contains(got, `goal.completed: line 1, column 22: at <.data.gaol.name>: map has no entry for key "gaol"`) {
			t.Fatalf("preview problem = %q (visible %v)", got, f.body.problem.Visible())
		}
		e.tap(f.dlg.confirm)
		if got := f.fields.errorText("template"); !strings.Contains(got, "line 1, column 22") {
			t.Fatalf("template error on save = %q", got)
		}
		if n := len(e.webhooks()); n != 0 {
			t.Fatalf("%d webhooks stored with a failing template", n)
		}
		e.act(func() {
			f.body.template.SetText(`{"text": {{json (sentence .)}}}`)
			f.body.event.SetSelected(string(core.EventTest))
		})
		if f.body.problem.Visible() || !strings.Contains(f.body.preview.Text, `"text": "example.com: test message from hookwatch`) {
			t.Fatalf("preview of webhook.test = %q (problem %q)", f.body.preview.Text, f.body.problem.Text)
		}
		e.tap(f.dlg.confirm)
		ws := e.webhooks()
		if len(ws) != 1 || ws[0].Format != core.FormatTemplate || ws[0].Template != `{"text": {{json (sentence .)}}}` || ws[0].ContentType() != "application/json" {
			t.Fatalf("stored %+v", ws)
		}
	})

	t.Run("edits keep a Teams URL's sig hidden and stored", func(t *testing.T) {
		e := newEnv(t)
		site := e.site("example.com", 1)
		const url = "https://prod-1.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?api-version=1&sv=1.0&sig=SECRETSIG"
		w := e.webhook(site, url)
		e.refresh()
		if got := cell(e.ui.webhooks.table, 0, 0); strings.Contains(got, "SECRETSIG") {
			t.Fatalf("table shows the sig: %q", got)
		}
		e.ui.webhooks.table.Select(tableCell(0))
		e.tap(e.ui.webhooks.edit)
		f := e.ui.webhooks.form
		if strings.Contains(f.url.Text, "SECRETSIG") || !strings.Contains(f.url.Text, "sig=[hidden]") {
			t.Fatalf("URL entry shows %q", f.url.Text)
		}
		e.act(func() { f.format.SetSelected(string(core.FormatTeams)) })
		e.tap(f.dlg.confirm)
		got, _ := e.svc.Webhooks.FindWebhookByID(context.Background(), w.ID)
		if got.URL != url || got.Format != core.FormatTeams {
			t.Fatalf("after edit: url %q format %s", got.URL, got.Format)
		}
	})

	t.Run("Esc closes the dialog without saving", func(t *testing.T) {
		e := newEnv(t)
		e.site("example.com", 1)
		e.refresh()
		e.tap(e.ui.webhooks.add)
		test.Type(e.ui.webhooks.form.url, "https://hooks.example.com/x")
		e.ui.webhooks.form.url.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if e.dialogOpen() {
			t.Fatal("dialog still open after Esc")
		}
		if n := len(e.webhooks()); n != 0 {
			t.Fatalf("%d webhooks stored after Esc", n)
		}
	})
}

func TestSendTest(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t, 202, `{"ok":true}`)
	site := e.site("example.com", 1)
	e.webhook(site, rcv.URL+"/hook")
	e.refresh()

	e.ui.webhooks.table.Select(tableCell(0))
	e.tap(e.ui.webhooks.test)

	r := e.ui.webhooks.testResult
	if r == nil || !e.dialogOpen() {
		t.Fatal("no result dialog after Send test")
	}
	if r.status.Text != "202 Accepted" || !r.ok {
		t.Fatalf("result shows status %q (ok %v), want 202 Accepted", r.status.Text, r.ok)
	}
	if !strings.Contains(r.body.Text, `"ok": true`) {
		t.Fatalf("result shows body %q, want the receiver's answer", r.body.Text)
	}
	reqs := rcv.requests()
	if len(reqs) != 1 || reqs[0].Header.Get("webhook-signature") == "" {
		t.Fatalf("receiver got %d signed requests, want 1", len(reqs))
	}
	if got := cell(e.ui.webhooks.table, 0, 3); !strings.HasPrefix(got, "succeeded") {
		t.Fatalf("last delivery column = %q, want succeeded", got)
	}
}

func TestSendTestReportsTheError(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t, 200, "")
	url := rcv.URL + "/hook"
	rcv.Close() // nothing listens: the attempt gets no answer
	site := e.site("example.com", 1)
	e.webhook(site, url)
	e.refresh()
	e.ui.webhooks.table.Select(tableCell(0))
	e.tap(e.ui.webhooks.test)
	r := e.ui.webhooks.testResult
	if r == nil || r.ok || r.status.Text != "no answer" {
		t.Fatalf("result = %+v, want a failure with no answer", r)
	}
}

func TestToggleWebhook(t *testing.T) {
	e := newEnv(t)
	site := e.site("example.com", 1)
	w := e.webhook(site, "https://hooks.example.com/a")
	e.refresh()
	s := e.ui.webhooks
	s.table.Select(tableCell(0))

	e.tap(s.toggle)
	got, _ := e.svc.Webhooks.FindWebhookByID(context.Background(), w.ID)
	if got.Enabled {
		t.Fatal("webhook still enabled in the store after Disable")
	}
	if c := cell(s.table, 0, 2); c != "Disabled" || s.toggle.Text != "Enable" {
		t.Fatalf("status %q, button %q; want Disabled and Enable", c, s.toggle.Text)
	}

	e.tap(s.toggle)
	got, _ = e.svc.Webhooks.FindWebhookByID(context.Background(), w.ID)
	if !got.Enabled || cell(s.table, 0, 2) != "Enabled" {
		t.Fatalf("enabled %v, status %q after Enable", got.Enabled, cell(s.table, 0, 2))
	}
	if e.wakes.Load() != 1 {
		t.Fatalf("engine woken %d times, want once on enable", e.wakes.Load())
	}
}

func TestDisabledWebhookShowsWhyAndNotifies(t *testing.T) {
	e := newEnv(t)
	site := e.site("example.com", 1)
	w := e.webhook(site, "https://hooks.example.com/a")
	e.refresh()
	reason := "endpoint answered 410 Gone at 2026-01-01T00:00:00Z"
	e.assertNotification(&fyne.Notification{
		Title:   "hookwatch: webhook disabled",
		Content: "https://hooks.example.com/a (example.com) was disabled: " + reason,
	}, func() {
		if _, err := e.svc.Webhooks.SetWebhookEnabled(context.Background(), w.ID, false, reason); err != nil {
			t.Fatal(err)
		}
		e.refresh()
	})
	if got := cell(e.ui.webhooks.table, 0, 2); got != "Disabled: "+reason {
		t.Fatalf("status column = %q", got)
	}
	// Once per occurrence: the next refresh says nothing.
	e.assertNotification(nil, e.refresh)
}

func TestRotateSecret(t *testing.T) {
	e := newEnv(t)
	site := e.site("example.com", 1)
	w := e.webhook(site, "https://hooks.example.com/a")
	e.refresh()
	e.ui.webhooks.table.Select(tableCell(0))
	e.tap(e.ui.webhooks.rotate)
	e.confirm("Rotate")
	got, _ := e.svc.Webhooks.FindWebhookByID(context.Background(), w.ID)
	if got.Secret == w.Secret || got.PrevSecret != w.Secret {
		t.Fatal("secret not rotated with the old one kept signing")
	}
	if e.ui.webhooks.secret.secret.Text != got.Secret {
		t.Fatal("the new secret is not the one shown")
	}
}
