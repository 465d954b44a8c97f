package core

import (
	"context"
	"encoding/json"
	"time"
)

// DeliveryState is where a delivery stands.
type DeliveryState string

// Delivery states.
const (
	StatePending   DeliveryState = "pending"   // not yet attempted
	StateRetrying  DeliveryState = "retrying"  // attempted, failed, will try again
	StateSucceeded DeliveryState = "succeeded" // a 2xx answer
	StateFailed    DeliveryState = "failed"    // retries exhausted, or not retryable
)

// ParseDeliveryState validates a state given by the user.
func ParseDeliveryState(s string) (DeliveryState, error) {
	switch st := DeliveryState(s); st {
	case StatePending, StateRetrying, StateSucceeded, StateFailed:
		return st, nil
	}
	return "", FieldErrorf("status", "unknown state %q (choose from pending, retrying, succeeded, failed)", s)
}

// Delivery is one event on its way to one webhook. It is written before the
// first attempt, so that nothing is lost if the process dies.
type Delivery struct {
	ID        int64           `json:"id"`
	WebhookID int64           `json:"webhook_id"`
	MsgID     string          `json:"webhook_msg_id"` // the webhook-id header
	EventKey  string          `json:"-"`
	EventType EventType       `json:"event_type"`
	Payload   json.RawMessage `json:"payload"`
	State     DeliveryState   `json:"state"`
	// AttemptCount counts attempts since the delivery was (re)queued; it
	// indexes the retry schedule.
	AttemptCount  int        `json:"attempt_count"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastStatus    int        `json:"last_status,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Attempts      []*Attempt `json:"attempts,omitempty"`
}

// Attempt is one HTTP request of a delivery, as it was sent and answered.
type Attempt struct {
	ID              int64               `json:"id"`
	DeliveryID      int64               `json:"delivery_id"`
	StartedAt       time.Time           `json:"started_at"`
	Duration        time.Duration       `json:"-"`
	DurationMS      float64             `json:"duration_ms"`
	StatusCode      int                 `json:"status_code,omitempty"`
	RequestHeaders  map[string][]string `json:"request_headers,omitempty"`
	ResponseHeaders map[string][]string `json:"response_headers,omitempty"`
	ResponseBody    string              `json:"response_body,omitempty"`
	Error           string              `json:"error,omitempty"`
	Interrupted     bool                `json:"interrupted,omitempty"`
	// Number is the attempt's place in the retry schedule, 1 for the
	// first; an interrupted attempt shares its number with the attempt
	// that replaces it. 0 for attempts logged before numbers were kept.
	Number int `json:"number"`
}

// MaxResponseBody is how much of a response body an attempt keeps.
const MaxResponseBody = 4 << 10

// NewDelivery is an event's delivery to one webhook, ready to enqueue.
type NewDelivery struct {
	WebhookID int64
	EventKey  string
	EventType EventType
	Payload   []byte
	// NotBefore delays the first attempt (digests); zero means now.
	NotBefore time.Time
}

// AttemptResult is what a worker hands back after one attempt: the attempt
// to log and what the retry policy decided.
type AttemptResult struct {
	Delivery *Delivery
	Attempt  *Attempt
	Decision Decision
}

// DeliveryFilter narrows FindDeliveries. Zero fields match everything.
type DeliveryFilter struct {
	WebhookID int64
	SiteID    int64
	State     DeliveryState
	Limit     int // 0: 50
	Offset    int
	// WithAttempts fills each delivery's Attempts.
	WithAttempts bool
}

// DeliveryStats counts deliveries by state.
type DeliveryStats map[DeliveryState]int

// DueFilter picks the due deliveries DeliveryService.DueDeliveries returns.
type DueFilter struct {
	// FirstOnly picks only deliveries never attempted, so that first
	// attempts never queue behind retries; otherwise only retries.
	FirstOnly bool
	// Limit bounds how many are returned; 0 or less returns none.
	Limit int
	// Skip leaves out the ids set to true (the caller's in flight).
	Skip map[int64]bool
}

// DeliveryService is the durable outbox.
type DeliveryService interface {
	// Enqueue writes deliveries in one transaction. A delivery whose
	// (webhook, event key) is already queued is skipped, which makes
	// enqueuing idempotent.
	Enqueue(ctx context.Context, ds []NewDelivery) error
	// DueDeliveries returns up to f.Limit deliveries of enabled webhooks
	// that are pending or retrying and due at now, oldest first, as f
	// picks them.
	DueDeliveries(ctx context.Context, now time.Time, f DueFilter) ([]*Delivery, error)
	// RecordAttempts logs attempts and applies their decisions in one
	// transaction, so that a batch of workers' results costs one commit.
	RecordAttempts(ctx context.Context, results []AttemptResult) error
	// FindDeliveryByID returns delivery id with its attempts, oldest
	// first, or ENOTFOUND.
	FindDeliveryByID(ctx context.Context, id int64) (*Delivery, error)
	// FindDeliveries returns a page of the deliveries filter selects,
	// newest first, and how many it selects in all; the caller pages with
	// filter's Limit and Offset and shows the total.
	FindDeliveries(ctx context.Context, filter DeliveryFilter) ([]*Delivery, int, error)
	// Redeliver queues a delivery again, whatever its state, with the same
	// payload and webhook-id.
	Redeliver(ctx context.Context, id int64) (*Delivery, error)
	// PruneAttempts deletes attempts started before t.
	PruneAttempts(ctx context.Context, before time.Time) (int, error)
	// DeliveryStats counts every delivery by state; a state with none is
	// missing from the map.
	DeliveryStats(ctx context.Context) (DeliveryStats, error)
	// LastDeliveries returns each webhook's most recent delivery.
	LastDeliveries(ctx context.Context) (map[int64]*Delivery, error)
}

// MarshalJSON writes the delivery with its payload as JSON when the body is
// JSON, and as a string when it is not (an ntfy message, a text template),
// so that every body can be listed.
func (d Delivery) MarshalJSON() ([]byte, error) {
	type plain Delivery
	if len(d.Payload) == 0 || json.Valid(d.Payload) {
		return json.Marshal(plain(d))
	}
	return json.Marshal(struct {
		plain
		Payload string `json:"payload"`
	}{plain(d), string(d.Payload)})
}
