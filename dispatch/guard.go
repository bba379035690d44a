package dispatch

import (
	"fmt"
	"strings"
	"unicode"
)

// Route guard. A stage-1 route skips the dispatcher model, so a high score
// is not enough: the instance must fit the tool's template. The template is
// what the tool's example questions hold constant — the longest sequence of
// tokens they all contain in the same order — and the slots between those
// tokens, each with the shapes it had across the examples (how many tokens,
// of which classes: words, numbers, brackets, other punctuation, line
// breaks). An instance fits if it contains the constant tokens in their
// order and each slot between them has a shape the examples had. "Convert
// the number 12 to binary." shares words with a Roman-numeral tool's
// questions but lacks its constant "roman numerals", so it does not fit
// and stage 1 does not route it.

// maxTemplateTokens bounds the alignment's work (it is quadratic).
const maxTemplateTokens = 3000

// token classes, as bits of a slot's shape.
const (
	clsWord = 1 << iota
	clsNumber
	clsBracket
	clsPunct
	clsNewline
)

// rtoken is a token of a question: lower-cased text and its class.
type rtoken struct {
	text string
	cls  uint8
}

// routeTokens splits text into words (letters and apostrophes), digit runs
// and single punctuation characters, lower-cased; a line break is a token
// of its own so that slots can tell one line from several.
func routeTokens(text string) []rtoken {
	var out []rtoken
	rs := []rune(strings.ToLower(text))
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '\n':
			out = append(out, rtoken{"\n", clsNewline})
			i++
		case unicode.IsSpace(r):
			i++
		case unicode.IsLetter(r):
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || rs[j] == '\'' && j+1 < len(rs) && unicode.IsLetter(rs[j+1])) {
				j++
			}
			out = append(out, rtoken{string(rs[i:j]), clsWord})
			i = j
		case unicode.IsDigit(r):
			j := i
			for j < len(rs) && unicode.IsDigit(rs[j]) {
				j++
			}
			out = append(out, rtoken{string(rs[i:j]), clsNumber})
			i = j
		default:
			cls := uint8(clsPunct)
			if strings.ContainsRune("()[]{}<>", r) {
				cls = clsBracket
			}
			out = append(out, rtoken{string(r), cls})
			i++
		}
	}
	return out
}

// slotShape is every shape one slot of a template was seen with.
type slotShape struct {
	counts  [3]bool // no token, one token, several
	classes uint8
}

// gapOf is the shape of a slot's tokens. Punctuation and line breaks
// inside a slot are its own business (a list may end with a period); what
// must match is whether it is empty, a single token or several, and
// whether it holds words, numbers or brackets.
func gapOf(toks []rtoken) (count int, classes uint8) {
	for _, t := range toks {
		classes |= t.cls
	}
	return min(len(toks), 2), classes &^ (clsPunct | clsNewline)
}

// routeTemplate is the constant skeleton of a tool's example questions.
type routeTemplate struct {
	words []string    // constant tokens, in order
	slots []slotShape // len(words)+1: before the first, between, after the last
	ok    bool        // false: no template could be learned (too few or too long questions)
}

// newRouteTemplate learns the template of questions. With fewer than two
// questions nothing is constant by evidence, and the template is not ok.
func newRouteTemplate(questions []string) *routeTemplate {
	var seqs [][]rtoken
	for _, q := range questions {
		if strings.TrimSpace(q) == "" {
			continue
		}
		toks := routeTokens(q)
		if len(toks) > maxTemplateTokens {
			return &routeTemplate{}
		}
		seqs = append(seqs, toks)
	}
	if len(seqs) < 2 {
		return &routeTemplate{}
	}
	words := texts(seqs[0])
	for _, s := range seqs[1:] {
		words = lcsWords(words, texts(s))
	}
	words = phrases(words, seqs)
	tpl := &routeTemplate{words: words, slots: make([]slotShape, len(words)+1), ok: len(words) > 0}
	for _, s := range seqs {
		gaps, ok := tpl.align(s)
		if !ok {
			return &routeTemplate{} // cannot happen: words is a subsequence of every question
		}
		for i, g := range gaps {
			n, cls := gapOf(g)
			tpl.slots[i].counts[n] = true
			tpl.slots[i].classes |= cls
		}
	}
	return tpl
}

// minPhrase is the fewest tokens a run of constant tokens must have,
// adjacent in every question, to count as template: a lone "the" or "in"
// that all questions happen to share, in order, is text of the slots.
const minPhrase = 3

