package dispatch

import (
	"math/rand/v2"
	"slices"

	"github.com/latm/latm/internal/bbh"
)

// SetupRow is one set-up of BenchSetups: per random set, the accuracy of
// the decisions stage 1 takes alone and the share it takes alone.
type SetupRow struct {
	Name     string
	Accuracy []float64
	NoModel  []float64
}

// BenchSetups measures stage 1 (no model) in the paper's two set-ups, on
// sets random sets of n instances each, from seed:
//
//	identification   tools for the six paper tasks, instances from their tests
//	new task         tools for 4 random paper tasks; instances from 2 of them
//	                 and from the 2 other paper tasks, which must be unknown
//	new task (BBH)   the same, with 2 random other BIG-Bench Hard tasks (not
//	                 of a tool's family) as the unknown ones
func BenchSetups(th Thresholds, all map[string]*BenchTask, sets, n int, seed uint64) []SetupRow {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	paper := bbh.PaperTasks
	var others []string
	for _, t := range bbh.Tasks() {
		if !slices.Contains(paper, t) {
			others = append(others, t)
		}
	}
	rows := []SetupRow{{Name: "identification"}, {Name: "new task"}, {Name: "new task (BBH)"}}
	add := func(i int, r SetResult) {
		rows[i].Accuracy = append(rows[i].Accuracy, r.Accuracy())
		rows[i].NoModel = append(rows[i].NoModel, r.NoModel())
	}
	for range sets {
		add(0, Identification(th, all, paper, n, rng))

		perm := rng.Perm(len(paper))
		known := []string{paper[perm[0]], paper[perm[1]], paper[perm[2]], paper[perm[3]]}
		add(1, NewTask(th, all, known, known[:2], []string{paper[perm[4]], paper[perm[5]]}, n, rng))

		var cand []string
		for _, o := range others {
			if !slices.ContainsFunc(known, func(k string) bool { return Family(k) == Family(o) }) {
				cand = append(cand, o)
			}
		}
		p2 := rng.Perm(len(cand))
		add(2, NewTask(th, all, known, known[:2], []string{cand[p2[0]], cand[p2[1]]}, n, rng))
	}
	return rows
}
