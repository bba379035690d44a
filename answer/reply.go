package answer

import (
	"regexp"
	"strings"
)

var (
	// "So the answer is (B)." ends every BIG-Bench Hard solution; models
	// also write "the final answer is", "the correct answer is".
	answerIsRE = regexp.MustCompile(`(?i)\b(?:the\s+)?(?:final\s+)?answer\s+is\b[:\s]*`)
	// The "Answer: X" line the direct prompt asks for, also in Markdown
	// ("**Answer:** X", "### Answer: X", "Final Answer: X"); the answer may
	// be on the next line.
	answerLineRE = regexp.MustCompile(`(?im)^[ \t>#*_]*(?:final\s+)?answer[*_]*[ \t]*:[*_]*`)
	// A completion that runs on past its answer into a question of its
	// own, as the few-shot "Q: … A: …" shape invites.
	continuationRE = regexp.MustCompile(`\n\s*(?:Q|Question):\s`)
	// "(B) the blue jay": the option letter is the answer.
	optionRE = regexp.MustCompile(`^\([A-R]\)(?:\s|$)`)
	boxedRE  = regexp.MustCompile(`\\boxed\{`)
)

// FromReply reads the final answer out of a model's reply. The answer is
// what follows the last answer marker — a "the answer is" anywhere, or an
// "Answer:" line — up to the end of its line; a reply with no marker
// answers with its last line. A LaTeX \boxed{X} after the last marker (or
// anywhere, without one) gives X. Text from a made-up next question
// ("\nQ: …") on is ignored. The answer is then stripped of what wraps it in
// prose and Markdown: the sentence's full stop, bold and code marks,
// quotes; an option letter followed by its text ("(B) the blue jay") is
// the letter.
//
// The result is always a substring of reply, with no surrounding space and
// no line break; "" when the reply holds nothing.
func FromReply(reply string) string {
	reply = cutContinuation(reply)
	at, ans := -1, ""
	if locs := answerIsRE.FindAllStringIndex(reply, -1); len(locs) > 0 {
		l := locs[len(locs)-1]
		at, ans = l[0], restOfLine(reply[l[1]:])
	}
	if locs := answerLineRE.FindAllStringIndex(reply, -1); len(locs) > 0 {
		l := locs[len(locs)-1]
		if l[0] > at {
			at, ans = l[0], restOfLine(reply[l[1]:])
		}
	}
	if b, ok := lastBoxed(reply); ok && b.start > at {
		return clean(b.text)
	}
	if at < 0 {
		lines := strings.Split(strings.TrimSpace(reply), "\n")
		ans = lines[len(lines)-1]
	}
	return clean(ans)
}

func cutContinuation(reply string) string {
	if loc := continuationRE.FindStringIndex(reply); loc != nil && strings.TrimSpace(reply[:loc[0]]) != "" {
		return reply[:loc[0]]
	}
	return reply
}

// restOfLine is s up to its first line break, after leading space (an
// answer marker may end its line, with the answer on the next).
func restOfLine(s string) string {
	s = strings.TrimLeft(s, " \t\r\n")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

type boxed struct {
	start int
	text  string
}

// lastBoxed finds the last \boxed{…} of s with balanced braces on one
// line. One pass pairs the braces, so a reply of many unclosed boxes costs
// no more than its length.
func lastBoxed(s string) (boxed, bool) {
	locs := boxedRE.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return boxed{}, false
	}
	closing := map[int]int{} // index after a '{' → index of its '}'
	var open []int
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '{':
			open = append(open, j+1)
		case '}':
			if len(open) > 0 {
				closing[open[len(open)-1]] = j
				open = open[:len(open)-1]
			}
		case '\n':
			open = open[:0] // a box does not span lines
		}
	}
	for i := len(locs) - 1; i >= 0; i-- {
		if end, ok := closing[locs[i][1]]; ok {
			return boxed{start: locs[i][0], text: s[locs[i][1]:end]}, true
		}
	}
	return boxed{}, false
}

// quotePairs are the quotes an answer may be wrapped in.
var quotePairs = [][2]string{{`"`, `"`}, {`'`, `'`}, {"“", "”"}, {"‘", "’"}}

// clean strips what wraps an answer in prose and Markdown: the sentence's
// full stop, bold and code marks, quotes, a LaTeX box with its dollars.
// Each strip can uncover another ("**(B)**."), so it repeats until none
// applies.
func clean(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	for {
		prev := s
		s = strings.TrimSpace(s)
		s = strings.Trim(s, "*`_")
		if len(s) >= 2 && s[0] == '$' && s[len(s)-1] == '$' {
			s = s[1 : len(s)-1]
		}
		// The full stop is the sentence's, except in answers that end in
		// one themselves ("No time slot works.").
		if strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "works.") {
			s = strings.TrimSuffix(s, ".")
		}
		for _, q := range quotePairs {
			if len(s) >= len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) {
				s = s[len(q[0]) : len(s)-len(q[1])]
				break
			}
		}
		if strings.HasPrefix(s, `\boxed{`) && strings.HasSuffix(s, "}") {
			s = s[len(`\boxed{`) : len(s)-1]
		}
		if s == prev {
			break
		}
	}
	if optionRE.MatchString(s) {
		s = s[:3]
	}
	return s
}
