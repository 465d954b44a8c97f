package core_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// templateHook is a template webhook subscribed to spikes and goals.
func templateHook(tpl, contentType string) *core.Webhook {
	return &core.Webhook{ID: 7, SiteID: 1, Site: "example.com", URL: "https://hooks.example.com/in", Secret: core.GenerateSecret(),
		Events: []core.EventType{core.EventSpike, core.EventGoal}, SpikeThreshold: 200,
		Format: core.FormatTemplate, Template: tpl, TemplateContentType: contentType}
}

func TestTemplateRendersTheStandardPayload(t *testing.T) {
	for _, tc := range []struct {
		name, tpl, want string
		event           core.EventType
	}{
		{"reads the envelope and the data", `{{.type}} {{.timestamp}} {{.data.site}} {{.data.current_visitors}}`, "traffic.spike 2025-03-01T12:00:00Z example.com 312", core.EventSpike},
		{"prints whole numbers as integers and compares them", `{{if gt .data.current_visitors 300}}busy{{end}} {{.data.threshold}}`, "busy 200", core.EventSpike},
		{"ranges over the top sources", `{{range .data.top_sources}}{{.source}}={{.visitors}};{{end}}`, "Google=141;news.ycombinator.com=96;Direct / None=40;", core.EventSpike},
		{"json quotes and escapes a value", `{{json .data.goal}}`, `{"kind":"event","name":"Signup"}`, core.EventGoal},
		{"default replaces an empty value", `{{default "none" .data.message}}|{{default "none" ""}}`, "This is a test event from hookwatch.|none", core.EventTest},
		{"upper and lower", `{{upper .data.site}} {{lower "ABC"}}`, "EXAMPLE.COM abc", core.EventSpike},
		{"truncate keeps N characters with an ellipsis", `{{truncate 8 .data.site}}|{{truncate 20 .data.site}}`, "example…|example.com", core.EventSpike},
		{"date formats an RFC 3339 time in UTC", `{{date "2006-01-02 15:04" .data.period_start}}`, "2025-03-01 11:45", core.EventGoal},
		{"sentence is the chat formats' sentence", `{{sentence .}}`, "example.com: goal Signup completed 42 times by 37 visitors", core.EventGoal},
		{"sentence works from inside a range through $", `{{range .data.top_pages}}{{end}}{{sentence $}}`, "example.com: 312 current visitors (threshold 200)", core.EventSpike},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := templateHook(tc.tpl, "text/plain")
			got, err := core.Preview(w, tc.event)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("rendered %q; want %q", got, tc.want)
			}
		})
	}
}

func TestCheckTemplateRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, tpl, contentType, want string
	}{
		{"an unclosed action, with its line", "{\n  \"text\": {{json .type\n", "application/json", "template: line 2: unclosed action"},
		{"a stray brace in an action, with its line", "{\n  \"text\": {{json .type}\n}", "application/json", "template: line 2: bad character U+007D '}'"},
		{"an unknown field, with the event type, line and column", "{\n  \"text\": {{json .data.visitors}}\n}", "application/json",
			`template: traffic.spike: line 2, column 23: at <.data.visitors>: map has no entry for key "visitors"`},
		{"output that is not JSON, with the line and column of the body", "{\n  \"text\": {{.type}}\n}", "application/json",
			"template: traffic.spike: the rendered body is not valid JSON, as application/json requires: line 2, column 13: invalid character 'a' in literal true"},
		{"JSON that ends too soon", `{"text": {{json .type}}`, "application/vnd.api+json", "line 1, column 24: unexpected end of JSON input"},
		{"a key another event type lacks", `{{.data.current_visitors}}`, "text/plain", "template: goal.completed: line 1, column 8"},
		{"a spike template that needs a top source", `{{(index .data.top_sources 0).source}}`, "text/plain", "template: traffic.spike: line 1, column 4: at <index .data.top_sources 0>"},
		{"a helper given a bad argument", `{{truncate 0 .type}}`, "text/plain", "error calling truncate: truncate needs a length of at least 1"},
		{"sentence given less than the payload", `{{sentence .data}}`, "text/plain", "sentence needs the whole payload"},
		{"output over 64 KiB", `{{range 100}}` + strings.Repeat("x", 1024) + `{{end}}`,
			"text/plain", "larger than 64 KiB"},
		{"rendering that runs past the time limit", `{{range 20000000}}{{end}}`, "text/plain", "longer than 100ms"},
		{"a template over 64 KiB", strings.Repeat("x", core.MaxTemplateSize+1), "text/plain", "at most 65536"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := templateHook(tc.tpl, tc.contentType)
			err := w.Validate()
			if core.ErrorCode(err) != core.EINVALID || !strings.Contains(core.ErrorMessage(err), tc.want) {
				t.Errorf("err %v (code %q); want EINVALID with %q", err, core.ErrorCode(err), tc.want)
			}
		})
	}
}

