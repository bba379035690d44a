package library

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/latm/latm/tool"
)

// saveHook, when set (by tests), runs between the steps of SaveTool inside
// its transaction; an error from it aborts the save as a crash would.
var saveHook func(step string) error

func runSaveHook(step string) error {
	if saveHook == nil {
		return nil
	}
	return saveHook(step)
}

// SaveTool stores t as a new version of t.Name, in one transaction, and sets
// t.ID, t.Version and t.CreatedAt. CreatedAt is kept if already set (an
// imported package keeps its making date); Status "" means active.
func (s *Store) SaveTool(ctx context.Context, t *tool.Tool) error {
	if err := tool.ValidateName(t.Name); err != nil {
		return fmt.Errorf("save tool: %w", err)
	}
	if strings.TrimSpace(t.Source) == "" {
		return fmt.Errorf("save tool %s: the source is empty", t.Name)
	}
	status := t.Status
	if status == "" {
		status = tool.StatusActive
	}
	if status != tool.StatusActive && status != tool.StatusRetired {
		return fmt.Errorf("save tool %s: status %q is neither %q nor %q", t.Name, status, tool.StatusActive, tool.StatusRetired)
	}
	validation, err := marshalList(t.Validation)
	if err != nil {
		return fmt.Errorf("save tool %s: validation: %w", t.Name, err)
	}
	transcript, err := marshalList(t.Transcript)
	if err != nil {
		return fmt.Errorf("save tool %s: transcript: %w", t.Name, err)
	}
	created := t.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	var id int64
	var version int
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM tools WHERE name = ?`, t.Name).Scan(&version); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO tools
			(name, version, status, description, source, entry, signature, maker_model, validation, transcript, created_at, parser, tenant,
			 arg_schema, arg_schema_from, arg_schema_note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.Name, version, status, t.Description, t.Source, t.Entry, t.Signature, t.MakerModel,
			validation, transcript, formatTime(created), t.Parser, t.Tenant,
			t.ArgSchema, t.ArgSchemaFrom, t.ArgSchemaNote).Scan(&id)
		if err != nil {
			return err
		}
		for i, ex := range t.Examples {
			if err := runSaveHook(fmt.Sprintf("example %d", i+1)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO tool_examples (tool_id, position, question, code, answer)
				VALUES (?, ?, ?, ?, ?)`, id, i+1, ex.Question, ex.Code, ex.Answer); err != nil {
				return fmt.Errorf("usage example %d: %w", i+1, err)
			}
		}
		if err := runSaveHook("index"); err != nil {
			return err
		}
		return reindex(ctx, tx, t.Name)
	})
	if err != nil {
		return fmt.Errorf("save tool %s: %w", t.Name, err)
	}
	t.ID, t.Version, t.Status, t.CreatedAt = id, version, status, parseTime(formatTime(created))
	return nil
}

func marshalList[T any](xs []T) (string, error) {
	if xs == nil {
		xs = []T{}
	}
	b, err := json.Marshal(xs)
	return string(b), err
}

// reindex makes the full-text index hold the newest active version of
// name, or nothing for name if it has no active version.
func reindex(ctx context.Context, tx *sql.Tx, name string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM tools_fts WHERE rowid IN (SELECT id FROM tools WHERE name = ?)`, name); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO tools_fts (rowid, name, description, questions)
		SELECT t.id, t.name, t.description,
			coalesce((SELECT group_concat(e.question, char(10)) FROM tool_examples e WHERE e.tool_id = t.id), '')
		FROM tools t
		WHERE t.name = ? AND t.status = 'active'
		ORDER BY t.version DESC LIMIT 1`, name)
	if err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	// Every write adds FTS5 segments (a delete is a new segment too), and a
	// search seeks every segment for every term: after 30 saves a search
	// was 5x slower than on a merged index. Tools change rarely (each after
	// a model made it), so merging to one segment on every change is cheap
	// by comparison: ~50 ms at 5 000 tools (docs/bench-library.md).
	if _, err := tx.ExecContext(ctx, `INSERT INTO tools_fts (tools_fts) VALUES ('optimize')`); err != nil {
		return fmt.Errorf("merge search index: %w", err)
	}
	return nil
}

const toolColumns = `id, name, version, status, description, source, entry, signature, maker_model, validation, transcript, created_at, parser, tenant, arg_schema, arg_schema_from, arg_schema_note`

