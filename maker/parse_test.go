package maker

import (
	"context"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
)

// sumsMakerFor scripts a maker that makes the sum tool and answers the
// prompt named template with replies in turn (the last one again once
// they run out).
func sumsMakerFor(t *testing.T, template string, replies ...string) (*Maker, *fakeopenai.Server) {
	t.Helper()
	n := 0
	return newMaker(t, func(r fakeopenai.Request) fakeopenai.Reply {
		switch r.Template {
		case "propose":
			return fakeopenai.Reply{Content: block(sumTool)}
		case "verify":
			return fakeopenai.Reply{Content: block(sumTest(sums[1].Question, "15")) + block(sumTest(sums[2].Question, "7"))}
		case "package":
			return fakeopenai.Reply{Content: block("ret = add(parse(\"Add: 1 2\"))\nans = str(ret)")}
		case template:
			rep := replies[min(n, len(replies)-1)]
			n++
			return fakeopenai.Reply{Content: rep}
		}
		return fakeopenai.Reply{Status: 500}
	})
}

// sumsMaker scripts a maker that makes the sum tool, and answers the parse
// prompt with parsers in turn.
func sumsMaker(t *testing.T, parsers ...string) (*Maker, *fakeopenai.Server) {
	t.Helper()
	replies := make([]string, len(parsers))
	for i, p := range parsers {
		replies[i] = "Here it is.\n" + block(p)
	}
	m, srv := sumsMakerFor(t, ParseTemplate, replies...)
	m.Parser = true
	return m, srv
}

const sumParser = `def parse(question):
    return [[int(w) for w in question.split(":")[1].split()]]
`

func TestMakeWritesAVerifiedParser(t *testing.T) {
	m, srv := sumsMaker(t, sumParser)
	tl, att, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	if err != nil {
		t.Fatal(err)
	}
	if tl.Parser != sumParser || !strings.HasPrefix(att.ParserNote, "parser verified on 3 examples") {
		t.Fatalf("parser %q, note %q", tl.Parser, att.ParserNote)
	}
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	// Asked in the same chat, after the package step, with the usage calls.
	if last.Template != ParseTemplate || len(last.Messages) != 7 || !strings.Contains(last.Last(), "ret = add(parse(\"Add: 10 -3\"))") {
		t.Fatalf("the parse request: template %q, %d messages, last %q", last.Template, len(last.Messages), last.Last())
	}
	if got := tl.Transcript[len(tl.Transcript)-1].Content; !strings.Contains(got, "def parse(question)") {
		t.Fatalf("the transcript does not end with the parser reply: %q", got)
	}
}

// A parser that fails, then one fixed after feedback naming the failure.
func TestMakeParserFixAfterFeedback(t *testing.T) {
	wrong := "def parse(question):\n    return [[int(w) for w in question.split(\":\")[1].split()][:2]]\n"
	m, srv := sumsMaker(t, wrong, sumParser)
	tl, att, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	if err != nil {
		t.Fatal(err)
	}
	if tl.Parser != sumParser {
		t.Fatalf("parser %q (%s)", tl.Parser, att.ParserNote)
	}
	reqs := srv.Requests()
	if fb := reqs[len(reqs)-1].Last(); !strings.Contains(fb, "Your last parser did not pass") || !strings.Contains(fb, "[[4,5]]") {
		t.Fatalf("feedback %q", fb)
	}
}

// A parser that never verifies is dropped; the tool is made all the same.
func TestMakeKeepsTheToolWithoutAParser(t *testing.T) {
	for name, parser := range map[string]string{
		"wrong answer": "def parse(question):\n    return [[1, 2]]\n",
		"not a list":   "def parse(question):\n    return 3\n",
		"no parse":     "def read(question):\n    return []\n",
		"syntax":       "def parse(question):\n    return [\n",
	} {
		t.Run(name, func(t *testing.T) {
			m, _ := sumsMaker(t, parser)
			tl, att, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
			if err != nil {
				t.Fatal(err)
			}
			if tl.Parser != "" || !strings.HasPrefix(att.ParserNote, "no parser: ") || tl.Entry != "add" {
				t.Fatalf("parser %q note %q entry %q", tl.Parser, att.ParserNote, tl.Entry)
			}
		})
	}
}

// Without Maker.Parser the maker asks nothing more than before.
func TestMakeWithoutParserStep(t *testing.T) {
	m, srv := sumsMaker(t, sumParser)
	m.Parser = false
	tl, _, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if r.Template == ParseTemplate {
			t.Fatal("the parse prompt was sent")
		}
	}
	if tl.Parser != "" {
		t.Fatal("a parser without the step")
	}
}
