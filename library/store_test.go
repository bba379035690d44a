package library

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/tool"
)

// mustOpen opens a fresh database in a temp dir and closes it at the end.
func mustOpen(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "latm.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sampleTool is a whole tool with every field set.
func sampleTool(name string) *tool.Tool {
	return &tool.Tool{
		Name:        name,
		Description: "Sort a list of words alphabetically.",
		Source:      "def sort_words(words):\n    return \" \".join(sorted(words))\n",
		Entry:       "sort_words",
		Signature:   "sort_words(words)",
		Examples: []tool.UsageExample{
			{Question: "Sort the following words alphabetically: List: oven costume", Code: `ans = sort_words(["oven", "costume"])`, Answer: "costume oven"},
			{Question: "Sort the following words alphabetically: List: b a", Code: `ans = sort_words(["b", "a"])`, Answer: "a b"},
		},
		Validation: []tool.Validation{{Question: "q", Want: "a b", Got: "a b", OK: true}, {Question: "r", Want: "x", Got: "y", Error: "wrong"}},
		MakerModel: "gpt-4",
		Transcript: []tool.Message{{Role: "user", Content: "make a tool"}, {Role: "assistant", Content: "def sort_words(words): …"}},
	}
}

func TestOpenCreatesFileAndDirectory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a", "b", "latm.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("file not created: %v", err)
	}
	v, err := s.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := loadMigrations()
	if got, want := v, newest(ms); got != want {
		t.Fatalf("schema version %d, want %d", got, want)
	}
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q (%v), want wal", mode, err)
	}
	var fk int
	if err := s.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d (%v), want 1", fk, err)
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "odd?name#with%25.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTool(context.Background(), sampleTool("t")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}
}

func TestOpenRefusesBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := filepath.Join(dir, "valid.db")
	s, err := Open(valid)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTool(context.Background(), sampleTool("t")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	good, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := append([]byte(nil), good...)
	for i := 100; i < len(corrupt); i++ {
		corrupt[i] = 0xA5
	}
	foreign := filepath.Join(dir, "foreign.db")
	db, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE contacts (name TEXT)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	tests := []struct {
		name    string
		content []byte // nil: use the file already at path
		path    string
		want    string
	}{
		{"text file", []byte("hello, this is not a database\n"), "", "not an SQLite database"},
		{"truncated header", []byte("SQLite"), "", "not an SQLite database"},
		{"corrupt pages", corrupt, "", "damaged"},
		{"another program's database", nil, foreign, "another program"},
		{"directory", nil, dir, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = filepath.Join(t.TempDir(), "bad.db")
				if err := os.WriteFile(path, tt.content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, path)
			s, err := Open(path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded, want an error", path)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q: want it to say %q and name %s", err, tt.want, path)
			}
			if after := snapshot(t, path); !reflect.DeepEqual(before, after) {
				t.Fatalf("%s was modified by a failed Open", path)
			}
		})
	}
}

