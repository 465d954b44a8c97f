package deliver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/deliver"
)

// logBuffer collects an engine's log output; slog handlers write from many
// goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// capturingConfig is testConfig with every log line, debug included, kept
// in the returned buffer.
func capturingConfig(t *testing.T, st *store) (cfg deliver.Config, logs *logBuffer) {
	cfg = testConfig(t, st)
	logs = &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return cfg, logs
}

// failFirst answers 500 to the first request to each path and 200 after,
// so that the engine logs a failed attempt and retries.
func failFirst(w http.ResponseWriter, _ *http.Request, n int) {
	if n == 1 {
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// checkHidden fails if a custom header value or the signing secret shows in
// the log or in the delivery's stored attempts, or if the attempts do not
// list the custom headers by name with their values hidden.
func checkHidden(t *testing.T, d *core.Delivery, logs string, w *core.Webhook) {
	t.Helper()
	if len(d.Attempts) == 0 {
		t.Fatalf("delivery %s has no attempts", d.MsgID)
	}
	for _, a := range d.Attempts {
		for k := range w.Headers {
			if v := a.RequestHeaders[http.CanonicalHeaderKey(k)]; len(v) != 1 || v[0] != "[hidden]" {
				t.Errorf("stored attempt shows %s = %q; want [hidden]", k, v)
			}
		}
	}
	raw, err := json.Marshal(d.Attempts)
	if err != nil {
		t.Fatal(err)
	}
	leaks := []string{strings.TrimPrefix(w.Secret, core.SecretPrefix)}
	for _, v := range w.Headers {
		leaks = append(leaks, v)
	}
	for _, leak := range leaks {
		if strings.Contains(string(raw), leak) {
			t.Errorf("the stored attempts contain %q", leak)
		}
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, leak) {
				t.Errorf("log line contains %q: %s", leak, line)
			}
		}
	}
}

// eventTime is the timestamp of the rendered events, fixed so that the
// expected bodies are exact.
var eventTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	spikeEvent = &core.Event{Type: core.EventSpike, Key: "spike:1", Timestamp: eventTime, Data: core.SpikeData{
		Site: "example.com", SiteID: 1, CurrentVisitors: 312, Threshold: 200, Window: "5m",
		TopSources: []core.SourceRow{{Source: "Google", Visitors: 90}, {Source: "Direct / None", Visitors: 40}},
		TopPages:   []core.PageRow{{Page: "/launch", Visitors: 120}},
	}}
	goalEvent = &core.Event{Type: core.EventGoal, Key: "digest:1:2:3", Timestamp: eventTime, Data: core.GoalData{
		Site: "example.com", SiteID: 1, Goal: core.GoalRef{Name: "Sign<up> & pay", Kind: core.GoalEvent},
		Completions: 42, UniqueVisitors: 37,
		PeriodStart: eventTime.Add(-15 * time.Minute), PeriodEnd: eventTime,
	}}
)

