package user

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/tool"
)

// sortingModel answers the use prompt as a good user model would: it
// sorts the words of the question's list, through the tool.
func sortingModel(r fakeopenai.Request) fakeopenai.Reply {
	last := r.Last()
	list := last[strings.LastIndex(last, "List: ")+len("List: "):]
	words := strings.Fields(list)
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return fakeopenai.Reply{Content: fenced("ans = sort_words([" + strings.Join(q, ", ") + "])")}
}

// shadowSolver is a Solver with the no-model paths on, shadow N, and its
// checks kept in its store; dbPath names the store's file.
func shadowSolver(t *testing.T, n int) (s *Solver, srv *fakeopenai.Server, dbPath string) {
	t.Helper()
	s, srv = newSolver(t, 0)
	s.Template, s.Shadow = true, n
	st := s.Store.(*library.Store)
	s.Shadows = st
	return s, srv, st.Path()
}

func sortQ(list string) string { return "Sort the following words alphabetically: List: " + list }

func templateSortTool() *tool.Tool {
	tl := sortTool()
	tl.Examples = wsExamples("oven costume bread", "zeta alpha mu", "pear apple fig")
	return tl
}

func solveOne(t *testing.T, s *Solver, tl *tool.Tool, id, q string) *tool.Run {
	t.Helper()
	run, err := s.Solve(context.Background(), tl, Instance{ID: id, Batch: "b", Question: q})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// The first N template answers also go to the user model, whose answer is
// returned; once N agree, the template answers alone.
func TestShadowChecksConfirmTheTemplatePath(t *testing.T) {
	t.Parallel()
	s, srv, _ := shadowSolver(t, 2)
	srv.Handle(sortingModel)
	tl := templateSortTool()
	lists := []string{"kiwi banana cherry", "plum fig date", "lime kiwi apple", "yew ash oak"}
	for i, list := range lists {
		run := solveOne(t, s, tl, fmt.Sprint(i), sortQ(list))
		if !run.OK {
			t.Fatalf("run %d: %+v", i, run)
		}
		calls := len(srv.Requests())
		if i < 2 {
			want := fmt.Sprintf("shadow check of the template path agreed (%d of 2 confirmed)", i+1)
			if run.Path != tool.PathUser || !strings.Contains(run.Guards, want) || calls != i+1 {
				t.Fatalf("run %d: path %s, %d model calls, guards:\n%s\nwant a user-model run with %q", i, run.Path, calls, run.Guards, want)
			}
			// The model's call is what ran and is recorded.
			if !strings.Contains(run.Code, "ans = sort_words([") || strings.Contains(run.Code, "(no model call)") {
				t.Errorf("run %d code:\n%s", i, run.Code)
			}
			continue
		}
		if run.Path != tool.PathTemplate || calls != 2 {
			t.Fatalf("run %d after 2 agreements: path %s, %d model calls", i, run.Path, calls)
		}
	}
	st, err := s.ShadowState(context.Background(), tl)
	if err != nil {
		t.Fatal(err)
	}
	if st.Agreed[tool.PathTemplate] != 2 || st.Off != nil || st.Undecided != 0 {
		t.Fatalf("state %+v", st)
	}
	runs, err := s.Store.(*library.Store).Runs(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	if g := runs["0"].Guards; !strings.Contains(g, "shadow check of the template path agreed") {
		t.Errorf("the stored run does not say it was shadow-checked: %q", g)
	}
}

// The same question agreed on twice is one confirmation: a re-run of one
// instance confirms nothing new.
func TestShadowCountsDistinctQuestions(t *testing.T) {
	t.Parallel()
	s, srv, _ := shadowSolver(t, 2)
	srv.Handle(sortingModel)
	tl := templateSortTool()
	for i := range 3 {
		if run := solveOne(t, s, tl, fmt.Sprint(i), sortQ("kiwi banana cherry")); run.Path != tool.PathUser {
			t.Fatalf("solve %d of one question: path %s, want the user model's", i, run.Path)
		}
	}
	if n := len(srv.Requests()); n != 3 {
		t.Fatalf("%d model calls, want 3", n)
	}
}

// One disagreement turns the no-model paths off for the version, with the
// instance, both answers and the time recorded; the model's answer is the
// one returned. The state outlives the Solver and the store handle; a new
// version, or the same number with other code, starts fresh.
func TestShadowDisagreementTurnsTheVersionOff(t *testing.T) {
	t.Parallel()
	s, srv, dbPath := shadowSolver(t, 5)
	srv.Script(fakeopenai.Match{Template: UseTemplate}, fakeopenai.Reply{Content: fenced(`ans = "banana cherry kiwi!"`)})
	tl := templateSortTool()
	before := time.Now()
	run := solveOne(t, s, tl, "1", sortQ("kiwi banana cherry"))
	if !run.OK || run.Answer != "banana cherry kiwi!" || run.Path != tool.PathUser {
		t.Fatalf("the model's answer is not the one returned: %+v", run)
	}
	want := `shadow refused: the template path answered "banana cherry kiwi", the user model "banana cherry kiwi!"; a shadow check disagreed, so the no-model paths are off for word_sorting@2`
	if !strings.Contains(run.Guards, want) {
		t.Fatalf("guards:\n%s\nwant %q", run.Guards, want)
	}
	st, err := s.ShadowState(context.Background(), tl)
	if err != nil {
		t.Fatal(err)
	}
	off := st.Off
	if off == nil || off.Batch != "b" || off.InputID != "1" || off.Question != sortQ("kiwi banana cherry") ||
		off.NoModelAnswer != "banana cherry kiwi" || off.ModelAnswer != "banana cherry kiwi!" || off.Path != tool.PathTemplate ||
		off.At.Before(before.Add(-time.Second)) || off.At.After(time.Now()) {
		t.Fatalf("off record %+v", off)
	}
	// Later instances go to the model, and say why.
	run = solveOne(t, s, tl, "2", sortQ("plum fig date"))
	if n := len(srv.Requests()); n != 2 || run.Path != tool.PathUser || !strings.Contains(run.Guards, "shadow refused: the no-model paths are off for word_sorting@2 since") {
		t.Fatalf("after the disagreement: %d model calls, run %+v", n, run)
	}

	// A new Solver on a new handle of the same file (a new process) still
	// has it off, even with shadow checks disabled.
	st2, err := library.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s2, srv2 := newSolver(t, 0)
	s2.Template, s2.Shadow, s2.Shadows = true, 0, st2
	srv2.Handle(sortingModel)
	if run := solveOne(t, s2, tl, "3", sortQ("lime kiwi apple")); run.Path != tool.PathUser || len(srv2.Requests()) != 1 {
		t.Fatalf("reopened: the no-model path answered again: %+v", run)
	}
	if st, err := s2.ShadowState(context.Background(), tl); err != nil || st.Off == nil || st.Off.InputID != "1" {
		t.Fatalf("reopened state %+v, %v", st, err)
	}
	// Another version, and this version made again with other code,
	// start over: with shadow 0 they answer with no model call.
	v3 := templateSortTool()
	v3.Version = 3
	remade := templateSortTool()
	remade.Source += "\n# made again\n"
	for i, other := range []*tool.Tool{v3, remade} {
		calls := len(srv2.Requests())
		if run := solveOne(t, s2, other, fmt.Sprint("fresh", i), sortQ("lime kiwi apple")); run.Path != tool.PathTemplate || len(srv2.Requests()) != calls {
			t.Fatalf("%s (source hash %s) did not start fresh: %+v", other.Ref(), tool.ShadowKeyOf(other).Hash[:8], run)
		}
	}
}

// The parser path is shadowed as the template path is; its disagreement
// turns the template path off too.
func TestShadowChecksTheParserPath(t *testing.T) {
	t.Parallel()
	s, srv, _ := shadowSolver(t, 1)
	srv.Handle(sortingModel)
	tl := parsedSortTool()
	run := solveOne(t, s, tl, "1", sortQ("syndrome therefrom apple pear"))
	if run.Path != tool.PathUser || !strings.Contains(run.Guards, "shadow check of the parser path agreed (1 of 1 confirmed)") || len(srv.Requests()) != 1 {
		t.Fatalf("first parser answer not shadowed: %+v", run)
	}
	run = solveOne(t, s, tl, "2", sortQ("zeta alpha mu"))
	if run.Path != tool.PathParser || len(srv.Requests()) != 1 || run.Answer != "alpha mu zeta" {
		t.Fatalf("after one agreement: %d calls, %+v", len(srv.Requests()), run)
	}

	// A disagreeing model on a fresh version: the parser's answer is
	// overruled and every no-model path of the version is off.
	s2, srv2, _ := shadowSolver(t, 3)
	srv2.Script(fakeopenai.Match{Template: UseTemplate}, fakeopenai.Reply{Content: fenced(`ans = "wrong"`)})
	tl.Examples = wsExamples("oven costume bread", "zeta alpha mu", "pear apple fig") // the template path works too
	run = solveOne(t, s2, tl, "1", sortQ("kiwi banana cherry"))
	if run.Answer != "wrong" || !strings.Contains(run.Guards, "shadow refused: the parser path answered") {
		t.Fatalf("parser disagreement: %+v", run)
	}
	run = solveOne(t, s2, tl, "2", sortQ("plum fig date"))
	if run.Path != tool.PathUser || strings.Contains(run.Guards, "template:") || !strings.Contains(run.Guards, "on b/1 the parser path answered") {
		t.Fatalf("the template path answered after the parser's disagreement: %+v", run)
	}
}

// A model that gives no answer leaves the check undecided: not counted as
// agreement, and its failed run is returned, naming the no-model answer.
func TestShadowUndecidedWhenTheModelFails(t *testing.T) {
	t.Parallel()
	s, srv, _ := shadowSolver(t, 1)
	var asked atomic.Int32
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if asked.Add(1) == 1 {
			return fakeopenai.Reply{Content: fenced(`ans = sort_words(undefined_name)`)}
		}
		return sortingModel(r)
	})
	tl := templateSortTool()
	run := solveOne(t, s, tl, "1", sortQ("kiwi banana cherry"))
	if run.OK || run.Path != tool.PathUser || !strings.Contains(run.Guards, `shadow check of the template path undecided: the user model gave no answer; the template path had answered "banana cherry kiwi"`) {
		t.Fatalf("run %+v", run)
	}
	st, err := s.ShadowState(context.Background(), tl)
	if err != nil || st.Undecided != 1 || st.Agreed[tool.PathTemplate] != 0 || st.Off != nil {
		t.Fatalf("state %+v, %v", st, err)
	}
	// So the next instance is checked again.
	if run := solveOne(t, s, tl, "2", sortQ("plum fig date")); run.Path != tool.PathUser || !strings.Contains(run.Guards, "agreed (1 of 1 confirmed)") {
		t.Fatalf("second run %+v", run)
	}
}

