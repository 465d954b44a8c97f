package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"math/bits"
	"strings"
	"sync"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// rowsPerStatement bounds the rows of one multi-row statement, and so its
// bound variables (10 a row at most) well below SQLite's limit of 32,766.
// A power of two: see inPieces.
const rowsPerStatement = 256

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
// Results take effect in order, as if recorded one by one. Results of
// deliveries deleted meanwhile (their webhook was removed) are dropped. On
// success each Attempt gets its ID and each Delivery is brought up to date
// with what was stored, so the caller must not share them with other
// goroutines during the call.
func (s *DeliveryService) RecordAttempts(ctx context.Context, results []core.AttemptResult) error {
	if len(results) == 0 {
		return nil
	}
	for i, r := range results {
		if r.Delivery == nil || r.Attempt == nil {
			return core.Errorf(core.EINTERNAL, "record attempt %d of %d: missing delivery or attempt", i+1, len(results))
		}
		switch r.Decision.Verdict {
		case core.VerdictSuccess, core.VerdictRetry, core.VerdictFail, core.VerdictInterrupted:
		default:
			return core.Errorf(core.EINTERNAL, "record attempt of delivery %d: unknown verdict %q", r.Delivery.ID, r.Decision.Verdict)
		}
	}
	if err := s.db.prepare(ctx, recordQueries()); err != nil {
		return err
	}
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	b := newAttemptBatch(tx.now, results)
	if err := recordAttempts(ctx, tx, b); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return err
	}
	for i, r := range results {
		if b.found[i] {
			*r.Delivery = b.updated[i]
			r.Attempt.ID, r.Attempt.DeliveryID = b.ids[i], r.Delivery.ID
		}
	}
	return nil
}

// attemptBatch is the work of one RecordAttempts call. The bookkeeping
// goes to copies of the deliveries, so that a failed transaction leaves
// the caller's as they were.
type attemptBatch struct {
	now     time.Time
	results []core.AttemptResult
	updated []core.Delivery // results[i].Delivery as stored
	started []time.Time     // results[i]'s attempt start, now if unset
	found   []bool          // results[i]'s delivery still exists
	ids     []int64         // attempt ids, once inserted
}

func newAttemptBatch(now time.Time, results []core.AttemptResult) *attemptBatch {
	b := &attemptBatch{now: now, results: results, updated: make([]core.Delivery, len(results)),
		started: make([]time.Time, len(results)), found: make([]bool, len(results)), ids: make([]int64, len(results))}
	for i, r := range results {
		b.started[i] = r.Attempt.StartedAt
		if b.started[i].IsZero() {
			b.started[i] = now
		}
		d := &b.updated[i]
		*d = *r.Delivery
		switch r.Decision.Verdict {
		case core.VerdictSuccess:
			d.State = core.StateSucceeded
		case core.VerdictRetry:
			d.State, d.NextAttemptAt = core.StateRetrying, r.Decision.NextAttemptAt
			if d.NextAttemptAt.IsZero() {
				d.NextAttemptAt = now
			}
		case core.VerdictFail:
			d.State = core.StateFailed
		case core.VerdictInterrupted:
			d.NextAttemptAt = now
		}
		d.LastStatus, d.LastError = r.Attempt.StatusCode, r.Attempt.Error
		d.NextAttemptAt, d.UpdatedAt = fromMS(ms(d.NextAttemptAt)), fromMS(ms(now))
	}
	return b
}

// recordAttempts writes b with a few multi-row statements instead of three
// statements per attempt: the per-statement overhead, not SQLite's work on
// the rows, was most of what recording an attempt cost.
func recordAttempts(ctx context.Context, tx *Tx, b *attemptBatch) error {
	for lo := 0; lo < len(b.results); {
		hi := chunkEnd(b.results, lo)
		chunk := make([]int, 0, hi-lo)
		for i := lo; i < hi; i++ {
			chunk = append(chunk, i)
		}
		if err := inPieces(chunk, func(idx []int) error { return updateDeliveries(ctx, tx, b, idx) }); err != nil {
			return err
		}
		found := chunk[:0]
		for _, i := range chunk {
			if b.found[i] {
				found = append(found, i)
			}
		}
		if err := inPieces(found, func(idx []int) error { return insertAttempts(ctx, tx, b, idx) }); err != nil {
			return err
		}
		lo = hi
	}
	return updateHookHealth(ctx, tx, b)
}

// chunkEnd returns where the chunk of results that starts at lo ends: at
// rowsPerStatement results, or before a delivery the chunk already has,
// since one statement cannot apply two results to one row in order.
func chunkEnd(results []core.AttemptResult, lo int) int {
	seen := make(map[int64]bool, min(len(results)-lo, rowsPerStatement))
	hi := lo
	for ; hi < len(results) && hi-lo < rowsPerStatement; hi++ {
		id := results[hi].Delivery.ID
		if seen[id] {
			break
		}
		seen[id] = true
	}
	return hi
}

// inPieces calls f with consecutive pieces of idx, in order, whose lengths
// are powers of two: a multi-row statement costs about as much to parse as
// to run, and this way there are only a few sizes, each parsed once (see
// recordQueries).
func inPieces(idx []int, f func(idx []int) error) error {
	for len(idx) > 0 {
		n := 1 << (bits.Len(uint(len(idx))) - 1)
		if err := f(idx[:n]); err != nil {
			return err
		}
		idx = idx[n:]
	}
	return nil
}

// recordQueries returns the statements RecordAttempts prepares once.
var recordQueries = sync.OnceValue(func() []string {
	var qs []string
	for n := 1; n <= rowsPerStatement; n *= 2 {
		qs = append(qs, updateSQL()[n], insertSQL()[n])
	}
	return append(qs, readHookHealthSQL, healHooksSQL)
})

