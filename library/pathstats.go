package library

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/latm/latm/tool"
)

// PathStats says how a tool's runs were answered: by path (parser,
// template, user, or "" for runs recorded before paths were), answered or
// failed, and the guard refusals met on the way, by kind.
type PathStats struct {
	Paths    []PathCount    `json:"paths"`
	Refusals map[string]int `json:"refusals"` // kind ("template", "parser", "grounding", …) → runs that met it
}

// PathCount is the runs of one path.
type PathCount struct {
	Path   string `json:"path"`
	OK     int    `json:"ok"`
	Failed int    `json:"failed"`
}

// PathStatsOf sums the runs of the tool name by path and the guard
// refusals their records name. A refusal is a guard line of the form
// "KIND refused: why" (user/solve.go writes them); a run counts once per
// kind however often it met it.
func (s *Store) PathStatsOf(ctx context.Context, name string) (PathStats, error) {
	return s.pathStats(ctx, "tool_name = ?", name)
}

// BatchPathStats is PathStatsOf for the runs of one batch, by tool
// reference (name@version; "" for the strong model's answers).
func (s *Store) BatchPathStats(ctx context.Context, batch string) (map[string]PathStats, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT tool_name, tool_version FROM runs WHERE batch = ?`, batch)
	if err != nil {
		return nil, fmt.Errorf("path stats of batch %s: %w", batch, err)
	}
	type ref struct {
		name    string
		version int
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.name, &r.version); err != nil {
			rows.Close()
			return nil, fmt.Errorf("path stats of batch %s: %w", batch, err)
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("path stats of batch %s: %w", batch, err)
	}
	out := map[string]PathStats{}
	for _, r := range refs {
		key := ""
		if r.name != "" {
			key = tool.Ref(r.name, r.version)
		}
		st, err := s.pathStats(ctx, "batch = ? AND tool_name = ? AND tool_version = ?", batch, r.name, r.version)
		if err != nil {
			return nil, err
		}
		out[key] = st
	}
	return out, nil
}

func (s *Store) pathStats(ctx context.Context, where string, args ...any) (PathStats, error) {
	name := fmt.Sprint(args...)
	st := PathStats{Refusals: map[string]int{}}
	rows, err := s.db.QueryContext(ctx, `SELECT path, ok, count(*) FROM runs WHERE `+where+` GROUP BY path, ok`, args...)
	if err != nil {
		return st, fmt.Errorf("path stats of %s: %w", name, err)
	}
	byPath := map[string]*PathCount{}
	for rows.Next() {
		var path string
		var ok bool
		var n int
		if err := rows.Scan(&path, &ok, &n); err != nil {
			rows.Close()
			return st, fmt.Errorf("path stats of %s: %w", name, err)
		}
		pc := byPath[path]
		if pc == nil {
			pc = &PathCount{Path: path}
			byPath[path] = pc
		}
		if ok {
			pc.OK += n
		} else {
			pc.Failed += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("path stats of %s: %w", name, err)
	}
	for _, pc := range byPath {
		st.Paths = append(st.Paths, *pc)
	}
	sort.Slice(st.Paths, func(i, j int) bool { return st.Paths[i].Path < st.Paths[j].Path })

	rows, err = s.db.QueryContext(ctx, `SELECT guards FROM runs WHERE `+where+` AND guards LIKE '%refused:%'`, args...)
	if err != nil {
		return st, fmt.Errorf("path stats of %s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var guards string
		if err := rows.Scan(&guards); err != nil {
			return st, fmt.Errorf("path stats of %s: %w", name, err)
		}
		for kind := range refusalKinds(guards) {
			st.Refusals[kind]++
		}
	}
	return st, rows.Err()
}

// refusalKinds reads the kinds of the "KIND refused: why" lines of a run's
// guard record.
func refusalKinds(guards string) map[string]bool {
	kinds := map[string]bool{}
	for _, line := range strings.Split(guards, "\n") {
		if kind, _, ok := strings.Cut(line, " refused:"); ok && kind != "" && !strings.Contains(kind, ":") {
			kinds[strings.TrimSpace(kind)] = true
		}
	}
	return kinds
}
