package core

import (
	"encoding/json"
	"fmt"
	"time"
)

// FanOut is the one way an event becomes deliveries: the poller's goal
// counts, goal digests and traffic alerts all go through it. It returns a
// delivery for each of hooks that takes e: enabled, of e's site, subscribed
// to e's type, and, when goal is not nil, with a goal filter that lets goal
// through. Each body is rendered in its webhook's format (Render).
//
// An event decided for one webhook (a traffic alert, a digest, whose key
// names the webhook) is fanned out to that webhook alone. The caller
// commits the deliveries in the same transaction as the state they follow
// from, so that an event is neither lost nor sent twice.
func FanOut(e *Event, goal *Goal, hooks []*Webhook) ([]NewDelivery, error) {
	var out []NewDelivery
	for _, w := range hooks {
		if !w.Enabled || w.SiteID != e.SiteID || !w.Subscribes(e.Type) {
			continue
		}
		if goal != nil && !w.WantsGoal(goal) {
			continue
		}
		body, err := Render(w, e)
		if err != nil {
			return nil, fmt.Errorf("render %s for webhook %d: %w", e.Type, w.ID, err)
		}
		out = append(out, NewDelivery{WebhookID: w.ID, EventKey: e.Key, EventType: e.Type, Payload: body})
	}
	return out, nil
}

// Render returns the body webhook w receives for event e: the body that is
// stored, sent and shown in the delivery log.
//
// A template that fails on a real event, although it passed its checks on
// the samples (CheckTemplate), does not hold the event back: the body is
// then the standard payload with a "template_error" member saying why, so
// that the event still arrives and the delivery log shows the cause.
func Render(w *Webhook, e *Event) ([]byte, error) {
	switch w.Format {
	case FormatSlack:
		return renderSlack(e)
	case FormatDiscord:
		return renderDiscord(e)
	case FormatTeams:
		return renderTeams(e)
	case FormatGoogleChat:
		return renderGoogleChat(e)
	case FormatNtfy:
		return renderNtfy(e), nil
	case FormatTemplate:
		body, err := renderTemplate(w, e)
		if err != nil && ErrorCode(err) == EINVALID {
			return templateFallback(e, err)
		}
		return body, err
	}
	return e.Payload()
}

// Preview renders w's body for a sample event of type t (SampleEvent).
// Unlike Render, a template's failure is returned, for the user to fix.
func Preview(w *Webhook, t EventType) ([]byte, error) {
	e := SampleEvent(w, t)
	if w.Format == FormatTemplate {
		return renderTemplate(w, e)
	}
	return Render(w, e)
}

func templateFallback(e *Event, cause error) ([]byte, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, Errorf(EINTERNAL, "encode %s data: %v", e.Type, err)
	}
	return json.Marshal(struct {
		Envelope
		TemplateError string `json:"template_error"`
	}{Envelope{Type: e.Type, Timestamp: e.Timestamp.UTC().Truncate(time.Millisecond), Data: data}, ErrorMessage(cause)})
}