// snapshot returns the bytes of a file, or the names in a directory.
func snapshot(t *testing.T, path string) any {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.IsDir() {
		es, _ := os.ReadDir(path)
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		return names
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "latm.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', '')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(path)
	if err == nil {
		t.Fatal("Open of a newer schema succeeded")
	}
	ms, merr := loadMigrations()
	if merr != nil {
		t.Fatal(merr)
	}
	for _, want := range []string{path, "newer latm", "99", knownVersions(ms)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestOpenUpgradesOlderSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latm.db")
	old, err := openUpTo(ctx, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A tool written under schema 1, before the search index existed.
	res, err := old.db.Exec(`INSERT INTO tools (name, version, status, description, source, entry, signature, maker_model, validation, transcript, created_at)
		VALUES ('dyck_languages', 1, 'active', 'Close the open brackets of a Dyck sequence', 'def f(): pass', 'f', 'f()', 'm', '[]', '[]', '2026-01-01T00:00:00.000000000Z')`)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	if _, err := old.db.Exec(`INSERT INTO tool_examples VALUES (?, 1, 'Complete the rest of the sequence: ( [', 'ans = f()', '] )')`, id); err != nil {
		t.Fatal(err)
	}
	if v, _ := old.SchemaVersion(ctx); v != 1 {
		t.Fatalf("old file at version %d, want 1", v)
	}
	old.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.SchemaVersion(ctx); v != newest(ms) {
		t.Fatalf("upgraded file at version %d, want %d", v, newest(ms))
	}
	hits, err := s.SearchTools(ctx, "complete the sequence of brackets", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Name != "dyck_languages" {
		t.Fatalf("hits after upgrade = %+v, want the old tool indexed", hits)
	}
	if err := s.AddPending(ctx, &tool.Pending{InstanceID: "x", Question: "?"}); err != nil {
		t.Fatalf("pending table after upgrade: %v", err)
	}
}

func TestSaveAndLoadTool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	in := sampleTool("word_sorting")
	if err := s.SaveTool(ctx, in); err != nil {
		t.Fatal(err)
	}
	if in.ID == 0 || in.Version != 1 || in.Status != tool.StatusActive || in.CreatedAt.IsZero() {
		t.Fatalf("SaveTool set id=%d version=%d status=%q created=%v", in.ID, in.Version, in.Status, in.CreatedAt)
	}
	for _, version := range []int{0, 1} {
		got, err := s.Tool(ctx, "word_sorting", version)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, in) {
			t.Fatalf("Tool(%d) =\n%+v\nwant\n%+v", version, got, in)
		}
	}
	if got := in.Ref(); got != "word_sorting@1" {
		t.Fatalf("Ref() = %q", got)
	}
	// A tool with no examples, validation or transcript loads with nil slices.
	bare := &tool.Tool{Name: "bare", Source: "x = 1\n"}
	if err := s.SaveTool(ctx, bare); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tool(ctx, "bare", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Examples)+len(got.Validation)+len(got.Transcript) != 0 || got.Source != "x = 1\n" {
		t.Fatalf("bare tool = %+v", got)
	}
}

func TestSaveToolRejectsBadInput(t *testing.T) {
	t.Parallel()
	s := mustOpen(t)
	tests := []struct {
		name string
		tl   tool.Tool
		want string
	}{
		{"bad name", tool.Tool{Name: "Bad Name", Source: "x = 1"}, "not allowed"},
		{"empty source", tool.Tool{Name: "ok", Source: "  \n"}, "source is empty"},
		{"bad status", tool.Tool{Name: "ok", Source: "x = 1", Status: "deleted"}, "status"},
	}
	for _, tt := range tests {
		err := s.SaveTool(context.Background(), &tt.tl)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one saying %q", tt.name, err, tt.want)
		}
	}
	tools, err := s.Tools(context.Background(), true)
	if err != nil || len(tools) != 0 {
		t.Fatalf("after rejected saves: %d tools, %v", len(tools), err)
	}
}

func TestVersionsRetireAndPurge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	for i := 1; i <= 3; i++ {
		tl := sampleTool("sorter")
		tl.Description = "version " + string(rune('0'+i))
		if err := s.SaveTool(ctx, tl); err != nil {
			t.Fatal(err)
		}
		if tl.Version != i {
			t.Fatalf("save %d got version %d", i, tl.Version)
		}
	}
	if err := s.SaveTool(ctx, sampleTool("other")); err != nil {
		t.Fatal(err)
	}
	newest := func() int {
		t.Helper()
		tl, err := s.Tool(ctx, "sorter", 0)
		if errors.Is(err, ErrNotFound) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return tl.Version
	}
	refs := func(all bool) []string {
		t.Helper()
		tools, err := s.Tools(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tl := range tools {
			out = append(out, tl.Ref()+":"+tl.Status)
		}
		return out
	}
	steps := []struct {
		do        func() error
		newest    int
		active    []string
		all       []string
		indexedAs string // the sorter version search finds; "" for none
	}{
		{func() error { return nil }, 3,
			[]string{"other@1:active", "sorter@3:active"},
			[]string{"other@1:active", "sorter@1:active", "sorter@2:active", "sorter@3:active"}, "sorter@3"},
		{func() error { return s.RetireTool(ctx, "sorter", 3) }, 2,
			[]string{"other@1:active", "sorter@2:active"},
			[]string{"other@1:active", "sorter@1:active", "sorter@2:active", "sorter@3:retired"}, "sorter@2"},
		{func() error { return s.PurgeTool(ctx, "sorter", 2) }, 1,
			[]string{"other@1:active", "sorter@1:active"},
			[]string{"other@1:active", "sorter@1:active", "sorter@3:retired"}, "sorter@1"},
		{func() error { return s.RetireTool(ctx, "sorter", 0) }, 0,
			[]string{"other@1:active"},
			[]string{"other@1:active", "sorter@1:retired", "sorter@3:retired"}, ""},
		{func() error { return s.PurgeTool(ctx, "sorter", 0) }, 0,
			[]string{"other@1:active"},
			[]string{"other@1:active"}, ""},
	}
	for i, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := newest(); got != st.newest {
			t.Errorf("step %d: newest active = %d, want %d", i, got, st.newest)
		}
		if got := refs(false); !reflect.DeepEqual(got, st.active) {
			t.Errorf("step %d: Tools(false) = %v, want %v", i, got, st.active)
		}
		if got := refs(true); !reflect.DeepEqual(got, st.all) {
			t.Errorf("step %d: Tools(true) = %v, want %v", i, got, st.all)
		}
		hits, err := s.SearchTools(ctx, "sorter", 10)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		for _, h := range hits {
			if h.Name == "sorter" {
				got = tool.Ref(h.Name, h.Version)
			}
		}
		if got != st.indexedAs {
			t.Errorf("step %d: search finds %q, want %q", i, got, st.indexedAs)
		}
		assertIndexInvariant(t, s)
	}
	// A retired version stays addressable.
	if err := s.SaveTool(ctx, sampleTool("kept")); err != nil {
		t.Fatal(err)
	}
	if err := s.RetireTool(ctx, "kept", 1); err != nil {
		t.Fatal(err)
	}
	if tl, err := s.Tool(ctx, "kept", 1); err != nil || tl.Status != tool.StatusRetired {
		t.Fatalf("kept@1 = %v, %v; want it retired and readable", tl, err)
	}
	for _, err := range []error{
		s.RetireTool(ctx, "missing", 0), s.PurgeTool(ctx, "sorter", 9), s.RetireTool(ctx, "other", 2),
		func() error { _, err := s.Tool(ctx, "kept", 0); return err }(),
		func() error { _, err := s.Tool(ctx, "other", 7); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("error = %v, want ErrNotFound", err)
		}
	}
}

