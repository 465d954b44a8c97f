package core

import (
	"context"
	"time"
)

// WebhookService stores webhooks. Every method returns ENOTFOUND for a
// missing id. CreateWebhook and UpdateWebhook validate before they write,
// and CreateWebhook refuses an (MaxWebhooksPerSite+1)th webhook on a site.
type WebhookService interface {
	// CreateWebhook validates w and adds it, enabled, to the site it names
	// by SiteID or, when that is zero, by Site (domain), with a new secret
	// when w has none. It fills in w's ID, SiteID, Site, Secret, defaults
	// and times. The caller shows the user Secret now: receivers need it
	// to verify signatures.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// FindWebhookByID returns webhook id with its secrets.
	FindWebhookByID(ctx context.Context, id int64) (*Webhook, error)
	// FindWebhooks returns the webhooks filter selects, by id. A caller
	// that shows them uses DisplayURL, never URL.
	FindWebhooks(ctx context.Context, filter WebhookFilter) ([]*Webhook, error)
	// UpdateWebhook applies upd to webhook id, validates the result and
	// saves it, returning the result; an invalid one is refused and
	// nothing is saved. A form that shows a redacted URL puts its secret
	// back (UnredactURL) before it calls.
	UpdateWebhook(ctx context.Context, id int64, upd WebhookUpdate) (*Webhook, error)
	// SetWebhookEnabled enables or disables a webhook; reason says why it
	// was disabled and is cleared on enable.
	SetWebhookEnabled(ctx context.Context, id int64, enabled bool, reason string) (*Webhook, error)
	// RotateSecret makes secret the signing secret and keeps the old one
	// signing until now+overlap.
	RotateSecret(ctx context.Context, id int64, secret string, overlap time.Duration) (*Webhook, error)
	// DeleteWebhook removes webhook id with its deliveries and alert
	// states; the caller asks the user first, since nothing brings them
	// back.
	DeleteWebhook(ctx context.Context, id int64) error
	// WebhookChanges returns what changed among the webhooks after change
	// number since (0: every webhook), in the order of the changes, at
	// most limit webhooks of it (0: no limit). A caller that keeps a cache
	// passes the Version of the previous answer, so that asking when
	// nothing changed reads one number and no webhook, and a first read of
	// 100,000 webhooks comes in pages.
	WebhookChanges(ctx context.Context, since int64, limit int) (*WebhookChanges, error)
}

// WebhookChanges is the answer of WebhookService.WebhookChanges.
type WebhookChanges struct {
	// Version is the change number the answer is current to: pass it as
	// since to read on.
	Version int64
	// More says that the answer stopped at the limit: more changes follow.
	More bool
	// Reset says that since was a number this store never had (it was
	// restored from a backup, say): the answer starts from the beginning,
	// and a cached webhook missing from it and its pages is gone.
	Reset bool
	// Changed holds the webhooks created or changed (a disable or a failure
	// clock too) after since.
	Changed []*Webhook
	// Deleted holds the ids of the webhooks deleted after since.
	Deleted []int64
}
