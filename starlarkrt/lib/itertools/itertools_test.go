package itertools

import (
	"strings"
	"testing"

	"github.com/latm/latm/starlarkrt/internal/modtest"
)

var env = modtest.Env(Module)

func TestItertoolsValues(t *testing.T) {
	modtest.Values(t, env, [][2]string{
		{`list(itertools.permutations("abc", 2))`, `[("a", "b"), ("a", "c"), ("b", "a"), ("b", "c"), ("c", "a"), ("c", "b")]`},
		{`list(itertools.permutations([1, 2, 3]))`, `[(1, 2, 3), (1, 3, 2), (2, 1, 3), (2, 3, 1), (3, 1, 2), (3, 2, 1)]`},
		{`len(list(itertools.permutations(range(6))))`, `720`},
		{`list(itertools.permutations([1, 2], 3))`, `[]`},
		{`list(itertools.combinations(range(4), 2))`, `[(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]`},
		{`list(itertools.combinations([1], 0))`, `[()]`},
		{`list(itertools.combinations_with_replacement("ab", 3))`, `[("a", "a", "a"), ("a", "a", "b"), ("a", "b", "b"), ("b", "b", "b")]`},
		{`list(itertools.product([1, 2], "xy"))`, `[(1, "x"), (1, "y"), (2, "x"), (2, "y")]`},
		{`list(itertools.product([0, 1], repeat=2))`, `[(0, 0), (0, 1), (1, 0), (1, 1)]`},
		{`list(itertools.product())`, `[()]`},
		{`list(itertools.product([1], []))`, `[]`},
		{`itertools.accumulate([1, 2, 3, 4])`, `[1, 3, 6, 10]`},
		{`itertools.accumulate([1, 2, 3], initial=10)`, `[10, 11, 13, 16]`},
		{`itertools.accumulate([3, 1, 4], max)`, `[3, 3, 4]`},
		{`itertools.groupby("aabccc")`, `[("a", ["a", "a"]), ("b", ["b"]), ("c", ["c", "c", "c"])]`},
		{`[(k, len(g)) for k, g in itertools.groupby([1, 3, 2, 4, 5], key=lambda x: x % 2)]`, `[(1, 2), (0, 2), (1, 1)]`},
		{`list(itertools.islice(itertools.count(5), 3))`, `[5, 6, 7]`},
		{`list(itertools.islice("abcdefg", 1, 6, 2))`, `["b", "d", "f"]`},
		{`list(itertools.islice(itertools.cycle("ab"), 5))`, `["a", "b", "a", "b", "a"]`},
		{`list(itertools.repeat(7, 3))`, `[7, 7, 7]`},
		{`itertools.zip_longest([1, 2, 3], "ab", fillvalue="-")`, `[(1, "a"), (2, "b"), (3, "-")]`},
		{`list(itertools.chain([1], [2, 3], "a"))`, `[1, 2, 3, "a"]`},
		{`list(itertools.chain.from_iterable([[1], [2]]))`, `[1, 2]`},
		{`itertools.pairwise([1, 2, 3])`, `[(1, 2), (2, 3)]`},
		{`itertools.takewhile(lambda x: x < 3, [1, 2, 5, 1])`, `[1, 2]`},
		{`itertools.dropwhile(lambda x: x < 3, [1, 2, 5, 1])`, `[5, 1]`},
		{`itertools.filterfalse(lambda x: x % 2, range(6))`, `[0, 2, 4]`},
		{`itertools.compress("abcd", [1, 0, 1, 0])`, `["a", "c"]`},
		{`itertools.starmap(lambda a, b: a * b, [(2, 3), (3, 2)])`, `[6, 6]`},
		// Iterating twice starts over.
		{`[len(list(p)) for p in [itertools.permutations("ab")] * 2]`, `[2, 2]`},
	})
}

func TestItertoolsErrors(t *testing.T) {
	modtest.Errors(t, env, [][2]string{
		{`itertools.permutations(5)`, "want an iterable"},
		{`itertools.permutations([1, 2], -1)`, "r must be non-negative"},
		{`itertools.combinations([1, 2])`, "missing argument for r"},
		{`itertools.product([1], repeat=-1)`, "repeat must be non-negative"},
		{`itertools.islice([1, 2], -1)`, "stop must be None or a non-negative int"},
		{`itertools.chain([1], 2)`, "want an iterable"},
	})
}

// TestItertoolsStepLimit checks that enumerating 12! permutations, or an
// endless count, stops at the step limit instead of running or allocating.
func TestItertoolsStepLimit(t *testing.T) {
	for _, src := range []string{
		"n = 0\nfor p in itertools.permutations(range(12)):\n    n += 1\n",
		"x = list(itertools.permutations(range(12)))\n",
		"x = len(list(itertools.product(range(10), repeat=9)))\n",
		"x = list(itertools.count())\n",
		"x = [c for c in itertools.combinations(range(60), 6)]\n",
	} {
		modtest.StepLimit(t, env, src, 100000)
	}
}

func TestItertoolsLazyType(t *testing.T) {
	v, err := modtest.Eval(env, `itertools.permutations("ab")`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Type(); got != "itertools.permutations" {
		t.Errorf("type = %q, want itertools.permutations", got)
	}
	if _, err := modtest.Eval(env, `len(itertools.permutations("ab"))`); err == nil || !strings.Contains(err.Error(), "len") {
		t.Errorf("len of a lazy permutations: err = %v, want an error about len", err)
	}
}
