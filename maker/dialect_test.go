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
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	text, err := set.Render("dialect", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, claim := range []string{"set([...])", "x ** y", "list.sort", "import itertools", "import collections", "import functools", "import heapq", "import bisect", "import operator", "import statistics", "import string", "import copy", "f-strings", "class", "try/except", "chained comparisons"} {
		if !strings.Contains(text, claim) {
			t.Fatalf("the dialect prompt no longer mentions %q: update this test with it", claim)
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
ans = [
    helper(xs), xs[1:3], sorted(xs, reverse=True), list(reversed(xs)), list(zip(xs, xs)),
    min(xs), max(xs), sum(x for x in xs), abs(-2), any([True]), all([True]),
    int("7"), float("1.5"), str(3), bool(0), tuple(xs), 2 ** 10, pow(2, 5), round(2.5),
    divmod(7, 2), list(map(sq, xs)), list(filter(lambda v: v > 1, xs)), isinstance(3, int),
    xs.count(2), math.sqrt(16), re.findall("[0-9]+", "a1b22"), json.dumps({"a": 1}),
    len(list(itertools.permutations([1, 2, 3]))), str(datetime.date(2024, 2, 28) + datetime.timedelta(days=2)),
    "{} {}".format("a", 1), "%s %d" % ("b", 2), chars, joined, d[3], "abc".startswith("a"), "abc".find("c"),
    f"{xs[0]:>3}",
    collections.Counter("aab")["a"], functools.reduce(operator.add, xs), heapq.nsmallest(1, xs),
    bisect.bisect(xs, 2), statistics.median(xs), string.digits, copy.deepcopy(xs),
]
`
	res, err := rt.Exec(ctx, starlarkrt.Source{Name: "empty.star"}, starlarkrt.Source{Name: "has.star", Code: has})
	if err != nil {
		t.Fatalf("a feature the prompt promises fails: %v", err)
	}
	if ans, ok := res.Globals["ans"].([]any); !ok || len(ans) != 44 {
		t.Fatalf("ans = %v", res.Globals["ans"])
	}
	for _, missing := range []struct{ name, code string }{
		{"class", "class A:\n    pass\n"},
		{"try/except", "try:\n    x = 1\nexcept:\n    x = 2\n"},
		{"is None", "x = None\ny = x is None\n"},
		{"with", "with open('f') as f:\n    pass\n"},
		{"yield", "def g():\n    yield 1\n"},
		{"global", "x = 1\ndef g():\n    global x\n    x = 2\n"},
		{"chained comparison", "a = 1\nb = 1 < a < 3\n"},
		{"set literal", "s = {1, 2}\n"},
		{"other modules", "import random\n"},
	} {
		_, err := rt.Exec(ctx, starlarkrt.Source{Name: "empty.star"}, starlarkrt.Source{Name: "missing.star", Code: missing.code})
		var pe *starlarkrt.ProgramError
		if !errors.As(err, &pe) {
			t.Errorf("%s: the prompt says it is missing, but it ran (err %v)", missing.name, err)
			continue
		}
		if pe.Hint == "" {
			t.Errorf("%s: error without a hint: %v", missing.name, err)
		}
	}
}
