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

var _ core.DeliveryService = (*DeliveryService)(nil)

// DeliveryService is the durable outbox in the database.
type DeliveryService struct {
	db *DB
}

// NewDeliveryService returns the outbox of db.
func NewDeliveryService(db *DB) *DeliveryService { return &DeliveryService{db: db} }

// Enqueue writes deliveries in one transaction, each pending and due at its
// NotBefore or now, with the webhook-id core.MessageID derives from its
// webhook and event key. A delivery whose (webhook, event key) is already
// queued is skipped, and so is one whose webhook has been deleted since
// the caller fanned the event out.
func (s *DeliveryService) Enqueue(ctx context.Context, ds []core.NewDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := enqueue(ctx, tx, ds); err != nil {
		return err
	}
	return tx.commit()
}

func enqueue(ctx context.Context, tx *Tx, ds []core.NewDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	// The WHERE clause both drops deliveries to deleted webhooks and lets
	// SQLite parse the upsert after INSERT ... SELECT.
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (webhook_id, msg_id, event_key, event_type, payload,
		state, attempt_count, next_attempt_at, created_at, updated_at)
		SELECT ?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?7, ?7 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?1)
		ON CONFLICT (webhook_id, event_key) DO NOTHING`)
	if err != nil {
		return dbError("enqueue", err)
	}
	defer stmt.Close()
	now := ms(tx.now)
	for _, d := range ds {
		if d.EventKey == "" {
			return core.Errorf(core.EINTERNAL, "enqueue %s for webhook %d: empty event key", d.EventType, d.WebhookID)
		}
		next := now
		if !d.NotBefore.IsZero() {
			next = ms(d.NotBefore)
		}
		payload := d.Payload
		if payload == nil {
			payload = []byte{}
		}
		if _, err := stmt.ExecContext(ctx, d.WebhookID, core.MessageID(d.WebhookID, d.EventKey), d.EventKey,
			string(d.EventType), payload, next, now); err != nil {
			return dbError("enqueue", err)
		}
	}
	return nil
}

// DueDeliveries returns up to f.Limit deliveries of enabled webhooks that
// are pending or retrying and due at now, by due time, leaving out the ids
// in f.Skip. f.FirstOnly picks deliveries never attempted; otherwise only
// retries.
//
// It reads through the writer's connection, outside a transaction (one
// statement is its own snapshot): a reader connection throws its page cache
// away whenever the database changed since its last read, which between two
// of the engine's reads it always has, and freeing and re-reading those
// pages was most of what a read cost. The writer's cache survives its own
// commits.
func (s *DeliveryService) DueDeliveries(ctx context.Context, now time.Time, f core.DueFilter) ([]*core.Delivery, error) {
	if f.Limit <= 0 {
		return nil, nil
	}
	args := []any{ms(now)}
	if len(f.Skip) > 0 {
		args = append(args, idsJSON(f.Skip))
	}
	rows, err := s.db.writerQuery(ctx, dueSQL(f.FirstOnly, len(f.Skip) > 0), append(args, f.Limit)...)
	if err != nil {
		return nil, dbError("find due deliveries", err)
	}
	return scanDeliveries(rows, "find due deliveries")
}

// scanDeliveries reads and closes rows of deliveryColumns; what names the
// work in an error.
func scanDeliveries(rows *sql.Rows, what string) ([]*core.Delivery, error) {
	defer rows.Close()
	var out []*core.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, dbError(what, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(what, err)
	}
	return out, nil
}

// dueSQL is the query of DueDeliveries, with a JSON array of ids to skip
// as its second parameter if skip is set. A pending delivery is one never
// attempted, a retrying one has been: each state has its own index by due
// time (migration 0007).
func dueSQL(firstOnly, skip bool) string {
	state := "retrying"
	if firstOnly {
		state = "pending"
	}
	cond := ""
	if skip {
		// The skipped ids are in flight and may be many, and all among the
		// oldest: leaving them out in SQL, in one JSON array, spares
		// reading and decoding their rows only to drop them.
		cond = " AND d.id NOT IN (SELECT value FROM json_each(?))"
	}
	return `SELECT ` + deliveryColumns + ` FROM deliveries d
		JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.state = '` + state + `' AND d.next_attempt_at <= ?` + cond + ` AND w.enabled = 1
		ORDER BY d.next_attempt_at, d.id LIMIT ?`
}

// idsJSON returns the ids set to true in set as a JSON array.
func idsJSON(set map[int64]bool) string {
	ids := make([]int64, 0, len(set))
	for id, in := range set {
		if in {
			ids = append(ids, id)
		}
	}
	return jsonIDs(ids)
}

// FindDeliveryByID returns a delivery with its attempts, oldest first.
func (s *DeliveryService) FindDeliveryByID(ctx context.Context, id int64) (*core.Delivery, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	d, err := findDeliveryByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := attachAttempts(ctx, tx, []*core.Delivery{d}); err != nil {
		return nil, err
	}
	return d, nil
}

// FindDeliveries returns the deliveries that match filter, newest first, and
// how many match in all, ignoring Limit and Offset.
func (s *DeliveryService) FindDeliveries(ctx context.Context, filter core.DeliveryFilter) ([]*core.Delivery, int, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	out, total, err := findDeliveries(ctx, tx, filter)
	if err != nil {
		return nil, 0, err
	}
	if filter.WithAttempts {
		if err := attachAttempts(ctx, tx, out); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// deliveryWhere returns the WHERE clause of filter ("" for none) and its
// arguments.
func deliveryWhere(filter core.DeliveryFilter) (string, []any) {
	var where []string
	var args []any
	if filter.WebhookID != 0 {
		where, args = append(where, "d.webhook_id = ?"), append(args, filter.WebhookID)
	}
	if filter.SiteID != 0 {
		where, args = append(where, "d.webhook_id IN (SELECT id FROM webhooks WHERE site_id = ?)"), append(args, filter.SiteID)
	}
	if filter.State != "" {
		where, args = append(where, "d.state = ?"), append(args, string(filter.State))
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// findDeliveries returns the page of filter's deliveries, newest first,
// and how many match.
func findDeliveries(ctx context.Context, tx *Tx, filter core.DeliveryFilter) ([]*core.Delivery, int, error) {
	cond, args := deliveryWhere(filter)
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM deliveries d`+cond, args...).Scan(&total); err != nil {
		return nil, 0, dbError("count deliveries", err)
	}
	limit := filter.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries d`+cond+` ORDER BY d.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(filter.Offset, 0))...)
	if err != nil {
		return nil, 0, dbError("find deliveries", err)
	}
	ds, err := scanDeliveries(rows, "find deliveries")
	return ds, total, err
}

