package starlarkrt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
)

// TestPythonSyntax runs the Python statements and operators the dialect
// rewrites and checks the values they compute, as CPython computes them.
func TestPythonSyntax(t *testing.T) {
	checkPrograms(t, []program{
		{"is None", "x = None\na = x is None\nb = x is not None\nc = 0 is None\n", map[string]any{"a": true, "b": false, "c": false}},
		{"is on mutable values", "p = [1]\nq = p\nr = [1]\na = [p is q, p is r, p is not r, p == r]\n", map[string]any{"a": []any{true, false, true, true}}},
		{"is on booleans", "a = (1 > 0) is True\nb = 1 is True\n", map[string]any{"a": true, "b": false}},
		{"not is", "x = 1\na = not x is None\n", map[string]any{"a": true}},
		{"chain", "x = 5\na = 0 <= x < 10\nb = 0 < x < 3\nc = 1 < 2 < 3 < 4\nd = 3 > 2 >= 2 > 1\n", map[string]any{"a": true, "b": false, "c": true, "d": true}},
		{"chain evaluates once and lazily", "calls = []\ndef f(v):\n    calls.append(v)\n    return v\na = f(1) < f(0) < f(9)\n", map[string]any{"a": false, "calls": []any{int64(1), int64(0)}}},
		{"chain with in and is", "a = 1 in [1] in [[1]]\nb = None is None is None\n", map[string]any{"a": true, "b": true}},
		{"chain in comprehension", "a = [v for v in range(8) if 2 < v <= 5]\n", map[string]any{"a": []any{int64(3), int64(4), int64(5)}}},
		{"chain in assert and condition", "def f(i, n):\n    assert 0 <= i < n, 'bad'\n    return 'in' if 0 <= i < n else 'out'\na = f(1, 3)\n", map[string]any{"a": "in"}},
		{"set literal", "s = {3, 1, 3}\na = sorted(s)\nb = 2 in {1, 2}\n", map[string]any{"a": []any{int64(1), int64(3)}, "b": true}},
		{"set comprehension", "a = sorted({x % 3 for x in range(9)})\n", map[string]any{"a": []any{int64(0), int64(1), int64(2)}}},
		{"empty braces stay a dict", "a = {}\na['k'] = 1\n", map[string]any{"a": map[string]any{"k": int64(1)}}},
		{"chained assignment", "a = b = 0\na += 1\nx = y = []\nx.append(1)\n", map[string]any{"a": int64(1), "b": int64(0), "y": []any{int64(1)}}},
		{"chained assignment to items", "d = {}\nd['a'] = d['b'] = 2\n", map[string]any{"d": map[string]any{"a": int64(2), "b": int64(2)}}},
		{"star unpacking", "h, *t = [1, 2, 3]\n*i, l = 'abc'\na, *m, z = (1, 2)\n", map[string]any{"h": int64(1), "t": []any{int64(2), int64(3)}, "i": []any{"a", "b"}, "l": "c", "m": []any{}, "z": int64(2)}},
		{"del", "xs = [0, 1, 2, 3, 4]\ndel xs[0]\ndel xs[-1]\nd = {'a': 1, 'b': 2}\ndel d['a']\nys = list(range(6))\ndel ys[1:5:2]\nv = 1\ndel v\n",
			map[string]any{"xs": []any{int64(1), int64(2), int64(3)}, "d": map[string]any{"b": int64(2)}, "ys": []any{int64(0), int64(2), int64(4), int64(5)}, "v": nil}},
		{"for else", "def f(xs):\n    for x in xs:\n        if x < 0:\n            break\n    else:\n        return 'none negative'\n    return 'negative'\na = [f([1, 2]), f([1, -1])]\n", map[string]any{"a": []any{"none negative", "negative"}}},
		{"while else", "i = 0\nwhile i < 3:\n    i += 1\nelse:\n    i = 10\n", map[string]any{"i": int64(10)}},
		{"nested loop else", "out = []\nfor a in range(3):\n    for b in range(3):\n        if b > a:\n            break\n    else:\n        out.append(a)\n", map[string]any{"out": []any{int64(2)}}},
		{"lambda defaults", "f = lambda x, k=3: x * k\na = [f(2), f(2, 5)]\n", map[string]any{"a": []any{int64(6), int64(10)}}},
		{"walrus in if", "xs = [1, 2, 3]\nif (n := len(xs)) > 2:\n    a = n * 10\n", map[string]any{"a": int64(30), "n": int64(3)}},
		{"walrus in while", "def f():\n    xs = [3, 2, 1]\n    out = []\n    while (v := xs.pop()) != 3:\n        out.append(v)\n    return out, v\na = f()\n", map[string]any{"a": []any{[]any{int64(1), int64(2)}, int64(3)}}},
		{"walrus in comprehension binds outside", "def f():\n    ys = [y for x in [1, 2, 3] if (y := x * 2) > 2]\n    return ys, y\na = f()\n", map[string]any{"a": []any{[]any{int64(4), int64(6)}, int64(6)}}},
		{"global", "count = 0\ndef bump(k):\n    global count\n    count += k\n    return count\nbump(2)\nbump(3)\n", map[string]any{"count": int64(5)}},
		{"nonlocal", "def counter():\n    n = 0\n    def inc():\n        nonlocal n\n        n += 1\n        return n\n    inc()\n    inc()\n    return n\na = counter()\n", map[string]any{"a": int64(2)}},
	})
}

