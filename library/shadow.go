package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latm/latm/tool"
)

// Shadow checks (migrations/0006_shadow.sql) are only ever added, one row
// per check, and a version's state is counted from them in one statement:
// several workers and processes recording checks at once need no lock and
// no counter that could be read and written apart.

// shadowMigration is the migration that made shadow_checks.
const shadowMigration = "migrations/0006_shadow.sql"

// withShadowTable runs fn, and again after creating shadow_checks if it
// failed for want of the table: a file opened by a build in which
// migration 6 was still a reserved placeholder has it recorded as applied
// without the table.
func (s *Store) withShadowTable(ctx context.Context, fn func() error) error {
	err := fn()
	if err == nil || !strings.Contains(err.Error(), "no such table: shadow_checks") {
		return err
	}
	text, rerr := migrationFS.ReadFile(shadowMigration)
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	if _, xerr := s.db.ExecContext(ctx, string(text)); xerr != nil {
		return errors.Join(err, fmt.Errorf("create the shadow checks table: %w", xerr))
	}
	return fn()
}

// RecordShadowCheck stores one shadow check and sets its time if unset.
func (s *Store) RecordShadowCheck(ctx context.Context, c *tool.ShadowCheck) error {
	return s.withShadowTable(ctx, func() error { return s.recordShadowCheck(ctx, c) })
}

func (s *Store) recordShadowCheck(ctx context.Context, c *tool.ShadowCheck) error {
	if c.At.IsZero() {
		c.At = time.Now()
	}
	switch c.Outcome {
	case tool.ShadowAgreed, tool.ShadowDisagreed, tool.ShadowUndecided:
	default:
		return fmt.Errorf("record shadow check of %s: outcome %q: want agreed, disagreed or undecided", tool.Ref(c.Key.Tool, c.Key.Version), c.Outcome)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO shadow_checks
		(tool_name, tool_version, source_hash, path, batch, input_id, question, no_model_answer, model_answer, outcome, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Key.Tool, c.Key.Version, c.Key.Hash, c.Path, c.Batch, c.InputID, c.Question,
		c.NoModelAnswer, c.ModelAnswer, c.Outcome, c.Note, formatTime(c.At))
	if err != nil {
		return fmt.Errorf("record shadow check of %s for %s/%s: %w", tool.Ref(c.Key.Tool, c.Key.Version), c.Batch, c.InputID, err)
	}
	return nil
}

// ShadowState counts the shadow checks of the tool version key: distinct
// questions agreed on per path, undecided checks, and the first
// disagreement (which turned its no-model paths off). A version never
// checked has an empty state.
func (s *Store) ShadowState(ctx context.Context, key tool.ShadowKey) (st tool.ShadowState, err error) {
	err = s.withShadowTable(ctx, func() error {
		st, err = s.shadowState(ctx, key)
		return err
	})
	return st, err
}

func (s *Store) shadowState(ctx context.Context, key tool.ShadowKey) (tool.ShadowState, error) {
	st := tool.ShadowState{Agreed: map[string]int{}}
	ref := tool.Ref(key.Tool, key.Version)
	// One statement: a consistent snapshot of the counts.
	rows, err := s.db.QueryContext(ctx, `SELECT outcome, path, count(DISTINCT question), count(*) FROM shadow_checks
		WHERE tool_name = ? AND tool_version = ? AND source_hash = ? GROUP BY outcome, path`,
		key.Tool, key.Version, key.Hash)
	if err != nil {
		return st, fmt.Errorf("shadow state of %s: %w", ref, err)
	}
	disagreed := false
	for rows.Next() {
		var outcome, path string
		var distinct, all int
		if err := rows.Scan(&outcome, &path, &distinct, &all); err != nil {
			rows.Close()
			return st, fmt.Errorf("shadow state of %s: %w", ref, err)
		}
		switch outcome {
		case tool.ShadowAgreed:
			st.Agreed[path] = distinct
		case tool.ShadowUndecided:
			st.Undecided += all
		case tool.ShadowDisagreed:
			disagreed = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("shadow state of %s: %w", ref, err)
	}
	if !disagreed {
		return st, nil
	}
	c := &tool.ShadowCheck{Key: key}
	var at string
	err = s.db.QueryRowContext(ctx, `SELECT path, batch, input_id, question, no_model_answer, model_answer, outcome, note, created_at
		FROM shadow_checks WHERE tool_name = ? AND tool_version = ? AND source_hash = ? AND outcome = 'disagreed'
		ORDER BY id LIMIT 1`, key.Tool, key.Version, key.Hash).
		Scan(&c.Path, &c.Batch, &c.InputID, &c.Question, &c.NoModelAnswer, &c.ModelAnswer, &c.Outcome, &c.Note, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("shadow state of %s: its disagreement vanished (rows are never deleted)", ref)
	}
	if err != nil {
		return st, fmt.Errorf("shadow state of %s: %w", ref, err)
	}
	c.At = parseTime(at)
	st.Off = c
	return st, nil
}
