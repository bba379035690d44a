package dispatch

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/latm/latm/tool"
)

// The stage-1 index. Full-text search over the library took 12 ms an
// instance at 5 000 tools; stage 1 must stay under 1 ms at 10 000. So the
// router keeps, in memory, the profiles of the active tools and an
// inverted index from each template shingle to the tools whose template
// holds it. An instance's candidates are found by summing, per tool, the
// template weight its shingles cover (the containment factor of the
// score), and scored exactly in order of containment until no remaining
// tool can beat the runner-up: the score is containment times a factor at
// most 1, so the two best scores are exact, not approximations.
//
// The index is rebuilt when the router is told the library changed
// (Invalidate, called when this process makes a tool) and at most IndexTTL
// after it was built, so that tools saved or retired by another process
// are seen within IndexTTL. Re-reading the routed tool from the store on
// every instance would cost more than all the rest of stage 1 (0.25 ms).

// DefaultIndexTTL is how long the stage-1 index is trusted without a
// rebuild.
const DefaultIndexTTL = 2 * time.Second

type toolIndex struct {
	built    time.Time
	entries  []*profiled
	postings map[string][]posting
	// maxWeight is, per shingle, the largest weight in its postings: the
	// most a shingle can add to any tool's containment.
	maxWeight map[string]float32
	// scratch holds per-search accumulators (one float per tool), reused:
	// allocating them per instance made the collector mark the whole
	// library's profiles again and again (4 ms an instance at 10 000 tools).
	scratch sync.Pool
}

type searchScratch struct {
	acc []float32
	ids []int32
}

type posting struct {
	tool   int32
	weight float32
}

func buildIndex(tools []*tool.Tool) *toolIndex {
	ix := &toolIndex{built: time.Now(), postings: map[string][]posting{}, maxWeight: map[string]float32{}}
	for _, t := range tools {
		qs := make([]string, 0, len(t.Examples))
		for _, e := range t.Examples {
			qs = append(qs, e.Question)
		}
		p := NewProfile(qs)
		if p.Empty() || p.templateWeight == 0 {
			continue
		}
		id := int32(len(ix.entries))
		ix.entries = append(ix.entries, &profiled{tool: t, profile: p})
		for s, w := range p.weight {
			if w >= templateShare {
				pw := float32(w / p.templateWeight)
				ix.postings[s] = append(ix.postings[s], posting{tool: id, weight: pw})
				ix.maxWeight[s] = max(ix.maxWeight[s], pw)
			}
		}
	}
	return ix
}

// Invalidate tells the router that the library changed: the next instance
// rebuilds the stage-1 index.
func (r *Router) Invalidate() {
	r.mu.Lock()
	r.index = nil
	r.mu.Unlock()
}

// currentIndex returns the index, rebuilding it if it is missing or stale.
func (r *Router) currentIndex(ctx context.Context) (*toolIndex, error) {
	ttl := r.IndexTTL
	if ttl <= 0 {
		ttl = DefaultIndexTTL
	}
	r.mu.Lock()
	ix := r.index
	r.mu.Unlock()
	if ix != nil && time.Since(ix.built) < ttl {
		return ix, nil
	}
	tools, err := r.Store.Tools(ctx, false)
	if err != nil {
		return nil, err
	}
	active := tools[:0:0]
	for _, t := range tools {
		if (t.Status == "" || t.Status == tool.StatusActive) && r.Visible(t) {
			active = append(active, t)
		}
	}
	ix = buildIndex(active)
	r.mu.Lock()
	r.index = ix
	r.mu.Unlock()
	return ix, nil
}

