package user

import (
	"context"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

func TestDeriveArgSchema(t *testing.T) {
	s, _ := newSolver(t, 0)
	as, why, err := s.DeriveArgSchema(context.Background(), parsedSortTool())
	if err != nil || as == nil {
		t.Fatalf("no schema: %q, %v", why, err)
	}
	if got, want := as.Examples[1], `{"words":["kiwi","banana","apple"]}`; got != want {
		t.Fatalf("usage example 2's arguments %s, want %s", got, want)
	}
	for text, want := range map[string]string{
		`{"words": ["a", "b"]}`:     "",
		`{"words": "a b"}`:          "string",
		`{"words": [1]}`:            "want string",
		`{}`:                        "words",
		`{"words": [], "extra": 1}`: "extra",
		`["a"]`:                     "array",
		`{"words": ["a"]`:           "not JSON",
		"{\"words\": []} trailing":  "not JSON",
	} {
		got := as.Validate(text)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("Validate(%s) = %q, want it to mention %q", text, got, want)
		}
	}
	bad := parsedSortTool()
	bad.Signature = "sort_words(*words)"
	if as, why, _ := s.DeriveArgSchema(context.Background(), bad); as != nil || !strings.Contains(why, "no plain parameters") {
		t.Fatalf("a *args signature: %v %q", as, why)
	}
}

func TestSolveJSONMode(t *testing.T) {
	q := "Sort the following words alphabetically: List: pear fig"
	cases := []struct {
		name    string
		replies []string
		ok      bool
		answer  string
		calls   int
		note    string
	}{
		{"valid", []string{"```json\n{\"words\": [\"pear\", \"fig\"]}\n```"}, true, "fig pear", 1, ""},
		{"unfenced", []string{`{"words": ["pear", "fig"]}`}, true, "fig pear", 1, ""},
		{"retry after validation", []string{`{"words": "pear fig"}`, `{"words": ["pear", "fig"]}`}, true, "fig pear", 2, "json arguments refused"},
		{"invalid twice", []string{`{"words": "pear fig"}`}, false, "", 2, "json arguments refused"},
		{"ungrounded", []string{`{"words": ["kiwi", "banana"]}`}, false, "", 2, "grounding refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, srv := newSolver(t, 1)
			s.Call, s.JSONVia = CallJSON, llm.JSONViaResponseFormat
			var replies []fakeopenai.Reply
			for _, r := range c.replies {
				replies = append(replies, fakeopenai.Reply{Content: r})
			}
			srv.Script(fakeopenai.Match{Template: UseJSONTemplate}, replies...)
			tl := parsedSortTool()
			tl.Parser = ""
			run, err := s.Solve(context.Background(), tl, Instance{ID: "1", Question: q})
			if err != nil {
				t.Fatal(err)
			}
			if run.OK != c.ok || run.Answer != c.answer || len(srv.Requests()) != c.calls || run.Path != tool.PathUser {
				t.Fatalf("run %+v after %d calls", run, len(srv.Requests()))
			}
			if c.ok && !strings.Contains(run.Code, `ans = sort_words(['pear', 'fig'])`) {
				t.Fatalf("code %q", run.Code)
			}
			// The endpoint is asked for JSON matching the schema.
			if body := srv.Requests()[0].Body; !strings.Contains(body, `"response_format":{"type":"json_schema","json_schema":{"name":"word_sorting","schema":{`) || !strings.Contains(body, `"required":["words"]`) {
				t.Fatalf("request body lacks the response format: %s", body)
			}
			if c.note != "" && !strings.Contains(run.Guards, c.note) {
				t.Fatalf("guards %q lack %q", run.Guards, c.note)
			}
			if c.calls == 2 {
				fb := srv.Requests()[1].Last()
				if !strings.Contains(fb, "```json") {
					t.Fatalf("the retry does not ask for JSON again: %q", fb)
				}
			}
		})
	}
}

// In auto mode a tool with no argument schema is called with code; an
// unknown mode is an error naming the choices.
func TestSolveCallModes(t *testing.T) {
	s, srv := newSolver(t, 1)
	s.Call = CallAuto
	srv.Script(fakeopenai.Match{Template: UseTemplate}, fakeopenai.Reply{Content: fenced(`ans = sort_words(["b", "a"])`)})
	tl := parsedSortTool()
	tl.Parser = ""
	tl.Signature = "sort_words(*words)"
	run, err := s.Solve(context.Background(), tl, Instance{ID: "1", Question: "Sort the following words alphabetically: List: b a"})
	if err != nil || !run.OK || !strings.Contains(run.Guards, "json call not possible") {
		t.Fatalf("run %+v, %v", run, err)
	}
	s.Call = "yaml"
	if _, err := s.Solve(context.Background(), tl, Instance{Question: "q"}); err == nil || !strings.Contains(err.Error(), `"code", "json" or "auto"`) {
		t.Fatalf("unknown mode: %v", err)
	}
}

