package starlarkrt

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/latm/latm/internal/fixtures"
)

// paperPassing is how many of the paper's 18 use cases must give CPython's
// answer: a regression guard, raised as the dialect improves.
const paperPassing = 18

// TestPaperPrograms runs the paper's tools and use cases
// (testdata/paper/README.md) and compares each answer with CPython's.
func TestPaperPrograms(t *testing.T) {
	programs, err := fixtures.PaperPrograms(filepath.Join("testdata", "paper"))
	if err != nil {
		t.Fatal(err)
	}
	rt := New(Options{})
	defer rt.Close()
	passed := 0
	for _, p := range programs {
		res, err := rt.Exec(context.Background(), Source{Name: p.Task + ".py", Code: p.Tool}, Source{Name: p.Name + ".py", Code: p.Use})
		if err != nil {
			t.Logf("%s: %v", p.Name, err)
			continue
		}
		got, err := json.Marshal(res.Globals[p.Var])
		if err != nil {
			t.Logf("%s: %s: %v", p.Name, p.Var, err)
			continue
		}
		var norm any
		_ = json.Unmarshal(got, &norm)
		if !reflect.DeepEqual(norm, p.Expected) {
			t.Logf("%s: %s = %s, CPython gives %v", p.Name, p.Var, got, p.Expected)
			continue
		}
		passed++
	}
	t.Logf("paper programs: %d/%d give CPython's answer", passed, len(programs))
	if passed < paperPassing {
		t.Errorf("only %d/%d paper programs give CPython's answer, want at least %d", passed, len(programs), paperPassing)
	}
}
