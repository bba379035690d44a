package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latm/latm/internal/procowner"
)

// Acquire takes the lease name for owner until ttl from now, if the lease
// is free, expired, owner's already (then it is extended) or held by a
// process of this host that has died (see procowner.New). It reports
// whether owner holds the lease. Several processes may call it at once.
func (s *Store) Acquire(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	now := time.Now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO leases (name, owner, expires) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
		WHERE leases.expires < ? OR leases.owner = excluded.owner`,
		name, owner, formatTime(now.Add(ttl)), formatTime(now))
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	if n == 1 {
		return true, nil
	}
	// Held by another: take it over if its holder is known to be dead.
	var holder string
	err = s.db.QueryRowContext(ctx, `SELECT owner FROM leases WHERE name = ?`, name).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // released meanwhile: the caller tries again
	}
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	if !procowner.Dead(holder) {
		return false, nil
	}
	// The holder is named in the condition: of several processes taking
	// over at once, one wins.
	res, err = s.db.ExecContext(ctx, `UPDATE leases SET owner = ?, expires = ? WHERE name = ? AND owner = ?`,
		owner, formatTime(now.Add(ttl)), name, holder)
	if err != nil {
		return false, fmt.Errorf("take over lease %s from %s: %w", name, holder, err)
	}
	if n, err = res.RowsAffected(); err != nil {
		return false, fmt.Errorf("take over lease %s from %s: %w", name, holder, err)
	}
	return n == 1, nil
}

// Release gives up owner's lease name; releasing a lease one does not hold
// (it expired and another took it) changes nothing.
func (s *Store) Release(ctx context.Context, name, owner string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND owner = ?`, name, owner); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
