package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
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

func TestBenchPaper(t *testing.T) {
	out := runBenchPaper(t)
	for _, task := range []string{"dyck_languages", "word_sorting", "schedule_meeting"} {
		if !strings.Contains(out, task) {
			t.Fatalf("no row for %s:\n%s", task, out)
		}
	}
	// Every row's right answers are at most those answered offline, and
	// offline plus user-model instances make the test count.
	row := regexp.MustCompile(`(?m)^(\S+)\s+(?:\S+\s+)?(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$`)
	rows := row.FindAllStringSubmatch(out, -1)
	if len(rows) != 7 {
		t.Fatalf("want six tasks and a total:\n%s", out)
	}
	if !strings.Contains(out, "shadow checks: none (solve.shadow 0 for this benchmark") {
		t.Errorf("the output does not say the benchmark runs without shadow checks:\n%s", out)
	}
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "examples", "parsers", "word_sorting.star"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "word_sorting.star"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	out = runBenchPaper(t, "--parsers", dir)
	m := regexp.MustCompile(`(?m)^word_sorting\s+verified\s+20\s+(\d+)\s+(\d+)\s+(\d+)`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" || m[1] != m[2] {
		t.Fatalf("word_sorting with its parser: every offline answer must be right and some must be given:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^dyck_languages\s+none\s`).MatchString(out) {
		t.Fatalf("a task without a parser file says none:\n%s", out)
	}
}
