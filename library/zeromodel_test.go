package library

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/latm/latm/tool"
)

// A tool's parser and a run's path and guard decisions are stored and read
// back; a database made before migration 5 gains them with empty values.
func TestParserAndRunPathStored(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latm.db")
	old, err := openUpTo(ctx, path, 4)
	if err != nil {
		t.Fatal(err)
	}
	before := sampleTool("word_sorting")
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
	if got.Parser != "" {
		t.Fatalf("a tool saved before parsers has parser %q", got.Parser)
	}
	before.Parser = "def parse(question):\n    return [question.split()]\n"
	if err := s.SaveTool(ctx, before); err != nil {
		t.Fatal(err)
	}
	back, err := s.Tool(ctx, before.Name, before.Version)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := back.Parser, before.Parser; got != want {
		t.Fatalf("parser = %q, want %q", got, want)
	}
	r := &tool.Run{Batch: "b", InputID: "1", Question: "q", ToolName: "word_sorting", ToolVersion: 1,
		Code: "ans = f(x)", Path: tool.PathParser, Guards: "parser: arguments and result have the examples' shapes", OK: true}
	if err := s.RecordRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if got := runs["1"]; got == nil || got.Path != r.Path || got.Guards != r.Guards {
		t.Fatalf("run read back as %+v, want path %q and guards %q", got, r.Path, r.Guards)
	}
}
