// Package string is Python's string module for latm's sandbox: the ASCII
// constants and capwords. (Template and Formatter are not provided.)
package string

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

const (
	lower       = "abcdefghijklmnopqrstuvwxyz"
	upper       = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits      = "0123456789"
	punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	whitespace  = " \t\n\r\x0b\x0c"
)

// Module is the string module.
var Module = &starlarkstruct.Module{
	Name: "string",
	Members: starlark.StringDict{
		"ascii_letters":   starlark.String(lower + upper),
		"ascii_lowercase": starlark.String(lower),
		"ascii_uppercase": starlark.String(upper),
		"digits":          starlark.String(digits),
		"hexdigits":       starlark.String(digits + "abcdefABCDEF"),
		"octdigits":       starlark.String("01234567"),
		"punctuation":     starlark.String(punctuation),
		"whitespace":      starlark.String(whitespace),
		"printable":       starlark.String(digits + lower + upper + punctuation + whitespace),
		"capwords":        starlark.NewBuiltin("capwords", capwords),
	},
}

// isSpace is Python's str.isspace for one character: Go's unicode.IsSpace
// plus the ASCII separators U+001C..U+001F.
func isSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// capitalize is Python's str.capitalize: the first character in title
// case, the rest in lower case.
func capitalize(w string) string {
	r, n := utf8.DecodeRuneInString(w)
	if n == 0 {
		return w
	}
	return string(unicode.ToTitle(r)) + strings.ToLower(w[n:])
}

// capwords is capwords(s, sep=None): the words of s.split(sep)
// capitalized and joined by sep (a space when sep is None, which also
// collapses and trims runs of whitespace).
func capwords(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	var sepV starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &s, "sep?", &sepV); err != nil {
		return nil, err
	}
	if err := callstate.ChargeBytes(thread, len(s)); err != nil {
		return nil, err
	}
	var words []string
	join := " "
	if sepV == starlark.None {
		words = strings.FieldsFunc(s, isSpace)
	} else {
		sep, ok := sepV.(starlark.String)
		if !ok {
			return nil, fmt.Errorf("capwords: sep must be a string or None, not %s", sepV.Type())
		}
		if sep == "" {
			return nil, fmt.Errorf("empty separator")
		}
		join = string(sep)
		words = strings.Split(s, join)
	}
	for i, w := range words {
		words[i] = capitalize(w)
	}
	return starlark.String(strings.Join(words, join)), nil
}