func TestEngineChatFormats(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rc := newReceiver(t, failFirst)
	headers := func(prefix string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + prefix + "-s3cret-token", "X-Tenant": prefix + "-tenant-secret"}
	}
	slack := st.addHook(t, rc.URL+"/slack", func(w *core.Webhook) {
		w.Format, w.Headers, w.DigestInterval = core.FormatSlack, headers("slack"), 15*time.Minute
	})
	discord := st.addHook(t, rc.URL+"/discord", func(w *core.Webhook) {
		w.Format, w.Headers, w.DigestInterval = core.FormatDiscord, headers("discord"), 15*time.Minute
	})
	cfg, logs := capturingConfig(t, st)
	start(t, cfg)

	tests := []struct {
		name  string
		hook  *core.Webhook
		event *core.Event
		want  string
	}{
		{"sends Slack a spike as text with section and context blocks", slack, spikeEvent, `{
			"text": "example.com: 312 current visitors (threshold 200)",
			"blocks": [
				{"type": "section", "text": {"type": "mrkdwn", "text": "*example.com: 312 current visitors (threshold 200)*"}},
				{"type": "section", "fields": [
					{"type": "mrkdwn", "text": "*Top sources*\nGoogle (90), Direct / None (40)"},
					{"type": "mrkdwn", "text": "*Top pages*\n/launch (120)"}
				]},
				{"type": "context", "elements": [{"type": "mrkdwn", "text": "traffic.spike · 2025-03-01T12:00:00Z · hookwatch"}]}
			]}`},
		{"sends Slack a goal digest with its reserved characters escaped", slack, goalEvent, `{
			"text": "example.com: goal Sign&lt;up&gt; &amp; pay completed 42 times by 37 visitors",
			"blocks": [
				{"type": "section", "text": {"type": "mrkdwn", "text": "*example.com: goal Sign&lt;up&gt; &amp; pay completed 42 times by 37 visitors*"}},
				{"type": "section", "fields": [{"type": "mrkdwn", "text": "*Period*\n2025-03-01 11:45:00 – 12:00:00 UTC"}]},
				{"type": "context", "elements": [{"type": "mrkdwn", "text": "goal.completed · 2025-03-01T12:00:00Z · hookwatch"}]}
			]}`},
		{"sends Discord a spike as content and one red embed", discord, spikeEvent, `{
			"content": "example.com: 312 current visitors (threshold 200)",
			"embeds": [{
				"title": "example.com: 312 current visitors (threshold 200)",
				"color": 15026253,
				"fields": [
					{"name": "Top sources", "value": "Google (90), Direct / None (40)", "inline": true},
					{"name": "Top pages", "value": "/launch (120)", "inline": true}
				],
				"timestamp": "2025-03-01T12:00:00Z",
				"footer": {"text": "hookwatch · traffic.spike"}
			}]}`},
		{"sends Discord a goal digest as content and one green embed", discord, goalEvent, `{
			"content": "example.com: goal Sign<up> & pay completed 42 times by 37 visitors",
			"embeds": [{
				"title": "example.com: goal Sign<up> & pay completed 42 times by 37 visitors",
				"color": 3187820,
				"fields": [{"name": "Period", "value": "2025-03-01 11:45:00 – 12:00:00 UTC", "inline": true}],
				"timestamp": "2025-03-01T12:00:00Z",
				"footer": {"text": "hookwatch · goal.completed"}
			}]}`},
	}
	var nds []core.NewDelivery
	for _, tt := range tests {
		body, err := core.Render(tt.hook, tt.event)
		if err != nil {
			t.Fatal(err)
		}
		nds = append(nds, core.NewDelivery{WebhookID: tt.hook.ID, EventKey: tt.event.Key, EventType: tt.event.Type, Payload: body})
	}
	if err := st.deliveries.Enqueue(context.Background(), nds); err != nil {
		t.Fatal(err)
	}
	delivered := map[string]*core.Delivery{}
	for _, tt := range tests {
		msgID := core.MessageID(tt.hook.ID, tt.event.Key)
		delivered[msgID] = st.waitState(t, tt.hook, msgID, core.StateSucceeded)
	}
	// The body a receiver got last for each message id: the answered one.
	got := map[string]hit{}
	for _, h := range rc.Hits("") {
		got[h.header.Get("webhook-id")] = h
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := got[core.MessageID(tt.hook.ID, tt.event.Key)]
			if !ok {
				t.Fatal("the receiver got no request with the delivery's webhook-id")
			}
			var body, want any
			if err := json.Unmarshal(h.body, &body); err != nil {
				t.Fatalf("body is not JSON: %v: %s", err, h.body)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(body, want) {
				t.Errorf("body =\n%s\nwant\n%s", h.body, tt.want)
			}
			if tt.hook.Format == core.FormatSlack {
				checkSlackLimits(t, h.body)
			} else {
				checkDiscordLimits(t, h.body)
			}
		})
	}
	t.Run("still signs chat messages as Standard Webhooks", func(t *testing.T) {
		for _, tt := range tests {
			h := got[core.MessageID(tt.hook.ID, tt.event.Key)]
			if err := verify(tt.hook.Secret, h.header, h.body, time.Now()); err != nil {
				t.Errorf("%s: receiver rejects the request: %v", tt.name, err)
			}
			if ct := h.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: Content-Type = %q", tt.name, ct)
			}
		}
	})
	t.Run("sends the custom headers to the receiver", func(t *testing.T) {
		for _, h := range rc.Hits("") {
			w := slack
			if h.path == "/discord" {
				w = discord
			}
			for k, v := range w.Headers {
				if got := h.header.Get(k); got != v {
					t.Errorf("%s request has %s = %q; want %q", h.path, k, got, v)
				}
			}
		}
	})
	t.Run("keeps custom header values out of the log and the stored attempts", func(t *testing.T) {
		out := logs.String()
		if !strings.Contains(out, "attempt failed") {
			t.Fatalf("the log does not show the failed first attempts, so it proves nothing:\n%s", out)
		}
		for _, tt := range tests {
			d, err := st.deliveries.FindDeliveryByID(context.Background(), delivered[core.MessageID(tt.hook.ID, tt.event.Key)].ID)
			if err != nil {
				t.Fatal(err)
			}
			checkHidden(t, d, out, tt.hook)
		}
	})
}

