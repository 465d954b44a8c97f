package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// RecordAttempts logs each result's attempt and applies its decision, all
// in one transaction:
//
//   - success: the delivery succeeds and the webhook's failing-since clock
//     stops;
//   - retry: the delivery waits until Decision.NextAttemptAt;
//   - fail: the delivery fails for good;
//   - interrupted: the delivery keeps its state and attempt count and is
//     due again at once, since shutdown, not the endpoint, cut it off.
//
// A failure starts the webhook's failing-since clock at the attempt's start
// if it is not running, and disables the webhook once the clock has run
// for Decision.DisableAfter; Decision.DisableWebhook disables it at once.
// Results of deliveries deleted meanwhile (their webhook was removed) are
// dropped. On success each Attempt gets its ID and each Delivery is brought
// up to date with what was stored, so the caller must not share them with
// other goroutines during the call.
func (s *DeliveryService) RecordAttempts(ctx context.Context, results []core.AttemptResult) error {
	if len(results) == 0 {
		return nil
	}
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rec, err := newRecorder(ctx, tx)
	if err != nil {
		return err
	}
	defer rec.close()
	// Apply the bookkeeping to copies, so that a failed transaction
	// leaves the caller's deliveries as they were.
	updated := make([]core.Delivery, len(results))
	ids := make([]int64, len(results))
	for i, r := range results {
		if r.Delivery == nil || r.Attempt == nil {
			return core.Errorf(core.EINTERNAL, "record attempt %d of %d: missing delivery or attempt", i+1, len(results))
		}
		updated[i] = *r.Delivery
		if ids[i], err = rec.record(ctx, &updated[i], r.Attempt, r.Decision); err != nil {
			return err
		}
	}
	if err := tx.commit(); err != nil {
		return err
	}
	for i, r := range results {
		if ids[i] != 0 {
			*r.Delivery = updated[i]
			r.Attempt.ID, r.Attempt.DeliveryID = ids[i], r.Delivery.ID
		}
	}
	return nil
}

// recorder holds the statements of one RecordAttempts transaction, prepared
// once per batch.
type recorder struct {
	now                                       time.Time
	update, insert, healthy, failing, disable *sql.Stmt
	// health caches what this batch has learnt of each webhook, so that
	// a batch of many attempts to one webhook updates it once or twice,
	// not once per attempt.
	hooks map[int64]*hookHealth
}

// hookHealth is a webhook's failure clock as this batch left it.
type hookHealth struct {
	failingSince time.Time // zero: healthy
	enabled      bool
}

