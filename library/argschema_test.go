package library

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/latm/latm/tool"
)

// A tool's argument schema, who wrote it and why the maker's was refused
// are stored and read back; a database at migration 11 (with 0009 applied
// as the reserved no-op) gains the columns empty, and its tools keep
// working.
func TestArgSchemaStored(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latm.db")
	old, err := openUpTo(ctx, path, 11)
	if err != nil {
		t.Fatal(err)
	}
	var noop int
	if err := old.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = 9`).Scan(&noop); err != nil || noop != 1 {
		t.Fatalf("migration 9 applied %d times, %v", noop, err)
	}
	if err := old.SaveTool(ctx, sampleTool("old_tool")); err == nil {
		t.Fatal("a database at migration 11 took the schema columns")
	}
	if _, err := old.db.ExecContext(ctx, `INSERT INTO tools
		(name, version, status, description, source, entry, signature, maker_model, validation, transcript, created_at)
		VALUES ('old_tool', 1, 'active', 'd', 'def f(x):\n    return x\n', 'f', 'f(x)', 'm', '[]', '[]', '2026-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	old.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Tool(ctx, "old_tool", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.ArgSchema != "" || got.ArgSchemaFrom != "" || got.ArgSchemaNote != "" {
		t.Fatalf("a tool saved before schemas has %q %q %q", got.ArgSchema, got.ArgSchemaFrom, got.ArgSchemaNote)
	}
	tl := sampleTool("word_sorting")
	tl.ArgSchema = `{"type":"object","properties":{"words":{"type":"array"}},"required":["words"]}`
	tl.ArgSchemaFrom, tl.ArgSchemaNote = tool.SchemaFromDerived, "the maker's schema was refused: no json"
	if err := s.SaveTool(ctx, tl); err != nil {
		t.Fatal(err)
	}
	back, err := s.Tool(ctx, tl.Name, tl.Version)
	if err != nil {
		t.Fatal(err)
	}
	if back.ArgSchema != tl.ArgSchema || back.ArgSchemaFrom != tl.ArgSchemaFrom || back.ArgSchemaNote != tl.ArgSchemaNote {
		t.Fatalf("read back %q %q %q", back.ArgSchema, back.ArgSchemaFrom, back.ArgSchemaNote)
	}
	list, err := s.Tools(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if l.Name == tl.Name && l.ArgSchema != tl.ArgSchema {
			t.Fatalf("the list has schema %q", l.ArgSchema)
		}
	}
}