// checkSlackLimits checks a Slack message against the limits Slack
// documents for incoming webhooks and Block Kit: text objects of type
// mrkdwn or plain_text, at most 50 blocks, a section's text at most 3000
// characters and at most 10 fields of at most 2000, and at most 10 context
// elements.
func checkSlackLimits(t *testing.T, body []byte) {
	t.Helper()
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type     string `json:"type"`
			Text     *text  `json:"text"`
			Fields   []text `json:"fields"`
			Elements []text `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Text == "" || len(msg.Blocks) == 0 || len(msg.Blocks) > 50 {
		t.Errorf("message has text %q and %d blocks; want a text and 1–50 blocks", msg.Text, len(msg.Blocks))
	}
	textOK := func(x text, limit int) bool {
		return (x.Type == "mrkdwn" || x.Type == "plain_text") && x.Text != "" && utf8.RuneCountInString(x.Text) <= limit
	}
	for i, b := range msg.Blocks {
		switch b.Type {
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				t.Errorf("block %d: section with neither text nor fields", i)
			}
			if b.Text != nil && !textOK(*b.Text, 3000) {
				t.Errorf("block %d: bad section text %+v", i, *b.Text)
			}
			if len(b.Fields) > 10 {
				t.Errorf("block %d: %d fields; Slack takes at most 10", i, len(b.Fields))
			}
			for _, f := range b.Fields {
				if !textOK(f, 2000) {
					t.Errorf("block %d: bad field %+v", i, f)
				}
			}
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > 10 {
				t.Errorf("block %d: %d context elements; want 1–10", i, len(b.Elements))
			}
			for _, el := range b.Elements {
				if !textOK(el, 3000) {
					t.Errorf("block %d: bad context element %+v", i, el)
				}
			}
		default:
			t.Errorf("block %d has type %q; want section or context", i, b.Type)
		}
	}
}

// checkDiscordLimits checks a Discord message against the limits Discord
// documents for webhook messages and embeds: content at most 2000
// characters, at most 10 embeds, a title at most 256, a description at
// most 4096, at most 25 fields of name at most 256 and value at most 1024,
// a footer at most 2048, an ISO 8601 timestamp, and 6000 characters in all.
func checkDiscordLimits(t *testing.T, body []byte) {
	t.Helper()
	var msg struct {
		Content string `json:"content"`
		Embeds  []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Color       int    `json:"color"`
			Timestamp   string `json:"timestamp"`
			Fields      []struct {
				Name   string `json:"name"`
				Value  string `json:"value"`
				Inline *bool  `json:"inline"`
			} `json:"fields"`
			Footer *struct {
				Text string `json:"text"`
			} `json:"footer"`
		} `json:"embeds"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatal(err)
	}
	n := utf8.RuneCountInString
	if msg.Content == "" || n(msg.Content) > 2000 || len(msg.Embeds) > 10 {
		t.Errorf("content of %d characters and %d embeds; want 1–2000 and at most 10", n(msg.Content), len(msg.Embeds))
	}
	for i, em := range msg.Embeds {
		total := n(em.Title) + n(em.Description)
		if em.Title == "" || n(em.Title) > 256 || n(em.Description) > 4096 || len(em.Fields) > 25 {
			t.Errorf("embed %d: title %d, description %d characters, %d fields", i, n(em.Title), n(em.Description), len(em.Fields))
		}
		if em.Color < 0 || em.Color > 0xFFFFFF {
			t.Errorf("embed %d: color %d is not an RGB integer", i, em.Color)
		}
		if _, err := time.Parse(time.RFC3339, em.Timestamp); err != nil {
			t.Errorf("embed %d: timestamp %q is not ISO 8601", i, em.Timestamp)
		}
		for _, f := range em.Fields {
			if f.Name == "" || f.Value == "" || n(f.Name) > 256 || n(f.Value) > 1024 || f.Inline == nil {
				t.Errorf("embed %d: bad field %q = %q (inline %v)", i, f.Name, f.Value, f.Inline)
			}
			total += n(f.Name) + n(f.Value)
		}
		if em.Footer != nil {
			total += n(em.Footer.Text)
			if n(em.Footer.Text) > 2048 {
				t.Errorf("embed %d: footer of %d characters", i, n(em.Footer.Text))
			}
		}
		if total > 6000 {
			t.Errorf("embed %d has %d characters; Discord takes at most 6000", i, total)
		}
	}
}
