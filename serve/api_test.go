package serve

import (
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

func TestSolveWithAToolOnTheNoModelPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.save(sortTool())
	var res SolveResult
	e.call("POST", "/v1/solve", map[string]any{"question": "Sort the following words alphabetically: List: kiwi banana cherry", "tool": "word_sorting"}, 200, &res)
	if !res.OK || res.Answer != "banana cherry kiwi" || res.Tool != "word_sorting@1" || res.Path != PathNoModel || res.Status != "solved" {
		t.Fatalf("result %+v", res)
	}
	if res.ModelCalls != 0 || len(e.fake.Requests()) != 0 {
		t.Fatalf("%d model calls reported, %d made; want none", res.ModelCalls, len(e.fake.Requests()))
	}
	if res.RunID == 0 || len(res.Guards) != 1 || res.Guards[0].Name != "template" || res.Guards[0].Decision != "allowed" {
		t.Fatalf("run id %d, guards %+v", res.RunID, res.Guards)
	}
}

func TestSolveWithAToolOnTheUserModelPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.save(sortTool())
	var res SolveResult
	e.call("POST", "/v1/solve", map[string]any{"question": "Sort the following words alphabetically: List: don't stop", "tool": "word_sorting@1"}, 200, &res)
	if !res.OK || res.Answer != "don't stop" || res.Path != PathUserModel || res.ModelCalls != 1 || res.TokensIn == 0 || res.Cost <= 0 {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(res.Code, `sort_words(["don't", "stop"])`) {
		t.Fatalf("code %q", res.Code)
	}
}

func TestSolveRoutesAndPoolsUnknownTasks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.save(sortTool())
	var res SolveResult
	e.call("POST", "/v1/solve", map[string]any{"question": "Sort the following words alphabetically: List: kiwi banana cherry"}, 200, &res)
	if !res.OK || res.Answer != "banana cherry kiwi" || res.Tool != "word_sorting@1" || res.Stage == 0 || len(res.Guards) == 0 || res.Guards[0].Name != "stage1-route" {
		t.Fatalf("routed result %+v", res)
	}
	// An unknown task: pooled, answered meanwhile by the strong model.
	var unk SolveResult
	e.call("POST", "/v1/solve", map[string]any{"question": "What is six times seven, in the answer format of the almanac?"}, 200, &unk)
	if unk.Status != "pending" || unk.Answer != "42" || unk.Path != PathStrongModel || unk.Tool != "" || unk.ModelCalls != 1 ||
		len(unk.Guards) != 1 || unk.Guards[0].Name != "stage1-reject" {
		t.Fatalf("unknown result %+v", unk)
	}
	var pend struct{ Pending []pendingView }
	e.call("GET", "/v1/pending", nil, 200, &pend)
	if len(pend.Pending) != 1 || pend.Pending[0].ID != "api:"+unk.ID {
		t.Fatalf("pending %+v, want api:%s", pend.Pending, unk.ID)
	}
	id := pend.Pending[0].ID
	e.call("POST", "/v1/pending/"+id+"/label", map[string]any{"answer": "42"}, 200, nil)
	e.call("GET", "/v1/pending", nil, 200, &pend)
	if pend.Pending[0].Label != "42" || pend.Pending[0].LabelSource != "human" {
		t.Fatalf("after label: %+v", pend.Pending[0])
	}
	code, data, _ := e.do("POST", "/v1/pending/api:nope/label", "", map[string]any{"answer": "x"})
	if code != 404 || !strings.Contains(apiError(t, data).Message, "api:nope") {
		t.Fatalf("label of an unknown id: %d %s", code, data)
	}
	code, data, _ = e.do("POST", "/v1/pending/"+id+"/label", "", map[string]any{"answer": "  "})
	if code != 400 || apiError(t, data).Field != "answer" {
		t.Fatalf("empty label: %d %s", code, data)
	}
}

