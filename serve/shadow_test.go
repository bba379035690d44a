package serve

import (
	"testing"

	"github.com/latm/latm/tool"
)

// With shadow checks on, a tool's first template answer is the user
// model's, and the tool's detail says how many checks agreed.
func TestToolDetailShowsShadowChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.local.Solver.Shadow, e.local.Solver.Shadows = 1, e.store
	e.save(sortTool())
	q := map[string]any{"question": "Sort the following words alphabetically: List: kiwi banana cherry", "tool": "word_sorting"}
	var res SolveResult
	e.call("POST", "/v1/solve", q, 200, &res)
	if !res.OK || res.Answer != "banana cherry kiwi" || res.Path != PathUserModel || res.ModelCalls != 1 {
		t.Fatalf("shadowed result %+v", res)
	}
	var d toolDetail
	e.call("GET", "/v1/tools/word_sorting", nil, 200, &d)
	if d.Shadow.N != 1 || d.Shadow.Agreed[tool.PathTemplate] != 1 || d.Shadow.Off != nil {
		t.Fatalf("shadow %+v", d.Shadow)
	}
	q["question"] = "Sort the following words alphabetically: List: plum fig date"
	e.call("POST", "/v1/solve", q, 200, &res)
	if !res.OK || res.Path != PathNoModel || len(e.fake.Requests()) != 1 {
		t.Fatalf("after the check agreed: %+v, %d model calls", res, len(e.fake.Requests()))
	}
}
