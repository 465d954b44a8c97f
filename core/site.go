package core

import (
	"context"
	"strings"
	"time"
)

// Site is one Plausible site that hookwatch watches. Domain is the name the
// user knows it by; PlausibleID is the numeric site_id that Plausible writes
// into ClickHouse's events_v2 and never shows in its own UI.
type Site struct {
	ID          int64     `json:"id"`
	Domain      string    `json:"domain"`
	PlausibleID uint64    `json:"site_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate reports the first rule the site breaks.
func (s *Site) Validate() error {
	d := strings.TrimSpace(s.Domain)
	switch {
	case d == "":
		return FieldErrorf("domain", "is required")
	case d != s.Domain:
		return FieldErrorf("domain", "must not have leading or trailing spaces")
	case len(d) > 253:
		return FieldErrorf("domain", "must be at most 253 characters")
	case strings.ContainsAny(d, " \t/\\?#@"):
		return FieldErrorf("domain", "must be a bare domain such as example.com, without scheme, path or spaces")
	case s.PlausibleID == 0:
		return FieldErrorf("site_id", "must be an integer ≥ 1 (find it with `hookwatch site discover`)")
	}
	return nil
}

// SiteService stores sites. Implementations return ENOTFOUND for a missing
// domain and ECONFLICT for a duplicate domain or site_id.
type SiteService interface {
	// CreateSite validates s and adds it, filling in its ID and times.
	CreateSite(ctx context.Context, s *Site) error
	// FindSites returns every site, by domain.
	FindSites(ctx context.Context) ([]*Site, error)
	// FindSiteByDomain returns the site watched as domain.
	FindSiteByDomain(ctx context.Context, domain string) (*Site, error)
	// DeleteSite removes a site with its goals. A site that still has
	// webhooks is refused with ECONFLICT unless opts.Force is set, in which
	// case its webhooks and their deliveries go too.
	DeleteSite(ctx context.Context, domain string, opts DeleteSiteOptions) error
}

// DeleteSiteOptions says how far SiteService.DeleteSite goes. The zero
// value is the safe delete, which refuses a site that has webhooks.
type DeleteSiteOptions struct {
	// Force also removes the site's webhooks, their deliveries and their
	// trigger state. The caller sets it only when the user asked for that
	// (hookwatch site rm --force, or a confirmation naming the webhooks).
	Force bool
}

// ConfigVersioner numbers the changes to the sites and goals of a store.
// ConfigVersion returns the number of the last one; it differs after any
// change. A reader that asks for it before reading the sites and goals may
// keep what it read for as long as the number stays the same.
type ConfigVersioner interface {
	ConfigVersion(ctx context.Context) (int64, error)
}
