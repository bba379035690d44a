package library

import (
	"context"
	"errors"
	"testing"

	"github.com/latm/latm/tool"
)

func TestSaveToolUnlessSame(t *testing.T) {
	t.Parallel()
	s := mustOpen(t)
	ctx := context.Background()
	first := sampleTool("sorter")
	if saved, err := s.SaveToolUnlessSame(ctx, first); err != nil || !saved || first.Version != 1 {
		t.Fatalf("first save: saved %v, version %d, %v", saved, first.Version, err)
	}
	// The same content again (an exported package adds a final newline;
	// the transcript is not part of a package) is the same version.
	again := sampleTool("sorter")
	again.Source += "\n"
	again.Transcript = nil
	if saved, err := s.SaveToolUnlessSame(ctx, again); err != nil || saved || again.Version != 1 || again.ID != first.ID {
		t.Fatalf("same content: saved %v, version %d, id %d (want %d), %v", saved, again.Version, again.ID, first.ID, err)
	}
	for name, edit := range map[string]func(*tool.Tool){
		"source":     func(t *tool.Tool) { t.Source += "# changed\n" },
		"example":    func(t *tool.Tool) { t.Examples[1].Answer = "b a" },
		"validation": func(t *tool.Tool) { t.Validation = t.Validation[:1] },
		"entry":      func(t *tool.Tool) { t.Entry = "other" },
	} {
		changed := sampleTool("sorter")
		edit(changed)
		if SameContent(first, changed) {
			t.Errorf("a changed %s counts as the same content", name)
		}
	}
	changed := sampleTool("sorter")
	changed.Description = "Sorts words."
	if saved, err := s.SaveToolUnlessSame(ctx, changed); err != nil || !saved || changed.Version != 2 {
		t.Fatalf("changed content: saved %v, version %d, %v", saved, changed.Version, err)
	}
	// The same content owned by a tenant is the tenant's tool: a version of
	// its own, not the operator's.
	owned := sampleTool("sorter")
	owned.Description, owned.Tenant = changed.Description, "acme"
	if saved, err := s.SaveToolUnlessSame(ctx, owned); err != nil || !saved || owned.Version != 3 {
		t.Fatalf("a tenant's copy: saved %v, version %d, %v", saved, owned.Version, err)
	}
	if got, err := s.Tool(ctx, "sorter", 3); err != nil || got.Tenant != "acme" {
		t.Fatalf("sorter@3 = %+v, %v; want the tenant's", got, err)
	}
}

func TestActivateTool(t *testing.T) {
	t.Parallel()
	s := mustOpen(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := s.SaveTool(ctx, sampleTool("sorter")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RetireTool(ctx, "sorter", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tool(ctx, "sorter", 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("retired tool still found: %v", err)
	}
	// NAME alone brings back the newest version, and the search index.
	if v, err := s.ActivateTool(ctx, "sorter", 0); err != nil || v != 2 {
		t.Fatalf("activate: %d, %v", v, err)
	}
	if got, err := s.Tool(ctx, "sorter", 0); err != nil || got.Version != 2 || got.Status != tool.StatusActive {
		t.Fatalf("after activate: %+v, %v", got, err)
	}
	if hits, err := s.SearchTools(ctx, "sort words alphabetically", 5); err != nil || len(hits) != 1 || hits[0].Version != 2 {
		t.Fatalf("search after activate: %+v, %v", hits, err)
	}
	if v, err := s.ActivateTool(ctx, "sorter", 1); err != nil || v != 1 {
		t.Fatalf("activate @1: %d, %v", v, err)
	}
	if got, _ := s.Tool(ctx, "sorter", 0); got.Version != 2 {
		t.Errorf("activating @1 changed the newest active version to %d", got.Version)
	}
	for _, tc := range []struct {
		name    string
		version int
	}{{"nope", 0}, {"sorter", 9}} {
		if _, err := s.ActivateTool(ctx, tc.name, tc.version); !errors.Is(err, ErrNotFound) {
			t.Errorf("activate %s@%d: %v, want ErrNotFound", tc.name, tc.version, err)
		}
	}
}