// phrases keeps the tokens of words that belong to a run of at least
// minPhrase consecutive tokens of words found adjacent in every question
// (aligned leftmost first, as instances are).
func phrases(words []string, seqs [][]rtoken) []string {
	if len(words) == 0 {
		return words
	}
	// adjacent[i]: words[i] and words[i+1] are next to each other in every
	// question.
	adjacent := make([]bool, len(words))
	for i := range adjacent {
		adjacent[i] = i+1 < len(words)
	}
	for _, s := range seqs {
		pos := make([]int, len(words))
		at := 0
		for i, w := range words {
			for at < len(s) && s[at].text != w {
				at++
			}
			pos[i] = at
			at++
		}
		for i := 0; i+1 < len(words); i++ {
			adjacent[i] = adjacent[i] && pos[i+1] == pos[i]+1
		}
	}
	var out []string
	for i := 0; i < len(words); {
		j := i
		for j+1 < len(words) && adjacent[j] {
			j++
		}
		if j-i+1 >= minPhrase {
			out = append(out, words[i:j+1]...)
		}
		i = j + 1
	}
	return out
}

func texts(toks []rtoken) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.text
	}
	return out
}

// lcsWords returns a longest common subsequence of a and b.
func lcsWords(a, b []string) []string {
	n, m := len(a), len(b)
	dp := make([][]int32, n+1)
	for i := range dp {
		dp[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	var out []string
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i, j = i+1, j+1
		case dp[i+1][j] >= dp[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}

// align matches the template's constant tokens in toks, leftmost first,
// and returns the slots between them, or false if toks lacks one of them
// in order.
func (tpl *routeTemplate) align(toks []rtoken) ([][]rtoken, bool) {
	gaps := make([][]rtoken, 0, len(tpl.words)+1)
	at := 0
	for _, w := range tpl.words {
		j := at
		for j < len(toks) && toks[j].text != w {
			j++
		}
		if j == len(toks) {
			return nil, false
		}
		gaps = append(gaps, toks[at:j])
		at = j + 1
	}
	return append(gaps, toks[at:]), true
}

// misfit returns why question does not fit the template, or "" if it
// does.
func (tpl *routeTemplate) misfit(question string) string {
	if tpl == nil || !tpl.ok {
		return "the tool's examples hold no template to check the instance against"
	}
	toks := routeTokens(question)
	gaps, ok := tpl.align(toks)
	if !ok {
		missing := tpl.firstMissing(toks)
		return fmt.Sprintf("the instance lacks %q, which every example question of the tool has there", missing)
	}
	for i, g := range gaps {
		n, cls := gapOf(g)
		if s := tpl.slots[i]; !s.admits(n, cls) {
			return fmt.Sprintf("slot %d of the template holds %s where the examples had %s", i+1, describeGap(n, cls), describeSlot(s))
		}
	}
	return ""
}

// admits reports whether a slot of n tokens (0, 1, 2 for several) of
// classes cls has a shape the examples had there. A slot the examples left
// empty must be empty; a slot that was always one token must be one token
// of the classes seen (a number stays a number); a slot of several tokens
// (a list, a story) takes one or more tokens sharing a class with the
// examples' (a word list does not become a list of numbers), and words only
// if the examples had words there (numbers in a story are a story; words in
// a list of numbers are another question).
func (s slotShape) admits(n int, cls uint8) bool {
	switch {
	case n == 0:
		return s.counts[0]
	case s.counts[2]:
		if cls&clsWord != 0 && s.classes&clsWord == 0 {
			return false
		}
		return cls == 0 && s.classes == 0 || cls&s.classes != 0
	case s.counts[1]:
		return n == 1 && cls&^s.classes == 0
	}
	return false
}

func (tpl *routeTemplate) firstMissing(toks []rtoken) string {
	at := 0
	for _, w := range tpl.words {
		j := at
		for j < len(toks) && toks[j].text != w {
			j++
		}
		if j == len(toks) {
			return w
		}
		at = j + 1
	}
	return ""
}

var countNames = [3]string{"nothing", "one token", "several tokens"}

func className(cls uint8) string {
	var parts []string
	for _, c := range []struct {
		bit  uint8
		name string
	}{{clsWord, "words"}, {clsNumber, "numbers"}, {clsBracket, "brackets"}, {clsPunct, "punctuation"}, {clsNewline, "line breaks"}} {
		if cls&c.bit != 0 {
			parts = append(parts, c.name)
		}
	}
	return strings.Join(parts, ", ")
}

func describeGap(n int, cls uint8) string {
	if n == 0 {
		return "nothing"
	}
	return countNames[n] + " (" + className(cls) + ")"
}

func describeSlot(s slotShape) string {
	var counts []string
	for i, ok := range s.counts {
		if ok {
			counts = append(counts, countNames[i])
		}
	}
	out := strings.Join(counts, " or ")
	if s.classes != 0 {
		out += " (" + className(s.classes) + ")"
	}
	return out
}
