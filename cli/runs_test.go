package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

func runRuns(t *testing.T, db string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), append([]string{"--db", db, "runs"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

func TestRuns(t *testing.T) {
	db := toolsEnv(t)
	if code, out, _ := runRuns(t, db); code != 0 || !strings.Contains(out, "no runs recorded") {
		t.Fatalf("empty: exit %d: %s", code, out)
	}
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*tool.Run{
		{Batch: "b1", InputID: "q1", Question: "Sort: b a", ToolName: "sorter", ToolVersion: 2, Code: "ans = f()", RawResult: `"a b"`, Answer: "a b", OK: true},
		{Batch: "b1", InputID: "q2", Question: "Sort: ?", ToolName: "sorter", ToolVersion: 2, Error: "call.star:1:1: undefined: g"},
		{Batch: "b1", InputID: "q3", Question: "What?", Answer: "solver guess", OK: true},
		{Batch: "", InputID: "adhoc-1", Question: "one-off", ToolName: "sorter", ToolVersion: 1, Answer: "x", OK: true},
	} {
		if err := s.RecordRun(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	code, out, errOut := runRuns(t, db)
	if code != 0 || !strings.Contains(out, "b1") || !strings.Contains(out, "-  ") {
		t.Fatalf("batches: exit %d: %s %s", code, out, errOut)
	}
	code, out, _ = runRuns(t, db, "--batch", "b1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) < 5 || !strings.Contains(lines[1], "sorter@2") || !strings.Contains(lines[2], "error: call.star:1:1: undefined: g") || !strings.Contains(lines[3], "(solver)") ||
		!strings.HasPrefix(lines[4], "sorter@2: no model 0; user model 1; failed 1") {
		t.Fatalf("batch b1: exit %d:\n%s", code, out)
	}
	code, out, _ = runRuns(t, db, "--batch", "b1", "q2")
	var rec runRecord
	if err := json.Unmarshal([]byte(out), &rec); code != 0 || err != nil || rec.InputID != "q2" || rec.OK || rec.Question != "Sort: ?" {
		t.Fatalf("record q2: exit %d, %v: %s", code, err, out)
	}
	if code, out, _ := runRuns(t, db, "--batch", "-", "--json"); code != 0 || !strings.Contains(out, "adhoc-1") {
		t.Fatalf("one-off solves: exit %d: %s", code, out)
	}
	if code, _, errOut := runRuns(t, db, "--batch", "b1", "nope"); code != ExitFailed || !strings.Contains(errOut, `no run for input "nope"`) {
		t.Fatalf("missing input: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runRuns(t, db, "q1"); code != ExitUsage || !strings.Contains(errOut, "--batch") {
		t.Fatalf("id without batch: exit %d: %s", code, errOut)
	}
}

// TestCostAndRunsNeedNoAPIKey: reading the ledger and the runs goes through
// the engine, which wires a model client, yet needs no key and no endpoint.
func TestCostAndRunsNeedNoAPIKey(t *testing.T) {
	db := toolsEnv(t)
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.RecordRun(ctx, &tool.Run{Batch: "b1", InputID: "q1", Question: "Sort: b a", ToolName: "sorter", ToolVersion: 1, Answer: "a b", OK: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordCall(ctx, &tool.ModelCall{Role: "user", Model: "m", TokensIn: 10, TokensOut: 2, Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	noEnv := func(string) string { return "" } // no OPENAI_API_KEY, no LATM_*
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cost"}, "user"},
		{[]string{"runs"}, "b1"},
		{[]string{"runs", "--batch", "b1"}, "sorter@1"},
	} {
		var out, errb bytes.Buffer
		code := Main(ctx, append([]string{"--db", db}, tc.args...), strings.NewReader(""), &out, &errb, noEnv)
		if code != ExitOK || !strings.Contains(out.String(), tc.want) {
			t.Errorf("latm %s with no API key: exit %d, stdout %q, stderr %q; want %q", strings.Join(tc.args, " "), code, out.String(), errb.String(), tc.want)
		}
	}
}