func TestCallToolDirectly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.save(sortTool(), spinTool())
	var res CallResult
	e.call("POST", "/v1/tools/word_sorting/call", map[string]any{"args": []any{[]string{"pear", "apple"}}}, 200, &res)
	if !res.OK || res.Value != "apple pear" || res.Tool != "word_sorting@1" || res.Steps == 0 {
		t.Fatalf("positional call %+v", res)
	}
	e.call("POST", "/v1/tools/word_sorting@1/call", map[string]any{"args": map[string]any{"words": []string{"b", "a"}}}, 200, &res)
	if !res.OK || res.Value != "a b" {
		t.Fatalf("keyword call %+v", res)
	}
	e.call("POST", "/v1/tools/spin/call", map[string]any{"args": []any{100_000_000}}, 200, &res)
	if res.OK || res.LimitHit != "steps" || !strings.Contains(res.Error, "limit exceeded") {
		t.Fatalf("runaway call %+v", res)
	}
	e.call("POST", "/v1/tools/word_sorting/call", map[string]any{"args": []any{1, 2, 3}}, 200, &res)
	if res.OK || res.Error == "" {
		t.Fatalf("call with wrong arguments %+v", res)
	}
	if len(e.fake.Requests()) != 0 {
		t.Fatalf("a direct call reached the model")
	}
	code, data, _ := e.do("POST", "/v1/tools/word_sorting/call", "", map[string]any{"args": "words"})
	if code != 400 || apiError(t, data).Field != "args" {
		t.Fatalf("string args: %d %s", code, data)
	}
	code, data, _ = e.do("POST", "/v1/tools/nope/call", "", map[string]any{})
	if code != 404 {
		t.Fatalf("unknown tool: %d %s", code, data)
	}
	var m string
	_, body, _ := e.do("GET", "/metrics", "", nil)
	m = string(body)
	for _, want := range []string{`latm_sandbox_limits_total{limit="steps"} 1`, `latm_tool_calls_total{outcome="ok"} 2`, `route="POST /v1/tools/{ref}/call"`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestToolsListShowRetireReactivate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.save(sortTool(), sortTool(), spinTool())
	var list struct{ Tools []toolSummary }
	e.call("GET", "/v1/tools", nil, 200, &list)
	if len(list.Tools) != 2 || list.Tools[1].Ref != "word_sorting@2" {
		t.Fatalf("list %+v", list.Tools)
	}
	var d toolDetail
	e.call("GET", "/v1/tools/word_sorting", nil, 200, &d)
	if d.Version != 2 || len(d.Versions) != 2 || d.Source != sortSource || len(d.Usage) != 3 || d.Entry != "sort_words" {
		t.Fatalf("detail %+v", d)
	}
	if req, _ := d.ArgsSchema["required"].([]any); len(req) != 1 || req[0] != "words" {
		t.Fatalf("schema %+v", d.ArgsSchema)
	}
	e.call("POST", "/v1/tools/word_sorting@2/retire", nil, 200, nil)
	e.call("GET", "/v1/tools/word_sorting", nil, 200, &d)
	if d.Version != 1 {
		t.Fatalf("after retiring @2 the tool is @%d, want @1", d.Version)
	}
	e.call("GET", "/v1/tools?all=true", nil, 200, &list)
	if len(list.Tools) != 3 || list.Tools[2].Status != tool.StatusRetired {
		t.Fatalf("all %+v", list.Tools)
	}
	e.call("POST", "/v1/tools/word_sorting@2/reactivate", nil, 200, nil)
	e.call("GET", "/v1/tools/word_sorting", nil, 200, &d)
	if d.Version != 2 {
		t.Fatalf("after reactivating, @%d", d.Version)
	}
	code, data, _ := e.do("GET", "/v1/tools/Bad%20Name", "", nil)
	if code != 400 || apiError(t, data).Field != "ref" {
		t.Fatalf("bad ref: %d %s", code, data)
	}
	code, _, _ = e.do("POST", "/v1/tools/nope/retire", "", nil)
	if code != 404 {
		t.Fatalf("retire unknown: %d", code)
	}
	var hits struct{ Hits []map[string]any }
	e.call("GET", "/v1/search?q=sort+these+words", nil, 200, &hits)
	if len(hits.Hits) == 0 || hits.Hits[0]["tool"] != "word_sorting@2" {
		t.Fatalf("search %+v", hits)
	}
	code, data, _ = e.do("GET", "/v1/search", "", nil)
	if code != 400 || apiError(t, data).Field != "q" {
		t.Fatalf("empty search: %d %s", code, data)
	}
}

func TestPackageExportImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.save(sortTool())
	code, pkg, h := e.do("GET", "/v1/tools/word_sorting/package", "", nil)
	if code != 200 || !strings.Contains(string(pkg), "def sort_words") || !strings.Contains(h.Get("Content-Disposition"), "word_sorting@1.star") {
		t.Fatalf("export: %d %s", code, pkg)
	}
	var s toolSummary
	e.call("POST", "/v1/packages", pkg, 201, &s)
	if s.Ref != "word_sorting@2" {
		t.Fatalf("import %+v", s)
	}
	// A package whose usage example no longer holds is refused.
	bad := strings.Replace(string(pkg), `return " ".join(sorted(words))`, `return " ".join(words)`, 1)
	code, data, _ := e.do("POST", "/v1/packages", "", bad)
	if code != 400 || !strings.Contains(apiError(t, data).Message, "usage example") {
		t.Fatalf("bad package: %d %s", code, data)
	}
	code, data, _ = e.do("POST", "/v1/packages", "", "not a package")
	if code != 400 || apiError(t, data).Field != "package" {
		t.Fatalf("garbage package: %d %s", code, data)
	}
	tools, _ := e.store.Tools(t.Context(), true)
	if len(tools) != 2 {
		t.Fatalf("%d tool versions after the refusals, want 2", len(tools))
	}
}

// scriptMaker scripts the maker's chat for a word-sorting tool and
// returns the six solved examples to make it from.
func scriptMaker(e *env) []tool.Example {
	goodTool := "def sort_words(words):\n    \"\"\"Sorts a list of words alphabetically.\"\"\"\n    return sorted(words)\n"
	call := func(list string, withAssert bool, answer string) string {
		c := "words = \"" + list + "\".split()\nret = sort_words(words)\nans = \" \".join(ret)\n"
		if withAssert {
			c += "assert ans == \"" + answer + "\"\n"
		}
		return c
	}
	fenceAll := func(codes ...string) string {
		var b strings.Builder
		for _, c := range codes {
			b.WriteString("```starlark\n" + strings.TrimSpace(c) + "\n```\n")
		}
		return b.String()
	}
	exs := []tool.Example{}
	lists := [][2]string{{"syndrome therefrom", "syndrome therefrom"}, {"vegetate artillery harm", "artillery harm vegetate"},
		{"superstitious westward coupe", "coupe superstitious westward"}, {"oven costume bread", "bread costume oven"},
		{"zeta alpha mu", "alpha mu zeta"}, {"pear apple fig", "apple fig pear"}}
	for _, l := range lists {
		exs = append(exs, tool.Example{Question: "Sort the following words alphabetically: List: " + l[0], Answer: l[1]})
	}
	e.makers["propose"] = []string{fenceAll(goodTool)}
	e.makers["verify"] = []string{fenceAll(call(lists[3][0], true, lists[3][1]), call(lists[4][0], true, lists[4][1]), call(lists[5][0], true, lists[5][1]))}
	e.makers["package"] = []string{fenceAll(call(lists[0][0], false, ""), call(lists[1][0], false, ""), call(lists[2][0], false, ""))}

	return exs
}

func TestMakeJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	exs := scriptMaker(e)
	var job Job
	e.call("POST", "/v1/tools", map[string]any{"name": "sorter", "description": "sorts words", "examples": exs}, 202, &job)
	if job.Status != JobRunning || job.ID == "" {
		t.Fatalf("job %+v", job)
	}
	// The job runs apart from the request; wait for it as a client does.
	deadline := time.Now().Add(20 * time.Second)
	for job.Status == JobRunning && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		e.call("GET", "/v1/jobs/"+job.ID, nil, 200, &job)
	}
	if job.Status != JobDone || job.Tool != "sorter@1" {
		t.Fatalf("job %+v", job)
	}
	var d toolDetail
	e.call("GET", "/v1/tools/sorter", nil, 200, &d)
	if len(d.Usage) != 3 || d.MakerModel != "maker-test" {
		t.Fatalf("made tool %+v", d)
	}
	code, data, _ := e.do("POST", "/v1/tools", "", map[string]any{"name": "sorter", "examples": []any{}})
	if code != 400 || apiError(t, data).Field != "examples" {
		t.Fatalf("no examples: %d %s", code, data)
	}
	code, data, _ = e.do("POST", "/v1/tools", "", map[string]any{"name": "Sorter!", "examples": exs})
	if code != 400 || apiError(t, data).Field != "name" {
		t.Fatalf("bad name: %d %s", code, data)
	}
	code, _, _ = e.do("GET", "/v1/jobs/job-none", "", nil)
	if code != 404 {
		t.Fatalf("unknown job: %d", code)
	}
}

