package maker

import (
	"context"
	"fmt"
	"strings"

	"github.com/latm/latm/llm"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// ParseTemplate is the name of the prompt that asks the maker for a tool's
// parser, in the same chat, after the tool is packaged.
const ParseTemplate = "parse"

// parseTries is how many replies the maker gets to write a parser that
// verifies: the first, and one fix after seeing what failed.
const parseTries = 2

// writeParser asks the maker for parse(question) and keeps it on t only if
// it verifies (user.VerifyParser) on every training and validation example
// and on the usage examples' own calls. A parser that does not verify is
// dropped and the tool works without one: a parser only saves model calls,
// so it is never a reason to fail making. The error return is for a
// cancelled ctx only.
func (s *session) writeParser(ctx context.Context, t *tool.Tool, train, valid []tool.Example) (note string, err error) {
	labelled := append(append([]tool.Example(nil), train...), valid...)
	problem := ""
	for try := 1; try <= parseTries; try++ {
		prompt, err := s.render(ParseTemplate, map[string]any{
			"Entry": t.Entry, "Signature": t.Signature, "Examples": t.Examples, "Problem": problem,
		})
		if err != nil {
			return "", err
		}
		reply, err := s.ask(ctx, ParseTemplate, prompt)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return fmt.Sprintf("no parser: %v", err), nil
		}
		blocks := llm.CodeBlocks(reply)
		if len(blocks) == 0 {
			problem = "the reply has no ```starlark block with parse(question)"
			continue
		}
		problem, err = user.VerifyParser(ctx, s.m.Runtime, t, blocks[0], s.task.Name, labelled)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return fmt.Sprintf("no parser: %v", err), nil
		}
		if problem == "" {
			t.Parser = strings.TrimRight(blocks[0], "\n") + "\n"
			return fmt.Sprintf("parser verified on %d examples and %d usage examples", len(labelled), len(t.Examples)), nil
		}
	}
	return "no parser: " + problem, nil
}
