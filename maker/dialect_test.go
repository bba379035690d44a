package maker

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
)

// TestDialectPromptIsTrue checks the dialect the maker is taught
// (prompts/templates/dialect.tmpl) against the runtime: everything it says
// exists runs, and everything it says is missing fails with a hint.
func TestDialectPromptIsTrue(t *testing.T) {
	t.Parallel()
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	text, err := set.Render("dialect", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, claim := range []string{"set comprehensions", "x ** y", "list.sort", "import itertools", "import collections", "f-strings", "@dataclass", "try/except/else/finally", "chained comparisons", "the walrus", "datetime.now() and date.today() fail"} {
		if !strings.Contains(text, claim) {
			t.Fatalf("the dialect prompt no longer mentions %q: update this test with it", claim)
		}
	}
	for i, line := range strings.Split(text, "\n") {
		if len([]rune(line)) > 80 {
			t.Errorf("dialect prompt line %d has %d characters; wrap it at 80", i+1, len([]rune(line)))
		}
	}
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	ctx := context.Background()
	has := `
import math
import re
import json
import itertools
import datetime
import collections
import functools
import heapq
import bisect
import operator
import statistics
import string
import copy

def helper(xs):
    """Docstring."""
    out = []
    for i, x in enumerate(xs):
        if x % 2 == 0:
            continue
        elif x > 100:
            break
        else:
            out.append(x)
    n = 0
    while n < 3:
        n += 1
    return out

sq = lambda v: v * v
xs = [3, 1, 2, 5]
xs.sort()
d = {k: sq(k) for k in xs}
s = set([1, 2, 2])
assert len(s) == 2, "set"
chars = [c for c in "abc"]
parts = "a,b , c".split(",")
joined = "-".join([p.strip() for p in parts])
c = collections.Counter("abca").most_common(1)[0][0]
dd = collections.defaultdict(int)
dd["x"] += 1
dq = collections.deque([1, 2])
dq.appendleft(0)
P = collections.namedtuple("P", ["x", "y"])
p = P(1, 2)
od = collections.OrderedDict()
red = functools.reduce(lambda a, b: a + b, [1, 2, 3])
cmpd = sorted([3, 1, 2], key=functools.cmp_to_key(lambda a, b: a - b))
part = functools.partial(pow, 2)(3)
cached = functools.cache(sq)(4)
h = [3, 1]
heapq.heappush(h, 0)
bi = bisect.bisect_left([1, 2, 3], 2)
op = operator.itemgetter(1)([5, 6])
med = statistics.median([1, 3, 2])
cap = string.capwords("a b") + string.ascii_lowercase[:1]
cp = copy.deepcopy([[1]])
extra = [c, dd["x"], list(dq), p.x, red, cmpd, part, cached, h[0], bi, op, med, cap, cp]
assert extra == ["a", 1, [0, 1, 2], 1, 6, [1, 2, 3], 8, 16, 0, 1, 6, 2, "A Ba", [[1]]], str(extra)
def tryit(s):
    try:
        v = int(s)
    except ValueError as e:
        v = -1
    else:
        v += 1
    finally:
        pass
    return v
def must_be_positive(n):
    if n <= 0:
        raise ValueError("not positive")
    return n
def caught():
    try:
        must_be_positive(0)
    except (TypeError, ValueError) as e:
        return str(e)
    return "no error"
g_count = 0
def bump():
    global g_count
    g_count += 1
bump()
lo = 0
first, *rest = [1, 2, 3]
a1 = b1 = 5
sset = {1, 2, 2}
dl = [1, 2, 3]
del dl[0]
wal = 0
if (wal := len(dl)) > 1:
    wal += 10
fe = 0
for _ in []:
    pass
else:
    fe = 1
extra2 = [tryit("4"), tryit("x"), caught(), g_count, None is None, 1 is not None, lo <= 1 < 3, first, rest, a1 + b1, len(sset), dl, len({x % 2 for x in [1, 2, 3]}), wal, fe]
assert extra2 == [5, -1, "not positive", 1, True, True, True, 1, [2, 3], 10, 2, [2, 3], 2, 12, 1], str(extra2)
from dataclasses import dataclass
class Shape:
    def __init__(self, name):
        self.name = name
    def area(self):
        return 0
    def __repr__(self):
        return "Shape(" + self.name + ")"
class Square(Shape):
    def __init__(self, side):
        super().__init__("square")
        self.side = side
    def area(self):
        return self.side * self.side
@dataclass(order=True)
class Pt:
    x: int
    y: int = 0
class TooBig(ValueError):
    pass
def check_size(n):
    if n > 3:
        raise TooBig("too big")
    return n
def size_err():
    try:
        check_size(9)
    except ValueError as e:
        return str(e)
    return ""
extra3 = [Square(3).area(), repr(Shape("s")), sorted([Pt(2), Pt(1, 5)])[0].x, Pt(1) == Pt(1, 0), size_err()]
assert extra3 == [9, "Shape(s)", 1, True, "too big"], str(extra3)
ans = [
    helper(xs), xs[1:3], sorted(xs, reverse=True), list(reversed(xs)), list(zip(xs, xs)),
    min(xs), max(xs), sum(x for x in xs), abs(-2), any([True]), all([True]),
    int("7"), float("1.5"), str(3), bool(0), tuple(xs), 2 ** 10, pow(2, 5), round(2.5),
    divmod(7, 2), list(map(sq, xs)), list(filter(lambda v: v > 1, xs)), isinstance(3, int),
    xs.count(2), math.sqrt(16), re.findall("[0-9]+", "a1b22"), json.dumps({"a": 1}),
    len(list(itertools.permutations([1, 2, 3]))), str(datetime.date(2024, 2, 28) + datetime.timedelta(days=2)),
    "{} {}".format("a", 1), "%s %d" % ("b", 2), chars, joined, d[3], "abc".startswith("a"), "abc".find("c"),
    f"{xs[0]:>3}",
]
`
	res, err := rt.Exec(ctx, starlarkrt.Source{Name: "empty.star"}, starlarkrt.Source{Name: "has.star", Code: has})
	if err != nil {
		t.Fatalf("a feature the prompt promises fails: %v", err)
	}
	if ans, ok := res.Globals["ans"].([]any); !ok || len(ans) != 37 {
		t.Fatalf("ans = %v", res.Globals["ans"])
	}
	// hint, if set, is the advice the error message itself must carry.
	for _, missing := range []struct{ name, code, hint string }{
		{"with", "with open('f') as f:\n    pass\n", ""},
		{"yield", "def g():\n    yield 1\n", ""},
		{"other modules", "import random\n", ""},
		{"clock", "import datetime\nx = datetime.datetime.now()\n", "pass the date in"},
		{"clock", "import datetime\nx = datetime.date.today()\n", "pass the date in"},
	} {
		_, err := rt.Exec(ctx, starlarkrt.Source{Name: "empty.star"}, starlarkrt.Source{Name: "missing.star", Code: missing.code})
		var pe *starlarkrt.ProgramError
		if !errors.As(err, &pe) {
			t.Errorf("%s: the prompt says it is missing, but it ran (err %v)", missing.name, err)
			continue
		}
		if missing.hint != "" {
			if !strings.Contains(pe.Msg, missing.hint) {
				t.Errorf("%s: error %q does not say %q", missing.name, pe.Msg, missing.hint)
			}
		} else if pe.Hint == "" {
			t.Errorf("%s: error without a hint: %v", missing.name, err)
		}
	}
}