func TestTemplateChecksSpikesWithoutTopLists(t *testing.T) {
	w := templateHook(`{{if ne .type "traffic.spike"}}{{.type}}{{else if .data.top_sources}}from {{(index .data.top_sources 0).source}}{{else}}{{default "no referrer" .data.top_pages}}{{end}}`, "text/plain")
	w.Events = []core.EventType{core.EventSpike}
	if err := w.Validate(); err != nil {
		t.Fatalf("a template that guards the top lists is refused: %v", err)
	}
}

func TestRenderFallsBackWhenATemplateFailsOnARealEvent(t *testing.T) {
	// Not validated: the template needs a top source, and this spike has none.
	w := templateHook(`{"from": {{json (index .data.top_sources 0).source}}}`, "application/json")
	e := &core.Event{Type: core.EventSpike, Timestamp: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Data: core.SpikeData{Site: "example.com", CurrentVisitors: 250, Threshold: 200, Window: "5m"}}
	body, err := core.Render(w, e)
	if err != nil {
		t.Fatalf("the event is held back: %v", err)
	}
	var got struct {
		Type          core.EventType `json:"type"`
		Data          core.SpikeData `json:"data"`
		TemplateError string         `json:"template_error"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("fallback body is not JSON: %v: %s", err, body)
	}
	if got.Type != core.EventSpike || got.Data.CurrentVisitors != 250 || !strings.Contains(got.TemplateError, "traffic.spike: line 1") {
		t.Errorf("fallback body %s; want the standard payload and the template's error", body)
	}
}

func TestRedactURL(t *testing.T) {
	const teams = "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cr3tSIGvalue"
	for _, tc := range []struct{ in, want string }{
		{teams, "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=[hidden]"},
		{"https://chat.googleapis.com/v1/spaces/AAA/messages?key=AIza&token=t0k3n", "https://chat.googleapis.com/v1/spaces/AAA/messages?key=AIza&token=[hidden]"},
		{"https://example.com/hook?SIG=x#frag", "https://example.com/hook?SIG=[hidden]#frag"},
		{"https://example.com/hook?signal=1", "https://example.com/hook?signal=1"},
		{"https://ntfy.sh/alerts", "https://ntfy.sh/alerts"},
	} {
		if got := core.RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	t.Run("puts the secret back into an edited URL", func(t *testing.T) {
		edited := strings.Replace(core.RedactURL(teams), "prod-12", "prod-13", 1)
		if got, want := core.UnredactURL(edited, teams), strings.Replace(teams, "prod-12", "prod-13", 1); got != want {
			t.Errorf("UnredactURL = %q; want %q", got, want)
		}
		if got := core.UnredactURL("https://example.com/new?sig=typed", teams); got != "https://example.com/new?sig=typed" {
			t.Errorf("a newly typed sig was replaced: %q", got)
		}
	})
}
