package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// A webhook's row: how its fields become columns and back.

// webhookFields returns the columns from url to baseline_weeks. It
// makes nil goals empty, as they read back, so that --json prints [] and
// not null, and empty headers nil, as they read back too: most webhooks
// have none, and an empty map each is 5 MB of a cache of 100,000.
func webhookFields(w *core.Webhook) ([]any, error) {
	if w.Goals == nil {
		w.Goals = []string{}
	}
	if len(w.Headers) == 0 {
		w.Headers = nil
	}
	goalsJSON, err := json.Marshal(w.Goals)
	if err != nil {
		return nil, dbError("encode goals", err)
	}
	headersJSON := []byte("{}")
	if w.Headers != nil {
		if headersJSON, err = json.Marshal(w.Headers); err != nil {
			return nil, dbError("encode headers", err)
		}
	}
	return []any{w.URL, w.Secret, w.PrevSecret, nullMS(w.PrevSecretUntil),
		boolInt(w.Enabled), w.DisabledReason, nullMS(w.FailingSince), joinEventTypes(w.Events),
		w.SpikeThreshold, w.DropThreshold, string(goalsJSON),
		boolInt(w.AllowPrivate), w.Cooldown.Milliseconds(), boolInt(w.SendResolved), string(w.Format),
		string(headersJSON), w.DigestInterval.Milliseconds(), w.Template, w.TemplateContentType,
		boolInt(w.SpikeAnomaly), boolInt(w.DropAnomaly), string(w.Sensitivity), w.MinVisitors, w.BaselineWeeks}, nil
}

const webhookColumns = `w.id, w.site_id, s.domain, w.url, w.secret, w.prev_secret, w.prev_secret_until,
	w.enabled, w.disabled_reason, w.failing_since, w.events, w.spike_threshold, w.drop_threshold, w.goals,
	w.allow_private, w.cooldown_ms, w.send_resolved, w.format, w.headers, w.digest_interval_ms,
	w.template, w.content_type, w.spike_anomaly, w.drop_anomaly, w.sensitivity, w.min_visitors, w.baseline_weeks,
	w.created_at, w.updated_at`

// interner shares the strings and event lists that many webhooks of one
// read have alike, so that a cache of 100,000 webhooks holds one copy of
// each. Event lists are shared at full capacity: an append copies them.
// It also lends the read its one webhookRow.
type interner struct {
	domains map[int64]string
	events  map[string][]core.EventType
	row     *webhookRow
}

// webhookRow is what scanWebhook scans a row into, with the Scan
// destinations made once: made per row, the 29 pointers and the locals
// they point at were about 550 B of garbage a webhook, 55 MB for a first
// read of 100,000.
type webhookRow struct {
	w                                           core.Webhook
	prevUntil, failingSince                     sql.NullInt64
	enabled, allowPrivate, sendResolved         bool
	events, goals, format, headers, sensitivity string
	cooldown, digest, created, updated          int64
	dest                                        []any
}

func newWebhookRow() *webhookRow {
	r := &webhookRow{}
	w := &r.w
	r.dest = []any{&w.ID, &w.SiteID, &w.Site, &w.URL, &w.Secret, &w.PrevSecret, &r.prevUntil,
		&r.enabled, &w.DisabledReason, &r.failingSince, &r.events, &w.SpikeThreshold, &w.DropThreshold, &r.goals,
		&r.allowPrivate, &r.cooldown, &r.sendResolved, &r.format, &r.headers, &r.digest,
		&w.Template, &w.TemplateContentType,
		&w.SpikeAnomaly, &w.DropAnomaly, &r.sensitivity, &w.MinVisitors, &w.BaselineWeeks, &r.created, &r.updated}
	return r
}

func scanWebhook(row scanner, in *interner) (*core.Webhook, error) {
	var r *webhookRow
	if in == nil {
		r = newWebhookRow()
	} else {
		if in.row == nil {
			in.row = newWebhookRow()
		}
		r = in.row
	}
	r.w = core.Webhook{} // Scan sets every column; the decoded fields start empty
	if err := row.Scan(r.dest...); err != nil {
		return nil, err
	}
	w := r.w
	w.PrevSecretUntil, w.FailingSince = fromNullMS(r.prevUntil), fromNullMS(r.failingSince)
	w.Enabled, w.AllowPrivate, w.SendResolved = r.enabled, r.allowPrivate, r.sendResolved
	if in == nil {
		w.Events = splitEventTypes(r.events)
	} else {
		if d, ok := in.domains[w.SiteID]; ok {
			w.Site = d
		} else {
			in.domains[w.SiteID] = w.Site
		}
		ev, ok := in.events[r.events]
		if !ok {
			ev = splitEventTypes(r.events)
			ev = ev[:len(ev):len(ev)]
			in.events[r.events] = ev
		}
		w.Events = ev
	}
	// The empty values, which most webhooks have, without the decoder.
	if r.goals == "[]" {
		w.Goals = []string{}
	} else if err := json.Unmarshal([]byte(r.goals), &w.Goals); err != nil {
		return nil, fmt.Errorf("webhook %d goals: %w", w.ID, err)
	}
	if r.headers == "{}" {
		w.Headers = nil // see webhookFields
	} else if err := json.Unmarshal([]byte(r.headers), &w.Headers); err != nil {
		return nil, fmt.Errorf("webhook %d headers: %w", w.ID, err)
	}
	w.Cooldown, w.DigestInterval = time.Duration(r.cooldown)*time.Millisecond, time.Duration(r.digest)*time.Millisecond
	w.Format, w.CreatedAt, w.UpdatedAt = core.Format(r.format), fromMS(r.created), fromMS(r.updated)
	for _, f := range []core.Format{core.FormatStandard, core.FormatSlack, core.FormatDiscord} {
		if w.Format == f {
			w.Format = f // the constant, not a copy per row
		}
	}
	w.Sensitivity = core.Sensitivity(r.sensitivity)
	for _, v := range core.Sensitivities {
		if w.Sensitivity == v {
			w.Sensitivity = v // the constant, as for the format
		}
	}
	return &w, nil
}

func joinEventTypes(ev []core.EventType) string {
	s := make([]string, len(ev))
	for i, e := range ev {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

func splitEventTypes(s string) []core.EventType {
	if s == "" {
		return nil
	}
	var out []core.EventType
	for _, f := range strings.Split(s, ",") {
		out = append(out, core.EventType(f))
	}
	return out
}
