package starlarkrt

import "testing"

// all() and any() over zip of lists and tuples walk the operands by index
// (lazyZipTest): the same results as Python, stopping at the shortest
// operand and at the first element that decides.
func TestLazyZipByIndex(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"x = all(a < b for a, b in zip((1, 2), [2, 3, 0]))", "True"},
		{"x = all(a < b for a, b in zip((1, 5), (2, 3)))", "False"},
		{"x = any(a + b + c == 9 for a, b, c in zip([1, 2], [3, 3], [4, 4, 4]))", "True"},
		{"x = any(a == b for a, b in zip([1], []))", "False"},
		{"x = all(1 // a > 0 for a, b in zip([1, 0], [1, 1]))", "error"},
		{"x = any(1 // a > 0 for a, b in zip([1, 0], [1, 1]))", "True"},
		{"n = 8\nx = [all((n - r) % d == 0 for d, r in zip([3, 5], [2, 3])) for n in range(9)]", "[False, False, False, False, False, False, False, False, True]"},
	} {
		r := runDialect(tc.src+"\n", 100_000)
		if tc.want == "error" {
			if r.runErr == nil {
				t.Errorf("%q: no error", tc.src)
			}
			continue
		}
		if r.compileErr != nil || r.runErr != nil {
			t.Errorf("%q: %v %v", tc.src, r.compileErr, r.runErr)
			continue
		}
		if got := r.globals["x"].String(); got != tc.want {
			t.Errorf("%q: x = %s, want %s", tc.src, got, tc.want)
		}
	}
}
