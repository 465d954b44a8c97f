package deliver_test

import (
	"context"
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// teamsBody is what a Teams Workflows webhook reads of a message.
type teamsBody struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string `json:"contentType"`
		Content     struct {
			Type    string `json:"type"`
			Version string `json:"version"`
			Body    []struct {
				Type  string `json:"type"`
				Text  string `json:"text"`
				Color string `json:"color"`
				Facts []struct {
					Title string `json:"title"`
					Value string `json:"value"`
				} `json:"facts"`
			} `json:"body"`
		} `json:"content"`
	} `json:"attachments"`
}

// googleChatBody is what a Google Chat incoming webhook reads.
type googleChatBody struct {
	Text    string `json:"text"`
	CardsV2 []struct {
		CardID string `json:"cardId"`
		Card   struct {
			Header struct {
				Title    string `json:"title"`
				Subtitle string `json:"subtitle"`
			} `json:"header"`
			Sections []struct {
				Widgets []struct {
					DecoratedText struct {
						TopLabel string `json:"topLabel"`
						Text     string `json:"text"`
					} `json:"decoratedText"`
				} `json:"widgets"`
			} `json:"sections"`
		} `json:"card"`
	} `json:"cardsV2"`
}

const (
	spikeSentence = "example.com: 312 current visitors (threshold 200)"
	goalSentence  = "example.com: goal Sign<up> & pay completed 42 times by 37 visitors"
)

