package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// solveEnv isolates a test, points every model role at a fake endpoint and
// saves tools into a fresh database, whose path it returns.
func solveEnv(t *testing.T, tools ...*tool.Tool) (db string, srv *fakeopenai.Server) {
	t.Helper()
	db = toolsEnv(t)
	srv = fakeopenai.New(t)
	t.Setenv("LATM_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "sk-test")
	t.Setenv("LATM_CACHE", "false")
	// These tests script the user model; the test tools' usage examples
	// would let the template path answer with no model call.
	t.Setenv("LATM_SOLVE_TEMPLATE", "false")
	seed(t, db, tools...)
	return db, srv
}

func runSolve(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"--db", db, "--no-cache", "solve"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

// fence wraps code the way a model replies.
func fence(code string) string { return "Here you go:\n```starlark\n" + code + "\n```\n" }

func sortQuestion(words ...string) string {
	return "Sort the following words alphabetically: List: " + strings.Join(words, " ")
}

func sortCall(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return "ans = sort_words([" + strings.Join(q, ", ") + "])"
}

func storedRuns(t *testing.T, db, batch string) map[string]*tool.Run {
	t.Helper()
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func TestSolveOneQuestion(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	q := sortQuestion("pear", "apple", "fig")
	srv.Script(fakeopenai.Match{Template: user.UseTemplate, Contains: q}, fakeopenai.Reply{Content: fence(sortCall("pear", "apple", "fig"))})

	code, out, errs := runSolve(t, db, "--tool", "sort", q)
	if code != ExitOK || out != "apple fig pear\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	prompt := reqs[0].Last()
	for _, want := range []string{sortSource[:20], `ans = sort_words(["oven", "costume"])`, "Answer: costume oven", "assigns the final answer to `ans`", "Question: " + q} {
		if !strings.Contains(prompt, want) {
			t.Errorf("prompt lacks %q:\n%s", want, prompt)
		}
	}

	code, out, errs = runSolve(t, db, "--tool", "sort@1", "--json", q)
	if code != ExitOK {
		t.Fatalf("--json: exit %d, %s", code, errs)
	}
	var rec runRecord
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if !rec.OK || rec.Answer != "apple fig pear" || rec.RawResult != `"apple fig pear"` || rec.Tool != "sort@1" || !strings.Contains(rec.Code, "sort_words") {
		t.Errorf("record %+v", rec)
	}
	if runs := storedRuns(t, db, ""); len(runs) != 2 {
		t.Errorf("%d one-off runs stored, want 2 (one per solve)", len(runs))
	}
}

const pickSource = `def partner_of(partners, swaps, who):
    """Follows the partner swaps and returns who ends with whom."""
    p = dict(partners)
    for a, b in swaps:
        p[a], p[b] = p[b], p[a]
    return p[who]
`

func TestSolveMultipleChoiceGivesTheOptionLetter(t *testing.T) {
	tool := &tool.Tool{
		Name: "partners", Source: pickSource, Entry: "partner_of", Signature: "partner_of(partners, swaps, who)",
		Description: "Track partner swaps.",
		Examples: []tool.UsageExample{{Question: "Alice is with Sam, Bob with Lola. Alice and Bob switch. Alice is with\nOptions:\n(A) Sam\n(B) Lola",
			Code: `ans = partner_of({"Alice": "Sam", "Bob": "Lola"}, [("Alice", "Bob")], "Alice")`, Answer: "(B)"}},
	}
	db, srv := solveEnv(t, tool)
	q := "Alice, Bob and Claire dance. Alice is dancing with Patrick, Bob is dancing with Sam, Claire is dancing with Jamie. First, Alice and Claire switch partners. Then, Bob and Alice switch partners. At the end, Bob is dancing with\nOptions:\n(A) Patrick\n(B) Sam\n(C) Jamie"
	srv.Script(fakeopenai.Match{Template: user.UseTemplate, Contains: "At the end, Bob"}, fakeopenai.Reply{Content: fence(
		`partners = {"Alice": "Patrick", "Bob": "Sam", "Claire": "Jamie"}
ans = partner_of(partners, [("Alice", "Claire"), ("Bob", "Alice")], "Bob")`)})
	code, out, errs := runSolve(t, db, "--tool", "partners", q)
	if code != ExitOK || out != "(C)\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want (C) for Jamie", code, out, errs)
	}
}

func TestSolveRetriesWithTheSandboxError(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	q := sortQuestion("kiwi", "banana")
	srv.Script(fakeopenai.Match{Template: user.UseTemplate, Contains: q},
		fakeopenai.Reply{Content: fence("words = [\"kiwi\", \"banana\"]\nans = sort_word(words)")},
		fakeopenai.Reply{Content: fence(sortCall("kiwi", "banana"))})

	code, out, errs := runSolve(t, db, "--tool", "sort", q)
	if code != ExitOK || out != "banana kiwi\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	second := reqs[1]
	if len(second.Messages) < 3 || second.Messages[len(second.Messages)-2].Role != "assistant" ||
		!strings.Contains(second.Messages[len(second.Messages)-2].Content, "sort_word(words)") {
		t.Fatalf("the retry does not carry the failed reply: %+v", second.Messages)
	}
	fb := second.Last()
	for _, want := range []string{"Your code failed", "sort_word", "call.star:2", "ans = sort_word(words)"} {
		if !strings.Contains(fb, want) {
			t.Errorf("feedback lacks %q:\n%s", want, fb)
		}
	}
}

func TestSolveRetriesExhaustedRecordsAFailedRun(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	q := sortQuestion("plum", "cherry")
	srv.Script(fakeopenai.Match{Template: user.UseTemplate, Contains: q},
		fakeopenai.Reply{Content: fence(`ans = sort_words(["plum", "cherry"]`)}, // syntax error
		fakeopenai.Reply{Content: "I cannot write code for this."})              // no code block
	code, out, errs := runSolve(t, db, "--tool", "sort", q)
	if code != ExitFailed || out != "" || !strings.Contains(errs, "no code block") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 (solve.retries defaults to 1)", n)
	}
	runs := storedRuns(t, db, "")
	if len(runs) != 1 {
		t.Fatalf("%d runs stored, want 1", len(runs))
	}
	for _, r := range runs {
		if r.OK || r.Error == "" || r.Question != q || r.ToolName != "sort" || r.ToolVersion != 1 {
			t.Errorf("stored run %+v", r)
		}
	}
}

