package core

import (
	"encoding/json"
	"fmt"
	"time"
)

// teamsMessage is the body a Microsoft Teams Workflows webhook ("When a
// Teams webhook request is received") takes: a message whose one
// attachment is an Adaptive Card.
type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	Content     teamsCard `json:"content"`
}

// teamsCard is an Adaptive Card of version 1.4, which every Teams client
// renders.
type teamsCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []teamsElement `json:"body"`
	MSTeams teamsWidth     `json:"msteams"`
}

type teamsWidth struct {
	Width string `json:"width"`
}

// teamsElement is a TextBlock or a FactSet.
type teamsElement struct {
	Type     string      `json:"type"`
	Text     string      `json:"text,omitempty"`
	Weight   string      `json:"weight,omitempty"`
	Size     string      `json:"size,omitempty"`
	Color    string      `json:"color,omitempty"`
	IsSubtle bool        `json:"isSubtle,omitempty"`
	Wrap     bool        `json:"wrap,omitempty"`
	Facts    []teamsFact `json:"facts,omitempty"`
}

type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// teamsColor maps a Summary's colour onto the Adaptive Card palette.
func teamsColor(c int) string {
	switch c {
	case colorAlert:
		return "Attention"
	case colorGood:
		return "Good"
	}
	return "Accent"
}

// renderTeams returns a Teams message: the sentence as a bold, coloured
// heading, the details as a FactSet, and a subtle line with the event type
// and time.
func renderTeams(e *Event) ([]byte, error) {
	s := Summarize(e)
	body := []teamsElement{{Type: "TextBlock", Text: s.Title, Weight: "Bolder", Size: "Medium", Color: teamsColor(s.Color), Wrap: true}}
	if len(s.Fields) > 0 {
		set := teamsElement{Type: "FactSet"}
		for _, f := range s.Fields {
			set.Facts = append(set.Facts, teamsFact{Title: f.Name, Value: f.Value})
		}
		body = append(body, set)
	}
	body = append(body, teamsElement{Type: "TextBlock", Text: fmt.Sprintf("%s · %s · hookwatch", e.Type, e.Timestamp.UTC().Format(time.RFC3339)),
		Size: "Small", IsSubtle: true, Wrap: true})
	return json.Marshal(teamsMessage{Type: "message", Attachments: []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content: teamsCard{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
			Body: body, MSTeams: teamsWidth{Width: "Full"}},
	}}})
}