// TestPythonExceptions: try statements catch the errors of the runtime as
// Python's classes, with CPython's wording of the common messages.
func TestPythonExceptions(t *testing.T) {
	checkPrograms(t, []program{
		{"value error", "try:\n    int('x')\nexcept ValueError as e:\n    m = str(e)\n", map[string]any{"m": "invalid literal for int() with base 10: 'x'"}},
		{"key error", "try:\n    {}['k']\nexcept KeyError as e:\n    m = str(e)\n", map[string]any{"m": "'k'"}},
		{"index error", "try:\n    [1][5]\nexcept IndexError as e:\n    m = str(e)\n", map[string]any{"m": "list index out of range"}},
		{"lookup catches both", "m = []\nfor f in [lambda: [][0], lambda: {}[1]]:\n    try:\n        f()\n    except LookupError as e:\n        m.append(type(e))\n", map[string]any{"m": []any{"IndexError", "KeyError"}}},
		{"zero division", "try:\n    1 // 0\nexcept ZeroDivisionError as e:\n    m = str(e)\n", map[string]any{"m": "integer division or modulo by zero"}},
		{"attribute error", "try:\n    [].nope\nexcept AttributeError as e:\n    m = str(e)\n", map[string]any{"m": "'list' object has no attribute 'nope'"}},
		{"type error", "try:\n    'a' + 1\nexcept TypeError as e:\n    m = str(e)\n", map[string]any{"m": `can only concatenate str (not "int") to str`}},
		{"tuple of classes", "try:\n    raise KeyError('k')\nexcept (ValueError, KeyError):\n    m = 'caught'\n", map[string]any{"m": "caught"}},
		{"first matching handler", "try:\n    raise ValueError('v')\nexcept KeyError:\n    m = 'key'\nexcept Exception:\n    m = 'exc'\nexcept ValueError:\n    m = 'value'\n", map[string]any{"m": "exc"}},
		{"bare except", "try:\n    raise TypeError()\nexcept:\n    m = 'any'\n", map[string]any{"m": "any"}},
		{"else and finally", "log = []\ntry:\n    log.append(1)\nexcept Exception:\n    log.append(2)\nelse:\n    log.append(3)\nfinally:\n    log.append(4)\n", map[string]any{"log": []any{int64(1), int64(3), int64(4)}}},
		{"raise message", "try:\n    raise ValueError('bad %d' % 3)\nexcept ValueError as e:\n    m = [str(e), e.args[0]]\n", map[string]any{"m": []any{"bad 3", "bad 3"}}},
		{"bare raise re-raises", "try:\n    try:\n        [][1]\n    except IndexError:\n        raise\nexcept IndexError as e:\n    m = str(e)\n", map[string]any{"m": "list index out of range"}},
		{"raise from", "try:\n    try:\n        int('q')\n    except ValueError as e:\n        raise KeyError('k') from e\nexcept KeyError as e:\n    m = str(e)\n", map[string]any{"m": "'k'"}},
		{"assignments in try reach the function", "def f(s):\n    n = -1\n    try:\n        n = int(s)\n        ok = True\n    except ValueError:\n        ok = False\n    return n, ok\na = [f('3'), f('x')]\n", map[string]any{"a": []any{[]any{int64(3), true}, []any{int64(-1), false}}}},
		{"return break continue in try", "def f(xs):\n    out = []\n    for x in xs:\n        try:\n            if x == 0:\n                continue\n            if x < 0:\n                break\n            if x > 9:\n                return 'big'\n            out.append(10 // x)\n        except ZeroDivisionError:\n            pass\n    return out\na = [f([1, 0, 2, -1, 5]), f([1, 10])]\n", map[string]any{"a": []any{[]any{int64(10), int64(5)}, "big"}}},
		{"return in finally wins", "def f():\n    try:\n        return 1\n    finally:\n        return 2\na = f()\n", map[string]any{"a": int64(2)}},
		{"finally runs on return", "log = []\ndef f():\n    try:\n        return 'r'\n    finally:\n        log.append('f')\na = f()\n", map[string]any{"a": "r", "log": []any{"f"}}},
		{"isinstance of exceptions", "try:\n    {}['x']\nexcept Exception as e:\n    m = [isinstance(e, KeyError), isinstance(e, LookupError), isinstance(e, ValueError), isinstance(e, (ValueError, KeyError))]\n", map[string]any{"m": []any{true, true, false, true}}},
		{"assert error message", "try:\n    assert 1 > 2, 'no'\nexcept AssertionError as e:\n    m = str(e)\n", map[string]any{"m": "no"}},
		{"fail is an exception", "try:\n    fail('stop')\nexcept Exception as e:\n    m = str(e)\n", map[string]any{"m": "stop"}},
	})
}

