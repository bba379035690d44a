package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/worker"
)

// syncBuffer is a buffer two goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSolveOverNATSWithAWorkerResumes(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Template != "use" {
			return fakeopenai.Reply{Status: 500}
		}
		for _, w := range [][]string{{"b", "a"}, {"d", "c"}, {"f", "e"}} {
			if strings.Contains(r.Last(), "Question: "+sortQuestion(w...)) {
				return fakeopenai.Reply{Content: fence(sortCall(w...))}
			}
		}
		return fakeopenai.Reply{Status: 400}
	})
	url := startNATS(t)

	// The worker has a database of its own, with no tools: the tool
	// reaches it as a package through the queue.
	ctx, stop := context.WithCancel(context.Background())
	var werr syncBuffer
	wdone := make(chan int, 1)
	go func() {
		wdb := filepath.Join(t.TempDir(), "worker.db")
		wdone <- Main(ctx, []string{"--db", wdb, "--no-cache", "worker", "--nats", url, "--slots", "2"}, strings.NewReader(""), &werr, &werr, os.Getenv)
	}()
	defer func() {
		stop()
		select {
		case code := <-wdone:
			if code != ExitInterrupted {
				t.Errorf("worker exit %d, want %d (stopped on interrupt): %s", code, ExitInterrupted, werr.String())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("the worker did not stop on cancel")
		}
	}()

	in := writeLines(t, "in.jsonl", sortLine("q0", "b", "a"), sortLine("q1", "d", "c"))
	code, out, errs := runSolve(t, db, "--tool", "sort", "--input", in, "--nats", url)
	if code != ExitOK {
		t.Fatalf("exit %d, %s", code, errs)
	}
	if rs := readResults(t, out); len(rs) != 2 || rs[0].Answer != "a b" || rs[1].Answer != "c d" || !rs[1].OK {
		t.Fatalf("results %+v", rs)
	}
	writeLines(t, in, sortLine("q0", "b", "a"), sortLine("q1", "d", "c"), sortLine("q2", "f", "e"))
	code, out, errs = runSolve(t, db, "--tool", "sort", "--input", in, "--nats", url)
	if code != ExitOK {
		t.Fatalf("rerun: exit %d, %s", code, errs)
	}
	rs := readResults(t, out)
	if len(rs) != 3 || rs[2].ID != "q2" || rs[2].Answer != "e f" || !strings.Contains(errs, "2 from an earlier run") {
		t.Errorf("rerun results %+v, stderr %q; want q2 solved and two resumed", rs, errs)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d model calls, want 3 (one per instance, none again on the rerun)", n)
	}
	abs, _ := filepath.Abs(in)
	batch, _ := defaultBatchID(abs, "sort@1")
	if runs := storedRuns(t, db, batch); len(runs) != 3 || runs["q2"].Answer != "e f" {
		t.Errorf("local runs %v, want the three collected", runs)
	}
}

// startWorkerCmd runs latm worker against url with a database of its own
// until the test ends.
func startWorkerCmd(t *testing.T, url string, args ...string) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var werr syncBuffer
	wdone := make(chan int, 1)
	wdb := filepath.Join(t.TempDir(), "worker.db")
	go func() {
		wdone <- Main(ctx, append([]string{"--db", wdb, "--no-cache", "worker", "--nats", url}, args...), strings.NewReader(""), &werr, &werr, os.Getenv)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case code := <-wdone:
			if code != ExitInterrupted {
				t.Errorf("worker exit %d, want %d (stopped on interrupt): %s", code, ExitInterrupted, werr.String())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("the worker did not stop on cancel")
		}
	})
}

