// Package prompts holds every prompt latm sends, as text/template files
// embedded in the binary; a directory named in the config may override any
// of them by file name.
package prompts

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var embedded embed.FS

// Set is a loaded set of templates.
type Set struct {
	tmpl    map[string]*template.Template
	text    map[string]string
	sources map[string]string // template name → "embedded" or the override file
}

// Load returns the embedded templates, overridden by any *.tmpl file in dir
// (dir may be empty). An override must parse; a file whose name matches no
// embedded template is an error, so that a typo does not go unnoticed.
func Load(dir string) (*Set, error) {
	s := &Set{tmpl: map[string]*template.Template{}, text: map[string]string{}, sources: map[string]string{}}
	entries, err := fs.ReadDir(embedded, "templates")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := embedded.ReadFile("templates/" + e.Name())
		if err != nil {
			return nil, err
		}
		if err := s.add(strings.TrimSuffix(e.Name(), ".tmpl"), string(b), "embedded"); err != nil {
			return nil, err
		}
	}
	if dir == "" {
		return s, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.tmpl"))
	if err != nil {
		return nil, fmt.Errorf("prompts directory %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("prompts directory %s: %w (set prompts_dir to an existing directory or leave it empty)", dir, err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".tmpl")
		if _, ok := s.text[name]; !ok {
			return nil, fmt.Errorf("prompt override %s: no built-in prompt is named %q (known: %s)", f, name, strings.Join(s.Names(), ", "))
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("prompt override: %w", err)
		}
		if err := s.add(name, string(b), f); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Set) add(name, text, source string) error {
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return fmt.Errorf("prompt %s (%s): %w", name, source, err)
	}
	s.tmpl[name] = t
	s.text[name] = text
	s.sources[name] = source
	return nil
}

// Names lists the templates, sorted.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.text))
	for n := range s.text {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Source says where template name came from: "embedded" or a file path.
func (s *Set) Source(name string) string { return s.sources[name] }

// Hash returns a short hash of template name's text, so results can record
// which prompt produced them; "" if there is no such template.
func (s *Set) Hash(name string) string {
	t, ok := s.text[name]
	if !ok {
		return ""
	}
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:8])
}

// Render fills the template name (without .tmpl) with data.
func (s *Set) Render(name string, data any) (string, error) {
	t, ok := s.tmpl[name]
	if !ok {
		return "", fmt.Errorf("prompt %q does not exist (known: %s)", name, strings.Join(s.Names(), ", "))
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render prompt %s: %w", name, err)
	}
	return b.String(), nil
}
