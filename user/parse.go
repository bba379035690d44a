package user

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// The parser path answers an instance with no model call through the
// tool's parser: Starlark defining parse(question), written by the maker
// after verification, that returns the entry function's arguments. It is
// the template path's general form: it handles word lists, numbers in
// prose and quoted spans however the question lays them out.
//
// A parser is trusted no further than it was seen to work:
//   - when made (VerifyParser), parse → call → answer equals the label on
//     every training and validation example, and parse gives the very
//     arguments each usage example's own call passes;
//   - at solve time the same is checked again on the usage examples before
//     the path is used at all (parserModel), and each instance's parsed
//     arguments must have the shapes the usage examples' arguments had
//     (argGuard), the call rendered from them must be grounded in the
//     question, and the result must have the shape of the examples'
//     results (resultGuard). Anything else goes to the user model.
//
// Arguments with no literal form (functions: GPT-4's lambdas) cannot be
// rendered into the call; parse and the entry then run as one program,
// compared as parse_func.go describes.

// parseArgsVar is the global the parse snippet leaves the arguments in.
const parseArgsVar = "_latm_args"

// parserFunctions loads parser alone and checks it defines
// parse(question); finish reports whether it also defines
// finish(question, ret), which turns the entry's return value into the
// answer (as the usage examples' code does after the call, e.g. mapping a
// name to its option letter); without it the answer is the return value. The parser always runs in a module of its own, never
// beside the tool's code: it cannot call the tool, and a helper named like
// one of the tool's cannot change what the tool computes.
func parserFunctions(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool, parser string) (finish bool, problem string, err error) {
	if strings.TrimSpace(parser) == "" {
		return false, "the parser is empty", nil
	}
	if tl.Entry == "" {
		return false, "the tool has no entry function to pass arguments to", nil
	}
	pm, err := rt.Load(ctx, starlarkrt.Source{Name: "parser.star", Code: parser})
	if p := programText(err); p != "" {
		return false, "the parser does not load on its own (it runs without the tool's code): " + p, nil
	}
	if err != nil {
		return false, "", fmt.Errorf("load the parser: %w", err)
	}
	parse := false
	for _, f := range pm.Functions {
		parse = parse || f.Name == "parse" && len(f.Params) == 1
		finish = finish || f.Name == "finish" && len(f.Params) == 2
	}
	if !parse {
		return false, "the parser defines no function parse(question)", nil
	}
	return finish, "", nil
}

func programText(err error) string {
	var pe *starlarkrt.ProgramError
	var le *starlarkrt.LimitError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("%s error at line %d: %s", orDefault(pe.Phase, "runtime"), pe.Line, pe.Msg)
	case errors.As(err, &le):
		return le.Error()
	}
	return ""
}

// parseArgs runs parse(question) and returns the arguments it gave, or the
// problem with them; opaque reports arguments with no JSON form (a
// function among them: see runNested); err is a failure of the machinery.
func parseArgs(ctx context.Context, rt *starlarkrt.Runtime, parser, question string) (args []any, opaque bool, problem string, err error) {
	snippet := parseArgsVar + " = parse(" + prompts.PyRepr(question) + ")\n"
	res, err := rt.Exec(ctx, starlarkrt.Source{Name: "parser.star", Code: parser}, starlarkrt.Source{Name: "parse.star", Code: snippet})
	if p := programText(err); p != "" {
		return nil, false, "parse failed: " + p, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, "", ctx.Err()
		}
		return nil, false, "", fmt.Errorf("run the parser: %w", err)
	}
	v, ok := res.Globals[parseArgsVar]
	if !ok { // assigned, but with no JSON form
		return nil, true, "", nil
	}
	list, isList := v.([]any)
	if !isList {
		return nil, false, fmt.Sprintf("parse returned %s, not a list of the entry function's arguments", describeValue(v)), nil
	}
	return list, false, "", nil
}

func describeValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	return fmt.Sprintf("%.80s", b)
}

// callCodeFor renders the call of entry with args as the code that runs
// (and that the run records): ans = entry(arg, …).
func callCodeFor(entry string, args []any) (string, bool) {
	var b strings.Builder
	b.WriteString("ans = " + entry + "(")
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		if !writeLiteral(&b, a) {
			return "", false
		}
	}
	b.WriteString(")\n")
	return b.String(), true
}

