package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
		"parse":   {wsParser()},
	}}).reply(t)
	list := regexp.MustCompile(`(?m)Question: Sort the following words alphabetically: List: (.*)\s*$`)
	return func(r fakeopenai.Request) fakeopenai.Reply {
		last := r.Last()
		switch {
		case r.Template == "use":
			m := list.FindAllStringSubmatch(last, -1)
			if m == nil {
				t.Errorf("user prompt without a word list: %q", last)
				return fakeopenai.Reply{Status: 500}
			}
			words := strings.TrimSpace(m[len(m)-1][1])
			return fakeopenai.Reply{Content: fence(fmt.Sprintf("ans = \" \".join(sort_words(%q.split()))", words))}
		case r.Template == "dispatch":
			return fakeopenai.Reply{Content: "Task: unknown"}
		case r.Template == "direct":
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
	// The maker's five calls (propose, verify, package, parse, schema), then the
	// default five shadow checks: the first five no-model answers of the
	// new tool (its parser's) are also asked of the user model.
	if want := "stream: 7 instances: 7 solved, 0 pending, 0 failed (1 bad line); 1 tool made; 10 model calls"; !strings.Contains(errOut, want) {
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
	// word list, so the call came from the template, confirmed by the five
	// shadow checks before it: no model call at all.
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
		if r.Template == "direct" {
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
	// The first stream's maker answers only once the second stream, started
	// when the making began, has finished.
	making, secondDone := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		switch last := r.Last(); {
		case r.Template == "propose":
			once.Do(func() { close(making) })
			select {
			case <-secondDone:
			case <-time.After(time.Minute):
				t.Errorf("the second stream did not finish while the first was making")
			}
			return fakeopenai.Reply{Content: wsFence(goodTool)}
		case r.Template == "verify":
			return fakeopenai.Reply{Content: calls(last, true)}
		case r.Template == "package":
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
	codes := make([]int, 2)
	errs := make([]string, 2)
	firstDone := make(chan struct{})
	go func() {
		defer close(firstDone)
		codes[0], _, errs[0] = runStreamCmd(t, db, "--input", inputs[0], "--workers", "1", "--batch", "b")
	}()
	select {
	case <-making:
	case <-firstDone:
		t.Fatalf("the first stream ended without making: exit %d: %s", codes[0], errs[0])
	}
	codes[1], _, errs[1] = runStreamCmd(t, db, "--input", inputs[1], "--workers", "1", "--batch", "b")
	close(secondDone)
	<-firstDone
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

// A stream goes on past a line over the 16 MB limit, names it FILE:LINE,
// exits 4 for it, and --json writes its summary as JSON.
func TestStreamOverlongLineAndJSONSummary(t *testing.T) {
	db, _ := streamEnv(t)
	t.Setenv("LATM_DISPATCH_UNKNOWN", "none")
	t.Setenv("LATM_DISPATCH_MIN_EXAMPLES", "100")
	huge := `{"id": "huge", "question": "` + strings.Repeat("x", maxInputLine) + `"}`
	path := filepath.Join(t.TempDir(), "in.jsonl")
	lines := []string{fmt.Sprintf(`{"id": "w0", "question": %q}`, wsQuestion(wordSorting[0].list)), huge,
		fmt.Sprintf(`{"id": "w1", "question": %q}`, wsQuestion(wordSorting[1].list))}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runStreamCmd(t, db, "--input", path, "--json")
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d: %s", code, ExitPartial, errOut)
	}
	if !strings.Contains(errOut, path+":2: line longer than 16 MB") {
		t.Errorf("stderr %q: want the long line named FILE:2", errOut)
	}
	if got := streamResults(t, out); len(got) != 2 || got["w0"].Status != dispatch.StatusPending || got["w1"].Status != dispatch.StatusPending {
		t.Errorf("results %v, want w0 and w1 pending", got)
	}
	var sum batchSummary
	errLines := strings.Split(strings.TrimSpace(errOut), "\n")
	if err := json.Unmarshal([]byte(errLines[len(errLines)-2]), &sum); err != nil {
		t.Fatalf("summary is not JSON (%v): %q", err, errOut)
	}
	if sum.Instances != 2 || sum.Status[dispatch.StatusPending] != 2 || sum.BadLines != 1 || sum.ToolsMade != 0 || sum.Calls != 0 {
		t.Errorf("summary %+v", sum)
	}
}

// A stream stopped halfway and rerun with the same --output ends with one
// line per id, each the instance's result (the file is not appended to,
// and a pending line followed by the solved one keeps the solved one).
func TestResumedStreamWritesOneLinePerID(t *testing.T) {
	db, srv := streamEnv(t)
	t.Setenv("LATM_DISPATCH_UNKNOWN", "none")
	in := wsInput(t)
	outPath := filepath.Join(t.TempDir(), "out.jsonl")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	script := streamScript(t)
	var stopped atomic.Bool
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Template == "package" && stopped.CompareAndSwap(false, true) {
			stop() // the stream is stopped while the tool is being made
			return fakeopenai.Reply{Status: 500}
		}
		return script(r)
	})
	var out, errb bytes.Buffer
	args := []string{"--db", db, "stream", "--input", in, "--output", outPath, "--workers", "1", "--batch", "b1"}
	if code := Main(ctx, args, strings.NewReader(""), &out, &errb, os.Getenv); code == 0 || !stopped.Load() {
		t.Fatalf("first run: exit %d (stopped %v), want a stop; stderr %s", code, stopped.Load(), errb.String())
	}
	for run := 0; run < 2; run++ {
		out.Reset()
		errb.Reset()
		if code := Main(context.Background(), args, strings.NewReader(""), &out, &errb, os.Getenv); code != ExitPartial {
			t.Fatalf("rerun %d: exit %d, stderr %s", run, code, errb.String())
		}
		b, err := os.ReadFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		ids := map[string]bool{}
		for _, line := range lines {
			var r dispatch.Result
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("rerun %d: output line %q: %v", run, line, err)
			}
			if ids[r.ID] {
				t.Errorf("rerun %d: id %s has more than one line", run, r.ID)
			}
			ids[r.ID] = true
			if r.Status != dispatch.StatusSolved {
				t.Errorf("rerun %d: %s is %s, want solved", run, r.ID, r.Status)
			}
		}
		if len(lines) != 7 {
			t.Errorf("rerun %d: %d lines, want 7 (one per instance):\n%s", run, len(lines), b)
		}
	}
}

// A stream killed with SIGKILL while it makes a group's tool leaves the
// group's making lease behind; a rerun on the same host finds its holder
// dead, takes the lease over and makes the tool (it used to wait out a
// 30-minute TTL, exiting 0 with the group pending and saying nothing).
func TestStreamKilledWhileMakingIsTakenOver(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc: a dead holder is found by its TTL only")
	}
	db, srv := streamEnv(t)
	t.Setenv("LATM_DISPATCH_UNKNOWN", "none")
	in := wsInput(t)
	script := streamScript(t)
	making, release := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Template == "propose" && held.CompareAndSwap(false, true) {
			close(making)
			<-release // the child is killed meanwhile
			return fakeopenai.Reply{Status: 500}
		}
		return script(r)
	})
	defer func() {
		if held.Load() {
			select {
			case <-release:
			default:
				close(release)
			}
		}
	}()
	args, _ := json.Marshal([]string{"--db", db, "stream", "--input", in, "--workers", "1", "--batch", "b1"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LATM_TEST_MAIN_ARGS="+string(args))
	var childErr bytes.Buffer
	cmd.Stderr = &childErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-making:
	case err := <-exited:
		t.Fatalf("the child stream ended before making: %v: %s", err, childErr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	close(release)

	code, out, errOut := runStreamCmd(t, db, "--input", in, "--workers", "1", "--batch", "b1")
	if code != ExitPartial { // the input's bad line
		t.Fatalf("rerun: exit %d: %s", code, errOut)
	}
	if strings.Contains(errOut, "stream: group ") {
		t.Errorf("rerun reports a group it could not make:\n%s", errOut)
	}
	got := streamResults(t, out)
	for i, e := range wordSorting {
		if r := got[fmt.Sprintf("w%d", i)]; r.Status != dispatch.StatusSolved || r.Answer != e.answer {
			t.Errorf("w%d: %+v, want solved %q", i, r, e.answer)
		}
	}
}
