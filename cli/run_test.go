package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fixtures"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunCallsAFunction(t *testing.T) {
	t.Parallel()
	f := writeFile(t, "sort.star", "def solve(words, reverse=False):\n    print('sorting', len(words))\n    return sorted(words, reverse=reverse)\n")
	code, out, errOut := runConfigCLI(t, "run", f, "--args", `["b a c"]`)
	// A string iterates by character in the dialect, so sorted() sorts them.
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []string
	if err := json.Unmarshal([]byte(out), &got); err != nil || !reflect.DeepEqual(got, []string{" ", " ", "a", "b", "c"}) {
		t.Fatalf("stdout %q (%v)", out, err)
	}
	if errOut != "sorting 5\n" {
		t.Fatalf("the program's print should go to stderr, got %q", errOut)
	}
	code, out, errOut = runConfigCLI(t, "run", f, "--args", `{"words": ["b", "a"], "reverse": true}`)
	if code != 0 || strings.Join(strings.Fields(out), "") != `["b","a"]` {
		t.Fatalf("keyword args: exit %d out %q err %q", code, out, errOut)
	}
}

// Numbers in --args reach a worker process as numbers, big ones too.
func TestRunNumberArguments(t *testing.T) {
	t.Parallel()
	f := writeFile(t, "add.star", "\ufeffdef solve(a, b):\n\treturn a * b\n")
	code, out, errOut := runConfigCLI(t, "run", f, "--args", `[123456789012345678901234567890, 2]`)
	if code != 0 || strings.TrimSpace(out) != "246913578024691357802469135780" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runConfigCLI(t, "run", f, "--args", `{"a": 1.5, "b": 2}`)
	if code != 0 || strings.TrimSpace(out) != "3" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestRunExitStatuses(t *testing.T) {
	t.Parallel()
	loop := writeFile(t, "loop.star", "def solve():\n    while True:\n        pass\n")
	bad := writeFile(t, "bad.star", "def solve(:\n    return 1\n")
	boom := writeFile(t, "boom.star", "def solve():\n    return 1 // 0\n")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", loop, "--max-steps", "10000", "--isolation", "inprocess"}, ExitLimit, "loop.star: limit exceeded: steps (max 10000) (raise it with --max-steps"},
		{[]string{"run", loop, "--max-steps", "1000000000", "--timeout", "100ms"}, ExitLimit, "limit exceeded: time (max 100ms)"},
		{[]string{"run", bad}, ExitFailed, "bad.star:1:12: syntax error"},
		{[]string{"run", boom}, ExitFailed, "boom.star:2:"},
		{[]string{"run", boom, "--args", "[1,"}, ExitUsage, "--args is not JSON"},
		{[]string{"run", boom, "--args", "3"}, ExitUsage, "must be a JSON array"},
		{[]string{"run", filepath.Join(t.TempDir(), "missing.star")}, ExitUsage, "missing.star"},
		{[]string{"run"}, ExitUsage, "accepts 1 arg"},
	} {
		code, _, errOut := runConfigCLI(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("latm %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), code, errOut, c.code, c.want)
		}
	}
}

// TestRunPaperProgram runs one of the paper's GPT-4 programs (tool plus
// use case, as one file, unmodified) through latm run and compares the
// answer variable with what CPython computes: the file, --var and the JSON
// output. All 18 are checked against CPython once, in starlarkrt's
// TestPaperPrograms.
func TestRunPaperProgram(t *testing.T) {
	t.Parallel()
	programs, err := fixtures.PaperPrograms(filepath.Join("..", "starlarkrt", "testdata", "paper"))
	if err != nil {
		t.Fatal(err)
	}
	if len(programs) == 0 {
		t.Fatal("no paper programs")
	}
	// Any but the remainder tool's, whose search costs seconds (and runs,
	// with the other 17, in starlarkrt).
	want := programs[0]
	for _, p := range programs {
		if p.Task != "chinese_remainder_theorem" {
			want = p
			break
		}
	}
	f := writeFile(t, want.Name+".py", want.Tool+"\n"+want.Use)
	code, out, errOut := runConfigCLI(t, "run", f, "--var", want.Var)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", want.Name, code, errOut)
	}
	var got any
	if err := json.Unmarshal([]byte(out), &got); err != nil || !reflect.DeepEqual(got, want.Expected) {
		t.Errorf("%s: %s = %s, CPython gives %v", want.Name, want.Var, strings.TrimSpace(out), want.Expected)
	}
}

// A tool package names its entry function: latm run calls it without
// --func.
func TestRunPackageUsesItsEntry(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("word_sorting"))
	code, pkg, errOut := runTools(t, db, "export", "word_sorting")
	if code != ExitOK {
		t.Fatalf("export: %s", errOut)
	}
	f := writeFile(t, "word_sorting.star", pkg)
	code, out, errOut := runConfigCLI(t, "run", f, "--args", `[["pear", "fig"]]`)
	if code != ExitOK || strings.TrimSpace(out) != `"fig pear"` {
		t.Fatalf("run a package: exit %d out %q err %q", code, out, errOut)
	}
	// --func still chooses.
	code, _, errOut = runConfigCLI(t, "run", f, "--func", "nope", "--args", `[1]`)
	if code != ExitFailed || !strings.Contains(errOut, "nope") {
		t.Fatalf("--func nope: exit %d %s", code, errOut)
	}
}