func TestStreamOverNATSMakesTheToolInAWorkerAndResumes(t *testing.T) {
	db, srv := streamEnv(t)
	t.Setenv("LATM_DISPATCH_UNKNOWN", "none")
	url := startNATS(t)
	// One slot: the instances are routed in input order.
	startWorkerCmd(t, url, "--slots", "1")
	in := wsInput(t)
	outFile := filepath.Join(t.TempDir(), "out.jsonl")
	code, out, errOut := runStreamCmd(t, db, "--input", in, "--batch", "b1", "--nats", url, "--output", outFile)
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d for the bad line; stderr %s", code, ExitPartial, errOut)
	}
	if want := "stream: 7 instances: 7 solved, 0 pending, 0 failed (1 bad line)"; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks the summary %q:\n%s", want, errOut)
	}
	if out != "" {
		t.Errorf("standard output %q, want the results in the file only", out)
	}
	text, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(text), "\n"); n != 7 {
		t.Errorf("output file has %d lines, want one per instance:\n%s", n, text)
	}
	got := streamResults(t, string(text))
	for i, e := range wordSorting {
		r := got[fmt.Sprintf("w%d", i)]
		if r.Status != dispatch.StatusSolved || r.Answer != e.answer || !strings.HasPrefix(r.Tool, "sort_") {
			t.Errorf("w%d: %+v, want solved %q with the tool the worker made", i, r, e.answer)
		}
	}
	if late := got["late"]; late.Status != dispatch.StatusSolved || late.Answer != "banana cherry kiwi" {
		t.Errorf("late: %+v, want solved with the new tool", late)
	}
	if runs := storedRuns(t, db, "b1"); len(runs) != 7 || runs["late"].Answer != "banana cherry kiwi" {
		t.Errorf("local runs %v, want the seven collected", runs)
	}
	// The tool the worker made is in this machine's library now.
	made, _, _ := strings.Cut(got["w0"].Tool, "@")
	if !strings.Contains(errOut, "stream: imported "+made+"@1, made by a worker") {
		t.Errorf("stderr does not report the import of %s:\n%s", made, errOut)
	}
	if code, out, errs := runLatm(t, db, "tools", "list"); code != ExitOK || !strings.Contains(out, made) {
		t.Errorf("latm tools list: exit %d, %q lacks %s (%s)", code, out, made, errs)
	}

	// The rerun reads every result back, with no model call.
	calls := len(srv.Requests())
	code, _, errOut = runStreamCmd(t, db, "--input", in, "--batch", "b1", "--nats", url, "--output", outFile)
	if code != ExitPartial || !strings.Contains(errOut, "7 solved") {
		t.Fatalf("rerun: exit %d, stderr %s", code, errOut)
	}
	if n := len(srv.Requests()); n != calls {
		t.Errorf("rerun made %d model calls, want none", n-calls)
	}
	text2, _ := os.ReadFile(outFile)
	if got2 := streamResults(t, string(text2)); len(got2) != 7 || got2["late"].Answer != "banana cherry kiwi" {
		t.Errorf("rerun output %s", text2)
	}

	// The submitter's file counts every model call the worker made for
	// the batch (the maker's and the user model's), once, though the
	// rerun collected the batch again; a file that submitted nothing gets
	// the same from latm nats collect, twice run.
	cost := func(db string) costReport {
		t.Helper()
		code, out, errs := runLatm(t, db, "cost", "--json")
		var rep costReport
		if code != ExitOK || json.Unmarshal([]byte(out), &rep) != nil {
			t.Fatalf("latm cost: exit %d %s %s", code, out, errs)
		}
		return rep
	}
	sub := cost(db)
	if sub.Total.Calls != calls || sub.Total.Calls == 0 {
		t.Errorf("submitter's ledger has %d calls, the model served %d", sub.Total.Calls, calls)
	}
	other := filepath.Join(t.TempDir(), "other.db")
	for range 2 {
		if code, _, errs := runLatm(t, other, "nats", "collect", "--nats", url, "--once"); code != ExitOK {
			t.Fatalf("latm nats collect: exit %d: %s", code, errs)
		}
	}
	if got := cost(other); got.Total.Calls != calls || got.Total.Cost != sub.Total.Cost {
		t.Errorf("collected ledger %+v, want the submitter's %+v", got.Total, sub.Total)
	}
	if code, out, _ := runLatm(t, other, "runs", "--batch", "b1", "--json"); code != ExitOK || strings.Count(out, "banana cherry kiwi") != 1 {
		t.Errorf("latm runs on the collected file: exit %d\n%s", code, out)
	}
}

func TestWorkerAndNATSUsageErrors(t *testing.T) {
	db, _ := solveEnv(t, sortTool("sort"))
	for _, args := range [][]string{
		{"worker"},
		{"nats", "--listen", "nowhere"},
		{"solve", "--tool", "sort", "--nats", "nats://127.0.0.1:1", "a question"},
	} {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"--db", db}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
		if code != ExitUsage {
			t.Errorf("%v: exit %d (%s), want a usage error", args, code, errb.String())
		}
	}
}

