package dispatch

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// synthTool is a made-up task: a template of random words with two slots
// (a number and a word list), and its five example questions.
func synthTool(rng *rand.Rand, i int) (*tool.Tool, func() string) {
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		n := 3 + rng.IntN(6)
		var b strings.Builder
		for range n {
			b.WriteByte(letters[rng.IntN(len(letters))])
		}
		return b.String()
	}
	head := []string{word(), word(), "the", word(), word()}
	mid := []string{word(), "of", word(), word()}
	tail := []string{word(), word(), "list:"}
	question := func() string {
		var list []string
		for range 3 + rng.IntN(4) {
			list = append(list, word())
		}
		return fmt.Sprintf("%s %d %s %s %s", strings.Join(head, " "), rng.IntN(1000), strings.Join(mid, " "), strings.Join(tail, " "), strings.Join(list, " "))
	}
	t := &tool.Tool{Name: fmt.Sprintf("synthetic_%d", i), Source: "def echo(x):\n    return x\n", Entry: "echo", Description: "synthetic"}
	for range 5 {
		t.Examples = append(t.Examples, tool.UsageExample{Question: question(), Code: "ans = echo(1)", Answer: "1"})
	}
	return t, question
}

// synthStore holds tools in memory: stage 1 reads the store only when it
// rebuilds its index, and saving 10 000 tools in SQLite (each reindexed
// for full-text search) takes longer than the benchmark itself.
type synthStore struct{ tools []*tool.Tool }

func (m *synthStore) Tools(context.Context, bool) ([]*tool.Tool, error) { return m.tools, nil }
func (m *synthStore) Tool(_ context.Context, name string, version int) (*tool.Tool, error) {
	for _, t := range m.tools {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("no tool %s@%d", name, version)
}
func (m *synthStore) SearchTools(context.Context, string, int) ([]tool.SearchHit, error) {
	return nil, fmt.Errorf("synthStore: no full-text search")
}
func (m *synthStore) RecordRoute(context.Context, *tool.Route) error { return nil }
func (m *synthStore) LastRoute(context.Context, string, string) (*tool.Route, error) {
	return nil, fmt.Errorf("no route")
}

// synthLibrary returns a router over n synthetic tools and a generator of
// instances of random ones (with their tool's name).
func synthLibrary(tb testing.TB, n int) (*Router, func() (string, string)) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	st := &synthStore{}
	var gens []func() string
	for i := range n {
		t, gen := synthTool(rng, i)
		t.Version, t.Status = 1, tool.StatusActive
		st.tools = append(st.tools, t)
		gens = append(gens, gen)
	}
	r := &Router{Store: st, Thresholds: DefaultThresholds, IndexTTL: time.Hour}
	return r, func() (string, string) {
		k := rng.IntN(len(gens))
		return st.tools[k].Name, gens[k]()
	}
}

// The index finds the two best tools of the whole library, as scoring
// every tool does, on the bundled tasks' test questions.
func TestIndexTopTwoIsExact(t *testing.T) {
	t.Parallel()
	s, err := library.Open(filepath.Join(t.TempDir(), "latm.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var tools []*tool.Tool
	for _, task := range bbh.Tasks() {
		tools = append(tools, saveEcho(t, s, task))
	}
	ix := buildIndex(tools)
	for _, task := range bbh.Tasks() {
		sp, err := bbh.LoadSplit(task)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range sp.Test[:20] {
			shs := shingles(ex.Question)
			var all []candidate
			for _, e := range ix.entries {
				all = append(all, candidate{tool: e.tool, score: e.profile.score(shs)})
			}
			sortCandidates(all)
			got := ix.search(shs, 10, DefaultThresholds.Margin)
			// The best is exact; the runner-up is exact whenever it could
			// matter (within the margin of the best).
			if len(all) > 0 && all[0].score > 0 && (len(got) == 0 || math.Abs(got[0].score-all[0].score) > 1e-9) {
				t.Fatalf("%s: best: index %v, all tools %s %.3f", task, got, all[0].tool.Name, all[0].score)
			}
			if len(all) > 1 && all[1].score > all[0].score-DefaultThresholds.Margin && (len(got) < 2 || math.Abs(got[1].score-all[1].score) > 1e-9) {
				t.Fatalf("%s: runner-up: index %v, all tools %s %.3f", task, got, all[1].tool.Name, all[1].score)
			}
		}
	}
}

func TestStage1OnSyntheticLibrary(t *testing.T) {
	t.Parallel()
	r, next := synthLibrary(t, 300)
	wrong := 0
	for range 200 {
		want, q := next()
		got, _, err := r.Confident(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil || got.Name != want {
			wrong++
		}
	}
	if wrong > 0 {
		t.Errorf("%d of 200 synthetic instances not routed to their tool at stage 1", wrong)
	}
}

// BenchmarkStage1 is the stage-1 decision for one instance (index lookup,
// exact scoring, the route guard, re-reading the routed tool) against
// synthetic libraries; the index is built before the timer starts.
func BenchmarkStage1(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("tools=%d", n), func(b *testing.B) {
			r, next := synthLibrary(b, n)
			ctx := context.Background()
			start := time.Now()
			if _, err := r.currentIndex(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds()), "index-ms")
			var qs []string
			for range 1000 {
				_, q := next()
				qs = append(qs, q)
			}
			runtime.GC() // the build's garbage is not the instances' cost
			for i := 0; b.Loop(); i++ {
				if _, _, err := r.Confident(ctx, qs[i%len(qs)]); err != nil {
					b.Fatal(err)
				}
			}
			if r.index.built.Before(start) {
				b.Fatal("the index was rebuilt during the benchmark")
			}
		})
	}
}