// TestPythonErrors: what the rewrites cannot honour, and uncaught
// exceptions, fail at the right line with Python's wording.
func TestPythonErrors(t *testing.T) {
	for _, tc := range []struct {
		name, code, msg string
		line            int
	}{
		{"uncaught raise", "x = 1\nraise ValueError('bad input')\n", "ValueError: bad input", 2},
		{"uncaught in function", "def f():\n    raise KeyError('k')\nf()\n", "KeyError: 'k'", 2},
		{"handler does not match", "try:\n    [][0]\nexcept KeyError:\n    pass\n", "index 0 out of range", 2},
		{"re-raised keeps its line", "def f():\n    return {}['a']\ntry:\n    f()\nexcept KeyError:\n    raise\n", `key "a" not in dict`, 2},
		{"bare raise outside handler", "raise\n", "No active exception to reraise", 1},
		{"raise a non-exception", "raise 3\n", "exceptions must derive from BaseException", 1},
		{"unpack too short", "a, *b, c = [1]\n", "not enough values to unpack (expected at least 2, got 1)", 1},
		{"del missing key", "d = {}\ndel d['x']\n", "KeyError: 'x'", 2},
		{"del out of range", "xs = [1]\ndel xs[3]\n", "list assignment index out of range", 2},
		{"del attribute", "del a.b\n", "del of this target is not supported", 1},
		{"try without handler", "try:\n    x = 1\nx = 2\n", "try needs an except or finally clause", 1},
		{"stray else", "x = 1\nelse:\n    pass\n", "", 2},
		{"walrus in lambda", "f = lambda: (y := 1)\n", "walrus", 1},
		{"unbound after try", "def f():\n    try:\n        v = int('x')\n    except ValueError:\n        pass\n    return v\nf()\n", "local variable v referenced before assignment", 6},
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

// TestLimitsAreNotCatchable: no except clause, not even a bare one or
// except Exception, stops a limit from ending the call.
func TestLimitsAreNotCatchable(t *testing.T) {
	for _, tc := range []struct {
		name, code, limit string
		lim               Limits
	}{
		{"steps, bare except", "def f():\n    while True:\n        pass\ntry:\n    f()\nexcept:\n    x = 1\n", "steps", Limits{MaxSteps: 100_000}},
		{"steps, except Exception, in a loop", "n = 0\nwhile True:\n    try:\n        while True:\n            n += 1\n    except Exception:\n        pass\n", "steps", Limits{MaxSteps: 100_000}},
		{"steps in finally", "try:\n    x = 1\nfinally:\n    while True:\n        pass\n", "steps", Limits{MaxSteps: 100_000}},
		{"depth", "def f(n):\n    return f(n + 1)\ntry:\n    f(0)\nexcept Exception:\n    x = 1\n", "depth", Limits{MaxDepth: 50}},
		{"output", "try:\n    while True:\n        print('xxxxxxxxxx')\nexcept:\n    x = 1\n", "output", Limits{MaxOutput: 1000}},
		{"time", "try:\n    while True:\n        pass\nexcept BaseException:\n    x = 1\n", "time", Limits{Timeout: 50 * time.Millisecond}},
		{"memory", "try:\n    xs = ['x' * 1000000]\n    while True:\n        xs = xs + xs\nexcept:\n    x = 1\n", "", Limits{MaxMemory: 8 << 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runProgLimits(t, tc.code, tc.lim)
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want a limit error", err)
			}
			if tc.limit != "" && le.Limit != tc.limit {
				t.Errorf("limit %q, want %q", le.Limit, tc.limit)
			}
		})
	}
	// A cancelled call is not catchable either.
	rt := New(Options{Isolation: InProcess})
	defer rt.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := rt.Exec(ctx, Source{Name: "tool.star", Code: "pass\n"}, Source{Name: "t.star", Code: "while True:\n    try:\n        while True:\n            pass\n    except:\n        pass\n"})
	if !errors.Is(err, context.DeadlineExceeded) {
		var le *LimitError
		if !errors.As(err, &le) {
			t.Fatalf("cancelled call: got %v, want the context's error", err)
		}
	}
}

// FuzzDialectPython: the Python rewrites and their transform never panic,
// whatever the input; what they produce either fails to compile with an
// error or compiles.
func FuzzDialectPython(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "cpython", "syntax_*.py"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"try:\n    x = 1\nexcept:\n    raise\n", "def f():\n    nonlocal q\n", "global g\n", "_latm_walrus(1, 2)\n",
		"class int:\n    pass\nx = [int() == 1, 1 == int()]\n", "class C:\n    def f():\n        return super()\nC().f()\n",
		"from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int\nP.__init__(3)\n", "class E(ValueError):\n    pass\nx = [1 == E(), E() == E()]\n",
		"if _latm_try:\n    pass\n", "if _latm_loop_else:\n    pass\n", "_latm_global(3)\n", "x = (y := 1) < (z := 2) < 3\n",
		"def f():\n    for x in y:\n        try:\n            break\n        finally:\n            continue\n    else:\n        return\n",
	} {
		f.Add(s)
	}
	rt := New(Options{Isolation: InProcess, Limits: Limits{MaxSteps: 100_000, Timeout: time.Second, MaxDepth: 100, MaxMemory: 64 << 20, MaxOutput: 4 << 10}})
	f.Cleanup(func() { rt.Close() })
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		file, err := parseDialect("f.star", src, moduleTable())
		if err != nil {
			return
		}
		if _, err := starlark.FileProgram(file, predeclaredNames().Has); err != nil {
			return
		}
		_, err = rt.Exec(context.Background(), Source{Name: "tool.star", Code: "pass\n"}, Source{Name: "f.star", Code: src})
		var pe *ProgramError
		if errors.As(err, &pe) && strings.Contains(pe.Msg, "internal error") {
			t.Fatalf("program:\n%s\npanicked: %v", src, err)
		}
	})
}