// FuzzJSONArguments: any reply text is validated without a panic, and
// every reply the schema accepts renders as a call.
func FuzzJSONArguments(f *testing.F) {
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	f.Cleanup(func() { rt.Close() })
	s := &Solver{Runtime: rt}
	as, _, err := s.DeriveArgSchema(context.Background(), parsedSortTool())
	if err != nil || as == nil {
		f.Fatalf("no schema: %v", err)
	}
	f.Add("```json\n{\"words\": [\"a\", \"b\"]}\n```")
	f.Add(`{"words": ["it's", "\u00e9\n"]}`)
	f.Add(`{"words": 1e400}`)
	f.Add("```\n```")
	f.Fuzz(func(t *testing.T, reply string) {
		text := jsonReply(reply)
		if as.Validate(text) != "" {
			return
		}
		args, err := as.args(text)
		if err != nil {
			t.Fatalf("validated %q does not read: %v", text, err)
		}
		if _, ok := callCodeFor("sort_words", args); !ok {
			t.Fatalf("validated %q has no call", text)
		}
	})
}

// makerSchema is a maker-written argument schema of parsedSortTool.
const makerSchema = `{"type": "object", "properties": {"words": {"type": "array", "items": {"type": "string", "minLength": 1}, "description": "the words to sort, in the question's order"}}, "required": ["words"]}`

// A written schema is kept only if it is an object schema of the entry's
// parameters that compiles and takes every usage example's arguments.
func TestCheckArgSchema(t *testing.T) {
	s, _ := newSolver(t, 0)
	tl := parsedSortTool()
	as, problem, err := CheckArgSchema(context.Background(), s.Runtime, tl, makerSchema)
	if err != nil || as == nil {
		t.Fatalf("refused: %q, %v", problem, err)
	}
	if as.From != tool.SchemaFromMaker || as.Schema["additionalProperties"] != false || as.Validate(`{"words": [""]}`) == "" {
		t.Fatalf("schema %+v", as)
	}
	for text, want := range map[string]string{
		`{"type": "array"}`: `"type" is not "object"`,
		`{"type": "object", "properties": {"words": {}}}`:                                           `does not require the parameter "words"`,
		`{"type": "object", "properties": {"list": {}}, "required": ["list"]}`:                      `no property for the parameter "words"`,
		`{"type": "object", "properties": {"words": {}, "n": {}}, "required": ["words"]}`:           "properties the signature does not: n",
		`{"type": "object", "properties": {"words": {"type": "string"}}, "required": ["words"]}`:    "refuses usage example 1's arguments",
		`{"type": "object", "properties": {"words": {"maxItems": 2}}, "required": ["words"]}`:       "refuses usage example 2's arguments",
		`{"type": "object", "properties": {"words": {"type": 7}}, "required": ["words"]}`:           "does not compile",
		`{"type": "object", "properties": {"words": {"$ref": "#/nowhere"}}, "required": ["words"]}`: "does not compile",
		`not json`: "not one JSON object",
		`{} {}`:    "text after",
	} {
		as, problem, err := CheckArgSchema(context.Background(), s.Runtime, tl, text)
		if err != nil || as != nil || !strings.Contains(problem, want) {
			t.Errorf("CheckArgSchema(%s) = %v, %q, %v; want a refusal mentioning %q", text, as, problem, err, want)
		}
	}
}