// writeLiteral writes v as a Starlark literal; false if it has none (a
// function, a struct, a float that is not finite).
func writeLiteral(b *strings.Builder, v any) bool {
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case string:
		b.WriteString(prompts.PyRepr(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case json.Number:
		if _, err := strconv.ParseFloat(string(x), 64); err != nil {
			return false
		}
		b.WriteString(string(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return false
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		b.WriteString(s)
	case []any:
		b.WriteString("[")
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if !writeLiteral(b, e) {
				return false
			}
		}
		b.WriteString("]")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(prompts.PyRepr(k) + ": ")
			if !writeLiteral(b, x[k]) {
				return false
			}
		}
		b.WriteString("}")
	default:
		return false
	}
	return true
}

// exampleArgs runs a usage example's code with the entry function wrapped
// to record its arguments, and returns those of its first call.
func exampleArgs(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool, code string) (args []any, problem string, err error) {
	args, opaque, problem, err := exampleArgsOf(ctx, rt, tl, code)
	if opaque {
		return nil, "the usage example passes " + tl.Entry + " a value with no literal form (a function?)", nil
	}
	return args, problem, err
}

// exampleArgsOf is exampleArgs; opaque reports arguments with no JSON form
// (exampleCall reads those).
func exampleArgsOf(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool, code string) (args []any, opaque bool, problem string, err error) {
	if !entryNameRE.MatchString(tl.Entry) {
		return nil, false, fmt.Sprintf("the entry %q is not a function name", tl.Entry), nil
	}
	wrapped := tl.Source + "\n\n_latm_entry = " + tl.Entry + "\n_latm_calls = []\n" +
		"def " + tl.Entry + "(*args, **kwargs):\n" +
		"    _latm_calls.append([list(args), kwargs])\n" +
		"    return _latm_entry(*args, **kwargs)\n"
	res, err := rt.Exec(ctx, starlarkrt.Source{Name: tl.Name + ".star", Code: wrapped},
		starlarkrt.Source{Name: "example.star", Code: code + "\n_latm_seen = _latm_calls\n_latm_called = len(_latm_calls) > 0\n"})
	if p := programText(err); p != "" {
		return nil, false, "the usage example's code fails: " + p, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, "", ctx.Err()
		}
		return nil, false, "", fmt.Errorf("run a usage example: %w", err)
	}
	if _, seen := res.Globals["_latm_seen"]; !seen {
		if called, _ := res.Globals["_latm_called"].(bool); called {
			return nil, true, "", nil
		}
	}
	calls, _ := res.Globals["_latm_seen"].([]any)
	if len(calls) == 0 {
		return nil, false, "the usage example's code does not call " + tl.Entry, nil
	}
	first, _ := calls[0].([]any)
	if len(first) != 2 {
		return nil, false, "the recorded call cannot be read", nil
	}
	if kw, _ := first[1].(map[string]any); len(kw) > 0 {
		return nil, false, "the usage example calls " + tl.Entry + " with keyword arguments, which a parser's list cannot match", nil
	}
	pos, _ := first[0].([]any)
	return pos, false, "", nil
}

