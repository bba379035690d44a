package library

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/latm/latm/tool"
)

func TestPackageSurvivesTheStore(t *testing.T) {
	t.Parallel()
	src := sampleTool("word_sorting")
	src.CreatedAt = time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC)
	packageRoundTrip(t, src)
	// With an argument schema (package version 3) too.
	src.ArgSchema = `{"type":"object","properties":{"words":{"type":"array","description":"the words"}},"required":["words"]}`
	src.ArgSchemaFrom = tool.SchemaFromMaker
	packageRoundTrip(t, src)
}

// packageRoundTrip saves src, exports it, imports it into another store
// and exports it again: both packages must be the same bytes.
func packageRoundTrip(t *testing.T, src *tool.Tool) {
	t.Helper()
	ctx := context.Background()
	a := mustOpen(t)
	if err := a.SaveTool(ctx, src); err != nil {
		t.Fatal(err)
	}
	stored, err := a.Tool(ctx, "word_sorting", 0)
	if err != nil {
		t.Fatal(err)
	}
	first, err := tool.EncodePackage(stored)
	if err != nil {
		t.Fatal(err)
	}
	imported, err := tool.DecodePackage(first)
	if err != nil {
		t.Fatal(err)
	}
	b := mustOpen(t)
	if err := b.SaveTool(ctx, imported); err != nil {
		t.Fatal(err)
	}
	reloaded, err := b.Tool(ctx, "word_sorting", 0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := tool.EncodePackage(reloaded)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", first, second)
	}
	if reloaded.ArgSchema != src.ArgSchema || reloaded.ArgSchemaFrom != src.ArgSchemaFrom {
		t.Fatalf("the schema did not survive: %q from %q", reloaded.ArgSchema, reloaded.ArgSchemaFrom)
	}
}
