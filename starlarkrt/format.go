package starlarkrt

// Python's string formatting, which Starlark has only in part: printf-style
// "%5.2f" % x (latmPercent, the target of the dialect's rewrite of a %
// whose left side is a literal), str.format with format specs (pyFormat),
// and the format-spec mini-language f-strings share (formatWithSpec).
// Widths and precisions are bounded by maxFieldWidth, so a format cannot
// build a huge string.

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// latmPercent is "literal" % rhs: Starlark's own %-formatting when it
// accepts the format (so valid programs keep their meaning), else Python's
// printf-style formatting with flags, widths and precisions.
func latmPercent(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("%s: want 2 arguments", percentName)
	}
	if err := checkPrintable(thread, "%", args[1]); err != nil {
		return nil, err
	}
	v, err := starlark.Binary(syntax.PERCENT, args[0], args[1])
	if err == nil {
		return v, nil
	}
	format, ok := args[0].(starlark.String)
	if !ok {
		return nil, err
	}
	s, perr := pyPrintf(string(format), args[1])
	if perr != nil {
		return nil, perr
	}
	return starlark.String(s), nil
}

// pyPrintf implements Python's format % args.
func pyPrintf(format string, rhs starlark.Value) (string, error) {
	var vals []starlark.Value
	mapping, isMap := rhs.(starlark.Mapping)
	if t, ok := rhs.(starlark.Tuple); ok {
		vals = t
	} else {
		vals = []starlark.Value{rhs}
	}
	next := 0
	take := func() (starlark.Value, error) {
		if next >= len(vals) {
			return nil, errors.New("not enough arguments for format string")
		}
		next++
		return vals[next-1], nil
	}
	var b strings.Builder
	usedMap := false
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return "", errors.New("incomplete format")
		}
		var arg starlark.Value
		if format[i] == '(' {
			j := strings.IndexByte(format[i:], ')')
			if j < 0 || !isMap {
				return "", errors.New("format requires a mapping")
			}
			key := format[i+1 : i+j]
			v, found, err := mapping.Get(starlark.String(key))
			if err != nil || !found {
				return "", fmt.Errorf("key %q not in mapping", key)
			}
			arg, usedMap = v, true
			i += j + 1
		}
		var sp fmtSpec
		for ; i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0; i++ {
			switch format[i] {
			case '-':
				sp.align = '<'
			case '+', ' ':
				sp.sign = format[i]
			case '#':
				sp.alt = true
			case '0':
				sp.zero = true
			}
		}
		num := func() (int, error) {
			if i < len(format) && format[i] == '*' {
				i++
				v, err := take()
				if err != nil {
					return 0, err
				}
				var n int
				if err := starlark.AsInt(v, &n); err != nil {
					return 0, errors.New("* wants int")
				}
				if n > maxFieldWidth || n < -maxFieldWidth {
					return 0, errTooWide
				}
				return n, nil
			}
			n := -1
			for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
				if n = max(n, 0)*10 + int(format[i]-'0'); n > maxFieldWidth {
					return 0, errTooWide
				}
			}
			return n, nil
		}
		w, err := num()
		if err != nil {
			return "", err
		}
		if w < 0 && w != -1 {
			sp.align, w = '<', -w
		}
		sp.width, sp.prec = max(w, 0), -1
		if i < len(format) && format[i] == '.' {
			i++
			if sp.prec, err = num(); err != nil {
				return "", err
			}
			sp.prec = max(sp.prec, 0)
		}
		for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return "", errors.New("incomplete format")
		}
		sp.verb = format[i]
		if sp.verb == '%' {
			b.WriteByte('%')
			continue
		}
		if arg == nil {
			if arg, err = take(); err != nil {
				return "", err
			}
		}
		if sp.align == 0 && sp.zero && strings.IndexByte("sr", sp.verb) < 0 {
			sp.align, sp.fill = '=', '0'
		}
		switch sp.verb {
		case 'i', 'u':
			sp.verb = 'd'
		case 'r', 'a':
			sp.verb = 'r'
		}
		s, err := formatWithSpec(arg, sp, true)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	if next < len(vals) && !usedMap && !isMap {
		return "", errors.New("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// maxFieldWidth bounds the width and precision of a formatted field, so
// that "%100000000000s" % "" is an error, not a 100 GB allocation.
const maxFieldWidth = 1 << 20

var errTooWide = fmt.Errorf("format width or precision too large (at most %d)", maxFieldWidth)

// fmtSpec is a parsed format specification, shared by % and str.format:
// [[fill]align][sign][#][0][width][,|_][.precision][verb].
type fmtSpec struct {
	fill     rune
	align    byte // '<', '>', '^', '=' or 0 for the type's default
	sign     byte // '+', '-', ' ' or 0
	alt      bool
	zero     bool
	width    int
	grouping byte
	prec     int // -1 if absent
	verb     byte
}

// parseFmtSpec parses a str.format specification.
func parseFmtSpec(s string) (fmtSpec, error) {
	sp := fmtSpec{prec: -1}
	rs := []rune(s)
	i := 0
	if len(rs) >= 2 && strings.ContainsRune("<>=^", rs[1]) {
		sp.fill, sp.align, i = rs[0], byte(rs[1]), 2
	} else if len(rs) >= 1 && strings.ContainsRune("<>=^", rs[0]) {
		sp.align, i = byte(rs[0]), 1
	}
	if i < len(rs) && strings.ContainsRune("+- ", rs[i]) {
		sp.sign = byte(rs[i])
		i++
	}
	if i < len(rs) && rs[i] == '#' {
		sp.alt = true
		i++
	}
	if i < len(rs) && rs[i] == '0' {
		sp.zero = true
		i++
	}
	for ; i < len(rs) && rs[i] >= '0' && rs[i] <= '9'; i++ {
		if sp.width = sp.width*10 + int(rs[i]-'0'); sp.width > maxFieldWidth {
			return sp, errTooWide
		}
	}
	if i < len(rs) && (rs[i] == ',' || rs[i] == '_') {
		sp.grouping = byte(rs[i])
		i++
	}
	if i < len(rs) && rs[i] == '.' {
		i++
		sp.prec = 0
		j := i
		for ; i < len(rs) && rs[i] >= '0' && rs[i] <= '9'; i++ {
			if sp.prec = sp.prec*10 + int(rs[i]-'0'); sp.prec > maxFieldWidth {
				return sp, errTooWide
			}
		}
		if i == j {
			return sp, fmt.Errorf("format spec %q: precision wants digits", s)
		}
	}
	if i < len(rs) {
		sp.verb = byte(rs[i])
		i++
	}
	if i != len(rs) {
		return sp, fmt.Errorf("invalid format spec %q", s)
	}
	if sp.zero && sp.align == 0 {
		sp.fill, sp.align = '0', '='
	}
	return sp, nil
}

// formatWithSpec formats v under sp. percent selects the %-operator's rules
// where they differ from str.format's.
func formatWithSpec(v starlark.Value, sp fmtSpec, percent bool) (string, error) {
	verb := sp.verb
	if verb == 0 {
		switch v.(type) {
		case starlark.Int, starlark.Bool:
			verb = 'd'
			if _, isBool := v.(starlark.Bool); isBool {
				verb = 's'
			}
		case starlark.Float:
			verb = 'r' // str(float), or 'g'-like with a precision
			if sp.prec >= 0 {
				verb = 'g'
			}
		default:
			verb = 's'
		}
	}
	var body, sign string
	numeric := true
	switch verb {
	case 's', 'r':
		numeric = false
		if s, ok := v.(starlark.String); ok && verb == 's' {
			body = string(s)
		} else {
			body = v.String()
		}
		if sp.prec >= 0 {
			if r := []rune(body); len(r) > sp.prec {
				body = string(r[:sp.prec])
			}
		}
		if _, isFloat := v.(starlark.Float); isFloat && verb == 'r' && !percent {
			numeric = true
			if strings.HasPrefix(body, "-") {
				sign, body = "-", body[1:]
			}
		}
	case 'd', 'b', 'o', 'x', 'X', 'n', 'c':
		var x *big.Int
		switch n := v.(type) {
		case starlark.Int:
			x = n.BigInt()
		case starlark.Bool:
			x = big.NewInt(0)
			if n {
				x = big.NewInt(1)
			}
		case starlark.Float:
			if !percent || verb != 'd' && !(verb == 'c') || math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
				return "", fmt.Errorf("format %%%c: got float %s, want int", verb, n)
			}
			x, _ = new(big.Float).SetFloat64(math.Trunc(float64(n))).Int(nil)
		case starlark.String:
			if verb == 'c' && utf8.RuneCountInString(string(n)) == 1 {
				return padField(string(n), "", sp, false), nil
			}
			return "", fmt.Errorf("format %%%c: got string %s, want int", verb, n)
		default:
			return "", fmt.Errorf("format %%%c: got %s, want int", verb, v.Type())
		}
		if verb == 'c' {
			return padField(string(rune(x.Int64())), "", sp, false), nil
		}
		if x.Sign() < 0 {
			sign = "-"
			x = new(big.Int).Neg(x)
		}
		base := map[byte]int{'d': 10, 'n': 10, 'b': 2, 'o': 8, 'x': 16, 'X': 16}[verb]
		body = x.Text(base)
		if verb == 'X' {
			body = strings.ToUpper(body)
		}
		if sp.grouping != 0 && base == 10 {
			body = groupDigits(body, sp.grouping)
		}
		if sp.alt && base != 10 {
			prefix := map[byte]string{'b': "0b", 'o': "0o", 'x': "0x", 'X': "0X"}[verb]
			sign += prefix
		}
	case 'e', 'E', 'f', 'F', 'g', 'G', '%':
		f, ok := pyFloatOf(v)
		if !ok {
			return "", fmt.Errorf("format %%%c: got %s, want float", verb, v.Type())
		}
		if math.Signbit(f) && !math.IsNaN(f) {
			sign, f = "-", -f
		}
		prec := sp.prec
		if prec < 0 {
			prec = 6
		}
		switch {
		case math.IsInf(f, 0):
			body = "inf"
		case math.IsNaN(f):
			body = "nan"
		case verb == '%':
			body = strconv.FormatFloat(f*100, 'f', prec, 64) + "%"
		case verb == 'g' || verb == 'G':
			body = pyFormatG(f, prec, sp.alt)
		default:
			body = strconv.FormatFloat(f, byte(unicode.ToLower(rune(verb))), prec, 64)
		}
		if verb == 'E' || verb == 'F' || verb == 'G' {
			body = strings.ToUpper(body)
		}
		if sp.grouping != 0 {
			intPart, rest, _ := strings.Cut(body, ".")
			if rest != "" || strings.Contains(body, ".") {
				rest = "." + rest
			}
			body = groupDigits(intPart, sp.grouping) + rest
		}
	default:
		return "", fmt.Errorf("unsupported format character %q", verb)
	}
	if numeric && sign == "" && (sp.sign == '+' || sp.sign == ' ') {
		sign = string(sp.sign)
	} else if numeric && sp.sign != 0 && sign != "" && sign[0] != '-' {
		sign = string(sp.sign) + sign
	}
	return padField(body, sign, sp, numeric), nil
}

// pyFormatG is Python's 'g' presentation: precision significant digits,
// exponent notation outside [1e-4, 1e+precision), trailing zeros dropped
// unless alt.
func pyFormatG(f float64, prec int, alt bool) string {
	if prec == 0 {
		prec = 1
	}
	if f == 0 {
		if alt {
			return "0." + strings.Repeat("0", prec-1)
		}
		return "0"
	}
	e := strconv.FormatFloat(f, 'e', prec-1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	var s string
	if exp < -4 || exp >= prec {
		s = e
		if !alt {
			mant, ex, _ := strings.Cut(e, "e")
			if strings.Contains(mant, ".") {
				mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
			}
			s = mant + "e" + ex
		}
		return s
	}
	s = strconv.FormatFloat(f, 'f', max(prec-1-exp, 0), 64)
	if !alt && strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// groupDigits inserts sep every three digits from the right.
func groupDigits(digits string, sep byte) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// padField aligns sign+body in sp.width.
func padField(body, sign string, sp fmtSpec, numeric bool) string {
	n := utf8.RuneCountInString(body) + utf8.RuneCountInString(sign)
	if n >= sp.width {
		return sign + body
	}
	fill := " "
	if sp.fill != 0 {
		fill = string(sp.fill)
	}
	marg := sp.width - n
	align := sp.align
	if align == 0 {
		align = '<'
		if numeric {
			align = '>'
		}
	}
	switch align {
	case '>':
		return strings.Repeat(fill, marg) + sign + body
	case '^':
		return strings.Repeat(fill, marg/2) + sign + body + strings.Repeat(fill, marg-marg/2)
	case '=':
		return sign + strings.Repeat(fill, marg) + body
	}
	return sign + body + strings.Repeat(fill, marg)
}
