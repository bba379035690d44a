package worker

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/engine"
	"github.com/latm/latm/internal/fakeopenai"
)

var questionRE = regexp.MustCompile(`(?m)^Question: Sort the following words alphabetically: List: (.*?)\s*$`)

// sortCalls is call code for every question of a maker prompt; with
// assert, the unit tests of the maker's verify step.
func sortCalls(prompt string, withAssert bool) string {
	var b strings.Builder
	for _, m := range questionRE.FindAllStringSubmatch(prompt, -1) {
		b.WriteString("```starlark\n")
		fmt.Fprintf(&b, "words = %q.split()\nans = sort_words(words)\n", m[1])
		if withAssert {
			fmt.Fprintf(&b, "assert ans == %q\n", sortedWords(m[1]))
		}
		b.WriteString("```\n")
	}
	return b.String()
}

func sortedWords(list string) string {
	w := strings.Fields(list)
	sort.Strings(w)
	return strings.Join(w, " ")
}

// makerCounts counts the calls of a making model, by template.
type makerCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *makerCounts) get(template string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[template]
}

// makingServer is a model for streams: the dispatcher finds no task, the
// solver guesses, the maker writes a correct word-sorting tool from
// whatever examples it is shown (after hold, if set, returns), and the user
// model calls it for the question's list.
func makingServer(t *testing.T, hold func()) (*fakeopenai.Server, *makerCounts) {
	t.Helper()
	srv := fakeopenai.New(t)
	c := &makerCounts{n: map[string]int{}}
	srv.Handle(makingHandler(t, c, hold))
	return srv, c
}

// makingHandler is makingServer's model, counting its calls in c.
func makingHandler(t *testing.T, c *makerCounts, hold func()) func(fakeopenai.Request) fakeopenai.Reply {
	return func(r fakeopenai.Request) fakeopenai.Reply {
		c.mu.Lock()
		c.n[r.Template]++
		c.mu.Unlock()
		switch r.Template {
		case "dispatch":
			return fakeopenai.Reply{Content: "Task: unknown"}
		case "direct":
			return fakeopenai.Reply{Content: "Answer: guess"}
		case "propose":
			if hold != nil {
				hold()
			}
			return fakeopenai.Reply{Content: "```starlark\ndef sort_words(words):\n    \"\"\"Sorts words and joins them with spaces.\"\"\"\n    return \" \".join(sorted(words))\n```"}
		case "verify":
			return fakeopenai.Reply{Content: sortCalls(r.Last(), true)}
		case "package":
			return fakeopenai.Reply{Content: sortCalls(r.Last(), false)}
		case "use":
			return sortReply(r)
		}
		t.Errorf("unexpected template %q", r.Template)
		return fakeopenai.Reply{Status: 500}
	}
}

// makingEngine is a worker's engine that makes a group's tool from six
// labelled instances (three shown, three to validate).
func makingEngine(t *testing.T, modelURL string) *engine.Engine {
	t.Helper()
	cfg := engineConfig(modelURL, filepath.Join(t.TempDir(), "w.db"))
	cfg.Make = engine.MakeConfig{Train: 3, Valid: 3, ProposeTries: 1, VerifyTries: 1}
	cfg.Dispatch.MinExamples = 6
	e, err := engine.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

var streamLists = []string{
	"syndrome therefrom", "vegetate artillery harm", "superstitious westward coupe",
	"oven costume bread", "zeta alpha mu", "pear apple fig", "kiwi banana cherry", "yak ox emu",
}

// streamInput is the stream's instances: the first labelled ones carry
// their answer.
func streamInput(labelled int, lists ...string) []dispatch.StreamItem {
	var out []dispatch.StreamItem
	for i, l := range lists {
		it := dispatch.StreamItem{Line: i + 1, Instance: dispatch.Instance{ID: fmt.Sprint("s", i+1), Question: sortQuestion(strings.Fields(l)...)}}
		if i < labelled {
			it.Answer = sortedWords(l)
		}
		out = append(out, it)
	}
	return out
}

func feed(items []dispatch.StreamItem) func() (dispatch.StreamItem, error) {
	i := 0
	return func() (dispatch.StreamItem, error) {
		if i == len(items) {
			return dispatch.StreamItem{}, io.EOF
		}
		i++
		return items[i-1], nil
	}
}

// streamAll runs a stream and returns every line emitted and each id's last.
func streamAll(ctx context.Context, q *Queue, st RunStore, batch string, items []dispatch.StreamItem) ([]dispatch.Result, map[string]dispatch.Result, dispatch.StreamSummary, error) {
	var all []dispatch.Result
	last := map[string]dispatch.Result{}
	sum, err := q.SubmitStream(ctx, st, StreamOptions{Batch: batch}, feed(items), func(r dispatch.Result) error {
		all = append(all, r)
		last[r.ID] = r
		return nil
	})
	return all, last, sum, err
}

func TestStreamThroughAWorkerMakesTheToolOnThreshold(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, counts := makingServer(t, nil)
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	// One slot: the instances are routed in input order, so the six
	// labelled ones make the tool and the last two find it.
	runWorker(t, &Worker{Queue: connect(t, ctx, s.ClientURL(), Options{}), Engine: makingEngine(t, srv.URL), Name: "w", Slots: 1})
	st := openStore(t)
	its := streamInput(6, streamLists...)
	all, last, sum, err := streamAll(ctx, q, st, "st", its)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range its {
		r := last[it.ID]
		if r.Status != dispatch.StatusSolved || r.Answer != sortedWords(strings.TrimPrefix(it.Question, sortQuestion())) || !strings.HasPrefix(r.Tool, "sort") {
			t.Errorf("%s: last line %+v, want solved by the made tool", it.ID, r)
		}
	}
	// The first five were reported pending (with the solver's guess),
	// then solved once the sixth completed their group.
	pendingFirst := 0
	for _, r := range all {
		if r.Status == dispatch.StatusPending {
			pendingFirst++
			if r.Answer != "guess" || r.Group == 0 {
				t.Errorf("pending line %+v, want the solver's guess and a group", r)
			}
		}
	}
	if pendingFirst != 5 || len(all) != len(its)+5 {
		t.Errorf("%d lines, %d pending; want %d lines, the first five instances pending first", len(all), pendingFirst, len(its)+5)
	}
	if counts.get("propose") != 1 {
		t.Errorf("%d propose calls, want one tool made", counts.get("propose"))
	}
	if sum.Instances != len(its) || sum.Solved != len(its) || sum.Calls == 0 || sum.ToolsMade != 1 {
		t.Errorf("summary %+v, want every instance solved and the one tool made", sum)
	}
	runs, err := st.Runs(ctx, "st")
	if err != nil || len(runs) != len(its) {
		t.Fatalf("local file: %d runs (%v), want %d", len(runs), err, len(its))
	}
	for id, r := range runs {
		if !r.OK || r.ToolName == "" {
			t.Errorf("run of %s: %+v, want the tool's", id, r)
		}
	}

	// A rerun publishes nothing: every result is read back.
	calls := len(srv.Requests())
	all, last, _, err = streamAll(ctx, q, st, "st", its)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(its) || len(srv.Requests()) != calls {
		t.Errorf("rerun: %d lines, %d model calls; want one line each and none", len(all), len(srv.Requests())-calls)
	}
	for _, it := range its {
		if last[it.ID].Status != dispatch.StatusSolved {
			t.Errorf("rerun %s: %+v", it.ID, last[it.ID])
		}
	}
}
