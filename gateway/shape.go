package gateway

import (
	"strings"

	"github.com/latm/latm/answer"
)

// Reply shapes. Applications parse what upstream sends them, so a tool's
// answer is written the way upstream writes the answers of that group:
// the text that is the same around the answer in every pooled reply. A
// chain of thought differs from reply to reply and is left out; its
// closing "So the answer is " and full stop are kept:
//
//	"Step 1 … Step 3 …\nSo the answer is (B)."   →  "So the answer is X."
//	"(B)"                                         →  "X"
//	"Answer: 42\n"                                →  "Answer: X"

// minShapeSamples is how many replies a shape is learned from: with one,
// its whole chain of thought would look constant.
const minShapeSamples = 3

// maxShapeSamples bounds the replies kept per group or tool (the latest).
const maxShapeSamples = 16

// shortAnswer returns the answer of reply if it is short enough to pool:
// found by answer.FromReply, at most max bytes, and either on a line with
// text before it (an answer marker such as "So the answer is") or the
// whole of a one-line reply. Free prose, summaries and code have none.
func shortAnswer(reply string, max int) (string, bool) {
	ans := answer.FromReply(reply)
	if ans == "" || len(ans) > max {
		return "", false
	}
	at := strings.LastIndex(reply, ans)
	if at < 0 {
		return "", false
	}
	lineStart := strings.LastIndexByte(reply[:at], '\n') + 1
	if strings.TrimSpace(reply[lineStart:at]) != "" {
		return ans, true
	}
	if !strings.Contains(strings.TrimSpace(reply), "\n") {
		return ans, true
	}
	return "", false
}

// shape is what stays the same around the answer.
type shape struct {
	head  string // whole lines before the answer's line that every reply opens with
	lead  string // the text before the answer on its line ("So the answer is ")
	tail  string // the text after the answer on its line ("."), up to the line's end
	ready bool
}

// learnShape finds the shape of replies (each with its answer).
func learnShape(samples []sample) shape {
	if len(samples) < minShapeSamples {
		return shape{}
	}
	var pres, posts []string
	for _, s := range samples {
		at := strings.LastIndex(s.reply, s.answer)
		if at < 0 {
			return shape{}
		}
		pres = append(pres, s.reply[:at])
		post := s.reply[at+len(s.answer):]
		if i := strings.IndexByte(post, '\n'); i >= 0 {
			post = post[:i]
		}
		posts = append(posts, post)
	}
	suf := commonSuffix(pres)
	lead := suf[strings.LastIndexByte(suf, '\n')+1:]
	if len(lead) == len(suf) {
		// The same words end different lines ("Thus the answer is ", "So
		// the answer is "): keep whole words only.
		if partial(pres, suf) {
			if i := strings.IndexByte(lead, ' '); i >= 0 {
				lead = lead[i:]
			} else {
				lead = ""
			}
		}
		lead = strings.TrimLeft(lead, " ")
	}
	head := commonPrefix(pres)
	head = head[:strings.LastIndexByte(head, '\n')+1]
	shortest := len(pres[0])
	for _, p := range pres {
		shortest = min(shortest, len(p))
	}
	if len(head)+len(lead) > shortest {
		head = ""
	}
	return shape{head: head, lead: lead, tail: strings.TrimRight(commonPrefix(posts), " \t\r"), ready: true}
}

// render writes ans in the shape; ok is false if the shape is not learned
// or the rendered reply would not read back as ans.
func (s shape) render(ans string) (string, bool) {
	if !s.ready || ans == "" {
		return "", false
	}
	text := s.head + s.lead + ans + s.tail
	if got, _ := shortAnswer(text, len(text)); got != ans {
		return "", false
	}
	return text, true
}

// partial reports whether suf starts inside a word of some of pres.
func partial(pres []string, suf string) bool {
	if suf != "" && suf[0] == ' ' {
		return false
	}
	for _, p := range pres {
		if len(p) > len(suf) && p[len(p)-len(suf)-1] != '\n' && p[len(p)-len(suf)-1] != ' ' {
			return true
		}
	}
	return false
}

// sample is one upstream reply and its answer.
type sample struct{ reply, answer string }

func commonPrefix(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	p := xs[0]
	for _, x := range xs[1:] {
		n := 0
		for n < len(p) && n < len(x) && p[n] == x[n] {
			n++
		}
		p = p[:n]
	}
	return validUTF8Prefix(p)
}

func commonSuffix(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	s := xs[0]
	for _, x := range xs[1:] {
		n := 0
		for n < len(s) && n < len(x) && s[len(s)-1-n] == x[len(x)-1-n] {
			n++
		}
		s = s[len(s)-n:]
	}
	// Cut a partial rune at the front.
	for len(s) > 0 && s[0]&0xC0 == 0x80 {
		s = s[1:]
	}
	return s
}

// validUTF8Prefix cuts a partial rune at the end of p.
func validUTF8Prefix(p string) string {
	for i := len(p) - 1; i >= 0 && i >= len(p)-4; i-- {
		c := p[i]
		if c < 0x80 {
			return p
		}
		if c&0xC0 == 0xC0 { // a leading byte: is its rune complete?
			need := 2
			switch {
			case c&0xF8 == 0xF0:
				need = 4
			case c&0xF0 == 0xE0:
				need = 3
			}
			if len(p)-i < need {
				return p[:i]
			}
			return p
		}
	}
	return p
}
