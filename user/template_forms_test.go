package user

import (
	"context"
	"strings"
	"testing"

	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// formCase is a small tool, its usage examples, and questions the template
// path must answer (with the answer) or must leave to the model ("").
type formCase struct {
	name     string
	source   string
	examples []tool.UsageExample
	answers  map[string]string // question → answer, "" for the model
}

func ux(q, code, ans string) tool.UsageExample {
	return tool.UsageExample{Question: q, Code: code, Answer: ans}
}

var formCases = []formCase{{
	name:   "word list as a list literal",
	source: "def sort_words(words):\n    return sorted(words)\n",
	examples: []tool.UsageExample{
		ux("Sort the following words alphabetically: List: oven costume bread", `words1 = ["oven", "costume", "bread"]`+"\nret1 = sort_words(words1)\nans1 = \" \".join(ret1)", "bread costume oven"),
		ux("Sort the following words alphabetically: List: zeta alpha mu pi", `words2 = ["zeta", "alpha", "mu", "pi"]`+"\nret2 = sort_words(words2)\nans2 = \" \".join(ret2)", "alpha mu pi zeta"),
	},
	answers: map[string]string{
		"Sort the following words alphabetically: List: kiwi banana cherry date egg": "banana cherry date egg kiwi",
		"Sort the following words alphabetically: List: pear apple":                  "apple pear",
		"Sort the following words alphabetically: List: pear Apple":                  "", // a token shaped "Aa": never seen
		"Sort the following words alphabetically: List: pear":                        "", // one item where the examples had several
		"Sort the following numbers: List: pear apple":                               "", // other constant text
	},
}, {
	name:   "word list as a split string with a separator",
	source: "def sort_words(words):\n    return sorted(words)\n",
	examples: []tool.UsageExample{
		ux("Sort: oven, costume, bread.", "ans = \", \".join(sort_words(\"oven, costume, bread\".split(\", \")))", "bread, costume, oven"),
		ux("Sort: zeta, alpha, mu.", "ans = \", \".join(sort_words(\"zeta, alpha, mu\".split(\", \")))", "alpha, mu, zeta"),
	},
	answers: map[string]string{
		"Sort: pear, fig, apple, kiwi.": "apple, fig, kiwi, pear",
	},
}, {
	name:   "numbers and words next to punctuation",
	source: "def digit_sum(n):\n    return sum([int(c) for c in str(n)])\n",
	examples: []tool.UsageExample{
		ux("What is the sum of the digits of 631199471811?", "ans = digit_sum(631199471811)", "51"),
		ux("What is the sum of the digits of 2006?", "ans = digit_sum(2006)", "8"),
		ux("What is the sum of the digits of 12345?", "ans = digit_sum(12345)", "15"),
	},
	answers: map[string]string{
		"What is the sum of the digits of 777?":   "21",
		"What is the sum of the digits of 7.5?":   "", // a number of another shape
		"What is the sum of the digits of seven?": "", // a word for a number: the literal cannot be written
		"What is the product of the digits of 7?": "", // another task: constant text differs
	},
}, {
	name:   "a quoted span",
	source: "def count_words(s):\n    return len(s.split())\n",
	examples: []tool.UsageExample{
		ux(`How many words are in "the cat sat"?`, `ans = count_words("the cat sat")`, "3"),
		ux(`How many words are in "a dog"?`, `ans = count_words("a dog")`, "2"),
	},
	answers: map[string]string{
		`How many words are in "one two three four"?`: "4",
		`How many words are in "say \"hi\" now"?`:     "", // would need escaping
	},
}, {
	name:   "several slots, and text the tool ignores",
	source: "def add(a, b):\n    return a + b\n",
	examples: []tool.UsageExample{
		ux("Alice has 5 apples and gets 7 more apples. How many apples?", "ans = add(5, 7)", "12"),
		ux("Bob has 3 pears and gets 9 more pears. How many pears?", "ans = add(3, 9)", "12"),
		ux("Carol has 10 figs and gets 2 more figs. How many figs?", "ans = add(10, 2)", "12"),
	},
	answers: map[string]string{
		"Dave has 4 plums and gets 6 more plums. How many plums?":                  "10",
		"Dave has 4 plums and gets 16 more plums. How many plums?":                 "20",
		"Dave has 4 plums and loses 6 more plums. How many plums?":                 "", // the verb is constant text
		"Dave has 4 ripe plums and gets 6 more ripe plums. How many ripe plums?":   "", // ignored text of another shape
		"Dave Smith has 4 plums and gets 6 more plums. How many plums?":            "",
		"Dave has 4 plums and gets 6 more plums and 2 more plums. How many plums?": "",
	},
}, {
	name:   "a list of tuples following one pattern",
	source: "def total(pairs):\n    return sum([v for _, v in pairs])\n",
	examples: []tool.UsageExample{
		ux("Prices: apple costs 3, pear costs 4, and fig costs 5. What is the total?", `prices = [("apple", 3), ("pear", 4), ("fig", 5)]`+"\nans = total(prices)", "12"),
		ux("Prices: kiwi costs 10, plum costs 1, lime costs 2, and date costs 7. What is the total?", `prices = [("kiwi", 10), ("plum", 1), ("lime", 2), ("date", 7)]`+"\nans = total(prices)", "20"),
	},
	answers: map[string]string{
		"Prices: a costs 1, b costs 2, c costs 3, d costs 4, and e costs 5. What is the total?": "15",
		"Prices: a costs 1, and b costs 2. What is the total?":                                  "3",
		"Prices: a costs 1, b is 2, and c costs 3. What is the total?":                          "", // an item not in the pattern
		"Prices: a costs one, and b costs 2. What is the total?":                                "", // a word where a number was
	},
}, {
	name:   "a list of tuples with words between its items",
	source: "def last(pairs):\n    return pairs[-1][0] + \"-\" + pairs[-1][1]\n",
	examples: []tool.UsageExample{
		ux("First, Ann and Bob swap. Then, Bob and Cy swap. Then, Dee and Cy swap. Finally, Ann and Dee swap. Which pair swapped last?",
			`pairs = [("Ann", "Bob"), ("Bob", "Cy"), ("Dee", "Cy"), ("Ann", "Dee")]`+"\nans = last(pairs)", "Ann-Dee"),
		ux("First, Cy and Bob swap. Then, Bob and Ann swap. Then, Ann and Dee swap. Finally, Dee and Cy swap. Which pair swapped last?",
			`pairs = [("Cy", "Bob"), ("Bob", "Ann"), ("Ann", "Dee"), ("Dee", "Cy")]`+"\nans = last(pairs)", "Dee-Cy"),
	},
	answers: map[string]string{
		"First, Eve and Fay swap. Then, Fay and Gus swap. Finally, Gus and Eve swap. Which pair swapped last?":  "Gus-Eve",
		"First, Eve and Fay swap. Then, Fay and Gus trade. Finally, Gus and Eve swap. Which pair swapped last?": "",
	},
}, {
	name: "varying text the code depends on is not ignored",
	// The duration is written as minutes in the code, not as the
	// question's text: the examples with different durations disagree, so
	// only the durations they showed are answered.
	source: "def slots(free, minutes):\n    return len([f for f in free if f >= minutes])\n",
	examples: []tool.UsageExample{
		ux("A 1-hour meeting; free blocks: 30, 90, 60.", "ans = slots([30, 90, 60], 60)", "2"),
		ux("A 1-hour meeting; free blocks: 120, 45, 50.", "ans = slots([120, 45, 50], 60)", "1"),
		ux("A 2-hour meeting; free blocks: 30, 90, 130.", "ans = slots([30, 90, 130], 120)", "1"),
		ux("A 2-hour meeting; free blocks: 150, 30, 130.", "ans = slots([150, 30, 130], 120)", "2"),
	},
	answers: map[string]string{
		"A 1-hour meeting; free blocks: 10, 70, 80.":  "2",
		"A 2-hour meeting; free blocks: 10, 170, 80.": "1",
		"A 3-hour meeting; free blocks: 10, 70, 80.":  "",
	},
}}

func TestTemplateForms(t *testing.T) {
	t.Parallel()
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	ctx := context.Background()
	for _, fc := range formCases {
		t.Run(fc.name, func(t *testing.T) {
			s := &Solver{Runtime: rt, Template: true}
			src := starlarkrt.Source{Name: "tool.py", Code: fc.source}
			tl := &tool.Tool{Name: "t", Version: 1, Source: fc.source, Examples: fc.examples}
			tm := s.templated(ctx, tl, src)
			if tm == nil {
				t.Fatal("no usage example's question is a cross-checked template")
			}
			for q, want := range fc.answers {
				run := &tool.Run{}
				note, ok, err := s.templateAnswer(ctx, tm, tl.Examples, src, q, run)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case want == "" && ok:
					t.Errorf("%q: answered %q with no model (%s); want the model asked\n%s", q, run.Answer, note, run.Code)
				case want != "" && !ok:
					t.Errorf("%q: not answered (%s); want %q", q, note, want)
				case ok && run.Answer != want:
					t.Errorf("%q: answered %q, want %q\n%s", q, run.Answer, want, run.Code)
				case !ok && !strings.HasPrefix(note, "template"):
					t.Errorf("%q: refusal note %q does not say which path refused", q, note)
				}
			}
		})
	}
}