func TestNATSRunsAnEmbeddedJetStreamUntilInterrupted(t *testing.T) {
	db, _ := solveEnv(t)
	store := filepath.Join(t.TempDir(), "js")
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"--db", db, "nats", "--listen", "127.0.0.1:0", "--store", store}, strings.NewReader(""), io.Discard, pw, os.Getenv)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	url, _, _ := strings.Cut(strings.TrimPrefix(line, "nats: JetStream at "), ",")
	q, err := worker.Connect(ctx, url, worker.Options{})
	if err != nil {
		t.Fatalf("connect to %q (from %q): %v", url, line, err)
	}
	q.NC.Close()
	if _, err := os.Stat(filepath.Join(store, "jetstream")); err != nil {
		t.Errorf("no JetStream store under --store: %v", err)
	}
	stop()
	if code := <-done; code != ExitInterrupted {
		t.Errorf("exit %d, want %d on interrupt", code, ExitInterrupted)
	}
}

func TestServeBatchesOverNATS(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		for _, w := range [][]string{{"b", "a"}, {"d", "c"}} {
			if r.Template == "use" && strings.Contains(r.Last(), "Question: "+sortQuestion(w...)) {
				return fakeopenai.Reply{Content: fence(sortCall(w...))}
			}
		}
		return fakeopenai.Reply{Status: 400}
	})
	natsURL := startNATS(t)
	t.Setenv("LATM_DISPATCH_UNKNOWN", "none") // an unknown question is pooled with no answer
	startWorkerCmd(t, natsURL, "--slots", "2")
	t.Setenv("LATM_NATS_URL", natsURL)
	code, secret, errs := runLatm(t, db, "token", "create", "acme")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errs)
	}
	url, exit := startServe(t, db)

	body := sortLine("q0", "b", "a") + "\n" + sortLine("q1", "d", "c") + "\n"
	resp, err := http.Post(url+"/v1/batches?tool=sort", "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc == "" {
		t.Fatalf("post batch: %d, location %q", resp.StatusCode, loc)
	}
	resp, err = http.Get(url + loc + "/results")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("result line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 || lines[0]["answer"] != "a b" || lines[1]["answer"] != "c d" || lines[1]["status"] != "solved" {
		t.Errorf("batch results %s", text)
	}
	if runs := storedRuns(t, db, strings.TrimPrefix(loc, "/v1/batches/")); len(runs) != 2 || runs["q1"].Answer != "c d" {
		t.Errorf("the server's file has runs %v, want the two the worker solved", runs)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d model calls, want 2", n)
	}

	// A tenant's batch that names no tool goes to the workers as the
	// tenant's: its unknown question is pooled as acme's.
	req, err := http.NewRequest("POST", url+"/v1/batches", strings.NewReader(`{"id": "u1", "question": "What is six times seven?"}`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(secret))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("acme's batch: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", url+resp.Header.Get("Location")+"/results", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(secret))
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	text, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(text), `"status":"pending"`) {
		t.Errorf("acme's batch results %s, want its question pending", text)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q, err := worker.Connect(ctx, natsURL, worker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.NC.Close()
	pool, err := q.PendingPool(ctx)
	if err != nil || len(pool) != 1 || pool[0].Tenant != "acme" {
		t.Fatalf("the shared pool %+v (%v), want acme's question", pool, err)
	}
	// acme sees it in the server's pending view, and labels it there.
	req, _ = http.NewRequest("GET", url+"/v1/pending", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(secret))
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	text, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(text), `"question":"What is six times seven?"`) || !strings.Contains(string(text), `"pool":"workers"`) {
		t.Errorf("acme's pending view %s, want its queued question in the workers' pool", text)
	}
	req, _ = http.NewRequest("POST", url+"/v1/pending/"+pool[0].InstanceID+"/label", strings.NewReader(`{"answer": "42"}`))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(secret))
	req.Header.Set("Content-Type", "application/json")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("acme labels its queued question: %d", resp.StatusCode)
	}
	if pool, err := q.PendingPool(ctx); err != nil || len(pool) != 1 || pool[0].Label != "42" || pool[0].LabelSource != "human" {
		t.Errorf("the shared pool after acme's label: %+v (%v)", pool, err)
	}
	if code, out, errs := runLatm(t, db, "label", "--list", "--nats", natsURL); code != 0 || !strings.Contains(out, "group 1 of acme\t") {
		t.Errorf("label --list: %d %q %s, want acme's group", code, out, errs)
	}
	if code, out, _ := runLatm(t, db, "label", "--list", "--json", "--nats", natsURL); code != 0 || !strings.Contains(out, `"tenant": "acme"`) {
		t.Errorf("label --list --json: %d %s, want the tenant", code, out)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("serve exit %d after SIGTERM", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("latm serve did not stop after SIGTERM")
	}
}

