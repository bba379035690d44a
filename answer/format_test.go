package answer

import (
	"math"
	"math/big"
	"testing"
)

// Questions from BIG-Bench Hard (tasks named in the constant names).
const (
	logicalDeductionFive = "The following paragraphs each describe a set of five objects arranged in a fixed order. The statements are logically consistent within each paragraph. On a branch, there are five birds: a quail, an owl, a raven, a falcon, and a robin. The owl is the leftmost. The robin is to the left of the raven. The quail is the rightmost. The raven is the third from the left.\nOptions:\n(A) The quail is the rightmost\n(B) The owl is the rightmost\n(C) The raven is the rightmost\n(D) The falcon is the rightmost\n(E) The robin is the rightmost"
	trackingFive         = "Alice, Bob, Claire, Dave, and Eve are dancers at a square dance. At the start of a song, they each have a partner: Alice is dancing with Patrick, Bob is dancing with Sam, Claire is dancing with Jamie, Dave is dancing with Lola, and Eve is dancing with Melissa.\nThroughout the song, the dancers often trade partners. First, Dave and Eve switch partners. Then, Dave and Alice switch partners. Then, Eve and Alice switch partners. Then, Claire and Bob switch partners. Finally, Dave and Alice switch partners. At the end of the dance, Alice is dancing with\nOptions:\n(A) Patrick\n(B) Sam\n(C) Jamie\n(D) Lola\n(E) Melissa"
	scheduleMeeting      = "A and B want to schedule a 1.5-hour meeting together.\nA's availability: 08:30 - 12:30, 13:30 - 14:00, 15:00 - 16:00, 16:30 - 18:00\nB's availability: 08:30 - 09:30, 10:00 - 10:30, 11:00 - 12:00, 12:30 - 13:00, 14:30 - 17:00\nWhat time slot works best? (if multiple, choose the earliest one"
	geometricShapes      = "This SVG path element <path d=\"M 55.57,80.69 L 57.38,65.80 M 57.38,65.80 L 48.90,57.46 M 48.90,57.46 L 45.58,47.78 M 45.58,47.78 L 53.25,36.07 L 66.29,48.90 L 78.69,61.09 L 55.57,80.69\"/> draws a\nOptions:\n(A) circle\n(B) heptagon\n(C) hexagon\n(D) kite\n(E) line\n(F) octagon\n(G) pentagon\n(H) rectangle\n(I) sector\n(J) triangle"
	dateUnderstanding    = "Today is Christmas Eve of 1937. What is the date tomorrow in MM/DD/YYYY?\nOptions:\n(A) 12/11/1937\n(B) 12/25/1937\n(C) 01/04/1938\n(D) 12/04/1937\n(E) 12/25/2006\n(F) 07/25/1937"
	penguinsCount        = "Here is a table where the first line is a header and each subsequent line is a penguin:  name, age, height (cm), weight (kg) Louis, 7, 50, 11 Bernard, 5, 80, 13 Vincent, 9, 60, 11 Gwen, 8, 70, 15  How many penguins are more than 5 years old?\nOptions:\n(A) 1\n(B) 2\n(C) 3\n(D) 4\n(E) 5"
	wordSorting          = "Sort the following words alphabetically: List: syndrome therefrom"
	multistepArithmetic  = "((-1 + 2 + 9 * 5) - (-2 + -4 + -4 * -7)) ="
)

