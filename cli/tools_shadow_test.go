package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/tool"
)

// With the default solve.shadow, latm solve asks the user model too for a
// new tool's template answers; tools show says how many agreed, and after a
// disagreement that the no-model paths are off, and why, in text and JSON.
func TestToolsShowShadowState(t *testing.T) {
	tl := sortTool("word_sorting")
	tl.Examples = nil
	for _, l := range []string{"oven costume bread", "zeta alpha mu", "pear apple fig"} {
		w := strings.Fields(l)
		sort.Strings(w)
		tl.Examples = append(tl.Examples, tool.UsageExample{Question: sortQuestion(l), Code: fmt.Sprintf("words = %q.split()\nans = sort_words(words)", l), Answer: strings.Join(w, " ")})
	}
	db, srv := solveEnv(t, tl)
	t.Setenv("LATM_SOLVE_TEMPLATE", "true") // solveEnv turns it off; this test is about it
	var wrong atomic.Bool
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Template != "use" {
			t.Errorf("unexpected %s request", r.Template)
		}
		if wrong.Load() {
			return fakeopenai.Reply{Content: fence(`ans = "not sorted"`)}
		}
		last := r.Last()
		return fakeopenai.Reply{Content: fence(sortCall(strings.Fields(last[strings.LastIndex(last, "List: ")+len("List: "):])...))}
	})
	if _, out, _ := runTools(t, db, "show", "word_sorting"); !strings.Contains(out, "shadow:      no checks yet: the first 5 answers of each no-model path also go to the user model") {
		t.Fatalf("before any solve:\n%s", out)
	}
	for _, q := range []string{sortQuestion("kiwi", "banana", "cherry"), sortQuestion("plum", "fig")} {
		if code, out, errb := runSolve(t, db, "--tool", "word_sorting", q); code != ExitOK || out == "" {
			t.Fatalf("solve %q: exit %d, %s%s", q, code, out, errb)
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d model calls, want the 2 shadow checks", n)
	}
	if _, out, _ := runTools(t, db, "show", "word_sorting"); !strings.Contains(out, "shadow:      template 2 of 5 agreed (its answers still go to the user model)") {
		t.Fatalf("after two agreements:\n%s", out)
	}
	for _, r := range storedRuns(t, db, "") {
		if r.Path != tool.PathUser || !strings.Contains(r.Guards, "shadow check of the template path agreed") {
			t.Errorf("run %s: path %s, guards %q", r.InputID, r.Path, r.Guards)
		}
	}

	wrong.Store(true)
	code, out, _ := runSolve(t, db, "--tool", "word_sorting", sortQuestion("lime", "kiwi", "apple"))
	if code != ExitOK || strings.TrimSpace(out) != "not sorted" {
		t.Fatalf("the model's answer is not the one given: exit %d, %q", code, out)
	}
	_, out, _ = runTools(t, db, "show", "word_sorting")
	if !strings.Contains(out, `shadow:      no-model paths off since `) || !strings.Contains(out, `the template path answered "apple kiwi lime", the user model "not sorted"`) {
		t.Fatalf("after the disagreement:\n%s", out)
	}
	_, out, _ = runTools(t, db, "show", "word_sorting", "--json")
	var shown struct {
		Name   string `json:"name"`
		Shadow struct {
			N      int               `json:"n"`
			Agreed map[string]int    `json:"agreed"`
			Off    *tool.ShadowCheck `json:"off"`
		} `json:"shadow"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("tools show --json: %v\n%s", err, out)
	}
	if off := shown.Shadow.Off; shown.Name != "word_sorting" || shown.Shadow.N != 5 || shown.Shadow.Agreed["template"] != 2 ||
		off == nil || off.ModelAnswer != "not sorted" || off.NoModelAnswer != "apple kiwi lime" || !strings.HasPrefix(off.InputID, "adhoc-") || off.At.IsZero() {
		t.Fatalf("tools show --json: %+v\n%s", shown, out)
	}
}