func sameValue(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// parserRun is one question answered through the parser.
type parserRun struct {
	args     []any  // funcArg at each function (runNested)
	code     string // ans = entry(…)
	ground   string // the call as the grounding guard reads it (functions as None)
	answer   string
	raw      string
	entryRaw string // the entry's return value, JSON, before finish
	problem  string // why it did not answer, "" if it did
}

// runParser parses question, runs the call it gives and, if the parser
// defines finish, turns the return value into the answer with it. Parser
// and tool never share a module: finish runs in the parser's, on the
// return value passed as a literal.
func runParser(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool, parser, question string, finish bool) (parserRun, error) {
	var pr parserRun
	args, opaque, problem, err := parseArgs(ctx, rt, parser, question)
	if err != nil || problem != "" {
		pr.problem = problem
		return pr, err
	}
	if opaque {
		nr, err := runNested(ctx, rt, tl, parser, question)
		if err != nil || nr.problem != "" {
			pr.problem = nr.problem
			return pr, err
		}
		pr.args, pr.code, pr.ground, pr.answer, pr.raw = nr.args, nr.code, nr.ground, nr.answer, nr.raw
	} else {
		pr.args = args
		code, ok := callCodeFor(tl.Entry, args)
		if !ok {
			pr.problem = fmt.Sprintf("parse returned a value with no literal form: %s", describeValue(args))
			return pr, nil
		}
		pr.code, pr.ground = code, code
		run := &tool.Run{}
		failure := attemptOnce(ctx, rt, starlarkrt.Source{Name: tl.Ref() + ".star", Code: tl.Source}, question, "```starlark\n"+code+"```", run)
		var mach *machineryError
		if errors.As(failure, &mach) {
			return pr, mach.err
		}
		if failure != nil {
			pr.problem = "the parsed call failed: " + failure.Error()
			return pr, nil
		}
		pr.answer, pr.raw = run.Answer, run.RawResult
	}
	pr.entryRaw = pr.raw
	if !finish {
		return pr, nil
	}
	dec := json.NewDecoder(strings.NewReader(pr.entryRaw))
	dec.UseNumber()
	var ret any
	var lit strings.Builder
	if err := dec.Decode(&ret); err != nil || !writeLiteral(&lit, ret) {
		pr.problem = "the tool's return value has no literal form to pass to finish"
		return pr, nil
	}
	snippet := "ans = finish(" + prompts.PyRepr(question) + ", " + lit.String() + ")\n"
	res, err := rt.Exec(ctx, starlarkrt.Source{Name: "parser.star", Code: parser}, starlarkrt.Source{Name: "finish.star", Code: snippet})
	if p := programText(err); p != "" {
		pr.problem = "finish failed: " + p
		return pr, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return pr, ctx.Err()
		}
		return pr, fmt.Errorf("run the parser's finish: %w", err)
	}
	pr.answer, err = FinalAnswer(question, res)
	if err != nil {
		pr.problem = "finish gave no answer"
		return pr, nil
	}
	pr.raw = RawResult(res)
	pr.code += "ans = finish(question, ans)  # the parser's\n"
	return pr, nil
}

// VerifyParser checks parser for tl: it loads on its own, gives each usage example's question the
// arguments that example's own call passes, and, parse → call, answers
// every labelled example right (answer.Correct under task). It returns the
// first problem, worded for the maker model, or "" if the parser verifies;
// err is a failure of the machinery.
func VerifyParser(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool, parser, task string, labelled []tool.Example) (problem string, err error) {
	finish, p, err := parserFunctions(ctx, rt, tl, parser)
	if err != nil || p != "" {
		return p, err
	}
	for i, ex := range tl.Examples {
		want, opaque, p, err := exampleArgsOf(ctx, rt, tl, ex.Code)
		if err != nil {
			return "", err
		}
		if p != "" {
			return fmt.Sprintf("usage example %d: %s", i+1, p), nil
		}
		got, gotOpaque, p, err := parseArgs(ctx, rt, parser, ex.Question)
		if err != nil {
			return "", err
		}
		if p != "" {
			return fmt.Sprintf("on the question of usage example %d, %s", i+1, p), nil
		}
		if opaque || gotOpaque {
			if p, err := agreesWithExample(ctx, rt, tl, parser, task, ex, finish, got, gotOpaque); err != nil || p != "" {
				return fmt.Sprintf("on the question of usage example %d, %s", i+1, p), err
			}
			continue
		}
		if !sameValue(got, want) {
			return fmt.Sprintf("on the question of usage example %d, parse returned %s but the example calls %s with %s", i+1, describeValue(got), tl.Entry, describeValue(want)), nil
		}
	}
	for i, ex := range labelled {
		pr, err := runParser(ctx, rt, tl, parser, ex.Question, finish)
		if err != nil {
			return "", err
		}
		if pr.problem != "" {
			return fmt.Sprintf("on example %d (%.80q), %s", i+1, ex.Question, pr.problem), nil
		}
		if !answer.Correct(task, pr.answer, ex.Answer) {
			return fmt.Sprintf("on example %d (%.80q), parse returned %s and the call answered %q; the answer is %q", i+1, ex.Question, describeValue(pr.args), pr.answer, ex.Answer), nil
		}
	}
	return "", nil
}
