package user

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// The template path answers an instance with no model call when a usage
// example shows that its call code is a template of its question. From
// each usage example it learns a pattern of the question:
//   - slots: the stretches of the question a literal of the code was
//     written from — a string or a number standing on its own in the
//     question, found there once (next to punctuation or inside quotes is
//     fine), or a list literal whose items are written in the question one
//     after another with one separator ("oven costume bread", "A, B, and C",
//     "12:00 - 12:30, 13:00 - 13:30": a list of tuples whose text follows
//     one pattern);
//   - ignored text: stretches where the example's question differs from
//     another example's and no literal comes from, kept only where putting
//     the other question through the pattern gave that example's answer
//     (the fruit in "a basket of durians"), and never text with a digit
//     (a number the code uses in another form, "1-hour" as 60);
//   - constant text: everything else, which a new question must repeat
//     exactly.
//
// A pattern is used only if it was cross-checked: it matched at least one
// other usage example's question and every one it matched gave that
// example's answer; a slot that never varied in that check is constant
// text; and no literal of the code left as it is may also be written in
// text that varies (then the template cannot tell where it came from). A
// new question must match a pattern, every slot's and ignored stretch's
// text (each list item, place by place) must have the shape its
// counterparts had (guard_shape.go), the code made from it must run, and
// its result must pass the result guard; otherwise the model is asked.

// partKind is what a stretch of a pattern is.
type partKind int

const (
	constText  partKind = iota // must be repeated exactly
	scalarSlot                 // the text of one or more scalar literals
	listSlot                   // the text of a list literal's items
	ignored                    // varies, and the tool was seen to ignore it
)

// part is one stretch of an example's question in its pattern.
type part struct {
	kind       partKind
	start, end int    // in the example's question
	atoms      []atom // scalarSlot: the literals written from it
	list       listLit
	sep, last  string   // listSlot: between items, and before the last
	inner      []string // listSlot of tuples: between an item's values
	shapes     []*shapeSet
}

// pattern is one usage example's question as a template.
type pattern struct {
	example int
	parts   []part
	re      *regexp.Regexp
}

// templateModel is what a tool that earned the template path was seen to
// handle right: its cross-checked patterns and the shapes of its results.
type templateModel struct {
	patterns []*pattern
	result   resultGuard
}

// maxGap bounds, in bytes, the text between the items of a list (and the
// values of a tuple) found in a question.
const maxGap = 40

var listWordsRe = regexp.MustCompile(`^[^\pL\pN]*((and|or)[^\pL\pN]+)?$`)

