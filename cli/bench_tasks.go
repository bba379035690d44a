package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// benchTask is one task directory of `latm bench tasks`: a tool, its
// usage examples, test instances each with the call a user model would
// write (scripted), and optionally a parser.
type benchTask struct {
	name   string
	tool   *tool.Tool
	parser string
	tests  []benchInstance
	valid  []benchInstance // labelled examples the tool is validated on, as make records them
}

type benchInstance struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Call     string `json:"call"`
}

var entryRe = regexp.MustCompile(`(?m)^def (\w+)\((.*)\):`)

// readJSONL decodes every line of path into a new T, naming the line of
// any that does not decode.
func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("%s:%d: %w (fix: one JSON object per line)", path, line, err)
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

func loadBenchTask(dir string) (*benchTask, error) {
	name := filepath.Base(dir)
	src, err := os.ReadFile(filepath.Join(dir, "tool.py"))
	if err != nil {
		return nil, fmt.Errorf("bench tasks: %s: %w", name, err)
	}
	m := entryRe.FindStringSubmatch(string(src))
	if m == nil {
		return nil, fmt.Errorf("bench tasks: %s/tool.py defines no function", name)
	}
	uses, err := readJSONL[tool.UsageExample](filepath.Join(dir, "usage.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("bench tasks: %w", err)
	}
	tests, err := readJSONL[benchInstance](filepath.Join(dir, "test.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("bench tasks: %w", err)
	}
	t := &benchTask{name: name, tests: tests, tool: &tool.Tool{Name: name, Version: 1, Source: string(src),
		Entry: m[1], Signature: m[1] + "(" + m[2] + ")", Examples: uses}}
	if _, err := os.Stat(filepath.Join(dir, "valid.jsonl")); err == nil {
		if t.valid, err = readJSONL[benchInstance](filepath.Join(dir, "valid.jsonl")); err != nil {
			return nil, fmt.Errorf("bench tasks: %w", err)
		}
	}
	if p, err := os.ReadFile(filepath.Join(dir, "parser.star")); err == nil {
		t.parser = string(p)
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("bench tasks: %w", err)
	}
	return t, nil
}

func newBenchTasksCmd(app *App) *cobra.Command {
	var noParser bool
	cmd := &cobra.Command{
		Use:   "tasks DIR",
		Short: "tasks of your own, with no model: share answered offline and its accuracy against a scripted user model",
		Long: `bench tasks runs each task directory under DIR (tool.py, usage.jsonl with
the tool's usage examples, test.jsonl with question, answer and the call a
user model would write, optionally valid.jsonl with labelled examples
the tool was validated on (each with its scripted call, as make records
them; a parser must reproduce them and its guards learn their shapes),
optionally parser.star) with no endpoint. Every test
instance goes through the no-model paths (parser, then template, behind
their guards); the user-model path is played by the scripted calls of
test.jsonl, so its accuracy is that of correct calls, not of any model.
It prints per task the share answered with no model, how many of those
were right, the user-model path's accuracy on the same instances, and how
many no-model answers were wrong where the user-model path was right.
examples/tasks holds two such tasks (hand-written, scripted).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			entries, err := os.ReadDir(args[0])
			if err != nil {
				return fmt.Errorf("bench tasks: %w", err)
			}
			var dirs []string
			for _, e := range entries {
				if e.IsDir() {
					dirs = append(dirs, filepath.Join(args[0], e.Name()))
				}
			}
			sort.Strings(dirs)
			if len(dirs) == 0 {
				return fmt.Errorf("bench tasks: no task directories in %s (fix: one directory per task with tool.py, usage.jsonl, test.jsonl)", args[0])
			}
			s := &user.Solver{Runtime: app.Runtime(), Template: true}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TASK\tPARSER\tTEST\tNO MODEL (parser/template)\tRIGHT\tUSER PATH RIGHT ON THOSE\tUSER PATH RIGHT (ALL)\tWRONG WHERE USER PATH RIGHT")
			for _, dir := range dirs {
				bt, err := loadBenchTask(dir)
				if err != nil {
					return err
				}
				src := starlarkrt.Source{Name: bt.name + ".py", Code: bt.tool.Source}
				scripted := func(in benchInstance) (string, bool) {
					res, err := s.Runtime.Exec(ctx, src, starlarkrt.Source{Name: "call.py", Code: in.Call})
					if err != nil {
						return "", false
					}
					got, err := user.FinalAnswer(in.Question, res)
					return got, err == nil && answer.Correct(bt.name, got, in.Answer)
				}
				for _, in := range bt.valid {
					got, ok := scripted(in)
					bt.tool.Validation = append(bt.tool.Validation, tool.Validation{Question: in.Question, Want: in.Answer, Got: got, OK: ok})
				}
				parser := "none"
				if noParser && bt.parser != "" {
					parser = "not used"
				} else if bt.parser != "" {
					var labelled []tool.Example
					for _, u := range bt.tool.Examples {
						labelled = append(labelled, tool.Example{Question: u.Question, Answer: u.Answer})
					}
					for _, v := range bt.tool.Validation {
						if v.OK {
							labelled = append(labelled, tool.Example{Question: v.Question, Answer: v.Want})
						}
					}
					problem, err := user.VerifyParser(ctx, s.Runtime, bt.tool, bt.parser, bt.name, labelled)
					if err != nil {
						return fmt.Errorf("bench tasks: parser of %s: %w", bt.name, err)
					}
					parser = "not verified"
					if problem == "" {
						bt.tool.Parser, parser = bt.parser, "verified"
					}
				}
				byPath := map[string]int{}
				taken, right, userRightTaken, userRight, wrongWhereUserRight := 0, 0, 0, 0, 0
				for _, in := range bt.tests {
					_, uok := scripted(in)
					if uok {
						userRight++
					}
					run, ok, err := s.AnswerOffline(ctx, bt.tool, in.Question)
					if err != nil {
						return err
					}
					if !ok {
						continue
					}
					taken++
					byPath[string(run.Path)]++
					nok := answer.Correct(bt.name, run.Answer, in.Answer)
					if nok {
						right++
					}
					if uok {
						userRightTaken++
						if !nok {
							wrongWhereUserRight++
						}
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d (%.1f%%; %d/%d)\t%d\t%d\t%d\t%d\n", bt.name, parser, len(bt.tests),
					taken, percent(taken, len(bt.tests)), byPath[string(tool.PathParser)], byPath[string(tool.PathTemplate)],
					right, userRightTaken, userRight, wrongWhereUserRight)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&noParser, "no-parser", false, "leave the tasks' parsers out (the template path alone)")
	return cmd
}

func percent(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
