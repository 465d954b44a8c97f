package core_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

func validWebhook() *core.Webhook {
	return &core.Webhook{SiteID: 1, URL: "https://hooks.example.com/in", Secret: core.GenerateSecret(),
		Events: []core.EventType{core.EventGoal}}
}

func TestWebhookValidate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(w *core.Webhook)
		field     string
		wantInMsg string
	}{
		{"accepts a plain https webhook", func(*core.Webhook) {}, "", ""},
		{"accepts a private URL with allow_private", func(w *core.Webhook) { w.URL = "http://192.168.1.5:8123/api/webhook/x"; w.AllowPrivate = true }, "", ""},
		{"refuses ftp", func(w *core.Webhook) { w.URL = "ftp://x" }, "url", "http or https"},
		{"refuses a relative URL", func(w *core.Webhook) { w.URL = "/hook" }, "url", "http or https"},
		{"refuses a URL without host", func(w *core.Webhook) { w.URL = "http:///x" }, "url", "with a host"},
		{"refuses userinfo", func(w *core.Webhook) { w.URL = "https://user@example.com/" }, "url", "user name or password"},
		{"refuses a URL over 2048 characters", func(w *core.Webhook) { w.URL = "https://example.com/" + strings.Repeat("a", 2048) }, "url", "at most 2048"},
		{"refuses loopback without allow_private", func(w *core.Webhook) { w.URL = "http://127.0.0.1:8080/" }, "url", "loopback"},
		{"refuses an IPv4-mapped loopback", func(w *core.Webhook) { w.URL = "http://[::ffff:127.0.0.1]/" }, "url", "loopback"},
		{"refuses a negative spike threshold", func(w *core.Webhook) { w.SpikeThreshold = -1 }, "spike_threshold", "≥ 1"},
		{"refuses spike without threshold", func(w *core.Webhook) { w.Events = []core.EventType{core.EventSpike} }, "spike_threshold", "required"},
		{"refuses drop without threshold", func(w *core.Webhook) { w.Events = []core.EventType{core.EventDrop} }, "drop_threshold", "required"},
		{"refuses no events", func(w *core.Webhook) { w.Events = nil }, "events", "at least one"},
		{"refuses an unknown event", func(w *core.Webhook) { w.Events = []core.EventType{"traffic.boom"} }, "events", "unknown event type"},
		{"refuses a bad secret", func(w *core.Webhook) { w.Secret = "secret" }, "secret", "whsec_"},
		{"refuses a tiny cooldown", func(w *core.Webhook) { w.Cooldown = time.Second }, "cooldown", "between 1m and 720h"},
		{"refuses an unknown format", func(w *core.Webhook) { w.Format = "carrier-pigeon" }, "format", "unknown format"},
		{"refuses a template on another format", func(w *core.Webhook) { w.Format, w.Template = core.FormatSlack, "{{.type}}" }, "template", "only the template format"},
		{"refuses a content type on another format", func(w *core.Webhook) { w.TemplateContentType = "text/plain" }, "content_type", "only the template format"},
		{"refuses the template format without a template", func(w *core.Webhook) { w.Format = core.FormatTemplate }, "template", "is required"},
		{"refuses a content type that is no media type", func(w *core.Webhook) {
			w.Format, w.Template, w.TemplateContentType = core.FormatTemplate, "{{.type}}", "plain text"
		}, "content_type", "media type"},
		{"refuses a template that fails on a subscribed event", func(w *core.Webhook) {
			w.Format, w.Template, w.TemplateContentType = core.FormatTemplate, "{{.data.goal.name}}", "text/plain"
		}, "template", "webhook.test: line 1, column 8"},
		{"refuses overriding a signature header", func(w *core.Webhook) { w.Headers = map[string]string{"Webhook-Signature": "x"} }, "header", "set by hookwatch"},
		{"refuses a header value with a newline", func(w *core.Webhook) { w.Headers = map[string]string{"X-A": "a\r\nB: c"} }, "header", "one line"},
		{"refuses a header given twice in different case", func(w *core.Webhook) { w.Headers = map[string]string{"X-Token": "a", "x-token": "b"} }, "header", "given twice"},
		{"refuses a short digest", func(w *core.Webhook) { w.DigestInterval = time.Second }, "digest", "between 1m and 24h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := validWebhook()
			tc.edit(w)
			err := w.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if w.Format != core.FormatStandard || w.Cooldown != core.DefaultCooldown {
					t.Errorf("defaults not filled: format %q cooldown %v", w.Format, w.Cooldown)
				}
				return
			}
			if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != tc.field || !strings.Contains(err.Error(), tc.wantInMsg) {
				t.Errorf("err %v (field %q); want field %q and %q", err, core.ErrorField(err), tc.field, tc.wantInMsg)
			}
		})
	}
}

func TestWebhookSubscribes(t *testing.T) {
	w := &core.Webhook{Events: []core.EventType{core.EventSpike, core.EventGoal}, Goals: []string{"Signup"}}
	for _, tc := range []struct {
		typ  core.EventType
		res  bool
		want bool
	}{
		{core.EventSpike, false, true},
		{core.EventDrop, false, false},
		{core.EventSpikeResolved, false, false},
		{core.EventSpikeResolved, true, true},
		{core.EventDropResolved, true, false},
		{core.EventTest, false, true},
	} {
		w.SendResolved = tc.res
		if got := w.Subscribes(tc.typ); got != tc.want {
			t.Errorf("Subscribes(%s) with send_resolved=%v = %v, want %v", tc.typ, tc.res, got, tc.want)
		}
	}
	if !w.WantsGoal(&core.Goal{Kind: core.GoalEvent, EventName: "Signup"}) || w.WantsGoal(&core.Goal{Kind: core.GoalPage, PagePath: "/x"}) {
		t.Error("goal filter misapplied")
	}
}

func TestDefaultEvents(t *testing.T) {
	for _, tc := range []struct {
		spike, drop int
		want        string
	}{
		{0, 0, "goal.completed"},
		{5, 0, "goal.completed traffic.spike"},
		{0, 5, "goal.completed traffic.drop"},
		{5, 5, "goal.completed traffic.spike traffic.drop"},
	} {
		var got []string
		for _, e := range core.DefaultEvents(tc.spike, tc.drop) {
			got = append(got, string(e))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("DefaultEvents(%d, %d) = %v, want %s", tc.spike, tc.drop, got, tc.want)
		}
	}
}

func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{"https://example.com/hook", "http://127.0.0.1/", "ftp://x", "http://0x7f.1/", "http://[::1]:80/", "https://u:p@h/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := core.ValidateURL(raw, false)
		if err != nil && core.ErrorField(err) != "url" {
			t.Fatalf("error %v does not name the url field", err)
		}
		if err == nil {
			// Whatever is accepted without allow_private is an absolute
			// http(s) URL whose host no spelling makes private.
			u, perr := url.Parse(raw)
			if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || len(raw) > core.MaxURLLength {
				t.Fatalf("accepted %q", raw)
			}
			if reason := core.PrivateHostReason(u.Hostname()); reason != "" {
				t.Fatalf("accepted %q whose host is %s", raw, reason)
			}
		}
	})
}
