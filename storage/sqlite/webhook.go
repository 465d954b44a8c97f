package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.WebhookService = (*WebhookService)(nil)

// WebhookService stores webhooks in the database.
type WebhookService struct {
	db *DB
}

// NewWebhookService returns the webhook service of db.
func NewWebhookService(db *DB) *WebhookService { return &WebhookService{db: db} }

// CreateWebhook validates w and adds it, enabled, to the site it names by
// SiteID or, if that is zero, by Site (domain). It generates a secret when
// w has none. A site's (core.MaxWebhooksPerSite+1)th webhook is refused
// with EINVALID on field "site"; the count is taken inside the write
// transaction, so that parallel commands cannot overshoot it. On success it
// fills in w's ID, SiteID, Site, Secret, defaults and times.
func (s *WebhookService) CreateWebhook(ctx context.Context, w *core.Webhook) error {
	c := *w
	if c.Secret == "" {
		c.Secret = core.GenerateSecret()
	}
	if err := c.Validate(); err != nil {
		return err
	}
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createWebhook(ctx, tx, &c); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return err
	}
	*w = c
	return nil
}

// FindWebhookByID returns a webhook, or ENOTFOUND.
func (s *WebhookService) FindWebhookByID(ctx context.Context, id int64) (*core.Webhook, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findWebhookByID(ctx, tx, id)
}

// FindWebhooks returns the webhooks that match filter, by id.
func (s *WebhookService) FindWebhooks(ctx context.Context, filter core.WebhookFilter) ([]*core.Webhook, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findWebhooks(ctx, tx, filter)
}

// UpdateWebhook applies upd to webhook id, validates the result and saves
// it. An invalid result is refused and nothing is saved.
func (s *WebhookService) UpdateWebhook(ctx context.Context, id int64, upd core.WebhookUpdate) (*core.Webhook, error) {
	return s.update(ctx, id, func(tx *Tx, w *core.Webhook) error {
		upd.Apply(w)
		return w.Validate()
	})
}

// SetWebhookEnabled enables or disables webhook id. Disabling stores
// reason; enabling clears it and the failing-since clock, so that a webhook
// the user turns back on gets a fresh auto-disable period.
func (s *WebhookService) SetWebhookEnabled(ctx context.Context, id int64, enabled bool, reason string) (*core.Webhook, error) {
	return s.update(ctx, id, func(tx *Tx, w *core.Webhook) error {
		w.Enabled = enabled
		if enabled {
			w.DisabledReason, w.FailingSince = "", time.Time{}
		} else {
			w.DisabledReason = reason
		}
		return nil
	})
}

// RotateSecret makes secret (a new one if empty) webhook id's signing
// secret; the old secret keeps signing until now+overlap.
func (s *WebhookService) RotateSecret(ctx context.Context, id int64, secret string, overlap time.Duration) (*core.Webhook, error) {
	if secret == "" {
		secret = core.GenerateSecret()
	}
	if _, err := core.ParseSecret(secret); err != nil {
		return nil, err
	}
	if overlap < 0 {
		return nil, core.FieldErrorf("overlap", "must not be negative")
	}
	return s.update(ctx, id, func(tx *Tx, w *core.Webhook) error {
		w.PrevSecret, w.PrevSecretUntil = w.Secret, fromMS(ms(tx.now.Add(overlap)))
		w.Secret = secret
		return nil
	})
}

// DeleteWebhook removes a webhook with its deliveries and alert state.
func (s *WebhookService) DeleteWebhook(ctx context.Context, id int64) error {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := deleteWebhook(ctx, tx, id); err != nil {
		return err
	}
	return tx.commit()
}

