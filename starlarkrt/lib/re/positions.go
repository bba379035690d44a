package re

import "unicode/utf8"

// Positions in and out of this module count code points, as Python's do
// and as latm's string indexing does; Go's regexp works in bytes.

// runeOffset returns the code point index of byte offset b of s (-1 stays
// -1, for a group that did not take part).
func runeOffset(s string, b int) int {
	if b <= 0 {
		return b
	}
	return utf8.RuneCountInString(s[:b])
}

// clampRunePos clamps pos and endpos, given in code points, to s as Python
// does, and returns them as byte offsets.
func clampRunePos(s string, pos, endpos int) (int, int) {
	n := utf8.RuneCountInString(s)
	pos, endpos = clampPos(pos, endpos, n)
	if n == len(s) {
		return pos, endpos
	}
	bp, be := len(s), len(s)
	i := 0
	for b := range s {
		if i == pos {
			bp = b
		}
		if i == endpos {
			be = b
			break
		}
		i++
	}
	return bp, be
}
