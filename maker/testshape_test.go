package maker

import (
	"strings"
	"testing"
)

func TestSplitTests(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		blocks []string
		want   []string // each test's call code (checks removed)
	}{
		"markers with an expected_output variable and a final print": {
			[]string{"# Test 1\nx = \"(\"\nexpected_output = \")\"\nret = f(x)\nans = ret\nassert ans == expected_output\n\n# Test 2\nx = \"[\"\nexpected_output = \"]\"\nret = f(x)\nans = ret\nassert ans == expected_output\n\nprint(\"All tests passed!\")"},
			[]string{"# Test 1\nx = \"(\"\nret = f(x)\nans = ret", "# Test 2\nx = \"[\"\nret = f(x)\nans = ret"},
		},
		"a test function with numbered variables": {
			[]string{"def test_f():\n    # Test 1\n    ret1 = f(1)\n    ans1 = str(ret1)\n    assert ans1 == \"2\"\n\n    # Test 2\n    ret2 = f(2)\n    ans2 = str(ret2)\n    assert ans2 == \"3\"\n\ntest_f()"},
			[]string{"# Test 1\nret1 = f(1)\nans1 = str(ret1)", "# Test 2\nret2 = f(2)\nans2 = str(ret2)"},
		},
		"if-statements that fail, no markers": {
			[]string{"ans = str(f(1))\nif ans != \"2\":\n    fail(\"wrong\")\nans = str(f(2))\nif ans != \"3\": fail(\"wrong\")"},
			[]string{"ans = str(f(1))", "ans = str(f(2))"},
		},
		"one block per test": {
			[]string{"ans = str(f(1))\nassert ans == \"2\"", "ans = str(f(2))\nassert ans == \"3\""},
			[]string{"ans = str(f(1))", "ans = str(f(2))"},
		},
	} {
		tests, ok := splitTests(tc.blocks, 2)
		if !ok || len(tests) != 2 {
			t.Errorf("%s: split %q, %v", name, tests, ok)
			continue
		}
		for i, test := range tests {
			call, n := splitAssert(test)
			if n != 1 || call != tc.want[i] {
				t.Errorf("%s: test %d call %q (%d checks), want %q", name, i+1, call, n, tc.want[i])
			}
		}
	}
	for name, blocks := range map[string][]string{
		"three checks for two questions": {"assert f(1) == 2\nassert f(2) == 3\nassert f(3) == 4"},
		"a print is not a check":         {"ans = f(1)\nif ans != 2:\n    print('bad')\nans = f(2)\nassert ans == 3"},
		"three blocks":                   {"assert f(1)", "assert f(2)", "assert f(3)"},
	} {
		if tests, ok := splitTests(blocks, 2); ok {
			t.Errorf("%s: split into %q", name, tests)
		}
	}
}

func TestStripUsage(t *testing.T) {
	t.Parallel()
	src := "import math\n\nLIMIT = 10\nUNUSED = 3\n\ndef f(x):\n    return min(x, LIMIT)\n\n# Example usage:\nx = 5\nout = f(x)\nprint(out)\n\nif __name__ == '__main__':\n    print(f(3))\n"
	got := stripUsage(src)
	want := "import math\n\nLIMIT = 10\n\ndef f(x):\n    return min(x, LIMIT)\n"
	if got != want {
		t.Errorf("stripUsage:\n%s\nwant:\n%s", got, want)
	}
}

func FuzzTestShapes(f *testing.F) {
	f.Add("# Test 1\nans = f(1)\nassert ans == 2\n# Test 2\nans = f(2)\nif ans != 3: fail('x')\nprint('ok')")
	f.Add("def test_x():\n    assert f(\"(\") == ')'\ntest_x()")
	f.Add("x = (1,\n  2)\n'''doc\nassert'''\n\\\n")
	f.Fuzz(func(t *testing.T, code string) {
		for n := 1; n <= 3; n++ {
			tests, ok := splitTests([]string{code}, n)
			if ok && len(tests) != n {
				t.Fatalf("split into %d tests, want %d", len(tests), n)
			}
		}
		out := stripUsage(code)
		if len(strings.TrimSpace(out)) > len(code) {
			t.Fatalf("stripUsage grew the code: %q", out)
		}
		splitAssert(code)
	})
}