// search returns up to limit candidates for the instance's shingles, best
// score first. The best score is exact, and so is every decision taken on
// it: scoring stops only when no remaining tool can score above both the
// runner-up and best−margin (a tool scores at most its containment), so no
// unscored tool could be the best or close the margin.
func (ix *toolIndex) search(shs map[string]bool, limit int, margin float64) []candidate {
	sc, _ := ix.scratch.Get().(*searchScratch)
	if sc == nil || len(sc.acc) != len(ix.entries) {
		sc = &searchScratch{acc: make([]float32, len(ix.entries))}
	}
	acc := sc.acc
	touched := hitHeap{ids: sc.ids[:0]}
	// Shingles most tools share ("the", "options :") are left out of the
	// first pass: a tool none of the others reach gets at most the sum of
	// their largest weights. If that could matter, everything is counted.
	common := len(ix.entries)/20 + 8
	var shared []string
	var sharedMax float32
	for s := range shs {
		ps := ix.postings[s]
		if len(ps) > common {
			shared = append(shared, s)
			sharedMax += ix.maxWeight[s]
			continue
		}
		for _, p := range ps {
			if acc[p.tool] == 0 {
				touched.ids = append(touched.ids, p.tool)
			}
			acc[p.tool] += p.weight
		}
	}
	for _, id := range touched.ids {
		p := ix.entries[id].profile
		for _, s := range shared {
			if w := p.weight[s]; w >= templateShare {
				acc[id] += float32(w / p.templateWeight)
			}
		}
	}
	complete := len(shared) == 0
	touched.acc = acc
	all := touched.ids // popping reorders and shortens it, within this array
	defer func() {
		for _, id := range all {
			acc[id] = 0
		}
		sc.ids = all[:0]
		ix.scratch.Put(sc)
	}()
	heap.Init(&touched)
	var cands []candidate
	bound := func() float64 {
		if len(cands) < limit {
			return -1 // fewer candidates than wanted: keep going
		}
		return max(cands[1].score, cands[0].score-margin)
	}
	for touched.Len() > 0 {
		id := touched.ids[0]
		if float64(acc[id])+1e-6 < bound() {
			break
		}
		heap.Pop(&touched)
		e := ix.entries[id]
		cands = append(cands, candidate{tool: e.tool, score: e.profile.score(shs), prof: e.profile})
		sortCandidates(cands)
		if len(cands) > limit {
			cands = cands[:limit]
		}
	}
	// A tool reached by the shared shingles alone scores at most
	// sharedMax. It matters to the decision only if it could be the best or
	// within the margin of the best (the runner-up); then count every
	// shingle. Otherwise it could only fill the list stage 2 is shown.
	decisive := 0.0
	if len(cands) > 0 {
		decisive = cands[0].score - margin
	}
	if len(cands) > 1 {
		decisive = max(decisive, cands[1].score)
	}
	if !complete && float64(sharedMax)+1e-6 >= decisive {
		return ix.searchAll(shs, limit, margin)
	}
	return cands
}

// searchAll is search with every shingle counted for every tool.
func (ix *toolIndex) searchAll(shs map[string]bool, limit int, margin float64) []candidate {
	acc := make([]float32, len(ix.entries))
	var h hitHeap
	for s := range shs {
		for _, p := range ix.postings[s] {
			if acc[p.tool] == 0 {
				h.ids = append(h.ids, p.tool)
			}
			acc[p.tool] += p.weight
		}
	}
	h.acc = acc
	heap.Init(&h)
	var cands []candidate
	for h.Len() > 0 {
		id := h.ids[0]
		if len(cands) >= limit && float64(acc[id])+1e-6 < max(cands[1].score, cands[0].score-margin) {
			break
		}
		heap.Pop(&h)
		e := ix.entries[id]
		cands = append(cands, candidate{tool: e.tool, score: e.profile.score(shs), prof: e.profile})
		sortCandidates(cands)
		if len(cands) > limit {
			cands = cands[:limit]
		}
	}
	return cands
}

// hitHeap orders tool ids by their accumulated containment, highest first
// (ties: lower id first, the order tools were indexed in).
type hitHeap struct {
	ids []int32
	acc []float32
}

func (h *hitHeap) Len() int { return len(h.ids) }
func (h *hitHeap) Less(i, j int) bool {
	a, b := h.acc[h.ids[i]], h.acc[h.ids[j]]
	return a > b || a == b && h.ids[i] < h.ids[j]
}
func (h *hitHeap) Swap(i, j int) { h.ids[i], h.ids[j] = h.ids[j], h.ids[i] }
func (h *hitHeap) Push(x any)    { h.ids = append(h.ids, x.(int32)) }
func (h *hitHeap) Pop() any {
	x := h.ids[len(h.ids)-1]
	h.ids = h.ids[:len(h.ids)-1]
	return x
}
