package starlarkrt

// Hints: one line saying what to write instead, for the Python-isms the
// dialect cannot accept. Rules are tried in order; the first whose patterns
// both match wins.

import (
	"regexp"
	"sync"
)

// hintRule matches an error message and the offending source line (a nil
// pattern matches anything).
type hintRule struct {
	msg, line *regexp.Regexp
	hint      string
}

func rule(msg, line, h string) hintRule {
	r := hintRule{hint: h}
	if msg != "" {
		r.msg = regexp.MustCompile(msg)
	}
	if line != "" {
		r.line = regexp.MustCompile(line)
	}
	return r
}

// hintRules are compiled on the first error that needs a hint, not when
// the process starts: most processes never need one.
var hintRules = sync.OnceValue(func() []hintRule {
	return []hintRule{
		rule(`got '\*\*'|unexpected input character '\*'`, ``, `use pow(a, b) instead of a ** b`),
		rule(``, `(^|[^\w])(f|rf|fr|F|Rf|fR)["']`, `this f-string cannot be read (check its braces and quotes): write "{}".format(x) or "..." + str(x)`),
		rule(`got (try|except|raise|finally)\b`, ``, `write try:, except X as e:, else:, finally: and raise X("msg") each at the start of its own line`),
		rule(`got is,|got is\b`, ``, `this use of 'is' cannot be read here: write x == None, or move the comparison out of the f-string`),
		rule(`got class\b`, ``, `write class Name: or class Name(Base): at the start of a line, with its methods indented under it`),
		rule(`class inside a class`, ``, `define the inner class at the top level`),
		rule(`got (global|nonlocal)\b`, ``, `write global x or nonlocal x alone on its line, inside a function`),
		rule(`got with\b`, ``, `there is no 'with' statement: there are no files or resources to manage; use the value directly`),
		rule(`got del\b`, ``, `del works on x[i], d[k], x[i:j] and plain names; otherwise use d.pop(key), xs.pop(i) or xs.remove(v)`),
		rule(`got yield\b`, ``, `there are no generators: build a list and return it`),
		rule(`does not associate with`, ``, `chained comparisons are not supported: write a < b and b < c`),
		rule(`got '=', want|got '=', want newline`, `^\s*[\w.\[\]'"]+\s*=\s*[\w.\[\]'"]+\s*=[^=]`, `chained assignment is not supported: write a = 0 and b = 0 on separate lines`),
		rule(`got ':', want|got ':=|got ':='|walrus`, `:=`, `the walrus operator := works in if/while conditions and comprehensions, not here: assign on its own line first`),
		rule(`got ',', want ':'`, `\{[^:{}]*,[^:{}]*\}`, `set literals are not supported: use set([1, 2])`),
		rule(`unexpected input character '@'|decorator must be followed`, ``, `put each decorator on its own line right above a def or class, or call the wrapper explicitly, f = wrap(f)`),
		rule(`got '\*', want primary`, ``, `star-unpacking works in a plain assignment (first, *rest = xs), not here: use indexing and slicing, first = xs[0] and rest = xs[1:]`),
		rule(`got else, want primary|does not follow a for or while`, `^\s*else\s*:`, `this else belongs to no if, for, while or try at its indentation: check the indentation`),
		rule(`got lambda`, ``, `lambda may only be used as an expression: use def for multi-statement functions`),
		rule(`got ':', want`, `\bdef\b|\blambda\b`, `remove the type annotations or default values Starlark cannot parse here`),
		rule(`got '\.', want primary`, `\.\.\.`, `there is no Ellipsis: use pass, or None`),
		rule(`got identifier, want newline`, `\d_\d`, `digit separators are not supported: write 1000000, not 1_000_000`),
		rule(`got match\b|got int literal, want newline|got identifier, want newline`, `^\s*match\b`, `there is no match statement: use if/elif`),
		rule(`got (import|from)\b`, ``, `write the import at the start of a line: import math, or from math import sqrt`),
		rule(`string value is not iterable|got string, want iterable`, ``, `iterate over s.elems() to get the characters of a string`),
		rule(`has no \.sort field or method`, ``, `use xs = sorted(xs, key=..., reverse=...)`),
		rule(`has no \.(items|keys|values) field or method`, ``, `only dicts have items/keys/values; check the value is a dict`),
		rule(`string has no \.(zfill|ljust|rjust|center)`, ``, `pad with "0" * (n - len(s)) + s, or s + " " * (n - len(s))`),
		rule(`unknown binary op: string \+ (int|float)|unknown binary op: (int|float) \+ string`, ``, `convert first: "..." + str(x)`),
		rule(`unknown binary op: bool [+-]|unknown binary op: (int|float) [+-] bool`, ``, `booleans are not numbers: use int(b) or (1 if b else 0)`),
		rule(`unknown binary op: string \* float`, ``, `repeat a string by an int: s * int(n)`),
		rule(`undefined: (Counter|defaultdict|OrderedDict|deque)\b`, ``, `use a dict: counts[k] = counts.get(k, 0) + 1; groups.setdefault(k, []).append(v); a list for a deque`),
		rule(`undefined: (frozenset)\b`, ``, `use set(...), or a sorted tuple as a hashable key`),
		rule(`undefined: (next|iter)\b`, ``, `there are no iterators: use lists and indexing, xs[0]`),
		rule(`undefined: (open|input|exit|quit|eval|exec|compile|globals|locals|vars|id|object|super|property|staticmethod|classmethod)\b`, ``, `that Python builtin does not exist here: tools are pure functions of their arguments`),
		rule(`undefined: __name__`, ``, `there is no __name__: put the example code at the top level without if __name__ == "__main__"`),
		rule(`undefined: (True|False|None)\b`, ``, ``),
		rule(`local variable .* referenced before assignment`, ``, `assign the variable on every path before reading it; to rebind a module variable, declare global x in the function`),
		rule(`undefined: (\w+Error|\w+Exception|Warning)\b`, ``, `the exception classes are BaseException, Exception, ValueError, TypeError, KeyError, IndexError, ZeroDivisionError, AttributeError, AssertionError, StopIteration, RuntimeError, NameError, ArithmeticError, LookupError, OverflowError, NotImplementedError`),
		rule(`cannot (insert into|append to|assign to element of) frozen`, ``, `module-level values are frozen after loading: copy them inside the function before changing them, e.g. xs = list(XS)`),
		rule(`during iteration`, ``, `do not change a list or dict while looping over it: loop over a copy, e.g. for x in list(xs)`),
		rule(`can't assign to sliceexpr|cannot assign to slice`, ``, `slice assignment is not supported: build a new list, xs = xs[:i] + new + xs[j:]`),
		rule(`floored division by zero|division by zero`, ``, `check the divisor before dividing`),
		rule(`unhashable type: list`, ``, `use a tuple as the key: tuple(xs)`),
		rule(`module has no \.(inf|nan)`, ``, `use float("inf") or float("nan")`),
		rule(`int < string|string < int|comparison .* not implemented|not implemented for (int|string)`, ``, `compare values of the same type: convert with int() or str() first`),
		rule(`format spec features not supported|unknown conversion %`, ``, `use "%.2f" % x, "%5d" % n, or "{:.2f}".format(x) with a string literal on the left`),
	}
})

// hint returns a one-line suggestion for an error caused by a Python-ism,
// given the error message and the offending source line, or "".
func hint(msg, srcLine string) string {
	for _, r := range hintRules() {
		if r.msg != nil && !r.msg.MatchString(msg) {
			continue
		}
		if r.line != nil && !r.line.MatchString(srcLine) {
			continue
		}
		return r.hint
	}
	return ""
}