// Redeliver queues delivery id again, whatever its state: pending, due now,
// with its attempt count reset so that it gets the whole retry schedule,
// and with the same payload and webhook-id. Its attempts stay in the log.
func (s *DeliveryService) Redeliver(ctx context.Context, id int64) (*core.Delivery, error) {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := redeliver(ctx, tx, id); err != nil {
		return nil, err
	}
	d, err := findDeliveryByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	return d, nil
}

func redeliver(ctx context.Context, tx *Tx, id int64) error {
	now := ms(tx.now)
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'pending', attempt_count = 0,
		next_attempt_at = ?, updated_at = ? WHERE id = ?`, now, now, id)
	if err != nil {
		return dbError("redeliver", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbError("redeliver", err)
	} else if n == 0 {
		return noDelivery(id)
	}
	return nil
}

// PruneAttempts deletes the attempts started before t and returns how many.
func (s *DeliveryService) PruneAttempts(ctx context.Context, before time.Time) (int, error) {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n, err := pruneAttempts(ctx, tx, before)
	if err != nil {
		return 0, err
	}
	return n, tx.commit()
}

func pruneAttempts(ctx context.Context, tx *Tx, before time.Time) (int, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM attempts WHERE started_at < ?`, ms(before))
	if err != nil {
		return 0, dbError("prune attempts", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, dbError("prune attempts", err)
	}
	return int(n), nil
}

// DeliveryStats counts deliveries by state; every state is present.
func (s *DeliveryService) DeliveryStats(ctx context.Context) (core.DeliveryStats, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return deliveryStats(ctx, tx)
}

func deliveryStats(ctx context.Context, tx *Tx) (core.DeliveryStats, error) {
	stats := core.DeliveryStats{core.StatePending: 0, core.StateRetrying: 0, core.StateSucceeded: 0, core.StateFailed: 0}
	rows, err := tx.QueryContext(ctx, `SELECT state, count(*) FROM deliveries GROUP BY state`)
	if err != nil {
		return nil, dbError("count deliveries", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, dbError("count deliveries", err)
		}
		stats[core.DeliveryState(state)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("count deliveries", err)
	}
	return stats, nil
}

// LastDeliveries returns each webhook's most recently created delivery, by
// webhook id; webhooks with none are missing.
func (s *DeliveryService) LastDeliveries(ctx context.Context) (map[int64]*core.Delivery, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return lastDeliveries(ctx, tx)
}

func lastDeliveries(ctx context.Context, tx *Tx) (map[int64]*core.Delivery, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries d
		WHERE d.id IN (SELECT max(id) FROM deliveries GROUP BY webhook_id)`)
	if err != nil {
		return nil, dbError("find last deliveries", err)
	}
	ds, err := scanDeliveries(rows, "find last deliveries")
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*core.Delivery, len(ds))
	for _, d := range ds {
		out[d.WebhookID] = d
	}
	return out, nil
}

func noDelivery(id int64) error {
	return &core.Error{Code: core.ENOTFOUND, Field: "delivery", Message: fmt.Sprintf("no delivery with id %d", id)}
}

const deliveryColumns = `d.id, d.webhook_id, d.msg_id, d.event_key, d.event_type, d.payload, d.state,
	d.attempt_count, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.updated_at`

func findDeliveryByID(ctx context.Context, tx *Tx, id int64) (*core.Delivery, error) {
	d, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries d WHERE d.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, noDelivery(id)
	} else if err != nil {
		return nil, dbError("find delivery", err)
	}
	return d, nil
}

func scanDelivery(row scanner) (*core.Delivery, error) {
	var d core.Delivery
	var eventType, state string
	var payload []byte
	var next, created, updated int64
	if err := row.Scan(&d.ID, &d.WebhookID, &d.MsgID, &d.EventKey, &eventType, &payload, &state,
		&d.AttemptCount, &next, &d.LastStatus, &d.LastError, &created, &updated); err != nil {
		return nil, err
	}
	d.EventType, d.State, d.Payload = core.EventType(eventType), core.DeliveryState(state), json.RawMessage(payload)
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = fromMS(next), fromMS(created), fromMS(updated)
	return &d, nil
}
