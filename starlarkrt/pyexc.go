package starlarkrt

// Python exceptions: the classes a program may raise and catch, the
// classification of the interpreter's and the builtins' errors into them
// (worded as CPython words the common cases), and latm.try, which runs the
// parts of a try statement. A limit error (steps, time, memory, depth,
// output), a cancelled call and a change to a frozen value are never
// caught: they stop the call as they would without the try.

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// pyExcClass is an exception class, such as ValueError.
type pyExcClass struct {
	name   string
	parent *pyExcClass
}

var (
	_ starlark.Callable = (*pyExcClass)(nil)
	_ starlark.HasAttrs = (*pyException)(nil)
)

func (c *pyExcClass) String() string        { return "<class '" + c.name + "'>" }
func (c *pyExcClass) Type() string          { return "type" }
func (c *pyExcClass) Freeze()               {}
func (c *pyExcClass) Truth() starlark.Bool  { return true }
func (c *pyExcClass) Hash() (uint32, error) { return starlark.String(c.name).Hash() }
func (c *pyExcClass) Name() string          { return c.name }

// CallInternal makes an instance: ValueError("msg").
func (c *pyExcClass) CallInternal(_ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("%s() takes no keyword arguments", c.name)
	}
	return &pyException{cls: c, args: append(starlark.Tuple(nil), args...)}, nil
}

// isa reports whether c is cls or derives from it.
func (c *pyExcClass) isa(cls *pyExcClass) bool {
	for k := c; k != nil; k = k.parent {
		if k == cls {
			return true
		}
	}
	return false
}

// The class tree, as CPython's (the part programs use).
var (
	excBase          = &pyExcClass{name: "BaseException"}
	excException     = &pyExcClass{name: "Exception", parent: excBase}
	excArithmetic    = &pyExcClass{name: "ArithmeticError", parent: excException}
	excZeroDivision  = &pyExcClass{name: "ZeroDivisionError", parent: excArithmetic}
	excOverflow      = &pyExcClass{name: "OverflowError", parent: excArithmetic}
	excLookup        = &pyExcClass{name: "LookupError", parent: excException}
	excKey           = &pyExcClass{name: "KeyError", parent: excLookup}
	excIndex         = &pyExcClass{name: "IndexError", parent: excLookup}
	excValue         = &pyExcClass{name: "ValueError", parent: excException}
	excType          = &pyExcClass{name: "TypeError", parent: excException}
	excAttribute     = &pyExcClass{name: "AttributeError", parent: excException}
	excAssertion     = &pyExcClass{name: "AssertionError", parent: excException}
	excStopIteration = &pyExcClass{name: "StopIteration", parent: excException}
	excRuntime       = &pyExcClass{name: "RuntimeError", parent: excException}
	excNotImpl       = &pyExcClass{name: "NotImplementedError", parent: excRuntime}
	excName          = &pyExcClass{name: "NameError", parent: excException}
	excUnboundLocal  = &pyExcClass{name: "UnboundLocalError", parent: excName}
)

var excClasses = []*pyExcClass{excBase, excException, excArithmetic, excZeroDivision, excOverflow,
	excLookup, excKey, excIndex, excValue, excType, excAttribute, excAssertion, excStopIteration,
	excRuntime, excNotImpl, excName, excUnboundLocal}

// pyException is an exception value: what `except … as e` binds.
type pyException struct {
	cls  *pyExcClass
	args starlark.Tuple
	// origin is the interpreter's error the exception was classified
	// from, re-raised as it was by a bare raise.
	origin error
	cause  starlark.Value
}

// String is str(e), as print and str.format show it.
func (e *pyException) String() string {
	switch len(e.args) {
	case 0:
		return ""
	case 1:
		if e.cls.isa(excKey) {
			return pyRepr(e.args[0])
		}
		if s, ok := e.args[0].(starlark.String); ok {
			return string(s)
		}
		return pyRepr(e.args[0])
	}
	return pyRepr(e.args)
}

func (e *pyException) Type() string         { return e.cls.name }
func (e *pyException) Freeze()              { e.args.Freeze() }
func (e *pyException) Truth() starlark.Bool { return true }
func (e *pyException) Hash() (uint32, error) {
	return 0, fmt.Errorf("unhashable type: '%s'", e.cls.name)
}
func (e *pyException) AttrNames() []string { return []string{"args"} }

func (e *pyException) Attr(name string) (starlark.Value, error) {
	switch name {
	case "args":
		return e.args, nil
	case "__cause__":
		if e.cause == nil {
			return starlark.None, nil
		}
		return e.cause, nil
	}
	return nil, nil
}

