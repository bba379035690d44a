package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// wordSorter is a tool whose usage examples make its call a template of
// the question.
func wordSorter() *tool.Tool {
	tl := &tool.Tool{Name: "word_sorting", Status: tool.StatusActive, Description: "sorts words",
		Source: "def sort_words(words):\n    return \" \".join(sorted(words))\n", Entry: "sort_words", Signature: "sort_words(words)"}
	for _, l := range []string{"oven costume bread", "zeta alpha mu", "pear apple fig"} {
		w := strings.Fields(l)
		tl.Examples = append(tl.Examples, tool.UsageExample{
			Question: "Sort the following words alphabetically: List: " + l,
			Code:     fmt.Sprintf("words = %q.split()\nans = sort_words(words)", l),
			Answer:   strings.Join(sortedCopy(w), " "),
		})
	}
	return tl
}

func sortedCopy(w []string) []string {
	out := append([]string(nil), w...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// With the defaults, the first user.DefaultShadow template answers of a
// tool version also go to the user model; then the template answers alone,
// in this engine and in one opened later on the same file.
func TestEngineShadowsTheFirstNoModelAnswers(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Template != user.UseTemplate {
			t.Errorf("unexpected %s request", r.Template)
			return fakeopenai.Reply{Content: "?"}
		}
		last := r.Last()
		words := strings.Fields(last[strings.LastIndex(last, "List: ")+len("List: "):])
		return fakeopenai.Reply{Content: fmt.Sprintf("```starlark\nans = sort_words(%q.split())\n```", strings.Join(words, " "))}
	})
	cfg := testConfig(t, srv)
	if cfg.Solve.Shadow != user.DefaultShadow || user.DefaultShadow != 5 {
		t.Fatalf("default solve shadow %d", cfg.Solve.Shadow)
	}
	e := open(t, cfg)
	ctx := context.Background()
	tl := wordSorter()
	if err := e.Store().SaveTool(ctx, tl); err != nil {
		t.Fatal(err)
	}
	lists := []string{"kiwi banana cherry", "plum fig date", "lime kiwi apple", "yew ash oak", "rye oat corn", "tea cup mug", "sun moon star"}
	for i, l := range lists {
		run, err := e.Solve(ctx, tl, user.Instance{ID: fmt.Sprint(i), Batch: "b", Question: "Sort the following words alphabetically: List: " + l})
		if err != nil {
			t.Fatal(err)
		}
		want := tool.PathUser
		if i >= 5 {
			want = tool.PathTemplate
		}
		if !run.OK || run.Path != want {
			t.Fatalf("instance %d: path %s, want %s: %+v", i, run.Path, want, run)
		}
	}
	if n := len(srv.Requests()); n != 5 {
		t.Fatalf("%d model calls, want the 5 shadow checks", n)
	}
	st, err := e.ShadowState(ctx, tl)
	if err != nil || st.Agreed[tool.PathTemplate] != 5 || st.Off != nil {
		t.Fatalf("state %+v, %v", st, err)
	}
	e.Close()

	e2 := open(t, cfg)
	run, err := e2.Solve(ctx, tl, user.Instance{ID: "later", Batch: "b", Question: "Sort the following words alphabetically: List: red tan blue"})
	if err != nil || run.Path != tool.PathTemplate || len(srv.Requests()) != 5 {
		t.Fatalf("a later engine checked again: %+v, %v, %d calls", run, err, len(srv.Requests()))
	}
}
