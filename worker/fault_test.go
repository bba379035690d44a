package worker

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/user"
)

// The fault tests run on a three-node JetStream cluster on loopback, with
// the stream and buckets replicated three times.

func TestClusterWorkerKilledMidInstanceIsRedeliveredAndSolvedOnce(t *testing.T) {
	t.Parallel() // a cluster of its own; mostly waiting on acks and elections
	if testing.Short() {
		t.Skip("starts a cluster and a worker process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, urls := startCluster(t)
	o := Options{Replicas: 3, AckWait: 2 * time.Second}
	q := connect(t, ctx, urls, o)

	// The first model call (the worker process's) hangs until the process
	// dies; later calls answer at once.
	srv := fakeopenai.New(t)
	arrived := make(chan struct{})
	var once sync.Once
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		rep := sortReply(r)
		first := false
		once.Do(func() { first = true; close(arrived) })
		if first {
			rep.Delay = time.Minute
		}
		return rep
	})

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=doomed", "LATM_TEST_NATS="+urls, "LATM_TEST_MODEL="+srv.URL,
		"LATM_TEST_DB="+filepath.Join(t.TempDir(), "child.db"), "LATM_TEST_ACKWAIT="+o.AckWait.String(), "LATM_TEST_REPLICAS=3")
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()

	st := openStore(t)
	type outcome struct {
		got []user.BatchResult
		err error
	}
	subDone := make(chan outcome, 1)
	go func() {
		got, _, err := collect(ctx, q, st, items(lists[0]), SubmitOptions{Batch: "kill", Tool: sortTool()})
		subDone <- outcome{got, err}
	}()
	select {
	case <-arrived:
	case <-ctx.Done():
		t.Fatal("the worker process never called the model")
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL: no cleanup, no nak
		t.Fatal(err)
	}
	_ = child.Wait()

	solved := make(chan bool, 4)
	runWorker(t, &Worker{Queue: connect(t, ctx, urls, o), Engine: openEngine(t, srv.URL), Name: "survivor", Done: func(_ Task, s bool) { solved <- s }})
	res := <-subDone
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.got) != 1 || !res.got[0].OK || res.got[0].Answer != wantAnswer(0) {
		t.Fatalf("results %+v, want the one instance solved", res.got)
	}
	e, err := q.Results.Get(ctx, ResultKey("kill", "q1"))
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Worker != "survivor" || r.Delivered < 2 || e.Revision() == 0 {
		t.Errorf("stored result by %q on delivery %d, want the survivor's on a redelivery", r.Worker, r.Delivered)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d model calls, want 2 (the killed one, the redelivered one)", n)
	}
	if s := <-solved; !s {
		t.Errorf("the survivor acked the instance without solving it")
	}
	// The ack is confirmed by the consumer's leader; the work-queue stream
	// drops the message when that reaches the stream's replicas, a moment
	// later: wait for it, a while.
	info, err := q.Stream.Info(ctx)
	for deadline := time.Now().Add(5 * time.Second); err == nil && info.State.Msgs != 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		info, err = q.Stream.Info(ctx)
	}
	if err != nil || info.State.Msgs != 0 || len(solved) != 0 {
		t.Errorf("work stream holds %v messages (%v), %d more acks; want none", info.State.Msgs, err, len(solved))
	}
}

func TestClusterNodeDownWorkGoesOn(t *testing.T) {
	t.Parallel() // a cluster of its own; mostly waiting on acks and elections
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nodes, urls := startCluster(t)
	o := Options{Replicas: 3, AckWait: 5 * time.Second}
	q := connect(t, ctx, urls, o)

	// The model holds every call until the stream's leader is down.
	srv := fakeopenai.New(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		once.Do(func() { close(arrived) })
		<-release
		return sortReply(r)
	})
	runWorker(t, &Worker{Queue: connect(t, ctx, urls, o), Engine: openEngine(t, srv.URL), Name: "w", Slots: 2, Retry: 200 * time.Millisecond})

	st := openStore(t)
	its := items(lists...)
	type outcome struct {
		got []user.BatchResult
		err error
	}
	subDone := make(chan outcome, 1)
	go func() {
		got, _, err := collect(ctx, q, st, its, SubmitOptions{Batch: "down", Tool: sortTool()})
		subDone <- outcome{got, err}
	}()
	select {
	case <-arrived:
	case <-ctx.Done():
		t.Fatal("no model call")
	}
	info, err := q.Stream.Info(ctx)
	if err != nil || info.Cluster == nil {
		t.Fatalf("stream info %v (%v)", info, err)
	}
	down := false
	for _, s := range nodes {
		if s.Name() == info.Cluster.Leader {
			s.Shutdown()
			down = true
		}
	}
	if !down {
		t.Fatalf("no node is the stream's leader %q", info.Cluster.Leader)
	}
	close(release)
	res := <-subDone
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.got) != len(its) {
		t.Fatalf("%d results, want %d", len(res.got), len(its))
	}
	for i, r := range res.got {
		if !r.OK || r.Answer != wantAnswer(i) {
			t.Errorf("result %d = %+v, want %q", i, r, wantAnswer(i))
		}
	}
}

func TestSubmitterKilledAndRestartedLosesAndDoublesNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a submitter process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The model answers the first instance at once and holds the others
	// until the submitter process is dead.
	srv := fakeopenai.New(t)
	release := make(chan struct{})
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if !strings.HasSuffix(strings.TrimSpace(r.Last()), sortQuestion(lists[0]...)) {
			<-release
		}
		return sortReply(r)
	})
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	stored := make(chan struct{}, len(lists))
	runWorker(t, &Worker{Queue: q, Engine: openEngine(t, srv.URL), Name: "w", Slots: 2, Done: func(Task, bool) { stored <- struct{}{} }})

	db := filepath.Join(t.TempDir(), "submit.db")
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=submitter", "LATM_TEST_NATS="+s.ClientURL(), "LATM_TEST_DB="+db)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- l
	}()
	select {
	case first := <-line:
		if first != "q1\n" {
			t.Fatalf("the submitter emitted %q, want q1 first", first)
		}
	case <-ctx.Done():
		t.Fatal("the submitter emitted nothing")
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL: no cleanup
		t.Fatal(err)
	}
	_ = child.Wait()
	close(release)
	for range lists {
		select {
		case <-stored:
		case <-ctx.Done():
			t.Fatal("the worker did not store every result")
		}
	}

	st, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, sum, err := collect(ctx, q, st, items(lists...), SubmitOptions{Batch: "killed", Tool: sortTool()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(lists) || sum.OK != len(lists) {
		t.Fatalf("restarted submitter: %d results, %d ok; want %d", len(got), sum.OK, len(lists))
	}
	for i, r := range got {
		if r.ID != fmt.Sprint("q", i+1) || r.Answer != wantAnswer(i) {
			t.Errorf("result %d = %+v, want %q", i, r, wantAnswer(i))
		}
	}
	if n := len(srv.Requests()); n != len(lists) {
		t.Errorf("%d model calls, want %d: an instance was solved twice", n, len(lists))
	}
	runs, err := st.Runs(ctx, "killed")
	if err != nil || len(runs) != len(lists) {
		t.Errorf("%d runs in the file (%v), want %d", len(runs), err, len(lists))
	}
	// Each call once in the file, though the killed submitter's collector
	// may have applied some without acknowledging them.
	if rows, err := st.CostReport(ctx, "role"); err != nil || len(rows) != 1 || rows[0].Calls != len(lists) {
		t.Errorf("ledger %+v (%v), want the %d calls once each", rows, err, len(lists))
	}
}
