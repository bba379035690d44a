package math

import (
	"testing"

	"github.com/latm/latm/starlarkrt/internal/modtest"
)

var env = modtest.Env(Module)

func TestMathValues(t *testing.T) {
	modtest.Values(t, env, [][2]string{
		{"math.gcd(12, 18, 27)", "3"},
		{"math.gcd()", "0"},
		{"math.gcd(-4, 6)", "2"},
		{"math.lcm(4, 6, 10)", "60"},
		{"math.lcm()", "1"},
		{"math.lcm(0, 5)", "0"},
		{"math.factorial(25)", "15511210043330985984000000"},
		{"math.factorial(0)", "1"},
		{"math.comb(52, 5)", "2598960"},
		{"math.comb(3, 5)", "0"},
		{"math.perm(10, 3)", "720"},
		{"math.perm(5)", "120"},
		{"math.isqrt(1000000000000000000000000000005)", "1000000000000000"},
		{"math.prod([1, 2, 3, 4])", "24"},
		{"math.prod([1.5, 2])", "3.0"},
		{"math.prod([])", "1"},
		{"math.fsum([0.1] * 10)", "1.0"},
		{"math.fsum([1e100, 1.0, -1e100, 1e-100])", "1.0"},
		{"math.log(8, 2)", "3.0"},
		{"math.isclose(math.log(int(\"1\" + \"0\" * 400)), 921.0340371976182)", "True"},
		{"math.log10(1000)", "3.0"},
		{"math.log2(1024)", "10.0"},
		{"math.sqrt(16)", "4.0"},
		{"math.trunc(-3.7)", "-3"},
		{"math.floor(-3.5)", "-4"},
		{"math.ceil(3.2)", "4"},
		{"math.isclose(1.0, 1.0 + 1e-10)", "True"},
		{"math.isclose(1.0, 1.1)", "False"},
		{"math.isclose(0, 1e-12, abs_tol=1e-9)", "True"},
		{"math.dist((0, 0), (3, 4))", "5.0"},
		{"math.hypot(3, 4)", "5.0"},
		{"math.isnan(math.nan)", "True"},
		{"math.isinf(-math.inf)", "True"},
		{"math.isfinite(1)", "True"},
		{"math.tau == 2 * math.pi", "True"},
		{"math.fabs(-2)", "2.0"},
		{"math.copysign(3, -0.0)", "-3.0"},
		{"math.degrees(math.pi)", "180.0"},
	})
}

func TestMathErrors(t *testing.T) {
	modtest.Errors(t, env, [][2]string{
		{"math.sqrt(-1)", "math domain error"},
		{"math.log(0)", "math domain error"},
		{"math.log(8, 1)", "division by zero"},
		{"math.factorial(-1)", "must not be negative"},
		{"math.factorial(1000000)", "too large"},
		{"math.factorial(2.5)", "must be an int"},
		{"math.gcd(2.0, 4)", "want int"},
		{"math.isqrt(-4)", "nonnegative"},
		{"math.prod(5)", "want an iterable"},
		{"math.dist((1,), (1, 2))", "same number of dimensions"},
	})
}

func TestMathChargesSteps(t *testing.T) {
	modtest.StepLimit(t, env, "x = [math.factorial(15000) for _ in range(100)]", 100000)
	modtest.StepLimit(t, env, "x = math.prod(range(1, 200000))", 50000)
}
