package starlarkrt

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/latm/latm/internal/fixtures"
)

// TestPaperPrograms runs each of the paper's 18 tools with its use case
// (testdata/paper/README.md) and compares the answer with CPython's. This
// is the one place they run; the CLI's test runs one through latm run.
func TestPaperPrograms(t *testing.T) {
	t.Parallel()
	programs, err := fixtures.PaperPrograms(filepath.Join("testdata", "paper"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(programs), 18; got != want {
		t.Fatalf("%d paper programs, want %d", got, want)
	}
	// The check is of answers, not limits: chinese_remainder_theorem_2
	// takes 35 M steps, well past the default time limit under -race.
	rt := New(Options{Limits: Limits{Timeout: 2 * time.Minute}})
	defer rt.Close()
	for _, p := range programs {
		res, err := rt.Exec(context.Background(), Source{Name: p.Task + ".py", Code: p.Tool}, Source{Name: p.Name + ".py", Code: p.Use})
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		got, err := json.Marshal(res.Globals[p.Var])
		if err != nil {
			t.Errorf("%s: %s: %v", p.Name, p.Var, err)
			continue
		}
		var norm any
		_ = json.Unmarshal(got, &norm)
		if !reflect.DeepEqual(norm, p.Expected) {
			t.Errorf("%s: %s = %s, CPython gives %v", p.Name, p.Var, got, p.Expected)
		}
	}
}
