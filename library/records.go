package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latm/latm/tool"
)

// RecordRun stores a run (replacing an earlier one with the same Batch and
// InputID) and sets r.ID. A replaced run keeps its ID.
func (s *Store) RecordRun(ctx context.Context, r *tool.Run) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO runs
		(batch, input_id, question, tool_name, tool_version, code, raw_result, answer, ok, error, latency_ns, created_at, path, guards)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (batch, input_id) DO UPDATE SET
			question = excluded.question, tool_name = excluded.tool_name, tool_version = excluded.tool_version,
			code = excluded.code, raw_result = excluded.raw_result, answer = excluded.answer, ok = excluded.ok,
			error = excluded.error, latency_ns = excluded.latency_ns, created_at = excluded.created_at,
			path = excluded.path, guards = excluded.guards
		RETURNING id`,
		r.Batch, r.InputID, r.Question, r.ToolName, r.ToolVersion, r.Code, r.RawResult, r.Answer,
		r.OK, r.Error, int64(r.Latency), formatTime(r.CreatedAt), r.Path, r.Guards).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("record run %s/%s: %w", r.Batch, r.InputID, err)
	}
	return nil
}

// Runs returns the runs of a batch, keyed by InputID.
func (s *Store) Runs(ctx context.Context, batch string) (map[string]*tool.Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, batch, input_id, question, tool_name, tool_version, code,
		raw_result, answer, ok, error, latency_ns, created_at, path, guards FROM runs WHERE batch = ?`, batch)
	if err != nil {
		return nil, fmt.Errorf("runs of batch %s: %w", batch, err)
	}
	defer rows.Close()
	runs := map[string]*tool.Run{}
	for rows.Next() {
		r := &tool.Run{}
		var latency int64
		var created string
		if err := rows.Scan(&r.ID, &r.Batch, &r.InputID, &r.Question, &r.ToolName, &r.ToolVersion, &r.Code,
			&r.RawResult, &r.Answer, &r.OK, &r.Error, &latency, &created, &r.Path, &r.Guards); err != nil {
			return nil, fmt.Errorf("runs of batch %s: %w", batch, err)
		}
		r.Latency, r.CreatedAt = time.Duration(latency), parseTime(created)
		runs[r.InputID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("runs of batch %s: %w", batch, err)
	}
	return runs, nil
}

// RecordCall appends a row to the LLM-call ledger and sets c.ID.
func (s *Store) RecordCall(ctx context.Context, c *tool.ModelCall) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO model_calls
		(role, model, endpoint, tool, tokens_in, tokens_out, estimated, cost, latency_ns, status, cache_hit, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Role, c.Model, c.Endpoint, c.Tool, c.TokensIn, c.TokensOut, c.Estimated, c.Cost, int64(c.Latency),
		c.Status, c.CacheHit, formatTime(c.CreatedAt)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("record %s call to %s: %w", c.Role, c.Model, err)
	}
	return nil
}

// CacheGet returns the cached response under key, if any.
func (s *Store) CacheGet(ctx context.Context, key string) ([]byte, bool, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, `SELECT value FROM response_cache WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("response cache: read %.16s…: %w", key, err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, true, nil
}

// CachePut stores (or replaces) the response under key.
func (s *Store) CachePut(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO response_cache (key, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, created_at = excluded.created_at`,
		key, value, formatTime(time.Now()))
	if err != nil {
		return fmt.Errorf("response cache: write %.16s…: %w", key, err)
	}
	return nil
}

const pendingColumns = `id, instance_id, question, label, label_source, grp, status, created_at, tenant`

func scanPending(sc interface{ Scan(...any) error }) (*tool.Pending, error) {
	p := &tool.Pending{}
	var created string
	if err := sc.Scan(&p.ID, &p.InstanceID, &p.Question, &p.Label, &p.LabelSource, &p.Group, &p.Status, &created, &p.Tenant); err != nil {
		return nil, err
	}
	p.CreatedAt = parseTime(created)
	return p, nil
}

func validLabelSource(src string) error {
	switch src {
	case "", "input", "human", "model", "upstream":
		return nil
	}
	return fmt.Errorf("label source %q: want input, human, model or upstream", src)
}