func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		question string
		v        any
		want     string
	}{
		{"word sorting keeps the string", wordSorting, "syndrome therefrom", "syndrome therefrom"},
		{"arithmetic int", multistepArithmetic, int64(24), "24"},
		{"arithmetic negative int", multistepArithmetic, int64(-7), "-7"},
		{"big int", multistepArithmetic, new(big.Int).Lsh(big.NewInt(1), 70), "1180591620717411303424"},
		{"integral float keeps .0 like Python", multistepArithmetic, 2.0, "2.0"},
		{"float", multistepArithmetic, 0.1, "0.1"},
		{"bool", "Is it true?", true, "True"},
		{"None", "What is it?", nil, "None"},
		{"list as Python repr", "List them.", []any{"a", int64(1), nil}, "['a', 1, None]"},
		{"tracking: option text", trackingFive, "Patrick", "(A)"},
		{"tracking: already a letter", trackingFive, "(D)", "(D)"},
		{"tracking: bare letter", trackingFive, "C", "(C)"},
		{"logical deduction: substring of one option", logicalDeductionFive, "quail", "(A)"},
		{"logical deduction: full option text", logicalDeductionFive, "The raven is the rightmost", "(C)"},
		{"logical deduction: compared as it is, case and all", logicalDeductionFive, "the falcon is the rightmost.", "the falcon is the rightmost."},
		{"logical deduction: bare letter from the tool", logicalDeductionFive, "C", "(C)"},
		{"geometric shapes: the first line containing it", geometricShapes, "gon", "(B)"},
		{"geometric shapes: exact text", geometricShapes, "pentagon", "(G)"},
		{"date: option text", dateUnderstanding, "12/25/1937", "(B)"},
		{"penguins: number is option text, not an index", penguinsCount, int64(3), "(C)"},
		{"tracking: one-based index, as options.index(x) + 1", trackingFive, int64(4), "(D)"},
		{"one-based index 1 is (A)", trackingFive, int64(1), "(A)"},
		{"index 0 is no option key: its text is looked for", trackingFive, int64(0), "0"},
		{"index 10 is (J), offered or not", trackingFive, int64(10), "(J)"},
		{"index 11 is beyond the map", trackingFive, int64(11), "11"},
		{"integral float maps as its integer", trackingFive, 2.0, "(B)"},
		{"big int in range", trackingFive, big.NewInt(5), "(E)"},
		{"bool is no index", trackingFive, true, "True"},
		{"letter beyond J: the line containing it", "Pick.\nOptions:\n(J) x\n(K) y", "(K)", "(K)"},
		{"no options: integers stay numbers", multistepArithmetic, int64(3), "3"},
		{"no options: bare letters stay", "Which letter comes first?", "B", "B"},
		{"empty answer matches no option line", trackingFive, "", ""},
		{"no option matches stays", trackingFive, "Ringo", "Ringo"},
		{"meeting: None", scheduleMeeting, nil, "No time slot works."},
		{"meeting: pair", scheduleMeeting, []any{"10:30", "12:00"}, "10:30 - 12:00"},
		{"meeting: string stays", scheduleMeeting, "10:30 - 12:00", "10:30 - 12:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.question, tt.v); got != tt.want {
				t.Errorf("Format(%v) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

// The reference takes the first option line that contains the answer,
// as a substring and case and all; and an answer that is an option-map key
// is mapped, even when an option's text is that very letter.
func TestFormatTakesTheFirstContainingLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ q, v, want string }{
		{"Which one?\nOptions:\n(A) carpet\n(B) car\n(C) red car park", "car", "(A)"},
		{"Which one?\nOptions:\n(A) Carpet\n(B) car", "car", "(B)"},
		{"Which grade?\nOptions:\n(A) B\n(B) A", "A", "(A)"},
		{"Which grade?\nOptions:\n(A) B+\n(B) A+", "A+", "(B)"},
		// The letter and its parenthesis are part of the line.
		{"Which?\nOptions:\n(A) x\n(B) y", "(B) y", "(B)"},
		// The option lines end at the first other line.
		{"Which?\nOptions:\n(A) x\n(B) y\nReply with z.", "z", "z"},
	} {
		if got := Format(tc.q, tc.v); got != tc.want {
			t.Errorf("Format(%q, %q) = %q, want %q", tc.q, tc.v, got, tc.want)
		}
	}
}

func TestStrFloatsLikePython(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		f    float64
		want string
	}{
		{2.0, "2.0"}, {-0.5, "-0.5"}, {1e16, "1e+16"}, {1.5e-5, "1.5e-05"}, {123456789.0, "123456789.0"},
		{0.0001, "0.0001"}, {math.Inf(1), "inf"}, {math.NaN(), "nan"}, {math.Copysign(0, -1), "-0.0"}, {1.0 / 3, "0.3333333333333333"},
	} {
		if got := Str(tt.f); got != tt.want {
			t.Errorf("Str(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
	if got := Str(map[string]any{"b": "it's", "a": []any{1.5}}); got != `{'a': [1.5], 'b': "it's"}` {
		t.Errorf("dict: %q", got)
	}
}

func FuzzFormat(f *testing.F) {
	f.Add(trackingFive, "Sam")
	f.Add("q\nOptions:\n(A) x\n(B", "(")
	f.Add(scheduleMeeting, "")
	f.Fuzz(func(t *testing.T, q, ans string) {
		got := Format(q, ans)
		if parseOptions(q) == nil && !isMeeting(q) && got != ans {
			t.Fatalf("without options the answer must pass through: %q → %q", ans, got)
		}
		_ = Format(q, []any{ans, int64(len(ans))})
	})
}
