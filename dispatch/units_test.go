package dispatch

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/tool"
)

func TestFamily(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"logical_deduction_three_objects":        "logical_deduction",
		"logical_deduction_seven_objects":        "logical_deduction",
		"tracking_shuffled_objects_five_objects": "tracking_shuffled_objects",
		"word_sorting":                           "word_sorting",
		"three_objects":                          "three_objects",
		"x_three_objects_more":                   "x_three_objects_more",
		"":                                       "",
	} {
		if got := family(in); got != want {
			t.Errorf("family(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Sort: List: b a", []string{"sort", ":", "list", ":", "b", "a"}},
		{"Is 3.14 > 27?", []string{"is", "#", ">", "#", "?"}},
		{`He said "hello there" twice`, []string{"he", "said", "q", "twice"}},
		{"“curly quote” too", []string{"q", "too"}},
		{`an "unclosed quote`, []string{"an", "unclosed", "quote"}},
		{"don't STOP", []string{"don't", "stop"}},
		{"a, b. c!", []string{"a", "b", "c"}},
		{"( ) [ ] = + - * /", []string{"(", ")", "[", "]", "=", "+", "-", "*", "/"}},
		{"", nil},
	} {
		if got := normWords(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("normWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestProfileScore(t *testing.T) {
	t.Parallel()
	ws := []string{
		"Sort the following words alphabetically: List: kiwi banana",
		"Sort the following words alphabetically: List: pear fig apple",
		"Sort the following words alphabetically: List: zeta mu",
	}
	p := NewProfile(ws)
	for _, tc := range []struct {
		name     string
		p        *Profile
		q        string
		min, max float64
	}{
		{"an example itself", p, ws[0], 0.8, 1},
		{"the template with new slots", p, "Sort the following words alphabetically: List: one two three", 0.7, 1},
		{"the template alone", p, "Sort the following words alphabetically: List:", 1, 1},
		{"a foreign question", p, "Is the following sentence plausible? Joao Moutinho caught the screen pass.", 0, 0.2},
		{"half the template", p, "Sort the following words", 0.2, 0.6},
		{"an empty question", p, "", 0, 0},
		{"an empty profile", NewProfile(nil), ws[0], 0, 0},
		{"a profile of blank questions", NewProfile([]string{" ", ""}), ws[0], 0, 0},
		{"a nil profile", nil, ws[0], 0, 0},
	} {
		got := tc.p.Score(tc.q)
		if math.IsNaN(got) || got < tc.min || got > tc.max {
			t.Errorf("%s: score %.3f, want in [%.2f, %.2f]", tc.name, got, tc.min, tc.max)
		}
	}
	if !NewProfile([]string{"", "  "}).Empty() || p.Empty() {
		t.Errorf("Empty wrong")
	}
}

func TestGroupOf(t *testing.T) {
	t.Parallel()
	ws := "Sort the following words alphabetically: List: kiwi banana"
	dy := "Complete the rest of the sequence, making sure that the parentheses are closed properly. Input: ( [ {"
	pend := func(g int64, q string) *tool.Pending { return &tool.Pending{Group: g, Question: q} }
	for _, tc := range []struct {
		name string
		open []*tool.Pending
		q    string
		th   float64
		want int64
	}{
		{"empty pool starts group 1", nil, ws, DefaultGroupThreshold, 1},
		{"joins its task's group", []*tool.Pending{pend(1, dy), pend(4, ws)}, ws, DefaultGroupThreshold, 4},
		{"a new task starts one past the highest group", []*tool.Pending{pend(3, dy), pend(1, dy)}, ws, DefaultGroupThreshold, 4},
		{"ungrouped instances are ignored", []*tool.Pending{pend(0, ws)}, ws, DefaultGroupThreshold, 1},
		{"a tie goes to the lowest group", []*tool.Pending{pend(5, ws), pend(2, ws)}, ws, DefaultGroupThreshold, 2},
		{"a threshold above every score starts a group", []*tool.Pending{pend(1, ws)}, ws, 1.1, 2},
		{"threshold met exactly joins", []*tool.Pending{pend(1, ws)}, ws, NewProfile([]string{ws}).Score(ws), 1},
	} {
		if got := groupOf(tc.open, tc.q, tc.th); got != tc.want {
			t.Errorf("%s: group %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestTaskName(t *testing.T) {
	t.Parallel()
	ws := []string{"Sort the following words alphabetically: List: kiwi", "Sort the following words alphabetically: List: fig"}
	for _, tc := range []struct {
		name  string
		qs    []string
		taken map[string]bool
		want  string
	}{
		{"first three shared words", ws, nil, "sort_words_alphabetically"},
		{"taken gets a suffix", ws, map[string]bool{"sort_words_alphabetically": true, "sort_words_alphabetically_2": true}, "sort_words_alphabetically_3"},
		{"nothing shared", []string{"alpha beta", "gamma delta"}, nil, "task"},
		{"digits and stop words only", []string{"1 + 2 is what?"}, nil, "task"},
	} {
		if got := taskName(tc.qs, tc.taken); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if tool.ValidateName(taskName(tc.qs, tc.taken)) != nil {
			t.Errorf("%s: invalid name", tc.name)
		}
	}
}

func TestPendingKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ batch, id string }{{"b", "1"}, {"b", "x:y"}, {"", "7"}} {
		b, id := splitPendingKey(pendingKey(tc.batch, tc.id))
		if b != tc.batch || id != tc.id {
			t.Errorf("split(pendingKey(%q, %q)) = %q, %q", tc.batch, tc.id, b, id)
		}
	}
}

// TestRouterThresholdEdges pins stage 1 at its edges: an empty library,
// one tool, two tools that tie, and a dispatcher that is not configured.
func TestRouterThresholdEdges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("empty library is unknown at stage 1", func(t *testing.T) {
		d, srv := dispatcherEnv(t)
		dec, err := d.Router.Route(ctx, "b", "1", wsQ)
		if err != nil || dec.Tool != nil || dec.Stage != 1 || dec.Score != 0 || len(srv.Requests()) != 0 {
			t.Errorf("decision %+v (%v), %d calls", dec, err, len(srv.Requests()))
		}
	})
	t.Run("one tool needs no runner-up", func(t *testing.T) {
		d, _ := dispatcherEnv(t)
		saveEcho(t, d.Store, "word_sorting")
		dec, err := d.Router.Route(ctx, "b", "1", wsQ)
		if err != nil || dec.Tool == nil || dec.Stage != 1 || dec.Score < DefaultThresholds.Accept {
			t.Errorf("decision %+v (%v), want word_sorting at stage 1", dec, err)
		}
	})
	t.Run("a tie goes to the dispatcher", func(t *testing.T) {
		d, _ := dispatcherEnv(t)
		a := saveEcho(t, d.Store, "word_sorting")
		twin := *a
		twin.Name, twin.Version, twin.Description = "sort_words", 0, "sort_words"
		if err := d.Store.SaveTool(ctx, &twin); err != nil {
			t.Fatal(err)
		}
		d.Router.LLM = nil // stage 2 unavailable: unknown
		dec, err := d.Router.Route(ctx, "b", "1", wsQ)
		if err != nil || dec.Tool != nil || dec.Stage != 2 || dec.Calls != 0 {
			t.Errorf("decision %+v (%v), want stage 2 without a tool", dec, err)
		}
	})
	t.Run("scores exactly at the thresholds", func(t *testing.T) {
		d, _ := dispatcherEnv(t)
		saveEcho(t, d.Store, "word_sorting")
		d.Router.LLM = nil
		dec, _ := d.Router.Route(ctx, "b", "1", wsQ)
		d.Router.Thresholds = Thresholds{Accept: dec.Score, Margin: dec.Score, Reject: 0}
		if got, _ := d.Router.Route(ctx, "b", "2", wsQ); got.Tool == nil || got.Stage != 1 {
			t.Errorf("best == Accept and margin == Margin: %+v, want routed at stage 1", got)
		}
		d.Router.Thresholds = Thresholds{Accept: 2, Margin: 0, Reject: dec.Score}
		if got, _ := d.Router.Route(ctx, "b", "3", wsQ); got.Stage != 2 {
			t.Errorf("best == Reject: %+v, want stage 2 (reject is strictly below)", got)
		}
	})
}

// BenchmarkRoute is stage-1 routing of one instance (index search,
// scoring, recording the decision) against a library of 6 or 30 tools.
func BenchmarkRoute(b *testing.B) {
	for _, n := range []int{6, 30} {
		b.Run(fmt.Sprintf("tools=%d", n), func(b *testing.B) {
			d, _ := dispatcherEnv(b)
			tasks := bbh.PaperTasks
			if n > len(tasks) {
				tasks = bbh.Tasks()
			}
			var qs []string
			for _, name := range tasks[:n] {
				saveEcho(b, d.Store, name)
				sp, err := bbh.LoadSplit(name)
				if err != nil {
					b.Fatal(err)
				}
				qs = append(qs, sp.Test[0].Question)
			}
			d.Router.LLM = nil
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				if _, err := d.Router.Route(ctx, "bench", fmt.Sprint(i), qs[i%len(qs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
