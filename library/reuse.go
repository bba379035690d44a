package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/latm/latm/tool"
)

// SameContent says whether a and b hold the same tool: what a tool
// package carries (name, entry, signature, maker, description, usage
// examples, validation, source), apart from its making date. Source is
// compared without trailing newlines, which an exported package adds.
func SameContent(a, b *tool.Tool) bool {
	return a.Name == b.Name && a.Entry == b.Entry && a.Signature == b.Signature &&
		a.MakerModel == b.MakerModel && a.Description == b.Description &&
		strings.TrimRight(a.Source, "\n") == strings.TrimRight(b.Source, "\n") &&
		slices.Equal(a.Examples, b.Examples) && slices.Equal(a.Validation, b.Validation)
}

// SaveToolUnlessSame saves t as a new version of its name, unless the
// newest active version already has the same content (SameContent) and
// the same owner (Tenant): then nothing is written, t takes that
// version's ID, Version, Status and CreatedAt, and saved is false.
// Importing one package twice thus gives one version. Two concurrent
// imports of the same content may both save.
func (s *Store) SaveToolUnlessSame(ctx context.Context, t *tool.Tool) (saved bool, err error) {
	cur, err := s.Tool(ctx, t.Name, 0)
	switch {
	case err == nil && SameContent(cur, t) && cur.Tenant == t.Tenant:
		t.ID, t.Version, t.Status, t.CreatedAt = cur.ID, cur.Version, cur.Status, cur.CreatedAt
		return false, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return false, fmt.Errorf("save tool %s: %w", t.Name, err)
	}
	if err := s.SaveTool(ctx, t); err != nil {
		return false, err
	}
	return true, nil
}

// ActivateTool makes a retired version active again: the given one, or
// for version 0 the newest version of name. It returns the version, and
// ErrNotFound if there is none. Activating an active version is no error.
func (s *Store) ActivateTool(ctx context.Context, name string, version int) (int, error) {
	if version == 0 {
		var v sql.NullInt64
		if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM tools WHERE name = ?`, name).Scan(&v); err != nil {
			return 0, fmt.Errorf("activate tool %s: %w", name, err)
		}
		if !v.Valid {
			return 0, fmt.Errorf("activate tool %s: %w", name, ErrNotFound)
		}
		version = int(v.Int64)
	}
	if err := s.changeTool(ctx, name, version, `UPDATE tools SET status = 'active' WHERE name = ?`); err != nil {
		return 0, fmt.Errorf("activate tool %s: %w", tool.Ref(name, version), err)
	}
	return version, nil
}