// writeLines writes a JSONL input file and returns its path.
func writeLines(t *testing.T, name string, lines ...string) string {
	t.Helper()
	if err := os.WriteFile(name, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func readResults(t *testing.T, text string) []user.BatchResult {
	t.Helper()
	var rs []user.BatchResult
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var r user.BatchResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		rs = append(rs, r)
	}
	return rs
}

func sortLine(id string, words ...string) string {
	b, _ := json.Marshal(map[string]string{"id": id, "question": sortQuestion(words...)})
	return string(b)
}

func TestSolveBatchReportsBadLinesAndGoesOn(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		switch {
		case strings.Contains(r.Last(), "List: b a"):
			return fakeopenai.Reply{Content: fence(sortCall("b", "a"))}
		case strings.Contains(r.Last(), "List: d c"):
			return fakeopenai.Reply{Content: fence(sortCall("d", "c"))}
		}
		return fakeopenai.Reply{Status: 500}
	})
	in := writeLines(t, "in.jsonl",
		sortLine("first", "b", "a"),
		`{"id": "broken", "question": `,
		`{"id": 7}`,
		"",
		`{"question": "`+sortQuestion("d", "c")+`"}`,
	)
	code, out, errs := runSolve(t, db, "--tool", "sort", "--input", in, "--output", "out.jsonl")
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitPartial, errs)
	}
	if out != "" {
		t.Errorf("stdout %q with --output", out)
	}
	for _, want := range []string{"in.jsonl:2: invalid JSON", "in.jsonl:3: no question", "(fix: ", "2 of 4 inputs"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	b, err := os.ReadFile("out.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rs := readResults(t, string(b))
	want := []user.BatchResult{
		{ID: "first", Answer: "a b", OK: true, Tool: "sort@1"},
		{ID: "2", OK: false, Tool: "sort@1"},
		{ID: "7", OK: false, Tool: "sort@1"},
		{ID: "5", Answer: "c d", OK: true, Tool: "sort@1"},
	}
	if len(rs) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(rs), len(want), rs)
	}
	for i := range want {
		got := rs[i]
		if got.ID != want[i].ID || got.Answer != want[i].Answer || got.OK != want[i].OK || got.Tool != want[i].Tool {
			t.Errorf("result %d = %+v, want %+v", i, got, want[i])
		}
		if !got.OK && got.Error == "" {
			t.Errorf("result %d failed without an error", i)
		}
	}
}