func TestEnginePresets(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rc := newReceiver(t, nil)
	teams := st.addHook(t, rc.URL+"/teams", func(w *core.Webhook) { w.Format = core.FormatTeams })
	chat := st.addHook(t, rc.URL+"/googlechat", func(w *core.Webhook) { w.Format = core.FormatGoogleChat })
	ntfy := st.addHook(t, rc.URL+"/ntfy", func(w *core.Webhook) {
		w.Format, w.Headers = core.FormatNtfy, map[string]string{"Authorization": "Bearer tk_ntfy-secret"}
	})
	start(t, testConfig(t, st))

	hooks := []*core.Webhook{teams, chat, ntfy}
	var nds []core.NewDelivery
	for _, w := range hooks {
		for _, e := range []*core.Event{spikeEvent, goalEvent} {
			body, err := core.Render(w, e)
			if err != nil {
				t.Fatal(err)
			}
			nds = append(nds, core.NewDelivery{WebhookID: w.ID, EventKey: e.Key, EventType: e.Type, Payload: body})
		}
	}
	if err := st.deliveries.Enqueue(context.Background(), nds); err != nil {
		t.Fatal(err)
	}
	for _, w := range hooks {
		for _, e := range []*core.Event{spikeEvent, goalEvent} {
			st.waitState(t, w, core.MessageID(w.ID, e.Key), core.StateSucceeded)
		}
	}
	got := map[string]hit{} // by webhook-id: the receiver deduplicates
	for _, h := range rc.Hits("") {
		got[h.header.Get("webhook-id")] = h
	}
	request := func(t *testing.T, w *core.Webhook, e *core.Event) hit {
		t.Helper()
		h, ok := got[core.MessageID(w.ID, e.Key)]
		if !ok {
			t.Fatalf("no request to %s for %s", w.Format, e.Type)
		}
		if err := verify(w.Secret, h.header, h.body, time.Now()); err != nil {
			t.Errorf("a Standard Webhooks verifier rejects it: %v", err)
		}
		return h
	}

	t.Run("teams gets a message with one Adaptive Card 1.4", func(t *testing.T) {
		for _, tc := range []struct {
			e               *core.Event
			sentence, color string
			facts           []string
		}{
			{spikeEvent, spikeSentence, "Attention", []string{"Top sources=Google (90), Direct / None (40)", "Top pages=/launch (120)"}},
			{goalEvent, goalSentence, "Good", []string{"Period=2025-03-01 11:45:00 – 12:00:00 UTC"}},
		} {
			h := request(t, teams, tc.e)
			var m teamsBody
			if err := json.Unmarshal(h.body, &m); err != nil {
				t.Fatalf("%s: %v: %s", tc.e.Type, err, h.body)
			}
			if m.Type != "message" || len(m.Attachments) != 1 {
				t.Fatalf("%s: type %q with %d attachments; want message with 1", tc.e.Type, m.Type, len(m.Attachments))
			}
			a := m.Attachments[0]
			if a.ContentType != "application/vnd.microsoft.card.adaptive" || a.Content.Type != "AdaptiveCard" || a.Content.Version != "1.4" {
				t.Errorf("%s: attachment %q holding %q version %q", tc.e.Type, a.ContentType, a.Content.Type, a.Content.Version)
			}
			body := a.Content.Body
			if len(body) != 3 || body[0].Type != "TextBlock" || body[0].Text != tc.sentence || body[0].Color != tc.color {
				t.Fatalf("%s: card body %+v; want the sentence in %s, facts, a context line", tc.e.Type, body, tc.color)
			}
			var facts []string
			for _, f := range body[1].Facts {
				facts = append(facts, f.Title+"="+f.Value)
			}
			if body[1].Type != "FactSet" || strings.Join(facts, "|") != strings.Join(tc.facts, "|") {
				t.Errorf("%s: facts %q; want %q", tc.e.Type, facts, tc.facts)
			}
			if want := string(tc.e.Type) + " · 2025-03-01T12:00:00Z · hookwatch"; body[2].Text != want {
				t.Errorf("%s: context line %q; want %q", tc.e.Type, body[2].Text, want)
			}
			if ct := h.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		}
	})

	t.Run("googlechat gets text, a card for a spike only, and its charset", func(t *testing.T) {
		h := request(t, chat, spikeEvent)
		var m googleChatBody
		if err := json.Unmarshal(h.body, &m); err != nil {
			t.Fatal(err)
		}
		if m.Text != spikeSentence || len(m.CardsV2) != 1 {
			t.Fatalf("text %q with %d cards; want the sentence and one card", m.Text, len(m.CardsV2))
		}
		c := m.CardsV2[0]
		if c.CardID == "" || c.Card.Header.Title != "Traffic spike on example.com" || c.Card.Header.Subtitle != "312 current visitors (threshold 200)" {
			t.Errorf("card %q header %+v", c.CardID, c.Card.Header)
		}
		if len(c.Card.Sections) != 1 || len(c.Card.Sections[0].Widgets) != 2 ||
			c.Card.Sections[0].Widgets[0].DecoratedText.TopLabel != "Top sources" ||
			c.Card.Sections[0].Widgets[0].DecoratedText.Text != "Google (90), Direct / None (40)" ||
			c.Card.Sections[0].Widgets[1].DecoratedText.Text != "/launch (120)" {
			t.Errorf("card sections %+v", c.Card.Sections)
		}
		if ct := h.header.Get("Content-Type"); ct != "application/json; charset=UTF-8" {
			t.Errorf("Content-Type %q", ct)
		}
		g := request(t, chat, goalEvent)
		var gm googleChatBody
		if err := json.Unmarshal(g.body, &gm); err != nil {
			t.Fatal(err)
		}
		if gm.Text != goalSentence || gm.CardsV2 != nil {
			t.Errorf("goal message %s; want the sentence and no card", g.body)
		}
	})

	t.Run("ntfy gets plain text with Title, Tags and Priority", func(t *testing.T) {
		for _, tc := range []struct {
			e                      *core.Event
			title, tags, prio, sub string
		}{
			{spikeEvent, st.site.Domain + ": traffic spike", "chart_with_upwards_trend,traffic.spike", "4", "Top pages: /launch (120)\n"},
			{goalEvent, st.site.Domain + ": goal completed", "tada,goal.completed", "3", "Period: 2025-03-01 11:45:00 – 12:00:00 UTC\n"},
		} {
			h := request(t, ntfy, tc.e)
			title, err := new(mime.WordDecoder).DecodeHeader(h.header.Get("Title"))
			if err != nil || title != tc.title || h.header.Get("Tags") != tc.tags || h.header.Get("Priority") != tc.prio {
				t.Errorf("%s: Title %q (%v), Tags %q, Priority %q; want %q, %q, %q", tc.e.Type, title, err,
					h.header.Get("Tags"), h.header.Get("Priority"), tc.title, tc.tags, tc.prio)
			}
			sentence := spikeSentence
			if tc.e == goalEvent {
				sentence = goalSentence
			}
			body := string(h.body)
			if !strings.HasPrefix(body, sentence+"\n") || !strings.Contains(body, tc.sub) || len(h.body) > core.MaxNtfyBody {
				t.Errorf("%s: body %q; want the sentence, then %q, within 4 KiB", tc.e.Type, body, tc.sub)
			}
			if ct := h.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if h.header.Get("Authorization") != "Bearer tk_ntfy-secret" {
				t.Errorf("the custom header was not sent")
			}
		}
	})
}

