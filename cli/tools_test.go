package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// toolsEnv isolates a test from config files and the user's database and
// returns a fresh database path.
func toolsEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HOME", dir)
	t.Setenv("LATM_LIMITS_ISOLATION", "inprocess")
	return filepath.Join(dir, "latm.db")
}

func runTools(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"--db", db, "tools"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

const sortSource = `def sort_words(words):
    """Sorts words alphabetically and joins them with spaces."""
    return " ".join(sorted(words))
`

func sortTool(name string) *tool.Tool {
	return &tool.Tool{
		Name:        name,
		Description: "Sort a list of words alphabetically.",
		Source:      sortSource,
		Entry:       "sort_words",
		Signature:   "sort_words(words)",
		Examples: []tool.UsageExample{
			{Question: "Sort the following words alphabetically: List: oven costume", Code: `ans = sort_words(["oven", "costume"])`, Answer: "costume oven"},
			{Question: "Sort the following words alphabetically: List: zeta alpha mu", Code: `ans = sort_words(["zeta", "alpha", "mu"])`, Answer: "alpha mu zeta"},
		},
		Validation: []tool.Validation{{Question: "q", Want: "a b", Got: "a b", OK: true}},
		MakerModel: "gpt-4",
		CreatedAt:  time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC),
		Transcript: []tool.Message{{Role: "user", Content: "make it"}},
	}
}

// seed saves tools into db as the maker would.
func seed(t *testing.T, db string, tools ...*tool.Tool) {
	t.Helper()
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tool := range tools {
		if err := s.SaveTool(context.Background(), tool); err != nil {
			t.Fatal(err)
		}
	}
}