// TestPythonToolState: a tool whose functions rebind module variables
// (global, or a try at module level) runs as a Python exec of the tool
// would: every call sees the tool's state as its top level left it, and
// the dialect's hidden names are never reported as the tool's functions or
// a snippet's globals.
func TestPythonToolState(t *testing.T) {
	rt := New(Options{Isolation: InProcess})
	defer rt.Close()
	ctx := context.Background()
	tool := Source{Name: "tool.star", Code: `
calls = 0
try:
    LIMIT = int("5")
except ValueError:
    LIMIT = 0

def bump(k):
    global calls
    calls += k
    try:
        return calls * LIMIT
    except Exception:
        return -1
`}
	for i := 0; i < 2; i++ {
		res, err := rt.Call(ctx, tool, "bump", []any{2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Value != int64(10) {
			t.Fatalf("call %d: bump(2) = %v, want 10 (each call starts from the tool's top level)", i, res.Value)
		}
	}
	mod, err := rt.Load(ctx, tool)
	if err != nil {
		t.Fatal(err)
	}
	if len(mod.Functions) != 1 || mod.Functions[0].Name != "bump" {
		t.Errorf("functions = %+v, want only bump", mod.Functions)
	}
	res, err := rt.Exec(ctx, tool, Source{Name: "call.star", Code: "try:\n    ans = bump(1)\nexcept:\n    ans = None\nfor i in range(2):\n    pass\nelse:\n    done = True\n"})
	if err != nil {
		t.Fatal(err)
	}
	order := append([]string(nil), res.Order...)
	sort.Strings(order)
	if got := strings.Join(order, ","); got != "ans,done,i" {
		t.Errorf("snippet globals %q (%v), want i, ans and done only", got, res.Globals)
	}
	if res.Globals["ans"] != int64(5) {
		t.Errorf("ans = %v, want 5", res.Globals["ans"])
	}
}

// TestPythonClasses: classes, dataclasses and the dunders a model defines
// run as in CPython.
func TestPythonClasses(t *testing.T) {
	checkPrograms(t, []program{
		{"init, methods, attributes", "class C:\n    k = 2\n    def __init__(self, v):\n        self.v = v\n    def times(self):\n        return self.v * self.k\nc = C(4)\na = [c.times(), c.v, C.k, c.k]\n", map[string]any{"a": []any{int64(8), int64(4), int64(2), int64(2)}}},
		{"class attribute shared", "class C:\n    n = 0\n    def __init__(self):\n        C.n += 1\nC()\nC()\na = C.n\n", map[string]any{"a": int64(2)}},
		{"methods do not see class attributes as names", "n = 'global'\nclass C:\n    n = 'class'\n    def f(self):\n        return n\na = C().f()\n", map[string]any{"a": "global"}},
		{"inheritance and super", "class A:\n    def __init__(self, x):\n        self.x = x\n    def f(self):\n        return 'A' + str(self.x)\nclass B(A):\n    def __init__(self, x):\n        super().__init__(x * 10)\n    def f(self):\n        return 'B' + super().f()\na = [B(1).f(), isinstance(B(1), A), isinstance(A(1), B)]\n", map[string]any{"a": []any{"BA10", true, false}}},
		{"static, class methods and property", "class C:\n    def __init__(self, v):\n        self._v = v\n    @staticmethod\n    def s(x):\n        return x + 1\n    @classmethod\n    def make(cls, v):\n        return cls(v)\n    @property\n    def v(self):\n        return self._v\n    @v.setter\n    def v(self, x):\n        self._v = x * 2\nc = C.make(3)\nc.v = 5\na = [C.s(1), c.s(2), c.v]\n", map[string]any{"a": []any{int64(2), int64(3), int64(10)}}},
		{"dunders", "class V:\n    def __init__(self, xs):\n        self.xs = xs\n    def __len__(self):\n        return len(self.xs)\n    def __iter__(self):\n        return iter(self.xs)\n    def __contains__(self, x):\n        return x in self.xs\n    def __getitem__(self, i):\n        return self.xs[i]\n    def __eq__(self, o):\n        return self.xs == o.xs\n    def __lt__(self, o):\n        return len(self.xs) < len(o.xs)\n    def __hash__(self):\n        return len(self.xs)\n    def __repr__(self):\n        return 'V' + str(len(self.xs))\nv = V([1, 2])\na = [len(v), 2 in v, 3 in v, v[1], [x for x in v], v == V([1, 2]), v != V([1]), V([1]) < v, repr(sorted([v, V([0])])), len({v, V([1, 2])}), str(v)]\n",
			map[string]any{"a": []any{int64(2), true, false, int64(2), []any{int64(1), int64(2)}, true, true, true, "[V1, V2]", int64(1), "V2"}}},
		{"str and repr", "class P:\n    def __str__(self):\n        return 'p-str'\n    def __repr__(self):\n        return 'p-repr'\na = [str(P()), repr(P()), '{}'.format(P()), f'{P()!r}', '%s' % P(), str([P()]), f'<{P()}>']\n", map[string]any{"a": []any{"p-str", "p-repr", "p-str", "p-repr", "p-str", "[p-repr]", "<p-str>"}}},
		{"dataclass", "from dataclasses import dataclass, field\n@dataclass\nclass P:\n    x: int\n    y: int = 0\n    tags: list = field(default_factory=list)\np = P(1)\nq = P(1, 0)\np.tags.append('t')\na = [repr(P(2, 3)), p == q, p.y, len(q.tags), P(y=5, x=1).y]\n", map[string]any{"a": []any{"P(x=2, y=3, tags=[])", false, int64(0), int64(0), int64(5)}}},
		{"dataclass order and frozen", "from dataclasses import dataclass\n@dataclass(order=True, frozen=True)\nclass V:\n    a: int\n    b: int = 0\nvs = sorted([V(2), V(1, 5), V(1)])\nok = False\ntry:\n    vs[0].a = 9\nexcept AttributeError:\n    ok = True\na = [repr(vs), ok, len(set([V(1), V(1)])), V(1) <= V(1)]\n", map[string]any{"a": []any{"[V(a=1, b=0), V(a=1, b=5), V(a=2, b=0)]", true, int64(1), true}}},
		{"dataclass missing argument", "from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int\ntry:\n    P()\nexcept TypeError as e:\n    m = str(e)\n", map[string]any{"m": "P.__init__() missing 1 required positional argument: 'x'"}},
		{"user exception class", "class AppError(Exception):\n    pass\nclass NotFound(AppError):\n    pass\ntry:\n    raise NotFound('gone')\nexcept AppError as e:\n    m = [str(e), isinstance(e, NotFound), type(e)]\n", map[string]any{"m": []any{"gone", true, "NotFound"}}},
		{"decorated function", "def twice(f):\n    return lambda x: f(f(x))\n@twice\ndef inc(x):\n    return x + 1\na = inc(1)\n", map[string]any{"a": int64(3)}},
		{"no eq means identity", "class C:\n    pass\nc = C()\na = [c == c, c == C(), len(set([c, c]))]\n", map[string]any{"a": []any{true, false, int64(1)}}},
	})
}

// TestPythonClassErrors: misuse fails as CPython fails, and instances are
// bounded by the memory limit like any other value.
func TestPythonClassErrors(t *testing.T) {
	for _, tc := range []struct{ name, code, msg string }{
		{"missing attribute", "class C:\n    pass\nC().x\n", "C has no .x field or method"},
		{"no init arguments", "class C:\n    pass\nC(1)\n", "C() takes no arguments"},
		{"no order", "class C:\n    pass\nx = C() < C()\n", "'<' not supported between instances of 'C' and 'C'"},
		{"no len", "class C:\n    pass\nlen(C())\n", "object of type 'C' has no len()"},
		{"eq without hash", "class C:\n    def __eq__(self, o):\n        return True\ns = set([C()])\n", "unhashable type: 'C'"},
		{"two bases", "class A:\n    pass\nclass B:\n    pass\nclass C(A, B):\n    pass\n", "only single inheritance"},
		{"class in class", "class A:\n    class B:\n        pass\n", "a class inside a class"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runProg(t, tc.code)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v, want an error containing %q", err, tc.msg)
			}
		})
	}
	_, err := runProgLimits(t, "class Node:\n    def __init__(self, nxt):\n        self.nxt = nxt\n        self.pad = 'x' * 1000\nn = None\nwhile True:\n    n = Node(n)\n", Limits{MaxMemory: 16 << 20})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "memory" {
		t.Errorf("instances without end: got %v, want the memory limit", err)
	}
}

// TestPythonSharedInstances: a tool's module-level instances are shared by
// concurrent calls; their dunders run without sharing a thread.
func TestPythonSharedInstances(t *testing.T) {
	rt := New(Options{Isolation: InProcess})
	defer rt.Close()
	tool := Source{Name: "tool.star", Code: `
class P:
    def __init__(self, v):
        self.v = v
    def __repr__(self):
        return "P(%d)" % self.v
    def __eq__(self, o):
        return self.v == o.v
    def __hash__(self):
        return self.v
ORIGIN = P(0)
TABLE = {P(1): "one"}

def show(v):
    return [str([ORIGIN]), ORIGIN == P(v), TABLE.get(P(v), "none")]
`}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func(i int) {
			res, err := rt.Call(context.Background(), tool, "show", []any{i % 2}, nil)
			if err == nil {
				want := []any{"[P(0)]", i%2 == 0, map[bool]string{true: "none", false: "one"}[i%2 == 0]}
				if !reflect.DeepEqual(res.Value, want) {
					err = fmt.Errorf("show(%d) = %v, want %v", i%2, res.Value, want)
				}
			}
			errs <- err
		}(i)
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
