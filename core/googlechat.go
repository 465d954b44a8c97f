package core

import (
	"encoding/json"
	"html"
	"strings"
)

// googleChatMessage is a Google Chat incoming-webhook message: text, which
// notifications show, and for spikes a card with the details.
type googleChatMessage struct {
	Text    string           `json:"text"`
	CardsV2 []googleChatCard `json:"cardsV2,omitempty"`
}

type googleChatCard struct {
	CardID string         `json:"cardId"`
	Card   googleChatBody `json:"card"`
}

type googleChatBody struct {
	Header   googleChatHeader    `json:"header"`
	Sections []googleChatSection `json:"sections"`
}

type googleChatHeader struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle,omitempty"`
}

type googleChatSection struct {
	Widgets []googleChatWidget `json:"widgets"`
}

type googleChatWidget struct {
	DecoratedText googleChatDecorated `json:"decoratedText"`
}

type googleChatDecorated struct {
	TopLabel string `json:"topLabel"`
	Text     string `json:"text"`
	WrapText bool   `json:"wrapText"`
}

// renderGoogleChat returns a Google Chat message: the sentence as text,
// and for a spike a card whose header names the site and whose widgets
// carry the top sources and pages. Card text takes Google Chat's HTML
// subset, so it is escaped; the plain text is not HTML.
func renderGoogleChat(e *Event) ([]byte, error) {
	s := Summarize(e)
	msg := googleChatMessage{Text: s.Title}
	if d, ok := spikeData(e); ok && e.Type == EventSpike {
		sec := googleChatSection{}
		for _, f := range s.Fields {
			sec.Widgets = append(sec.Widgets, googleChatWidget{DecoratedText: googleChatDecorated{
				TopLabel: html.EscapeString(f.Name), Text: html.EscapeString(f.Value), WrapText: true}})
		}
		card := googleChatBody{Header: googleChatHeader{Title: html.EscapeString("Traffic spike on " + d.Site),
			Subtitle: html.EscapeString(strings.TrimPrefix(s.Title, d.Site+": "))}}
		if len(sec.Widgets) > 0 {
			card.Sections = []googleChatSection{sec}
		} else {
			card.Sections = []googleChatSection{{Widgets: []googleChatWidget{{DecoratedText: googleChatDecorated{
				TopLabel: "Window", Text: html.EscapeString(d.Window), WrapText: true}}}}}
		}
		msg.CardsV2 = []googleChatCard{{CardID: "traffic-spike", Card: card}}
	}
	return json.Marshal(msg)
}

// spikeData returns e's SpikeData, by value or by pointer.
func spikeData(e *Event) (SpikeData, bool) {
	switch d := e.Data.(type) {
	case SpikeData:
		return d, true
	case *SpikeData:
		return *d, true
	}
	return SpikeData{}, false
}
