package starlarkrt

import (
	"context"
	"errors"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"go.starlark.net/syntax"
)

// heapObjects reads the bytes of live and unswept heap objects.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// In process, the allocations the interpreter itself makes (repeats,
// concatenations, the universe builtins that size their result from their
// argument) are refused before they are made: each program ends at the
// memory limit, at once, and the heap never holds the result.
func TestInProcessRefusesLargeAllocation(t *testing.T) {
	rt := New(Options{Isolation: InProcess, Limits: Limits{MaxMemory: 256 << 20, Timeout: 5 * time.Second}})
	defer rt.Close()
	for _, body := range []string{
		"return len('x' * 350000000)",
		"return len(350000000 * 'x')",
		"return len([0] * 10**9)",
		"n = 10**9\n    return len([0] * n)",
		"return len((0,) * 10**9)",
		"return len(b'x' * 350000000)",
		"s = 'ab'\n    s *= 200000000\n    return len(s)",
		"l = [0]\n    l *= 10**9\n    return len(l)",
		"d = {'k': 'x'}\n    d['k'] *= 350000000\n    return len(d['k'])",
		"return len(['x' * 300000000 for i in range(3)])",
		"return [len(c * 300000000) for c in 'ab']",
		"f = lambda s: s * 300000000\n    return len(f('x'))",
		"s = 'x' * 200000000\n    t = s + s\n    return len(t)",
		"s = 'x' * 200000000\n    s += s\n    return len(s)",
		"l = [0] * 10000000\n    l += l\n    l += l\n    return len(l)",
		"l = [0]\n    l += range(10**9)\n    return len(l)",
		"l = [0]\n    l.extend(range(10**9))\n    return len(l)",
		"return len(list(range(10**9)))",
		"return len(tuple(range(10**9)))",
		"return len(sorted(range(10**9)))",
		"return len(list(reversed(range(10**9))))",
		"return len(list(enumerate(range(10**9))))",
		"return len(list(zip(range(10**9), range(10**9))))",
		"n = 0\n    for c in 'x' * 20000000:\n        n += 1\n    return n",
	} {
		src := "def main():\n    " + body + "\n"
		runtime.GC()
		before := heapObjects()
		res, err := rt.Call(context.Background(), Source{Name: "bomb.py", Code: src}, "main", nil, nil)
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != "memory" {
			t.Errorf("%s:\ngot %v, %v; want the memory limit", body, res, err)
			continue
		}
		// Refused before it was made: the result never reached the heap (a
		// 200 MB operand may be there, until the next collection). How long
		// the refusal takes is not asserted: the operand alone can take
		// seconds on a loaded machine under -race.
		if grown := int64(heapObjects()) - int64(before); grown > 300<<20 {
			t.Errorf("%s: the heap grew by %d MB", body, grown>>20)
		}
	}
}

// Below the limit the same operators give Starlark's own results, errors
// and aliasing: a list += extends the list in place, *= makes a new one.
func TestAllocRewritesKeepMeaning(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"x = 'ab' * 3", `"ababab"`},
		{"x = 3 * 'ab'", `"ababab"`},
		{"x = [1, 2] * 2", "[1, 2, 1, 2]"},
		{"x = 2 * (1,)", "(1, 1)"},
		{"x = 'ab' * -1", `""`},
		{"x = [1] * 0", "[]"},
		{"x = 'a' + 'b'", `"ab"`},
		{"x = [1] + [2]", "[1, 2]"},
		{"x = (1,) + (2,)", "(1, 2)"},
		{"x = 2 * 3 + 1.5", "7.5"},
		{"a = [1]\nb = a\na += [2]\nx = b", "[1, 2]"},
		{"a = [1]\nb = a\na += (2, 3)\nx = b", "[1, 2, 3]"},
		{"a = [1]\nb = a\na *= 2\nx = (a, b)", "([1, 1], [1])"},
		{"d = {'k': 'a'}\nd['k'] *= 3\nd['k'] += 'b'\nx = d", `{"k": "aaab"}`},
		{"def f(s, n):\n    s *= n\n    return s\nx = f('ab', 2)", `"abab"`},
		{"def f(xs):\n    t = 0\n    for v in xs:\n        t += v\n    return t\nx = f([1, 2.5])", "3.5"},
		{"x = [c * 2 for c in 'ab']", `["aa", "bb"]`},
		{"x = (lambda a, b: a + b)('x', 'y')", `"xy"`},
	} {
		r := runDialect(tc.src+"\n", 100_000)
		if r.compileErr != nil || r.runErr != nil {
			t.Errorf("%q: %v %v", tc.src, r.compileErr, r.runErr)
			continue
		}
		if got := r.globals["x"].String(); got != tc.want {
			t.Errorf("%q: x = %s, want %s", tc.src, got, tc.want)
		}
	}
	for _, tc := range []struct{ src, err string }{
		{"x = 'a' * 'b'", "unknown binary op: string * string"},
		{"x = 'a' + 1", "unknown binary op: string + int"},
		{"x = [1] * 2.0", "unknown binary op: list * float"},
		{"x = 'a' * (1 << 40)", "memory"}, // a limit, before Starlark's own "repeat count too large"
		{"a = (1,)\na += [2]", "unknown binary op: tuple + list"},
	} {
		r := runDialect(tc.src+"\n", 100_000)
		if r.runErr == nil || !strings.Contains(r.runErr.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.src, r.runErr, tc.err)
		}
	}
}

// The inference keeps Starlark's own operator where both operands are
// numbers, and routes everything else through the helpers.
func TestAllocRewriteChoosesOperands(t *testing.T) {
	for _, tc := range []struct {
		src     string
		helpers int // latm.mul, latm.add, latm.mulsize and latm.addsize calls
	}{
		{"def f(n):\n    t = 0\n    for i in range(n):\n        t = t + i * 2\n    return t\n", 0},
		{"def f(xs):\n    return len(xs) * 3 + 1\n", 0},
		{"def f(a, b):\n    return a * b\n", 1},
		{"def f(a):\n    return a + 1\n", 0},
		{"def f(s):\n    s += 'x'\n    return s\n", 1},
		{"x = '-' * 40\n", 0},
		{"x = '-' * 40000\n", 1},
		{"x = 0\ndef f():\n    return x * 10\n", 0},
		// x is a number at module level but a parameter of g: g's x is
		// its own.
		{"x = 0\ndef g(x):\n    return x * 10\n", 1},
		// len is bound by the program: its result is not known.
		{"len = lambda s: s\ny = len('a') * 3\n", 1},
		// i is a number in the loop, but also bound to a string.
		{"def f():\n    i = 'a'\n    for i in range(3):\n        pass\n    return i * 3\n", 1},
		// The comprehension's variable is its own.
		{"def f():\n    s = 'ab'\n    return [s * 2 for s in range(3)] + [s * 2]\n", 2},
	} {
		f, err := parseDialect("t.py", tc.src, moduleTable())
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		n := 0
		syntax.Walk(f, func(node syntax.Node) bool {
			if id, ok := node.(*syntax.Ident); ok {
				switch id.Name {
				case mulName, addName, mulSizeName, addSizeName:
					n++
				}
			}
			return true
		})
		if n != tc.helpers {
			t.Errorf("%q: %d helper calls, want %d", tc.src, n, tc.helpers)
		}
	}
}
