// Package statistics is Python's statistics module for latm's sandbox:
// mean, fmean, median, median_low, median_high, mode, multimode, variance,
// pvariance, stdev and pstdev, computed as CPython 3.11 computes them
// (exact rational sums, the same type rules: the mean of ints is an int
// when it is whole, a float otherwise), so results agree to the last bit.
// Errors carry CPython's StatisticsError messages.
package statistics

import (
	"fmt"
	"math"
	"math/big"
	"sort"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Module is the statistics module.
var Module = &starlarkstruct.Module{
	Name: "statistics",
	Members: starlark.StringDict{
		"mean":        starlark.NewBuiltin("mean", mean),
		"fmean":       starlark.NewBuiltin("fmean", fmean),
		"median":      starlark.NewBuiltin("median", median("median")),
		"median_low":  starlark.NewBuiltin("median_low", median("median_low")),
		"median_high": starlark.NewBuiltin("median_high", median("median_high")),
		"mode":        starlark.NewBuiltin("mode", mode),
		"multimode":   starlark.NewBuiltin("multimode", multimode),
		"variance":    starlark.NewBuiltin("variance", spread("variance", 1, false)),
		"pvariance":   starlark.NewBuiltin("pvariance", spread("pvariance", 0, false)),
		"stdev":       starlark.NewBuiltin("stdev", spread("stdev", 1, true)),
		"pstdev":      starlark.NewBuiltin("pstdev", spread("pstdev", 0, true)),
	},
}

// Error is a StatisticsError (in Python a subclass of ValueError).
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func statErr(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// exact is a number as CPython's _exact_ratio sees it.
type exact struct {
	r       *big.Rat // nil for inf or nan
	f       float64  // the value, when r is nil
	isFloat bool
}

func toExact(v starlark.Value) (exact, error) {
	switch x := v.(type) {
	case starlark.Int:
		return exact{r: new(big.Rat).SetInt(x.BigInt())}, nil
	case starlark.Bool:
		n := int64(0)
		if x {
			n = 1
		}
		return exact{r: big.NewRat(n, 1)}, nil
	case starlark.Float:
		f := float64(x)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return exact{f: f, isFloat: true}, nil
		}
		return exact{r: new(big.Rat).SetFloat64(f), isFloat: true}, nil
	}
	return exact{}, fmt.Errorf("can't convert type '%s' to numerator/denominator", v.Type())
}

// sums is CPython's _sum/_ss in one pass: the count, whether any value is
// a float (T), the exact sum and sum of squares, and the float sum of the
// values that are not finite. Sums stay integers for speed: ints as they
// are, finite floats (every one an integer multiple of 2^-1074) scaled by
// 2^1074, their squares by 2^2148.
type sums struct {
	n         int
	isFloat   bool
	ints, sq  big.Int // sum and sum of squares of the ints
	fl, flSq  big.Int // scaled sums of the floats
	nonFinite float64
	hasNonFin bool
	values    []starlark.Value
}

const floatScale = 1074

func (s *sums) addInt(x *big.Int) {
	s.ints.Add(&s.ints, x)
	s.sq.Add(&s.sq, new(big.Int).Mul(x, x))
}

func (s *sums) addFloat(f float64) {
	if f == 0 {
		return
	}
	frac, exp := math.Frexp(f)
	m := big.NewInt(int64(frac * (1 << 53)))
	shift := exp - 53 + floatScale
	if shift >= 0 {
		m.Lsh(m, uint(shift))
	} else {
		m.Rsh(m, uint(-shift)) // exact: a subnormal's low bits are zero
	}
	s.fl.Add(&s.fl, m)
	s.flSq.Add(&s.flSq, new(big.Int).Mul(m, m))
}

// sx is the exact sum.
func (s *sums) sx() *big.Rat {
	r := new(big.Rat).SetFrac(&s.fl, new(big.Int).Lsh(big.NewInt(1), floatScale))
	return r.Add(r, new(big.Rat).SetInt(&s.ints))
}

// sxx is the exact sum of squares.
func (s *sums) sxx() *big.Rat {
	r := new(big.Rat).SetFrac(&s.flSq, new(big.Int).Lsh(big.NewInt(1), 2*floatScale))
	return r.Add(r, new(big.Rat).SetInt(&s.sq))
}

func collect(thread *starlark.Thread, fname string, data starlark.Value) (*sums, error) {
	s := &sums{}
	err := callstate.Iterate(thread, fname, data, func(v starlark.Value) error {
		switch x := v.(type) {
		case starlark.Int:
			s.addInt(x.BigInt())
		case starlark.Bool:
			if x {
				s.addInt(big.NewInt(1))
			}
		case starlark.Float:
			s.isFloat = true
			f := float64(x)
			if math.IsInf(f, 0) || math.IsNaN(f) {
				s.nonFinite += f
				s.hasNonFin = true
			} else {
				s.addFloat(f)
			}
		default:
			return fmt.Errorf("can't convert type '%s' to numerator/denominator", v.Type())
		}
		s.n++
		s.values = append(s.values, v)
		return nil
	})
	return s, err
}

// convert is CPython's _convert(value, T): an int when T is int and the
// value is whole, else the nearest float.
func convert(r *big.Rat, isFloat bool) starlark.Value {
	if !isFloat && r.IsInt() {
		return starlark.MakeBigInt(new(big.Int).Set(r.Num()))
	}
	f, _ := r.Float64()
	return starlark.Float(f)
}

func oneArg(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var data starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &data); err != nil {
		return nil, err
	}
	return data, nil
}

