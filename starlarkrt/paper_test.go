package starlarkrt

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// paperPassing is how many of the paper's 18 use cases must give CPython's
// answer: a regression guard, raised as the dialect improves.
const paperPassing = 18

// TestPaperPrograms runs the paper's tools and use cases
// (testdata/paper/README.md) and compares each answer with CPython's.
func TestPaperPrograms(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "paper", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string]struct {
		Var   string
		Value any
	}
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	names := make([]string, 0, len(expected))
	for n := range expected {
		names = append(names, n)
	}
	sort.Strings(names)
	rt := New(Options{})
	defer rt.Close()
	passed := 0
	for _, name := range names {
		want := expected[name]
		task := name[:strings.LastIndexByte(name, '_')]
		tool, err := os.ReadFile(filepath.Join("testdata", "paper", task+".tool.py"))
		if err != nil {
			t.Fatal(err)
		}
		use, err := os.ReadFile(filepath.Join("testdata", "paper", name+".py"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := rt.Exec(context.Background(), Source{Name: task + ".py", Code: string(tool)}, Source{Name: name + ".py", Code: string(use)})
		if err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		got, err := json.Marshal(res.Globals[want.Var])
		if err != nil {
			t.Logf("%s: %s: %v", name, want.Var, err)
			continue
		}
		var norm any
		_ = json.Unmarshal(got, &norm)
		if !reflect.DeepEqual(norm, want.Value) {
			t.Logf("%s: %s = %s, CPython gives %v", name, want.Var, got, want.Value)
			continue
		}
		passed++
	}
	t.Logf("paper programs: %d/%d give CPython's answer", passed, len(names))
	if passed < paperPassing {
		t.Errorf("only %d/%d paper programs give CPython's answer, want at least %d", passed, len(names), paperPassing)
	}
}
