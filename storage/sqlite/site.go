package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.SiteService = (*SiteService)(nil)

// SiteService stores sites in the database.
type SiteService struct {
	db *DB
}

// NewSiteService returns the site service of db.
func NewSiteService(db *DB) *SiteService { return &SiteService{db: db} }

// CreateSite validates s and adds it, setting its ID and times. A domain or
// site_id already in use is refused with ECONFLICT.
func (s *SiteService) CreateSite(ctx context.Context, site *core.Site) error {
	if err := site.Validate(); err != nil {
		return err
	}
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c := *site
	if err := createSite(ctx, tx, &c); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return err
	}
	*site = c
	return nil
}

// FindSites returns every site, by domain.
func (s *SiteService) FindSites(ctx context.Context) ([]*core.Site, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findSites(ctx, tx, "", nil)
}

// FindSiteByDomain returns the site named domain, or ENOTFOUND.
func (s *SiteService) FindSiteByDomain(ctx context.Context, domain string) (*core.Site, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findSiteByDomain(ctx, tx, domain)
}

// DeleteSite removes the site named domain with its goals and samples. A
// site with webhooks is refused with ECONFLICT unless opts.Force is set;
// then its webhooks, their deliveries and their state go too.
func (s *SiteService) DeleteSite(ctx context.Context, domain string, opts core.DeleteSiteOptions) error {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := deleteSite(ctx, tx, domain, opts); err != nil {
		return err
	}
	return tx.commit()
}

func deleteSite(ctx context.Context, tx *Tx, domain string, opts core.DeleteSiteOptions) error {
	site, err := findSiteByDomain(ctx, tx, domain)
	if err != nil {
		return err
	}
	hooks, err := countWebhooks(ctx, tx, site.ID)
	if err != nil {
		return err
	}
	if hooks > 0 && !opts.Force {
		return &core.Error{Code: core.ECONFLICT, Field: "site", Message: fmt.Sprintf(
			"%s has %d webhook(s); remove them first or use --force to remove them with the site", domain, hooks)}
	}
	// Goals, webhooks, deliveries, attempts and trigger state follow by
	// ON DELETE CASCADE.
	if _, err := tx.ExecContext(ctx, `DELETE FROM sites WHERE id = ?`, site.ID); err != nil {
		return dbError("delete site", err)
	}
	return nil
}

func createSite(ctx context.Context, tx *Tx, s *core.Site) error {
	var other string
	err := tx.QueryRowContext(ctx, `SELECT domain FROM sites WHERE domain = ?`, s.Domain).Scan(&other)
	if err == nil {
		return &core.Error{Code: core.ECONFLICT, Field: "domain", Message: fmt.Sprintf("site %s already exists", s.Domain)}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return dbError("find site", err)
	}
	err = tx.QueryRowContext(ctx, `SELECT domain FROM sites WHERE plausible_id = ?`, int64(s.PlausibleID)).Scan(&other)
	if err == nil {
		return &core.Error{Code: core.ECONFLICT, Field: "site_id", Message: fmt.Sprintf("site_id %d is already used by %s", s.PlausibleID, other)}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return dbError("find site", err)
	}

	s.CreatedAt, s.UpdatedAt = tx.now, tx.now
	res, err := tx.ExecContext(ctx, `INSERT INTO sites (domain, plausible_id, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		s.Domain, int64(s.PlausibleID), ms(s.CreatedAt), ms(s.UpdatedAt))
	if isUnique(err) {
		return &core.Error{Code: core.ECONFLICT, Field: "domain", Message: fmt.Sprintf("site %s or site_id %d already exists", s.Domain, s.PlausibleID)}
	} else if err != nil {
		return dbError("insert site", err)
	}
	if s.ID, err = res.LastInsertId(); err != nil {
		return dbError("insert site", err)
	}
	s.CreatedAt, s.UpdatedAt = fromMS(ms(s.CreatedAt)), fromMS(ms(s.UpdatedAt))
	return nil
}

func findSiteByDomain(ctx context.Context, tx *Tx, domain string) (*core.Site, error) {
	sites, err := findSites(ctx, tx, "WHERE domain = ?", []any{domain})
	if err != nil {
		return nil, err
	} else if len(sites) == 0 {
		return nil, noSite(domain)
	}
	return sites[0], nil
}

func findSiteByID(ctx context.Context, tx *Tx, id int64) (*core.Site, error) {
	sites, err := findSites(ctx, tx, "WHERE id = ?", []any{id})
	if err != nil {
		return nil, err
	} else if len(sites) == 0 {
		return nil, &core.Error{Code: core.ENOTFOUND, Field: "site", Message: fmt.Sprintf("no site with id %d", id)}
	}
	return sites[0], nil
}

// findSiteRef resolves the site a goal or webhook names: by id when it has
// one, else by domain.
func findSiteRef(ctx context.Context, tx *Tx, id int64, domain string) (*core.Site, error) {
	if id != 0 {
		return findSiteByID(ctx, tx, id)
	}
	return findSiteByDomain(ctx, tx, domain)
}

func noSite(domain string) error {
	return &core.Error{Code: core.ENOTFOUND, Field: "site", Message: fmt.Sprintf("no site %s", domain)}
}

func findSites(ctx context.Context, tx *Tx, where string, args []any) ([]*core.Site, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, domain, plausible_id, created_at, updated_at FROM sites `+where+` ORDER BY domain`, args...)
	if err != nil {
		return nil, dbError("find sites", err)
	}
	defer rows.Close()
	var out []*core.Site
	for rows.Next() {
		var s core.Site
		var pid, created, updated int64
		if err := rows.Scan(&s.ID, &s.Domain, &pid, &created, &updated); err != nil {
			return nil, dbError("find sites", err)
		}
		s.PlausibleID, s.CreatedAt, s.UpdatedAt = uint64(pid), fromMS(created), fromMS(updated)
		out = append(out, &s)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find sites", err)
	}
	return out, nil
}