func mean(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	data, err := oneArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	s, err := collect(thread, "mean", data)
	if err != nil {
		return nil, err
	}
	if s.n < 1 {
		return nil, statErr("mean requires at least one data point")
	}
	if s.hasNonFin {
		return starlark.Float(s.nonFinite / float64(s.n)), nil
	}
	return convert(new(big.Rat).Quo(s.sx(), big.NewRat(int64(s.n), 1)), s.isFloat), nil
}

// fmean is fmean(data): fsum(data) / n in floats.
func fmean(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	data, err := oneArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	s, err := collect(thread, "fmean", data)
	if err != nil {
		return nil, err
	}
	if s.n < 1 {
		return nil, statErr("fmean requires at least one data point")
	}
	if s.hasNonFin {
		return starlark.Float(s.nonFinite / float64(s.n)), nil
	}
	total, _ := s.sx().Float64()
	return starlark.Float(total / float64(s.n)), nil
}

// sorted returns the values sorted (stably), charging n·log n steps.
func sortedValues(thread *starlark.Thread, fname string, data starlark.Value) ([]starlark.Value, error) {
	xs, err := callstate.Collect(thread, fname, data)
	if err != nil {
		return nil, err
	}
	cost := uint64(1)
	for m := len(xs); m > 1; m >>= 1 {
		cost += uint64(len(xs))
	}
	if err := callstate.ChargeSteps(thread, cost); err != nil {
		return nil, err
	}
	var cmpErr error
	sort.SliceStable(xs, func(i, j int) bool {
		lt, err := starlark.Compare(syntax.LT, xs[i], xs[j])
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return lt
	})
	return xs, cmpErr
}

func median(which string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		data, err := oneArg(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		xs, err := sortedValues(thread, which, data)
		if err != nil {
			return nil, err
		}
		n := len(xs)
		if n == 0 {
			return nil, statErr("no median for empty data")
		}
		switch {
		case n%2 == 1:
			return xs[n/2], nil
		case which == "median_low":
			return xs[n/2-1], nil
		case which == "median_high":
			return xs[n/2], nil
		}
		sum, err := starlark.Binary(syntax.PLUS, xs[n/2-1], xs[n/2])
		if err != nil {
			return nil, err
		}
		return starlark.Binary(syntax.SLASH, sum, starlark.MakeInt(2))
	}
}

// counts returns the distinct values in first-seen order with their counts.
func counts(thread *starlark.Thread, fname string, data starlark.Value) ([]starlark.Value, []int, error) {
	idx := starlark.NewDict(0)
	var keys []starlark.Value
	var ns []int
	err := callstate.Iterate(thread, fname, data, func(v starlark.Value) error {
		i, found, err := idx.Get(v)
		if err != nil {
			return err
		}
		if found {
			var k int
			_ = starlark.AsInt(i, &k)
			ns[k]++
			return nil
		}
		keys = append(keys, v)
		ns = append(ns, 1)
		return idx.SetKey(v, starlark.MakeInt(len(keys)-1))
	})
	return keys, ns, err
}

