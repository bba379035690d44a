package collections

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Deque is collections.deque: a ring buffer with O(1) appends and pops at
// both ends and an optional maximum length (appending to a full deque
// drops an element from the other end).
type Deque struct {
	buf       []starlark.Value
	head, n   int
	maxlen    int // -1: unbounded
	itercount int
	owner
}

var (
	_ starlark.Sequence    = (*Deque)(nil)
	_ starlark.HasSetIndex = (*Deque)(nil)
	_ starlark.Container   = (*Deque)(nil)
	_ starlark.HasAttrs    = (*Deque)(nil)
	_ starlark.Comparable  = (*Deque)(nil)
	_ starlark.HasBinary   = (*Deque)(nil)
)

func (q *Deque) Type() string          { return "deque" }
func (q *Deque) Truth() starlark.Bool  { return q.n > 0 }
func (q *Deque) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: deque") }
func (q *Deque) Len() int              { return q.n }

// Index returns element i, 0 <= i < Len().
func (q *Deque) Index(i int) starlark.Value { return q.buf[(q.head+i)%len(q.buf)] }

// Maxlen returns the maximum length, or -1.
func (q *Deque) Maxlen() int { return q.maxlen }

func (q *Deque) Freeze() {
	if q.frozen {
		return
	}
	q.frozen = true
	for i := range q.n {
		q.Index(i).Freeze()
	}
}

func (q *Deque) String() string {
	var b strings.Builder
	b.WriteString("deque([")
	for i := range q.n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(q.Index(i).String())
	}
	b.WriteString("]")
	if q.maxlen >= 0 {
		fmt.Fprintf(&b, ", maxlen=%d", q.maxlen)
	}
	b.WriteString(")")
	return b.String()
}

// checkMutable fails if the deque may not change now.
func (q *Deque) checkMutable(verb string) error {
	if q.frozen {
		return fmt.Errorf("cannot %s frozen deque", verb)
	}
	if q.itercount > 0 {
		return fmt.Errorf("cannot %s deque during iteration", verb)
	}
	return nil
}

func (q *Deque) grow() {
	nb := make([]starlark.Value, max(8, 2*len(q.buf)))
	for i := range q.n {
		nb[i] = q.Index(i)
	}
	q.buf, q.head = nb, 0
}

// pushBack appends v on the right, dropping the leftmost element of a
// full bounded deque.
func (q *Deque) pushBack(v starlark.Value) {
	if q.maxlen == 0 {
		return
	}
	if q.maxlen > 0 && q.n == q.maxlen {
		q.popFront()
	}
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = v
	q.n++
}

// pushFront appends v on the left, dropping the rightmost element of a
// full bounded deque.
func (q *Deque) pushFront(v starlark.Value) {
	if q.maxlen == 0 {
		return
	}
	if q.maxlen > 0 && q.n == q.maxlen {
		q.popBack()
	}
	if q.n == len(q.buf) {
		q.grow()
	}
	q.head = (q.head - 1 + len(q.buf)) % len(q.buf)
	q.buf[q.head] = v
	q.n++
}

func (q *Deque) popFront() starlark.Value {
	v := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return v
}

func (q *Deque) popBack() starlark.Value {
	i := (q.head + q.n - 1) % len(q.buf)
	v := q.buf[i]
	q.buf[i] = nil
	q.n--
	return v
}

// SetIndex is q[i] = v.
func (q *Deque) SetIndex(i int, v starlark.Value) error {
	if q.frozen {
		return fmt.Errorf("cannot assign to element of frozen deque")
	}
	q.buf[(q.head+i)%len(q.buf)] = v
	return nil
}

// Has is x in q.
func (q *Deque) Has(x starlark.Value) (bool, error) {
	for i := range q.n {
		if err := q.charge(1); err != nil {
			return false, err
		}
		if eq, err := starlark.Equal(q.Index(i), x); err != nil || eq {
			return eq, err
		}
	}
	return false, nil
}

// Iterate iterates left to right; the deque may not change meanwhile.
func (q *Deque) Iterate() starlark.Iterator {
	if !q.frozen {
		q.itercount++
	}
	return &dequeIterator{q: q}
}

type dequeIterator struct {
	q *Deque
	i int
}

func (it *dequeIterator) Next(p *starlark.Value) bool {
	if it.i < it.q.n {
		*p = it.q.Index(it.i)
		it.i++
		return true
	}
	return false
}

func (it *dequeIterator) Done() {
	if !it.q.frozen {
		it.q.itercount--
	}
}

// elems returns the elements left to right.
func (q *Deque) elems() []starlark.Value {
	out := make([]starlark.Value, q.n)
	for i := range q.n {
		out[i] = q.Index(i)
	}
	return out
}