// The solver asks against the stored schema, through a forced function
// call by default, and reads the call's arguments; a stored schema that no
// longer fits the usage examples gives way to the derived one, said in
// the record.
func TestSolveJSONStoredSchemaAndToolCall(t *testing.T) {
	q := "Sort the following words alphabetically: List: pear fig"
	for _, c := range []struct {
		name, stored, from, note string
	}{
		{"maker", makerSchema, tool.SchemaFromMaker, "against the maker argument schema, asked through a forced function call"},
		{"refused", `{"type": "object", "properties": {"words": {"type": "string"}}, "required": ["words"]}`, tool.SchemaFromDerived, "stored argument schema is refused"},
		{"none", "", tool.SchemaFromDerived, "against the derived argument schema"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, srv := newSolver(t, 1)
			s.Call = CallJSON
			srv.Script(fakeopenai.Match{Template: UseJSONTemplate}, fakeopenai.Reply{ToolCalls: []fakeopenai.ToolCall{{Name: "word_sorting", Arguments: `{"words": ["pear", "fig"]}`}}})
			tl := parsedSortTool()
			tl.Parser, tl.ArgSchema, tl.ArgSchemaFrom = "", c.stored, tool.SchemaFromMaker
			run, err := s.Solve(context.Background(), tl, Instance{ID: "1", Question: q})
			if err != nil || !run.OK || run.Answer != "fig pear" {
				t.Fatalf("run %+v, %v", run, err)
			}
			if !strings.Contains(run.Guards, c.note) {
				t.Fatalf("guards %q lack %q", run.Guards, c.note)
			}
			req := srv.Requests()[0]
			if names := req.ToolNames(); len(names) != 1 || names[0] != "word_sorting" || !strings.Contains(string(req.ToolChoice), "word_sorting") {
				t.Fatalf("tools %s, tool_choice %s", req.Tools, req.ToolChoice)
			}
			hasDesc := strings.Contains(string(req.Tools), "the words to sort")
			if hasDesc != (c.from == tool.SchemaFromMaker) {
				t.Fatalf("the maker's schema sent = %v, want %v: %s", hasDesc, c.from == tool.SchemaFromMaker, req.Tools)
			}
			if strings.Contains(string(req.Tools), "$schema") {
				t.Fatalf("$schema sent as a function parameter: %s", req.Tools)
			}
		})
	}
}

// A JSON call runs the entry alone, so a tool whose usage examples do more
// after the call (here, join the list it returns) is called with code.
func TestSolveJSONNeedsTheCallToBeTheAnswer(t *testing.T) {
	s, srv := newSolver(t, 1)
	s.Call = CallJSON
	srv.Script(fakeopenai.Match{Template: UseTemplate}, fakeopenai.Reply{Content: fenced(`ans = " ".join(sort_list(["b", "a"]))`)})
	tl := &tool.Tool{Name: "lists", Version: 1, Entry: "sort_list", Signature: "sort_list(words)",
		Source: "def sort_list(words):\n    return sorted(words)\n",
		Examples: []tool.UsageExample{
			{Question: "Sort: c d", Code: `ans = " ".join(sort_list(["c", "d"]))`, Answer: "c d"},
			{Question: "Sort: f e", Code: `ans = " ".join(sort_list(["f", "e"]))`, Answer: "e f"},
		}}
	run, err := s.Solve(context.Background(), tl, Instance{ID: "1", Question: "Sort: b a"})
	if err != nil || !run.OK || run.Answer != "a b" {
		t.Fatalf("run %+v, %v", run, err)
	}
	if !strings.Contains(run.Guards, "json call not possible") || !strings.Contains(run.Guards, "does more after calling sort_list") {
		t.Fatalf("guards %q", run.Guards)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Template != UseTemplate {
		t.Fatalf("requests %d, first %q", len(reqs), reqs[0].Template)
	}
}

// FuzzCheckArgSchema: any schema text (a maker's reply, a package's
// header) is checked without a panic, and a schema accepted takes every
// usage example's arguments.
func FuzzCheckArgSchema(f *testing.F) {
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	f.Cleanup(func() { rt.Close() })
	tl := parsedSortTool()
	f.Add(makerSchema)
	f.Add(`{"type": "object", "properties": {"words": {"$ref": "#"}}, "required": ["words"]}`)
	f.Add(`{"type": "object", "properties": {"words": {"pattern": "("}}, "required": ["words"]}`)
	f.Add(`{"type": "object", "properties": {"words": {"items": {"enum": []}}}, "required": ["words"]}`)
	f.Add(`{"type": "object", "properties": {"words": true}, "required": ["words"], "$defs": {"a": {"$ref": "#/$defs/a"}}}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, text string) {
		as, problem, err := CheckArgSchema(context.Background(), rt, tl, text)
		if err != nil {
			t.Fatalf("machinery error on %q: %v", text, err)
		}
		if (as == nil) == (problem == "") {
			t.Fatalf("schema %v with problem %q", as, problem)
		}
		if as != nil {
			for i, ex := range as.Examples {
				if p := as.Validate(ex); p != "" {
					t.Fatalf("accepted %q refuses usage example %d: %s", text, i+1, p)
				}
			}
		}
	})
}
