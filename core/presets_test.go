package core_test

import (
	"encoding/json"
	"mime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookwatch/hookwatch/core"
)

func TestNtfy(t *testing.T) {
	w := &core.Webhook{Site: "bücher.example", Format: core.FormatNtfy}
	t.Run("encodes a title that is not ASCII as RFC 2047", func(t *testing.T) {
		raw := core.MessageHeaders(w, core.EventDrop)["Title"]
		if !strings.HasPrefix(raw, "=?UTF-8?") || strings.ContainsFunc(raw, func(r rune) bool { return r > 127 }) {
			t.Errorf("Title %q is not an RFC 2047 encoded word", raw)
		}
		if got, err := new(mime.WordDecoder).DecodeHeader(raw); err != nil || got != "bücher.example: traffic drop" {
			t.Errorf("Title decodes to %q (%v)", got, err)
		}
		ascii := &core.Webhook{Site: "example.com", Format: core.FormatNtfy}
		if got := core.MessageHeaders(ascii, core.EventDrop)["Title"]; got != "example.com: traffic drop" {
			t.Errorf("an ASCII title is sent as %q", got)
		}
	})
	t.Run("priority 4 for spikes and drops, 3 for the rest", func(t *testing.T) {
		for typ, want := range map[core.EventType]string{core.EventSpike: "4", core.EventDrop: "4", core.EventGoal: "3",
			core.EventSpikeResolved: "3", core.EventTest: "3"} {
			if got := core.MessageHeaders(w, typ)["Priority"]; got != want {
				t.Errorf("%s: Priority %q; want %q", typ, got, want)
			}
		}
	})
	t.Run("keeps the body within 4 KiB", func(t *testing.T) {
		e := core.SampleEvent(w, core.EventGoal)
		d := e.Data.(core.GoalData)
		d.Goal.Name = strings.Repeat("ü", 3000)
		e.Data = d
		body, err := core.Render(w, e)
		if err != nil {
			t.Fatal(err)
		}
		if len(body) > core.MaxNtfyBody || !utf8.Valid(body) || !strings.HasSuffix(string(body), "…") {
			t.Errorf("body of %d bytes (valid UTF-8: %v); want at most %d, cut with an ellipsis", len(body), utf8.Valid(body), core.MaxNtfyBody)
		}
	})
}

func TestGoogleChatEscapesCardText(t *testing.T) {
	w := &core.Webhook{Site: "example.com", Format: core.FormatGoogleChat}
	e := core.SampleEvent(w, core.EventSpike)
	d := e.Data.(core.SpikeData)
	d.TopPages = []core.PageRow{{Page: "/<b>bold</b>", Visitors: 3}}
	e.Data = d
	body, err := core.Render(w, e)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		CardsV2 []struct {
			Card struct {
				Sections []struct {
					Widgets []struct {
						DecoratedText struct{ Text string } `json:"decoratedText"`
					} `json:"widgets"`
				} `json:"sections"`
			} `json:"card"`
		} `json:"cardsV2"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if got := m.CardsV2[0].Card.Sections[0].Widgets[1].DecoratedText.Text; got != "/&lt;b&gt;bold&lt;/b&gt; (3)" {
		t.Errorf("card text %q; want the HTML escaped", got)
	}
}

func TestChatFormatsDigestByDefault(t *testing.T) {
	for _, f := range core.Formats {
		want := f != core.FormatStandard && f != core.FormatTemplate
		if got := f.DefaultDigest() == core.DefaultChatDigest; got != want {
			t.Errorf("%s: digests by default = %v; want %v", f, got, want)
		}
	}
}

func TestDeliveryJSONKeepsEveryBody(t *testing.T) {
	for _, tc := range []struct{ payload, want string }{
		{`{"type":"goal.completed"}`, `{"type":"goal.completed"}`},
		{"example.com: traffic spike\nTop pages: /launch (120)", `"example.com: traffic spike\nTop pages: /launch (120)"`},
	} {
		raw, err := json.Marshal(&core.Delivery{ID: 1, Payload: json.RawMessage(tc.payload)})
		if err != nil {
			t.Fatalf("%q: %v", tc.payload, err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if string(got["payload"]) != tc.want || string(got["id"]) != "1" {
			t.Errorf("delivery JSON %s; want payload %s", raw, tc.want)
		}
	}
}