// locateList finds the one place in q where l's items are written one after
// another: every item's values in order, the same text between the values of
// each item, the same separator between items except perhaps before the
// last (", and "). A separator with words in it ("trade positions. Then, ")
// must repeat at least twice, and so must the one between the other items
// if the last has words in it (" swap. Finally, "). The list must not go on past either end.
func locateList(q string, l listLit) (part, bool) {
	var found []part
	first := l.items[0][0]
	for _, occ := range occurrences(q, first.value, first.num) {
		p, ok := renderingAt(q, l, occ)
		if ok {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		return part{}, false
	}
	return found[0], true
}

func renderingAt(q string, l listLit, occ int) (part, bool) {
	arity := len(l.items[0])
	inner := make([]string, arity-1)
	var seps []string
	pos := occ + len(l.items[0][0].value)
	for i, item := range l.items {
		for k, a := range item {
			if i == 0 && k == 0 {
				continue
			}
			next := -1
			for _, at := range occurrences(q[pos:], a.value, a.num) {
				next = pos + at
				break
			}
			if next < 0 || next-pos > maxGap || next == pos || strings.ContainsAny(q[pos:next], "\n\r") {
				return part{}, false
			}
			gap := q[pos:next]
			switch {
			case k == 0:
				seps = append(seps, gap)
			case i == 0:
				inner[k-1] = gap
			case inner[k-1] != gap:
				return part{}, false
			}
			pos = next + len(a.value)
		}
	}
	sep, last := seps[0], seps[len(seps)-1]
	same := 0
	for i, s := range seps {
		if i < len(seps)-1 && s != sep {
			return part{}, false
		}
		if s == sep {
			same++
		}
	}
	if !listWordsRe.MatchString(sep) && same < 2 || !listWordsRe.MatchString(last) && last != sep && same < 2 {
		return part{}, false
	}
	// The list does not go on: no separator and item on either side.
	for _, s := range []string{sep, last} {
		if strings.HasPrefix(q[pos:], s) && bounded(q, pos+len(s), min(pos+len(s)+1, len(q)), false) && hasAlnum(q[pos+len(s):min(pos+len(s)+1, len(q))]) {
			return part{}, false
		}
	}
	if strings.HasSuffix(q[:occ], sep) && occ-len(sep) > 0 && hasAlnum(q[occ-len(sep)-1:occ-len(sep)]) {
		return part{}, false
	}
	return part{kind: listSlot, start: occ, end: pos, list: l, sep: sep, last: last, inner: inner}, true
}

// textLike reports whether a literal may have been written from question
// text: a letter or a digit in it, or at least two characters other than
// spaces ("([{}]"); a lone separator such as " " or "-" is the code's own.
func textLike(v string) bool {
	return hasAlnum(v) || len(strings.TrimSpace(v)) >= 2
}

// slotsOf returns the slots of ex's question and the literals of its code
// written from nowhere in particular (left as they are).
func slotsOf(ex tool.UsageExample) (slots []part, fixed []atom) {
	atoms, lists := codeLiterals(ex.Code)
	q := ex.Question
	inList := map[int]bool{} // atoms (by code offset) of a located list
	overlaps := func(start, end int) bool {
		for _, s := range slots {
			if start < s.end && s.start < end {
				return true
			}
		}
		return false
	}
	for _, l := range lists {
		p, ok := locateList(q, l)
		if !ok || overlaps(p.start, p.end) {
			continue
		}
		slots = append(slots, p)
		for _, it := range l.items {
			for _, a := range it {
				inList[a.start] = true
			}
		}
	}
	for _, a := range atoms {
		if inList[a.start] || !textLike(a.value) {
			continue
		}
		occ := occurrences(q, a.value, a.num)
		if len(occ) != 1 {
			fixed = append(fixed, a)
			continue
		}
		start, end := occ[0], occ[0]+len(a.value)
		merged := false
		for i := range slots {
			if slots[i].kind == scalarSlot && slots[i].start == start && slots[i].end == end {
				slots[i].atoms = append(slots[i].atoms, a)
				merged = true
			}
		}
		if merged {
			continue
		}
		if overlaps(start, end) {
			fixed = append(fixed, a)
			continue
		}
		slots = append(slots, part{kind: scalarSlot, start: start, end: end, atoms: []atom{a}})
	}
	return slots, fixed
}

// ignoredAgainst returns the stretches of a where it differs from b that
// no slot covers.
func ignoredAgainst(a, b string, slots []part) ([]part, bool) {
	subs, ok := diffQuestions(a, b, true)
	if !ok {
		return nil, false
	}
	var out []part
	for _, sub := range subs {
		start, end := sub.at, sub.at+len(sub.from)
		// Text both share at the edges ("durians." / "apricots.") is not
		// part of the difference.
		from, to := sub.from, sub.to
		for len(from) > 0 && len(to) > 0 && from[len(from)-1] == to[len(to)-1] && !hasAlnum(from[len(from)-1:]) {
			from, to, end = from[:len(from)-1], to[:len(to)-1], end-1
		}
		for len(from) > 0 && len(to) > 0 && from[0] == to[0] && !hasAlnum(from[:1]) {
			from, to, start = from[1:], to[1:], start+1
		}
		// What the slots do not cover of it.
		pieces := [][2]int{{start, end}}
		for _, s := range slots {
			var next [][2]int
			for _, pc := range pieces {
				if s.end <= pc[0] || pc[1] <= s.start {
					next = append(next, pc)
					continue
				}
				if pc[0] < s.start {
					next = append(next, [2]int{pc[0], s.start})
				}
				if s.end < pc[1] {
					next = append(next, [2]int{s.end, pc[1]})
				}
			}
			pieces = next
		}
		for _, pc := range pieces {
			for pc[0] < pc[1] && strings.ContainsRune(" \t", rune(a[pc[0]])) {
				pc[0]++
			}
			for pc[0] < pc[1] && strings.ContainsRune(" \t", rune(a[pc[1]-1])) {
				pc[1]--
			}
			if pc[0] < pc[1] && strings.ContainsAny(a[pc[0]:pc[1]], "0123456789") {
				// A number no literal comes from is most likely used in
				// another form ("1-hour" as 60 minutes): never ignored.
				return nil, false
			}
			if pc[0] < pc[1] {
				out = append(out, part{kind: ignored, start: pc[0], end: pc[1]})
			}
		}
	}
	return out, true
}

// newPattern lays out q with its variable parts (sorted, not overlapping:
// overlapping ignored stretches are merged) and the constant text between.
// Two variable parts with no constant text between them cannot be told
// apart, so such a layout is no pattern.
func newPattern(example int, q string, vars []part) (*pattern, bool) {
	sort.SliceStable(vars, func(i, j int) bool { return vars[i].start < vars[j].start })
	var merged []part
	for _, v := range vars {
		if n := len(merged); n > 0 && v.start < merged[n-1].end {
			if v.kind != ignored || merged[n-1].kind != ignored {
				return nil, false
			}
			merged[n-1].end = max(merged[n-1].end, v.end)
			continue
		}
		merged = append(merged, v)
	}
	p := &pattern{example: example}
	var re strings.Builder
	re.WriteString(`(?s)^`)
	pos := 0
	for i, v := range merged {
		if v.start == pos && i > 0 {
			return nil, false
		}
		if v.start > pos {
			p.parts = append(p.parts, part{kind: constText, start: pos, end: v.start})
			re.WriteString(regexp.QuoteMeta(q[pos:v.start]))
		}
		p.parts = append(p.parts, v)
		re.WriteString(`(.+?)`)
		pos = v.end
	}
	if pos < len(q) {
		p.parts = append(p.parts, part{kind: constText, start: pos, end: len(q)})
		re.WriteString(regexp.QuoteMeta(q[pos:]))
	}
	re.WriteString(`$`)
	var err error
	if p.re, err = regexp.Compile(re.String()); err != nil {
		return nil, false
	}
	return p, true
}

// match returns the text of each variable part of p in question (by part
// index), or nil if question does not fit p.
func (p *pattern) match(question string) map[int]string {
	m := p.re.FindStringSubmatch(question)
	if m == nil {
		return nil
	}
	out := map[int]string{}
	g := 1
	for i, pt := range p.parts {
		if pt.kind != constText {
			out[i] = m[g]
			g++
		}
	}
	return out
}

// listItems splits a list slot's text into its items' values, as its
// example wrote them; false if the text is not such a list.
func (pt *part) listItems(text string) ([][]string, bool) {
	var raw []string
	if k := strings.LastIndex(text, pt.last); pt.last != pt.sep && k >= 0 {
		raw = append(strings.Split(text[:k], pt.sep), text[k+len(pt.last):])
	} else {
		raw = strings.Split(text, pt.sep)
	}
	var items [][]string
	for _, r := range raw {
		vals := []string{r}
		for _, in := range pt.inner {
			last := vals[len(vals)-1]
			k := strings.Index(last, in)
			if k < 0 {
				return nil, false
			}
			vals = append(vals[:len(vals)-1], last[:k], last[k+len(in):])
		}
		for _, v := range vals {
			if v == "" || strings.TrimSpace(v) != v {
				return nil, false
			}
		}
		items = append(items, vals)
	}
	return items, true
}

// texts returns what a part's shapes are learned from and checked on: the
// slot's text, or per place of a list's items the items' values (place 0
// also carries the number of items as its token count).
func (pt *part) texts(text string) ([][]string, bool) {
	if pt.kind != listSlot {
		return [][]string{{text}}, true
	}
	items, ok := pt.listItems(text)
	if !ok {
		return nil, false
	}
	out := make([][]string, len(pt.inner)+2)
	for _, it := range items {
		for k, v := range it {
			out[k] = append(out[k], v)
		}
	}
	out[len(out)-1] = []string{strings.Repeat("x ", min(len(items), 2))}
	return out, true
}

// code writes ex's code for the captured texts; false where a text cannot
// be written as its literal.
func (p *pattern) code(exCode string, caps map[int]string) (string, bool) {
	type edit struct {
		start, end int
		to         string
	}
	var edits []edit
	for i, pt := range p.parts {
		text, ok := caps[i]
		if !ok {
			continue
		}
		switch pt.kind {
		case scalarSlot:
			for _, a := range pt.atoms {
				s, ok := a.render(text)
				if !ok {
					return "", false
				}
				edits = append(edits, edit{a.start, a.end, s})
			}
		case listSlot:
			items, ok := pt.listItems(text)
			if !ok {
				return "", false
			}
			s, ok := pt.list.render(items)
			if !ok {
				return "", false
			}
			edits = append(edits, edit{pt.list.start, pt.list.end, s})
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	out := exCode
	for _, e := range edits {
		out = out[:e.start] + e.to + out[e.end:]
	}
	return out, true
}

// errNoFit says a question does not fit a pattern's template.
var errNoFit = errors.New("the question does not fit")

// attempt runs p's code for question: the code, the run's answer and raw
// result, or errNoFit, or the run's error.
func (s *Solver) attemptPattern(ctx context.Context, p *pattern, ex tool.UsageExample, src starlarkrt.Source, question string) (caps map[int]string, code, got, raw string, steps uint64, err error) {
	caps = p.match(question)
	if caps == nil {
		return nil, "", "", "", 0, errNoFit
	}
	code, ok := p.code(ex.Code, caps)
	if !ok {
		return nil, "", "", "", 0, errNoFit
	}
	res, err := s.Runtime.Exec(ctx, src, starlarkrt.Source{Name: "template.star", Code: code})
	if err != nil {
		return caps, code, "", "", 0, err
	}
	got, err = FinalAnswer(question, res)
	return caps, code, got, RawResult(res), res.Stats.Steps, err
}
