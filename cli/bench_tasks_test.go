package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func runBenchTasks(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	db := filepath.Join(t.TempDir(), "latm.db")
	code := Main(context.Background(), append([]string{"--db", db, "bench", "tasks"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

// The two tasks of examples/tasks. With their parsers (verified on the
// usage examples and the validation examples of valid.jsonl, whose
// shapes — thousands separators, signs, decimal prices, two-word items —
// the parser's guards then admit) every test instance is answered with no
// model, all right. With --no-parser the template path alone answers
// some: its guards send on the shapes its usage examples never showed.
// No answer given with no model is wrong where the scripted user-model
// path is right.
func TestBenchTasks(t *testing.T) {
	tasks := filepath.Join("..", "examples", "tasks")
	row := regexp.MustCompile(`(?m)^(\w+)\s+(verified|none|not used)\s+(\d+)\s+(\d+) \([0-9.]+%; (\d+)/(\d+)\)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$`)
	for _, args := range [][]string{{tasks}, {"--no-parser", tasks}} {
		code, out, errs := runBenchTasks(t, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		rows := row.FindAllStringSubmatch(out, -1)
		if len(rows) != 2 {
			t.Fatalf("%v: want rows for digit_sum and price_total:\n%s", args, out)
		}
		for _, r := range rows {
			n := func(i int) int { v, _ := strconv.Atoi(r[i]); return v }
			test, taken, byParser, byTemplate, right, userOnThose, wrong := n(3), n(4), n(5), n(6), n(7), n(8), n(10)
			if byParser+byTemplate != taken {
				t.Errorf("%v %s: %d answered with no model but %d by the parser and %d by the template", args, r[1], taken, byParser, byTemplate)
			}
			if args[0] == "--no-parser" {
				if r[2] != "not used" || byParser != 0 || taken == 0 || taken >= test {
					t.Errorf("--no-parser %s: parser %s, %d of %d answered with no model (%d by the parser); want the template alone answering some, not all", r[1], r[2], taken, test, byParser)
				}
			} else if r[2] != "verified" || byParser != test {
				t.Errorf("%s: parser %s, %d of %d answered by it; want it verified and answering all", r[1], r[2], byParser, test)
			}
			if right != taken || userOnThose != taken || wrong != 0 {
				t.Errorf("%v %s: %d no-model answers, %d right, %d right by the user path, %d wrong where it was right", args, r[1], taken, right, userOnThose, wrong)
			}
		}
	}
	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, "t"), 0o755)
	os.WriteFile(filepath.Join(bad, "t", "tool.py"), []byte("def f(x):\n    return x\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "t", "usage.jsonl"), []byte("{\"question\": \"q\"}\nnot json\n"), 0o644)
	if code, _, errs := runBenchTasks(t, bad); code == ExitOK || !strings.Contains(errs, "usage.jsonl:2") {
		t.Errorf("a bad line: exit %d, %q; want an error naming usage.jsonl:2", code, errs)
	}
}
