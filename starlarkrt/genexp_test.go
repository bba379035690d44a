package starlarkrt

import (
	"strings"
	"testing"
)

// all() and any() of a generator stop at the first element that decides
// them, as in Python; a list argument is still computed whole.
func TestLazyAllAny(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"x = all(v > 0 for v in [1, 2, 3])", "True"},
		{"x = all(v > 0 for v in [1, 0, 'a'])", "False"}, // 'a' > 0 is never compared
		{"x = any(v == 2 for v in [1, 2, 'a'])", "True"},
		{"x = any(v > 5 for v in range(3))", "False"},
		{"x = all(c in 'ab' for c in 'abba')", "True"},
		{"n = 8\nx = all((n - r) % d == 0 for d, r in zip([3, 5], [2, 3]))", "True"},
		{"def f(k):\n    return any(k * i == 6 for i in range(10))\nx = (f(2), f(4))", "(True, False)"},
		{"x = all(v for v in [])", "True"},
		{"x = sum(v * 2 for v in [1, 2])", "6"},
		{"x = all([v > 0 for v in [1, 2]])", "True"},
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
		{"x = all([v > 0 for v in [0, 'a']])", "string > int"}, // a list is computed whole
		{"x = all(a for a, b in [(1, 2, 3)])", "too many values to unpack"},
		{"x = all(a for a, b in [1])", "not iterable"},
	} {
		r := runDialect(tc.src+"\n", 100_000)
		if r.runErr == nil || !strings.Contains(r.runErr.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.src, r.runErr, tc.err)
		}
	}
}

func TestLazyZip(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"x = all(a < b for a, b in zip([1, 2], [2, 3, 0]))", "True"},
		{"x = any(a == b for a, b in zip('abc', 'xbz'))", "True"},
		{"x = all(a < b for a, b in zip([], [1]))", "True"},
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
}
