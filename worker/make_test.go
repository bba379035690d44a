package worker

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/tool"
)

// solvedAll fails the test unless every item's last line is solved with
// its sorted words.
func solvedAll(t *testing.T, its []dispatch.StreamItem, last map[string]dispatch.Result) {
	t.Helper()
	for _, it := range its {
		r := last[it.ID]
		want := sortedWords(strings.TrimPrefix(it.Question, sortQuestion()))
		if r.Status != dispatch.StatusSolved || r.Answer != want {
			t.Errorf("%s: last line %+v, want solved %q", it.ID, r, want)
		}
	}
}

func TestStreamImportsTheToolAWorkerMadeIntoTheSubmittersLibrary(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, counts := makingServer(t, nil)
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	runWorker(t, &Worker{Queue: connect(t, ctx, s.ClientURL(), Options{}), Engine: makingEngine(t, srv.URL), Name: "w", Slots: 1})
	st := openStore(t)
	var mu sync.Mutex
	var reported []string
	imp := ToolImport{Store: st, Report: func(tl *tool.Tool, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("import %s: %v", tl.Name, err)
		}
		reported = append(reported, tl.Ref())
	}}
	its := streamInput(6, streamLists[:7]...)
	stream := func(st RunStore, imp ToolImport) (map[string]dispatch.Result, dispatch.StreamSummary) {
		t.Helper()
		last := map[string]dispatch.Result{}
		sum, err := q.SubmitStream(ctx, st, StreamOptions{Batch: "imp", Import: imp}, feed(its), func(r dispatch.Result) error {
			last[r.ID] = r
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return last, sum
	}
	last, sum := stream(st, imp)
	solvedAll(t, its, last)
	if sum.ToolsMade != 1 || counts.get("propose") != 1 {
		t.Fatalf("summary %+v, %d propose calls; want the one tool made", sum, counts.get("propose"))
	}
	made, _, _ := tool.ParseRef(last["s1"].Tool)
	tools, err := st.Tools(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools) != 1 || tools[0].Name != made || tools[0].Version != 1 || tools[0].Source == "" || len(tools[0].Examples) == 0 {
		t.Fatalf("the submitter's library holds %+v, want %s@1 as the worker made it", tools, made)
	}
	if len(reported) != 1 || reported[0] != made+"@1" {
		t.Errorf("reported imports %v", reported)
	}

	// A rerun imports nothing more: the same content is the same version.
	stream(st, imp)
	if tools, _ := st.Tools(ctx, true); len(tools) != 1 {
		t.Errorf("after a rerun the library holds %d tools, want 1", len(tools))
	}
	// A file that did not import it (its first run stopped first) imports
	// it on a rerun: its results name it, though it was published before.
	other := openStore(t)
	stream(other, ToolImport{Store: other})
	if tools, err := other.Tools(ctx, false); err != nil || len(tools) != 1 || tools[0].Name != made {
		t.Errorf("rerun on another file: library %+v (%v), want %s", tools, err, made)
	}
}

func TestALabelCompletingASharedGroupHasAWorkerMakeItsTool(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, counts := makingServer(t, nil)
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	type request struct {
		group  int64
		solved bool
	}
	made := make(chan request, 4)
	runWorker(t, &Worker{Queue: connect(t, ctx, s.ClientURL(), Options{}), Engine: makingEngine(t, srv.URL), Name: "w", Slots: 1,
		Done: func(tk Task, solved bool) {
			if tk.Make > 0 {
				made <- request{tk.Make, solved}
			}
		}})
	// Four of the six instances carry a label: the group waits.
	its := streamInput(4, streamLists[:6]...)
	st := openStore(t)
	_, last, sum, err := streamAll(ctx, q, st, "lab", its)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Pending != len(its) || counts.get("propose") != 0 {
		t.Fatalf("summary %+v, %d propose calls; want every instance pending and no tool", sum, counts.get("propose"))
	}
	pool, err := q.PendingPool(ctx)
	if err != nil || len(pool) != len(its) {
		t.Fatalf("shared pool %v (%v), want the %d instances", pool, err, len(its))
	}
	group := pool[0].Group
	// The fifth label leaves it one short; the sixth completes it.
	for i, it := range its[4:] {
		id := "lab:" + it.ID
		g, n, err := q.LabelPending(ctx, id, sortedWords(strings.TrimPrefix(it.Question, sortQuestion())))
		if err != nil || g != group || n != 5+i {
			t.Fatalf("label %s: group %d, %d labelled (%v); want group %d, %d", id, g, n, err, group, 5+i)
		}
	}
	if pool, _ := q.PendingPool(ctx); pool[5].Label == "" || pool[5].LabelSource != "human" {
		t.Errorf("pool entry %+v, want the person's label", pool[5])
	}
	if _, _, err := q.LabelPending(ctx, "lab:nope", "x"); err == nil {
		t.Errorf("labelling an instance not in the pool: no error")
	}
	if err := q.RequestMake(ctx, "lab", group, 6); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-made:
		if r.group != group || !r.solved {
			t.Errorf("request served %+v, want group %d made and solved", r, group)
		}
	case <-ctx.Done():
		t.Fatal("no worker took the request to make the group's tool")
	}
	if counts.get("propose") != 1 {
		t.Errorf("%d propose calls, want the tool made once", counts.get("propose"))
	}
	if left, err := q.Pending.Keys(ctx); err == nil && len(left) > 0 {
		t.Errorf("the shared pool still holds %v", left)
	}
	// The stream's rerun reads every instance solved, with no model call.
	calls := len(srv.Requests())
	_, last, sum, err = streamAll(ctx, q, st, "lab", its)
	if err != nil {
		t.Fatal(err)
	}
	solvedAll(t, its, last)
	if sum.Solved != len(its) || len(srv.Requests()) != calls {
		t.Errorf("rerun: summary %+v, %d model calls; want all solved and none", sum, len(srv.Requests())-calls)
	}
	// A second request for the made group changes nothing.
	if err := q.RequestMake(ctx, "lab", group, 6); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-made:
		if r.solved || counts.get("propose") != 1 {
			t.Errorf("a second request: %+v, %d propose calls; want nothing solved or made", r, counts.get("propose"))
		}
	case <-ctx.Done():
		t.Fatal("no worker took the second request")
	}
}

