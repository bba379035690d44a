package user

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// Arguments with no literal form. GPT-4's logical-deduction tool takes its
// constraints as lambdas (find_order(objects, [lambda order: …, …])): a
// parser for it must return functions, and a function cannot be written
// into the call code ans = entry(…) that the literal path runs. Such a
// parser's parse and the entry run as one sandboxed program instead:
//
//	def _latm_parser():
//	    <the parser, indented: its definitions are this function's locals>
//	    return parse
//	_latm_args = _latm_parser()(question)
//	ans = entry(*_latm_args)
//
// beside the tool's code (the program sees the tool's globals, as call
// code does). The parser still cannot reach the tool: it loads on its own
// first (so every name it uses is its own or a builtin), and a name the
// parser uses without defining it that the tool's code binds is refused
// (nestingProblem). Its definitions are locals of _latm_parser, so none
// can change what the tool computes.
//
// What the guards compare, where functions cannot be compared: the
// program also returns the arguments' skeleton (the arguments with each
// function replaced by a marker, funcArg) and the argument shape guard
// (argGuard) sees each function place as the shape "function"; a usage
// example is reproduced when its own call passes the same skeleton (every
// literal argument equal, a function exactly where the example passes
// one) and the entry's return value on the example's question equals the
// one of the example's own call, and the parser's answer equals the
// example's; the grounding guard checks the call with each function
// written as None (the literal arguments must be grounded in the
// question). The functions themselves are judged only by their results:
// parse → call → answer equals the label on every training and
// validation example, as for any parser.

// funcArg stands for a function in a parsed argument's skeleton.
type funcArg struct{}

// MarshalJSON renders a function for messages (describeValue); skeletons
// are compared with sameArgs, which tells a function from any value.
func (funcArg) MarshalJSON() ([]byte, error) { return []byte(`"<function>"`), nil }

// skelHelper defines _latm_skel(v, path, fpaths): v with each function
// replaced by None, the path to each (list indices and dict keys) appended
// to fpaths. Other values are returned as they are; one with no JSON form
// leaves the skeleton out of the program's globals.
const skelHelper = `
def _latm_skel(v, path, fpaths):
    t = type(v)
    if t == "list" or t == "tuple":
        return [_latm_skel(e, path + [i], fpaths) for i, e in enumerate(v)]
    if t == "dict":
        return {k: _latm_skel(e, path + [k], fpaths) for k, e in v.items()}
    if t == "function" or t == "builtin_function_or_method":
        fpaths.append(path)
        return None
    return v
`

var identRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// nestingProblem says why parser cannot run nested inside the tool's
// program, or "". A multi-line string would change when indented and a
// tab-indented line cannot be indented reliably; a name the parser uses
// without binding it that the tool's code binds would be the tool's there
// (every identifier in the parser's text outside whole-line comments
// counts, in strings too: a guard that cannot tell refuses).
func nestingProblem(rt *starlarkrt.Runtime, tl *tool.Tool, parser string) (string, error) {
	if strings.Contains(parser, `"""`) || strings.Contains(parser, `'''`) {
		return "the parser has a triple-quoted string, which cannot be nested in the call's program unchanged", nil
	}
	for _, line := range strings.Split(parser, "\n") {
		if strings.HasSuffix(strings.TrimRight(line, " \r"), `\`) {
			return "the parser continues a line with a backslash, which cannot be nested in the call's program unchanged", nil
		}
		if strings.HasPrefix(strings.TrimLeft(line, " "), "\t") {
			return "the parser indents with tabs, which cannot be nested in the call's program unchanged", nil
		}
	}
	toolSrc := starlarkrt.Source{Name: tl.Ref() + ".star", Code: tl.Source}
	parserSrc := starlarkrt.Source{Name: "parser.star", Code: parser}
	seen := map[string]bool{}
	var text strings.Builder
	for _, line := range strings.Split(parser, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") { // a whole-line comment (no string spans lines)
			text.WriteString(line + "\n")
		}
	}
	for _, name := range identRE.FindAllString(text.String(), -1) {
		if seen[name] {
			continue
		}
		seen[name] = true
		_, toolBinds, err := rt.Declares(toolSrc, name)
		if err != nil {
			return "", fmt.Errorf("compile the tool: %w", err)
		}
		if !toolBinds {
			continue
		}
		_, parserBinds, err := rt.Declares(parserSrc, name)
		if err != nil {
			return "", fmt.Errorf("compile the parser: %w", err)
		}
		if !parserBinds {
			return fmt.Sprintf("the parser uses the name %s, which the tool's code defines; run beside the tool it would be the tool's", name), nil
		}
	}
	return "", nil
}

// nestedProgram is the program that runs parse and the entry together
// (see above); its globals _latm_shape and _latm_fpaths are the
// arguments' skeleton, ans the entry's return value.
func nestedProgram(entry, parser, question string) string {
	var b strings.Builder
	b.WriteString("def _latm_parser():\n")
	for _, line := range strings.Split(strings.TrimRight(parser, "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("    ")
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("    return parse\n")
	b.WriteString(skelHelper)
	b.WriteString("\n" + parseArgsVar + " = _latm_parser()(" + prompts.PyRepr(question) + ")\n")
	b.WriteString("if type(" + parseArgsVar + `) not in ("list", "tuple"):` + "\n")
	b.WriteString(`    fail("parse returned a " + type(` + parseArgsVar + `) + ", not a list of the entry function's arguments")` + "\n")
	b.WriteString("_latm_fpaths = []\n")
	b.WriteString("_latm_shape = _latm_skel(" + parseArgsVar + ", [], _latm_fpaths)\n")
	b.WriteString("ans = " + entry + "(*" + parseArgsVar + ")\n")
	return b.String()
}

// skeleton rebuilds a value from its skeleton and the paths to its
// functions, with funcArg at each; false if a path does not lead to a
// place in it.
func skeleton(shape any, fpaths []any) (any, bool) {
	for _, p := range fpaths {
		path, ok := p.([]any)
		if !ok || len(path) == 0 {
			return nil, false
		}
		var ok2 bool
		if shape, ok2 = setAt(shape, path); !ok2 {
			return nil, false
		}
	}
	return shape, true
}

func setAt(v any, path []any) (any, bool) {
	if len(path) == 0 {
		return funcArg{}, true
	}
	switch x := v.(type) {
	case []any:
		i, ok := path[0].(int64)
		if !ok || i < 0 || int(i) >= len(x) {
			return nil, false
		}
		e, ok := setAt(x[i], path[1:])
		x[i] = e
		return x, ok
	case map[string]any:
		k, ok := path[0].(string)
		if _, has := x[k]; !ok || !has {
			return nil, false
		}
		e, ok := setAt(x[k], path[1:])
		x[k] = e
		return x, ok
	}
	return nil, false
}

// sameArgs compares two skeletons: a function matches only a function,
// anything else as sameValue does.
func sameArgs(a, b any) bool {
	switch x := a.(type) {
	case funcArg:
		_, ok := b.(funcArg)
		return ok
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameArgs(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, has := y[k]
			if !has || !sameArgs(e, f) {
				return false
			}
		}
		return true
	}
	if _, ok := b.(funcArg); ok {
		return false
	}
	return sameValue(a, b)
}

// groundingCode is the call with each function written as None: what of
// it is literal, for the grounding guard.
func groundingCode(entry string, args []any) (string, bool) {
	return callCodeFor(entry, withoutFuncs(args).([]any))
}

func withoutFuncs(v any) any {
	switch x := v.(type) {
	case funcArg:
		return nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutFuncs(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = withoutFuncs(e)
		}
		return out
	}
	return v
}

// describeCall renders the call for the record, each function as
// <function>: ans = entry(["white", …], [<function>, …]).
func describeCall(entry string, args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = describeArg(a)
	}
	return "ans = " + entry + "(" + strings.Join(parts, ", ") + ")"
}

func describeArg(v any) string {
	switch x := v.(type) {
	case funcArg:
		return "<function>"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = describeArg(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	var b strings.Builder
	if writeLiteral(&b, v) {
		return b.String()
	}
	return describeValue(v)
}

// nestedRun is parse and the call run as one program.
type nestedRun struct {
	args    []any // the skeleton, funcArg at each function
	code    string
	ground  string
	answer  string
	raw     string
	problem string
}

// runNested runs parser's parse on question and the entry on what it
// returned as one program (see above).
func runNested(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool, parser, question string) (nestedRun, error) {
	var nr nestedRun
	if !entryNameRE.MatchString(tl.Entry) {
		nr.problem = fmt.Sprintf("the entry %q is not a function name", tl.Entry)
		return nr, nil
	}
	if p, err := nestingProblem(rt, tl, parser); err != nil || p != "" {
		nr.problem = p
		return nr, err
	}
	res, err := rt.Exec(ctx, starlarkrt.Source{Name: tl.Ref() + ".star", Code: tl.Source},
		starlarkrt.Source{Name: "parse_and_call.star", Code: nestedProgram(tl.Entry, parser, question)})
	if p := programText(err); p != "" {
		nr.problem = "parse and the call, run as one program, failed: " + p
		return nr, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return nr, ctx.Err()
		}
		return nr, fmt.Errorf("run the parser and the call: %w", err)
	}
	shape, ok1 := res.Globals["_latm_shape"]
	fpaths, ok2 := res.Globals["_latm_fpaths"].([]any)
	if !ok1 || !ok2 {
		nr.problem = "parse returned a value that is neither literal nor a function"
		return nr, nil
	}
	sk, ok := skeleton(shape, fpaths)
	args, isList := sk.([]any)
	if !ok || !isList {
		nr.problem = "the parsed arguments' functions cannot be placed"
		return nr, nil
	}
	if len(fpaths) == 0 {
		nr.problem = "parse returned arguments with no literal form but no function either"
		return nr, nil
	}
	nr.args = args
	ground, ok := groundingCode(tl.Entry, args)
	if !ok {
		nr.problem = fmt.Sprintf("parse returned a value with no literal form that is not a function: %s", describeValue(args))
		return nr, nil
	}
	nr.ground = ground
	nr.code = "# parse(question) returned functions, which have no literal form: parse and the call ran as one program\n" +
		"# " + describeCall(tl.Entry, args) + "\n" +
		"ans = " + tl.Entry + "(*parse(question))\n"
	nr.raw = RawResult(res)
	nr.answer, err = FinalAnswer(question, res)
	if err != nil {
		nr.problem = "the parsed call failed: " + err.Error()
	}
	return nr, nil
}

var entryNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// exampleCall runs a usage example's code with the entry wrapped to
// record its first call: the arguments' skeleton (funcArg at each
// function) and the return value. Used where the example's arguments
// have no literal form.
func exampleCall(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool, code string) (args []any, ret any, problem string, err error) {
	if !entryNameRE.MatchString(tl.Entry) {
		return nil, nil, fmt.Sprintf("the entry %q is not a function name", tl.Entry), nil
	}
	wrapped := tl.Source + "\n\n_latm_entry = " + tl.Entry + "\n_latm_calls = []\n" + skelHelper +
		"def " + tl.Entry + "(*args, **kwargs):\n" +
		"    rec = [args, kwargs, None]\n" +
		"    _latm_calls.append(rec)\n" +
		"    rec[2] = _latm_entry(*args, **kwargs)\n" +
		"    return rec[2]\n"
	snippet := code + "\n_latm_called = len(_latm_calls) > 0\n_latm_first = _latm_calls[0] if _latm_calls else None\n" +
		"_latm_fpaths = []\n" +
		"_latm_shape = _latm_skel(list(_latm_first[0]), [], _latm_fpaths) if _latm_first else None\n" +
		"_latm_kwargs = len(_latm_first[1]) if _latm_first else 0\n" +
		"_latm_ret = _latm_first[2] if _latm_first else None\n"
	res, err := rt.Exec(ctx, starlarkrt.Source{Name: tl.Name + ".star", Code: wrapped}, starlarkrt.Source{Name: "example.star", Code: snippet})
	if p := programText(err); p != "" {
		return nil, nil, "the usage example's code fails: " + p, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, "", ctx.Err()
		}
		return nil, nil, "", fmt.Errorf("run a usage example: %w", err)
	}
	if called, _ := res.Globals["_latm_called"].(bool); !called {
		return nil, nil, "the usage example's code does not call " + tl.Entry, nil
	}
	if n, _ := res.Globals["_latm_kwargs"].(int64); n > 0 {
		return nil, nil, "the usage example calls " + tl.Entry + " with keyword arguments, which a parser's list cannot match", nil
	}
	shape, ok1 := res.Globals["_latm_shape"]
	fpaths, ok2 := res.Globals["_latm_fpaths"].([]any)
	ret, ok3 := res.Globals["_latm_ret"]
	if !ok1 || !ok2 || !ok3 {
		return nil, nil, "the usage example's call passes or returns a value that is neither literal nor a function, which cannot be compared", nil
	}
	sk, ok := skeleton(shape, fpaths)
	args, isList := sk.([]any)
	if !ok || !isList {
		return nil, nil, "the usage example's call cannot be read", nil
	}
	return args, ret, "", nil
}

// sameResult compares the entry's return value on a usage example with
// the raw result of the parsed call: both are the JSON encoding of what the
// sandbox returned.
func sameResult(ret any, raw string) bool {
	b, err := json.Marshal(ret)
	return err == nil && raw != "" && string(b) == raw
}

// agreesWithExample checks the parser on a usage example whose call
// passes functions, or whose question parse answers with functions
// (parsed is what parse returned unless opaque): the
// skeletons must be the same (every literal argument equal, a function
// exactly where the example passes one), the entry must return what the
// example's own call returned, and the answer must be the example's. It
// returns the problem, worded for the maker model, or "".
func agreesWithExample(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool, parser, task string, ex tool.UsageExample, finish bool, parsed []any, opaque bool) (string, error) {
	want, ret, p, err := exampleCall(ctx, rt, tl, ex.Code)
	if err != nil || p != "" {
		return p, err
	}
	if !opaque && !sameArgs(parsed, want) {
		return fmt.Sprintf("parse returned %s but the example calls %s with %s", describeArg(parsed), tl.Entry, describeArg(want)), nil
	}
	pr, err := runParser(ctx, rt, tl, parser, ex.Question, finish)
	if err != nil || pr.problem != "" {
		return pr.problem, err
	}
	if !sameArgs(pr.args, want) {
		return fmt.Sprintf("parse returned %s but the example calls %s with %s", describeArg(pr.args), tl.Entry, describeArg(want)), nil
	}
	if wantRaw, err := json.Marshal(ret); err != nil || !sameResult(ret, pr.entryRaw) {
		return fmt.Sprintf("the call with what parse returned gave %.200s but the example's own call gave %.200s", pr.entryRaw, wantRaw), nil
	}
	if ex.Answer != "" && !answer.Correct(task, pr.answer, ex.Answer) {
		return fmt.Sprintf("the parsed call answered %q; the example's answer is %q", pr.answer, ex.Answer), nil
	}
	return "", nil
}
