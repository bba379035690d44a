package maker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// newMaker wires a Maker to a fake endpoint answering with reply.
func newMaker(t *testing.T, reply func(fakeopenai.Request) fakeopenai.Reply) (*Maker, *fakeopenai.Server) {
	t.Helper()
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	t.Cleanup(func() { rt.Close() })
	srv := fakeopenai.New(t)
	srv.Handle(reply)
	client, err := newClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return &Maker{LLM: client, Runtime: rt, Prompts: set, Train: 1, Valid: 2, ProposeTries: 2, VerifyTries: 2, Model: "m"}, srv
}

// newClient builds the real client for the fake endpoint at url.
func newClient(url string) (*llm.Client, error) {
	return llm.New(llm.Config{
		Roles:   map[llm.Role]llm.RoleConfig{llm.Maker: {BaseURL: url, Model: "m", APIKeyEnv: "K"}},
		NoCache: true,
		Getenv:  func(string) string { return "sk-test" },
	})
}

func block(code string) string { return "```starlark\n" + code + "\n```\n" }

// The sum task: add the numbers in the question.
var sums = []tool.Example{
	{Question: "Add: 1 2", Answer: "3"},
	{Question: "Add: 4 5 6", Answer: "15"},
	{Question: "Add: 10 -3", Answer: "7"},
}

const sumTool = `def parse(question):
    """Returns the numbers after 'Add:'."""
    return [int(w) for w in question.split(":")[1].split()]

def add(nums):
    """Adds a list of numbers."""
    return sum(nums)
`

func sumTest(q, want string) string {
	return fmt.Sprintf("ret = add(parse(%q))\nans = str(ret)\nassert ans == %q", q, want)
}

func TestMakeEntryIsTheCalledFunction(t *testing.T) {
	t.Parallel()
	m, srv := newMaker(t, func(r fakeopenai.Request) fakeopenai.Reply {
		switch r.Template {
		case "propose":
			return fakeopenai.Reply{Content: block(sumTool)}
		case "verify":
			return fakeopenai.Reply{Content: block(sumTest(sums[1].Question, "15")) + block(sumTest(sums[2].Question, "7"))}
		case "package":
			return fakeopenai.Reply{Content: block("ret = add(parse(\"Add: 1 2\"))\nans = str(ret)")}
		}
		return fakeopenai.Reply{Status: 500}
	})
	tool, att, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	if err != nil {
		t.Fatal(err)
	}
	// Both functions are called; add is defined last.
	if tool.Entry != "add" || tool.Signature != "add(nums)" || tool.Description != "Adds a list of numbers." {
		t.Errorf("entry %q signature %q description %q", tool.Entry, tool.Signature, tool.Description)
	}
	if att != (Attempt{ProposeTries: 1, VerifyTries: 1}) || len(srv.Requests()) != 3 {
		t.Errorf("attempt %+v, %d requests", att, len(srv.Requests()))
	}
	if len(tool.Examples) != 2 || tool.Examples[1].Answer != "7" || tool.Examples[1].Code != "ret = add(parse(\"Add: 10 -3\"))\nans = str(ret)" {
		t.Errorf("usage examples %+v", tool.Examples)
	}
}

func TestMakeFailureKeepsTranscript(t *testing.T) {
	t.Parallel()
	m, _ := newMaker(t, func(r fakeopenai.Request) fakeopenai.Reply {
		return fakeopenai.Reply{Content: "I cannot write code today."}
	})
	tool, att, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	var se *StepError
	if !errors.As(err, &se) || se.Step != "propose" || se.Tries != 2 || !strings.Contains(err.Error(), "no ```starlark block") {
		t.Fatalf("err = %v", err)
	}
	if tool == nil || len(tool.Transcript) != 4 || tool.Transcript[3].Content != "I cannot write code today." || att.ProposeTries != 2 {
		t.Fatalf("tool %+v attempt %+v", tool, att)
	}
}

func TestMakeEndpointFailureIsNotATry(t *testing.T) {
	t.Parallel()
	m, srv := newMaker(t, func(r fakeopenai.Request) fakeopenai.Reply {
		return fakeopenai.Reply{Status: 400}
	})
	_, att, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	if err == nil || !strings.Contains(err.Error(), "ask the maker model") || att.ProposeTries != 1 || len(srv.Requests()) != 1 {
		t.Fatalf("err %v, attempt %+v, %d requests", err, att, len(srv.Requests()))
	}
}

func TestMakeTooFewExamples(t *testing.T) {
	t.Parallel()
	m := &Maker{LLM: &llm.Client{}, Runtime: &starlarkrt.Runtime{}, Prompts: &prompts.Set{}}
	_, _, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	if err == nil || !strings.Contains(err.Error(), "3 examples, need 6") {
		t.Fatalf("err = %v", err)
	}
}

// A test that calls the tool but builds its answer some other way passes
// the static rules; the dependency check (rule 5) rejects it.
func TestMakeRejectsAnswersThatIgnoreTheTool(t *testing.T) {
	t.Parallel()
	indirect := func(q, want string) string {
		return fmt.Sprintf("ret = add(parse(%q))\nans = \"%s\"\nassert ans == %q", q, strings.Join(strings.Split(want, ""), "\" + \""), want)
	}
	m, srv := newMaker(t, func(r fakeopenai.Request) fakeopenai.Reply {
		switch r.Template {
		case "propose":
			return fakeopenai.Reply{Content: block(sumTool)}
		case "verify", "verify_fix":
			return fakeopenai.Reply{Content: block(indirect(sums[1].Question, "15")) + block(sumTest(sums[2].Question, "7"))}
		}
		return fakeopenai.Reply{Status: 500}
	})
	_, _, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	var se *StepError
	if !errors.As(err, &se) || se.Step != "verify" {
		t.Fatalf("err = %v, want the verify step to run out of tries", err)
	}
	fix := srv.Requests()[len(srv.Requests())-1].Last()
	if !strings.Contains(fix, "does not depend on the tool") {
		t.Errorf("the feedback does not name the problem:\n%s", fix)
	}
}
