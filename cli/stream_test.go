package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
)

// streamScript answers every role of a stream: the maker by its phases,
// the user model with a call of sort_words for the question's list, the
// solver directly, the dispatcher with "unknown".
func streamScript(t *testing.T) func(fakeopenai.Request) fakeopenai.Reply {
	maker := (&makerScript{replies: map[string][]string{
		"propose": {wsFence(goodTool)},
		"verify":  {wsTests("")},
		"package": {wsPackage()},
	}}).reply(t)
	list := regexp.MustCompile(`(?m)Question: Sort the following words alphabetically: List: (.*)\s*$`)
	return func(r fakeopenai.Request) fakeopenai.Reply {
		last := r.Last()
		switch {
		case strings.Contains(last, "calls the function above"):
			m := list.FindAllStringSubmatch(last, -1)
			if m == nil {
				t.Errorf("user prompt without a word list: %q", last)
				return fakeopenai.Reply{Status: 500}
			}
			words := strings.TrimSpace(m[len(m)-1][1])
			return fakeopenai.Reply{Content: fence(fmt.Sprintf("ans = \" \".join(sort_words(%q.split()))", words))}
		case strings.Contains(last, "Classify the following question"):
			return fakeopenai.Reply{Content: "Task: unknown"}
		case strings.Contains(last, "Answer the following question"):
			return fakeopenai.Reply{Content: "I think so.\nAnswer: solver guess"}
		}
		return maker(r)
	}
}

func streamEnv(t *testing.T) (db string, srv *fakeopenai.Server) {
	t.Helper()
	db = toolsEnv(t)
	srv = fakeopenai.New(t)
	srv.Handle(streamScript(t))
	t.Setenv("LATM_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "sk-test")
	t.Setenv("LATM_CACHE", "false")
	return db, srv
}

func runStreamCmd(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"--db", db, "stream"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

func streamResults(t *testing.T, text string) map[string]dispatch.Result {
	t.Helper()
	got := map[string]dispatch.Result{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line == "" {
			continue
		}
		var r dispatch.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		if _, dup := got[r.ID]; dup && r.Status == dispatch.StatusPending {
			continue // the later, final result wins
		}
		got[r.ID] = r
	}
	return got
}

// wsInput writes the six labelled word-sorting instances, a bad line and
// an unlabelled instance after them.
func wsInput(t *testing.T) string {
	t.Helper()
	var lines []string
	for i, e := range wordSorting {
		b, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("w%d", i), "question": wsQuestion(e.list), "answer": e.answer})
		lines = append(lines, string(b))
	}
	lines = append(lines, `{"id": "bad", "question": 7}`)
	lines = append(lines, `{"id": "late", "question": "Sort the following words alphabetically: List: kiwi banana cherry"}`)
	path := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStreamMakesAToolForAnUnknownTaskAndResumes(t *testing.T) {
	db, srv := streamEnv(t)
	t.Setenv("LATM_DISPATCH_UNKNOWN", "none")
	in := wsInput(t)

	code, out, errOut := runStreamCmd(t, db, "--input", in, "--workers", "1", "--batch", "b1")
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d for the bad line; stderr %s", code, ExitPartial, errOut)
	}
	if want := "stream: 7 instances: 7 solved, 0 pending, 0 failed (1 bad line); 1 tool made; 3 model calls"; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks the summary %q:\n%s", want, errOut)
	}
	if !strings.Contains(errOut, in+":7:") || !strings.Contains(errOut, "no question") || !strings.Contains(errOut, "fix:") {
		t.Errorf("the bad line is not reported as FILE:7 with a fix: %q", errOut)
	}
	got := streamResults(t, out)
	for i, e := range wordSorting {
		r := got[fmt.Sprintf("w%d", i)]
		if r.Status != dispatch.StatusSolved || r.Answer != e.answer || !strings.HasPrefix(r.Tool, "sort_") {
			t.Errorf("w%d: %+v, want solved %q with the made tool", i, r, e.answer)
		}
	}
	late := got["late"]
	if late.Status != dispatch.StatusSolved || late.Answer != "banana cherry kiwi" || late.Stage != 1 {
		t.Errorf("late: %+v, want solved at stage 1 with the new tool", late)
	}
	// Stage 1 made no call, and the made tool's usage examples quote the
	// word list, so the call came from the template: no model call at all.
	if late.Calls != 0 || late.Cost != 0 {
		t.Errorf("late: %d calls costing %v, want none", late.Calls, late.Cost)
	}
	if _, ok := got["bad"]; ok {
		t.Errorf("the bad line produced a result")
	}
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	open, err := s.PendingInstances(context.Background(), -1)
	s.Close()
	if err != nil || len(open) != 0 {
		t.Errorf("pending after the group was solved: %d (%v)", len(open), err)
	}

	// Rerun: every instance is reported again from the records, with no
	// model call and no new tool.
	calls := len(srv.Requests())
	code, out2, errOut := runStreamCmd(t, db, "--input", in, "--workers", "3", "--batch", "b1")
	if code != ExitPartial {
		t.Fatalf("rerun: exit %d, stderr %s", code, errOut)
	}
	if n := len(srv.Requests()); n != calls {
		t.Errorf("rerun made %d model calls, want none", n-calls)
	}
	got2 := streamResults(t, out2)
	if len(got2) != 7 {
		t.Errorf("rerun reported %d instances, want 7: %s", len(got2), out2)
	}
	for id, r := range got {
		if r2 := got2[id]; r2.Answer != r.Answer || r2.Tool != r.Tool {
			t.Errorf("rerun %s: %+v, first run %+v", id, r2, r)
		}
	}
	if _, tout, _ := runTools(t, db, "list"); strings.Count(tout, "sort_") != 1 {
		t.Errorf("want exactly one made tool, tools list:\n%s", tout)
	}
}