// pyRaised is the error a raise statement returns.
type pyRaised struct{ exc *pyException }

func (r *pyRaised) Error() string {
	if s := r.exc.String(); s != "" {
		return r.exc.cls.name + ": " + s
	}
	return r.exc.cls.name
}

// latmRaise is `raise X`, `raise X from Y` and (with no argument outside a
// handler) a bare raise.
func latmRaise(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, &pyRaised{&pyException{cls: excRuntime, args: starlark.Tuple{starlark.String("No active exception to reraise")}}}
	}
	var exc *pyException
	switch x := args[0].(type) {
	case *pyException:
		if x.origin != nil && len(args) == 1 {
			return nil, x.origin
		}
		exc = x
	case *pyExcClass:
		exc = &pyException{cls: x}
	default:
		return nil, &pyRaised{&pyException{cls: excType, args: starlark.Tuple{starlark.String("exceptions must derive from BaseException")}}}
	}
	if len(args) == 2 {
		exc.cause = args[1]
	}
	return nil, &pyRaised{exc}
}

// latmAssert is a failed assert: AssertionError, whose str is the message
// (empty without one), reported as "assertion failed: …".
func latmAssert(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, errors.New("assertion failed")
	}
	cond, _ := starlark.AsString(args[0])
	exc := &pyException{cls: excAssertion}
	shown := cond
	if len(args) > 1 {
		exc.args = starlark.Tuple{args[1]}
		shown = exc.String()
	}
	return nil, &assertFailed{pyRaised{exc}, shown}
}

// assertFailed keeps the runtime's wording of a failed assert.
type assertFailed struct {
	pyRaised
	shown string
}

func (a *assertFailed) Error() string { return "assertion failed: " + a.shown }
func (a *assertFailed) Unwrap() error { return &a.pyRaised }

// tryReturn is what a return inside a try part hands to the code after
// latm.try.
type tryReturn struct{ v starlark.Value }

func (r *tryReturn) String() string        { return "<return>" }
func (r *tryReturn) Type() string          { return "latm.return" }
func (r *tryReturn) Freeze()               { r.v.Freeze() }
func (r *tryReturn) Truth() starlark.Bool  { return true }
func (r *tryReturn) Hash() (uint32, error) { return 0, errors.New("unhashable") }

func latmRet(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	return &tryReturn{args[0]}, nil
}

func latmUnret(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if r, ok := args[0].(*tryReturn); ok {
		return r.v, nil
	}
	return args[0], nil
}

// The markers a break or continue inside a try part returns.
var (
	breakMarker    = starlark.String("\x00latm.break")
	continueMarker = starlark.String("\x00latm.continue")
)

// latmTry is latm.try(body, (spec, handler, …), orelse, final).
func latmTry(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 4 {
		return nil, fmt.Errorf("%s: want 4 arguments", tryName)
	}
	handlers, _ := args[1].(starlark.Tuple)
	res, err := starlark.Call(thread, args[0], nil, nil)
	if err != nil {
		if uncatchable(thread, err) {
			return nil, err
		}
		exc := classify(err)
		for i := 0; i+1 < len(handlers); i += 2 {
			ok, merr := excMatches(exc, handlers[i])
			if merr != nil {
				err = merr
				break
			}
			if ok {
				res, err = starlark.Call(thread, handlers[i+1], starlark.Tuple{exc}, nil)
				break
			}
		}
	} else if args[2] != starlark.None {
		res, err = starlark.Call(thread, args[2], nil, nil)
	}
	if args[3] != starlark.None {
		if err != nil && uncatchable(thread, err) {
			return nil, err
		}
		fres, ferr := starlark.Call(thread, args[3], nil, nil)
		if ferr != nil {
			return nil, ferr
		}
		if fres != starlark.None {
			return fres, nil // a return, break or continue in finally wins
		}
	}
	return res, err
}

