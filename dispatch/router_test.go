package dispatch

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/tool"
)

// routerEnv saves minimal tools for two BBH tasks (usage questions from
// examples 5–9) and returns a router whose dispatcher is srv.
func routerEnv(t *testing.T, th Thresholds) (*Router, *fakeopenai.Server, *library.Store) {
	t.Helper()
	s, err := library.Open(filepath.Join(t.TempDir(), "latm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, task := range []string{"word_sorting", "dyck_languages"} {
		saveEcho(t, s, task)
	}
	srv := fakeopenai.New(t)
	client, err := llm.New(llm.Config{
		Roles:     map[llm.Role]llm.RoleConfig{llm.Dispatcher: {BaseURL: srv.URL, Model: "disp", APIKeyEnv: "K"}},
		Getenv:    func(string) string { return "sk-test" },
		RetryBase: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	ps, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return &Router{Store: s, LLM: client, Prompts: ps, Thresholds: th}, srv, s
}

const wsQ = "Sort the following words alphabetically: List: kiwi banana cherry"

func TestStage1ConfidentRouteMakesNoModelCall(t *testing.T) {
	t.Parallel()
	r, srv, _ := routerEnv(t, DefaultThresholds)
	d, err := r.Route(context.Background(), "b", "1", wsQ)
	if err != nil {
		t.Fatal(err)
	}
	if d.Tool == nil || d.Tool.Name != "word_sorting" || d.Stage != 1 || d.Calls != 0 {
		t.Fatalf("decision %+v, want word_sorting at stage 1", d)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d model calls, want none", n)
	}
}

func TestStage2ScriptedReplies(t *testing.T) {
	t.Parallel()
	never := Thresholds{Accept: 2, Margin: 0, Reject: -1} // stage 1 never decides
	for _, tc := range []struct{ reply, want string }{
		{"Task: word_sorting", "word_sorting"},
		{"Task: unknown", ""},
		{"I am not sure what you mean.", ""},
		{"Task: no_such_tool", ""},
	} {
		r, srv, _ := routerEnv(t, never)
		srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: tc.reply})
		d, err := r.Route(context.Background(), "b", "1", wsQ)
		if err != nil {
			t.Fatalf("%q: %v", tc.reply, err)
		}
		got := ""
		if d.Tool != nil {
			got = d.Tool.Name
		}
		if got != tc.want || d.Stage != 2 || d.Calls != 1 {
			t.Errorf("reply %q: tool %q stage %d calls %d, want %q at stage 2 with one call", tc.reply, got, d.Stage, d.Calls, tc.want)
		}
		reqs := srv.Requests()
		if len(reqs) != 1 || !contains(reqs[0].Last(), "Task: word_sorting\n\nQuestion: Sort the following words") {
			t.Errorf("the dispatcher prompt does not show the candidates: %v", reqs)
		}
	}
}

// A restart routes an instance the dispatcher model already sent to a tool
// without asking it again.
func TestStage2DecisionIsReusedOnRestart(t *testing.T) {
	t.Parallel()
	never := Thresholds{Accept: 2, Margin: 0, Reject: -1}
	r, srv, _ := routerEnv(t, never)
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "Task: word_sorting"})
	first, err := r.Route(context.Background(), "b", "1", wsQ)
	if err != nil || first.Tool == nil {
		t.Fatalf("first: %+v %v", first, err)
	}
	again, err := r.Route(context.Background(), "b", "1", wsQ)
	if err != nil || again.Tool == nil || again.Tool.Name != "word_sorting" || again.Stage != 2 || again.Calls != 0 {
		t.Fatalf("again: %+v %v", again, err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d model calls, want the first only", n)
	}
	// Another instance, or the same id with another question, is decided.
	if _, err := r.Route(context.Background(), "b", "1", wsQ+" fig"); err != nil || len(srv.Requests()) != 2 {
		t.Errorf("a changed question reused the old decision (%v)", err)
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || len(s) >= len(sub) && indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestPoolGroupsByTask(t *testing.T) {
	t.Parallel()
	var open []*tool.Pending
	add := func(q string) int64 {
		g := groupOf(open, q, DefaultGroupThreshold)
		open = append(open, &tool.Pending{ID: int64(len(open) + 1), Question: q, Group: g})
		return g
	}
	ws, _ := bbh.Load("word_sorting")
	dy, _ := bbh.Load("dyck_languages")
	g1 := add(ws[0].Question)
	g2 := add(dy[0].Question)
	if g1 == g2 {
		t.Fatalf("two tasks in one group %d", g1)
	}
	for i := 1; i < 5; i++ {
		if g := add(ws[i].Question); g != g1 {
			t.Errorf("word sorting %d in group %d, want %d", i, g, g1)
		}
		if g := add(dy[i].Question); g != g2 {
			t.Errorf("dyck %d in group %d, want %d", i, g, g2)
		}
	}
	if name := taskName([]string{ws[0].Question, ws[1].Question}, map[string]bool{"sort_words_alphabetically": true}); name != "sort_words_alphabetically_2" {
		t.Errorf("task name %q", name)
	}
}

func TestParseReply(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Task: word_sorting":        "word_sorting",
		"**Task:** `dyck`.":         "dyck",
		"Reasoning…\nTask: unknown": "",
		"garbage":                   "",
		"Task: two words":           "two_words",
		"The task is Word Sorting.": "word_sorting",
		"task: a\nTask: b":          "b",
	} {
		if got := ParseReply(in); got != want {
			t.Errorf("ParseReply(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDefaultThresholdsOnCalibrationData checks the calibration the
// defaults come from: examples 0–4 of every bundled task against tools made
// of examples 5–9 of every task (left-one-out for unknowns, excluding the
// task's own family), with no confident mistake.
func TestDefaultThresholdsOnCalibrationData(t *testing.T) {
	t.Parallel()
	all := map[string]*BenchTask{}
	cal := map[string][]string{}
	for _, name := range bbh.Tasks() {
		ex, err := bbh.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		var qs []string
		for _, e := range ex[5:10] {
			qs = append(qs, e.Question)
		}
		all[name] = &BenchTask{Name: name, Profile: NewProfile(qs)}
		for _, e := range ex[:5] {
			cal[name] = append(cal[name], e.Question)
		}
	}
	var r SetResult
	for name, qs := range cal {
		var with, without []*BenchTask
		for o, bt := range all {
			if family(o) != family(name) || o == name {
				with = append(with, bt)
			}
			if family(o) != family(name) {
				without = append(without, bt)
			}
		}
		for _, q := range qs {
			got, ok, guarded := decideGuarded(DefaultThresholds, with, q)
			r.add(got, ok, guarded, name)
			if ok && got != name {
				t.Errorf("%s routed confidently to %q: %.60q", name, got, q)
			}
			got, ok, guarded = decideGuarded(DefaultThresholds, without, q)
			r.add(got, ok, guarded, "")
			if ok && got != "" {
				t.Errorf("%s (no tool) routed confidently to %q: %.60q", name, got, q)
			}
		}
	}
	t.Logf("calibration: %d decisions, %.1f%% without a model, %.1f%% of those right", r.N, 100*r.NoModel(), 100*r.Accuracy())
	if r.NoModel() < 0.65 {
		t.Errorf("only %.1f%% decided without a model", 100*r.NoModel())
	}
}