func TestStreamPendingWithSolverAndLabel(t *testing.T) {
	db, srv := streamEnv(t)
	t.Setenv("LATM_DISPATCH_MIN_EXAMPLES", "6")
	path := filepath.Join(t.TempDir(), "in.jsonl")
	var lines []string
	for i, e := range wordSorting[:5] {
		b, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("w%d", i), "question": wsQuestion(e.list), "answer": e.answer})
		lines = append(lines, string(b))
	}
	lines = append(lines, fmt.Sprintf(`{"id": "w5", "question": %q}`, wsQuestion(wordSorting[5].list)))
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runStreamCmd(t, db, "--input", path, "--workers", "1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	got := streamResults(t, out)
	for i := range 6 {
		r := got[fmt.Sprintf("w%d", i)]
		if r.Status != dispatch.StatusPending || r.Answer != "solver guess" || r.Group != 1 {
			t.Errorf("w%d: %+v, want pending in group 1 with the solver's answer", i, r)
		}
	}
	calls := len(srv.Requests())
	if calls != 6 {
		t.Errorf("%d model calls, want 6 solver calls", calls)
	}

	// A person labels the sixth; the rerun makes the tool (the maker sees
	// the examples in pool order, which one worker keeps as input order)
	// and solves all.
	var lout, lerr bytes.Buffer
	if code := Main(context.Background(), []string{"--db", db, "label", "w5", wordSorting[5].answer}, strings.NewReader(""), &lout, &lerr, os.Getenv); code != 0 {
		t.Fatalf("label: exit %d: %s", code, lerr.String())
	}
	code, out, errOut = runStreamCmd(t, db, "--input", path, "--workers", "2")
	if code != 0 {
		t.Fatalf("rerun: exit %d, stderr %s", code, errOut)
	}
	checkFinalResults(t, out)
	got = streamResults(t, out)
	for i, e := range wordSorting {
		if r := got[fmt.Sprintf("w%d", i)]; r.Status != dispatch.StatusSolved || r.Answer != e.answer {
			t.Errorf("after labelling, w%d: %+v, want solved %q", i, r, e.answer)
		}
	}
	for _, r := range srv.Requests()[calls:] {
		if strings.Contains(r.Last(), "Answer the following question") {
			t.Errorf("the rerun asked the solver again")
		}
	}
}

// Only with dispatch.model_labels do the solver's answers count as labels
// of the pending instances.
func TestStreamModelLabels(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		t.Run(fmt.Sprint("model_labels=", enabled), func(t *testing.T) {
			db, _ := streamEnv(t)
			t.Setenv("LATM_DISPATCH_MIN_EXAMPLES", "100")
			t.Setenv("LATM_DISPATCH_MODEL_LABELS", fmt.Sprint(enabled))
			path := filepath.Join(t.TempDir(), "in.jsonl")
			var lines []string
			for i, e := range wordSorting[:3] {
				lines = append(lines, fmt.Sprintf(`{"id": "w%d", "question": %q}`, i, wsQuestion(e.list)))
			}
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, _, errOut := runStreamCmd(t, db, "--input", path, "--workers", "1"); code != 0 {
				t.Fatalf("exit %d, stderr %s", code, errOut)
			}
			s, err := library.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			pending, err := s.PendingInstances(context.Background(), -1)
			if err != nil || len(pending) != 3 {
				t.Fatalf("%d pending (%v), want 3", len(pending), err)
			}
			for _, p := range pending {
				labelled := p.Label == "solver guess" && p.LabelSource == "model"
				if labelled != enabled || (!enabled && p.Label != "") {
					t.Errorf("pending %s: label %q from %q with model_labels %v", p.InstanceID, p.Label, p.LabelSource, enabled)
				}
			}
		})
	}
}