// excMatches reports whether exc is caught by spec: a class, a tuple of
// classes, or None for a bare except.
func excMatches(exc *pyException, spec starlark.Value) (bool, error) {
	switch s := spec.(type) {
	case starlark.NoneType:
		return true, nil
	case *pyExcClass:
		return exc.cls.isa(s), nil
	case starlark.Tuple:
		for _, x := range s {
			ok, err := excMatches(exc, x)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	return false, &pyRaised{&pyException{cls: excType, args: starlark.Tuple{starlark.String("catching classes that do not inherit from BaseException is not allowed")}}}
}

// uncatchable reports whether err must end the call whatever the program
// catches: a limit, a cancellation, a change to a frozen value (which the
// engine answers by running the call again with fresh globals), or an
// internal error.
func uncatchable(thread *starlark.Thread, err error) bool {
	var le *LimitError
	if errors.As(err, &le) {
		return true
	}
	if st := callstate.Of(thread); st != nil && st.Err() != nil {
		return true
	}
	var r *pyRaised
	if errors.As(err, &r) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "Starlark computation cancelled") || strings.Contains(msg, "stack overflow") ||
		strings.Contains(msg, "frozen") || strings.Contains(msg, "internal error")
}

// excRule classifies an interpreter or builtin error message.
type excRule struct {
	re  *regexp.Regexp
	cls *pyExcClass
	// msg returns str(e) from the submatches; nil keeps the message.
	msg func(m []string) starlark.Value
}

func fixed(s string) func([]string) starlark.Value {
	return func([]string) starlark.Value { return starlark.String(s) }
}

// pyTypeName is Python's name of a Starlark type.
func pyTypeName(t string) string {
	switch t {
	case "string":
		return "str"
	case "builtin_function_or_method", "function":
		return "function"
	}
	return t
}

// excRules are compiled on the first error a try statement classifies,
// not when the process starts.
var excRules = sync.OnceValue(func() []excRule {
	return []excRule{
		{regexp.MustCompile(`key (.+) not in dict$`), excKey, func(m []string) starlark.Value { return starlarkLiteral(m[1]) }},
		{regexp.MustCompile(`^pop: index .* out of range: empty list`), excIndex, fixed("pop from empty list")},
		{regexp.MustCompile(`^pop: index .* out of range`), excIndex, fixed("pop index out of range")},
		{regexp.MustCompile(`(\w+) index -?\d+ out of range|index -?\d+ out of range: empty (\w+)`), excIndex, func(m []string) starlark.Value {
			t := m[1] + m[2]
			if t == "string" {
				t = "string" // CPython says "string index", not "str index"
			}
			return starlark.String(t + " index out of range")
		}},
		{regexp.MustCompile(`out of range`), excIndex, nil},
		{regexp.MustCompile(`^floored division by zero`), excZeroDivision, fixed("integer division or modulo by zero")},
		{regexp.MustCompile(`^integer modulo by zero`), excZeroDivision, fixed("integer modulo by zero")},
		{regexp.MustCompile(`^floating-point modulo by zero`), excZeroDivision, fixed("float modulo")},
		{regexp.MustCompile(`division by zero`), excZeroDivision, fixed("division by zero")},
		{regexp.MustCompile(`^int: invalid literal with base (\d+): (.*)$`), excValue, func(m []string) starlark.Value {
			return starlark.String("invalid literal for int() with base " + m[1] + ": " + pyRepr(starlark.String(m[2])))
		}},
		{regexp.MustCompile(`^(?:float: )?invalid float literal: (.*)$`), excValue, func(m []string) starlark.Value {
			return starlark.String("could not convert string to float: " + pyRepr(starlark.String(m[1])))
		}},
		{regexp.MustCompile(`^float: empty string$`), excValue, fixed("could not convert string to float: ''")},
		{regexp.MustCompile(`^remove: element not found`), excValue, fixed("list.remove(x): x not in list")},
		{regexp.MustCompile(`substring not found`), excValue, fixed("substring not found")},
		{regexp.MustCompile(`value not in list`), excValue, fixed("value is not in list")},
		{regexp.MustCompile(`math domain error`), excValue, nil},
		{regexp.MustCompile(`too few values to unpack \(got (\d+), want (\d+)\)`), excValue, func(m []string) starlark.Value {
			return starlark.String("not enough values to unpack (expected " + m[2] + ", got " + m[1] + ")")
		}},
		{regexp.MustCompile(`too many values to unpack \(got (\d+), want (\d+)\)`), excValue, func(m []string) starlark.Value {
			return starlark.String("too many values to unpack (expected " + m[2] + ")")
		}},
		{regexp.MustCompile(`^json\.|^(?:json\.)?(?:loads|decode)`), excValue, nil},
		{regexp.MustCompile(`^(?:getattr: )?(\w+) has no \.(\w+) field or method`), excAttribute, func(m []string) starlark.Value {
			return starlark.String("'" + pyTypeName(m[1]) + "' object has no attribute '" + m[2] + "'")
		}},
		{regexp.MustCompile(`^unknown binary op: string \+ (\w+)$`), excType, func(m []string) starlark.Value {
			return starlark.String(`can only concatenate str (not "` + pyTypeName(m[1]) + `") to str`)
		}},
		{regexp.MustCompile(`^unknown binary op: list \+ (\w+)$`), excType, func(m []string) starlark.Value {
			return starlark.String(`can only concatenate list (not "` + pyTypeName(m[1]) + `") to list`)
		}},
		{regexp.MustCompile(`^unknown binary op: (\w+) (\S+) (\w+)$`), excType, func(m []string) starlark.Value {
			return starlark.String("unsupported operand type(s) for " + m[2] + ": '" + pyTypeName(m[1]) + "' and '" + pyTypeName(m[3]) + "'")
		}},
		{regexp.MustCompile(`^(\w+) (<|>|<=|>=) (\w+) not implemented`), excType, func(m []string) starlark.Value {
			return starlark.String("'" + m[2] + "' not supported between instances of '" + pyTypeName(m[1]) + "' and '" + pyTypeName(m[3]) + "'")
		}},
		{regexp.MustCompile(`unhashable(?: type)?: (\w+)`), excType, func(m []string) starlark.Value {
			return starlark.String("unhashable type: '" + pyTypeName(m[1]) + "'")
		}},
		{regexp.MustCompile(`(\w+) value is not iterable|got (\w+), want iterable`), excType, func(m []string) starlark.Value {
			return starlark.String("'" + pyTypeName(m[1]+m[2]) + "' object is not iterable")
		}},
		{regexp.MustCompile(`^(?:\S+: )?(?:local|global) variable (\S+) referenced before assignment`), excUnboundLocal, nil},
		{regexp.MustCompile(`referenced before assignment|is not defined`), excName, nil},
		{regexp.MustCompile(`^assertion failed`), excAssertion, nil},
		{regexp.MustCompile(`for parameter|missing argument|unexpected keyword|got \w+, want|accepts no more than|takes exactly|takes no|want \d+ arguments?|invalid call of non-function|not callable|does not accept|got \d+ arguments`), excType, nil},
		{regexp.MustCompile(`^fail: (.*)$`), excException, func(m []string) starlark.Value { return starlark.String(m[1]) }},
	}
})

// classify turns an error that ended a try body into an exception.
func classify(err error) *pyException {
	var r *pyRaised
	if errors.As(err, &r) {
		return r.exc
	}
	msg := err.Error()
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		msg = ee.Msg
	}
	for _, rule := range excRules() {
		m := rule.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		var v starlark.Value = starlark.String(msg)
		if rule.msg != nil {
			v = rule.msg(m)
		}
		return &pyException{cls: rule.cls, args: starlark.Tuple{v}, origin: err}
	}
	return &pyException{cls: excException, args: starlark.Tuple{starlark.String(msg)}, origin: err}
}

