package sqlite

import (
	"database/sql"
	"time"
)

// Times are stored as INTEGER unix milliseconds in UTC: they sort and
// compare in SQL, and survive any driver's time formatting.

// ms returns t as unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// nullMS returns t as unix milliseconds, or NULL for the zero time.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMS returns the UTC time of unix milliseconds v.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMS returns the time of v, or the zero time for NULL.
func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// boolInt returns b as SQLite's 0 or 1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}
