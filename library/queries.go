package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latm/latm/tool"
)

// ReactivateTool marks a retired version (every version, for 0) active
// again and brings the search index up to date.
func (s *Store) ReactivateTool(ctx context.Context, name string, version int) error {
	err := s.changeTool(ctx, name, version, `UPDATE tools SET status = 'active' WHERE name = ?`)
	if err != nil {
		return fmt.Errorf("reactivate tool %s: %w", tool.Ref(name, version), err)
	}
	return nil
}

// ToolStats counts the runs of one tool, all its versions.
type ToolStats struct {
	Runs         int       `json:"runs"`
	OK           int       `json:"ok"`
	MeanLatency  float64   `json:"mean_latency_ms"`
	LastRun      time.Time `json:"last_run,omitzero"`
	ModelCalls   int       `json:"model_calls"` // ledger rows naming the tool
	Cost         float64   `json:"cost"`
	NoModelCalls int       `json:"no_model_runs"` // runs answered without a model (parser or template path)
}

// StatsOf sums the runs and ledger rows of the tool name.
func (s *Store) StatsOf(ctx context.Context, name string) (ToolStats, error) {
	var st ToolStats
	var last string
	var meanNS float64
	err := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(ok), 0), coalesce(avg(latency_ns), 0),
		coalesce(max(created_at), ''), coalesce(sum(path IN ('parser', 'template') OR (path = '' AND code LIKE '# template of usage example%')), 0)
		FROM runs WHERE tool_name = ?`, name).Scan(&st.Runs, &st.OK, &meanNS, &last, &st.NoModelCalls)
	if err != nil {
		return st, fmt.Errorf("stats of %s: %w", name, err)
	}
	st.MeanLatency = meanNS / 1e6
	if last != "" {
		st.LastRun = parseTime(last)
	}
	err = s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(cost), 0) FROM model_calls
		WHERE tool = ? OR tool LIKE ? || '@%'`, name, name).Scan(&st.ModelCalls, &st.Cost)
	if err != nil {
		return st, fmt.Errorf("stats of %s: %w", name, err)
	}
	return st, nil
}

// RunFilter selects runs for RecentRuns; empty fields match anything.
type RunFilter struct {
	Tool  string // tool name
	Batch string
	Limit int // 0 means 100
}

// RecentRuns returns runs matching f, the newest first.
func (s *Store) RecentRuns(ctx context.Context, f RunFilter) ([]*tool.Run, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT id, batch, input_id, question, tool_name, tool_version, code, raw_result, answer, ok, error,
		latency_ns, created_at, path, guards FROM runs WHERE 1 = 1`
	var args []any
	if f.Tool != "" {
		q += ` AND tool_name = ?`
		args = append(args, f.Tool)
	}
	if f.Batch != "" {
		q += ` AND batch = ?`
		args = append(args, f.Batch)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("recent runs: %w", err)
	}
	defer rows.Close()
	var out []*tool.Run
	for rows.Next() {
		r := &tool.Run{}
		var latency int64
		var created string
		if err := rows.Scan(&r.ID, &r.Batch, &r.InputID, &r.Question, &r.ToolName, &r.ToolVersion, &r.Code,
			&r.RawResult, &r.Answer, &r.OK, &r.Error, &latency, &created, &r.Path, &r.Guards); err != nil {
			return nil, fmt.Errorf("recent runs: %w", err)
		}
		r.Latency, r.CreatedAt = time.Duration(latency), parseTime(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Run returns the run of instance inputID in batch, or an error wrapping
// ErrNotFound.
func (s *Store) Run(ctx context.Context, batch, inputID string) (*tool.Run, error) {
	r := &tool.Run{}
	var latency int64
	var created string
	err := s.db.QueryRowContext(ctx, `SELECT id, batch, input_id, question, tool_name, tool_version, code, raw_result,
		answer, ok, error, latency_ns, created_at, path, guards FROM runs WHERE batch = ? AND input_id = ?`, batch, inputID).
		Scan(&r.ID, &r.Batch, &r.InputID, &r.Question, &r.ToolName, &r.ToolVersion, &r.Code,
			&r.RawResult, &r.Answer, &r.OK, &r.Error, &latency, &created, &r.Path, &r.Guards)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("run %s/%s: %w", batch, inputID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("run %s/%s: %w", batch, inputID, err)
	}
	r.Latency, r.CreatedAt = time.Duration(latency), parseTime(created)
	return r, nil
}
