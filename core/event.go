package core

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// EventType names what happened.
type EventType string

// Event types.
const (
	EventSpike         EventType = "traffic.spike"
	EventSpikeResolved EventType = "traffic.spike.resolved"
	EventDrop          EventType = "traffic.drop"
	EventDropResolved  EventType = "traffic.drop.resolved"
	EventGoal          EventType = "goal.completed"
	EventTest          EventType = "webhook.test"
)

// SubscribableEvents are the types a webhook's events list may name; the
// resolved types follow SendResolved, and webhook.test goes to any webhook.
var SubscribableEvents = []EventType{EventSpike, EventDrop, EventGoal}

// AllEventTypes lists every event type, in the order they are documented.
var AllEventTypes = []EventType{EventSpike, EventSpikeResolved, EventDrop, EventDropResolved, EventGoal, EventTest}

// Event is something hookwatch tells webhooks about. Key identifies the
// occurrence (for example one goal in one poll window) so that enqueuing it
// twice, after a crash, makes one delivery and one webhook-id, not two.
type Event struct {
	Type      EventType
	Key       string
	SiteID    int64 // hookwatch's site id, for fan-out
	Timestamp time.Time
	Data      any // marshalled into the envelope's "data"
}

// Envelope is the JSON body of a standard-format delivery.
type Envelope struct {
	Type      EventType       `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// Payload returns the standard-format body of e.
func (e *Event) Payload() ([]byte, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, Errorf(EINTERNAL, "encode %s data: %v", e.Type, err)
	}
	return json.Marshal(Envelope{Type: e.Type, Timestamp: e.Timestamp.UTC().Truncate(time.Millisecond), Data: data})
}

// MessageID returns the webhook-id of the delivery of the event with key to
// webhook webhookID. It is derived, not random, so that the same event sent
// to the same webhook always carries the same id, across retries, restarts
// and re-enqueues.
func MessageID(webhookID int64, key string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(webhookID, 10) + "\x00" + key))
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

// SpikeData is the data of traffic.spike and traffic.spike.resolved.
type SpikeData struct {
	Site            string      `json:"site"`
	SiteID          uint64      `json:"site_id"`
	CurrentVisitors uint64      `json:"current_visitors"`
	Threshold       int         `json:"threshold"`
	Window          string      `json:"window"`
	TopSources      []SourceRow `json:"top_sources,omitempty"`
	TopPages        []PageRow   `json:"top_pages,omitempty"`
}

// DropData is the data of traffic.drop and traffic.drop.resolved.
type DropData struct {
	Site      string `json:"site"`
	SiteID    uint64 `json:"site_id"`
	Visitors  uint64 `json:"visitors"`
	Threshold int    `json:"threshold"`
	Window    string `json:"window"`
}

// GoalRef names a goal inside an event.
type GoalRef struct {
	Name string   `json:"name"`
	Kind GoalKind `json:"kind"`
}

// GoalData is the data of goal.completed.
type GoalData struct {
	Site           string    `json:"site"`
	SiteID         uint64    `json:"site_id"`
	Goal           GoalRef   `json:"goal"`
	Completions    uint64    `json:"completions"`
	UniqueVisitors uint64    `json:"unique_visitors"`
	PeriodStart    time.Time `json:"period_start"`
	PeriodEnd      time.Time `json:"period_end"`
}

// TestData is the data of webhook.test.
type TestData struct {
	Site      string `json:"site"`
	WebhookID int64  `json:"webhook_id"`
	Message   string `json:"message"`
}

// SourceRow is one of the top sources of a window, as an aggregate.
type SourceRow struct {
	Source   string `json:"source"`
	Visitors uint64 `json:"visitors"`
}

// PageRow is one of the top pages of a window, as an aggregate.
type PageRow struct {
	Page     string `json:"page"`
	Visitors uint64 `json:"visitors"`
}