func TestTemplateWebhookTestSendsTheRenderedBody(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rc := newReceiver(t, nil)
	w := st.addHook(t, rc.URL+"/tpl", func(w *core.Webhook) {
		w.Format, w.TemplateContentType = core.FormatTemplate, "application/vnd.example+json"
		w.Template = `{"event": {{json .type}}, "text": {{json (upper (sentence .))}}, "webhook": {{with index .data "webhook_id"}}{{.}}{{else}}null{{end}}}`
	})
	e := newEngine(t, st)
	d, a, err := e.SendTest(context.Background(), w.ID)
	if err != nil || a.StatusCode != http.StatusOK {
		t.Fatalf("SendTest: %v, status %d", err, a.StatusCode)
	}
	hits := rc.Hits("/tpl")
	if len(hits) != 1 {
		t.Fatalf("the receiver got %d requests; want 1", len(hits))
	}
	h := hits[0]
	want := `{"event": "webhook.test", "text": "` + strings.ToUpper(st.site.Domain) + `: TEST MESSAGE FROM HOOKWATCH (WEBHOOK ` + strconv.FormatInt(w.ID, 10) + `)", "webhook": ` + strconv.FormatInt(w.ID, 10) + `}`
	if string(h.body) != want {
		t.Errorf("body %s\nwant %s", h.body, want)
	}
	if err := verify(w.Secret, h.header, h.body, time.Now()); err != nil {
		t.Errorf("a Standard Webhooks verifier rejects the rendered body: %v", err)
	}
	if ct := h.header.Get("Content-Type"); ct != "application/vnd.example+json" {
		t.Errorf("Content-Type %q", ct)
	}
	if string(d.Payload) != string(h.body) {
		t.Errorf("the delivery log shows %s; the receiver got %s", d.Payload, h.body)
	}
}

func TestGoogleChatIsSentAtOneRequestASecond(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rc := newReceiver(t, nil)
	w := st.addHook(t, rc.URL+"/chat", func(w *core.Webhook) { w.Format = core.FormatGoogleChat })
	start(t, testConfig(t, st)) // the engine's own rate is 10/s
	queued := time.Now()
	ids := st.enqueue(t, w, "a", "b", "c")
	for _, id := range ids {
		st.waitState(t, w, id, core.StateSucceeded)
	}
	hits := rc.Hits("/chat")
	if len(hits) != len(ids) {
		t.Fatalf("the receiver got %d requests; want %d", len(hits), len(ids))
	}
	// The k-th request's token comes at least k-1 seconds after the first,
	// which comes after the enqueue: a lower bound that a slow machine can
	// only make longer. (Gaps between arrivals prove nothing: a request
	// delayed on its way shortens the next gap.)
	if span := hits[len(hits)-1].at.Sub(queued); span < 1900*time.Millisecond {
		t.Errorf("3 requests arrived within %s of being queued; Google Chat takes one a second", span)
	}
}

func TestTeamsSigStaysOutOfErrorsAndLogs(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	const sig = "s3cr3t-teams-sig"
	// A port nothing listens on: the attempt fails with net/http's error,
	// which quotes the URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	url := "http://" + addr + "/workflows/x/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + sig
	w := st.addHook(t, url, func(w *core.Webhook) { w.Format = core.FormatTeams })
	cfg, logs := capturingConfig(t, st)
	e, _ := start(t, cfg)
	sent, a, err := e.SendTest(context.Background(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Error == "" || !strings.Contains(a.Error, "sig=[hidden]") {
		t.Errorf("attempt error %q; want the failure with the sig hidden", a.Error)
	}
	d := st.delivery(t, w, sent.MsgID)
	raw, _ := json.Marshal(d)
	for what, text := range map[string]string{"attempt error": a.Error, "stored delivery": string(raw), "log": logs.String()} {
		if strings.Contains(text, sig) {
			t.Errorf("the %s contains the sig: %s", what, text)
		}
	}
}
