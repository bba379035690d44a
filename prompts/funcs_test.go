package prompts

import "testing"

// The expected values are what CPython 3 prints for repr(s).
func TestPyRepr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"bread costume oven", `'bread costume oven'`},
		{"don't", `"don't"`},
		{`say "hi"`, `'say "hi"'`},
		{`both ' and "`, `'both \' and "'`},
		{"a\nb\tc\\", `'a\nb\tc\\'`},
		{"\x00\x7f\u00a0é€😀", `'\x00\x7f\xa0é€😀'`},
		{"\u200b", `'\u200b'`},
		{"", `''`},
		{"(A)", `'(A)'`},
	} {
		if got := PyRepr(tc.in); got != tc.want {
			t.Errorf("PyRepr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