// newDeque is deque(iterable=(), maxlen=None).
func newDeque(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it, ml starlark.Value = starlark.None, starlark.None
	if err := starlark.UnpackArgs("deque", args, kwargs, "iterable?", &it, "maxlen?", &ml); err != nil {
		return nil, err
	}
	q := &Deque{maxlen: -1, owner: owner{thread: thread}}
	if ml != starlark.None {
		if err := starlark.AsInt(ml, &q.maxlen); err != nil {
			return nil, fmt.Errorf("deque: maxlen must be an int or None, got %s", ml.Type())
		}
		if q.maxlen < 0 {
			return nil, fmt.Errorf("maxlen must be non-negative")
		}
	}
	if it != starlark.None {
		err := callstate.Iterate(thread, "deque", it, func(x starlark.Value) error {
			q.pushBack(x)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return q, nil
}

var dequeMethods = map[string]method{
	"append":     dequeAdd(false),
	"appendleft": dequeAdd(true),
	"pop":        dequePop(false),
	"popleft":    dequePop(true),
	"extend":     dequeExtend(false),
	"extendleft": dequeExtend(true),
	"rotate":     dequeRotate,
	"clear":      dequeClear,
	"copy":       dequeCopy,
	"count":      dequeCount,
	"index":      dequeIndex,
	"insert":     dequeInsert,
	"remove":     dequeRemove,
	"reverse":    dequeReverse,
}

func (q *Deque) Attr(name string) (starlark.Value, error) {
	if name == "maxlen" {
		if q.maxlen < 0 {
			return starlark.None, nil
		}
		return starlark.MakeInt(q.maxlen), nil
	}
	if m, ok := dequeMethods[name]; ok {
		return bind("deque", name, m, q), nil
	}
	return nil, nil
}

func (q *Deque) AttrNames() []string { return methodNames(dequeMethods, "maxlen") }

func dequeAdd(left bool) method {
	name := "append"
	if left {
		name = "appendleft"
	}
	return func(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs("deque."+name, args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		q := recv.(*Deque)
		q.use(thread)
		if err := q.checkMutable(name + " to"); err != nil {
			return nil, err
		}
		if left {
			q.pushFront(x)
		} else {
			q.pushBack(x)
		}
		return starlark.None, nil
	}
}

func dequePop(left bool) method {
	name := "pop"
	if left {
		name = "popleft"
	}
	return func(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := starlark.UnpackPositionalArgs("deque."+name, args, kwargs, 0); err != nil {
			return nil, err
		}
		q := recv.(*Deque)
		q.use(thread)
		if err := q.checkMutable(name + " from"); err != nil {
			return nil, err
		}
		if q.n == 0 {
			return nil, fmt.Errorf("pop from an empty deque")
		}
		if left {
			return q.popFront(), nil
		}
		return q.popBack(), nil
	}
}

func dequeExtend(left bool) method {
	name := "extend"
	if left {
		name = "extendleft"
	}
	return func(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var it starlark.Value
		if err := starlark.UnpackPositionalArgs("deque."+name, args, kwargs, 1, &it); err != nil {
			return nil, err
		}
		q := recv.(*Deque)
		q.use(thread)
		if err := q.checkMutable(name); err != nil {
			return nil, err
		}
		// Collect first: q.extend(q) must see q as it was.
		xs, err := callstate.Collect(thread, "deque."+name, it)
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			if left {
				q.pushFront(x)
			} else {
				q.pushBack(x)
			}
		}
		return starlark.None, nil
	}
}

// dequeRotate is rotate(n=1): n steps to the right (left if negative).
func dequeRotate(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n := 1
	if err := starlark.UnpackPositionalArgs("deque.rotate", args, kwargs, 0, &n); err != nil {
		return nil, err
	}
	q := recv.(*Deque)
	q.use(thread)
	if err := q.checkMutable("rotate"); err != nil {
		return nil, err
	}
	if q.n <= 1 {
		return starlark.None, nil
	}
	k := n % q.n
	if k < 0 {
		k += q.n
	}
	if err := callstate.ChargeSteps(thread, uint64(q.n)); err != nil {
		return nil, err
	}
	xs := q.elems()
	for i := range q.n {
		q.buf[i] = xs[(i-k+q.n)%q.n]
	}
	for i := q.n; i < len(q.buf); i++ {
		q.buf[i] = nil
	}
	q.head = 0
	return starlark.None, nil
}

func dequeClear(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("deque.clear", args, kwargs, 0); err != nil {
		return nil, err
	}
	q := recv.(*Deque)
	if err := q.checkMutable("clear"); err != nil {
		return nil, err
	}
	q.buf, q.head, q.n = nil, 0, 0
	return starlark.None, nil
}

func dequeCopy(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("deque.copy", args, kwargs, 0); err != nil {
		return nil, err
	}
	q := recv.(*Deque)
	if err := callstate.ChargeSteps(thread, uint64(q.n)); err != nil {
		return nil, err
	}
	return &Deque{buf: q.elems(), n: q.n, maxlen: q.maxlen, owner: owner{thread: thread}}, nil
}

func dequeCount(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs("deque.count", args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	q := recv.(*Deque)
	n := 0
	for i := range q.n {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		eq, err := starlark.Equal(q.Index(i), x)
		if err != nil {
			return nil, err
		}
		if eq {
			n++
		}
	}
	return starlark.MakeInt(n), nil
}

// find returns the index of the first element equal to x in [start, stop),
// or -1.
func (q *Deque) find(thread *starlark.Thread, x starlark.Value, start, stop int) (int, error) {
	for i := max(start, 0); i < min(stop, q.n); i++ {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return 0, err
		}
		eq, err := starlark.Equal(q.Index(i), x)
		if err != nil {
			return 0, err
		}
		if eq {
			return i, nil
		}
	}
	return -1, nil
}

func dequeIndex(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := recv.(*Deque)
	var x starlark.Value
	start, stop := 0, q.n
	if err := starlark.UnpackPositionalArgs("deque.index", args, kwargs, 1, &x, &start, &stop); err != nil {
		return nil, err
	}
	if start < 0 {
		start += q.n
	}
	if stop < 0 {
		stop += q.n
	}
	i, err := q.find(thread, x, start, stop)
	if err != nil {
		return nil, err
	}
	if i < 0 {
		return nil, fmt.Errorf("%s is not in deque", x)
	}
	return starlark.MakeInt(i), nil
}

// rebuild replaces the contents with xs, keeping the maximum length.
func (q *Deque) rebuild(xs []starlark.Value) {
	q.buf, q.head, q.n = xs, 0, len(xs)
}

func dequeInsert(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var i int
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs("deque.insert", args, kwargs, 2, &i, &x); err != nil {
		return nil, err
	}
	q := recv.(*Deque)
	if err := q.checkMutable("insert into"); err != nil {
		return nil, err
	}
	if q.maxlen >= 0 && q.n >= q.maxlen {
		return nil, fmt.Errorf("deque already at its maximum size")
	}
	if err := callstate.ChargeSteps(thread, uint64(q.n)); err != nil {
		return nil, err
	}
	if i < 0 {
		i = max(i+q.n, 0)
	}
	i = min(i, q.n)
	xs := q.elems()
	xs = append(xs[:i], append([]starlark.Value{x}, xs[i:]...)...)
	q.rebuild(xs)
	return starlark.None, nil
}

func dequeRemove(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs("deque.remove", args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	q := recv.(*Deque)
	if err := q.checkMutable("remove from"); err != nil {
		return nil, err
	}
	i, err := q.find(thread, x, 0, q.n)
	if err != nil {
		return nil, err
	}
	if i < 0 {
		return nil, fmt.Errorf("%s is not in deque", x)
	}
	xs := q.elems()
	q.rebuild(append(xs[:i], xs[i+1:]...))
	return starlark.None, nil
}

func dequeReverse(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("deque.reverse", args, kwargs, 0); err != nil {
		return nil, err
	}
	q := recv.(*Deque)
	if err := q.checkMutable("reverse"); err != nil {
		return nil, err
	}
	if err := callstate.ChargeSteps(thread, uint64(q.n)); err != nil {
		return nil, err
	}
	xs := q.elems()
	for i, j := 0, len(xs)-1; i < j; i, j = i+1, j-1 {
		xs[i], xs[j] = xs[j], xs[i]
	}
	q.rebuild(xs)
	return starlark.None, nil
}

// CompareSameType compares two deques element by element, as lists.
func (q *Deque) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	o, ok := y.(*Deque)
	if !ok {
		return unlike(op)
	}
	return starlark.CompareDepth(op, starlark.NewList(q.elems()), starlark.NewList(o.elems()), depth)
}

// Binary implements deque + deque (a new deque, bounded by the left
// operand's maxlen) and deque * int.
func (q *Deque) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	switch op {
	case syntax.PLUS:
		o, ok := y.(*Deque)
		if !ok {
			return nil, nil
		}
		l, r := q, o
		if side == starlark.Right {
			l, r = o, q
		}
		if err := q.charge(uint64(l.n + r.n)); err != nil {
			return nil, err
		}
		out := &Deque{maxlen: l.maxlen, owner: owner{thread: q.current()}}
		for _, x := range append(l.elems(), r.elems()...) {
			out.pushBack(x)
		}
		return out, nil
	case syntax.STAR:
		var k int
		if err := starlark.AsInt(y, &k); err != nil {
			return nil, nil
		}
		k = max(k, 0)
		if err := q.chargeAlloc(callstate.Mul(int64(q.n), int64(k)*16)); err != nil {
			return nil, err
		}
		if err := q.charge(uint64(callstate.Mul(int64(q.n), int64(k)))); err != nil {
			return nil, err
		}
		out := &Deque{maxlen: q.maxlen, owner: owner{thread: q.current()}}
		xs := q.elems()
		for range k {
			for _, x := range xs {
				out.pushBack(x)
			}
		}
		return out, nil
	}
	return nil, nil
}
