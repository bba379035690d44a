package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// BatchInput is the input of a batch posted to latm serve, kept so that the
// batch resumes after a restart; its results are the batch's runs.
type BatchInput struct {
	ID        string
	Tool      string // name or name@version; "" routes every instance
	Tenant    string // who posted it (a token's name); "" the operator
	Input     []byte // the JSONL body as posted
	Total     int    // instances in it
	CreatedAt time.Time
}

// SaveBatchInput stores b unless a batch with its ID exists, and reports
// whether it was new. Posting the same input again is then a no-op.
func (s *Store) SaveBatchInput(ctx context.Context, b *BatchInput) (bool, error) {
	if b.CreatedAt.IsZero() {
		b.CreatedAt = time.Now()
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO api_batches (id, tool, tenant, input, total, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, b.ID, b.Tool, b.Tenant, b.Input, b.Total, formatTime(b.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("save batch %s: %w", b.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("save batch %s: %w", b.ID, err)
	}
	return n == 1, nil
}

// LoadBatchInput returns the batch of that id, or an error wrapping
// ErrNotFound.
func (s *Store) LoadBatchInput(ctx context.Context, id string) (*BatchInput, error) {
	b := &BatchInput{}
	var created string
	err := s.db.QueryRowContext(ctx, `SELECT id, tool, tenant, input, total, created_at FROM api_batches WHERE id = ?`, id).
		Scan(&b.ID, &b.Tool, &b.Tenant, &b.Input, &b.Total, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("batch %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", id, err)
	}
	b.CreatedAt = parseTime(created)
	return b, nil
}

// UnfinishedBatchInputs returns the ids of the batches with fewer runs
// than instances, oldest first: those a restarted server resumes.
func (s *Store) UnfinishedBatchInputs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT b.id FROM api_batches b
		WHERE (SELECT count(*) FROM runs r WHERE r.batch = b.id) < b.total ORDER BY b.created_at, b.id`)
	if err != nil {
		return nil, fmt.Errorf("unfinished batches: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("unfinished batches: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
