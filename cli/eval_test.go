package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/eval"
	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// evalEnv isolates a test and points each role at srv under its own model
// name, with prices per million tokens the tests compute cost from.
func evalEnv(t *testing.T) (db string, srv *fakeopenai.Server) {
	t.Helper()
	db = toolsEnv(t)
	srv = fakeopenai.New(t)
	for k, v := range map[string]string{
		"LATM_BASE_URL": srv.URL, "LATM_API_KEY_ENV": "LATM_TEST_KEY", "LATM_TEST_KEY": "sk-test",
		"LATM_CACHE": "false", "LATM_SOLVE_RETRIES": "0", "TMPDIR": t.TempDir(),
		"LATM_MAKER_MODEL": "maker-test", "LATM_MAKER_PRICE_IN": "2", "LATM_MAKER_PRICE_OUT": "8", "LATM_MAKER_RETRIES": "0",
		"LATM_USER_MODEL": "user-test", "LATM_USER_PRICE_IN": "0.5", "LATM_USER_PRICE_OUT": "1.5", "LATM_USER_RETRIES": "0",
		"LATM_SOLVER_MODEL": "solver-test", "LATM_SOLVER_PRICE_IN": "3", "LATM_SOLVER_PRICE_OUT": "10", "LATM_SOLVER_RETRIES": "0",
		// These tests pin the accounting of the paper's path (making, then
		// one user call per instance); a parser would answer with none.
		"LATM_MAKE_PARSER": "false",
	} {
		t.Setenv(k, v)
	}
	return db, srv
}

