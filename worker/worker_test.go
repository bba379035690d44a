package worker

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

var lists = [][]string{
	{"pear", "apple", "fig"}, {"zeta", "alpha"}, {"mu", "nu", "kappa"},
	{"oak", "elm"}, {"yew", "ash", "fir"}, {"cod", "bass"},
}

func wantAnswer(i int) string {
	w := append([]string(nil), lists[i]...)
	for a := range w {
		for b := a + 1; b < len(w); b++ {
			if w[b] < w[a] {
				w[a], w[b] = w[b], w[a]
			}
		}
	}
	return strings.Join(w, " ")
}

// useServer is a model that writes the sort call of each "use" request.
func useServer(t *testing.T) *fakeopenai.Server {
	srv := fakeopenai.New(t)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Template != "use" {
			return fakeopenai.Reply{Status: 500, Content: "unexpected template " + r.Template}
		}
		return sortReply(r)
	})
	return srv
}

func TestBatchThroughTwoWorkersAndResume(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := useServer(t)
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	acked := make(chan struct{}, 2*len(lists))
	for _, name := range []string{"w1", "w2"} {
		runWorker(t, &Worker{Queue: connect(t, ctx, s.ClientURL(), Options{}), Engine: openEngine(t, srv.URL), Name: name, Slots: 2,
			Done: func(Task, bool) { acked <- struct{}{} }})
	}
	st := openStore(t)
	its := items(lists...)
	its = append(its, user.BatchItem{Line: 7, ID: "7", Bad: "invalid JSON"})
	got, sum, err := collect(ctx, q, st, its, SubmitOptions{Batch: "b1", Tool: sortTool()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(its) {
		t.Fatalf("%d results, want %d", len(got), len(its))
	}
	for i := range lists {
		if got[i].ID != its[i].ID || !got[i].OK || got[i].Answer != wantAnswer(i) || got[i].Tool != "sort@1" {
			t.Errorf("result %d = %+v, want id %s answer %q by sort@1, in input order", i, got[i], its[i].ID, wantAnswer(i))
		}
	}
	if last := got[len(got)-1]; last.OK || !strings.Contains(last.Error, "line 7") {
		t.Errorf("bad line result = %+v, want failed naming line 7", last)
	}
	if sum.OK != len(lists) || sum.Failed != 1 || sum.Bad != 1 {
		t.Errorf("summary %+v", sum)
	}
	runs, err := st.Runs(ctx, "b1")
	if err != nil || len(runs) != len(lists) {
		t.Fatalf("local file has %d runs (%v), want %d", len(runs), err, len(lists))
	}
	if r := runs["q1"]; r.Answer != "apple fig pear" || r.ToolName != "sort" || r.ToolVersion != 1 || !strings.Contains(r.Code, "sort_words") {
		t.Errorf("recorded run %+v", r)
	}
	calls := len(srv.Requests())
	if calls != len(lists) || sum.Calls != calls || sum.Tokens == 0 {
		t.Errorf("%d model calls, summary counts %d (%d tokens); want one per instance (%d), all counted", calls, sum.Calls, sum.Tokens, len(lists))
	}
	// The workers' calls are in the submitter's ledger.
	if rows, err := st.CostReport(ctx, "role"); err != nil || len(rows) != 1 || rows[0].Key != "user" || rows[0].Calls != len(lists) {
		t.Errorf("submitter's ledger by role %+v (%v), want the %d user calls", rows, err, len(lists))
	}

	// A rerun publishes nothing: every answer comes from the local file.
	got, sum, err = collect(ctx, q, st, its, SubmitOptions{Batch: "b1", Tool: sortTool()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed != len(lists) || len(got) != len(its) || len(srv.Requests()) != calls {
		t.Errorf("rerun: %d resumed, %d results, %d model calls; want all resumed and no call", sum.Resumed, len(got), len(srv.Requests())-calls)
	}
	for range lists { // every instance acked, not only its result stored
		<-acked
	}
	if info, err := q.Stream.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Errorf("work stream holds %v messages (%v), want none left", info.State.Msgs, err)
	}
}

func TestARedeliveredInstanceGivesOneResult(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := useServer(t)
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	// The submitter publishes the tool and one instance; then the same
	// instance arrives again under another message id (a republish
	// outside the duplicate window).
	st := openStore(t)
	sub, cancelSub := context.WithCancel(ctx)
	subDone := make(chan error, 1)
	go func() {
		_, _, err := collect(sub, q, st, items(lists[0]), SubmitOptions{Batch: "b", Tool: sortTool()})
		subDone <- err
	}()
	var mu sync.Mutex
	var outcomes []bool
	done := make(chan struct{}, 2)
	w := &Worker{Queue: q, Engine: openEngine(t, srv.URL), Name: "w", Done: func(_ Task, solved bool) {
		mu.Lock()
		outcomes = append(outcomes, solved)
		mu.Unlock()
		done <- struct{}{}
	}}
	runWorker(t, w)
	<-done
	if err := <-subDone; err != nil {
		t.Fatal(err)
	}
	cancelSub()
	e, err := q.Results.Get(ctx, ResultKey("b", "q1"))
	if err != nil {
		t.Fatal(err)
	}
	var first Result
	if err := json.Unmarshal(e.Value(), &first); err != nil {
		t.Fatal(err)
	}
	dup, _ := json.Marshal(Task{Batch: "b", ID: "q1", Question: sortQuestion(lists[0]...), Tool: first.Tool, Package: firstPackage(t, ctx, q)})
	if _, err := q.JS.PublishMsg(ctx, &nats.Msg{Subject: WorkSubject, Data: dup}, jetstream.WithMsgID("another")); err != nil {
		t.Fatal(err)
	}
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(outcomes) != 2 || !outcomes[0] || outcomes[1] {
		t.Errorf("outcomes %v, want solved once then acked as solved already", outcomes)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d model calls, want 1", n)
	}
	e2, err := q.Results.Get(ctx, ResultKey("b", "q1"))
	if err != nil || e2.Revision() != e.Revision() {
		t.Errorf("result revision %d → %v (%v): the redelivery wrote again", e.Revision(), e2, err)
	}
}

// firstPackage is the key of the one package in the tools bucket.
func firstPackage(t *testing.T, ctx context.Context, q *Queue) string {
	t.Helper()
	keys, err := q.Tools.Keys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("tool bucket keys %v (%v), want one package", keys, err)
	}
	return keys[0]
}

func TestSubmitterStoppedAndRerunLosesAndDoublesNothing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The model answers the first instance at once and holds the others
	// until the first submitter has stopped.
	srv := fakeopenai.New(t)
	release := make(chan struct{})
	var calls int
	var cmu sync.Mutex
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		cmu.Lock()
		calls++
		n := calls
		cmu.Unlock()
		if n > 1 {
			<-release
		}
		return sortReply(r)
	})
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	st := openStore(t)
	its := items(lists...)

	// The first submitter stops after its first result: the workers go on
	// and store the rest while no one collects.
	first, stop := context.WithCancel(ctx)
	var emitted []user.BatchResult
	allStored := make(chan struct{})
	var n int
	var mu sync.Mutex
	runWorker(t, &Worker{Queue: q, Engine: openEngine(t, srv.URL), Name: "w", Slots: 1, Done: func(Task, bool) {
		mu.Lock()
		defer mu.Unlock()
		if n++; n == len(its) {
			close(allStored)
		}
	}})
	_, err := q.Submit(first, st, its, SubmitOptions{Batch: "b", Tool: sortTool()}, func(r user.BatchResult) error {
		emitted = append(emitted, r)
		stop()
		return nil
	})
	if err == nil || len(emitted) != 1 {
		t.Fatalf("first run: %v with %d results, want it stopped after one", err, len(emitted))
	}
	close(release)
	<-allStored

	got, sum, err := collect(ctx, q, st, its, SubmitOptions{Batch: "b", Tool: sortTool()})
	if err != nil {
		t.Fatal(err)
	}
	// What the first run recorded is resumed, the rest is read from the
	// results the workers stored meanwhile.
	// A result the first run stored after the one it emitted (the stop
	// takes effect between two results) is resumed too: it is not lost.
	if len(got) != len(its) || sum.Resumed < len(emitted) || sum.OK != len(its) {
		t.Fatalf("rerun: %d results, %d resumed, %d ok; want %d, at least the one emitted, all ok", len(got), sum.Resumed, sum.OK, len(its))
	}
	for i, r := range got {
		if r.ID != its[i].ID || r.Answer != wantAnswer(i) {
			t.Errorf("rerun result %d = %+v, want %q", i, r, wantAnswer(i))
		}
	}
	if n := len(srv.Requests()); n != len(its) {
		t.Errorf("%d model calls, want %d: an instance was solved twice", n, len(its))
	}
}

