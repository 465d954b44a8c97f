package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// hookHealth is a webhook's failure clock, as read and as the batch's
// results leave it.
type hookHealth struct {
	readSince    time.Time // failing_since as read; zero: healthy
	failingSince time.Time
	enabled      bool
	disable      string // the reason, when the batch disables it
}

// updateHookHealth runs the failing-since clocks of the webhooks of b's
// recorded attempts, and disables webhooks as their results ask. It reads
// each webhook that had a failure once, plays its results in order, and
// writes only what changed; a webhook that had only successes needs no
// read, since it ends healthy whatever it was.
func updateHookHealth(ctx context.Context, tx *Tx, b *attemptBatch) error {
	// Each webhook with a counted result, in the order first seen.
	var order []int64
	seen := map[int64]bool{}
	failed := map[int64]*hookHealth{}
	for i, r := range b.results {
		if !b.found[i] || r.Decision.Verdict == core.VerdictInterrupted {
			continue
		}
		id := b.updated[i].WebhookID
		if !seen[id] {
			seen[id] = true
			order = append(order, id)
		}
		if r.Decision.Verdict != core.VerdictSuccess && failed[id] == nil {
			failed[id] = &hookHealth{}
		}
	}
	var failedIDs, healed []int64
	for _, id := range order {
		if failed[id] != nil {
			failedIDs = append(failedIDs, id)
		} else {
			healed = append(healed, id)
		}
	}
	if err := readHookHealth(ctx, tx, failed, failedIDs); err != nil {
		return err
	}

	for i, r := range b.results {
		h := failed[b.updated[i].WebhookID]
		if !b.found[i] || h == nil {
			continue
		}
		switch r.Decision.Verdict {
		case core.VerdictInterrupted:
		case core.VerdictSuccess:
			h.failingSince = time.Time{}
		default:
			h.fail(b.started[i], r.Decision)
		}
	}

	for _, id := range failedIDs {
		h := failed[id]
		if h == nil {
			continue // deleted; see readHookHealth
		}
		switch {
		case h.failingSince.IsZero() && !h.readSince.IsZero():
			healed = append(healed, id)
		case !h.failingSince.Equal(h.readSince):
			if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET failing_since = ? WHERE id = ?`, ms(h.failingSince), id); err != nil {
				return dbError("update webhook health", err)
			}
		}
		if h.disable != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?`,
				h.disable, ms(b.now), id); err != nil {
				return dbError("disable webhook", err)
			}
		}
	}
	return healHooks(ctx, tx, healed)
}

// fail runs the clock for a failed attempt started at started and decides
// whether the webhook is disabled.
func (h *hookHealth) fail(started time.Time, dec core.Decision) {
	if h.failingSince.IsZero() {
		h.failingSince = fromMS(ms(started)) // as stored
	}
	if !h.enabled {
		return
	}
	switch {
	case dec.DisableWebhook:
		h.disable = dec.DisableReason
		if h.disable == "" {
			h.disable = "disabled by the retry policy"
		}
	case dec.DisableAfter > 0 && started.Sub(h.failingSince) >= dec.DisableAfter:
		h.disable = fmt.Sprintf("no successful delivery for %s (failing since %s)",
			humanDuration(dec.DisableAfter), h.failingSince.Format(time.RFC3339))
	default:
		return
	}
	h.enabled = false
}

// readHookHealthSQL reads the clocks and enabled flags of the webhooks in
// a JSON array of ids. One constant statement, whatever the number of ids,
// so that it is parsed once (see recordQueries).
const readHookHealthSQL = `SELECT id, failing_since, enabled FROM webhooks
	WHERE id IN (SELECT value FROM json_each(?))`

// healHooksSQL stops the clocks of the webhooks in a JSON array of ids;
// most are not running and are left alone.
const healHooksSQL = `UPDATE webhooks SET failing_since = NULL
	WHERE id IN (SELECT value FROM json_each(?)) AND failing_since IS NOT NULL`

// readHookHealth fills hooks[id] for ids with the stored clock and enabled
// flag. A webhook deleted meanwhile is dropped from hooks; its deliveries
// went with it, so this cannot happen inside the write transaction that
// found them, but nothing is written for it if it does.
func readHookHealth(ctx context.Context, tx *Tx, hooks map[int64]*hookHealth, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	st, err := tx.stmt(ctx, readHookHealthSQL)
	if err != nil {
		return dbError("read webhook health", err)
	}
	defer st.Close()
	rows, err := st.QueryContext(ctx, jsonIDs(ids))
	if err != nil {
		return dbError("read webhook health", err)
	}
	defer rows.Close()
	seen := make(map[int64]bool, len(ids))
	for rows.Next() {
		var id int64
		var since sql.NullInt64
		var enabled bool
		if err := rows.Scan(&id, &since, &enabled); err != nil {
			return dbError("read webhook health", err)
		}
		h := hooks[id]
		h.readSince, h.enabled = fromNullMS(since), enabled
		h.failingSince = h.readSince
		seen[id] = true
	}
	if err := rows.Err(); err != nil {
		return dbError("read webhook health", err)
	}
	for id := range hooks {
		if !seen[id] {
			delete(hooks, id)
		}
	}
	return nil
}

// healHooks stops the failing-since clocks of ids.
func healHooks(ctx context.Context, tx *Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	st, err := tx.stmt(ctx, healHooksSQL)
	if err != nil {
		return dbError("update webhook health", err)
	}
	defer st.Close()
	if _, err := st.ExecContext(ctx, jsonIDs(ids)); err != nil {
		return dbError("update webhook health", err)
	}
	return nil
}

// jsonIDs returns ids as a JSON array, for json_each: one bound value
// instead of one per id, which keeps the statement's text constant.
func jsonIDs(ids []int64) string {
	b := make([]byte, 0, 2+8*len(ids))
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
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
