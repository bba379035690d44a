package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
)

// A task file has no chain-of-thought prompt: eval runs no cot row for it
// and says why, instead of leaving the row out in silence.
func TestEvalSaysWhyTheCoTRowIsAbsent(t *testing.T) {
	db, srv := evalEnv(t)
	srv.Script(fakeopenai.Match{Template: "direct"}, fakeopenai.Reply{Content: "Answer: x"})
	task := writeWSTask(t)
	out := filepath.Join(t.TempDir(), "res.json")
	code, _, errs := runEvalCmd(t, db, "--task-file", task, "--methods", "cot,direct", "--limit", "1", "--out", out)
	if code != ExitOK && code != ExitPartial {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "no cot row for ws: the cot method needs a few-shot chain-of-thought prompt") {
		t.Errorf("stderr does not say why cot is absent:\n%s", errs)
	}
	res := readEvalResults(t, out)
	for _, r := range res.Rows {
		if r.Method == "cot" {
			t.Errorf("a cot row ran: %+v", r)
		}
	}
	for _, r := range srv.Requests() {
		if r.Template != "direct" {
			t.Errorf("request with template %q", r.Template)
		}
	}
}