// checkFinalResults fails if an instance is reported pending after it was
// reported solved or failed: a reader of the stream takes the last line.
func checkFinalResults(t *testing.T, text string) {
	t.Helper()
	final := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var r dispatch.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		key := r.Batch + ":" + r.ID
		if st := final[key]; st != "" && r.Status == dispatch.StatusPending {
			t.Errorf("%s reported pending after %s:\n%s", r.ID, st, text)
		}
		if r.Status != dispatch.StatusPending {
			final[key] = r.Status
		}
	}
}

func TestLabelUnknownID(t *testing.T) {
	db := toolsEnv(t)
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"--db", db, "label", "nope", "x"}, strings.NewReader(""), &out, &errb, os.Getenv)
	if code != ExitUsage || !strings.Contains(errb.String(), `no pending instance "nope"`) {
		t.Errorf("exit %d, stderr %q; want a usage error naming the id", code, errb.String())
	}
}

func FuzzParseStreamLine(f *testing.F) {
	f.Add(`{"id": "a", "question": "q", "answer": "x"}`)
	f.Add(`{"id": 3, "question": "q", "answer": 4}`)
	f.Add(`{"question": "q", "answer": [1]}`)
	f.Add(`not json`)
	f.Fuzz(func(t *testing.T, line string) {
		it, bad := parseStreamLine(1, []byte(line), map[string]int{})
		if bad == "" && strings.TrimSpace(it.Question) == "" {
			t.Errorf("accepted %q without a question", line)
		}
	})
}