// updateSQL and insertSQL hold the texts of updateDeliveriesSQL and
// insertAttemptsSQL by row count, built once: the text of 256 rows is the
// key to its prepared statement, and building it was a cost of every call.
var (
	updateSQL = sync.OnceValue(func() map[int]string { return bySize(updateDeliveriesSQL) })
	insertSQL = sync.OnceValue(func() map[int]string { return bySize(insertAttemptsSQL) })
)

func bySize(sql func(n int) string) map[int]string {
	m := map[int]string{}
	for n := 1; n <= rowsPerStatement; n *= 2 {
		m[n] = sql(n)
	}
	return m
}

// updateDeliveriesSQL updates n deliveries, each from a row of (id, state,
// counted, next_attempt_at, last_status, last_error, msg_id), and returns
// their stored attempt counts. The count is the stored one, not the caller's
// copy's, which a redeliver may have reset while the attempt was in flight.
// The msg_id must match too: SQLite reuses the highest rowid once it is
// deleted, so a delivery deleted in flight may have handed its id to a new
// one, which must not take the old one's result.
func updateDeliveriesSQL(n int) string {
	return `UPDATE deliveries SET state = v.column2, attempt_count = attempt_count + v.column3,
		next_attempt_at = v.column4, last_status = v.column5, last_error = v.column6, updated_at = ?
		FROM (VALUES ` + placeholders(n, 7) + `) AS v WHERE deliveries.id = v.column1 AND deliveries.msg_id = v.column7
		RETURNING deliveries.id, deliveries.attempt_count`
}

// insertAttemptsSQL inserts n attempts.
func insertAttemptsSQL(n int) string {
	return `INSERT INTO attempts (delivery_id, number, started_at, duration_us, status,
		request_headers, response_headers, response_body, error, interrupted)
		VALUES ` + placeholders(n, 10)
}

// updateDeliveries applies the results at idx, whose deliveries are
// distinct, to their deliveries, and notes which of them still exist.
func updateDeliveries(ctx context.Context, tx *Tx, b *attemptBatch, idx []int) error {
	args := make([]any, 0, 1+7*len(idx))
	args = append(args, ms(b.now))
	byID := make(map[int64]int, len(idx))
	for _, i := range idx {
		d := &b.updated[i]
		counted := 1 // the attempt counts against the retry schedule
		if b.results[i].Decision.Verdict == core.VerdictInterrupted {
			counted = 0
		}
		args = append(args, d.ID, string(d.State), counted, ms(d.NextAttemptAt), d.LastStatus, d.LastError, d.MsgID)
		byID[d.ID] = i
	}
	st, err := tx.stmt(ctx, updateSQL()[len(idx)])
	if err != nil {
		return dbError("update deliveries", err)
	}
	defer st.Close()
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return dbError("update deliveries", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var count int
		if err := rows.Scan(&id, &count); err != nil {
			return dbError("update deliveries", err)
		}
		i := byID[id]
		b.updated[i].AttemptCount, b.found[i] = count, true
	}
	if err := rows.Err(); err != nil {
		return dbError("update deliveries", err)
	}
	return nil
}

// insertAttempts logs the attempts of the results at idx, whose
// deliveries are distinct and exist, and sets their ids. The ids are
// worked out, not read back with RETURNING, which cost a row to buffer and
// scan per attempt: attempts is a rowid table without AUTOINCREMENT, and
// SQLite inserts a multi-row VALUES in order, each row one past the largest
// id, so the rows of one statement get consecutive ids ending at the last
// insert id. (Only at an id of 2^63−1 would SQLite pick them at random.)
func insertAttempts(ctx context.Context, tx *Tx, b *attemptBatch, idx []int) error {
	args := make([]any, 0, 10*len(idx))
	for _, i := range idx {
		r := b.results[i]
		a := r.Attempt
		reqH, err := headersJSON(a.RequestHeaders)
		if err != nil {
			return err
		}
		respH, err := headersJSON(a.ResponseHeaders)
		if err != nil {
			return err
		}
		body := a.ResponseBody
		if len(body) > core.MaxResponseBody {
			body = strings.ToValidUTF8(body[:core.MaxResponseBody], "")
		}
		args = append(args, r.Delivery.ID, a.Number, ms(b.started[i]), a.Duration.Microseconds(), a.StatusCode,
			reqH, respH, body, a.Error, boolInt(r.Decision.Verdict == core.VerdictInterrupted || a.Interrupted))
	}
	st, err := tx.stmt(ctx, insertSQL()[len(idx)])
	if err != nil {
		return dbError("insert attempts", err)
	}
	defer st.Close()
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return dbError("insert attempts", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return dbError("insert attempts", err)
	}
	last, err := res.LastInsertId()
	if err != nil {
		return dbError("insert attempts", err)
	}
	if n != int64(len(idx)) || last < n {
		return core.Errorf(core.EINTERNAL, "insert attempts: %d rows inserted of %d, the last with id %d", n, len(idx), last)
	}
	for k, i := range idx {
		b.ids[i] = last - n + 1 + int64(k)
	}
	return nil
}

// placeholders returns n comma-separated rows of cols question marks:
// "(?, ?), (?, ?)".
func placeholders(n, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	var sb strings.Builder
	sb.Grow(n * (len(row) + 2))
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(row)
	}
	return sb.String()
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
	rows, err := tx.QueryContext(ctx, `SELECT id, delivery_id, number, started_at, duration_us, status, request_headers,
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
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.Number, &started, &dur, &a.StatusCode, &reqH, &respH,
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
