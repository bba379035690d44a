package starlarkrt

import (
	"fmt"
	"strconv"
)

// Bounds on a program's source, checked before it is parsed. The parser,
// resolver and compiler recurse once per nested bracket or prefix
// operator, and a recursion deep enough exhausts the Go stack, which no
// recover can catch; a decimal integer literal converts in time quadratic
// in its digits, inside the parser, where no limit reaches.
const (
	// maxBrackets is how deeply brackets may nest: CPython's own parser
	// refuses 200 ("too many nested parentheses").
	maxBrackets = 200
	// maxPrefixChain bounds the prefix operators, not, lambda and
	// conditional expressions of one logical line, each a level of
	// recursion in the parser.
	maxPrefixChain = 1000
	// maxIntDigits is Python's limit on the digits of a decimal integer
	// converted from or to a string (sys.get_int_max_str_digits()).
	maxIntDigits = 4300
)

// errIntDigits is Python's error for an integer conversion past maxIntDigits.
func errIntDigits(n int) error {
	return fmt.Errorf("Exceeds the limit (%d digits) for integer string conversion: value has %d digits; compute with smaller numbers, or use hex()", maxIntDigits, n)
}

// checkSource scans src (without parsing it) for nesting the parser could
// not survive and for over-long integer literals. A nesting error is a
// depth *LimitError; a literal, a *ProgramError at its line, as Python's
// SyntaxError.
func checkSource(name, src string) error {
	// chain counts the prefix operators since the last operand, conds
	// the conditional expressions of the logical line; operand says the
	// last token was one, so that a + or - after it is binary.
	depth, chain, conds, line := 0, 0, 0, 1
	operand := false
	deep := func() error {
		return &LimitError{Limit: "depth", Max: strconv.Itoa(maxPrefixChain) + " nested operators in one line of the source"}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			if depth == 0 {
				chain, conds, operand = 0, 0, false
			}
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"':
			i = skipString(src, i, &line)
			chain, operand = 0, true
		case c == '(' || c == '[' || c == '{':
			if depth++; depth > maxBrackets {
				return &LimitError{Limit: "depth", Max: strconv.Itoa(maxBrackets) + " nested brackets in the source"}
			}
			operand = false
			i++
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
			chain, operand = 0, true
			i++
		case (c == '-' || c == '+' || c == '~') && !operand:
			if chain++; chain > maxPrefixChain {
				return deep()
			}
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\\':
			i++
		case isDigit(c):
			j := i
			for j < len(src) && (isDigit(src[j]) || src[j] == '_') {
				j++
			}
			if n := digitsIn(src[i:j]); n > maxIntDigits && !(c == '0' && j < len(src) && isRadix(src[j])) {
				return &ProgramError{Phase: "syntax", File: name, Line: line, Msg: errIntDigits(n).Error()}
			}
			// The rest of the number (hex digits, a fraction, an exponent).
			for j < len(src) && (isIdentByte(src[j]) || src[j] == '.') {
				j++
			}
			i = j
			chain, operand = 0, true
		case isIdentByte(c):
			j := i
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			switch w := src[i:j]; {
			case w == "not" || w == "lambda":
				if chain++; chain > maxPrefixChain {
					return deep()
				}
				operand = false
			case w == "if" || w == "else":
				if conds++; conds > maxPrefixChain {
					return deep()
				}
				operand = false
			case operatorWords[w]:
				operand = false
			default:
				chain, operand = 0, true
			}
			// A string prefix (r'', b"", f'') is skipped with its string.
			i = j
		default: // an operator or punctuation
			operand = false
			i++
		}
	}
	return nil
}

// skipString returns the index just past the string literal starting at
// src[i] (a quote), counting the newlines it spans into line.
func skipString(src string, i int, line *int) int {
	q := src[i]
	if i+2 < len(src) && src[i+1] == q && src[i+2] == q { // triple-quoted
		for j := i + 3; j < len(src); j++ {
			switch {
			case src[j] == '\\':
				j++
			case src[j] == '\n':
				*line++
			case src[j] == q && j+2 < len(src) && src[j+1] == q && src[j+2] == q:
				return j + 3
			}
		}
		return len(src)
	}
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q:
			return j + 1
		case '\n':
			return j // unterminated: the parser reports it
		}
	}
	return len(src)
}

// operatorWords are the keywords after which a + or - is a prefix one.
var operatorWords = map[string]bool{
	"and": true, "or": true, "in": true, "is": true, "return": true, "yield": true,
	"elif": true, "while": true, "for": true, "assert": true, "del": true,
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isRadix(c byte) bool {
	return c == 'x' || c == 'X' || c == 'o' || c == 'O' || c == 'b' || c == 'B'
}
func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c >= 0x80
}

func digitsIn(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}
