package re

import (
	"strings"
	"testing"

	"github.com/latm/latm/starlarkrt/internal/modtest"
)

var env = modtest.Env(Module)

func TestReValues(t *testing.T) {
	modtest.Values(t, env, [][2]string{
		{`re.findall(r"\d+", "a1b22c333")`, `["1", "22", "333"]`},
		{`re.findall(r"(\w)(\d)", "a1b2")`, `[("a", "1"), ("b", "2")]`},
		{`re.findall(r"(\w)\d", "a1b2")`, `["a", "b"]`},
		{`re.sub(r"(\w+)@(\w+)", r"\2 at \1", "joe@x, ann@y")`, `"x at joe, y at ann"`},
		{`re.sub(r"(?P<n>\d)", r"<\g<n>>", "a1b2")`, `"a<1>b<2>"`},
		{`re.sub(r"(\d)", r"\g<1>0", "a1")`, `"a10"`},
		{`re.sub("a", r"\n", "ba")`, `"b\n"`},
		{`re.subn("a", "b", "aaa", count=2)`, `("bba", 2)`},
		{`re.sub("a", "b", "aaa", 1)`, `"baa"`},
		{`re.split(r"[,;]\s*", "a, b;c")`, `["a", "b", "c"]`},
		{`re.split(r"(,)", "a,b,c", maxsplit=1)`, `["a", ",", "b,c"]`},
		{`re.split(r"x", "axbxc", 1)`, `["a", "bxc"]`},
		{`re.escape("a.b c*")`, `"a\\.b\\ c\\*"`},
		{`re.match(re.escape("a.b c*"), "a.b c*") != None`, `True`},
		{`re.match(r"(\d+)-(\d+)", "12-34 rest").group(0)`, `"12-34"`},
		{`re.match(r"(\d+)-(\d+)", "12-34 rest").group(1, 2)`, `("12", "34")`},
		{`re.match(r"(\d+)-(\d+)", "12-34 rest").groups()`, `("12", "34")`},
		{`re.match(r"(\d+)-(\d+)", "12-34 rest").span(2)`, `(3, 5)`},
		{`re.match(r"(\d+)-(\d+)", "12-34 rest").end()`, `5`},
		{`re.search(r"(?P<y>\d{4})-(?P<m>\d\d)", "on 2023-07").groupdict()`, `{"y": "2023", "m": "07"}`},
		{`re.search(r"(?P<y>\d{4})-(?P<m>\d\d)", "on 2023-07")["y"]`, `"2023"`},
		{`re.search(r"(?P<y>\d{4})-(?P<m>\d\d)", "on 2023-07").group("m")`, `"07"`},
		{`re.search(r"(?P<y>\d{4})-(?P<m>\d\d)", "on 2023-07").start("m")`, `8`},
		{`re.fullmatch(r"a|ab", "ab").group()`, `"ab"`},
		{`re.fullmatch(r"a", "ab")`, `None`},
		{`re.match("b", "ab")`, `None`},
		{`re.search("B", "ab", re.I).group()`, `"b"`},
		{`re.search("B", "ab", flags=re.IGNORECASE).group()`, `"b"`},
		{`re.sub(r"\s+", " ", "  a   b ")`, `" a b "`},
		{`re.findall(r"^\w", "ab\ncd", re.M)`, `["a", "c"]`},
		{`re.findall(r"a.b", "a\nb", re.S)`, `["a\nb"]`},
		{`re.sub(r"\d", lambda m: str(int(m.group()) * 2), "a1b7")`, `"a2b14"`},
		{`re.findall(r"x{,2}y", "xxxy")`, `["xxy"]`},
		// Documented difference: an empty match right after a match is skipped.
		{`re.findall(r"x*", "xxx")`, `["xxx"]`},
		{`re.compile(r"(a)(b)?").match("a").groups()`, `("a", None)`},
		{`re.compile(r"(a)(b)?").match("a").groups("-")`, `("a", "-")`},
		{`re.findall(r"a\Z", "aa")`, `["a"]`},
		{`re.findall(r"(?i)AB", "ab Ab")`, `["ab", "Ab"]`},
		{`re.findall(r"a(?#comment)b", "ab")`, `["ab"]`},
		{`re.compile(r"\d+").findall("1 2")`, `["1", "2"]`},
		{`re.compile(r"\d+").search("ab12", 3).group()`, `"2"`},
		{`[m.span() for m in re.finditer(r"\d", "a1b2")]`, `[(1, 2), (3, 4)]`},
		{`re.compile(r"(?P<x>a)").groupindex`, `{"x": 1}`},
		{`re.compile("a+", re.I).pattern`, `"a+"`},
		{`re.match(r"\u00e9", "\u00e9").group()`, `"é"`},
	})
}

func TestReErrors(t *testing.T) {
	modtest.Errors(t, env, [][2]string{
		{`re.search(r"(?<=a)b", "ab")`, "re: lookbehind (?<=...) is not supported (patterns run on RE2, linear time); rewrite without it"},
		{`re.search(r"(?<!a)b", "ab")`, "negative lookbehind"},
		{`re.search(r"a(?=b)", "ab")`, "lookahead (?=...) is not supported"},
		{`re.search(r"a(?!b)", "ab")`, "negative lookahead"},
		{`re.search(r"(a)\1", "aa")`, `backreference \1 is not supported`},
		{`re.search(r"(?P<x>a)(?P=x)", "aa")`, "backreference (?P=name)"},
		{`re.search(r"a b", "ab", re.X)`, "re.VERBOSE is not supported"},
		{`re.search(r"(a", "a")`, `re: invalid pattern "(a"`},
		{`re.sub(r"(a)", r"\2", "a")`, "refers to group 2, but the pattern has 1"},
		{`re.sub(r"(a)", r"\g<z>", "a")`, `unknown group name "z"`},
		{`re.sub(r"a", lambda m: 1, "a")`, "must return a string"},
		{`re.match(r"(a)", "a").group(3)`, "no such group 3"},
		{`re.match(5, "a")`, "pattern must be a string"},
	})
}

func TestReStepCharging(t *testing.T) {
	th := modtest.Thread(0, 0)
	if _, err := modtest.Exec(th, env, "x = re.findall('a', 'a' * 64000)\n"); err != nil {
		t.Fatal(err)
	}
	if th.Steps < 64000 {
		t.Errorf("findall of 64000 matches charged %d steps, want at least one per match", th.Steps)
	}
	modtest.StepLimit(t, env, "s = 'ab' * 100000\nfor i in range(1000):\n    x = re.search('c', s)\n", 100000)
}

func FuzzTranslatePattern(f *testing.F) {
	for _, s := range []string{`(?P<n>\d+)`, `[^]a]\Z`, `x{,3}(?#c)`, `(?i:a)`, `\ \u00e9`, `(?<=a)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pat string) {
		p, err := compilePattern(pat, 0)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "re:") {
				t.Errorf("error %q does not start with re:", err)
			}
			return
		}
		p.anchored()
	})
}