// starlarkLiteral reads back a value the interpreter printed in a message
// (a dict key): a string, an int, or else the text itself.
func starlarkLiteral(s string) starlark.Value {
	if strings.HasPrefix(s, `"`) {
		if u, err := strconv.Unquote(s); err == nil {
			return starlark.String(u)
		}
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return starlark.MakeInt64(i)
	}
	if v, err := starlark.EvalOptions(&syntax.FileOptions{}, &starlark.Thread{}, "key", s, nil); err == nil {
		return v
	}
	return starlark.String(s)
}

// pyRepr is Python's repr of the common values: strings in single quotes
// unless they hold one and no double quote, containers of those.
func pyRepr(v starlark.Value) string {
	var b strings.Builder
	writePyRepr(&b, v, 0)
	return b.String()
}

func writePyRepr(b *strings.Builder, v starlark.Value, depth int) {
	if depth > 50 {
		b.WriteString("...")
		return
	}
	switch x := v.(type) {
	case starlark.String:
		b.WriteString(pyQuote(string(x)))
	case *starlark.List:
		b.WriteByte('[')
		for i := 0; i < x.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyRepr(b, x.Index(i), depth+1)
		}
		b.WriteByte(']')
	case starlark.Tuple:
		b.WriteByte('(')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyRepr(b, e, depth+1)
		}
		if len(x) == 1 {
			b.WriteByte(',')
		}
		b.WriteByte(')')
	case *starlark.Dict:
		b.WriteByte('{')
		for i, kv := range x.Items() {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyRepr(b, kv[0], depth+1)
			b.WriteString(": ")
			writePyRepr(b, kv[1], depth+1)
		}
		b.WriteByte('}')
	default:
		b.WriteString(v.String())
	}
}

// pyQuote quotes s as Python's repr does.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
