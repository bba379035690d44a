package starlarkrt_test

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Native Go versions of the fixture tools' algorithms: the floor the
// interpreter is compared against. They take the same arguments.
var native = map[string]func(args []any) any{
	"logical_deduction_five_objects":         func(a []any) any { return nativeDeduction(a[0].(string)) },
	"tracking_shuffled_objects_five_objects": nativeTrack,
	"dyck_languages":                         func(a []any) any { return nativeDyck(a[0].(string)) },
	"word_sorting":                           nativeSort,
	"chinese_remainder_theorem":              nativeCRT,
	"schedule_meeting":                       nativeMeeting,
}

func nativeTrack(a []any) any {
	state := map[string]any{}
	for k, v := range a[0].(map[string]any) {
		state[k] = v
	}
	for _, p := range a[1].([]any) {
		pair := p.([]any)
		x, y := pair[0].(string), pair[1].(string)
		state[x], state[y] = state[y], state[x]
	}
	return state[a[2].(string)]
}

var closer = map[rune]rune{'(': ')', '[': ']', '{': '}', '<': '>'}

func nativeDyck(seq string) any {
	var stack []rune
	for _, tok := range strings.Fields(seq) {
		for _, c := range tok {
			if _, open := closer[c]; open {
				stack = append(stack, c)
			} else if len(stack) > 0 && closer[stack[len(stack)-1]] == c {
				stack = stack[:len(stack)-1]
			} else {
				return nil
			}
		}
	}
	out := make([]string, 0, len(stack))
	for i := len(stack) - 1; i >= 0; i-- {
		out = append(out, string(closer[stack[i]]))
	}
	return strings.Join(out, " ")
}

func nativeSort(a []any) any {
	words := make([]string, 0, len(a[0].([]any)))
	for _, w := range a[0].([]any) {
		words = append(words, w.(string))
	}
	sort.Strings(words)
	return strings.Join(words, " ")
}

func nativeCRT(a []any) any {
	limit := a[0].(int64)
	ds, rs := a[1].([]any), a[2].([]any)
	step, n := int64(1), int64(0)
	for i := range ds {
		d, r := ds[i].(int64), rs[i].(int64)
		for n%d != r {
			n += step
			if n > limit {
				return nil
			}
		}
		g, b := step, d
		for b != 0 {
			g, b = b, g%b
		}
		step = step * d / g
	}
	return n
}

func minutes(s string) int {
	h, m, _ := strings.Cut(strings.TrimSpace(s), ":")
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	return hh*60 + mm
}

func nativeMeeting(a []any) any {
	need := int(a[0].(float64)*60 + 0.5)
	var spans [][][2]int
	for _, cal := range a[1:] {
		var s [][2]int
		for _, x := range cal.([]any) {
			from, to, _ := strings.Cut(x.(string), "-")
			s = append(s, [2]int{minutes(from), minutes(to)})
		}
		spans = append(spans, s)
	}
	best := -1
	for _, x := range spans[0] {
		for _, y := range spans[1] {
			lo, hi := max(x[0], y[0]), min(x[1], y[1])
			if hi-lo >= need && (best < 0 || lo < best) {
				best = lo
			}
		}
	}
	if best < 0 {
		return nil
	}
	return fmt.Sprintf("%02d:%02d - %02d:%02d", best/60, best%60, (best+need)/60, (best+need)%60)
}

var ordinals = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}

func nativeRank(p string, n int) int {
	p = strings.ReplaceAll(p, "-", " ")
	switch p {
	case "leftmost", "oldest", "cheapest", "first":
		return 0
	case "rightmost", "newest", "most expensive", "last":
		return n - 1
	}
	for w, k := range ordinals {
		switch p {
		case w, w + " from the left", w + " oldest", w + " cheapest":
			return k - 1
		case w + " from the right", w + " newest", w + " most expensive", w + " to last":
			return n - k
		}
	}
	return -1
}

func nativeStatement(sentence string, objects []string) func([]int) bool {
	padded := " " + strings.NewReplacer(".", " ", ",", " ").Replace(strings.ToLower(sentence)) + " "
	type hit struct {
		at, idx int
	}
	var hits []hit
	for i, o := range objects {
		if at := strings.Index(padded, " "+o+" "); at >= 0 {
			hits = append(hits, hit{at, i})
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].at < hits[j].at })
	s := " " + strings.TrimRight(strings.TrimSpace(strings.ToLower(sentence)), ".") + " "
	switch len(hits) {
	case 2:
		a, b := hits[0].idx, hits[1].idx
		for _, w := range []string{" left of ", " older than ", " cheaper than ", " less expensive than ", " above "} {
			if strings.Contains(s, w) {
				return func(pos []int) bool { return pos[a] < pos[b] }
			}
		}
		for _, w := range []string{" right of ", " newer than ", " more expensive than ", " below "} {
			if strings.Contains(s, w) {
				return func(pos []int) bool { return pos[a] > pos[b] }
			}
		}
	case 1:
		a := hits[0].idx
		for _, sep := range []string{" is the ", " are the ", " finished "} {
			parts := strings.Split(s, sep)
			if len(parts) < 2 {
				continue
			}
			k := nativeRank(strings.TrimSpace(parts[len(parts)-1]), len(objects))
			if k < 0 {
				return nil
			}
			return func(pos []int) bool { return pos[a] == k }
		}
	}
	return nil
}

func nativeDeduction(q string) any {
	_, rest, _ := strings.Cut(q, ":")
	rest, _, _ = strings.Cut(rest, ":")
	names, _, _ := strings.Cut(rest, ".")
	var objects []string
	for _, part := range strings.Split(strings.NewReplacer(", and ", ", ", " and ", ", ").Replace(names), ",") {
		w := strings.ToLower(strings.TrimSpace(part))
		for _, art := range []string{"a ", "an ", "the "} {
			w = strings.TrimPrefix(w, art)
		}
		if w != "" {
			objects = append(objects, w)
		}
	}
	text, options, _ := strings.Cut(q, "\nOptions:\n")
	sentences := strings.Split(text, ". ")
	var tests []func([]int) bool
	for _, s := range sentences[3:] {
		if t := nativeStatement(s, objects); t != nil {
			tests = append(tests, t)
		}
	}
	n := len(objects)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	var found []int
	var permute func(k int) bool
	permute = func(k int) bool {
		if k == n {
			for _, t := range tests {
				if !t(perm) {
					return false
				}
			}
			found = append([]int(nil), perm...)
			return true
		}
		for i := k; i < n; i++ {
			perm[k], perm[i] = perm[i], perm[k]
			if permute(k + 1) {
				return true
			}
			perm[k], perm[i] = perm[i], perm[k]
		}
		return false
	}
	if !permute(0) {
		return nil
	}
	for _, line := range strings.Split(options, "\n") {
		if t := nativeStatement(line[4:], objects); t != nil && t(found) {
			return line[:3]
		}
	}
	return nil
}
