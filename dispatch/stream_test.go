package dispatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/maker"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// sortLists are word lists of one task, with their sorted answers.
var sortLists = []string{
	"syndrome therefrom", "vegetate artillery harm fda doris", "superstitious westward coupe",
	"oven costume bread", "zeta alpha mu", "pear apple fig", "kiwi banana cherry", "yak ox emu",
}

func sortQ(list string) string { return "Sort the following words alphabetically: List: " + list }

func sorted(list string) string {
	w := strings.Fields(list)
	sort.Strings(w)
	return strings.Join(w, " ")
}

var listRe = regexp.MustCompile(`(?m)^Question: Sort the following words alphabetically: List: (.*?)\s*$`)

// sortCalls is call code for every question of prompt; with assert, the
// unit tests of the maker's verify step.
func sortCalls(prompt string, withAssert bool) string {
	var b strings.Builder
	for _, m := range listRe.FindAllStringSubmatch(prompt, -1) {
		b.WriteString("```starlark\n")
		fmt.Fprintf(&b, "words = %q.split()\nret = sort_words(words)\nans = \" \".join(ret)\n", m[1])
		if withAssert {
			fmt.Fprintf(&b, "assert ans == %q\n", sorted(m[1]))
		}
		b.WriteString("```\n")
	}
	return b.String()
}

// streamCounts counts what reached the fake endpoint, by role.
type streamCounts struct {
	mu                 sync.Mutex
	propose, use, solv int
	// failUse, when > 0, makes the use call of that number fail with a
	// 401 (once): the machinery breaks mid-way.
	failUse int
}

func (c *streamCounts) get() (propose, use int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.propose, c.use
}