func TestSolveBatchResumesWhereItStopped(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	words := [][]string{{"b", "a"}, {"d", "c"}, {"f", "e"}, {"h", "g"}}
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		for _, w := range words {
			if r.Template == user.UseTemplate && strings.Contains(r.Last(), sortQuestion(w...)) {
				return fakeopenai.Reply{Content: fence(sortCall(w...))}
			}
		}
		return fakeopenai.Reply{Status: 400}
	})
	var lines []string
	for i, w := range words {
		lines = append(lines, sortLine(fmt.Sprint("q", i), w...))
	}
	in := writeLines(t, "in.jsonl", lines[:2]...)
	if code, _, errs := runSolve(t, db, "--tool", "sort", "--input", in); code != ExitOK {
		t.Fatalf("first half: exit %d, %s", code, errs)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("first half made %d requests, want 2", n)
	}
	writeLines(t, in, lines...)
	code, out, errs := runSolve(t, db, "--tool", "sort", "--input", in, "--workers", "2")
	if code != ExitOK {
		t.Fatalf("whole: exit %d, %s", code, errs)
	}
	reqs := srv.Requests()[2:]
	if len(reqs) != 2 {
		t.Fatalf("the resumed run made %d requests, want 2 (only the new half)", len(reqs))
	}
	for _, r := range reqs {
		if strings.Contains(r.Last(), "List: b a") || strings.Contains(r.Last(), "List: d c") {
			t.Errorf("resumed run asked again for a solved instance: %q", r.Last())
		}
	}
	rs := readResults(t, out)
	wantAnswers := []string{"a b", "c d", "e f", "g h"}
	if len(rs) != 4 {
		t.Fatalf("%d results, want 4", len(rs))
	}
	for i, r := range rs {
		if r.ID != fmt.Sprint("q", i) || r.Answer != wantAnswers[i] || !r.OK {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	abs, _ := filepath.Abs(in)
	batch, _ := defaultBatchID(abs, "sort@1")
	if runs := storedRuns(t, db, batch); len(runs) != 4 {
		t.Errorf("%d runs in batch %s, want 4", len(runs), batch)
	}
}

func TestSolveBatchKeepsInputOrderWithWorkers(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	const n = 12
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		for i := 0; i < n; i++ {
			w := []string{fmt.Sprintf("w%02dz", i), fmt.Sprintf("w%02da", i)}
			if r.Template == user.UseTemplate && strings.Contains(r.Last(), sortQuestion(w...)) {
				// Earlier inputs answer later, so completion order is reversed.
				return fakeopenai.Reply{Content: fence(sortCall(w...)), Delay: time.Duration(n-i) * 15 * time.Millisecond}
			}
		}
		return fakeopenai.Reply{Status: 400}
	})
	var lines []string
	for i := 0; i < n; i++ {
		lines = append(lines, sortLine(fmt.Sprint(i), fmt.Sprintf("w%02dz", i), fmt.Sprintf("w%02da", i)))
	}
	in := writeLines(t, "in.jsonl", lines...)
	code, out, errs := runSolve(t, db, "--tool", "sort", "--input", in, "--workers", "4")
	if code != ExitOK {
		t.Fatalf("exit %d, %s", code, errs)
	}
	rs := readResults(t, out)
	if len(rs) != n {
		t.Fatalf("%d results, want %d", len(rs), n)
	}
	for i, r := range rs {
		if want := fmt.Sprintf("w%02da w%02dz", i, i); r.ID != fmt.Sprint(i) || r.Answer != want {
			t.Errorf("result %d = %+v, want id %d answer %q", i, r, i, want)
		}
	}
	if want := fmt.Sprintf("solve: %d instances: %d ok, 0 failed; 0 tools made; %d model calls, $", n, n, n); !strings.HasPrefix(errs, want) || strings.Count(errs, "\n") != 1 {
		t.Errorf("stderr %q: want only the summary line %q…: no progress bar or noise on a non-terminal", errs, want)
	}
}

