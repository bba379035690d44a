// Package math is the math module of latm's Starlark runtime: Python's math
// as far as it is deterministic, over go.starlark.net/lib/math.
package math

import (
	"errors"
	"fmt"
	"math"
	"math/big"

	starmath "go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Bounds on the integer functions, so a single call cannot build a number
// with millions of digits.
const (
	maxFactorial = 20000  // factorial(20000) has 77,338 digits
	maxCombN     = 100000 // comb and perm
)

// Module is the math module: go.starlark.net/lib/math (ceil, floor, trig, hyperbolic,
// exp, pow, gamma, e, pi, …) plus what Python's math has that it lacks.
// Differences from Python: domain errors say "math domain error" like
// Python's ValueError but are plain errors; round is lib/math's float round.
var Module = newModule()

func newModule() *starlarkstruct.Module {
	m := starlark.StringDict{}
	for k, v := range starmath.Module.Members {
		m[k] = v
	}
	add := func(name string, fn callstate.Builtin) { m[name] = starlark.NewBuiltin("math."+name, fn) }
	m["tau"] = starlark.Float(2 * math.Pi)
	m["inf"] = starlark.Float(math.Inf(1))
	m["nan"] = starlark.Float(math.NaN())
	m["sqrt"] = domainUnary("sqrt", math.Sqrt, func(x float64) bool { return x >= 0 })
	m["log2"] = domainUnary("log2", math.Log2, func(x float64) bool { return x > 0 })
	m["log10"] = domainUnary("log10", math.Log10, func(x float64) bool { return x > 0 })
	m["log1p"] = domainUnary("log1p", math.Log1p, func(x float64) bool { return x > -1 })
	m["acos"] = domainUnary("acos", math.Acos, func(x float64) bool { return x >= -1 && x <= 1 })
	m["asin"] = domainUnary("asin", math.Asin, func(x float64) bool { return x >= -1 && x <= 1 })
	m["expm1"] = domainUnary("expm1", math.Expm1, func(float64) bool { return true })
	add("log", mathLog)
	add("trunc", mathTrunc)
	add("isnan", floatPredicate("isnan", func(x float64) bool { return math.IsNaN(x) }))
	add("isinf", floatPredicate("isinf", func(x float64) bool { return math.IsInf(x, 0) }))
	add("isfinite", floatPredicate("isfinite", func(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }))
	add("isclose", mathIsclose)
	add("gcd", mathGcdLcm(false))
	add("lcm", mathGcdLcm(true))
	add("factorial", mathFactorial)
	add("comb", mathComb)
	add("perm", mathPerm)
	add("isqrt", mathIsqrt)
	add("prod", mathProd)
	add("fsum", mathFsum)
	add("dist", mathDist)
	return &starlarkstruct.Module{Name: "math", Members: m}
}

// toFloat converts an int or float argument to float64.
func toFloat(fname string, v starlark.Value) (float64, error) {
	switch v := v.(type) {
	case starlark.Int:
		return float64(v.Float()), nil
	case starlark.Float:
		return float64(v), nil
	case starlark.Bool:
		if v {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("%s: got %s, want int or float", fname, v.Type())
}

// toBigInt converts an int (or bool) argument to a *big.Int.
func toBigInt(fname string, v starlark.Value) (*big.Int, error) {
	switch v := v.(type) {
	case starlark.Int:
		return v.BigInt(), nil
	case starlark.Bool:
		if v {
			return big.NewInt(1), nil
		}
		return big.NewInt(0), nil
	}
	return nil, fmt.Errorf("%s: got %s, want int (convert with int(x) first)", fname, v.Type())
}

func domainUnary(name string, fn func(float64) float64, ok func(float64) bool) *starlark.Builtin {
	return starlark.NewBuiltin("math."+name, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs(name, args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		f, err := toFloat(name, x)
		if err != nil {
			return nil, err
		}
		if !ok(f) && !math.IsNaN(f) {
			return nil, fmt.Errorf("math.%s(%v): math domain error", name, x)
		}
		return starlark.Float(fn(f)), nil
	})
}

func floatPredicate(name string, pred func(float64) bool) callstate.Builtin {
	return func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs(name, args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		f, err := toFloat(name, x)
		if err != nil {
			return nil, err
		}
		return starlark.Bool(pred(f)), nil
	}
}

// mathLog is log(x[, base]); big ints work beyond float range.
func mathLog(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, base starlark.Value
	if err := starlark.UnpackPositionalArgs("log", args, kwargs, 1, &x, &base); err != nil {
		return nil, err
	}
	lx, err := logOf(x)
	if err != nil {
		return nil, err
	}
	if base == nil {
		return starlark.Float(lx), nil
	}
	lb, err := logOf(base)
	if err != nil {
		return nil, err
	}
	if lb == 0 {
		return nil, errors.New("math.log: base 1 gives division by zero")
	}
	return starlark.Float(lx / lb), nil
}

func logOf(v starlark.Value) (float64, error) {
	if i, ok := v.(starlark.Int); ok && i.Sign() > 0 {
		b := i.BigInt()
		if n := b.BitLen(); n > 1000 {
			// log(b) = log(b >> k) + k*log(2), exact enough for huge ints.
			k := n - 64
			f, _ := new(big.Float).SetInt(new(big.Int).Rsh(b, uint(k))).Float64()
			return math.Log(f) + float64(k)*math.Ln2, nil
		}
	}
	f, err := toFloat("log", v)
	if err != nil {
		return 0, err
	}
	if f <= 0 {
		return 0, fmt.Errorf("math.log(%v): math domain error (needs a positive number)", v)
	}
	return math.Log(f), nil
}

func mathTrunc(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs("trunc", args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case starlark.Int:
		return x, nil
	case starlark.Float:
		return starlark.NumberToInt(starlark.Float(math.Trunc(float64(x))))
	}
	return nil, fmt.Errorf("trunc: got %s, want int or float", x.Type())
}

func mathIsclose(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a, b starlark.Value
	relTol, absTol := starlark.Value(starlark.Float(1e-9)), starlark.Value(starlark.Float(0))
	if err := starlark.UnpackArgs("isclose", args, kwargs, "a", &a, "b", &b, "rel_tol?", &relTol, "abs_tol?", &absTol); err != nil {
		return nil, err
	}
	var fs [4]float64
	for i, v := range []starlark.Value{a, b, relTol, absTol} {
		f, err := toFloat("isclose", v)
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	x, y, rt, at := fs[0], fs[1], fs[2], fs[3]
	if rt < 0 || at < 0 {
		return nil, errors.New("isclose: tolerances must be non-negative")
	}
	if x == y {
		return starlark.True, nil
	}
	if math.IsInf(x, 0) || math.IsInf(y, 0) {
		return starlark.False, nil
	}
	d := math.Abs(x - y)
	return starlark.Bool(d <= math.Abs(rt*y) || d <= math.Abs(rt*x) || d <= at), nil
}

// mathGcdLcm returns gcd(*ints) or lcm(*ints); both take any number of
// ints, big ones included, and return a non-negative int.
func mathGcdLcm(lcm bool) callstate.Builtin {
	name := "gcd"
	if lcm {
		name = "lcm"
	}
	return func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(kwargs) > 0 {
			return nil, fmt.Errorf("%s: unexpected keyword arguments", name)
		}
		acc := big.NewInt(0)
		if lcm {
			acc.SetInt64(1)
		}
		for _, a := range args {
			x, err := toBigInt(name, a)
			if err != nil {
				return nil, err
			}
			if err := callstate.ChargeSteps(thread, uint64(x.BitLen()/64+1)); err != nil {
				return nil, err
			}
			x = new(big.Int).Abs(x)
			if !lcm {
				acc.GCD(nil, nil, acc, x)
				continue
			}
			if x.Sign() == 0 || acc.Sign() == 0 {
				acc.SetInt64(0)
				continue
			}
			g := new(big.Int).GCD(nil, nil, acc, x)
			acc.Mul(acc, new(big.Int).Quo(x, g))
		}
		return starlark.MakeBigInt(acc), nil
	}
}

// smallNonNeg unpacks a non-negative int no larger than max.
func smallNonNeg(fname, what string, v starlark.Value, max int64) (int64, error) {
	i, ok := v.(starlark.Int)
	if !ok {
		return 0, fmt.Errorf("%s: %s must be an int, got %s", fname, what, v.Type())
	}
	n, ok := i.Int64()
	if !ok || n > max {
		return 0, fmt.Errorf("%s: %s=%v is too large (at most %d here)", fname, what, v, max)
	}
	if n < 0 {
		return 0, fmt.Errorf("%s: %s must not be negative, got %d", fname, what, n)
	}
	return n, nil
}

func mathFactorial(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs("factorial", args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	n, err := smallNonNeg("factorial", "n", x, maxFactorial)
	if err != nil {
		return nil, err
	}
	if err := callstate.ChargeSteps(thread, uint64(n)); err != nil {
		return nil, err
	}
	return starlark.MakeBigInt(new(big.Int).MulRange(1, max(n, 1))), nil
}

func mathComb(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var nv, kv starlark.Value
	if err := starlark.UnpackPositionalArgs("comb", args, kwargs, 2, &nv, &kv); err != nil {
		return nil, err
	}
	n, err := smallNonNeg("comb", "n", nv, maxCombN)
	if err != nil {
		return nil, err
	}
	k, err := smallNonNeg("comb", "k", kv, maxCombN)
	if err != nil {
		return nil, err
	}
	if k > n {
		return starlark.MakeInt(0), nil
	}
	if err := callstate.ChargeSteps(thread, uint64(min(k, n-k)+1)); err != nil {
		return nil, err
	}
	return starlark.MakeBigInt(new(big.Int).Binomial(n, k)), nil
}

func mathPerm(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var nv, kv starlark.Value = nil, starlark.None
	if err := starlark.UnpackPositionalArgs("perm", args, kwargs, 1, &nv, &kv); err != nil {
		return nil, err
	}
	n, err := smallNonNeg("perm", "n", nv, maxCombN)
	if err != nil {
		return nil, err
	}
	k := n
	if kv != starlark.None {
		if k, err = smallNonNeg("perm", "k", kv, maxCombN); err != nil {
			return nil, err
		}
	}
	if k > n {
		return starlark.MakeInt(0), nil
	}
	if err := callstate.ChargeSteps(thread, uint64(k+1)); err != nil {
		return nil, err
	}
	if k == 0 {
		return starlark.MakeInt(1), nil
	}
	return starlark.MakeBigInt(new(big.Int).MulRange(n-k+1, n)), nil
}

func mathIsqrt(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs("isqrt", args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	b, err := toBigInt("isqrt", x)
	if err != nil {
		return nil, err
	}
	if b.Sign() < 0 {
		return nil, fmt.Errorf("isqrt(%v): isqrt() argument must be nonnegative", x)
	}
	if err := callstate.ChargeSteps(thread, uint64(b.BitLen()/64+1)); err != nil {
		return nil, err
	}
	return starlark.MakeBigInt(new(big.Int).Sqrt(b)), nil
}

// mathProd is prod(iterable, start=1), multiplying with Starlark's *.
func mathProd(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it starlark.Value
	var acc starlark.Value = starlark.MakeInt(1)
	if err := starlark.UnpackArgs("prod", args, kwargs, "iterable", &it, "start?", &acc); err != nil {
		return nil, err
	}
	err := callstate.Iterate(thread, "prod", it, func(x starlark.Value) error {
		r, err := starlark.Binary(syntax.STAR, acc, x)
		if err != nil {
			return fmt.Errorf("prod: %w", err)
		}
		if i, ok := r.(starlark.Int); ok {
			if err := callstate.ChargeSteps(thread, uint64(i.BigInt().BitLen()/1024)); err != nil {
				return err
			}
		}
		acc = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return acc, nil
}

// mathFsum is fsum(iterable): the correctly rounded float sum (Shewchuk's
// partials, as CPython).
func mathFsum(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it starlark.Value
	if err := starlark.UnpackPositionalArgs("fsum", args, kwargs, 1, &it); err != nil {
		return nil, err
	}
	var partials []float64
	special := 0.0
	err := callstate.Iterate(thread, "fsum", it, func(v starlark.Value) error {
		x, err := toFloat("fsum", v)
		if err != nil {
			return err
		}
		if math.IsInf(x, 0) || math.IsNaN(x) {
			special += x
			return nil
		}
		i := 0
		for _, y := range partials {
			if math.Abs(x) < math.Abs(y) {
				x, y = y, x
			}
			hi := x + y
			lo := y - (hi - x)
			if lo != 0 {
				partials[i] = lo
				i++
			}
			x = hi
		}
		partials = append(partials[:i], x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if special != 0 || math.IsNaN(special) {
		return starlark.Float(special), nil
	}
	// Sum the partials from the top, rounding half-even like CPython.
	n := len(partials)
	if n == 0 {
		return starlark.Float(0), nil
	}
	hi := partials[n-1]
	lo := 0.0
	for n--; n > 0; {
		x := hi
		n--
		y := partials[n]
		hi = x + y
		yr := hi - x
		lo = y - yr
		if lo != 0 {
			break
		}
	}
	if n > 0 && ((lo < 0 && partials[n-1] < 0) || (lo > 0 && partials[n-1] > 0)) {
		y := lo * 2
		x := hi + y
		if yr := x - hi; y == yr {
			hi = x
		}
	}
	return starlark.Float(hi), nil
}

// mathDist is dist(p, q): the Euclidean distance of two points.
func mathDist(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p, q starlark.Value
	if err := starlark.UnpackPositionalArgs("dist", args, kwargs, 2, &p, &q); err != nil {
		return nil, err
	}
	ps, err := callstate.Collect(thread, "dist", p)
	if err != nil {
		return nil, err
	}
	qs, err := callstate.Collect(thread, "dist", q)
	if err != nil {
		return nil, err
	}
	if len(ps) != len(qs) {
		return nil, fmt.Errorf("dist: both points must have the same number of dimensions (got %d and %d)", len(ps), len(qs))
	}
	sum := 0.0
	for i := range ps {
		a, err := toFloat("dist", ps[i])
		if err != nil {
			return nil, err
		}
		b, err := toFloat("dist", qs[i])
		if err != nil {
			return nil, err
		}
		sum += (a - b) * (a - b)
	}
	return starlark.Float(math.Sqrt(sum)), nil
}
