package core

import (
	"slices"
	"time"
)

// sampleTime is the timestamp of sample events: fixed, so that a preview
// shows the same body each time.
var sampleTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// EventTypes returns every event type w receives, in the order of its
// subscription: its events, their resolved types when SendResolved is
// set, and webhook.test.
func (w *Webhook) EventTypes() []EventType {
	out := slices.Clone(w.Events)
	for _, t := range w.Events {
		switch t {
		case EventSpike:
			if w.SendResolved {
				out = append(out, EventSpikeResolved)
			}
		case EventDrop:
			if w.SendResolved {
				out = append(out, EventDropResolved)
			}
		}
	}
	return append(out, EventTest)
}

// SampleEvent returns an event of type t as w could receive it, with the
// most data such an event carries: three top sources and pages for a
// spike. Previews and the checks of a template use it.
func SampleEvent(w *Webhook, t EventType) *Event {
	site := w.Site
	if site == "" {
		site = "example.com"
	}
	e := &Event{Type: t, Key: "sample:" + string(t), SiteID: w.SiteID, Timestamp: sampleTime}
	switch t {
	case EventSpike, EventSpikeResolved:
		d := SpikeData{Site: site, SiteID: 1, CurrentVisitors: 312, Threshold: max(w.SpikeThreshold, 1), Window: "5m"}
		if t == EventSpike {
			d.TopSources = []SourceRow{{"Google", 141}, {"news.ycombinator.com", 96}, {"Direct / None", 40}}
			d.TopPages = []PageRow{{"/blog/launch", 180}, {"/", 77}, {"/pricing", 31}}
		} else {
			d.CurrentVisitors = uint64(max(w.SpikeThreshold/2, 1))
		}
		e.Data = d
	case EventDrop, EventDropResolved:
		d := DropData{Site: site, SiteID: 1, Visitors: 12, Threshold: max(w.DropThreshold, 1), Window: "12h"}
		if t == EventDropResolved {
			d.Visitors = uint64(max(w.DropThreshold*2, 2))
		}
		e.Data = d
	case EventGoal:
		name := "Signup"
		if len(w.Goals) > 0 {
			name = w.Goals[0]
		}
		e.Data = GoalData{Site: site, SiteID: 1, Goal: GoalRef{Name: name, Kind: GoalEvent},
			Completions: 42, UniqueVisitors: 37, PeriodStart: sampleTime.Add(-15 * time.Minute), PeriodEnd: sampleTime}
	case EventTest:
		e.Data = TestData{Site: site, WebhookID: w.ID, Message: "This is a test event from hookwatch."}
	}
	return e
}

// sampleEvents returns the samples a template is checked against for type
// t: SampleEvent, and for a spike also one with no top sources or pages,
// since those lists are empty when the spike's visitors sent no referrer.
func sampleEvents(w *Webhook, t EventType) []*Event {
	e := SampleEvent(w, t)
	out := []*Event{e}
	if d, ok := e.Data.(SpikeData); ok && len(d.TopSources) > 0 {
		bare := *e
		d.TopSources, d.TopPages = nil, nil
		bare.Data = d
		out = append(out, &bare)
	}
	return out
}

// CheckTemplate parses w's template and renders it against samples of
// each event type w receives (EventTypes). The first failure is an
// EINVALID error on field "template" naming the event type and the line.
func CheckTemplate(w *Webhook) error {
	if _, err := ParseTemplate(w.Template); err != nil {
		return err
	}
	for _, t := range w.EventTypes() {
		for _, e := range sampleEvents(w, t) {
			if _, err := renderTemplate(w, e); err != nil {
				return err
			}
		}
	}
	return nil
}
