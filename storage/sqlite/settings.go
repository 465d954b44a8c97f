package sqlite

import (
	"context"
	"database/sql"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.SettingsService = (*SettingsService)(nil)

// SettingsService stores the user's settings in the database.
type SettingsService struct {
	db *DB
}

// NewSettingsService returns the settings of db.
func NewSettingsService(db *DB) *SettingsService { return &SettingsService{db: db} }

// Setting returns the value of key and whether it is set.
func (s *SettingsService) Setting(ctx context.Context, key string) (string, bool, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return "", false, err
	}
	defer tx.Rollback()
	return readSetting(ctx, tx, key)
}

// SetSetting sets key to value.
func (s *SettingsService) SetSetting(ctx context.Context, key, value string) error {
	if key == "" {
		return core.FieldErrorf("key", "is required")
	}
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := saveSetting(ctx, tx, key, value); err != nil {
		return err
	}
	return tx.commit()
}

func readSetting(ctx context.Context, tx *Tx, key string) (string, bool, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", false, nil
	} else if err != nil {
		return "", false, dbError("read setting", err)
	}
	return v, true, nil
}

func saveSetting(ctx context.Context, tx *Tx, key, value string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return dbError("save setting", err)
	}
	return nil
}
