package core

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// MaxWebhooksPerSite bounds how many webhooks one site may have, so that one
// site's fan-out cannot starve the others.
const MaxWebhooksPerSite = 10

// MaxURLLength is the longest webhook URL accepted.
const MaxURLLength = 2048

// DefaultCooldown is how long a traffic alert stays quiet after it fires,
// matching Plausible's own 12 h mute.
const DefaultCooldown = 12 * time.Hour

// Format is the shape of the body a webhook receives.
type Format string

// Formats a webhook can send.
const (
	FormatStandard Format = "standard" // Standard Webhooks envelope
	FormatSlack    Format = "slack"    // Slack incoming-webhook message
	FormatDiscord  Format = "discord"  // Discord webhook message
)

// Webhook is an endpoint that receives a site's events.
type Webhook struct {
	ID     int64  `json:"id"`
	SiteID int64  `json:"-"`
	Site   string `json:"site"` // the site's domain, filled on reads
	URL    string `json:"url"`

	// Secret signs every request. It is never printed except when it is
	// created or rotated; PrevSecret keeps signing until PrevSecretUntil
	// so that receivers can switch without downtime.
	Secret          string    `json:"-"`
	PrevSecret      string    `json:"-"`
	PrevSecretUntil time.Time `json:"-"`

	Enabled bool `json:"enabled"`
	// SpikeAnomaly and DropAnomaly make the traffic alerts relative to
	// what is normal for the site at this hour of the week, instead of a
	// fixed threshold; an alert has one rule or the other. Sensitivity,
	// MinVisitors and BaselineWeeks tune them (see core.Band). They sit
	// beside Enabled so that the three bools share a word: the struct then
	// fits a 384-byte size class, not 416, which is 3 MB of a cache of
	// 100,000 webhooks.
	SpikeAnomaly   bool   `json:"-"`
	DropAnomaly    bool   `json:"-"`
	DisabledReason string `json:"disabled_reason,omitempty"`
	// FailingSince is the start of the current run of failed attempts with
	// no success; zero while the webhook is healthy.
	FailingSince   time.Time   `json:"failing_since,omitzero"`
	Events         []EventType `json:"events"`
	SpikeThreshold int         `json:"spike_threshold,omitempty"` // 0: not set
	DropThreshold  int         `json:"drop_threshold,omitempty"`  // 0: not set
	Sensitivity    Sensitivity `json:"sensitivity"`
	MinVisitors    int         `json:"min_visitors"`
	BaselineWeeks  int         `json:"baseline_weeks"`
	Goals          []string    `json:"goals"` // empty: all goals
	AllowPrivate   bool        `json:"allow_private"`

	// Cooldown is the least time between two firings of one traffic alert.
	Cooldown time.Duration `json:"-"`
	// SendResolved subscribes to the *.resolved events of the traffic
	// alerts this webhook subscribes to.
	SendResolved bool `json:"send_resolved"`

	Format Format `json:"format"`
	// Headers are sent with every request. Their values are secrets:
	// never logged and never shown.
	Headers map[string]string `json:"-"`
	// DigestInterval gathers goal completions into one message per goal
	// per interval; zero sends each poll window's completions at once.
	DigestInterval time.Duration `json:"-"`
	// Template is the text/template of a FormatTemplate webhook's body, and
	// TemplateContentType the Content-Type it is sent with (ContentType
	// gives every format's).
	Template            string `json:"template,omitempty"`
	TemplateContentType string `json:"-"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Subscribes reports whether the webhook receives events of type t. A
// resolved event follows its alert's subscription and SendResolved.
func (w *Webhook) Subscribes(t EventType) bool {
	switch t {
	case EventSpikeResolved:
		return w.SendResolved && slices.Contains(w.Events, EventSpike)
	case EventDropResolved:
		return w.SendResolved && slices.Contains(w.Events, EventDrop)
	case EventTest:
		return true
	}
	return slices.Contains(w.Events, t)
}

// WantsGoal reports whether the goal filter lets goal through.
func (w *Webhook) WantsGoal(g *Goal) bool {
	return len(w.Goals) == 0 || slices.Contains(w.Goals, g.Name())
}

// HeaderNames returns the names of the custom headers, sorted, for display
// without their values.
func (w *Webhook) HeaderNames() []string {
	names := make([]string, 0, len(w.Headers))
	for k := range w.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// DefaultEvents is the subscription of a webhook added without --events:
// goal completions always, and each traffic alert whose threshold is set.
func DefaultEvents(spikeThreshold, dropThreshold int) []EventType {
	return DefaultEventsOf(&Webhook{SpikeThreshold: spikeThreshold, DropThreshold: dropThreshold})
}

// ParseEventTypes parses a comma-separated list of subscribable event types.
func ParseEventTypes(s string) ([]EventType, error) {
	var out []EventType
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		t := EventType(f)
		if !slices.Contains(SubscribableEvents, t) {
			return nil, FieldErrorf("events", "unknown event type %q (choose from %s)", f, joinEvents(SubscribableEvents))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, FieldErrorf("events", "must name at least one event type (choose from %s)", joinEvents(SubscribableEvents))
	}
	return out, nil
}

func joinEvents(ev []EventType) string {
	s := make([]string, len(ev))
	for i, e := range ev {
		s[i] = string(e)
	}
	return strings.Join(s, ", ")
}

// Validate reports the first rule the webhook breaks. It fills defaults
// (format, cooldown) left zero.
func (w *Webhook) Validate() error {
	if w.SiteID == 0 && w.Site == "" {
		return FieldErrorf("site", "is required")
	}
	if err := ValidateURL(w.URL, w.AllowPrivate); err != nil {
		return err
	}
	if _, err := ParseSecret(w.Secret); err != nil {
		return err
	}
	if w.SpikeThreshold < 0 {
		return FieldErrorf("spike_threshold", "must be an integer ≥ 1")
	}
	if w.DropThreshold < 0 {
		return FieldErrorf("drop_threshold", "must be an integer ≥ 1")
	}
	if len(w.Events) == 0 {
		return FieldErrorf("events", "must name at least one event type (choose from %s)", joinEvents(SubscribableEvents))
	}
	for _, t := range w.Events {
		if !slices.Contains(SubscribableEvents, t) {
			return FieldErrorf("events", "unknown event type %q (choose from %s)", t, joinEvents(SubscribableEvents))
		}
	}
	if err := w.validateRules(); err != nil {
		return err
	}
	for _, g := range w.Goals {
		if strings.TrimSpace(g) == "" {
			return FieldErrorf("goals", "must not contain an empty name")
		}
	}
	if w.Cooldown == 0 {
		w.Cooldown = DefaultCooldown
	}
	if err := CooldownRange.Check("cooldown", w.Cooldown); err != nil {
		return err
	}
	seen := make(map[string]string, len(w.Headers))
	for k, v := range w.Headers {
		if err := ValidateHeader(k, v); err != nil {
			return err
		}
		// HTTP names are case-insensitive: two spellings would send one
		// header with a value picked at random.
		if prev, ok := seen[strings.ToLower(k)]; ok {
			return FieldErrorf("header", "%s is given twice (as %s and %s)", k, prev, k)
		}
		seen[strings.ToLower(k)] = k
	}
	if w.DigestInterval != 0 && !DigestRange.Contains(w.DigestInterval) {
		return FieldErrorf("digest", "must be 0 (off) or between %s and %s", ShortDuration(DigestRange.Min), ShortDuration(DigestRange.Max))
	}
	// Last: a template is rendered against the events the rest subscribes to.
	return w.validateFormat()
}

// reservedHeaders are set by hookwatch on every request; a custom header may
// not replace them, since receivers rely on them to verify what they get.
var reservedHeaders = []string{"content-type", "content-length", "host", "user-agent",
	"webhook-id", "webhook-timestamp", "webhook-signature", "transfer-encoding", "connection"}

// ValidateHeader checks one custom header.
func ValidateHeader(name, value string) error {
	if name == "" {
		return FieldErrorf("header", "needs a name, as 'Name: value'")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return FieldErrorf("header", "name %q has a character not allowed in an HTTP header name", name)
		}
	}
	if slices.Contains(reservedHeaders, strings.ToLower(name)) {
		return FieldErrorf("header", "%s is set by hookwatch and cannot be overridden", name)
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return FieldErrorf("header", "value of %s must be one line", name)
	}
	return nil
}

// ParseHeader parses "Name: value".
func ParseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", FieldErrorf("header", "must be written 'Name: value'")
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	return name, value, ValidateHeader(name, value)
}

// ValidateURL checks a webhook URL: absolute http or https, with a host, no
// userinfo, at most MaxURLLength characters, and a host that is not a
// private address unless allowPrivate is set.
func ValidateURL(raw string, allowPrivate bool) error {
	if raw == "" {
		return FieldErrorf("url", "is required")
	}
	if len(raw) > MaxURLLength {
		return FieldErrorf("url", "must be at most %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return FieldErrorf("url", "is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return FieldErrorf("url", "must use http or https, not %q", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return FieldErrorf("url", "must be absolute, with a host, such as https://example.com/hook")
	}
	if u.User != nil {
		return FieldErrorf("url", "must not contain a user name or password; use --header for credentials")
	}
	if !allowPrivate {
		if reason := PrivateHostReason(u.Hostname()); reason != "" {
			return FieldErrorf("url", "host %s is %s; set allow_private (--allow-private) to send to it", u.Hostname(), reason)
		}
	}
	return nil
}

// WebhookFilter narrows FindWebhooks. Zero fields match everything.
type WebhookFilter struct {
	SiteID      int64
	EnabledOnly bool
}

// WebhookUpdate holds the fields of an edit; nil fields are left as they are.
type WebhookUpdate struct {
	URL            *string
	Events         *[]EventType
	SpikeThreshold *int
	DropThreshold  *int
	// SpikeAnomaly and DropAnomaly switch an alert's rule: setting one
	// true clears the alert's threshold, and setting a threshold clears
	// it; setting both in one update is refused by Validate.
	SpikeAnomaly   *bool
	DropAnomaly    *bool
	Sensitivity    *Sensitivity
	MinVisitors    *int
	BaselineWeeks  *int
	Goals          *[]string
	AllowPrivate   *bool
	Cooldown       *time.Duration
	SendResolved   *bool
	Format         *Format
	Headers        *map[string]string
	DigestInterval *time.Duration
	Template       *string
	ContentType    *string // the template's Content-Type
}

// Apply copies the set fields of u onto w.
func (u WebhookUpdate) Apply(w *Webhook) {
	if u.URL != nil {
		w.URL = *u.URL
	}
	if u.Events != nil {
		w.Events = *u.Events
	}
	applyRule(&w.SpikeThreshold, &w.SpikeAnomaly, u.SpikeThreshold, u.SpikeAnomaly)
	applyRule(&w.DropThreshold, &w.DropAnomaly, u.DropThreshold, u.DropAnomaly)
	if u.Sensitivity != nil {
		w.Sensitivity = *u.Sensitivity
	}
	if u.MinVisitors != nil {
		w.MinVisitors = *u.MinVisitors
	}
	if u.BaselineWeeks != nil {
		w.BaselineWeeks = *u.BaselineWeeks
	}
	if u.Goals != nil {
		w.Goals = *u.Goals
	}
	if u.AllowPrivate != nil {
		w.AllowPrivate = *u.AllowPrivate
	}
	if u.Cooldown != nil {
		w.Cooldown = *u.Cooldown
	}
	if u.SendResolved != nil {
		w.SendResolved = *u.SendResolved
	}
	if u.Format != nil {
		w.Format = *u.Format
	}
	if u.Headers != nil {
		w.Headers = *u.Headers
	}
	if u.DigestInterval != nil {
		w.DigestInterval = *u.DigestInterval
	}
	if u.Template != nil {
		w.Template = *u.Template
	}
	if u.ContentType != nil {
		w.TemplateContentType = *u.ContentType
	}
}
