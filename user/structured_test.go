package user

import (
	"context"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
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
			s.Call = CallJSON
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
			if body := srv.Requests()[0].Body; !strings.Contains(body, `"response_format":{"type":"json_schema","json_schema":{"name":"arguments","schema":{`) || !strings.Contains(body, `"required":["words"]`) {
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