func TestAMakerKilledMidGroupLeavesItsInstancesToTheNextWorker(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a worker process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The maker process solves the group's first instance with the new
	// tool; its call for the second hangs until the process is killed.
	c := &makerCounts{n: map[string]int{}}
	h := makingHandler(t, c, nil)
	srv := fakeopenai.New(t)
	second := make(chan struct{})
	var mu sync.Mutex
	uses := 0
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		rep := h(r)
		if r.Template == "use" {
			mu.Lock()
			uses++
			if uses == 2 {
				close(second)
				rep.Delay = time.Minute
			}
			mu.Unlock()
		}
		return rep
	})
	s := startNode(t)
	o := Options{AckWait: 2 * time.Second}
	q := connect(t, ctx, s.ClientURL(), o)

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=maker", "LATM_TEST_NATS="+s.ClientURL(), "LATM_TEST_MODEL="+srv.URL,
		"LATM_TEST_DB="+filepath.Join(t.TempDir(), "maker.db"), "LATM_TEST_ACKWAIT="+o.AckWait.String(), "LATM_TEST_SLOTS=1", "LATM_TEST_MAKING=1")
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()

	its := streamInput(6, streamLists[:6]...)
	type outcome struct {
		last map[string]dispatch.Result
		err  error
	}
	done := make(chan outcome, 1)
	go func() {
		_, last, _, err := streamAll(ctx, q, openStore(t), "killmaker", its)
		done <- outcome{last, err}
	}()
	select {
	case <-second:
	case <-ctx.Done():
		t.Fatal("the maker process never solved a second instance with its tool")
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL: no cleanup, no release
		t.Fatal(err)
	}
	_ = child.Wait()
	if left, err := q.Pending.Keys(ctx); err != nil || len(left) != len(its) {
		t.Errorf("after the maker died the pool holds %v (%v), want all %d instances (none had its result stored)", left, err, len(its))
	}

	runWorker(t, &Worker{Queue: connect(t, ctx, s.ClientURL(), o), Engine: makingEngine(t, srv.URL), Name: "survivor", Slots: 1})
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	solvedAll(t, its, res.last)
	if n := c.get("propose"); n != 1 {
		t.Errorf("%d propose calls, want the tool made once (the survivor uses the dead maker's)", n)
	}
	if left, err := q.Pending.Keys(ctx); err == nil && len(left) > 0 {
		t.Errorf("the shared pool still holds %v", left)
	}
}

// The make request's wire form is checked like an instance's.
func TestDecodeMakeRequest(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, err string
	}{
		{`{"batch":"b","id":"make.3.6","make":3}`, ""},
		{`{"batch":"b","id":"x","make":-1}`, "numbered from 1"},
		{`{"id":"x","make":2}`, "give a batch"},
		{`{"batch":"b","id":"x","make":2,"question":"q"}`, "no instance"},
	} {
		_, err := decodeTask([]byte(c.in))
		if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("decodeTask(%s) = %v, want %q", c.in, err, c.err)
		}
	}
}
