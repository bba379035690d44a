package prompts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbeddedRender(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Render("direct", map[string]any{"Question": "What is 2+2?"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "What is 2+2?") {
		t.Fatalf("rendered prompt lacks the question:\n%s", out)
	}
	if s.Source("direct") != "embedded" || s.Hash("direct") == "" {
		t.Fatalf("source %q hash %q", s.Source("direct"), s.Hash("direct"))
	}
}

func TestOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "direct.tmpl"), []byte("Q={{.Question}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Render("direct", map[string]any{"Question": "x"})
	if err != nil || out != "Q=x" {
		t.Fatalf("got %q, %v", out, err)
	}
	if s.Source("direct") != filepath.Join(dir, "direct.tmpl") {
		t.Fatalf("source %q", s.Source("direct"))
	}
}

func TestOverrideErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "direkt.tmpl"), []byte("x"), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `"direkt"`) {
		t.Fatalf("unknown override name: %v", err)
	}
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, "direct.tmpl"), []byte("{{.Question"), 0o644)
	if _, err := Load(dir2); err == nil || !strings.Contains(err.Error(), "direct.tmpl") {
		t.Fatalf("bad override: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing directory accepted")
	}
	s, _ := Load("")
	if _, err := s.Render("nope", nil); err == nil {
		t.Fatal("unknown template rendered")
	}
	if _, err := s.Render("direct", map[string]any{}); err == nil {
		t.Fatal("missing key rendered")
	}
}