func TestToolsListShowRm(t *testing.T) {
	db := toolsEnv(t)
	if code, out, _ := runTools(t, db, "list"); code != ExitOK || !strings.Contains(out, "no tools") {
		t.Fatalf("list on an empty db: %d %q", code, out)
	}
	long := sortTool("dyck_languages")
	long.Description = "Complete a Dyck-n word so that every bracket is closed, in the order opened, nothing else.\nSecond line."
	seed(t, db, sortTool("word_sorting"), sortTool("word_sorting"), long)

	code, out, errOut := runTools(t, db, "list")
	if code != ExitOK {
		t.Fatalf("list: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("list printed %d lines, want header + 2:\n%s", len(lines), out)
	}
	col := strings.Index(lines[0], "DESCRIPTION")
	for _, l := range lines[1:] {
		if strings.Index(l, "Sort a list") != col && strings.Index(l, "Complete a Dyck") != col {
			t.Errorf("list columns not aligned:\n%s", out)
		}
	}
	if !strings.Contains(lines[2], "word_sorting") || !strings.Contains(lines[2], "  2  ") || !strings.Contains(lines[1], "…") {
		t.Errorf("list rows:\n%s", out)
	}

	var summaries []toolSummary
	code, out, _ = runTools(t, db, "list", "--json", "--all")
	if err := json.Unmarshal([]byte(out), &summaries); err != nil || code != ExitOK {
		t.Fatalf("list --json: %d %v\n%s", code, err, out)
	}
	var refs []string
	for _, s := range summaries {
		refs = append(refs, fmt.Sprintf("%s@%d:%d", s.Name, s.Version, s.Examples))
	}
	if got, want := strings.Join(refs, " "), "dyck_languages@1:2 word_sorting@1:2 word_sorting@2:2"; got != want {
		t.Fatalf("list --json --all = %s, want %s", got, want)
	}

	code, out, _ = runTools(t, db, "show", "word_sorting@1")
	for _, want := range []string{"word_sorting@1 (active)", "signature:   sort_words(words)", "maker:       gpt-4",
		"validation:  1/1 passed", `ans = sort_words(["oven", "costume"])`, "answer: costume oven", sortSource} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("show lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	var shown tool.Tool
	code, out, _ = runTools(t, db, "show", "--json", "word_sorting")
	if err := json.Unmarshal([]byte(out), &shown); err != nil || code != ExitOK {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	if shown.Version != 2 || shown.Source != sortSource || len(shown.Transcript) != 1 {
		t.Fatalf("show --json = %+v", shown)
	}

	steps := []struct {
		args []string
		code int
		out  string // in stdout, or stderr when the command fails
	}{
		{[]string{"rm", "word_sorting@2"}, ExitOK, "retired word_sorting@2"},
		{[]string{"show", "word_sorting"}, ExitOK, "word_sorting@1 (active)"},
		{[]string{"show", "word_sorting@2"}, ExitOK, "word_sorting@2 (retired)"},
		{[]string{"rm", "--purge", "word_sorting@1"}, ExitOK, "purged word_sorting@1"},
		{[]string{"show", "word_sorting"}, ExitFailed, "no active version"},
		{[]string{"rm", "word_sorting@7"}, ExitFailed, "not found (see latm tools list --all)"},
		{[]string{"rm", "dyck_languages"}, ExitOK, "retired every version of dyck_languages"},
		{[]string{"activate", "dyck_languages"}, ExitOK, "activated dyck_languages@1"},
		{[]string{"show", "dyck_languages"}, ExitOK, "dyck_languages@1 (active)"},
		{[]string{"rm", "--json", "dyck_languages@1"}, ExitOK, `"action": "retired"`},
		{[]string{"activate", "--json", "dyck_languages@1"}, ExitOK, `"action": "activated"`},
		{[]string{"rm", "dyck_languages"}, ExitOK, "retired every version of dyck_languages"},
		{[]string{"activate", "nope"}, ExitFailed, "not found (see latm tools list --all)"},
		{[]string{"show", "Bad Name"}, ExitUsage, "lower-case letters"},
		{[]string{"rm", "x@0"}, ExitUsage, "whole number"},
		{[]string{"show"}, ExitUsage, "accepts 1 arg"},
		{[]string{"search", "sort these words please"}, ExitOK, "no tool matches"},
	}
	for _, st := range steps {
		code, out, errOut := runTools(t, db, st.args...)
		text := out
		if st.code != ExitOK {
			text = errOut
		}
		if code != st.code || !strings.Contains(text, st.out) {
			t.Errorf("tools %s: exit %d, %q%q; want exit %d with %q", strings.Join(st.args, " "), code, out, errOut, st.code, st.out)
		}
	}
	code, out, _ = runTools(t, db, "list", "--all")
	if code != ExitOK || !strings.Contains(out, "retired") || strings.Contains(out, "word_sorting  1") {
		t.Errorf("list --all after rm:\n%s", out)
	}
}

func TestToolsSearch(t *testing.T) {
	db := toolsEnv(t)
	dyck := sortTool("dyck_languages")
	dyck.Description = "Close the brackets of a Dyck sequence."
	dyck.Examples = []tool.UsageExample{{Question: "Complete the rest of the sequence: ( [", Code: "ans = 1", Answer: "1"}}
	seed(t, db, sortTool("word_sorting"), dyck)
	code, out, _ := runTools(t, db, "search", `Sort the following words alphabetically: List: "x" (y) -z`)
	lines := strings.Split(out, "\n")
	if code != ExitOK || len(lines) < 2 || !strings.HasPrefix(lines[1], "word_sorting@1") {
		t.Fatalf("search: %d\n%s", code, out)
	}
	var hits []tool.SearchHit
	code, out, _ = runTools(t, db, "search", "--json", "brackets sequence")
	if err := json.Unmarshal([]byte(out), &hits); err != nil || code != ExitOK || len(hits) == 0 || hits[0].Name != "dyck_languages" {
		t.Fatalf("search --json: %v %v\n%s", hits, err, out)
	}
}

func TestToolsExportAndImportErrors(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("word_sorting"))
	code, pkg, errOut := runTools(t, db, "export", "word_sorting")
	if code != ExitOK || !strings.HasPrefix(pkg, "# latm tool package 1\n") || !strings.HasSuffix(pkg, sortSource) {
		t.Fatalf("export: %d %s\n%s", code, errOut, pkg)
	}
	file := filepath.Join(t.TempDir(), "word_sorting.star")
	if code, _, errOut := runTools(t, db, "export", "word_sorting@1", "-o", file); code != ExitOK {
		t.Fatalf("export -o: %d %s", code, errOut)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != pkg {
		t.Fatalf("export -o wrote %q, %v; want what stdout got", b, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.star")
	os.WriteFile(bad, []byte(strings.Replace(pkg, "# answer: costume oven", "# answr: costume oven", 1)), 0o644)
	noExamples := filepath.Join(t.TempDir(), "none.star")
	os.WriteFile(noExamples, []byte("# latm tool package 1\n# name: t\n# --- source ---\nx = 1\n"), 0o644)
	tests := []struct {
		file string
		code int
		want string
	}{
		{bad, ExitFailed, `line 13: unknown key "answr"`},
		{noExamples, ExitFailed, "no usage examples"},
		{filepath.Join(t.TempDir(), "missing.star"), ExitUsage, "no such file"},
	}
	for _, tt := range tests {
		code, _, errOut := runTools(t, db, "import", tt.file)
		if code != tt.code || !strings.Contains(errOut, tt.want) || !strings.Contains(errOut, filepath.Base(tt.file)) {
			t.Errorf("import %s: exit %d %q; want exit %d naming the file and saying %q", tt.file, code, errOut, tt.code, tt.want)
		}
	}
	// Nothing refused was saved.
	code, out, _ := runTools(t, db, "list", "--all", "--json")
	var summaries []toolSummary
	if err := json.Unmarshal([]byte(out), &summaries); err != nil || code != ExitOK || len(summaries) != 1 {
		t.Fatalf("after refused imports: %s", out)
	}
}

func TestToolsRoundTripThroughTheSandbox(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("word_sorting"))
	code, first, errOut := runTools(t, db, "export", "word_sorting")
	if code != ExitOK {
		t.Fatalf("export: %s", errOut)
	}
	file := filepath.Join(t.TempDir(), "p.star")
	os.WriteFile(file, []byte(first), 0o644)
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	code, out, errOut := runTools(t, fresh, "import", file)
	if code != ExitOK || !strings.Contains(out, "imported word_sorting@1 (2 usage examples pass)") {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	code, second, _ := runTools(t, fresh, "export", "word_sorting")
	if code != ExitOK || second != first {
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", first, second)
	}
	code, out, errOut = runTools(t, fresh, "test", "word_sorting")
	if code != ExitOK || strings.Count(out, "PASS") != 2 {
		t.Fatalf("test: %d\n%s%s", code, out, errOut)
	}
	// The same package again changes nothing.
	code, out, errOut = runTools(t, fresh, "import", file)
	if code != ExitOK || out != "unchanged: word_sorting@1 already has this content (2 usage examples pass)\n" {
		t.Fatalf("second import: %d %q %s", code, out, errOut)
	}
	var change toolChange
	code, out, _ = runTools(t, fresh, "import", "--json", file)
	if err := json.Unmarshal([]byte(out), &change); err != nil || code != ExitOK || change != (toolChange{Name: "word_sorting", Version: 1, Action: "unchanged", Examples: 2, Unchanged: true}) {
		t.Fatalf("import --json: %d %v %s", code, err, out)
	}
	if tools, _ := runToolsJSON(t, fresh); len(tools) != 1 {
		t.Fatalf("re-imports made versions: %+v", tools)
	}
}

func runToolsJSON(t *testing.T, db string) ([]toolSummary, error) {
	t.Helper()
	_, out, _ := runTools(t, db, "list", "--all", "--json")
	var summaries []toolSummary
	err := json.Unmarshal([]byte(out), &summaries)
	return summaries, err
}

// An exported package ends with a newline even when the source does not,
// and importing it back is the same content.
func TestToolsExportEndsWithANewline(t *testing.T) {
	db := toolsEnv(t)
	tool := sortTool("word_sorting")
	tool.Source = strings.TrimRight(sortSource, "\n")
	seed(t, db, tool)
	code, pkg, errOut := runTools(t, db, "export", "word_sorting")
	if code != ExitOK || !strings.HasSuffix(pkg, tool.Source+"\n") {
		t.Fatalf("export: %d %s\n%q", code, errOut, pkg)
	}
	file := filepath.Join(t.TempDir(), "p.star")
	os.WriteFile(file, []byte(pkg), 0o644)
	if code, out, errOut := runTools(t, db, "import", file); code != ExitOK || !strings.HasPrefix(out, "unchanged: word_sorting@1") {
		t.Fatalf("import of the export: %d %q %s", code, out, errOut)
	}
}

// Shell completion offers the library's tool names.
func TestToolsCompletion(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("word_sorting"), sortTool("word_sorting"), sortTool("dyck_languages"))
	if err := runToolsOK(t, db, "rm", "dyck_languages"); err != "" {
		t.Fatal(err)
	}
	complete := func(args ...string) []string {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"--db", db, "__complete"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
		if code != ExitOK {
			t.Fatalf("__complete %v: exit %d %s", args, code, errb.String())
		}
		var names []string
		for _, l := range strings.Split(out.String(), "\n") {
			if l != "" && !strings.HasPrefix(l, ":") && !strings.HasPrefix(l, "Completion ended") {
				name, _, _ := strings.Cut(l, "\t")
				names = append(names, name)
			}
		}
		return names
	}
	if got := strings.Join(complete("tools", "show", ""), " "); got != "word_sorting" {
		t.Errorf("tools show completes %q, want the active tool", got)
	}
	if got := strings.Join(complete("tools", "activate", "dy"), " "); got != "dyck_languages dyck_languages@1" {
		t.Errorf("tools activate dy completes %q", got)
	}
	if got := strings.Join(complete("solve", "--tool", "w"), " "); got != "word_sorting" {
		t.Errorf("solve --tool w completes %q", got)
	}
	// No library yet: nothing offered, and none created.
	missing := filepath.Join(t.TempDir(), "none.db")
	var out bytes.Buffer
	Main(context.Background(), []string{"--db", missing, "__complete", "tools", "show", ""}, strings.NewReader(""), &out, io.Discard, os.Getenv)
	if _, err := os.Stat(missing); err == nil || strings.Contains(out.String(), "word_sorting") {
		t.Errorf("completion without a library: %q, file created: %v", out.String(), err == nil)
	}
}

func runToolsOK(t *testing.T, db string, args ...string) string {
	t.Helper()
	if code, _, errOut := runTools(t, db, args...); code != ExitOK {
		return fmt.Sprintf("tools %v: exit %d %s", args, code, errOut)
	}
	return ""
}

func TestToolsTestAndImportRefuseFailingExamples(t *testing.T) {
	db := toolsEnv(t)
	broken := sortTool("word_sorting")
	broken.Examples[1].Answer = "mu alpha zeta" // recorded wrong
	broken.Examples = append(broken.Examples, tool.UsageExample{Question: "crash", Code: "ans = sort_words(1)", Answer: "x"})
	seed(t, db, broken)

	code, out, errOut := runTools(t, db, "test", "word_sorting")
	if code != ExitFailed || !strings.Contains(out, "PASS  1") ||
		!strings.Contains(out, `FAIL  usage example 2 (Sort the following words alphabetically: List: ze…): want "mu alpha zeta", got "alpha mu zeta"`) ||
		!strings.Contains(out, "FAIL  usage example 3 (crash)") || !strings.Contains(errOut, "2 of 3 usage examples failed") {
		t.Fatalf("test: exit %d\n%s%s", code, out, errOut)
	}

	code, pkg, _ := runTools(t, db, "export", "word_sorting")
	file := filepath.Join(t.TempDir(), "broken.star")
	os.WriteFile(file, []byte(pkg), 0o644)
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	code, _, errOut = runTools(t, fresh, "import", file)
	if code != ExitFailed || !strings.Contains(errOut, "refused, 2 of 3 usage examples fail") ||
		!strings.Contains(errOut, `want "mu alpha zeta", got "alpha mu zeta"`) {
		t.Fatalf("import of a failing package: exit %d\n%s", code, errOut)
	}
	s, err := library.Open(fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Tool(context.Background(), "word_sorting", 0); !errors.Is(err, library.ErrNotFound) {
		t.Fatalf("a refused package was saved: %v", err)
	}
}
