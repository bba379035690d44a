package starlarkrt

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// withPythonStrings gives plain Starlark, the reference of the dialect's
// soundness tests, Python's string semantics and nothing else: the
// subscript, slice and len rewrites, and position methods that fall back
// to the receiver's own method (never to the dialect's Python methods, so
// the comparison still catches those).
func withPythonStrings(f *syntax.File, pre starlark.StringDict) {
	rewriteStrings(f)
	addStringSemantics(pre)
	pre[strMethodName] = starlark.NewBuiltin(strMethodName, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if _, ok := args[0].(starlark.String); ok {
			return latmStrMethod(thread, b, args, kwargs)
		}
		name, _ := starlark.AsString(args[1])
		if ha, ok := args[0].(starlark.HasAttrs); ok {
			if m, err := ha.Attr(name); err != nil || m != nil {
				if err != nil {
					return nil, err
				}
				return starlark.Call(thread, m, args[2:], kwargs)
			}
		}
		return nil, fmt.Errorf("%s has no .%s field or method", args[0].Type(), name)
	})
}

// TestPythonStrings pins each place where strings follow Python over
// Starlark (docs/dialect.md, "Strings are code points"), and that ASCII
// strings and other values keep Starlark's behaviour and errors.
func TestPythonStrings(t *testing.T) {
	rt := New(Options{Isolation: InProcess})
	for _, tc := range []struct{ expr, want string }{
		{`len("résumé")`, "6"},
		{`len("日本語")`, "3"},
		{`len("😀")`, "1"},
		{`len([1, 2])`, "2"},
		{`len("ascii")`, "5"},
		{`"résumé"[1]`, `"é"`},
		{`"résumé"[-1]`, `"é"`},
		{`"résumé"[1:4]`, `"ésu"`},
		{`"résumé"[::-1]`, `"émusér"`},
		{`"résumé"[::2]`, `"rsm"`},
		{`"résumé"[-3:]`, `"umé"`},
		{`"résumé"[10:]`, `""`},
		{`"héllo".find("l")`, "2"},
		{`"héllo".rfind("l")`, "3"},
		{`"héllo".index("o")`, "4"},
		{`"héllo".rindex("é")`, "1"},
		{`"héllo".find("l", 3)`, "3"},
		{`"héllo".find("h", 1)`, "-1"},
		{`"ééé".count("é", 1)`, "2"},
		{`"héllo".startswith("l", 2)`, "True"},
		{`"héllo".endswith("é", 0, 2)`, "True"},
		{`[c for c in "añb"][1]`, `"ñ"`},
		{`[1, 2, 3][-1]`, "3"},
		{`[1, 2, 3][::-1]`, "[3, 2, 1]"},
		{`(1, 2, 3)[1:]`, "(2, 3)"},
		{`{"a": 1}["a"]`, "1"},
		{`range(10)[2:8:3]`, "range(2, 8, 3)"},
		{`"abc"[1]`, `"b"`},
		{`[1, 2].index(2)`, "1"},
	} {
		res, err := rt.Exec(context.Background(), Source{Name: "empty.star"}, Source{Name: "t.py", Code: "x = " + tc.expr + "\nprint(repr(x))\n"})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := strings.TrimSpace(res.Output); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
	for _, tc := range []struct{ src, err string }{
		{`x = "é"[1]`, "string index 1 out of range [-1:0]"},
		{`x = ""[0]`, "index 0 out of range: empty string"},
		{`x = [1][2]`, "list index 2 out of range [-1:0]"},
		{`x = {"a": 1}["b"]`, `key "b" not in dict`},
		{`x = "é"["a"]`, "string index: got string, want int"},
		{`x = "é"[::0]`, "zero is not a valid slice step"},
		{`x = 1[0]`, "unhandled index operation int[int]"},
		{`x = 1[0:1]`, "invalid slice operand int"},
		{`x = "héllo".index("z")`, "substring not found"},
	} {
		_, err := rt.Exec(context.Background(), Source{Name: "empty.star"}, Source{Name: "t.py", Code: tc.src + "\n"})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got %v, want an error containing %q", tc.src, err, tc.err)
		}
	}
}

// TestPythonStringTargets: subscripts that are assigned to stay
// subscripts (a list element, a dict entry, an augmented assignment), and
// reading inside them is still rewritten.
func TestPythonStringTargets(t *testing.T) {
	rt := New(Options{Isolation: InProcess})
	src := `
xs = [0, 0, 0]
d = {}
s = "añb"
xs[len(s) - 1] = s[1]
d[s[2]] = 1
d[s[2]] += 1
a, xs[0] = 5, s[-1]
for xs[1] in ["ñ"]:
    pass
print(xs, d, a)
`
	res, err := rt.Exec(context.Background(), Source{Name: "empty.star"}, Source{Name: "t.py", Code: src})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(res.Output), `["b", "ñ", "ñ"] {"b": 2} 5`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestPythonStringIndexIsLinear: indexing every character of a long
// non-ASCII string in a loop scans it once (the offsets are cached), so it
// fits a step limit a quadratic scan would not.
func TestPythonStringIndexIsLinear(t *testing.T) {
	rt := New(Options{Isolation: InProcess, Limits: Limits{MaxSteps: 2_000_000}})
	src := `
s = "é" * 100000
n = 0
for i in range(len(s)):
    if s[i] == "é":
        n += 1
print(n)
`
	res, err := rt.Exec(context.Background(), Source{Name: "empty.star"}, Source{Name: "t.py", Code: src})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(res.Output); got != "100000" {
		t.Errorf("got %s, want 100000", got)
	}
}

// TestModuleValuesAsResults: a tool may return a Counter, defaultdict,
// deque or namedtuple; the result is the dict, list or tuple it stands for.
func TestModuleValuesAsResults(t *testing.T) {
	rt := New(Options{Isolation: InProcess})
	src := Source{Name: "t.py", Code: `
from collections import Counter, defaultdict, deque, namedtuple
P = namedtuple("P", "x y")
def solve():
    d = defaultdict(list)
    d["k"].append(1)
    return [Counter("aab"), d, deque([1, 2], maxlen=5), P(1, 2)]
`}
	res, err := rt.Call(context.Background(), src, "solve", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := MarshalJSON(res.Value)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `[{"a":2,"b":1},{"k":[1]},[1,2],[1,2]]`; got != want {
		t.Errorf("result = %s, want %s", got, want)
	}
}