// A model that cannot be reached fails the solve, naming the setting, and
// records no check.
func TestShadowWithoutAModelFails(t *testing.T) {
	t.Parallel()
	s, _, _ := shadowSolver(t, 1)
	client, err := llm.New(llm.Config{
		Roles:  map[llm.Role]llm.RoleConfig{llm.User: {BaseURL: "http://127.0.0.1:9/v1", Model: "fake-mini", APIKeyEnv: "K"}},
		Getenv: func(string) string { return "sk-test" },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	s.LLM = client // nothing listens there
	tl := templateSortTool()
	_, err = s.Solve(context.Background(), tl, Instance{ID: "1", Question: sortQ("kiwi banana cherry")})
	if err == nil || !strings.Contains(err.Error(), "the template path's answer is checked against the user model's until 1 agree (solve.shadow; 0 trusts the guards alone)") {
		t.Fatalf("solve with no model to check the template's answer: %v", err)
	}
	if st, _ := s.ShadowState(context.Background(), tl); st.Undecided+len(st.Agreed) != 0 || st.Off != nil {
		t.Fatalf("a check was counted: %+v", st)
	}
}

// Offline, an answer its path's shadow checks have not confirmed cannot
// stand: there is no model to check it. With shadow 0 it stands.
func TestShadowOfflineNeedsConfirmedPaths(t *testing.T) {
	t.Parallel()
	s, _, _ := shadowSolver(t, 2)
	tl := templateSortTool()
	run, ok, err := s.AnswerOffline(context.Background(), tl, sortQ("kiwi banana cherry"))
	if err != nil || ok || !strings.Contains(run.Guards, `shadow refused: the template path's answer "banana cherry kiwi" is unconfirmed (0 of 2 shadow checks agreed)`) {
		t.Fatalf("offline with shadow 2: ok %v, %v, guards:\n%s", ok, err, run.Guards)
	}
	s.Shadow = 0
	if run, ok, err := s.AnswerOffline(context.Background(), tl, sortQ("kiwi banana cherry")); err != nil || !ok || run.Path != tool.PathTemplate || run.Answer != "banana cherry kiwi" {
		t.Fatalf("offline with shadow 0: ok %v, %v, %+v", ok, err, run)
	}
}

// shadowAuditor records runs and, for every no-model answer returned,
// checks that enough shadow checks had agreed by then.
type shadowAuditor struct {
	*library.Store
	n         int
	violation atomic.Value
	noModel   atomic.Int32
}

func (a *shadowAuditor) RecordRun(ctx context.Context, r *tool.Run) error {
	if r.Path == tool.PathTemplate || r.Path == tool.PathParser {
		a.noModel.Add(1)
		key := tool.ShadowKey{Tool: r.ToolName, Version: r.ToolVersion, Hash: tool.ShadowKeyOf(templateSortTool()).Hash}
		st, err := a.Store.ShadowState(ctx, key)
		if err != nil {
			return err
		}
		if st.Agreed[r.Path] < a.n {
			a.violation.Store(fmt.Sprintf("%s answered with no model call after %d of %d agreements", r.InputID, st.Agreed[r.Path], a.n))
		}
	}
	return a.Store.RecordRun(ctx, r)
}

// turnTaker is a ShadowStore that hands the model its next turn each time
// a check is recorded.
type turnTaker struct {
	*library.Store
	turn chan struct{}
}

func (tt *turnTaker) RecordShadowCheck(ctx context.Context, c *tool.ShadowCheck) error {
	err := tt.Store.RecordShadowCheck(ctx, c)
	tt.turn <- struct{}{}
	return err
}

// Batches in two processes at once, four workers each: no no-model answer
// is returned before N checks agreed, and all the rest are. The model
// holds its replies until every worker of both batches is waiting on it,
// so that the first checks are all in flight at once; then it replies one
// at a time, each after the check before was recorded, so that a worker
// freed by the first agreement meets a version confirmed once only.
func TestShadowConcurrentBatchesLetNoneThroughUnconfirmed(t *testing.T) {
	t.Parallel()
	const n, workers, items = 3, 4, 24
	dir := t.TempDir()
	db := filepath.Join(dir, "latm.db")
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	turn := make(chan struct{}, 4*items)
	turn <- struct{}{}
	wait := func(c <-chan struct{}) {
		select {
		case <-c:
		case <-time.After(10 * time.Second):
			t.Error("the model waited 10s for its turn")
		}
	}
	model := func(r fakeopenai.Request) fakeopenai.Reply {
		mu.Lock()
		arrived++
		if arrived == 2*workers {
			close(all)
		}
		mu.Unlock()
		wait(all)
		wait(turn)
		return sortingModel(r)
	}
	tl := templateSortTool()
	var wg sync.WaitGroup
	auditors := make([]*shadowAuditor, 2)
	servers := make([]*fakeopenai.Server, 2)
	for p := range 2 {
		st, err := library.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s, srv := newSolver(t, 0)
		srv.Handle(model)
		aud := &shadowAuditor{Store: st, n: n}
		s.Template, s.Shadow, s.Shadows, s.Store = true, n, &turnTaker{Store: st, turn: turn}, aud
		auditors[p], servers[p] = aud, srv
		var batch []BatchItem
		for i := range items {
			batch = append(batch, BatchItem{Line: i + 1, ID: fmt.Sprint(i), Question: sortQ(letters(i, p, 0) + " " + letters(i, p, 1) + " " + letters(i, p, 2))})
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.SolveBatch(context.Background(), tl, batch, BatchOptions{Batch: fmt.Sprint("p", p), Workers: workers}, func(BatchResult) error { return nil }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	calls, noModel := 0, 0
	for p := range 2 {
		if v := auditors[p].violation.Load(); v != nil {
			t.Error(v)
		}
		calls += len(servers[p].Requests())
		noModel += int(auditors[p].noModel.Load())
	}
	if calls < n || calls+noModel != 2*items {
		t.Fatalf("%d model calls and %d no-model answers for %d instances (want at least %d calls)", calls, noModel, 2*items, n)
	}
	if noModel == 0 {
		t.Fatalf("the template path never answered after the checks")
	}
	t.Logf("%d shadow checks for shadow %d (%d in flight at once); %d no-model answers after", calls, n, 2*workers, noModel)
}

// letters is a distinct lowercase word for item i of process p.
func letters(i, p, k int) string {
	return string([]byte{byte('p' + k), byte('a' + i%26), byte('a' + p), byte('a' + i/26), 'e'})
}
