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

func runBenchPaper(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	db := filepath.Join(t.TempDir(), "latm.db")
	if code := Main(context.Background(), append([]string{"--db", db, "bench", "paper", "--n", "20"}, args...), strings.NewReader(""), &out, &errb, os.Getenv); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	return out.String()
}

// TestBenchPaper runs the benchmark once, with a parsers directory that
// holds word_sorting's parser only: each run costs seconds of GPT-4's CRT
// tool on its own use cases, and the tasks without a parser file run as
// they do without --parsers (no parser), so one run shows both. It runs
// beside the package's other parallel tests: it needs no process state.
func TestBenchPaper(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "examples", "parsers", "word_sorting.star"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "word_sorting.star"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	out := runBenchPaper(t, "--parsers", dir)
	for _, task := range []string{"dyck_languages", "word_sorting", "schedule_meeting"} {
		if !strings.Contains(out, task) {
			t.Fatalf("no row for %s:\n%s", task, out)
		}
	}
	row := regexp.MustCompile(`(?m)^(\S+)\s+(?:\S+\s+)?(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$`)
	rows := row.FindAllStringSubmatch(out, -1)
	if len(rows) != 7 {
		t.Fatalf("want six tasks and a total:\n%s", out)
	}
	// Every row's right answers are at most those answered offline, and
	// offline plus user-model instances make the test count.
	for _, r := range rows {
		n, taken, right, rest := atoi(t, r[2]), atoi(t, r[3]), atoi(t, r[4]), atoi(t, r[5])
		if right > taken || taken+rest != n {
			t.Errorf("row %q: right %d, offline %d, user model %d of %d", r[1], right, taken, rest, n)
		}
	}
	if !strings.Contains(out, "shadow checks: none (solve.shadow 0 for this benchmark") {
		t.Errorf("the output does not say the benchmark runs without shadow checks:\n%s", out)
	}
	m := regexp.MustCompile(`(?m)^word_sorting\s+verified\s+20\s+(\d+)\s+(\d+)\s+(\d+)`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" || m[1] != m[2] {
		t.Fatalf("word_sorting with its parser: every offline answer must be right and some must be given:\n%s", out)
	}
	for _, task := range []string{"dyck_languages", "schedule_meeting", "chinese_remainder_theorem"} {
		if !regexp.MustCompile(`(?m)^` + task + `\s+none\s`).MatchString(out) {
			t.Fatalf("%s, without a parser file, says none:\n%s", task, out)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