// AddPending stores an instance of an unknown task and sets p.ID. Adding an
// InstanceID that is already pending is a no-op that fills p from the store.
func (s *Store) AddPending(ctx context.Context, p *tool.Pending) error {
	if err := validLabelSource(p.LabelSource); err != nil {
		return fmt.Errorf("add pending %s: %w", p.InstanceID, err)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		got, err := scanPending(tx.QueryRowContext(ctx, `SELECT `+pendingColumns+` FROM pending
			WHERE instance_id = ? AND status = 'pending'`, p.InstanceID))
		if err == nil {
			*p = *got
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if p.CreatedAt.IsZero() {
			p.CreatedAt = time.Now()
		}
		p.Status = tool.PendingOpen
		return tx.QueryRowContext(ctx, `INSERT INTO pending (instance_id, question, label, label_source, grp, status, created_at, tenant)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.InstanceID, p.Question, p.Label, p.LabelSource, p.Group, p.Status, formatTime(p.CreatedAt), p.Tenant).Scan(&p.ID)
	})
	if err != nil {
		return fmt.Errorf("add pending %s: %w", p.InstanceID, err)
	}
	return nil
}

// PendingInstances returns pending (unsolved) instances, all of them for
// group < 0, or those of one group (0: not grouped yet), oldest first.
func (s *Store) PendingInstances(ctx context.Context, group int64) ([]*tool.Pending, error) {
	q := `SELECT ` + pendingColumns + ` FROM pending WHERE status = 'pending'`
	var args []any
	if group >= 0 {
		q += ` AND grp = ?`
		args = append(args, group)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("pending instances: %w", err)
	}
	defer rows.Close()
	var ps []*tool.Pending
	for rows.Next() {
		p, err := scanPending(rows)
		if err != nil {
			return nil, fmt.Errorf("pending instances: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending instances: %w", err)
	}
	return ps, nil
}

// execOne runs stmt and reports ErrNotFound if it changed no row.
func (s *Store) execOne(ctx context.Context, stmt string, args ...any) error {
	res, err := s.db.ExecContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetPendingGroup assigns an instance to a candidate new task.
func (s *Store) SetPendingGroup(ctx context.Context, id, group int64) error {
	if err := s.execOne(ctx, `UPDATE pending SET grp = ? WHERE id = ?`, group, id); err != nil {
		return fmt.Errorf("group pending instance %d: %w", id, err)
	}
	return nil
}

// LabelPending sets the label of the pending instance with that InstanceID.
func (s *Store) LabelPending(ctx context.Context, instanceID, label, source string) error {
	if err := validLabelSource(source); err != nil {
		return fmt.Errorf("label pending %s: %w", instanceID, err)
	}
	if err := s.execOne(ctx, `UPDATE pending SET label = ?, label_source = ? WHERE instance_id = ? AND status = 'pending'`,
		label, source, instanceID); err != nil {
		return fmt.Errorf("label pending %s: %w", instanceID, err)
	}
	return nil
}

// MarkPendingSolved marks an instance solved (it stays for audit).
func (s *Store) MarkPendingSolved(ctx context.Context, id int64) error {
	if err := s.execOne(ctx, `UPDATE pending SET status = 'solved' WHERE id = ?`, id); err != nil {
		return fmt.Errorf("mark pending instance %d solved: %w", id, err)
	}
	return nil
}

// RecordRoute stores a routing decision and sets r.ID.
func (s *Store) RecordRoute(ctx context.Context, r *tool.Route) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO routes (batch, input_id, question, tool, stage, score, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Batch, r.InputID, r.Question, r.Tool, r.Stage, r.Score, formatTime(r.CreatedAt)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("record route of %s/%s: %w", r.Batch, r.InputID, err)
	}
	return nil
}

// costKeys maps a CostReport grouping to its SQL expression; the day is
// the UTC date, the first ten characters of the stored time.
var costKeys = map[string]string{
	"role":  "role",
	"model": "model",
	"tool":  "tool",
	"day":   "substr(created_at, 1, 10)",
}

// CostReport sums the ledger by "role", "model", "tool" or "day", ordered
// by key.
func (s *Store) CostReport(ctx context.Context, by string) ([]CostRow, error) {
	key, ok := costKeys[by]
	if !ok {
		return nil, fmt.Errorf("cost report by %q: want role, model, tool or day", by)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+key+` AS k, count(*), coalesce(sum(cache_hit), 0),
		coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), coalesce(sum(cost), 0),
		coalesce(sum(estimated), 0)
		FROM model_calls GROUP BY k ORDER BY k`)
	if err != nil {
		return nil, fmt.Errorf("cost report by %s: %w", by, err)
	}
	defer rows.Close()
	var out []CostRow
	for rows.Next() {
		var r CostRow
		if err := rows.Scan(&r.Key, &r.Calls, &r.CacheHits, &r.TokensIn, &r.TokensOut, &r.Cost, &r.Estimated); err != nil {
			return nil, fmt.Errorf("cost report by %s: %w", by, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cost report by %s: %w", by, err)
	}
	return out, nil
}

// LastRoute returns the newest routing decision recorded for the instance
// inputID of batch, or an error wrapping ErrNotFound.
func (s *Store) LastRoute(ctx context.Context, batch, inputID string) (*tool.Route, error) {
	r := &tool.Route{Batch: batch, InputID: inputID}
	var created string
	err := s.db.QueryRowContext(ctx, `SELECT id, question, tool, stage, score, created_at FROM routes
		WHERE batch = ? AND input_id = ? ORDER BY id DESC LIMIT 1`, batch, inputID).
		Scan(&r.ID, &r.Question, &r.Tool, &r.Stage, &r.Score, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("route of %s/%s: %w", batch, inputID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("route of %s/%s: %w", batch, inputID, err)
	}
	r.CreatedAt = parseTime(created)
	return r, nil
}

// BatchSummary counts the runs of one batch.
type BatchSummary struct {
	Batch  string    `json:"batch"`
	Runs   int       `json:"runs"`
	OK     int       `json:"ok"`
	Failed int       `json:"failed"`
	Last   time.Time `json:"last"` // when its newest run was recorded
}

// Batches summarizes every batch that has runs, the most recent first.
func (s *Store) Batches(ctx context.Context) ([]BatchSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT batch, count(*), coalesce(sum(ok), 0), max(created_at)
		FROM runs GROUP BY batch ORDER BY max(created_at) DESC, batch`)
	if err != nil {
		return nil, fmt.Errorf("batches: %w", err)
	}
	defer rows.Close()
	var out []BatchSummary
	for rows.Next() {
		var b BatchSummary
		var last string
		if err := rows.Scan(&b.Batch, &b.Runs, &b.OK, &last); err != nil {
			return nil, fmt.Errorf("batches: %w", err)
		}
		b.Failed, b.Last = b.Runs-b.OK, parseTime(last)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("batches: %w", err)
	}
	return out, nil
}
