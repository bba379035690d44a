package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
)

var updateDemo = flag.Bool("update-demo", false, "record examples/demo.jsonl again from scripted replies")

// The README's quick start, run offline: make a tool from
// examples/word_sorting.jsonl, then solve a question with it, with every
// model reply served from examples/demo.jsonl.
var demoSteps = [][]string{
	{"make", "word_sorting", "--examples", "examples/word_sorting.jsonl"},
	{"solve", "--tool", "word_sorting", "Sort the following words alphabetically: List: kiwi banana cherry apple"},
}

const demoUserReply = "```starlark\nwords = \"kiwi banana cherry apple\".split()\nans = \" \".join(sort_words(words))\n```\n"

// TestDemoReplays runs the README's quick start against the recording in
// examples/, as a newcomer would, with no network and no key. When a
// prompt template changes the recording no longer matches: record it
// again with go test ./cli -run TestDemoReplays -update-demo (the replies
// are scripted, not a model's).
func TestDemoReplays(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	recording := filepath.Join(root, "examples", "demo.jsonl")
	dir := t.TempDir()
	t.Chdir(root)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HOME", dir)
	t.Setenv("TMPDIR", dir)
	db := filepath.Join(dir, "demo.db")
	mode := "--replay"
	if *updateDemo {
		mode = "--record"
		os.Remove(recording)
		srv := fakeopenai.New(t)
		maker := &makerScript{replies: map[string][]string{
			"propose": {wsFence(goodTool)},
			"verify":  {wsTests("")},
			"package": {wsPackage()},
		}}
		makerReply := maker.reply(t)
		srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
			switch r.Template {
			case "use":
				return fakeopenai.Reply{Content: demoUserReply}
			case "parse":
				// The demo shows the template path: the maker gives no
				// parser (a failed call is not recorded, so the replay
				// has none either).
				return fakeopenai.Reply{Status: 400, Content: "the demo records no parser"}
			}
			return makerReply(r)
		})
		t.Setenv("OPENAI_BASE_URL", srv.URL)
		t.Setenv("OPENAI_API_KEY", "sk-demo")
	} else {
		t.Setenv("OPENAI_API_KEY", "")
		t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1") // nothing listens: replay must not need the network
	}
	var outs []string
	for _, step := range demoSteps {
		var out, errb bytes.Buffer
		args := append([]string{"--db", db, mode, recording}, step...)
		if code := Main(context.Background(), args, strings.NewReader(""), &out, &errb, os.Getenv); code != ExitOK {
			t.Fatalf("latm %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
		}
		outs = append(outs, out.String())
	}
	if !strings.Contains(outs[0], "made word_sorting@1") {
		t.Errorf("make printed %q", outs[0])
	}
	if strings.TrimSpace(outs[1]) != "apple banana cherry kiwi" {
		t.Errorf("solve printed %q", outs[1])
	}
}