func TestSolveUsageErrors(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("sort"))
	for _, args := range [][]string{
		{"a question"},
		{"--tool", "sort"},
		{"--tool", "sort", "--input", "x.jsonl", "a question"},
		{"--tool", "bad name!", "q"},
	} {
		if code, _, errs := runSolve(t, db, args...); code != ExitUsage {
			t.Errorf("solve %q: exit %d, want %d (%s)", args, code, ExitUsage, errs)
		}
	}
}

func TestParseSolveLine(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	lines := []string{`{"id": "a", "question": "q1"}`, `{"id": 12, "question": "q2"}`, `{"question": "q3"}`,
		`{"id": "a", "question": "q4"}`, `{"id": [1], "question": "q5"}`, `{"id": "z", "question": "  "}`, `[1, 2]`}
	want := []struct{ id, question, err string }{
		{"a", "q1", ""}, {"12", "q2", ""}, {"3", "q3", ""}, {"a", "q4", "duplicate id \"a\", first used on line 1"},
		{"5", "", "id must be"}, {"z", "", "no question"}, {"7", "", "invalid JSON"},
	}
	for i, line := range lines {
		it := parseSolveLine(i+1, []byte(line), seen)
		if it.ID != want[i].id || (want[i].err == "" && it.Question != want[i].question) ||
			(want[i].err == "") != (it.Bad == "") || !strings.Contains(it.Bad, want[i].err) {
			t.Errorf("line %d %s: got %+v, want %+v", i+1, line, it, want[i])
		}
	}
}

func FuzzReadSolveInput(f *testing.F) {
	f.Add([]byte(`{"id": "a", "question": "q"}`+"\n"+`{"id": 1.5e3}`+"\n\n{"), false)
	f.Add([]byte("\xff\x00\n[]\n"), false)
	f.Add([]byte("plain question\n{\"question\": \"q\"}\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, plain bool) {
		items, err := readSolveInput(bytes.NewReader(data), plain)
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for _, it := range items {
			if it.Bad == "" {
				if strings.TrimSpace(it.Question) == "" || ids[it.ID] {
					t.Fatalf("accepted a bad item %+v", it)
				}
				ids[it.ID] = true
			}
		}
	})
}

func TestSolveBatchStopsWhenTheEndpointFails(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	srv.Handle(func(fakeopenai.Request) fakeopenai.Reply { return fakeopenai.Reply{Status: 401} })
	in := writeLines(t, "in.jsonl", sortLine("a", "b", "a"), sortLine("b", "d", "c"))
	code, out, errs := runSolve(t, db, "--tool", "sort", "--input", in, "--workers", "1")
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitFailed, errs)
	}
	if out != "" || !strings.Contains(errs, "in.jsonl:1:") || !strings.Contains(errs, "rerun the same command") {
		t.Errorf("stdout %q, stderr %q", out, errs)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests after the endpoint failed, want 1: the batch must stop", n)
	}
}

func runSolveIn(t *testing.T, db string, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"--db", db, "--no-cache", "solve"}, args...), stdin, &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