func TestRunsAndCost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.save(sortTool())
	e.call("POST", "/v1/solve", map[string]any{"question": "Sort the following words alphabetically: List: don't stop", "tool": "word_sorting"}, 200, nil)
	e.call("POST", "/v1/solve", map[string]any{"question": "Sort the following words alphabetically: List: kiwi fig date", "tool": "word_sorting"}, 200, nil)
	var runs struct{ Runs []runView }
	e.call("GET", "/v1/runs?tool=word_sorting&limit=10", nil, 200, &runs)
	if len(runs.Runs) != 2 || runs.Runs[0].Path != PathNoModel || runs.Runs[1].Path != PathUserModel {
		t.Fatalf("runs %+v", runs.Runs)
	}
	var cost struct {
		By   string
		Rows []library.CostRow
	}
	e.call("GET", "/v1/cost?by=role", nil, 200, &cost)
	if len(cost.Rows) != 1 || cost.Rows[0].Key != "user" || cost.Rows[0].Calls != 1 || cost.Rows[0].Cost <= 0 {
		t.Fatalf("cost %+v", cost)
	}
	code, data, _ := e.do("GET", "/v1/cost?by=week", "", nil)
	if code != 400 || apiError(t, data).Field != "by" {
		t.Fatalf("bad by: %d %s", code, data)
	}
	code, data, _ = e.do("GET", "/v1/runs?limit=0", "", nil)
	if code != 400 || apiError(t, data).Field != "limit" {
		t.Fatalf("bad limit: %d %s", code, data)
	}
	_, m, _ := e.do("GET", "/metrics", "", nil)
	for _, want := range []string{`latm_answers_total{path="no-model"} 1`, `latm_answers_total{path="user-model"} 1`, "latm_model_calls_total 1"} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestBadRequestsGetJSONErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MaxBody: 1024})
	e.save(sortTool())
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"invalid JSON", "POST", "/v1/solve", `{"question":`, 400, codeBadRequest, ""},
		{"unknown field", "POST", "/v1/solve", `{"question":"q","tools":"x"}`, 400, codeBadRequest, "tools"},
		{"wrong type", "POST", "/v1/solve", `{"question":7}`, 400, codeBadRequest, "question"},
		{"empty question", "POST", "/v1/solve", `{"question":"  "}`, 400, codeBadRequest, "question"},
		{"bad tool ref", "POST", "/v1/solve", `{"question":"q","tool":"x@0"}`, 400, codeBadRequest, "tool"},
		{"unknown tool", "POST", "/v1/solve", `{"question":"q","tool":"nope"}`, 404, codeNotFound, ""},
		{"two objects", "POST", "/v1/solve", `{"question":"q"} {}`, 400, codeBadRequest, ""},
		{"empty body", "POST", "/v1/solve", ``, 400, codeBadRequest, ""},
		{"too large", "POST", "/v1/solve", `{"question":"` + strings.Repeat("a", 2000) + `"}`, 413, codeTooLarge, ""},
		{"no route", "GET", "/v2/anything", ``, 404, codeNotFound, ""},
		{"wrong method", "DELETE", "/v1/solve", ``, 405, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, data, _ := e.do(c.method, c.path, "", c.body)
			if code != c.status {
				t.Fatalf("status %d, want %d: %s", code, c.status, data)
			}
			if c.code == "" {
				return
			}
			d := apiError(t, data)
			if d.Code != c.code || d.Field != c.field || d.Message == "" {
				t.Fatalf("error %+v, want code %s field %q", d, c.code, c.field)
			}
		})
	}
}

func TestHealthReadyAndOpenAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{RequireTokens: true})
	e.call("GET", "/healthz", nil, 200, nil)
	e.call("GET", "/readyz", nil, 200, nil)
	var spec struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	e.call("GET", "/openapi.json", nil, 200, &spec)
	if spec.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", spec.OpenAPI)
	}
	// Every API route is described.
	for _, route := range apiRoutes {
		method, path, _ := strings.Cut(route, " ")
		if spec.Paths[path][strings.ToLower(method)] == nil {
			t.Errorf("openapi.json lacks %s", route)
		}
	}
}

// apiRoutes are the routes the OpenAPI file must describe.
var apiRoutes = []string{
	"GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json",
	"POST /v1/solve", "POST /v1/tools/{ref}/call", "POST /v1/tools", "GET /v1/jobs/{id}", "GET /v1/tools",
	"GET /v1/tools/{ref}", "POST /v1/tools/{ref}/retire", "POST /v1/tools/{ref}/reactivate", "GET /v1/tools/{ref}/package",
	"POST /v1/packages", "GET /v1/search", "POST /v1/batches", "GET /v1/batches/{id}", "GET /v1/batches/{id}/results",
	"GET /v1/runs", "GET /v1/pending", "POST /v1/pending/{id}/label", "GET /v1/cost", "GET /v1/savings",
}
