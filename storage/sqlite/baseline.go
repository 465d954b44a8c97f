package sqlite

import (
	"context"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.BaselineStore = (*BaselineStore)(nil)

// BaselineStore keeps the poller's baselines in the database.
type BaselineStore struct {
	db *DB
}

// NewBaselineStore returns the baseline store of db.
func NewBaselineStore(db *DB) *BaselineStore { return &BaselineStore{db: db} }

// SaveBaselines replaces every stored baseline with bs, in one
// transaction; those of sites deleted meanwhile are skipped.
func (s *BaselineStore) SaveBaselines(ctx context.Context, bs []core.Baseline) error {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := saveBaselines(ctx, tx, bs); err != nil {
		return err
	}
	return tx.commit()
}

func saveBaselines(ctx context.Context, tx *Tx, bs []core.Baseline) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM baselines`); err != nil {
		return dbError("clear baselines", err)
	}
	if len(bs) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO baselines (site_id, weeks, slot, history_days, samples,
		spike_expected, spike_spread, drop_expected, drop_spread, computed_at)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE EXISTS (SELECT 1 FROM sites WHERE id = ?1)
		ON CONFLICT (site_id, weeks) DO UPDATE SET slot = excluded.slot, history_days = excluded.history_days,
		samples = excluded.samples, spike_expected = excluded.spike_expected, spike_spread = excluded.spike_spread,
		drop_expected = excluded.drop_expected, drop_spread = excluded.drop_spread, computed_at = excluded.computed_at`)
	if err != nil {
		return dbError("save baselines", err)
	}
	defer stmt.Close()
	for _, b := range bs {
		if _, err := stmt.ExecContext(ctx, b.SiteID, b.Weeks, ms(b.Slot), b.HistoryDays, b.Samples,
			b.Spike.Expected, b.Spike.Spread, b.Drop.Expected, b.Drop.Spread, ms(b.ComputedAt)); err != nil {
			return dbError("save baseline", err)
		}
	}
	return nil
}

// Baselines returns every stored baseline, by (site, weeks).
func (s *BaselineStore) Baselines(ctx context.Context) (map[core.BaselineKey]core.Baseline, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findBaselines(ctx, tx)
}

func findBaselines(ctx context.Context, tx *Tx) (map[core.BaselineKey]core.Baseline, error) {
	rows, err := tx.QueryContext(ctx, `SELECT site_id, weeks, slot, history_days, samples,
		spike_expected, spike_spread, drop_expected, drop_spread, computed_at FROM baselines`)
	if err != nil {
		return nil, dbError("find baselines", err)
	}
	defer rows.Close()
	out := make(map[core.BaselineKey]core.Baseline)
	for rows.Next() {
		var b core.Baseline
		var slot, computed int64
		if err := rows.Scan(&b.SiteID, &b.Weeks, &slot, &b.HistoryDays, &b.Samples,
			&b.Spike.Expected, &b.Spike.Spread, &b.Drop.Expected, &b.Drop.Spread, &computed); err != nil {
			return nil, dbError("find baselines", err)
		}
		b.Slot, b.ComputedAt = fromMS(slot), fromMS(computed)
		out[core.BaselineKey{SiteID: b.SiteID, Weeks: b.Weeks}] = b
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find baselines", err)
	}
	return out, nil
}