// sortHandler answers every use prompt with the call for its word list.
func sortHandler(r fakeopenai.Request) fakeopenai.Reply {
	last := r.Last()
	i := strings.LastIndex(last, "List: ")
	if i < 0 {
		return fakeopenai.Reply{Status: 400}
	}
	return fakeopenai.Reply{Content: fence(sortCall(strings.Fields(last[i+len("List: "):])...))}
}

func TestSolveReadsStandardInput(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	srv.Handle(sortHandler)
	stdin := sortLine("a", "b", "a") + "\n" + sortQuestion("d", "c") + "\n"
	// "-" reads standard input; a plain line is a question of its own.
	code, out, errs := runSolveIn(t, db, strings.NewReader(stdin), "--tool", "sort", "-")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	rs := readResults(t, out)
	if len(rs) != 2 || rs[0].ID != "a" || rs[0].Answer != "a b" || rs[1].ID != "2" || rs[1].Answer != "c d" {
		t.Errorf("results %+v", rs)
	}
	// So does a pipe (here a file) with no question argument; the same
	// input is the same batch, resumed with no model call.
	f := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(f, []byte(stdin), 0o644); err != nil {
		t.Fatal(err)
	}
	pipe, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer pipe.Close()
	before := len(srv.Requests())
	code, out, errs = runSolveIn(t, db, pipe, "--tool", "sort")
	if code != ExitOK || len(readResults(t, out)) != 2 || len(srv.Requests()) != before {
		t.Errorf("from a pipe: exit %d, %d new requests, stdout %q, stderr %q", code, len(srv.Requests())-before, out, errs)
	}
	if !strings.Contains(errs, "2 from an earlier run") {
		t.Errorf("summary does not say the answers were resumed: %q", errs)
	}
}

func TestSolveSummary(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	srv.Handle(sortHandler)
	in := writeLines(t, "in.jsonl", sortLine("a", "b", "a"), `{"id": "x"}`, sortLine("c", "d", "c"))
	code, _, errs := runSolve(t, db, "--tool", "sort", "--input", in, "--output", "out.jsonl")
	want := "solve: 3 instances: 2 ok, 1 failed (1 bad line); 0 tools made; 2 model calls, $"
	if code != ExitPartial || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr %q; want the summary %q", code, errs, want)
	}
	code, _, errs = runSolve(t, db, "--tool", "sort", "--input", in, "--output", "out.jsonl", "--json")
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	var sum batchSummary
	if err := json.Unmarshal([]byte(lines[len(lines)-2]), &sum); err != nil || code != ExitPartial {
		t.Fatalf("exit %d; the summary is not JSON (%v): %q", code, err, errs)
	}
	if sum.Instances != 3 || sum.Status["ok"] != 2 || sum.Status["failed"] != 1 || sum.BadLines != 1 || sum.Resumed != 2 || sum.Calls != 0 || sum.Batch == "" {
		t.Errorf("summary %+v", sum)
	}
}

// A line over the 16 MB limit is reported as FILE:LINE with the fix, and
// the lines after it are solved.
func TestSolveOverlongLineGoesOn(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	srv.Handle(sortHandler)
	huge := `{"id": "huge", "question": "` + strings.Repeat("x", maxInputLine) + `"}`
	in := writeLines(t, "in.jsonl", sortLine("a", "b", "a"), huge, sortLine("c", "d", "c"))
	code, out, errs := runSolve(t, db, "--tool", "sort", "--input", in)
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitPartial, errs)
	}
	if !strings.Contains(errs, "in.jsonl:2: line longer than 16 MB") || !strings.Contains(errs, "fix:") {
		t.Errorf("stderr %q: want the long line named as in.jsonl:2 with a fix", errs)
	}
	rs := readResults(t, out)
	if len(rs) != 3 || rs[0].Answer != "a b" || rs[1].OK || rs[1].ID != "2" || rs[2].Answer != "c d" {
		t.Errorf("results %+v", rs)
	}
}

