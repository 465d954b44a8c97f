package sqlite

import (
	"context"
	"fmt"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.GoalService = (*GoalService)(nil)

// GoalService stores goals in the database.
type GoalService struct {
	db *DB
}

// NewGoalService returns the goal service of db.
func NewGoalService(db *DB) *GoalService { return &GoalService{db: db} }

// CreateGoal validates g and adds it to the site it names by SiteID or, if
// that is zero, by Site (domain). It sets g's ID, Kind, SiteID, Site and
// CreatedAt. The same goal twice on one site is refused with ECONFLICT.
func (s *GoalService) CreateGoal(ctx context.Context, g *core.Goal) error {
	c := *g
	if c.SiteID == 0 && c.Site == "" {
		return core.FieldErrorf("site", "is required")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createGoal(ctx, tx, &c); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return err
	}
	*g = c
	return nil
}

// FindGoals returns the goals that match filter, by site and id.
func (s *GoalService) FindGoals(ctx context.Context, filter core.GoalFilter) ([]*core.Goal, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findGoals(ctx, tx, filter)
}

// DeleteGoal removes a goal and its watermark, or returns ENOTFOUND.
func (s *GoalService) DeleteGoal(ctx context.Context, id int64) error {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := deleteGoal(ctx, tx, id); err != nil {
		return err
	}
	return tx.commit()
}

// createGoal inserts g, validated, into the site it names, and sets its
// ID, SiteID, Site and CreatedAt.
func createGoal(ctx context.Context, tx *Tx, g *core.Goal) error {
	site, err := findSiteRef(ctx, tx, g.SiteID, g.Site)
	if err != nil {
		return err
	}
	g.SiteID, g.Site = site.ID, site.Domain
	g.CreatedAt = fromMS(ms(tx.now))
	res, err := tx.ExecContext(ctx, `INSERT INTO goals (site_id, kind, name, created_at) VALUES (?, ?, ?, ?)`,
		g.SiteID, string(g.Kind), g.Name(), ms(g.CreatedAt))
	if isUnique(err) {
		return &core.Error{Code: core.ECONFLICT, Field: "goal", Message: fmt.Sprintf("%s already has the %s goal %q", g.Site, g.Kind, g.Name())}
	} else if err != nil {
		return dbError("insert goal", err)
	}
	if g.ID, err = res.LastInsertId(); err != nil {
		return dbError("insert goal", err)
	}
	return nil
}

// deleteGoal removes goal id; its watermark, buckets and digest marks
// follow by ON DELETE CASCADE.
func deleteGoal(ctx context.Context, tx *Tx, id int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM goals WHERE id = ?`, id)
	if err != nil {
		return dbError("delete goal", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbError("delete goal", err)
	} else if n == 0 {
		return &core.Error{Code: core.ENOTFOUND, Field: "goal", Message: fmt.Sprintf("no goal with id %d", id)}
	}
	return nil
}

func findGoals(ctx context.Context, tx *Tx, filter core.GoalFilter) ([]*core.Goal, error) {
	q := `SELECT g.id, g.site_id, s.domain, g.kind, g.name, g.created_at
		FROM goals g JOIN sites s ON s.id = g.site_id`
	var args []any
	if filter.SiteID != 0 {
		q += ` WHERE g.site_id = ?`
		args = append(args, filter.SiteID)
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY s.domain, g.id`, args...)
	if err != nil {
		return nil, dbError("find goals", err)
	}
	defer rows.Close()
	var out []*core.Goal
	for rows.Next() {
		var g core.Goal
		var kind, name string
		var created int64
		if err := rows.Scan(&g.ID, &g.SiteID, &g.Site, &kind, &name, &created); err != nil {
			return nil, dbError("find goals", err)
		}
		g.Kind, g.CreatedAt = core.GoalKind(kind), fromMS(created)
		if g.Kind == core.GoalPage {
			g.PagePath = name
		} else {
			g.EventName = name
		}
		out = append(out, &g)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find goals", err)
	}
	return out, nil
}
