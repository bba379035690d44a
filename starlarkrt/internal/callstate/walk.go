package callstate

import (
	"strconv"

	"go.starlark.net/starlark"
)

// MaxIntDigits is Python's limit on the decimal digits of an integer
// converted to or from a string (sys.get_int_max_str_digits()): the
// conversion takes time quadratic in the digits.
const MaxIntDigits = 4300

// maxIntBits is the bit length past which an integer has more than
// MaxIntDigits decimal digits (log2(10) ≈ 3.3219).
const maxIntBits = MaxIntDigits * 33219 / 10000

// IntDigitsError is Python's error for an integer conversion past
// MaxIntDigits.
type IntDigitsError struct{ Digits int }

func (e *IntDigitsError) Error() string {
	return "Exceeds the limit (" + strconv.Itoa(MaxIntDigits) + " digits) for integer string conversion: value has about " +
		strconv.Itoa(e.Digits) + " digits; compute with smaller numbers, or print hex(x)"
}

// CheckPrintable is called before a builtin turns v into text (str, repr,
// print, formatting): the interpreter's own conversion cannot be stopped,
// and a value built by sharing (t = (t, t), eighty times) prints to 2^80
// elements. It walks v as printing would, charging one step per element
// (so the step and time limits stop it), and fails with a depth
// *LimitError past MaxNesting and with an *IntDigitsError for an integer
// too long to convert. A list or dict that contains itself is visited
// once, as printing shows it as [...].
func CheckPrintable(thread *starlark.Thread, v starlark.Value) error {
	w := walker{thread: thread, digits: true}
	return w.walk(v, 0)
}

// CheckWalk is CheckPrintable for an encoder that writes integers of any
// size (JSON): it bounds only the elements and the nesting.
func CheckWalk(thread *starlark.Thread, v starlark.Value) error {
	w := walker{thread: thread}
	return w.walk(v, 0)
}

type walker struct {
	thread *starlark.Thread
	path   []starlark.Value // the mutable containers being visited
	n      uint64           // elements visited since the last charge
	digits bool             // integers past MaxIntDigits are an error
}

func (w *walker) charge() error {
	if w.n++; w.n >= 64 {
		w.n = 0
		return ChargeSteps(w.thread, 64)
	}
	return nil
}

func (w *walker) walk(v starlark.Value, depth int) error {
	if err := w.charge(); err != nil {
		return err
	}
	switch x := v.(type) {
	case starlark.Int:
		if _, ok := x.Int64(); !ok && w.digits {
			if bits := x.BigInt().BitLen(); bits > maxIntBits {
				return &IntDigitsError{Digits: bits * 10000 / 33219}
			}
		}
		return nil
	case starlark.Tuple:
		return w.elems(depth, x.Len(), func(i int) starlark.Value { return x[i] })
	case *starlark.List:
		if w.onPath(x) {
			return nil
		}
		return w.container(x, depth, x.Len(), x.Index)
	case *starlark.Dict:
		if w.onPath(x) {
			return nil
		}
		items := x.Items()
		return w.container(x, depth, 2*len(items), func(i int) starlark.Value { return items[i/2][i%2] })
	case *starlark.Set:
		if w.onPath(x) {
			return nil
		}
		var elems []starlark.Value
		it := x.Iterate()
		var e starlark.Value
		for it.Next(&e) {
			elems = append(elems, e)
		}
		it.Done()
		return w.container(x, depth, len(elems), func(i int) starlark.Value { return elems[i] })
	}
	return nil
}

func (w *walker) onPath(v starlark.Value) bool {
	for _, p := range w.path {
		if p == v {
			return true
		}
	}
	return false
}

func (w *walker) container(c starlark.Value, depth, n int, at func(int) starlark.Value) error {
	w.path = append(w.path, c)
	err := w.elems(depth, n, at)
	w.path = w.path[:len(w.path)-1]
	return err
}

func (w *walker) elems(depth, n int, at func(int) starlark.Value) error {
	if depth >= MaxNesting {
		return DepthError()
	}
	for i := 0; i < n; i++ {
		if err := w.walk(at(i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// CheckNesting fails with a depth *LimitError when the brackets of the
// JSON (or Python literal) text s nest deeper than MaxNesting, counting
// none inside strings: the decoders recurse once per level, and a deep
// enough recursion exhausts the Go stack, which no recover can catch. It
// charges the bytes scanned.
func CheckNesting(thread *starlark.Thread, s string) error {
	if err := ChargeBytes(thread, len(s)); err != nil {
		return err
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth++; depth > MaxNesting {
				return DepthError()
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}
