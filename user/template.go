package user

import (
	"regexp"
	"strings"
)

// diffQuestions aligns two questions of one template and returns where
// they differ; the template path (template_path.go) takes the differing
// stretches of usage examples' questions that no literal of the call code
// comes from as text the tool ignores.

// qtoken is a word or a run of spaces of a question, with its byte offsets.
type qtoken struct {
	text       string
	start, end int
}

var qtokenRe = regexp.MustCompile(`\s+|[^\s]+`)

func qtokens(s string) []qtoken {
	var out []qtoken
	for _, loc := range qtokenRe.FindAllStringIndex(s, -1) {
		out = append(out, qtoken{s[loc[0]:loc[1]], loc[0], loc[1]})
	}
	return out
}

// substitution is one stretch of question text, where it starts in its
// question, and what replaces it.
type substitution struct {
	from, to string
	at       int
}

// maxQuestionTokens bounds the diff's work (it is quadratic).
const maxQuestionTokens = 4000

// diffQuestions returns the stretches where a and b differ, aligned by a
// longest common subsequence of their tokens, or false if they differ
// everywhere (no shared template) or are too long to compare. With merge,
// stretches separated only by spaces are one (a word list of another
// length is then one stretch).
func diffQuestions(a, b string, merge bool) ([]substitution, bool) {
	ta, tb := qtokens(a), qtokens(b)
	if len(ta) == 0 || len(tb) == 0 || len(ta) > maxQuestionTokens || len(tb) > maxQuestionTokens {
		return nil, false
	}
	n, m := len(ta), len(tb)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if ta[i].text == tb[j].text {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	// Shared text must dominate, or the two are not one template.
	if int(lcs[0][0])*2 < min(n, m) {
		return nil, false
	}
	var subs []substitution
	i, j := 0, 0
	for i < n || j < m {
		if i < n && j < m && ta[i].text == tb[j].text {
			i, j = i+1, j+1
			continue
		}
		si, sj := i, j
		for i < n || j < m {
			if i < n && j < m && ta[i].text == tb[j].text {
				// With merge, a shared run of spaces followed by more
				// differences belongs to this stretch.
				k := 0
				for merge && i+k < n && j+k < m && ta[i+k].text == tb[j+k].text && strings.TrimSpace(ta[i+k].text) == "" {
					k++
				}
				if k == 0 || i+k == n && j+k == m || i+k < n && j+k < m && ta[i+k].text == tb[j+k].text {
					break
				}
				i, j = i+k, j+k
				continue
			}
			if j >= m || i < n && lcs[i+1][j] >= lcs[i][j+1] {
				i++
			} else {
				j++
			}
		}
		from, to := span(a, ta, si, i), span(b, tb, sj, j)
		if from == "" || strings.TrimSpace(from) == "" {
			return nil, false // an insertion: nowhere to put it
		}
		subs = append(subs, substitution{from: from, to: to, at: ta[si].start})
	}
	return subs, true
}

func span(s string, toks []qtoken, from, to int) string {
	if from >= to {
		return ""
	}
	return s[toks[from].start:toks[to-1].end]
}

var numberRe = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// stringSpans returns the byte ranges of the contents of the string
// literals of code ('…', "…", and their triple-quoted forms).
func stringSpans(code string) [][2]int {
	var out [][2]int
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '#':
			for i < len(code) && code[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			q := string(c)
			if strings.HasPrefix(code[i:], strings.Repeat(q, 3)) {
				q = strings.Repeat(q, 3)
			}
			start := i + len(q)
			j := start
			for j < len(code) && !strings.HasPrefix(code[j:], q) {
				if code[j] == '\\' {
					j++
				} else if code[j] == '\n' && len(q) == 1 {
					break
				}
				j++
			}
			out = append(out, [2]int{start, min(j, len(code))})
			i = j + len(q) - 1
		}
	}
	return out
}