// mode is the most common value; ties go to the first seen (Python 3.8+).
func mode(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	data, err := oneArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	keys, ns, err := counts(thread, "mode", data)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, statErr("no mode for empty data")
	}
	best := 0
	for i, n := range ns {
		if n > ns[best] {
			best = i
		}
	}
	return keys[best], nil
}

// multimode lists the most common values in first-seen order.
func multimode(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	data, err := oneArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	keys, ns, err := counts(thread, "multimode", data)
	if err != nil {
		return nil, err
	}
	top := 0
	for _, n := range ns {
		top = max(top, n)
	}
	var out []starlark.Value
	for i, n := range ns {
		if n == top {
			out = append(out, keys[i])
		}
	}
	return starlark.NewList(out), nil
}

// spread is variance/pvariance (ddof 1 or 0) or, with root, stdev/pstdev.
func spread(name string, ddof int, root bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	need := "at least two data points"
	if ddof == 0 {
		need = "at least one data point"
	}
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var data starlark.Value
		var center starlark.Value = starlark.None
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &data, &center); err != nil {
			return nil, err
		}
		s, err := collect(thread, name, data)
		if err != nil {
			return nil, err
		}
		if s.n < ddof+1 {
			return nil, statErr("%s requires %s", name, need)
		}
		ss, isFloat, err := squares(s, center)
		if err != nil {
			return nil, err
		}
		if ss == nil { // the data had an inf or a nan
			v := s.nonFinite / float64(s.n-ddof)
			if root {
				v = math.Sqrt(v)
			}
			return starlark.Float(v), nil
		}
		msd := new(big.Rat).Quo(ss, big.NewRat(int64(s.n-ddof), 1))
		if root {
			return starlark.Float(sqrtOfFrac(msd.Num(), msd.Denom())), nil
		}
		return convert(msd, isFloat), nil
	}
}

// squares is the exact sum of squared deviations from the exact mean, or,
// with a given center c, CPython's sum of (x - c) * (x - c) computed in
// the values' own arithmetic. It returns nil for data with inf or nan.
func squares(s *sums, center starlark.Value) (*big.Rat, bool, error) {
	if center == starlark.None {
		if s.hasNonFin {
			return nil, s.isFloat, nil
		}
		n := big.NewRat(int64(s.n), 1)
		sx := s.sx()
		ss := new(big.Rat).Mul(n, s.sxx())
		ss.Sub(ss, new(big.Rat).Mul(sx, sx))
		return ss.Quo(ss, n), s.isFloat, nil
	}
	total := new(big.Rat)
	isFloat := false
	for _, x := range s.values {
		d, err := starlark.Binary(syntax.MINUS, x, center)
		if err != nil {
			return nil, false, err
		}
		sq, err := starlark.Binary(syntax.STAR, d, d)
		if err != nil {
			return nil, false, err
		}
		e, err := toExact(sq)
		if err != nil {
			return nil, false, err
		}
		if e.r == nil {
			s.nonFinite, s.hasNonFin = e.f, true
			return nil, true, nil
		}
		isFloat = isFloat || e.isFloat
		total.Add(total, e.r)
	}
	return total, isFloat, nil
}

// sqrtOfFrac is CPython's _float_sqrt_of_frac: the square root of n/m
// correctly rounded to a float, through a 109-bit integer square root
// rounded to odd.
func sqrtOfFrac(n, m *big.Int) float64 {
	const width = 2*53 + 3
	q := floorDiv(n.BitLen()-m.BitLen()-width, 2)
	var num, den *big.Int
	if q >= 0 {
		num = rto(n, new(big.Int).Lsh(m, uint(2*q)))
		num.Lsh(num, uint(q))
		den = big.NewInt(1)
	} else {
		num = rto(new(big.Int).Lsh(n, uint(-2*q)), m)
		den = new(big.Int).Lsh(big.NewInt(1), uint(-q))
	}
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return f
}

// rto is the integer square root of n/m rounded to odd.
func rto(n, m *big.Int) *big.Int {
	a := new(big.Int).Sqrt(new(big.Int).Quo(n, m))
	check := new(big.Int).Mul(a, a)
	check.Mul(check, m)
	if check.Cmp(n) != 0 {
		a.SetBit(a, 0, 1)
	}
	return a
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}