// A literal the code keeps as it is but whose text also varies in the
// question (here the queried name, which is also one of the listed ones)
// leaves the template unable to tell where it came from: no pattern.
func TestTemplateRefusesAmbiguousLiteral(t *testing.T) {
	t.Parallel()
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	src := "def pick(names, who):\n    return names.index(who)\n"
	tl := &tool.Tool{Name: "t", Version: 1, Source: src, Examples: []tool.UsageExample{
		ux("Names: Ann, Bob, Cy. Where is Bob? Bob is here.", `ans = pick(["Ann", "Bob", "Cy"], "Bob")`, "1"),
		ux("Names: Cy, Ann, Bob. Where is Bob? Bob is here.", `ans = pick(["Cy", "Ann", "Bob"], "Bob")`, "2"),
	}}
	s := &Solver{Runtime: rt, Template: true}
	if tm := s.templated(context.Background(), tl, starlarkrt.Source{Name: "tool.py", Code: src}); tm != nil {
		t.Fatalf("a template was learned: %+v", tm.patterns[0].re)
	}
}

func TestCodeLiterals(t *testing.T) {
	t.Parallel()
	atoms, lists := codeLiterals("a = [(\"x\", 1), ('y', 2)]  # \"c\"\nb = ret[2] + f(\"s\\n\", 3.5)\nc = [1, \"z\"]\nd = ['''t''', 'u']\n")
	var vals []string
	for _, a := range atoms {
		vals = append(vals, a.value)
	}
	if got, want := strings.Join(vals, "|"), "x|1|y|2|2|3.5|1|z|u"; got != want {
		t.Errorf("atoms %q, want %q", got, want)
	}
	if len(lists) != 1 || !lists[0].tuple || len(lists[0].items) != 2 {
		t.Fatalf("lists %+v, want the list of tuples only", lists)
	}
	if got, ok := lists[0].render([][]string{{"p", "7"}, {"q", "8"}, {"r", "9"}}); !ok || got != `[("p", 7), ("q", 8), ("r", 9)]` {
		t.Errorf("render = %q, %v", got, ok)
	}
	if _, ok := lists[0].render([][]string{{"p", "seven"}}); ok {
		t.Error("a word rendered as a number literal")
	}
}

