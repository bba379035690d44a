package dispatch

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/latm/latm/internal/bbh"
)

// Stage-1 benchmark on the bundled BIG-Bench Hard tasks: tools are
// represented by their usage-example questions (examples 5–9 of a task,
// the paper's validation split), instances come from the test split, and
// every instance is scored against every tool directly (no index).

// SetResult sums the decisions of one random set. Stage 1 decides alone
// (a tool, or unknown); the rest go to stage 2, the dispatcher model, which
// the benchmark does not call: it counts them.
type SetResult struct {
	N, Confident, Correct int
	// Stage-1 decisions by outcome: the right tool, a wrong tool, unknown
	// when the instance's task has no tool (right) or has one (wrong).
	RightTool, WrongTool, UnknownRight, UnknownWrong int
	// Stage2 instances went to the dispatcher model; Guarded of them only
	// because the route guard refused the best score's tool.
	Stage2, Guarded int
}

// Accuracy is the share of confident decisions that were right.
func (s SetResult) Accuracy() float64 { return ratio(s.Correct, s.Confident) }

// NoModel is the share of instances decided without a model.
func (s SetResult) NoModel() float64 { return ratio(s.Confident, s.N) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// BenchTask is a task's profile and its test questions.
type BenchTask struct {
	Name    string
	Profile *Profile
	Test    []string
}

// LoadBenchTasks builds the profile of every bundled task from examples
// 5–9 and keeps its test questions.
func LoadBenchTasks() (map[string]*BenchTask, error) {
	out := map[string]*BenchTask{}
	for _, name := range bbh.Tasks() {
		sp, err := bbh.LoadSplit(name)
		if err != nil {
			return nil, err
		}
		bt := &BenchTask{Name: name}
		var qs []string
		for _, e := range sp.Valid {
			qs = append(qs, e.Question)
		}
		for _, e := range sp.Test {
			bt.Test = append(bt.Test, e.Question)
		}
		bt.Profile = NewProfile(qs)
		out[name] = bt
	}
	return out, nil
}

// Decide is stage 1 over a fixed set of tools: the tool routed to (""
// for unknown) and whether the decision was confident.
func Decide(th Thresholds, tools []*BenchTask, question string) (tool string, confident bool) {
	tool, confident, _ = decideGuarded(th, tools, question)
	return tool, confident
}

// decideGuarded is Decide, also saying whether the route guard sent the
// instance to stage 2.
func decideGuarded(th Thresholds, tools []*BenchTask, question string) (tool string, confident, guarded bool) {
	shs := shingles(question)
	best, second, name := 0.0, 0.0, ""
	var bestTask *BenchTask
	for _, t := range tools {
		s := t.Profile.score(shs)
		switch {
		case s > best:
			best, second, name, bestTask = s, best, t.Name, t
		case s > second:
			second = s
		}
	}
	switch {
	case best >= th.Accept && best-second >= th.Margin:
		if bestTask.Profile.Misfit(question) != "" {
			return "", false, true // the route guard sends it to the model
		}
		return name, true, false
	case best < th.Reject:
		return "", true, false
	}
	return "", false, false
}

// Identification runs the paper's first set-up: tools for the tasks,
// n instances mixed from their test splits, each to be routed to its tool.
func Identification(th Thresholds, all map[string]*BenchTask, tasks []string, n int, rng *rand.Rand) SetResult {
	tools := pick(all, tasks)
	var r SetResult
	for range n {
		t := tools[rng.IntN(len(tools))]
		q := t.Test[rng.IntN(len(t.Test))]
		got, ok, guarded := decideGuarded(th, tools, q)
		r.add(got, ok, guarded, t.Name)
	}
	return r
}

// NewTask runs the paper's second set-up: tools for known, n instances
// mixed from the test splits of the tasks in seen (which have tools) and
// unseen (which do not); right is "existing tool" for the first and
// "unknown" for the second.
func NewTask(th Thresholds, all map[string]*BenchTask, known, seen, unseen []string, n int, rng *rand.Rand) SetResult {
	tools := pick(all, known)
	from := append(append([]string{}, seen...), unseen...)
	var r SetResult
	for range n {
		name := from[rng.IntN(len(from))]
		t := all[name]
		q := t.Test[rng.IntN(len(t.Test))]
		got, ok, guarded := decideGuarded(th, tools, q)
		want := ""
		if slices.Contains(seen, name) {
			want = name
		}
		r.add(got, ok, guarded, want)
	}
	return r
}

// add counts one decision: got is the tool routed to ("" unknown), want
// the right one ("" when the task has no tool).
func (r *SetResult) add(got string, confident, guarded bool, want string) {
	r.N++
	if !confident {
		r.Stage2++
		if guarded {
			r.Guarded++
		}
		return
	}
	r.Confident++
	switch {
	case got == "" && want == "":
		r.UnknownRight++
	case got == "":
		r.UnknownWrong++
	case got == want:
		r.RightTool++
	default:
		r.WrongTool++
	}
	if got == want {
		r.Correct++
	}
}

func pick(all map[string]*BenchTask, names []string) []*BenchTask {
	out := make([]*BenchTask, 0, len(names))
	for _, n := range names {
		out = append(out, all[n])
	}
	return out
}

// Family names a task's family: the three, five and seven objects
// variants of a BIG-Bench Hard task are one family (the same task at
// another size), so the benchmark never counts one as unknown to another.
func Family(task string) string { return family(task) }

// MeanStd returns the mean and the sample standard deviation of xs.
func MeanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}

