package dispatch

import (
	"math"
	"strings"
	"unicode"
)

// Text measure for stage 1.
//
// Instances of one task share a template ("Sort the following words
// alphabetically: List: …") and differ in the slots (the words, names,
// numbers). A tool's usage-example questions therefore agree on the
// template and disagree on the slots. The measure keeps, per tool, the
// shingles (word unigrams and bigrams after masking digits and quoted
// spans) that recur across its example questions — the template — each
// weighted by the share of examples it occurs in, and scores an instance by
// the weighted share of that template it contains (containment), times the
// weighted share of the instance's own recurring-looking shingles that the
// template explains (precision against the tool's whole vocabulary). The
// product is high only when the instance carries the tool's template and
// little template text the tool has never seen.

// shingles returns the set of word unigrams and bigrams of text after
// normalization: lower case, digit runs → "#", quoted spans → "q".
func shingles(text string) map[string]bool {
	words := normWords(text)
	set := make(map[string]bool, 2*len(words))
	for i, w := range words {
		set[w] = true
		if i > 0 {
			set[words[i-1]+" "+w] = true
		}
	}
	return set
}

// normWords splits text into normalized tokens: words, "#" for a digit
// run, "q" for a quoted span, and punctuation characters that shape a
// template (":", "?", "(", ")", …) as their own tokens.
func normWords(text string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	rs := []rune(strings.ToLower(text))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '"' || r == '“' || r == '”':
			// A quoted span is a slot: mask it whole when it closes on the
			// same line within a sentence's length.
			end := -1
			for j := i + 1; j < len(rs) && j < i+200; j++ {
				if rs[j] == '\n' {
					break
				}
				if rs[j] == '"' || rs[j] == '”' {
					end = j
					break
				}
			}
			flush()
			if end < 0 {
				continue
			}
			out = append(out, "q")
			i = end
		case unicode.IsDigit(r):
			flush()
			for i+1 < len(rs) && (unicode.IsDigit(rs[i+1]) || rs[i+1] == '.' && i+2 < len(rs) && unicode.IsDigit(rs[i+2])) {
				i++
			}
			out = append(out, "#")
		case unicode.IsLetter(r) || r == '\'':
			cur.WriteRune(r)
		case unicode.IsSpace(r):
			flush()
		default:
			flush()
			if strings.ContainsRune(":?()[]{}<>=+-*/", r) {
				out = append(out, string(r))
			}
		}
	}
	flush()
	return out
}

// Profile is a tool's template as seen through its example questions.
type Profile struct {
	// weight of each shingle: the share of example questions it occurs in.
	weight map[string]float64
	// total weight of the template: shingles in at least templateShare of
	// the examples.
	templateWeight float64
	n              int
	// tpl is the constant skeleton of the questions, for the route guard
	// (guard.go).
	tpl *routeTemplate
}

// templateShare is the share of a tool's example questions a shingle must
// occur in to count as template.
const templateShare = 0.5

// NewProfile builds the profile of a tool from its example questions.
func NewProfile(questions []string) *Profile {
	p := &Profile{weight: map[string]float64{}, tpl: newRouteTemplate(questions)}
	for _, q := range questions {
		if strings.TrimSpace(q) == "" {
			continue
		}
		p.n++
		for s := range shingles(q) {
			p.weight[s]++
		}
	}
	for s, c := range p.weight {
		w := c / float64(p.n)
		p.weight[s] = w
		if w >= templateShare {
			p.templateWeight += w
		}
	}
	return p
}

// Empty reports whether the profile was built from no questions.
func (p *Profile) Empty() bool { return p == nil || p.n == 0 }

// Misfit returns why question does not fit the template of the profile's
// questions (guard.go), or "" if it fits.
func (p *Profile) Misfit(question string) string {
	if p.Empty() {
		return "the tool has no example questions"
	}
	return p.tpl.misfit(question)
}

// Score rates how well question fits the profile's template, in [0, 1].
func (p *Profile) Score(question string) float64 {
	return p.score(shingles(question))
}

func (p *Profile) score(inst map[string]bool) float64 {
	if p.Empty() || p.templateWeight == 0 || len(inst) == 0 {
		return 0
	}
	var covered float64
	var known int
	for s := range inst {
		w, ok := p.weight[s]
		if !ok {
			continue
		}
		known++
		if w >= templateShare {
			covered += w
		}
	}
	containment := covered / p.templateWeight
	// precision: the share of the instance's shingles the tool has seen,
	// lifted by a square root so that the slots of open-vocabulary tasks
	// (word lists, names) do not sink a good template match.
	precision := math.Sqrt(float64(known) / float64(len(inst)))
	return containment * precision
}