// poolEmptied waits, on a watch of the shared pool, until it holds nothing.
func poolEmptied(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	q, err := worker.Connect(ctx, url, worker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.NC.Close()
	w, err := q.Pending.WatchAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for {
		if keys, err := q.Pending.Keys(ctx); errors.Is(err, jetstream.ErrNoKeysFound) || err == nil && len(keys) == 0 {
			return
		}
		select {
		case <-w.Updates():
		case <-ctx.Done():
			t.Fatal("the shared pool was never emptied")
		}
	}
}

func TestLabelOverNATSCompletesAGroupAWorkerMakes(t *testing.T) {
	db, srv := streamEnv(t)
	t.Setenv("LATM_DISPATCH_UNKNOWN", "none")
	url := startNATS(t)
	startWorkerCmd(t, url, "--slots", "1")
	// Four of the six instances carry their answer: the group waits.
	var lines []string
	for i, e := range wordSorting {
		m := map[string]string{"id": fmt.Sprintf("w%d", i), "question": wsQuestion(e.list)}
		if i < 4 {
			m["answer"] = e.answer
		}
		b, _ := json.Marshal(m)
		lines = append(lines, string(b))
	}
	in := writeLines(t, "in.jsonl", lines...)
	code, _, errOut := runStreamCmd(t, db, "--input", in, "--batch", "lb", "--nats", url)
	if code != ExitOK || !strings.Contains(errOut, "0 solved, 6 pending") {
		t.Fatalf("stream: exit %d, stderr %s", code, errOut)
	}
	// The local file's pool is empty; the shared one holds the six.
	if code, out, _ := runLabel(t, db, "--list"); code != ExitOK || !strings.HasPrefix(out, "no pending instances") {
		t.Errorf("local --list: %d %q", code, out)
	}
	code, out, errs := runLabel(t, db, "--list", "--json", "--nats", url)
	var pool []pendingSummary
	if code != ExitOK || json.Unmarshal([]byte(out), &pool) != nil || len(pool) != 6 {
		t.Fatalf("label --list --nats: exit %d, %q %s", code, out, errs)
	}
	if code, _, errs := runLabel(t, db, "nope", "x", "--nats", url); code != ExitUsage || !strings.Contains(errs, `no pending instance "nope"`) {
		t.Errorf("label of an unknown id: exit %d, %s", code, errs)
	}
	code, out, errs = runLabel(t, db, "w4", wordSorting[4].answer, "--nats", url)
	if code != ExitOK || !strings.Contains(out, "labelled lb:w4 (group 1: 5 of the 6 labelled instances its tool needs)") {
		t.Fatalf("label w4: exit %d, %q %s", code, out, errs)
	}
	code, out, errs = runLabel(t, db, "lb:w5", wordSorting[5].answer, "--nats", url)
	if code != ExitOK || !strings.Contains(out, "a worker makes its tool") {
		t.Fatalf("label w5: exit %d, %q %s", code, out, errs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	poolEmptied(t, ctx, url)

	// The rerun reads the six solved, with no model call, and imports the
	// tool the worker made.
	calls := len(srv.Requests())
	outFile := filepath.Join(t.TempDir(), "out.jsonl")
	code, _, errOut = runStreamCmd(t, db, "--input", in, "--batch", "lb", "--nats", url, "--output", outFile)
	if code != ExitOK || !strings.Contains(errOut, "6 solved, 0 pending") {
		t.Fatalf("rerun: exit %d, stderr %s", code, errOut)
	}
	if n := len(srv.Requests()); n != calls {
		t.Errorf("the rerun made %d model calls, want none", n-calls)
	}
	text, _ := os.ReadFile(outFile)
	got := streamResults(t, string(text))
	for i, e := range wordSorting {
		if r := got[fmt.Sprintf("w%d", i)]; r.Status != dispatch.StatusSolved || r.Answer != e.answer {
			t.Errorf("w%d: %+v, want solved %q", i, r, e.answer)
		}
	}
	made, _, _ := strings.Cut(got["w0"].Tool, "@")
	if code, out, _ := runLatm(t, db, "tools", "list"); code != ExitOK || made == "" || !strings.Contains(out, made) {
		t.Errorf("latm tools list lacks the made tool %q: %s", made, out)
	}
}

// startNATS starts an embedded NATS server with latm's assets already set
// up (as the first process on a host would leave them), so that the
// worker and the submitter a test starts together only look them up.
func startNATS(t *testing.T) string {
	t.Helper()
	ns, err := worker.StartServer(worker.ServerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	q, err := worker.Connect(t.Context(), ns.ClientURL(), worker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q.Close()
	return ns.ClientURL()
}