func newRecorder(ctx context.Context, tx *Tx) (*recorder, error) {
	r := &recorder{now: tx.now, hooks: make(map[int64]*hookHealth)}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&r.update, `UPDATE deliveries SET state = ?, attempt_count = attempt_count + ?, next_attempt_at = ?,
			last_status = ?, last_error = ?, updated_at = ? WHERE id = ? RETURNING attempt_count`},
		{&r.insert, `INSERT INTO attempts (delivery_id, started_at, duration_us, status, request_headers,
			response_headers, response_body, error, interrupted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&r.healthy, `UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`},
		{&r.failing, `UPDATE webhooks SET failing_since = coalesce(failing_since, ?) WHERE id = ? RETURNING failing_since, enabled`},
		{&r.disable, `UPDATE webhooks SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1`},
	} {
		st, err := tx.PrepareContext(ctx, p.sql)
		if err != nil {
			r.close()
			return nil, dbError("prepare attempt statements", err)
		}
		*p.stmt = st
	}
	return r, nil
}

func (r *recorder) close() {
	for _, st := range []*sql.Stmt{r.update, r.insert, r.healthy, r.failing, r.disable} {
		if st != nil {
			st.Close()
		}
	}
}

// record applies one attempt to d and returns the attempt's id, or 0 when
// the delivery no longer exists.
func (r *recorder) record(ctx context.Context, d *core.Delivery, a *core.Attempt, dec core.Decision) (int64, error) {
	started := a.StartedAt
	if started.IsZero() {
		started = r.now
	}
	counted := 1 // the attempt counts against the retry schedule
	switch dec.Verdict {
	case core.VerdictSuccess:
		d.State = core.StateSucceeded
	case core.VerdictRetry:
		d.State, d.NextAttemptAt = core.StateRetrying, dec.NextAttemptAt
		if d.NextAttemptAt.IsZero() {
			d.NextAttemptAt = r.now
		}
	case core.VerdictFail:
		d.State = core.StateFailed
	case core.VerdictInterrupted:
		d.NextAttemptAt, counted = r.now, 0
	default:
		return 0, core.Errorf(core.EINTERNAL, "record attempt of delivery %d: unknown verdict %q", d.ID, dec.Verdict)
	}
	d.LastStatus, d.LastError = a.StatusCode, a.Error
	d.NextAttemptAt, d.UpdatedAt = fromMS(ms(d.NextAttemptAt)), fromMS(ms(r.now))

	// The count is the stored one, not the caller's copy's, which a
	// redeliver may have reset while the attempt was in flight.
	err := r.update.QueryRowContext(ctx, string(d.State), counted, ms(d.NextAttemptAt),
		d.LastStatus, d.LastError, ms(d.UpdatedAt), d.ID).Scan(&d.AttemptCount)
	if err == sql.ErrNoRows {
		return 0, nil
	} else if err != nil {
		return 0, dbError("update delivery", err)
	}

	reqH, err := headersJSON(a.RequestHeaders)
	if err != nil {
		return 0, err
	}
	respH, err := headersJSON(a.ResponseHeaders)
	if err != nil {
		return 0, err
	}
	body := a.ResponseBody
	if len(body) > core.MaxResponseBody {
		body = strings.ToValidUTF8(body[:core.MaxResponseBody], "")
	}
	res, err := r.insert.ExecContext(ctx, d.ID, ms(started), a.Duration.Microseconds(), a.StatusCode,
		reqH, respH, body, a.Error, boolInt(dec.Verdict == core.VerdictInterrupted || a.Interrupted))
	if err != nil {
		return 0, dbError("insert attempt", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, dbError("insert attempt", err)
	}
	return id, r.health(ctx, d.WebhookID, started, dec)
}

// health runs the webhook's failing-since clock and disables it when asked.
func (r *recorder) health(ctx context.Context, webhookID int64, started time.Time, dec core.Decision) error {
	h := r.hooks[webhookID]
	switch dec.Verdict {
	case core.VerdictInterrupted:
		return nil
	case core.VerdictSuccess:
		if h != nil && h.failingSince.IsZero() {
			return nil
		}
		if _, err := r.healthy.ExecContext(ctx, webhookID); err != nil {
			return dbError("update webhook health", err)
		}
		if h != nil {
			h.failingSince = time.Time{}
		}
		// Without h the enabled flag is unknown: leave it to the next
		// failure to read.
		return nil
	}
	if h == nil || h.failingSince.IsZero() {
		var since int64
		var enabled bool
		if err := r.failing.QueryRowContext(ctx, ms(started), webhookID).Scan(&since, &enabled); err != nil {
			return dbError("update webhook health", err)
		}
		h = &hookHealth{failingSince: fromMS(since), enabled: enabled}
		r.hooks[webhookID] = h
	}
	reason := ""
	switch {
	case !h.enabled:
		return nil
	case dec.DisableWebhook:
		reason = dec.DisableReason
		if reason == "" {
			reason = "disabled by the retry policy"
		}
	case dec.DisableAfter > 0 && started.Sub(h.failingSince) >= dec.DisableAfter:
		reason = fmt.Sprintf("no successful delivery for %s (failing since %s)",
			humanDuration(dec.DisableAfter), h.failingSince.Format(time.RFC3339))
	default:
		return nil
	}
	if _, err := r.disable.ExecContext(ctx, reason, ms(r.now), webhookID); err != nil {
		return dbError("disable webhook", err)
	}
	h.enabled = false
	return nil
}

// humanDuration writes d as a user would: "5 days", "36 hours", "90m0s".
func humanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	}
	return d.String()
}

func headersJSON(h map[string][]string) (any, error) {
	if len(h) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return nil, dbError("encode headers", err)
	}
	return string(b), nil
}

// attachAttempts fills each delivery's Attempts, oldest first.
func attachAttempts(ctx context.Context, tx *Tx, ds []*core.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	byID := make(map[int64]*core.Delivery, len(ds))
	ids := make([]any, len(ds))
	for i, d := range ds {
		byID[d.ID], ids[i] = d, d.ID
		d.Attempts = []*core.Attempt{}
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, delivery_id, started_at, duration_us, status, request_headers,
		response_headers, response_body, error, interrupted FROM attempts
		WHERE delivery_id IN (`+strings.Repeat("?,", len(ids)-1)+`?) ORDER BY started_at, id`, ids...)
	if err != nil {
		return dbError("find attempts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a core.Attempt
		var started, dur int64
		var reqH, respH sql.NullString
		if err := rows.Scan(&a.ID, &a.DeliveryID, &started, &dur, &a.StatusCode, &reqH, &respH,
			&a.ResponseBody, &a.Error, &a.Interrupted); err != nil {
			return dbError("find attempts", err)
		}
		a.StartedAt, a.Duration = fromMS(started), time.Duration(dur)*time.Microsecond
		a.DurationMS = float64(a.Duration) / float64(time.Millisecond)
		for _, h := range []struct {
			src sql.NullString
			dst *map[string][]string
		}{{reqH, &a.RequestHeaders}, {respH, &a.ResponseHeaders}} {
			if h.src.Valid {
				if err := json.Unmarshal([]byte(h.src.String), h.dst); err != nil {
					return dbError("decode attempt headers", err)
				}
			}
		}
		byID[a.DeliveryID].Attempts = append(byID[a.DeliveryID].Attempts, &a)
	}
	if err := rows.Err(); err != nil {
		return dbError("find attempts", err)
	}
	return nil
}