func TestWorkersHotLoadPublishedToolVersions(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	loaded := make(chan string, 4)
	e := openEngine(t, useServer(t).URL)
	runWorker(t, &Worker{Queue: q, Engine: e, Name: "w", Loaded: func(tl *tool.Tool) { loaded <- tl.Name }})
	v1 := sortTool()
	if _, err := q.PublishTool(ctx, v1); err != nil {
		t.Fatal(err)
	}
	<-loaded
	// The same content again is no new version; a changed one is.
	if _, err := q.PublishTool(ctx, v1); err != nil {
		t.Fatal(err)
	}
	v2 := sortTool()
	v2.Description = "Sort words, second version."
	if _, err := q.PublishTool(ctx, v2); err != nil {
		t.Fatal(err)
	}
	<-loaded
	tools, err := e.Tools(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	versions := map[int]string{}
	for _, tl := range tools {
		versions[tl.Version] = tl.Description
	}
	if len(tools) != 2 || versions[1] != v1.Description || versions[2] != v2.Description {
		t.Errorf("worker library %v, want sort@1 and sort@2, the second the changed version", versions)
	}
}

// A worker stopped while it starts (before it pulls anything) stops
// cleanly, as Run promises for a cancelled ctx.
func TestAWorkerStoppedWhileStartingReturnsNil(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	stopped, stop := context.WithCancel(ctx)
	stop()
	if err := (&Worker{Queue: q, Engine: openEngine(t, useServer(t).URL), Name: "w"}).Run(stopped); err != nil {
		t.Errorf("Run on a cancelled context: %v, want nil", err)
	}
}
