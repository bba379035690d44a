package eval

import (
	"regexp"
	"strings"
)

var (
	// "So the answer is (B)." ends every BIG-Bench Hard solution; models
	// also write "the final answer is".
	answerIsRE = regexp.MustCompile(`(?i)\b(?:the\s+)?(?:final\s+)?answer\s+is\b[:\s]*`)
	// The "Answer: X" line the direct prompt asks for, also in Markdown
	// ("**Answer:** X", "### Answer: X", "Final Answer: X").
	answerLineRE = regexp.MustCompile(`(?im)^[ \t>#*_]*(?:final\s+)?answer[*_]*[ \t]*:[*_]*\s*(.+)$`)
	// A completion that runs on past its answer into a question of its
	// own, as the few-shot "Q: … A: …" shape invites.
	continuationRE = regexp.MustCompile(`\n\s*(?:Q|Question):\s`)
	// "(B) the blue jay": the option letter is the answer.
	optionRE = regexp.MustCompile(`^\([A-R]\)(?:\s|$)`)
	boxedRE  = regexp.MustCompile(`^\$*\\boxed\{(.*)\}\$*$`)
)

// extractCoT takes the text after the last "the answer is", as BIG-Bench
// Hard's prompts end every solution; then an "Answer:" line; then the last
// line. Text from a made-up next question on is ignored.
func extractCoT(reply string) string {
	reply = cutContinuation(reply)
	if a, ok := afterLastAnswerIs(reply); ok {
		return a
	}
	if a, ok := lastAnswerLine(reply); ok {
		return a
	}
	return lastLine(reply)
}

// extractDirect prefers the "Answer:" line the direct prompt asks for.
func extractDirect(reply string) string {
	reply = cutContinuation(reply)
	if a, ok := lastAnswerLine(reply); ok {
		return a
	}
	if a, ok := afterLastAnswerIs(reply); ok {
		return a
	}
	return lastLine(reply)
}

func cutContinuation(reply string) string {
	if loc := continuationRE.FindStringIndex(reply); loc != nil && strings.TrimSpace(reply[:loc[0]]) != "" {
		return reply[:loc[0]]
	}
	return reply
}

// afterLastAnswerIs returns what follows the last "the answer is", up to
// the end of its line; several on one line are several answers, the last
// of which stands.
func afterLastAnswerIs(s string) (string, bool) {
	locs := answerIsRE.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return "", false
	}
	return cleanAnswer(s[locs[len(locs)-1][1]:]), true
}

func lastAnswerLine(s string) (string, bool) {
	m := answerLineRE.FindAllStringSubmatch(s, -1)
	if len(m) == 0 {
		return "", false
	}
	return cleanAnswer(m[len(m)-1][1]), true
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return cleanAnswer(lines[len(lines)-1])
}

// cleanAnswer strips what wraps an answer in prose and Markdown: the
// sentence's full stop, bold and code marks, quotes, a LaTeX box. Each
// strip can uncover another ("**(B)**."), so it repeats until none applies.
func cleanAnswer(s string) string {
	if i := strings.IndexByte(strings.TrimSpace(s), '\n'); i >= 0 {
		s = strings.TrimSpace(s)[:i]
	}
	for {
		prev := s
		s = strings.TrimSpace(s)
		s = strings.Trim(s, "*`_")
		// The full stop is the sentence's, except in answers that end in
		// one themselves ("No time slot works.").
		if strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "works.") {
			s = strings.TrimSuffix(s, ".")
		}
		if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
			s = s[1 : len(s)-1]
		}
		if m := boxedRE.FindStringSubmatch(s); m != nil {
			s = m[1]
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