// A stop between the steps of pooling an instance (after it entered the
// pool, before it was grouped or answered by the solver) must not leave it
// half done: the rerun groups it and answers it, once.
func TestStreamResumesAHalfPooledInstance(t *testing.T) {
	db, srv := streamEnv(t)
	t.Setenv("LATM_DISPATCH_MIN_EXAMPLES", "100")
	q := wsQuestion(wordSorting[0].list)
	path := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(`{"id": "w0", "question": %q}`+"\n", q)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	// The state a stop right after AddPending leaves.
	if err := s.AddPending(context.Background(), &library.Pending{InstanceID: "b1:w0", Question: q}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	for run := 1; run <= 2; run++ {
		code, out, errOut := runStreamCmd(t, db, "--input", path, "--workers", "1", "--batch", "b1")
		if code != 0 {
			t.Fatalf("run %d: exit %d, stderr %s", run, code, errOut)
		}
		r := streamResults(t, out)["w0"]
		if r.Status != dispatch.StatusPending || r.Group <= 0 || r.Answer != "solver guess" {
			t.Errorf("run %d: %+v, want pending in a group with the solver's answer", run, r)
		}
	}
	solverCalls := 0
	for _, r := range srv.Requests() {
		if strings.Contains(r.Last(), "Answer the following question") {
			solverCalls++
		}
	}
	if solverCalls != 1 {
		t.Errorf("the solver was asked %d times, want once", solverCalls)
	}
	s, err = library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	open, err := s.PendingInstances(context.Background(), -1)
	if err != nil || len(open) != 1 || open[0].Group <= 0 {
		t.Errorf("pending %+v (%v), want w0 once, grouped", open, err)
	}
}

// Pending instances whose task got a tool outside their run (a stop after
// the group's tool was saved but before all its members were solved, or a
// person importing a tool) are solved by the next run, with no model call
// to decide.
func TestStreamSolvesPendingInstancesOnceAToolExists(t *testing.T) {
	db, srv := streamEnv(t)
	t.Setenv("LATM_DISPATCH_UNKNOWN", "none")
	t.Setenv("LATM_DISPATCH_MIN_EXAMPLES", "100")
	path := filepath.Join(t.TempDir(), "in.jsonl")
	var lines []string
	for i, e := range wordSorting[:3] {
		lines = append(lines, fmt.Sprintf(`{"id": "w%d", "question": %q}`, i, wsQuestion(e.list)))
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runStreamCmd(t, db, "--input", path, "--workers", "1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	for id, r := range streamResults(t, out) {
		if r.Status != dispatch.StatusPending {
			t.Fatalf("%s: %+v, want pending: no tool exists yet", id, r)
		}
	}
	tool := &library.Tool{Name: "sorter", Description: "Sort words alphabetically.", Source: goodTool,
		Entry: "sort_words", Signature: "sort_words(words)", MakerModel: "m"}
	for _, e := range wordSorting[3:] {
		tool.Examples = append(tool.Examples, library.UsageExample{Question: wsQuestion(e.list), Code: wsCall(3, false), Answer: e.answer})
	}
	seed(t, db, tool)

	before := len(srv.Requests())
	code, out, errOut = runStreamCmd(t, db, "--input", path, "--workers", "1")
	if code != 0 {
		t.Fatalf("rerun: exit %d, stderr %s", code, errOut)
	}
	checkFinalResults(t, out)
	got := streamResults(t, out)
	for i, e := range wordSorting[:3] {
		r := got[fmt.Sprintf("w%d", i)]
		if r.Status != dispatch.StatusSolved || r.Answer != e.answer || r.Tool != "sorter@1" || r.Stage != 1 {
			t.Errorf("w%d: %+v, want solved %q with sorter@1 at stage 1", i, r, e.answer)
		}
		// This tool's usage examples all show one call, which is no
		// template of their questions: the tool user wrote each call, at the
		// user role's default prices.
		if r.Calls != 1 || r.Cost <= 0 {
			t.Errorf("w%d: %d calls costing %v, want the user's one call and its cost", i, r.Calls, r.Cost)
		}
	}
	for _, r := range srv.Requests()[before:] {
		if !strings.Contains(r.Last(), "calls the function above") {
			t.Errorf("a call other than the tool user's: %q", r.Last())
		}
	}
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if open, err := s.PendingInstances(context.Background(), -1); err != nil || len(open) != 0 {
		t.Errorf("%d still pending (%v)", len(open), err)
	}
}

// Two latm stream processes on one database: while one makes the tool for
// a group of an unknown task (a maker takes its time), the other adds more
// instances of that task to the pool. One tool must be made, not two, and
// every instance solved.
func TestTwoStreamsShareThePool(t *testing.T) {
	db, srv := streamEnv(t)
	// Which examples train and which validate depends on the order the two
	// streams filled the pool in, so the maker writes its tests from the
	// questions it is shown.
	user := streamScript(t)
	lists := regexp.MustCompile(`(?m)^Question: Sort the following words alphabetically: List: (.*?)\s*$`)
	calls := func(prompt string, withAssert bool) string {
		var codes []string
		for _, m := range lists.FindAllStringSubmatch(prompt, -1) {
			words := strings.Fields(m[1])
			code := fmt.Sprintf("words = %q.split()\nret = sort_words(words)\nans = \" \".join(ret)\n", m[1])
			if withAssert {
				sorted := append([]string(nil), words...)
				sort.Strings(sorted)
				code += fmt.Sprintf("assert ans == %q\n", strings.Join(sorted, " "))
			}
			codes = append(codes, code)
		}
		return wsFence(codes...)
	}
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		switch last := r.Last(); {
		case strings.Contains(last, "Please write a generic function"):
			// A maker takes its time: the other stream goes on meanwhile.
			return fakeopenai.Reply{Content: wsFence(goodTool), Delay: time.Second}
		case strings.Contains(last, "Write one unit test for each"):
			return fakeopenai.Reply{Content: calls(last, true)}
		case strings.Contains(last, "Success! The function passes"):
			return fakeopenai.Reply{Content: calls(last, false)}
		}
		return user(r)
	})
	t.Setenv("LATM_DISPATCH_UNKNOWN", "none")
	t.Setenv("LATM_DISPATCH_MIN_EXAMPLES", "6")
	dir := t.TempDir()
	// The first stream brings the six labelled instances that complete a
	// group; the second, started while the first is making, two more.
	examples := append(append([]struct{ list, answer string }(nil), wordSorting...),
		struct{ list, answer string }{"plum kiwi date", "date kiwi plum"},
		struct{ list, answer string }{"yak ox emu", "emu ox yak"})
	var inputs []string
	for half := 0; half < 2; half++ {
		var lines []string
		from, to := 0, 6
		if half == 1 {
			from, to = 6, 8
		}
		for i := from; i < to; i++ {
			e := examples[i]
			b, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("w%d", i), "question": wsQuestion(e.list), "answer": e.answer})
			lines = append(lines, string(b))
		}
		p := filepath.Join(dir, fmt.Sprintf("half%d.jsonl", half))
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, p)
	}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	errs := make([]string, 2)
	for i, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, errs[i] = runStreamCmd(t, db, "--input", in, "--workers", "1", "--batch", "b")
		}()
		time.Sleep(300 * time.Millisecond) // the first is making by now
	}
	wg.Wait()
	for i := range codes {
		if codes[i] != 0 {
			t.Fatalf("stream %d: exit %d: %s", i, codes[i], errs[i])
		}
	}
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Every version counts: a second making would be name@2.
	tools, err := s.Tools(context.Background(), true)
	if err != nil || len(tools) != 1 || tools[0].Version != 1 {
		var refs []string
		for _, tl := range tools {
			refs = append(refs, tl.Ref())
		}
		t.Fatalf("want one tool made once, got %v (%v)", refs, err)
	}
	if open, err := s.PendingInstances(context.Background(), -1); err != nil || len(open) != 0 {
		t.Errorf("%d instances still pending (%v)", len(open), err)
	}
}
