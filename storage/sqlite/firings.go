package sqlite

import (
	"context"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.AlertLog = (*TriggerStore)(nil)

// AlertFirings implements core.AlertLog from the outbox: every spike and
// drop delivery of the site's webhooks, at the time the poll queued it.
// Deliveries are kept whatever their state, so the log reaches as far
// back as the outbox does.
func (s *TriggerStore) AlertFirings(ctx context.Context, siteID int64, since time.Time) ([]core.AlertFiring, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return alertFirings(ctx, tx, siteID, since)
}

func alertFirings(ctx context.Context, tx *Tx, siteID int64, since time.Time) ([]core.AlertFiring, error) {
	// One index range per webhook (deliveries_webhook), at most
	// core.MaxWebhooksPerSite of them.
	rows, err := tx.QueryContext(ctx, `SELECT d.webhook_id, d.event_type, d.created_at
		FROM webhooks w JOIN deliveries d ON d.webhook_id = w.id
		WHERE w.site_id = ? AND d.event_type IN (?, ?) AND d.created_at >= ?
		ORDER BY d.created_at, d.id`, siteID, string(core.EventSpike), string(core.EventDrop), ms(since))
	if err != nil {
		return nil, dbError("find alert firings", err)
	}
	defer rows.Close()
	var out []core.AlertFiring
	for rows.Next() {
		var f core.AlertFiring
		var typ string
		var at int64
		if err := rows.Scan(&f.WebhookID, &typ, &at); err != nil {
			return nil, dbError("find alert firings", err)
		}
		f.Type, f.At = core.EventType(typ), fromMS(at)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find alert firings", err)
	}
	return out, nil
}