// FormatPct renders mean ± std of shares as percentages.
func FormatPct(xs []float64) string {
	m, s := MeanStd(xs)
	return fmt.Sprintf("%.1f%% ± %.1f", 100*m, 100*s)
}

// BenchRow is one set-up of the benchmark, summed over its random sets,
// with the per-set shares for mean ± std.
type BenchRow struct {
	Name     string
	Sum      SetResult
	Accuracy []float64 // per set: share of stage-1 decisions that were right
	NoModel  []float64 // per set: share decided at stage 1
}

func (b *BenchRow) add(r SetResult) {
	b.Sum.N += r.N
	b.Sum.Confident += r.Confident
	b.Sum.Correct += r.Correct
	b.Sum.RightTool += r.RightTool
	b.Sum.WrongTool += r.WrongTool
	b.Sum.UnknownRight += r.UnknownRight
	b.Sum.UnknownWrong += r.UnknownWrong
	b.Sum.Stage2 += r.Stage2
	b.Sum.Guarded += r.Guarded
	b.Accuracy = append(b.Accuracy, r.Accuracy())
	b.NoModel = append(b.NoModel, r.NoModel())
}

// RunBench runs the stage-1 benchmark: sets random sets of n instances in
// each set-up — the paper's two (tools for the six paper tasks; four of
// them with two other paper tasks, or two other BBH tasks, unknown) and
// the same two over all bundled tasks (tools for every task; tools for
// about two thirds of the task families, the rest unknown).
func RunBench(th Thresholds, sets, n int, seed uint64) ([]*BenchRow, error) {
	all, err := LoadBenchTasks()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	paper := bbh.PaperTasks
	tasks := bbh.Tasks()
	var others []string
	for _, t := range tasks {
		if !slices.Contains(paper, t) {
			others = append(others, t)
		}
	}
	var families []string
	for _, t := range tasks {
		if f := family(t); !slices.Contains(families, f) {
			families = append(families, f)
		}
	}
	rows := []*BenchRow{
		{Name: "identification (6 paper tasks)"},
		{Name: "new task (4 paper tools, 2 paper unknown)"},
		{Name: "new task (4 paper tools, 2 BBH unknown)"},
		{Name: "identification (all 30 tasks)"},
		{Name: "new task (2/3 of families, rest unknown)"},
	}
	for range sets {
		rows[0].add(Identification(th, all, paper, n, rng))

		perm := rng.Perm(len(paper))
		known := []string{paper[perm[0]], paper[perm[1]], paper[perm[2]], paper[perm[3]]}
		rows[1].add(NewTask(th, all, known, known[:2], []string{paper[perm[4]], paper[perm[5]]}, n, rng))

		var cand []string
		for _, o := range others {
			if !slices.ContainsFunc(known, func(k string) bool { return family(k) == family(o) }) {
				cand = append(cand, o)
			}
		}
		p2 := rng.Perm(len(cand))
		rows[2].add(NewTask(th, all, known, known[:2], []string{cand[p2[0]], cand[p2[1]]}, n, rng))

		rows[3].add(Identification(th, all, tasks, n, rng))

		fp := rng.Perm(len(families))
		withTool := map[string]bool{}
		for _, i := range fp[:len(families)*2/3] {
			withTool[families[i]] = true
		}
		var kn, unk []string
		for _, t := range tasks {
			if withTool[family(t)] {
				kn = append(kn, t)
			} else {
				unk = append(unk, t)
			}
		}
		rows[4].add(NewTask(th, all, kn, kn, unk, n, rng))
	}
	return rows, nil
}

// WriteBench renders the benchmark's rows as a table.
func WriteBench(w io.Writer, th Thresholds, sets, n int, seed uint64, rows []*BenchRow) {
	fmt.Fprintf(w, "stage 1 only (stage 2 would ask the dispatcher model), %d sets of %d instances, seed %d, thresholds accept %.2f margin %.2f reject %.2f\n",
		sets, n, seed, th.Accept, th.Margin, th.Reject)
	fmt.Fprintf(w, "%-44s %6s | %-34s | %-18s | %-16s %s\n", "set-up", "n", "stage 1: right tool / wrong tool", "stage 1: unknown", "stage 2 (guard)", "stage-1 accuracy, share")
	fmt.Fprintf(w, "%-44s %6s | %-34s | %-18s | %-16s %s\n", "", "", "", "right / wrong", "", "")
	for _, r := range rows {
		s := r.Sum
		fmt.Fprintf(w, "%-44s %6d | %-34s | %-18s | %-16s %s, %s\n", r.Name, s.N,
			fmt.Sprintf("%d / %d", s.RightTool, s.WrongTool),
			fmt.Sprintf("%d / %d", s.UnknownRight, s.UnknownWrong),
			fmt.Sprintf("%d (%d)", s.Stage2, s.Guarded),
			FormatPct(r.Accuracy), FormatPct(r.NoModel))
	}
}
