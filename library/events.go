package library

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/latm/latm/tool"
)

// RecordCallOnce appends c to the ledger unless an event with key was
// applied already, in one transaction with the key; it reports whether it
// recorded c. A collector of ledger events (worker.Queue) calls it, so a
// redelivered event is counted once.
func (s *Store) RecordCallOnce(ctx context.Context, key string, c *tool.ModelCall) (bool, error) {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	recorded := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO applied_events (key, applied_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			key, formatTime(time.Now()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		recorded = true
		return tx.QueryRowContext(ctx, `INSERT INTO model_calls
			(role, model, endpoint, tool, tokens_in, tokens_out, estimated, cost, latency_ns, status, cache_hit, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.Role, c.Model, c.Endpoint, c.Tool, c.TokensIn, c.TokensOut, c.Estimated, c.Cost, int64(c.Latency),
			c.Status, c.CacheHit, formatTime(c.CreatedAt)).Scan(&c.ID)
	})
	if err != nil {
		return false, fmt.Errorf("record %s call to %s (event %s): %w", c.Role, c.Model, key, err)
	}
	return recorded, nil
}