// makingDispatcher is dispatcherEnv with a maker that writes a correct
// word-sorting tool from whatever examples it is shown, and a user model
// that calls it for the question's list.
func makingDispatcher(t *testing.T) (*Dispatcher, *streamCounts) {
	t.Helper()
	d, srv := dispatcherEnv(t)
	c := &streamCounts{}
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		c.mu.Lock()
		defer c.mu.Unlock()
		switch last := r.Last(); {
		case r.Template == "dispatch":
			return fakeopenai.Reply{Content: "Task: unknown"}
		case r.Template == "direct":
			c.solv++
			return fakeopenai.Reply{Content: "Answer: guess"}
		case r.Template == "propose":
			c.propose++
			return fakeopenai.Reply{Content: "```starlark\ndef sort_words(words):\n    \"\"\"Sorts words.\"\"\"\n    return sorted(words)\n```"}
		case r.Template == "verify":
			return fakeopenai.Reply{Content: sortCalls(last, true)}
		case r.Template == "package":
			return fakeopenai.Reply{Content: sortCalls(last, false)}
		case r.Template == "use":
			c.use++
			if c.use == c.failUse {
				return fakeopenai.Reply{Status: 401}
			}
			m := listRe.FindAllStringSubmatch(last, -1)
			return fakeopenai.Reply{Content: fmt.Sprintf("```starlark\nans = \" \".join(sort_words(%q.split()))\n```", m[len(m)-1][1])}
		}
		t.Errorf("unexpected prompt %q", r.Last())
		return fakeopenai.Reply{Status: 500}
	})
	roles := map[llm.Role]llm.RoleConfig{}
	for _, r := range []llm.Role{llm.Dispatcher, llm.Solver, llm.User, llm.Maker} {
		roles[r] = llm.RoleConfig{BaseURL: srv.URL, Model: string(r), APIKeyEnv: "K"}
	}
	client, err := llm.New(llm.Config{Roles: roles, Getenv: func(string) string { return "sk-test" }, RetryBase: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	d.LLM, d.Router.LLM, d.Solver.LLM = client, client, client
	d.Maker = &maker.Maker{LLM: client, Runtime: d.Solver.Runtime, Prompts: d.Prompts, Train: 3, Valid: 3, ProposeTries: 1, VerifyTries: 1}
	d.MinExamples = 6
	return d, c
}

// input gives instances as a stream's next does.
func input(ins ...Instance) func() (StreamItem, error) {
	i := 0
	return func() (StreamItem, error) {
		if i == len(ins) {
			return StreamItem{}, io.EOF
		}
		i++
		return StreamItem{Line: i, Instance: ins[i-1]}, nil
	}
}

// labelledSorts is the first n sort lists as labelled instances.
func labelledSorts(n int) []Instance {
	var ins []Instance
	for i, l := range sortLists[:n] {
		ins = append(ins, Instance{ID: fmt.Sprint("w", i), Question: sortQ(l), Answer: sorted(l)})
	}
	return ins
}

// lastResults keeps each instance's last result.
func lastResults(rs *[]Result) func(Result) error {
	var mu sync.Mutex
	return func(r Result) error {
		mu.Lock()
		defer mu.Unlock()
		*rs = append(*rs, r)
		return nil
	}
}

func final(rs []Result) map[string]Result {
	m := map[string]Result{}
	for _, r := range rs {
		m[r.ID] = r
	}
	return m
}

func TestHandleSolvesAKnownInstanceAtStage1(t *testing.T) {
	d, srv := dispatcherEnv(t)
	saveEcho(t, d.Store, "word_sorting")
	rs, err := d.Handle(context.Background(), Instance{Batch: "b", ID: "1", Question: wsQ})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Status != StatusSolved || rs[0].Stage != 1 || rs[0].Answer != "tool answer" || rs[0].Calls != 1 {
		t.Fatalf("results %+v, want solved at stage 1 with one (user) call", rs)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want the user call only", n)
	}
}

func TestHandlePoolsAnUnknownInstanceAndAnswersItWithTheSolver(t *testing.T) {
	d, _ := dispatcherEnv(t)
	d.Unknown = UnknownSolver
	ctx := context.Background()
	rs, err := d.Handle(ctx, Instance{Batch: "b", ID: "1", Question: wsQ})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Status != StatusPending || rs[0].Group <= 0 || rs[0].Answer != "guess" {
		t.Fatalf("results %+v, want pending in a group with the solver's answer", rs)
	}
	runs, err := d.Store.Runs(ctx, "b")
	if err != nil || runs["1"] == nil || runs["1"].ToolName != "" || runs["1"].Answer != "guess" {
		t.Errorf("run %+v (%v), want the solver's answer recorded without a tool", runs["1"], err)
	}
}

func TestResumeFinishesAHalfPooledInstanceWithoutRoutingAgain(t *testing.T) {
	d, srv := dispatcherEnv(t)
	d.Unknown = UnknownSolver
	ctx := context.Background()
	in := Instance{Batch: "b", ID: "1", Question: wsQ}
	// The stop came after the instance entered the pool, before grouping.
	rs, err := d.Resume(ctx, in, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Status != StatusPending || rs[0].Group <= 0 || rs[0].Answer != "guess" {
		t.Fatalf("results %+v", rs)
	}
	for _, r := range srv.Requests() {
		if r.Template == "dispatch" {
			t.Errorf("Resume routed the instance again")
		}
	}
	// Answered already: not asked again.
	before := len(srv.Requests())
	if _, err := d.Resume(ctx, in, true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("Resume of an answered instance made %d calls", n)
	}
}

func TestRevisitSolvesPendingInstancesOnceAToolExists(t *testing.T) {
	d, _ := dispatcherEnv(t)
	ctx := context.Background()
	// Questions of the task as it comes: a stage-1 route stands only for an
	// instance shaped like the tool's examples (dispatch/guard.go).
	sp, err := bbh.LoadSplit("word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := d.Handle(ctx, Instance{Batch: "b", ID: fmt.Sprint(i), Question: sp.Test[i].Question}); err != nil {
			t.Fatal(err)
		}
	}
	if rs, err := d.Revisit(ctx); err != nil || len(rs) != 0 {
		t.Fatalf("Revisit with no tool: %+v, %v", rs, err)
	}
	saveEcho(t, d.Store, "word_sorting") // imported, say
	rs, err := d.Revisit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Status != StatusSolved || rs[0].Stage != 1 || rs[0].Batch != "b" || rs[0].Calls != 1 {
		t.Fatalf("results %+v, want both solved at stage 1, with the tool user's call and no other", rs)
	}
	if open, err := d.Store.PendingInstances(ctx, -1); err != nil || len(open) != 0 {
		t.Errorf("%d still pending (%v)", len(open), err)
	}
}

func TestMakeReadyMakesAGroupsToolOnceAndSolvesTheGroup(t *testing.T) {
	d, c := makingDispatcher(t)
	ctx := context.Background()
	maker := d.Maker
	d.Maker = nil // pool without making
	for _, in := range labelledSorts(5) {
		in.Batch = "b"
		if _, err := d.Handle(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	d.Maker = maker
	if rs, err := d.MakeReady(ctx, -1); err != nil || len(rs) != 0 {
		t.Fatalf("five labelled of six: %+v, %v; want nothing made", rs, err)
	}
	in := labelledSorts(6)[5]
	in.Batch = "b"
	d.Maker = nil
	if _, err := d.Handle(ctx, in); err != nil {
		t.Fatal(err)
	}
	d.Maker = maker
	rs, err := d.MakeReady(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 6 {
		t.Fatalf("%d results, want the group's six: %+v", len(rs), rs)
	}
	for _, r := range rs {
		if r.Status != StatusSolved || !strings.HasPrefix(r.Tool, "sort_") {
			t.Errorf("result %+v, want solved with the made tool", r)
		}
	}
	if rs, err := d.MakeReady(ctx, -1); err != nil || len(rs) != 0 {
		t.Errorf("second MakeReady: %+v, %v; want nothing", rs, err)
	}
	if p, _ := c.get(); p != 1 {
		t.Errorf("%d proposals, want one making", p)
	}
}

// A stream that stopped while it was solving a group with its new tool
// (the endpoint broke after two of six) resumes under the same batch: the
// tool is not made again, the solved instances are not solved again, the
// others are solved with the tool, and nothing is left pending.
func TestStreamResumesAfterAStopMidGroup(t *testing.T) {
	d, c := makingDispatcher(t)
	ctx := context.Background()
	c.failUse = 3
	ins := labelledSorts(6)
	var first []Result
	_, err := d.Stream(ctx, StreamOptions{Batch: "b", Workers: 1}, input(ins...), lastResults(&first))
	var ie *user.ItemError
	if !errors.As(err, &ie) || ie.Line != 6 {
		t.Fatalf("err = %v, want the stop on line 6 (the instance that completed the group)", err)
	}
	proposals, uses := c.get()
	if proposals != 1 || uses != 3 {
		t.Fatalf("%d proposals and %d use calls before the stop, want 1 and 3", proposals, uses)
	}

	var second []Result
	sum, err := d.Stream(ctx, StreamOptions{Batch: "b", Workers: 2}, input(ins...), lastResults(&second))
	if err != nil {
		t.Fatal(err)
	}
	got := final(second)
	for _, in := range ins {
		if r := got[in.ID]; r.Status != StatusSolved || r.Answer != in.Answer || !strings.HasPrefix(r.Tool, "sort_") {
			t.Errorf("%s: %+v, want solved %q with the made tool", in.ID, r, in.Answer)
		}
	}
	p2, u2 := c.get()
	if p2 != 1 {
		t.Errorf("the tool was made again (%d proposals)", p2)
	}
	if n := u2 - uses; n != 4 {
		t.Errorf("the resumed stream made %d use calls, want 4 (the group's unsolved members)", n)
	}
	if sum.Instances != 6 || sum.Solved != 6 || sum.ToolsMade != 0 || sum.Calls != 4 {
		t.Errorf("summary %+v", sum)
	}
	if open, err := d.Store.PendingInstances(ctx, -1); err != nil || len(open) != 0 {
		t.Errorf("%d still pending (%v)", len(open), err)
	}
}

func TestStreamReportsDoneAndPendingInstancesWithoutWork(t *testing.T) {
	d, srv := dispatcherEnv(t)
	ctx := context.Background()
	saveEcho(t, d.Store, "word_sorting")
	ins := []Instance{
		{ID: "known", Question: wsQ},
		{ID: "odd", Question: "What is the capital of the country whose flag is a red disc?"},
	}
	var first []Result
	sum, err := d.Stream(ctx, StreamOptions{Batch: "b"}, input(ins...), lastResults(&first))
	if err != nil {
		t.Fatal(err)
	}
	if got := final(first); got["known"].Status != StatusSolved || got["odd"].Status != StatusPending || sum.Solved != 1 || sum.Pending != 1 {
		t.Fatalf("first run %+v, summary %+v", first, sum)
	}
	before := len(srv.Requests())
	var second []Result
	if _, err := d.Stream(ctx, StreamOptions{Batch: "b"}, input(ins...), lastResults(&second)); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("the rerun made %d model calls, want none", n)
	}
	if got := final(second); len(second) != 2 || got["known"].Answer != "tool answer" || got["odd"].Status != StatusPending || got["odd"].Group <= 0 {
		t.Errorf("rerun %+v", second)
	}
}

func TestStreamStopsOnABadNextOrEmit(t *testing.T) {
	d, _ := dispatcherEnv(t)
	saveEcho(t, d.Store, "word_sorting")
	broken := errors.New("read in.jsonl: unexpected EOF")
	n := 0
	_, err := d.Stream(context.Background(), StreamOptions{Batch: "b"}, func() (StreamItem, error) {
		if n++; n == 1 {
			return StreamItem{Line: 1, Instance: Instance{ID: "a", Question: wsQ}}, nil
		}
		return StreamItem{}, broken
	}, func(Result) error { return nil })
	if !errors.Is(err, broken) {
		t.Errorf("err = %v, want the read error", err)
	}
	full := errors.New("disk full")
	_, err = d.Stream(context.Background(), StreamOptions{Batch: "c"}, input(Instance{ID: "a", Question: wsQ}), func(Result) error { return full })
	if !errors.Is(err, full) {
		t.Errorf("err = %v, want the emit error", err)
	}
}

// A stop between the steps of pooling an instance (after it entered the
// pool, before it was grouped or answered by the solver) must not leave it
// half done: the rerun groups it and answers it, once.
func TestStreamResumesAHalfPooledInstance(t *testing.T) {
	d, srv := dispatcherEnv(t)
	d.Unknown = UnknownSolver
	// Routing would ask the dispatcher model: stage 1 never decides.
	saveEcho(t, d.Store, "dyck_languages")
	d.Router.Thresholds = Thresholds{Accept: 2, Margin: 0, Reject: -1}
	ctx := context.Background()
	// The state a stop right after AddPending leaves.
	if err := d.Store.AddPending(ctx, &tool.Pending{InstanceID: pendingKey("b", "w0"), Question: wsQ}); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		var rs []Result
		if _, err := d.Stream(ctx, StreamOptions{Batch: "b"}, input(Instance{ID: "w0", Question: wsQ}), lastResults(&rs)); err != nil {
			t.Fatal(err)
		}
		if r := final(rs)["w0"]; len(rs) != 1 || r.Status != StatusPending || r.Group <= 0 || r.Answer != "guess" {
			t.Errorf("run %d: %+v, want pending in a group with the solver's answer", run, rs)
		}
	}
	solver := 0
	for _, r := range srv.Requests() {
		if r.Template == "direct" {
			solver++
		}
		if r.Template == "dispatch" {
			t.Errorf("the pooled instance was routed again")
		}
	}
	if solver != 1 {
		t.Errorf("the solver was asked %d times, want once", solver)
	}
	open, err := d.Store.PendingInstances(ctx, -1)
	if err != nil || len(open) != 1 || open[0].Group <= 0 {
		t.Errorf("pending %+v (%v), want w0 once, grouped", open, err)
	}
}

func TestStreamStopsWhenCancelled(t *testing.T) {
	d, srv := dispatcherEnv(t)
	saveEcho(t, d.Store, "word_sorting")
	asked := make(chan struct{}, 8)
	srv.Handle(func(fakeopenai.Request) fakeopenai.Reply {
		asked <- struct{}{}
		return fakeopenai.Reply{Content: "```starlark\nans = echo(1)\n```", Delay: time.Minute}
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-asked; cancel() }()
	var rs []Result
	start := time.Now()
	_, err := d.Stream(ctx, StreamOptions{Batch: "b", Workers: 2},
		input(Instance{ID: "a", Question: wsQ}, Instance{ID: "b", Question: wsQ + " fig"}, Instance{ID: "c", Question: wsQ + " pear"}), lastResults(&rs))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 30*time.Second || len(rs) != 0 {
		t.Errorf("%d results after %s: the stream did not stop at the cancel", len(rs), time.Since(start))
	}
}

// Two streams share a pending group: the one whose instance completes it
// makes the tool and solves the whole group, but reports only its own
// instances; the other, still running, reports its instances solved once
// its input ends, from the runs the first recorded.
func TestStreamsSharingAGroupReportTheirOwnInstances(t *testing.T) {
	d, c := makingDispatcher(t)
	ctx := context.Background()
	ins := labelledSorts(6)
	pooled, aDone := make(chan struct{}), make(chan struct{})
	var bMu sync.Mutex
	var bResults []Result
	bNext := input(ins[:3]...)
	bErr := make(chan error, 1)
	go func() {
		_, err := d.Stream(ctx, StreamOptions{Batch: "b", Workers: 1}, func() (StreamItem, error) {
			it, err := bNext()
			if errors.Is(err, io.EOF) {
				<-aDone // b's input ends only after a has made the tool
			}
			return it, err
		}, func(r Result) error {
			bMu.Lock()
			defer bMu.Unlock()
			bResults = append(bResults, r)
			if len(bResults) == 3 {
				close(pooled)
			}
			return nil
		})
		bErr <- err
	}()
	select {
	case <-pooled:
	case err := <-bErr:
		t.Fatalf("stream b ended before pooling its instances: %v", err)
	}
	var aResults []Result
	sum, err := d.Stream(ctx, StreamOptions{Batch: "a", Workers: 1}, input(ins[3:]...), lastResults(&aResults))
	if err != nil {
		t.Fatal(err)
	}
	close(aDone)
	if err := <-bErr; err != nil {
		t.Fatal(err)
	}
	if p, _ := c.get(); p != 1 || sum.ToolsMade != 1 {
		t.Fatalf("%d proposals, %d tools made by a; want 1 and 1", p, sum.ToolsMade)
	}
	gotA := final(aResults)
	if len(gotA) != 3 || sum.Instances != 3 || sum.Solved != 3 {
		t.Errorf("stream a reported %+v (summary %+v), want its own 3 instances solved", aResults, sum)
	}
	for _, in := range ins[3:] {
		if r := gotA[in.ID]; r.Status != StatusSolved || r.Answer != in.Answer || r.Batch != "" {
			t.Errorf("a: %s: %+v", in.ID, r)
		}
	}
	gotB := final(bResults)
	if len(gotB) != 3 {
		t.Errorf("stream b reported %+v, want its own 3 instances", bResults)
	}
	for _, in := range ins[:3] {
		if r := gotB[in.ID]; r.Status != StatusSolved || r.Answer != in.Answer || !strings.HasPrefix(r.Tool, "sort_") {
			t.Errorf("b: %s: last reported %+v, want solved %q by the tool a made", in.ID, r, in.Answer)
		}
	}
}

// A group whose making lease a live process of another host holds is not
// made, and the stream says so rather than leave it pending silently; once
// the lease is free, a rerun makes it.
func TestStreamReportsAGroupItCannotMake(t *testing.T) {
	d, c := makingDispatcher(t)
	ctx := context.Background()
	other := "another-host/4242/1234/abcdef"
	if ok, err := d.Store.Acquire(ctx, makeLease(1), other, time.Hour); err != nil || !ok {
		t.Fatalf("acquire: %v, %v", ok, err)
	}
	ins := labelledSorts(6)
	var rs []Result
	sum, err := d.Stream(ctx, StreamOptions{Batch: "b", Workers: 1}, input(ins...), lastResults(&rs))
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := c.get(); p != 0 || sum.Pending != 6 {
		t.Fatalf("%d proposals, summary %+v; want the group left pending", p, sum)
	}
	if len(sum.Unmade) != 1 || !strings.HasPrefix(sum.Unmade[0], "group 1: ") || !strings.Contains(sum.Unmade[0], "lease") {
		t.Fatalf("unmade %q, want group 1 named with its lease", sum.Unmade)
	}
	if err := d.Store.Release(ctx, makeLease(1), other); err != nil {
		t.Fatal(err)
	}
	rs = nil
	if sum, err = d.Stream(ctx, StreamOptions{Batch: "b", Workers: 1}, input(ins...), lastResults(&rs)); err != nil {
		t.Fatal(err)
	}
	if sum.Solved != 6 || len(sum.Unmade) != 0 {
		t.Errorf("rerun with the lease free: summary %+v", sum)
	}
}

// A making lease is renewed while its holder lives: another owner cannot
// take it for several TTLs, and can once the heartbeat stops and the TTL
// passes.
func TestMakingLeaseHeartbeat(t *testing.T) {
	t.Parallel() // seconds of waiting on the lease's TTL
	d, _ := dispatcherEnv(t)
	ctx := context.Background()
	const ttl = time.Second // renewed every 250 ms: slack for a loaded machine under -race
	if ok, err := d.Store.Acquire(ctx, "make-group-9", d.owner(), ttl); err != nil || !ok {
		t.Fatalf("acquire: %v, %v", ok, err)
	}
	stop := d.heartbeat(ctx, "make-group-9", ttl)
	for end := time.Now().Add(3 * ttl); time.Now().Before(end); {
		if ok, err := d.Store.Acquire(ctx, "make-group-9", "other-host/1/1/x", ttl); err != nil || ok {
			stop()
			t.Fatalf("another owner took a renewed lease: %v, %v", ok, err)
		}
		time.Sleep(ttl / 10)
	}
	stop()
	deadline := time.Now().Add(20 * ttl)
	for {
		ok, err := d.Store.Acquire(ctx, "make-group-9", "other-host/1/1/x", ttl)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lease was still held long after its heartbeat stopped")
		}
		time.Sleep(ttl / 10)
	}
}
