package starlarkrt

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// runProg runs code as a snippet over an empty tool and returns its globals.
func runProg(t *testing.T, code string) (map[string]any, error) {
	t.Helper()
	return runProgLimits(t, code, Limits{})
}

func runProgLimits(t *testing.T, code string, lim Limits) (map[string]any, error) {
	t.Helper()
	rt := New(Options{Limits: lim})
	defer rt.Close()
	res, err := rt.Exec(context.Background(), Source{Name: "tool.star", Code: "pass\n"}, Source{Name: "t.star", Code: code})
	if err != nil {
		return nil, err
	}
	return res.Globals, nil
}

// TestPreprocessKeepsValidStarlark: text the Starlark parser accepts comes
// back unchanged, including strings that mention the rewritten forms.
func TestPreprocessKeepsValidStarlark(t *testing.T) {
	for _, src := range []string{
		"for x in [1, 2]:\n    print(x)\n",
		"y = f([x for x in xs])\n",
		"s = 'import os'\n",
		"s = \"assert x == 1\"\n",
		"s = '(x for x in y)'\n",
		"s = \"\"\"\nimport os\nassert 1\nf(x for x in y)\n\"\"\"\n",
		"# import os\n# assert False\n",
		"def f(*args, **kwargs):\n    return g(*args, **kwargs)\n",
		"d = dict(**kw)\n",
		"x = {'a': 1}\n",
		"f = lambda x: x + 1\n",
		"def g(x, y=lambda z: z):\n    return y(x)\n",
		"s = 'a' % 3 if b else c\n",
		"x = a[1:2]\n",
	} {
		got, err := preprocess("t.star", src)
		if err != nil {
			t.Errorf("preprocess(%q): %v", src, err)
			continue
		}
		if got != src {
			t.Errorf("preprocess(%q) = %q, want it unchanged", src, got)
		}
	}
}