// FuzzTemplatePattern: finding a usage example's slots, laying out its
// pattern, matching another question and writing the code never panic, and
// a question always fits its own pattern.
func FuzzTemplatePattern(f *testing.F) {
	f.Add("Prices: apple costs 3, pear costs 4, and fig costs 5.", `p = [("apple", 3), ("pear", 4), ("fig", 5)]`, "Prices: a costs 1, and b costs 2.")
	f.Add("Sort: List: oven costume bread", `w = ["oven", "costume", "bread"]`, "Sort: List: x y")
	f.Add(`Count "a b" now?`, `ans = f("a b", 12)`, `Count "c" now?`)
	f.Fuzz(func(t *testing.T, q, code, other string) {
		if len(q) > 2000 || len(code) > 2000 {
			return
		}
		ex := ux(q, code, "")
		slots, _ := slotsOf(ex)
		for _, s := range slots {
			if s.start < 0 || s.end > len(q) || s.start >= s.end {
				t.Fatalf("slot %d..%d outside %q", s.start, s.end, q)
			}
		}
		p, ok := newPattern(0, q, slots)
		if !ok {
			return
		}
		if p.match(q) == nil {
			t.Fatalf("%q does not fit its own pattern %s", q, p.re)
		}
		if caps := p.match(other); caps != nil {
			p.code(code, caps)
			for k, pt := range p.parts {
				if c, ok := caps[k]; ok {
					pt.texts(c)
				}
			}
		}
		if w, ok := ignoredAgainst(q, other, slots); ok {
			newPattern(0, q, append(slots, w...))
		}
	})
}
