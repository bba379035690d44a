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
	ctx := context.Background()
	src := sampleTool("word_sorting")
	src.CreatedAt = time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC)
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
}
