package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.Lease = (*Lease)(nil)

// leaseName is the one lease there is: the engine's.
const leaseName = "engine"

// Lease keeps one engine per database with a row that names its holder and
// expires unless renewed, so that a crashed engine's lease lapses by itself.
type Lease struct {
	db *DB
	// Stale, if set, reports that a holder is known to be gone (its process
	// died on this machine), so that a restart after a crash need not wait
	// for the crashed engine's lease to expire.
	Stale func(holder string) bool
}

// NewLease returns the engine lease of db.
func NewLease(db *DB) *Lease { return &Lease{db: db} }

// AcquireLease takes the lease for holder until now+ttl. It succeeds when
// the lease is free, expired or already holder's, and returns ECONFLICT
// naming the holder otherwise. The caller must renew it well within ttl.
func (l *Lease) AcquireLease(ctx context.Context, holder string, ttl time.Duration) error {
	return l.take(ctx, holder, ttl, false)
}

// RenewLease extends holder's lease until now+ttl. It returns ECONFLICT if
// holder lost the lease (it expired and another engine took it), in which
// case the caller must stop working.
func (l *Lease) RenewLease(ctx context.Context, holder string, ttl time.Duration) error {
	return l.take(ctx, holder, ttl, true)
}

// ReleaseLease gives up holder's lease; a lease held by another is left alone.
func (l *Lease) ReleaseLease(ctx context.Context, holder string) error {
	tx, err := l.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := releaseLease(ctx, tx, holder); err != nil {
		return err
	}
	return tx.commit()
}

// take is AcquireLease, or RenewLease when renew is set, in one write
// transaction.
func (l *Lease) take(ctx context.Context, holder string, ttl time.Duration, renew bool) error {
	if holder == "" {
		return core.FieldErrorf("holder", "is required")
	}
	if ttl <= 0 {
		return core.FieldErrorf("ttl", "must be positive")
	}
	tx, err := l.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	cur, expires, err := readLease(ctx, tx)
	if err != nil {
		return err
	}
	switch {
	case cur == "":
		if renew {
			return lostLease(holder)
		}
	case cur == holder:
	case renew:
		return lostLease(holder)
	case ms(expires) >= ms(tx.now) && (l.Stale == nil || !l.Stale(cur)):
		return &core.Error{Code: core.ECONFLICT, Message: fmt.Sprintf(
			"another hookwatch engine (%s) is running on this database; lease held until %s",
			cur, expires.Format(time.RFC3339))}
	}
	if err := saveLease(ctx, tx, holder, tx.now.Add(ttl)); err != nil {
		return err
	}
	return tx.commit()
}

// readLease returns the lease's holder and expiry; no holder when nobody
// holds it.
func readLease(ctx context.Context, tx *Tx) (holder string, expires time.Time, err error) {
	var at int64
	err = tx.QueryRowContext(ctx, `SELECT holder, expires_at FROM lease WHERE name = ?`, leaseName).Scan(&holder, &at)
	if err == sql.ErrNoRows {
		return "", time.Time{}, nil
	} else if err != nil {
		return "", time.Time{}, dbError("read lease", err)
	}
	return holder, fromMS(at), nil
}

// saveLease gives the lease to holder until expires.
func saveLease(ctx context.Context, tx *Tx, holder string, expires time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO lease (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
		leaseName, holder, ms(expires)); err != nil {
		return dbError("take lease", err)
	}
	return nil
}

func releaseLease(ctx context.Context, tx *Tx, holder string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM lease WHERE name = ? AND holder = ?`, leaseName, holder); err != nil {
		return dbError("release lease", err)
	}
	return nil
}

func lostLease(holder string) error {
	return &core.Error{Code: core.ECONFLICT, Message: fmt.Sprintf(
		"the engine lease of %s was lost to another hookwatch engine", holder)}
}