// assertIndexInvariant checks that the search index holds exactly the
// newest active version of every tool name.
func assertIndexInvariant(t *testing.T, s *Store) {
	t.Helper()
	var bad int
	err := s.db.QueryRow(`SELECT
		(SELECT count(*) FROM tools_fts WHERE rowid NOT IN (
			SELECT id FROM tools t WHERE status = 'active' AND version = (SELECT max(version) FROM tools v WHERE v.name = t.name AND v.status = 'active')))
		+ (SELECT count(*) FROM tools t WHERE status = 'active' AND version = (SELECT max(version) FROM tools v WHERE v.name = t.name AND v.status = 'active')
			AND id NOT IN (SELECT rowid FROM tools_fts))`).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Fatalf("search index out of sync with tools: %d rows differ", bad)
	}
}

// Not parallel: saveHook is package-wide, and parallel tests start only
// after the serial ones have finished.
func TestSaveToolFailurePartWayLeavesNothing(t *testing.T) {
	ctx := context.Background()
	for _, step := range []string{"example 1", "example 2", "index"} {
		t.Run(step, func(t *testing.T) {
			s := mustOpen(t)
			if err := s.SaveTool(ctx, sampleTool("sorter")); err != nil {
				t.Fatal(err)
			}
			injected := errors.New("injected failure")
			saveHook = func(at string) error {
				if at == step {
					return injected
				}
				return nil
			}
			defer func() { saveHook = nil }()
			second := sampleTool("sorter")
			second.Description = "the second version"
			if err := s.SaveTool(ctx, second); !errors.Is(err, injected) {
				t.Fatalf("SaveTool error = %v, want the injected failure", err)
			}
			saveHook = nil
			var tools, examples int
			if err := s.db.QueryRow(`SELECT (SELECT count(*) FROM tools), (SELECT count(*) FROM tool_examples)`).Scan(&tools, &examples); err != nil {
				t.Fatal(err)
			}
			if tools != 1 || examples != 2 {
				t.Fatalf("after a failed save: %d tools, %d examples; want the first tool only (1, 2)", tools, examples)
			}
			assertIndexInvariant(t, s)
			// The version number is not burnt by the failed save.
			third := sampleTool("sorter")
			if err := s.SaveTool(ctx, third); err != nil || third.Version != 2 {
				t.Fatalf("save after failure: version %d, %v; want 2", third.Version, err)
			}
		})
	}
}

func TestSaveToolKeepsCreatedAt(t *testing.T) {
	t.Parallel()
	s := mustOpen(t)
	when := time.Date(2025, 3, 4, 5, 6, 7, 890, time.UTC)
	tl := sampleTool("dated")
	tl.CreatedAt = when
	if err := s.SaveTool(context.Background(), tl); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tool(context.Background(), "dated", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(when) {
		t.Fatalf("CreatedAt = %v, want %v", got.CreatedAt, when)
	}
}

func TestSaveToolKeepsOddText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	for i, text := range []string{"nul\x00inside", "bad utf-8 \xff\xfe", "emoji 🧰 and RTL עברית", "'; DROP TABLE tools; --", strings.Repeat("long ", 100000)} {
		in := sampleTool("odd")
		in.Source, in.Description, in.Examples[0].Question, in.Examples[1].Answer = text, text, text, text
		if err := s.SaveTool(ctx, in); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got, err := s.Tool(ctx, "odd", in.Version)
		if err != nil {
			t.Fatal(err)
		}
		if got.Source != text || got.Description != text || got.Examples[0].Question != text || got.Examples[1].Answer != text {
			t.Errorf("case %d: text changed on the way through the store", i)
		}
	}
}
