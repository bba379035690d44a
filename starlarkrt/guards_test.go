package starlarkrt

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// The guards change no valid program: values print, integers convert and
// sources compile as before, up to the bounds Python itself has.
func TestGuardsKeepValidPrograms(t *testing.T) {
	t.Parallel()
	rt := New(Options{})
	defer rt.Close()
	src := Source{Name: "ok.py", Code: `
def main():
    big = 7 ** 2000                       # 1691 digits: within Python's 4300
    l = [1, (2, 3), {"a": [4]}]
    l.append(l)                           # prints as [...]
    s = "[[[[" + "((((" * 100 + "'"
    return [len(str(big)), repr(l), int("f" * 5000, 16) > 0, "%s-%d" % ("x", big % 10),
            "{} {}".format(l[1], big % 7), str(s)[:4]]
`}
	res, err := rt.Call(context.Background(), src, "main", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Value.([]any)
	if got[0] != int64(1691) || got[1] != `[1, (2, 3), {"a": [4]}, [...]]` || got[2] != true || got[3] != "x-1" || got[5] != "[[[[" {
		t.Errorf("main() = %v", got)
	}
}

func TestSourceLimits(t *testing.T) {
	t.Parallel()
	ok := []string{
		"x = " + strings.Repeat("(", maxBrackets) + "1" + strings.Repeat(")", maxBrackets) + "\n",
		"x = '" + strings.Repeat("(", 5000) + "'\n",               // brackets in a string
		"x = 0x" + strings.Repeat("f", 20000) + "\n",              // hex converts in linear time
		"x = " + strings.Repeat("1 - ", 5000) + "1\n",             // binary minus is not nesting
		"# " + strings.Repeat("[", 5000) + "\nx = 1\n",            // nor is a comment
		"x = \"\"\"\n" + strings.Repeat("{", 5000) + "\n\"\"\"\n", // nor a triple-quoted string
	}
	for _, src := range ok {
		if err := checkSource("t.py", src); err != nil {
			t.Errorf("checkSource(%.40q…): %v", src, err)
		}
	}
	var le *LimitError
	deep := "x = " + strings.Repeat("[", maxBrackets+1) + strings.Repeat("]", maxBrackets+1) + "\n"
	if err := checkSource("t.py", deep); !errors.As(err, &le) || le.Limit != "depth" {
		t.Errorf("201 nested brackets: %v, want the depth limit", err)
	}
	if err := checkSource("t.py", "x = "+strings.Repeat("not ", maxPrefixChain+1)+"True\n"); !errors.As(err, &le) {
		t.Errorf("a chain of nots: %v, want the depth limit", err)
	}
	var pe *ProgramError
	err := checkSource("t.py", "x = 1\ny = "+strings.Repeat("9", maxIntDigits+1)+"\n")
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(pe.Msg, "4300 digits") {
		t.Errorf("a 4301-digit literal: %v, want a program error at line 2", err)
	}
}
