package user

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
)

// sortItem is a batch item asking to sort words.
func sortItem(line int, id string, words ...string) BatchItem {
	return BatchItem{Line: line, ID: id, Question: "Sort the following words alphabetically: List: " + strings.Join(words, " ")}
}

// sortReplies answers every use prompt with the call for its word list;
// the list "boom" gets code that fails in the sandbox. Later items answer
// sooner when delay is set, so completion order is the reverse of input.
func sortReplies(t *testing.T, srv *fakeopenai.Server, delay bool) {
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		last := r.Last()
		i := strings.LastIndex(last, "List: ")
		if i < 0 {
			t.Errorf("use prompt without a list: %q", last)
			return fakeopenai.Reply{Status: 400}
		}
		words := strings.Fields(last[i+len("List: "):])
		code := fmt.Sprintf("ans = sort_words(%q.split())", strings.Join(words, " "))
		if words[0] == "boom" {
			code = "ans = sort_words(1)"
		}
		var d time.Duration
		if delay && len(words[0]) > 1 {
			d = time.Duration('z'-words[0][1]) * 5 * time.Millisecond
		}
		return fakeopenai.Reply{Content: fenced(code), Delay: d}
	})
}

func collect(rs *[]BatchResult) func(BatchResult) error {
	return func(r BatchResult) error { *rs = append(*rs, r); return nil }
}

func TestSolveBatchKeepsInputOrderAndResumes(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	sortReplies(t, srv, true)
	ctx := context.Background()
	var items []BatchItem
	for i, c := range "abcdefgh" {
		items = append(items, sortItem(i+1, fmt.Sprint("q", i), "z"+string(c)+"2", "a"+string(c)+"1"))
	}
	items = append(items, BatchItem{Line: 9, ID: "9", Bad: "invalid JSON (fix: …)"})

	// The first run has the first half.
	var first []BatchResult
	sum, err := s.SolveBatch(ctx, sortTool(), items[:4], BatchOptions{Batch: "b", Workers: 4}, collect(&first))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Items != 4 || sum.OK != 4 || sum.Calls != 4 || sum.Resumed != 0 {
		t.Errorf("first summary %+v", sum)
	}
	// The second has all of it: the first half comes from the store.
	var all []BatchResult
	progress := 0
	sum, err = s.SolveBatch(ctx, sortTool(), items, BatchOptions{Batch: "b", Workers: 3, Progress: func(done, total int) {
		if total != 4 || done != progress+1 {
			t.Errorf("progress %d/%d after %d", done, total, progress)
		}
		progress = done
	}}, collect(&all))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(srv.Requests()), 8; got != want {
		t.Errorf("%d requests in all, want %d: the resumed half was asked again", got, want)
	}
	if sum.Items != 9 || sum.OK != 8 || sum.Failed != 1 || sum.Bad != 1 || sum.Resumed != 4 || sum.Calls != 4 || progress != 4 {
		t.Errorf("second summary %+v, progress %d", sum, progress)
	}
	if len(all) != len(items) {
		t.Fatalf("%d results, want %d", len(all), len(items))
	}
	for i, r := range all[:8] {
		c := string("abcdefgh"[i])
		if want := "a" + c + "1 z" + c + "2"; r.ID != items[i].ID || r.Answer != want || !r.OK || r.Tool != "word_sorting@2" || r.Resumed != (i < 4) {
			t.Errorf("result %d = %+v, want id %s answer %q", i, r, items[i].ID, want)
		}
	}
	if bad := all[8]; bad.OK || !strings.Contains(bad.Error, "line 9: invalid JSON") {
		t.Errorf("bad line result %+v", bad)
	}
}

func TestSolveBatchFailedInstanceGoesOn(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	sortReplies(t, srv, false)
	items := []BatchItem{sortItem(1, "a", "b", "a"), sortItem(2, "boom", "boom", "x"), sortItem(3, "c", "d", "c")}
	var rs []BatchResult
	sum, err := s.SolveBatch(context.Background(), sortTool(), items, BatchOptions{Batch: "b", Workers: 2}, collect(&rs))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || !rs[0].OK || rs[1].OK || rs[1].Error == "" || !rs[2].OK || sum.Failed != 1 || sum.OK != 2 {
		t.Errorf("results %+v, summary %+v", rs, sum)
	}
	// A failed instance is solved again by a rerun; the others are not.
	before := len(srv.Requests())
	if _, err := s.SolveBatch(context.Background(), sortTool(), items, BatchOptions{Batch: "b"}, collect(new([]BatchResult))); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()) - before; n != 1 {
		t.Errorf("the rerun made %d requests, want 1 (the failed instance)", n)
	}
}

func TestSolveBatchStopsOnAMachineryError(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	srv.Handle(func(fakeopenai.Request) fakeopenai.Reply { return fakeopenai.Reply{Status: 401} })
	items := []BatchItem{sortItem(3, "a", "b", "a"), sortItem(4, "b", "d", "c"), sortItem(5, "c", "f", "e")}
	var rs []BatchResult
	_, err := s.SolveBatch(context.Background(), sortTool(), items, BatchOptions{Batch: "b", Workers: 1}, collect(&rs))
	var ie *ItemError
	if !errors.As(err, &ie) || ie.Line != 3 || ie.ID != "a" {
		t.Fatalf("err = %v, want an *ItemError for line 3", err)
	}
	if len(rs) != 0 || len(srv.Requests()) != 1 {
		t.Errorf("%d results and %d requests after the endpoint failed, want none and 1: the batch must stop", len(rs), len(srv.Requests()))
	}
}

func TestSolveBatchStopsWhenEmitFails(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	sortReplies(t, srv, false)
	items := []BatchItem{sortItem(1, "a", "b", "a"), sortItem(2, "b", "d", "c")}
	full := errors.New("disk full")
	n := 0
	sum, err := s.SolveBatch(context.Background(), sortTool(), items, BatchOptions{Batch: "b", Workers: 1}, func(BatchResult) error {
		n++
		return full
	})
	if !errors.Is(err, full) || n != 1 || sum.Items != 0 {
		t.Errorf("err %v after %d emits, summary %+v; want the emit error after the first", err, n, sum)
	}
}

func TestSolveBatchCancelled(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	started := make(chan struct{}, 4)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		started <- struct{}{}
		return fakeopenai.Reply{Content: fenced(`ans = sort_words(["a"])`), Delay: time.Minute}
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := s.SolveBatch(ctx, sortTool(), []BatchItem{sortItem(1, "a", "a")}, BatchOptions{Batch: "b"}, collect(new([]BatchResult)))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