// Tool returns the given version, or the newest active one for version 0.
func (s *Store) Tool(ctx context.Context, name string, version int) (*tool.Tool, error) {
	q := `SELECT ` + toolColumns + ` FROM tools WHERE name = ? AND version = ?`
	args := []any{name, version}
	if version == 0 {
		q = `SELECT ` + toolColumns + ` FROM tools WHERE name = ? AND status = 'active' ORDER BY version DESC LIMIT 1`
		args = args[:1]
	}
	tools, err := s.queryTools(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("tool %s: %w", tool.Ref(name, version), err)
	}
	if len(tools) == 0 {
		if version == 0 {
			return nil, fmt.Errorf("tool %s: no active version: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("tool %s: %w", tool.Ref(name, version), ErrNotFound)
	}
	return tools[0], nil
}

// Tools returns the newest active version of every tool (all versions, retired
// too, if all is set), ordered by name then version.
func (s *Store) Tools(ctx context.Context, all bool) ([]*tool.Tool, error) {
	q := `SELECT ` + toolColumns + ` FROM tools t WHERE t.status = 'active'
		AND t.version = (SELECT max(v.version) FROM tools v WHERE v.name = t.name AND v.status = 'active')
		ORDER BY name, version`
	if all {
		q = `SELECT ` + toolColumns + ` FROM tools ORDER BY name, version`
	}
	tools, err := s.queryTools(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tools: %w", err)
	}
	return tools, nil
}

// queryTools reads tool rows, then their usage examples, in one read
// transaction so that both come from the same snapshot.
func (s *Store) queryTools(ctx context.Context, q string, args ...any) ([]*tool.Tool, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var tools []*tool.Tool
	byID := map[int64]*tool.Tool{}
	for rows.Next() {
		t := &tool.Tool{}
		var validation, transcript, created string
		if err := rows.Scan(&t.ID, &t.Name, &t.Version, &t.Status, &t.Description, &t.Source, &t.Entry,
			&t.Signature, &t.MakerModel, &validation, &transcript, &created, &t.Parser, &t.Tenant,
			&t.ArgSchema, &t.ArgSchemaFrom, &t.ArgSchemaNote); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(validation), &t.Validation); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tool %s: validation column: %w", t.Ref(), err)
		}
		if err := json.Unmarshal([]byte(transcript), &t.Transcript); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tool %s: transcript column: %w", t.Ref(), err)
		}
		t.CreatedAt = parseTime(created)
		tools = append(tools, t)
		byID[t.ID] = t
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(tools) == 0 {
		return nil, nil
	}
	// One query for every example is cheaper than one per tool; a listing
	// of a few hundred tools stays a single scan.
	ids := make([]any, 0, len(tools))
	marks := make([]string, 0, len(tools))
	for _, t := range tools {
		ids = append(ids, t.ID)
		marks = append(marks, "?")
	}
	if len(ids) > 500 {
		ids, marks = nil, nil // too many parameters: read all examples
	}
	eq := `SELECT tool_id, question, code, answer FROM tool_examples`
	if ids != nil {
		eq += ` WHERE tool_id IN (` + strings.Join(marks, ",") + `)`
	}
	eq += ` ORDER BY tool_id, position`
	erows, err := tx.QueryContext(ctx, eq, ids...)
	if err != nil {
		return nil, err
	}
	defer erows.Close()
	for erows.Next() {
		var id int64
		var ex tool.UsageExample
		if err := erows.Scan(&id, &ex.Question, &ex.Code, &ex.Answer); err != nil {
			return nil, err
		}
		if t := byID[id]; t != nil {
			t.Examples = append(t.Examples, ex)
		}
	}
	return tools, erows.Err()
}

// RetireTool marks a version (every version, for 0) retired.
func (s *Store) RetireTool(ctx context.Context, name string, version int) error {
	err := s.changeTool(ctx, name, version, `UPDATE tools SET status = 'retired' WHERE name = ?`)
	if err != nil {
		return fmt.Errorf("retire tool %s: %w", tool.Ref(name, version), err)
	}
	return nil
}

// PurgeTool deletes a version (every version, for 0). Runs that used it
// are kept: they name the tool, they do not point at it.
func (s *Store) PurgeTool(ctx context.Context, name string, version int) error {
	err := s.changeTool(ctx, name, version, `DELETE FROM tools WHERE name = ?`)
	if err != nil {
		return fmt.Errorf("purge tool %s: %w", tool.Ref(name, version), err)
	}
	return nil
}

// changeTool runs stmt (which selects by name) for one version or all,
// then brings the search index up to date, in one transaction.
func (s *Store) changeTool(ctx context.Context, name string, version int, stmt string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		args := []any{name}
		if version != 0 {
			stmt += ` AND version = ?`
			args = append(args, version)
		}
		// The index row goes first: after a DELETE the ids it names are gone.
		if _, err := tx.ExecContext(ctx, `DELETE FROM tools_fts WHERE rowid IN (SELECT id FROM tools WHERE name = ?)`, name); err != nil {
			return fmt.Errorf("update search index: %w", err)
		}
		res, err := tx.ExecContext(ctx, stmt, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return reindex(ctx, tx, name)
	})
}

// maxQueryTerms bounds the terms of one search; an instance's text can be
// long and every term costs an index lookup.
const maxQueryTerms = 64

// SearchQuery turns arbitrary text into an FTS5 query that cannot be a
// syntax error: the words (runs of letters and digits) of text, each
// quoted, joined by OR, in first-seen order without repeats. It returns ""
// if text has no words.
func SearchQuery(text string) string {
	seen := map[string]bool{}
	var terms []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if seen[w] {
			continue
		}
		seen[w] = true
		terms = append(terms, `"`+w+`"`)
		if len(terms) == maxQueryTerms {
			break
		}
	}
	return strings.Join(terms, " OR ")
}

// SearchTools ranks active tools by full-text match of query against names,
// descriptions and usage-example questions.
func (s *Store) SearchTools(ctx context.Context, query string, limit int) ([]tool.SearchHit, error) {
	q := SearchQuery(query)
	if q == "" {
		return nil, nil
	}
	if limit <= 0 {
		limit = 10
	}
	// bm25 is lower-is-better; negate it so that higher is better. Names
	// weigh most: a question that names the task is a strong signal.
	rows, err := s.db.QueryContext(ctx, `SELECT t.name, t.version, -bm25(tools_fts, 5.0, 2.0, 1.0) AS score
		FROM tools_fts JOIN tools t ON t.id = tools_fts.rowid
		WHERE tools_fts MATCH ?
		ORDER BY score DESC, t.name LIMIT ?`, q, limit)
	if err != nil {
		return nil, fmt.Errorf("search tools for %.40q: %w", query, err)
	}
	defer rows.Close()
	var hits []tool.SearchHit
	for rows.Next() {
		var h tool.SearchHit
		if err := rows.Scan(&h.Name, &h.Version, &h.Score); err != nil {
			return nil, fmt.Errorf("search tools: %w", err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search tools: %w", err)
	}
	return hits, nil
}
