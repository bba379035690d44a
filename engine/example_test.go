package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/latm/latm/engine"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/maker"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// wordSorting are six solved examples: the first three are shown to the
// maker, the last three validate its tool.
var wordSorting = []tool.Example{
	{Question: "Sort the following words alphabetically: List: syndrome therefrom", Answer: "syndrome therefrom"},
	{Question: "Sort the following words alphabetically: List: vegetate artillery harm", Answer: "artillery harm vegetate"},
	{Question: "Sort the following words alphabetically: List: superstitious westward coupe", Answer: "coupe superstitious westward"},
	{Question: "Sort the following words alphabetically: List: oven costume bread", Answer: "bread costume oven"},
	{Question: "Sort the following words alphabetically: List: zeta alpha mu", Answer: "alpha mu zeta"},
	{Question: "Sort the following words alphabetically: List: pear apple fig", Answer: "apple fig pear"},
}

// fenced is code the way a model replies it.
func fenced(codes ...string) string {
	var b strings.Builder
	b.WriteString("Here it is.\n")
	for _, c := range codes {
		fmt.Fprintf(&b, "```starlark\n%s\n```\n", strings.TrimSpace(c))
	}
	return b.String()
}

// call is the call code of one example; with assert, its unit test.
func call(e tool.Example, withAssert bool) string {
	list := e.Question[strings.Index(e.Question, "List: ")+len("List: "):]
	code := fmt.Sprintf("words = %q.split()\nret = sort_words(words)\nans = \" \".join(ret)\n", list)
	if withAssert {
		code += fmt.Sprintf("assert ans == %q\n", e.Answer)
	}
	return code
}

// scripted is an OpenAI-compatible endpoint that plays the maker (the
// tool, its tests, its usage examples) and the user model (one call).
func scripted() *fakeopenai.Server {
	srv := fakeopenai.Start()
	tool := "def sort_words(words):\n    \"\"\"Sorts a list of words alphabetically.\"\"\"\n    return sorted(words)\n"
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		switch r.Template { // the prompt template the client names in each request
		case "propose":
			return fakeopenai.Reply{Content: fenced(tool)}
		case "verify":
			return fakeopenai.Reply{Content: fenced(call(wordSorting[3], true), call(wordSorting[4], true), call(wordSorting[5], true))}
		case "package":
			return fakeopenai.Reply{Content: fenced(call(wordSorting[0], false), call(wordSorting[1], false), call(wordSorting[2], false))}
		case "use":
			return fakeopenai.Reply{Content: fenced(`ans = " ".join(sort_words("kiwi banana cherry".split()))`)}
		}
		return fakeopenai.Reply{Status: 500}
	})
	return srv
}

// An engine makes a tool once with the strong model, then answers a new
// instance with one cheap call of it, run in the sandbox.
func Example() {
	srv := scripted()
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "latm-example")
	defer os.RemoveAll(dir)

	cfg := engine.Defaults()
	cfg.DB = filepath.Join(dir, "latm.db")
	cfg.BaseURL = srv.URL
	cfg.Getenv = func(string) string { return "sk-example" } // the key, from wherever the front end keeps it
	cfg.Solve.Template = false                               // always ask the user model, to show it
	cfg.Make.Parser = false                                  // the paper's three making steps, no parser
	cfg.Make.Schema = false                                  // nor an argument schema
	e, err := engine.Open(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	ctx := context.Background()

	tool, att, err := e.Make(ctx, maker.Task{Name: "sort_words", Examples: wordSorting}, engine.MakeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("made %s in %d proposal and %d verification\n", tool.Ref(), att.ProposeTries, att.VerifyTries)

	run, err := e.Solve(ctx, tool, user.Instance{Question: "Sort the following words alphabetically: List: kiwi banana cherry"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(run.Answer, run.OK)

	cost, _ := e.Cost(ctx, "role")
	for _, row := range cost {
		fmt.Printf("%s calls: %d\n", row.Key, row.Calls)
	}
	// Output:
	// made sort_words@1 in 1 proposal and 1 verification
	// banana cherry kiwi true
	// maker calls: 3
	// user calls: 1
}