func runEvalCmd(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"--db", db, "eval"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

func readEvalResults(t *testing.T, path string) *eval.Results {
	t.Helper()
	r, err := eval.ReadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rowOf(t *testing.T, r *eval.Results, task, method string) eval.Row {
	t.Helper()
	for _, row := range r.Rows {
		if row.Task == task && row.Method == method {
			return row
		}
	}
	t.Fatalf("no %s/%s row in %+v", task, method, r.Rows)
	return eval.Row{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// wsTest are the test instances of the word-sorting JSONL task.
var wsTest = []struct{ list, answer string }{
	{"kiwi banana apple", "apple banana kiwi"},
	{"delta charlie bravo", "bravo charlie delta"},
	{"moon sun star", "moon star sun"},
	{"yak xenon walrus", "walrus xenon yak"},
}

// writeWSTask writes a JSONL task whose first three training and first three
// validation examples are the ones the maker script's tests and packaging
// expect, followed by the test instances.
func writeWSTask(t *testing.T) string {
	t.Helper()
	pad := struct{ list, answer string }{"b a", "a b"}
	all := append(append(append([]struct{ list, answer string }{}, wordSorting[:3]...), pad, pad), wordSorting[3:6]...)
	all = append(append(all, pad, pad), wsTest...)
	var b strings.Builder
	for _, e := range all {
		line, _ := json.Marshal(tool.Example{Question: wsQuestion(e.list), Answer: e.answer})
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "ws.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEvalLATMCountsAccuracyCostAndTries makes a tool (the first proposal
// does not load, so propose takes 2 tries) and solves four instances, one
// with a wrong call; then re-runs from the checkpoint with no model call.
func TestEvalLATMCountsAccuracyCostAndTries(t *testing.T) {
	db, srv := evalEnv(t)
	task := writeWSTask(t)
	ms := &makerScript{replies: map[string][]string{
		"propose": {wsFence(yieldTool)},
		"fix":     {wsFence(goodTool)},
		"verify":  {wsTests("")},
		"package": {wsPackage()},
	}}
	makerReply := ms.reply(t)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		switch r.Model {
		case "maker-test":
			rep := makerReply(r)
			rep.PromptTokens, rep.OutTokens = 2000, 500
			return rep
		case "user-test":
			for i, e := range wsTest {
				if r.Template == user.UseTemplate && strings.Contains(r.Last(), wsQuestion(e.list)) {
					words := strings.Fields(e.list)
					if i == 2 { // a wrong call: one word dropped
						words = words[:2]
					}
					call := fmt.Sprintf("words = %q.split()\nans = \" \".join(sort_words(words))", strings.Join(words, " "))
					return fakeopenai.Reply{Content: fence(call), PromptTokens: 1000, OutTokens: 100}
				}
			}
		}
		t.Errorf("unexpected %s request: %q", r.Model, r.Last())
		return fakeopenai.Reply{Status: 500}
	})
	out := filepath.Join(t.TempDir(), "res.json")
	ckpt := filepath.Join(t.TempDir(), "ck.jsonl")
	code, stdout, errs := runEvalCmd(t, db, "--task-file", task, "--methods", "latm", "--out", out, "--checkpoint", ckpt)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	res := readEvalResults(t, out)
	row := rowOf(t, res, "ws", "latm")
	if row.N != 4 || row.Correct != 3 || !near(row.Accuracy, 75) || row.Errors != 0 {
		t.Errorf("scored %d/%d (%.1f%%, %d errors), want 3/4", row.Correct, row.N, row.Accuracy, row.Errors)
	}
	if !row.MakeOK || row.Tool != "ws" || row.ProposeTries != 2 || row.VerifyTries != 1 {
		t.Errorf("making: ok %v tool %q tries %d+%d, want ok ws 2+1 (%s)", row.MakeOK, row.Tool, row.ProposeTries, row.VerifyTries, row.MakeError)
	}
	// 5 maker calls (propose, fix, verify, package, schema) at 2000 in /
	// 500 out, 4 user calls at 1000 in / 100 out.
	makeCost := 5 * (2000*2.0 + 500*8.0) / 1e6
	wantCost := makeCost + 4*(1000*0.5+100*1.5)/1e6
	if row.Calls != 9 || row.MakeCalls != 5 || row.TokensIn != 14000 || row.TokensOut != 2900 {
		t.Errorf("calls %d (making %d), tokens %d/%d; want 9 (5), 14000/2900", row.Calls, row.MakeCalls, row.TokensIn, row.TokensOut)
	}
	if !near(row.Cost, wantCost) || !near(row.MakeCost, makeCost) {
		t.Errorf("cost %v (making %v), want %v (%v)", row.Cost, row.MakeCost, wantCost, makeCost)
	}
	if !strings.Contains(row.Measured, "maker maker-test @ "+srv.URL) || !strings.Contains(row.Measured, "user user-test @ "+srv.URL) {
		t.Errorf("row does not name its models and endpoint: %q", row.Measured)
	}
	if res.LATMVersion != version() || res.Roles["maker"].Model != "maker-test" || res.Roles["user"].Endpoint != srv.URL ||
		res.PromptHashes["use"] == "" || res.PromptHashes["propose"] == "" || len(res.Tasks) != 1 || len(res.TaskHashes["ws"]) != 24 {
		t.Errorf("results file lacks what produced it: %+v", res)
	}
	if _, ok := res.Roles["solver"]; ok {
		t.Errorf("the solver answered for no method but is recorded: %+v", res.Roles)
	}
	for _, want := range []string{"### ws", "| latm | 75.0% | 3/4 | 0 | 9 |", "propose 2, verify 1 tries", "maker maker-test @ " + srv.URL} {
		if !strings.Contains(stdout, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, stdout)
		}
	}

	// Every call is in the ledger.
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	byRole, err := s.CostReport(context.Background(), "role")
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ledgerCalls int
	var ledgerCost float64
	for _, r := range byRole {
		ledgerCalls += r.Calls
		ledgerCost += r.Cost
	}
	if ledgerCalls != 9 || !near(ledgerCost, wantCost) {
		t.Errorf("ledger has %d calls costing %v, want 9 costing %v", ledgerCalls, ledgerCost, wantCost)
	}

	// Resume: everything is in the checkpoint, so no call is made and the
	// figures are the same.
	before := len(srv.Requests())
	code, stdout, errs = runEvalCmd(t, db, "--task-file", task, "--methods", "latm", "--checkpoint", ckpt, "--json", "--out", filepath.Join(t.TempDir(), "again.json"))
	if code != ExitOK {
		t.Fatalf("resume: exit %d\n%s", code, errs)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("resume made %d model calls, want 0", n)
	}
	var again eval.Results
	if err := json.Unmarshal([]byte(stdout), &again); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout)
	}
	r2 := rowOf(t, &again, "ws", "latm")
	if r2.Correct != 3 || r2.Calls != 9 || !near(r2.Cost, wantCost) || r2.ProposeTries != 2 {
		t.Errorf("resumed row %+v differs from the first run's", r2)
	}
}

// bbhWordSorting returns the first n test instances of the bundled task.
func bbhWordSorting(t *testing.T, n int) []bbh.Example {
	t.Helper()
	s, err := bbh.LoadSplit("word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	return s.Test[:n]
}

// directAndCoT answers the solver's direct prompts and the user's CoT
// prompts for the given instances: right unless wrong[model][i]; fail[i]
// makes the solver's first request for instance i a server error.
type directAndCoT struct {
	t     *testing.T
	test  []bbh.Example
	wrong map[string]map[int]bool

	mu   sync.Mutex
	fail map[int]bool
}

func (d *directAndCoT) reply(r fakeopenai.Request) fakeopenai.Reply {
	last := r.Last()
	for i, e := range d.test {
		direct := r.Template == "direct"
		if (!direct && r.Template != "cot") || !strings.Contains(last, e.Question) {
			continue
		}
		d.mu.Lock()
		failNow := d.fail[i]
		delete(d.fail, i)
		d.mu.Unlock()
		if failNow {
			return fakeopenai.Reply{Status: 500}
		}
		ans := e.Answer
		if d.wrong[r.Model][i] {
			ans = "zebra " + ans
		}
		if direct {
			return fakeopenai.Reply{Content: "Let me see.\nAnswer: " + ans, PromptTokens: 300, OutTokens: 20}
		}
		return fakeopenai.Reply{Content: "Step by step, alphabetically. So the answer is " + ans + ".", PromptTokens: 800, OutTokens: 60}
	}
	d.t.Errorf("unexpected %s request: %q", r.Model, clipStr(last, 200))
	return fakeopenai.Reply{Status: 500}
}

func clipStr(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestEvalCoTAndDirect(t *testing.T) {
	db, srv := evalEnv(t)
	test := bbhWordSorting(t, 4)
	d := &directAndCoT{t: t, test: test, wrong: map[string]map[int]bool{
		"solver-test": {1: true},
		"user-test":   {0: true, 3: true},
	}}
	srv.Handle(d.reply)
	out := filepath.Join(t.TempDir(), "res.json")
	code, stdout, errs := runEvalCmd(t, db, "--tasks", "word_sorting", "--methods", "cot,direct", "--limit", "4", "--workers", "2", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	res := readEvalResults(t, out)
	cot, direct := rowOf(t, res, "word_sorting", "cot"), rowOf(t, res, "word_sorting", "direct")
	if cot.Correct != 2 || cot.N != 4 || !near(cot.Accuracy, 50) || cot.Calls != 4 {
		t.Errorf("cot %d/%d in %d calls, want 2/4 in 4", cot.Correct, cot.N, cot.Calls)
	}
	if want := 4 * (800*0.5 + 60*1.5) / 1e6; !near(cot.Cost, want) || cot.TokensIn != 3200 || cot.TokensOut != 240 {
		t.Errorf("cot cost %v tokens %d/%d, want %v 3200/240", cot.Cost, cot.TokensIn, cot.TokensOut, want)
	}
	if direct.Correct != 3 || !near(direct.Accuracy, 75) || direct.Calls != 4 {
		t.Errorf("direct %d/%d in %d calls, want 3/4 in 4", direct.Correct, direct.N, direct.Calls)
	}
	if want := 4 * (300*3.0 + 20*10.0) / 1e6; !near(direct.Cost, want) {
		t.Errorf("direct cost %v, want %v", direct.Cost, want)
	}
	if !strings.HasPrefix(cot.Measured, "user user-test @ ") || !strings.HasPrefix(direct.Measured, "solver solver-test @ ") {
		t.Errorf("measured on: cot %q, direct %q", cot.Measured, direct.Measured)
	}
	for _, want := range []string{"| cot | 50.0% | 2/4 |", "| direct | 75.0% | 3/4 |", "none is quoted from the paper"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, stdout)
		}
	}

	// --cot-role solver sends the CoT prompt to the solver's model.
	sOut := filepath.Join(t.TempDir(), "s.json")
	code, _, errs = runEvalCmd(t, db, "--tasks", "word_sorting", "--methods", "cot", "--limit", "1", "--cot-role", "solver", "--out", sOut)
	if code != ExitOK {
		t.Fatalf("cot with the solver role: exit %d\n%s", code, errs)
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Model != "solver-test" || last.Template != "cot" {
		t.Errorf("--cot-role solver asked %s: %q", last.Model, clipStr(last.Last(), 100))
	}
	s := readEvalResults(t, sOut)
	if row := rowOf(t, s, "word_sorting", "cot"); row.Correct != 1 || !strings.HasPrefix(row.Measured, "solver solver-test @ ") || s.CoTRole != "solver" {
		t.Errorf("cot by the solver: %+v (cot role %q)", row, s.CoTRole)
	}
	if _, ok := s.Roles["user"]; ok {
		t.Errorf("the user answered for no method but is recorded: %+v", s.Roles)
	}
}

// TestEvalResumesAfterEndpointFailure: an instance whose call failed is
// scored wrong, the exit status says the run is partial, and a re-run with
// the checkpoint asks only that instance again.
func TestEvalResumesAfterEndpointFailure(t *testing.T) {
	db, srv := evalEnv(t)
	test := bbhWordSorting(t, 4)
	d := &directAndCoT{t: t, test: test, fail: map[int]bool{2: true}, wrong: map[string]map[int]bool{"solver-test": {0: true}}}
	srv.Handle(d.reply)
	dir := t.TempDir()
	a, b, ckpt := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), filepath.Join(dir, "ck.jsonl")
	code, _, errs := runEvalCmd(t, db, "--tasks", "word_sorting", "--methods", "direct", "--limit", "4", "--checkpoint", ckpt, "--out", a)
	if code != ExitPartial || !strings.Contains(errs, "1 instances could not be answered") || !strings.Contains(errs, "--checkpoint "+ckpt) {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	first := rowOf(t, readEvalResults(t, a), "word_sorting", "direct")
	if first.Correct != 2 || first.Errors != 1 || first.Unfinished != 1 || first.FirstError == "" {
		t.Errorf("first run %+v, want 2 correct, 1 unfinished error", first)
	}
	before := len(srv.Requests())
	code, _, errs = runEvalCmd(t, db, "--tasks", "word_sorting", "--methods", "direct", "--limit", "4", "--checkpoint", ckpt, "--out", b)
	if code != ExitOK {
		t.Fatalf("resume: exit %d, %s", code, errs)
	}
	reqs := srv.Requests()[before:]
	if len(reqs) != 1 || !strings.Contains(reqs[0].Last(), "Question: "+test[2].Question) {
		t.Fatalf("resume made %d calls, want exactly 1 for instance 2", len(reqs))
	}
	second := rowOf(t, readEvalResults(t, b), "word_sorting", "direct")
	if second.Correct != 3 || second.Errors != 0 || second.Calls != 4 {
		t.Errorf("resumed run %+v, want 3/4 correct from 4 calls in all", second)
	}

	// compare shows both runs side by side with the delta.
	var out, errb bytes.Buffer
	code = Main(context.Background(), []string{"--db", db, "eval", "compare", a, b}, strings.NewReader(""), &out, &errb, os.Getenv)
	if code != ExitOK {
		t.Fatalf("compare: exit %d, %s", code, errb.String())
	}
	want := fmt.Sprintf("| word_sorting | direct | 50.0%% | 75.0%% | +25.0 | %s | %s | 4 | 4 |",
		moneyStr(first.Cost), moneyStr(second.Cost))
	for _, w := range []string{"A: " + a, "B: " + b, "Same models, endpoints, prompts and version.", want} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("compare lacks %q:\n%s", w, out.String())
		}
	}
}

func moneyStr(x float64) string {
	if x < 0.01 && x > 0 {
		return fmt.Sprintf("$%.5f", x)
	}
	return fmt.Sprintf("$%.2f", x)
}

func TestEvalBadInput(t *testing.T) {
	db, _ := evalEnv(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"question": "q", "answer": "a"}`+"\n"+`{"question": 3}`+"\n"), 0o644)
	notResults := filepath.Join(dir, "x.json")
	os.WriteFile(notResults, []byte("[1, 2"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--methods", "latm,magic"}, ExitUsage, []string{`--methods "magic"`, "latm, cot or direct"}},
		{[]string{"--tasks", "no_such_task"}, ExitUsage, []string{"no_such_task", "word_sorting"}},
		{[]string{"--task-file", bad}, ExitUsage, []string{"bad.jsonl:2"}},
		{[]string{"--task-file", filepath.Join(dir, "missing.jsonl")}, ExitUsage, []string{"missing.jsonl"}},
		{[]string{"--tasks", "word_sorting", "--cot-role", "maker"}, ExitUsage, []string{`--cot-role "maker"`, "user or solver"}},
		{[]string{"--tasks", "word_sorting", "--limit", "-1"}, ExitUsage, []string{"--limit -1"}},
		{[]string{"compare", notResults, notResults}, ExitUsage, []string{"x.json", "latm eval --out"}},
		{[]string{"compare", notResults}, ExitUsage, []string{"accepts 2 arg"}},
	} {
		code, _, errs := runEvalCmd(t, db, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errs)
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr %q lacks %q", tc.args, errs, w)
			}
		}
	}
}

// TestEvalMakingFailsScoresAllWrong: a tool that never loads ends making
// after its tries; every instance is scored wrong, no user call is made,
// and the row says why.
func TestEvalMakingFailsScoresAllWrong(t *testing.T) {
	db, srv := evalEnv(t)
	task := writeWSTask(t)
	ms := &makerScript{replies: map[string][]string{"propose": {wsFence(yieldTool)}, "fix": {wsFence(yieldTool)}}}
	makerReply := ms.reply(t)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Model != "maker-test" {
			t.Errorf("unexpected %s request after making failed", r.Model)
			return fakeopenai.Reply{Status: 500}
		}
		rep := makerReply(r)
		rep.PromptTokens, rep.OutTokens = 1000, 100
		return rep
	})
	out := filepath.Join(t.TempDir(), "res.json")
	code, stdout, errs := runEvalCmd(t, db, "--task-file", task, "--methods", "latm", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	row := rowOf(t, readEvalResults(t, out), "ws", "latm")
	if row.MakeOK || row.Correct != 0 || row.Errors != 4 || row.Unfinished != 0 || row.ProposeTries != 3 || row.Calls != 3 {
		t.Errorf("row %+v: want making failed after 3 propose tries (3 calls), 0/4, 4 errors", row)
	}
	if want := 3 * (1000*2.0 + 100*8.0) / 1e6; !near(row.Cost, want) {
		t.Errorf("cost %v, want %v", row.Cost, want)
	}
	if !strings.Contains(stdout, "| latm | 0.0% | 0/4 | 4 |") || !strings.Contains(stdout, "failed after 3+0 tries") {
		t.Errorf("Markdown:\n%s", stdout)
	}
}

// latmHandler answers the maker with a tool that passes (each reply after
// makerDelay) and the user with right calls for every wsTest instance.
func latmHandler(t *testing.T, makerDelay time.Duration) func(fakeopenai.Request) fakeopenai.Reply {
	ms := &makerScript{replies: map[string][]string{
		"propose": {wsFence(goodTool)},
		"verify":  {wsTests("")},
		"package": {wsPackage()},
	}}
	makerReply := ms.reply(t)
	return func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Model == "maker-test" {
			rep := makerReply(r)
			rep.Delay = makerDelay
			return rep
		}
		for _, e := range wsTest {
			if r.Template == user.UseTemplate && strings.Contains(r.Last(), wsQuestion(e.list)) {
				return fakeopenai.Reply{Content: fence(fmt.Sprintf("words = %q.split()\nans = \" \".join(sort_words(words))", e.list))}
			}
		}
		t.Errorf("unexpected %s request: %q", r.Model, r.Last())
		return fakeopenai.Reply{Status: 500}
	}
}

// TestEvalWallTimeCountsMakingOnce: the latm row's wall time is the making
// plus the solving, not the making twice.
func TestEvalWallTimeCountsMakingOnce(t *testing.T) {
	db, srv := evalEnv(t)
	task := writeWSTask(t)
	const delay = 200 * time.Millisecond // per maker call; making takes 3
	srv.Handle(latmHandler(t, delay))
	out := filepath.Join(t.TempDir(), "res.json")
	start := time.Now()
	code, stdout, errs := runEvalCmd(t, db, "--task-file", task, "--methods", "latm", "--out", out)
	elapsed := time.Since(start).Milliseconds()
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	row := rowOf(t, readEvalResults(t, out), "ws", "latm")
	if !row.MakeOK || row.Correct != 4 {
		t.Fatalf("row %+v", row)
	}
	// The row's wall time can be no more than the command took: counting
	// the making twice would put it past that, however slow the machine.
	making := 3 * delay.Milliseconds()
	if row.WallMS < making || row.WallMS > elapsed {
		t.Errorf("wall %d ms for a making of %d ms, in a command that took %d ms; making counted twice?", row.WallMS, making, elapsed)
	}
}

// TestEvalMakerEndpointFailureIsRetried: a making that stopped because the
// maker's endpoint failed is not the model's failure: the run exits
// partial, and a re-run with the checkpoint makes the tool again.
func TestEvalMakerEndpointFailureIsRetried(t *testing.T) {
	db, srv := evalEnv(t)
	task := writeWSTask(t)
	var mu sync.Mutex
	down := true
	good := latmHandler(t, 0)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		mu.Lock()
		defer mu.Unlock()
		if down && r.Model == "maker-test" {
			return fakeopenai.Reply{Status: 503}
		}
		return good(r)
	})
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ck.jsonl")
	code, _, errs := runEvalCmd(t, db, "--task-file", task, "--methods", "latm", "--checkpoint", ckpt, "--out", filepath.Join(dir, "a.json"))
	if code != ExitPartial || !strings.Contains(errs, "4 instances could not be answered") {
		t.Fatalf("maker endpoint down: exit %d, stderr %s", code, errs)
	}
	first := rowOf(t, readEvalResults(t, filepath.Join(dir, "a.json")), "ws", "latm")
	if first.MakeOK || first.Errors != 4 || first.Unfinished != 4 || first.FirstError == "" {
		t.Errorf("first run %+v: want 4 unfinished errors", first)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	code, _, errs = runEvalCmd(t, db, "--task-file", task, "--methods", "latm", "--checkpoint", ckpt, "--out", filepath.Join(dir, "b.json"))
	if code != ExitOK {
		t.Fatalf("re-run: exit %d, %s", code, errs)
	}
	second := rowOf(t, readEvalResults(t, filepath.Join(dir, "b.json")), "ws", "latm")
	if !second.MakeOK || second.Correct != 4 || second.Unfinished != 0 {
		t.Errorf("re-run %+v: want the tool made and 4/4", second)
	}
}

// TestEvalQuietWhenStderrIsNotATerminal: with stderr a pipe or file, no
// progress bar or control characters are written, only the results line.
func TestEvalQuietWhenStderrIsNotATerminal(t *testing.T) {
	db, srv := evalEnv(t)
	test := bbhWordSorting(t, 3)
	srv.Handle((&directAndCoT{t: t, test: test}).reply)
	out := filepath.Join(t.TempDir(), "res.json")
	code, _, errs := runEvalCmd(t, db, "--tasks", "word_sorting", "--methods", "direct,cot", "--limit", "3", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "results written to " + out + "\n"; errs != want {
		t.Errorf("stderr %q, want only %q", errs, want)
	}
}