// update loads webhook id, lets change edit it, and saves it, all in one
// write transaction; an error from change saves nothing.
func (s *WebhookService) update(ctx context.Context, id int64, change func(*Tx, *core.Webhook) error) (*core.Webhook, error) {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w, err := findWebhookByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := change(tx, w); err != nil {
		return nil, err
	}
	w.UpdatedAt = fromMS(ms(tx.now))
	if err := saveWebhook(ctx, tx, w); err != nil {
		return nil, err
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	return w, nil
}

func noWebhook(id int64) error {
	return &core.Error{Code: core.ENOTFOUND, Field: "webhook", Message: fmt.Sprintf("no webhook with id %d", id)}
}

// deleteWebhook removes webhook id; its deliveries, attempts and trigger
// state follow by ON DELETE CASCADE.
func deleteWebhook(ctx context.Context, tx *Tx, id int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return dbError("delete webhook", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbError("delete webhook", err)
	} else if n == 0 {
		return noWebhook(id)
	}
	return nil
}

// countWebhooks returns how many webhooks site siteID has.
func countWebhooks(ctx context.Context, tx *Tx, siteID int64) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhooks WHERE site_id = ?`, siteID).Scan(&n); err != nil {
		return 0, dbError("count webhooks", err)
	}
	return n, nil
}

func createWebhook(ctx context.Context, tx *Tx, w *core.Webhook) error {
	site, err := findSiteRef(ctx, tx, w.SiteID, w.Site)
	if err != nil {
		return err
	}
	w.SiteID, w.Site = site.ID, site.Domain

	n, err := countWebhooks(ctx, tx, w.SiteID)
	if err != nil {
		return err
	}
	if n >= core.MaxWebhooksPerSite {
		return core.FieldErrorf("site", "at most %d webhooks per site; %s has %d", core.MaxWebhooksPerSite, w.Site, n)
	}

	w.Enabled, w.DisabledReason, w.FailingSince = true, "", time.Time{}
	w.CreatedAt, w.UpdatedAt = fromMS(ms(tx.now)), fromMS(ms(tx.now))
	f, err := webhookFields(w)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO webhooks (site_id, url, secret, prev_secret, prev_secret_until,
		enabled, disabled_reason, failing_since, events, spike_threshold, drop_threshold, goals,
		allow_private, cooldown_ms, send_resolved, format, headers, digest_interval_ms, template, content_type,
		spike_anomaly, drop_anomaly, sensitivity, min_visitors, baseline_weeks, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append([]any{w.SiteID}, append(f, ms(w.CreatedAt), ms(w.UpdatedAt))...)...)
	if err != nil {
		return dbError("insert webhook", err)
	}
	if w.ID, err = res.LastInsertId(); err != nil {
		return dbError("insert webhook", err)
	}
	return nil
}

func saveWebhook(ctx context.Context, tx *Tx, w *core.Webhook) error {
	f, err := webhookFields(w)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE webhooks SET url = ?, secret = ?, prev_secret = ?, prev_secret_until = ?,
		enabled = ?, disabled_reason = ?, failing_since = ?, events = ?, spike_threshold = ?, drop_threshold = ?,
		goals = ?, allow_private = ?, cooldown_ms = ?, send_resolved = ?, format = ?, headers = ?,
		digest_interval_ms = ?, template = ?, content_type = ?, spike_anomaly = ?, drop_anomaly = ?,
		sensitivity = ?, min_visitors = ?, baseline_weeks = ?, updated_at = ? WHERE id = ?`,
		append(f, ms(w.UpdatedAt), w.ID)...)
	if err != nil {
		return dbError("update webhook", err)
	}
	return nil
}

func findWebhookByID(ctx context.Context, tx *Tx, id int64) (*core.Webhook, error) {
	row := tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks w JOIN sites s ON s.id = w.site_id WHERE w.id = ?`, id)
	w, err := scanWebhook(row, nil)
	if err == sql.ErrNoRows {
		return nil, noWebhook(id)
	} else if err != nil {
		return nil, dbError("find webhook", err)
	}
	return w, nil
}

func findWebhooks(ctx context.Context, tx *Tx, filter core.WebhookFilter) ([]*core.Webhook, error) {
	var where []string
	var args []any
	if filter.SiteID != 0 {
		where, args = append(where, "w.site_id = ?"), append(args, filter.SiteID)
	}
	if filter.EnabledOnly {
		where = append(where, "w.enabled = 1")
	}
	return queryWebhooks(ctx, tx, strings.Join(where, " AND "), "ORDER BY w.id", args...)
}

// queryWebhooks returns the webhooks that match the SQL condition where
// (all if it is empty), in the order and within the limit that tail says.
func queryWebhooks(ctx context.Context, tx *Tx, where, tail string, args ...any) ([]*core.Webhook, error) {
	q := `SELECT ` + webhookColumns + ` FROM webhooks w JOIN sites s ON s.id = w.site_id`
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := tx.QueryContext(ctx, q+" "+tail, args...)
	if err != nil {
		return nil, dbError("find webhooks", err)
	}
	defer rows.Close()
	var out []*core.Webhook
	in := &interner{domains: map[int64]string{}, events: map[string][]core.EventType{}}
	for rows.Next() {
		w, err := scanWebhook(rows, in)
		if err != nil {
			return nil, dbError("find webhooks", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find webhooks", err)
	}
	return out, nil
}