// TestPreprocessRewrites pins the text of each source rewrite.
func TestPreprocessRewrites(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"assert x == 1\n", `if not ( x == 1): _latm_assert("x == 1")` + "\n"},
		{"    assert ok, 'bad'  # c\n", "    if not ( ok): _latm_assert(\"ok\", 'bad')  # c\n"},
		{"import math\n", "pass\n"},
		{"import math as m, json\n", "m = _latm_module_math\n"},
		{"from math import sqrt, floor as fl\n", "sqrt = _latm_module_math.sqrt; fl = _latm_module_math.floor\n"},
		{"from math import (\n  sqrt,\n  floor)\nx = 1\n", "sqrt = _latm_module_math.sqrt; floor = _latm_module_math.floor\n\n\nx = 1\n"},
		{"from typing import List\n", "pass\n"},
		{"from __future__ import annotations\n", "pass\n"},
		{"import typing\n", "pass\n"},
		{"x = sum(i*i for i in xs)\n", "x = sum(_latm_genexp([i*i for i in xs]))\n"},
		{"x = ''.join(c for c in s if c)\n", "x = ''.join(_latm_genexp([c for c in s if c]))\n"},
		{"x = max(a*b for a, b in zip(p, q))\n", "x = max(_latm_genexp([a*b for a, b in zip(p, q)]))\n"},
		{"x = f(g(y) for y in z)(1)\n", "x = f(_latm_genexp([g(y) for y in z]))(1)\n"},
		{"def f(x: int, y: List[int] = [1]) -> str:\n", "def f(x     , y            = [1])       :\n"},
		{"x: int = 5\n", "x      = 5\n"},
		{"x: int\n", "pass  \n"},
		{"y = x ** 2\n", "y = pow(x , 2)\n"},
		{"y = -x ** 2\n", "y = -pow(x , 2)\n"},
		{"y = a.b[1](c) ** -d.e\n", "y = pow(a.b[1](c) , -d.e)\n"},
		{"y = 2 ** 3 ** 2\n", "y = pow(2 , pow(3 , 2))\n"},
		{"y = (a + b) ** 2 * 3\n", "y = pow((a + b) , 2) * 3\n"},
		{"s = f\"{a} and {b!r:>5} {{x}}\"\n", "s = \"{} and {!r:>5} {{x}}\".format((a), (b))\n"},
		{"s = f'{x=}'\n", "s = 'x={!r}'.format((x))\n"},
		{"s = f'{x:{w}.{p}f}'\n", "s = '{:{}.{}f}'.format((x), (w), (p))\n"},
		{"s = f'{d[\"k\"]}' + F\"plain\"\n", "s = '{}'.format((d[\"k\"])) + \"plain\"\n"},
		{"s = rf'\\d{n}'\n", "s = r'\\d{}'.format((n))\n"},
		{"s = f\"\"\"a\n{b}\nc\"\"\"\nt = 1\n", "s = \"\"\"a\n{}\nc\"\"\".format((b))\nt = 1\n"},
		{"s = f'{a!=b}'\n", "s = '{}'.format((a!=b))\n"},
	} {
		got, err := preprocess("t.star", tc.in)
		if err != nil {
			t.Errorf("preprocess(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("preprocess(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// TestImportUnavailable: an import of a module the runtime lacks fails at
// its line, naming the module, the available ones, and a way out.
func TestImportUnavailable(t *testing.T) {
	for _, tc := range []struct{ src, module, hint string }{
		{"x = 1\nimport os\n", "os", "deterministic"},
		{"def f():\n    from random import choice\n", "random", "deterministic"},
		{"import numpy as np\n", "numpy", "lists"},
		{"import os.path\n", "os", ""},
		{"from math.foo import x\n", "math.foo", ""},
	} {
		_, err := preprocess("t.star", tc.src)
		var pe *ProgramError
		if !errors.As(err, &pe) {
			t.Errorf("preprocess(%q) = %v, want a ProgramError", tc.src, err)
			continue
		}
		wantLine := strings.Count(tc.src, "\n")
		if pe.Line != wantLine || !strings.Contains(pe.Msg, "module '"+tc.module+"' is not available") ||
			!strings.Contains(pe.Msg, "available modules: ") || !strings.Contains(pe.Msg, "math") || !strings.Contains(pe.Hint, tc.hint) {
			t.Errorf("preprocess(%q) = line %d %q hint %q; want line %d about %s", tc.src, pe.Line, pe.Msg, pe.Hint, wantLine, tc.module)
		}
	}
	_, err := preprocess("t.star", "from math import nosuch\n")
	if err == nil || !strings.Contains(err.Error(), "module 'math' has no 'nosuch'") {
		t.Errorf("from math import nosuch: got %v", err)
	}
}

// TestDialectPrograms runs Python-flavoured programs end to end and checks
// the values they compute.
// program is a source and the globals it must leave.
type program struct {
	name, code string
	want       map[string]any
}

// checkPrograms runs each program in the dialect and compares the globals
// it names.
func checkPrograms(t *testing.T, progs []program) {
	t.Helper()
	for _, tc := range progs {
		t.Run(tc.name, func(t *testing.T) {
			g, err := runProg(t, tc.code)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			for k, want := range tc.want {
				if got := g[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
		})
	}
}

func TestDialectPrograms(t *testing.T) {
	checkPrograms(t, []program{
		{"assert passes", "assert 1 + 1 == 2\nassert True, 'never'\nx = 1\n", map[string]any{"x": int64(1)}},
		{"assert in def", "def f(n):\n    assert n > 0, 'n must be positive'\n    return n\nx = f(3)\n", map[string]any{"x": int64(3)}},
		{"from datetime import datetime in def", "def f():\n    from math import floor, sqrt as math\n    return floor(math(10))\nx = f()\n", map[string]any{"x": int64(3)}},
		{"tuple methods", "t = (1, 2, 1)\nx = [t.index(2), t.count(1), [5, 6].index(6), 'ab'.index('b')]\n", map[string]any{"x": []any{int64(1), int64(2), int64(1), int64(1)}}},
		{"f-strings", "n = 7\nname = 'ab'\nx = f'{n:03d}|{n!s}|{n * 2}|{name.upper():>4}|{n=}|{{n}}'\n", map[string]any{"n": int64(7), "name": "ab", "x": "007|7|14|  AB|n=7|{n}"}},
		{"import inside def", "def f(x):\n    import math\n    from math import floor as fl\n    return fl(math.sqrt(x))\nx = f(17)\n", map[string]any{"x": int64(4)}},
		{"generator sum", "x = sum(i * i for i in range(4))\n", map[string]any{"x": int64(14)}},
		{"generator join", "x = '-'.join(str(c) for c in [1, 2] if c)\n", map[string]any{"x": "1-2"}},
		{"f-string as generator body", "xs = [('a', 1), ('b', 2)]\nx = ' '.join(f'{k}{v}' for k, v in xs)\n", map[string]any{"xs": []any{[]any{"a", int64(1)}, []any{"b", int64(2)}}, "x": "a1 b2"}},
		{"generator all", "x = all(n % d == 0 for d, n in zip([2, 3], [4, 9]))\n", map[string]any{"x": true}},
		{"for over string", "x = []\nfor c in 'ab':\n    x.append(c)\n", map[string]any{"x": []any{"a", "b"}}},
		{"comprehension over string", "x = [c.upper() for c in 'héllo' if c != 'l']\n", map[string]any{"x": []any{"H", "É", "O"}}},
		{"string builtins", "a = list('ab')\nb = sorted('cab')\nc = [i for i, _ in enumerate('xy')]\nd = list(reversed('ab'))\ne = list(zip('ab', 'cd'))\nf = max('abz')\ng = tuple('ab')\nh = len(set('aab'))\ni = any('a')\nj = max('a', 'b')\n",
			map[string]any{"a": []any{"a", "b"}, "b": []any{"a", "b", "c"}, "c": []any{int64(0), int64(1)}, "d": []any{"b", "a"}, "e": []any{[]any{"a", "c"}, []any{"b", "d"}}, "f": "z", "g": []any{"a", "b"}, "h": int64(2), "i": true, "j": "b"}},
		{"for over list keeps meaning", "x = 0\nfor v in [1, 2, 3]:\n    x += v\n", map[string]any{"x": int64(6)}},
		{"annotations", "def f(x: int, ys: list = []) -> int:\n    total: int = x\n    return total + len(ys)\nx = f(2, [1])\n", map[string]any{"x": int64(3)}},
		{"power", "a = 2 ** 10\nb = -2 ** 2\nc = 2 ** -1\nd = 2 ** 3 ** 2\ne = 10 ** 20\n", map[string]any{"a": int64(1024), "b": int64(-4), "c": 0.5, "d": int64(512), "e": mustBig("100000000000000000000")}},
		{"list methods", "xs = [3, 1, 2]\nxs.sort()\nys = ['bb', 'a', 'ccc']\nys.sort(key=len, reverse=True)\nn = [1, 2, 1].count(1)\nzs = xs.copy()\nzs.reverse()\ncnt = 'banana'.count('a')\n",
			map[string]any{"xs": []any{int64(1), int64(2), int64(3)}, "ys": []any{"ccc", "bb", "a"}, "n": int64(2), "zs": []any{int64(3), int64(2), int64(1)}, "cnt": int64(3)}},
		{"string methods", "a = '42'.zfill(5)\nb = '-7'.zfill(4)\nc = 'ab'.ljust(4, '.')\nd = 'ab'.rjust(4)\ne = 'ab'.center(5, '*')\nf = '123'.isnumeric()\ng = ''.isdecimal()\n",
			map[string]any{"a": "00042", "b": "-007", "c": "ab..", "d": "  ab", "e": "**ab*", "f": true, "g": false}},
		{"percent format", "a = '%.2f' % 3.14159\nb = '%5d|' % 42\nc = '%-6s|' % 'ab'\nd = '%05.1f' % -2.5\ne = '%d-%s' % (3, 'a')\nf = '%+d %x %o %e' % (5, 255, 8, 1500.0)\ng = '%(n)03d' % {'n': 7}\nh = '%%d %s' % 'x'\n",
			map[string]any{"a": "3.14", "b": "   42|", "c": "ab    |", "d": "-02.5", "e": "3-a", "f": "+5 ff 10 1.500000e+03", "g": "007", "h": "%d x"}},
		{"str.format specs", "a = '{:.2f}'.format(3.14159)\nb = '{:>5}|{:<4}|{:^5}'.format('a', 'b', 'c')\nc = '{0:05d} {name:,}'.format(42, name=1234567)\nd = '{} {}'.format(1, 'x')\ne = '{:.1%}'.format(0.256)\nf = '{:{w}.{p}f}'.format(2.5, w=6, p=2)\n",
			map[string]any{"a": "3.14", "b": "    a|b   |  c  ", "c": "00042 1,234,567", "d": "1 x", "e": "25.6%", "f": "  2.50"}},
		{"dict and set copy", "d = {'a': 1}\ne = d.copy()\ne['b'] = 2\ns = set([1])\nt = s.copy()\nt.add(2)\nn = [len(d), len(e), len(s), len(t)]\nj = s.isdisjoint([3])\n",
			map[string]any{"n": []any{int64(1), int64(2), int64(1), int64(2)}, "j": true}},
	})
}

// TestDialectErrors: what cannot be supported fails, at the right line,
// with the right message.
func TestDialectErrors(t *testing.T) {
	for _, tc := range []struct {
		name, code, msg string
		line            int
	}{
		{"assert fails with condition", "x = 1\nassert x == 2\n", "assertion failed: x == 2", 2},
		{"assert fails with message", "def f(n):\n    assert n > 0, 'n=' + str(n)\n    return n\nf(-1)\n", "assertion failed: n=-1", 2},
		{"assert message is lazy", "x = None\nassert x == None, x.missing\ny = 1\nassert y == 2, 'y is %d' % y\n", "assertion failed: y is 1", 4},
		{"missing method stays an error", "x = [1].zfill(3)\n", "list has no .zfill field or method", 1},
		{"sort on a string stays an error", "x = 'ba'\nx.sort()\n", "string has no .sort field or method", 2},
		{"bad percent format", "x = '%5.2q' % 3\n", "unsupported format character", 1},
		{"isinstance with a non-type", "x = isinstance(1, 'int')\n", "isinstance: got \"int\" as the type", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runProg(t, tc.code)
			var pe *ProgramError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a ProgramError", err)
			}
			if !strings.Contains(pe.Msg, tc.msg) || pe.Line != tc.line {
				t.Errorf("got line %d %q, want line %d containing %q", pe.Line, pe.Msg, tc.line, tc.msg)
			}
		})
	}
}

// TestPreprocessPositions: rewrites keep lines, so an error after a
// rewritten line is reported at its own line.
func TestPreprocessPositions(t *testing.T) {
	code := "from math import (\n    sqrt,\n    floor,\n)\nx = sum(i for i in [\n    1,\n    2])\ny = undefined_name\n"
	_, err := runProg(t, code)
	var pe *ProgramError
	if !errors.As(err, &pe) || pe.Line != 8 || !strings.Contains(pe.Msg, "undefined_name") {
		t.Fatalf("got %v, want an error at line 8 about undefined_name", err)
	}
}

// FuzzPreprocess: preprocess never panics and keeps the line count.
func FuzzPreprocess(f *testing.F) {
	for _, s := range []string{
		"assert x, 'm'\n", "import math as m\n", "from math import (a,\n b)\n",
		"x = f(a for a in b)\n", "def f(x: int) -> int:\n  return x ** 2\n",
		"s = '''a\nb''' ** 2\n", "x = (\n", "assert\n", "from import\n", "a ** ** b\n",
		"f'{x}'\n", "from", "import", "x = \"unterminated\n", "y = r'\\'' ** -\n",
		"try:\n  x = 1\nexcept (A, B) as e:\n  raise\nelse:\n  pass\nfinally:\n  y = 2\n",
		"a = b = c\n", "h, *t = xs\n", "del x[1:2], y[k], z\n", "x = 0 <= i < n is not None\n",
		"s = {1, 2}\nt = {x for x in s}\n", "if (n := f(x)) > 1:\n  global g\n", "for x in y:\n  break\nelse:\n  pass\n",
		"raise X from", "except", "del", "a = = b\n", "x is\n", "{,}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out, err := preprocess("f.star", src)
		if err != nil {
			return
		}
		if got, want := strings.Count(out, "\n"), strings.Count(src, "\n"); got != want {
			t.Fatalf("preprocess(%q) = %q: %d lines, want %d", src, out, got, want)
		}
	})
}

// TestHints: each Python-ism Starlark rejects gets its one-line advice,
// from the real error the pipeline reports.
func TestHints(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"x = f'{a'\n", "f-string"},
		{"def f():\n    with x as y:\n        pass\n", "'with'"},
		{"def f():\n    yield 1\n", "build a list"},
		{"x = 1_000\n", "digit separators"},
		{"x = 'a' + 1\n", `"..." + str(x)`},
		{"x = [1] * 2.0\n", ""},
		{"x = Counter([1])\n", "counts.get(k, 0)"},
		{"x = [[1]]\ny = {x[0]: 1}\n", "tuple(xs)"},
		{"x = 1 / 0\n", "check the divisor"},
		{"x = 1 < 'a'\n", "same type"},
		{"x = FileNotFoundError\n", "exception classes are"},
		{"def f():\n    x = y + 1\n    y = 2\nf()\n", "on every path"},
		{"x = f'{a is None}'\n", "f-string"},
	} {
		_, err := runProg(t, tc.code)
		var pe *ProgramError
		if !errors.As(err, &pe) {
			t.Errorf("%q: got %v, want a ProgramError", tc.code, err)
			continue
		}
		if tc.want == "" {
			continue
		}
		if !strings.Contains(pe.Hint, tc.want) {
			t.Errorf("%q: error %q at line %d (%q): hint %q, want one containing %q", tc.code, pe.Msg, pe.Line, pe.SourceLine, pe.Hint, tc.want)
		}
	}
	if h := hint("some unrelated error", "x = 1"); h != "" {
		t.Errorf("hint for an unrelated error = %q, want none", h)
	}
}
