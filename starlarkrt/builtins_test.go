package starlarkrt

import (
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

func mustBig(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad big int " + s)
	}
	return n
}

// TestBuiltins checks each Python builtin against the value CPython gives.
func TestBuiltins(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		expr string
		want any
	}{
		{"sum([1, 2, 3])", int64(6)},
		{"sum([1, 2], 10)", int64(13)},
		{"sum([0.1, 0.2])", 0.30000000000000004},
		{"sum([[1], [2]], [])", []any{int64(1), int64(2)}},
		{"sum(range(5), start=1)", int64(11)},
		{"pow(2, 10)", int64(1024)},
		{"pow(2, -2)", 0.25},
		{"pow(2.0, 3)", 8.0},
		{"pow(3, 200, 7)", int64(2)},
		{"pow(-3, 3, 7)", int64(1)},
		{"pow(3, 2, -7)", int64(-5)},
		{"pow(3, -1, 7)", int64(5)},
		{"pow(-1, 10**9)", int64(1)},
		{"pow(2, 100)", mustBig("1267650600228229401496703205376")},
		{"round(2.5)", int64(2)},
		{"round(3.5)", int64(4)},
		{"round(-0.5)", int64(0)},
		{"round(2.675, 2)", 2.67},
		{"round(0.125, 2)", 0.12},
		{"round(1234.5, -2)", 1200.0},
		{"round(1250, -2)", int64(1200)},
		{"round(1350, -2)", int64(1400)},
		{"round(7)", int64(7)},
		{"divmod(7, 2)", []any{int64(3), int64(1)}},
		{"divmod(-7, 2)", []any{int64(-4), int64(1)}},
		{"divmod(7.5, 2)", []any{3.0, 1.5}},
		{"map(lambda x: x * 2, [1, 2])", []any{int64(2), int64(4)}},
		{"map(lambda a, b: a + b, [1, 2, 3], [10, 20])", []any{int64(11), int64(22)}},
		{"map(lambda c: c.upper(), 'ab')", []any{"A", "B"}},
		{"filter(None, [0, 1, '', 'a'])", []any{int64(1), "a"}},
		{"filter(lambda x: x > 1, [1, 2, 3])", []any{int64(2), int64(3)}},
		{"[isinstance(1, int), isinstance(True, int), isinstance(1, float), isinstance('a', str), isinstance([], (dict, list)), isinstance(True, bool), isinstance(1.0, (int, float))]",
			[]any{true, true, false, true, true, true, true}},
		{"[bin(5), hex(255), oct(8), hex(-255)]", []any{"0b101", "0xff", "0o10", "-0xff"}},
		{"'%5.1f|%-5s|%05d|%x|%c' % (2.25, 'ab', -42, 255, 65)", "  2.2|ab   |-0042|ff|A"},
		// Starlark's own %g (shortest form) is kept where it accepts the
		// format; Python's rules apply where it does not.
		{"'%g' % 123456789.0", "1.23456789e+08"},
		{"'%.6g %.3g %.2g %G' % (0.0001, 1e-5, 123456789.0, 1e20)", "0.0001 1e-05 1.2e+08 1E+20"},
		{"'%*d' % (4, 7)", "   7"},
		{"'{:+.3e} {:x} {:#b} {:>6.2f} {:_}'.format(12345.678, 255, 5, 3.14159, 1000000)", "+1.235e+04 ff 0b101   3.14 1_000_000"},
		{"'{0[1]} {1[k]:>3}'.format([1, 2], {'k': 'v'})", "2   v"},
		{"'{:g} {:.3} {:10.3f}|'.format(0.5, 3.14159, 2.0)", "0.5 3.14      2.000|"},
	} {
		g, err := runProg(t, "x = "+tc.expr+"\n")
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := g["x"]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.expr, got, tc.want)
		}
	}
}

// TestBuiltinErrors: bad arguments give clear errors, never panics.
func TestBuiltinErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ expr, msg string }{
		{"sum(1)", "sum: got int, want iterable"},
		{"sum(['a', 1])", "sum: unknown binary op"},
		{"pow(2, 10**9)", "pow: result too large"},
		{"pow(0, -1)", "0.0 cannot be raised to a negative power"},
		{"pow(-8, 1.0/3)", "complex result"},
		{"pow(2.0, 3, 5)", "3rd argument not allowed"},
		{"pow(2, 3, 0)", "3rd argument cannot be 0"},
		{"round(float('nan'))", "cannot convert float nan to integer"},
		{"round('a')", "round: got string, want int or float"},
		{"divmod(1, 0)", "divmod:"},
		{"map(len)", "map: want map(function, iterable, ...)"},
		{"'ab'.ljust(5, 'xy')", "exactly one character"},
		{"'%d' % 'a'", "want int"},
		{"'{:q}'.format(1)", "unsupported format character"},
		{"'%d %d' % (1,)", "not enough arguments"},
		{"'{:s}'.format(3)", "unknown format code 's'"},
		{"'%100000000000s' % ''", "too large"},
		{"'%.99999999999999999999f' % 1.0", "too large"},
		{"'%*d' % (10**9, 1)", "too large"},
		{"'{:>100000000000}'.format('')", "too large"},
		{"'{:.100000000000f}'.format(1.0)", "too large"},
		{"'{:>5}'.format(None)", "unsupported format spec"},
		{"'{:<3}'.format([1])", "unsupported format spec"},
	} {
		_, err := runProg(t, "x = "+tc.expr+"\n")
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want an error containing %q", tc.expr, err, tc.msg)
		}
	}
}

// TestBuiltinsChargeSteps: the builtins that loop count their work, so a
// huge sum stops at the step limit.
func TestBuiltinsChargeSteps(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"sum(range(100000000))",
		"map(abs, range(100000000))",
		"filter(None, range(100000000))",
		"len(list('a' * 100000000))",
		"[1, 2].count(1) + len([c for c in 'a' * 100000000])",
	} {
		_, err := runProgLimits(t, "x = "+expr+"\n", Limits{MaxSteps: 100000})
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != "steps" {
			t.Errorf("%s: got %v, want the step limit", expr, err)
		}
	}
}