func TestSolveStreamAndMakeRefuseADirectory(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("sort"))
	dir := t.TempDir()
	if code, _, errs := runSolve(t, db, "--tool", "sort", "--input", dir); code != ExitUsage || !strings.Contains(errs, dir+" is a directory") {
		t.Errorf("solve: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runStreamCmd(t, db, "--input", dir); code != ExitUsage || !strings.Contains(errs, dir+" is a directory") {
		t.Errorf("stream: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runMakeCmd(t, db, "sorter", "--examples", dir); code != ExitUsage || !strings.Contains(errs, dir+" is a directory") {
		t.Errorf("make: exit %d, stderr %q", code, errs)
	}
}

func TestEachLine(t *testing.T) {
	t.Parallel()
	in := "a\n\n  b  \n" + strings.Repeat("x", 10) + "\n" + strings.Repeat("y", 8) + "\nlast"
	type got struct {
		n       int
		line    string
		tooLong bool
	}
	var lines []got
	if err := eachLine(strings.NewReader(in), 8, func(n int, line []byte, tooLong bool) error {
		lines = append(lines, got{n, string(line), tooLong})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []got{{1, "a", false}, {3, "b", false}, {4, "", true}, {5, "yyyyyyyy", false}, {6, "last", false}}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
}

// eachLine reports what splitting the whole input on newlines would: every
// non-blank line, trimmed, numbered, and those over the limit as too long.
func FuzzEachLine(f *testing.F) {
	f.Add([]byte("a\n\n  b  \nxxxxxxxxxx\nyyyyyyyy\nlast"), 8)
	f.Add([]byte("\r\n\n\x00"), 1)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max < 1 || max > 1<<16 {
			return
		}
		var want []string
		for i, l := range strings.Split(string(data), "\n") {
			switch {
			case len(l) > max:
				want = append(want, fmt.Sprintf("%d!", i+1))
			case strings.TrimSpace(l) != "":
				want = append(want, fmt.Sprintf("%d:%s", i+1, strings.TrimSpace(l)))
			}
		}
		var got []string
		err := eachLine(bytes.NewReader(data), max, func(n int, line []byte, tooLong bool) error {
			if tooLong {
				got = append(got, fmt.Sprintf("%d!", n))
			} else {
				got = append(got, fmt.Sprintf("%d:%s", n, line))
			}
			return nil
		})
		if err != nil || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("eachLine(%q, %d) = %q, %v; want %q", data, max, got, err, want)
		}
	})
}

// The summary says per tool how the batch was answered; tools show and
// latm runs say the same from the store.
func TestSolveReportsPathsPerTool(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Template == user.UseTemplate && strings.Contains(r.Last(), sortQuestion("b", "a")) {
			return fakeopenai.Reply{Content: fence(sortCall("b", "a"))}
		}
		return fakeopenai.Reply{Content: "no code here"} // fails its tries
	})
	in := writeLines(t, "in.jsonl", sortLine("1", "b", "a"), sortLine("2", "d", "c"))
	code, _, errs := runSolve(t, db, "--tool", "sort", "--input", in, "--batch", "p", "--json")
	if code != ExitPartial {
		t.Fatalf("exit %d, %s", code, errs)
	}
	var sum batchSummary
	if err := json.Unmarshal([]byte(strings.SplitN(errs, "\n", 2)[0]), &sum); err != nil {
		t.Fatalf("summary %q: %v", errs, err)
	}
	st, ok := sum.ByTool["sort@1"]
	if !ok || len(st.Paths) != 1 || st.Paths[0].Path != "user" || st.Paths[0].OK != 1 || st.Paths[0].Failed != 1 {
		t.Fatalf("by tool %+v, want sort@1 with one user-model answer and one failure", sum.ByTool)
	}
	code, out, errs := runLatm(t, db, "tools", "show", "sort")
	if code != ExitOK || !strings.Contains(out, "runs:        no model 0; user model 1; failed 1") {
		t.Errorf("tools show: exit %d: %s %s", code, out, errs)
	}
	code, out, _ = runLatm(t, db, "runs", "--batch", "p")
	if code != ExitOK || !strings.Contains(out, "sort@1: no model 0; user model 1; failed 1") {
		t.Errorf("runs --batch p: exit %d: %s", code, out)
	}
}
