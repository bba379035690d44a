package serve

import (
	"bufio"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readLines(t *testing.T, data []byte) []batchLine {
	t.Helper()
	var out []batchLine
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		var l batchLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%v in %q", err, sc.Text())
		}
		out = append(out, l)
	}
	return out
}

const batchBody = `{"id": "a", "question": "Sort the following words alphabetically: List: kiwi banana cherry"}
{"id": 2, "question": "Sort the following words alphabetically: List: don't stop"}

{"question": "Sort the following words alphabetically: List: plum fig date"}
`

func TestBatchSolvesAndStreamsResultsInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.save(sortTool())
	var p batchProgress
	e.call("POST", "/v1/batches?tool=word_sorting", batchBody, 202, &p)
	if p.Total != 3 || p.ID == "" {
		t.Fatalf("progress %+v", p)
	}
	// The results stream waits for every line, in input order.
	code, data, h := e.do("GET", "/v1/batches/"+p.ID+"/results", "", nil)
	if code != 200 || h.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("results: %d %v", code, h)
	}
	lines := readLines(t, data)
	if len(lines) != 3 || lines[0].ID != "a" || lines[1].ID != "2" || lines[2].ID != "4" {
		t.Fatalf("lines %+v", lines)
	}
	if lines[0].Answer != "banana cherry kiwi" || lines[0].Path != PathNoModel || lines[1].Answer != "don't stop" || lines[1].Path != PathUserModel || !lines[2].OK {
		t.Fatalf("lines %+v", lines)
	}
	e.call("GET", "/v1/batches/"+p.ID, nil, 200, &p)
	if p.Status != BatchDone || p.Done != 3 || p.OK != 3 {
		t.Fatalf("progress after %+v", p)
	}
	// The same body again is the same batch, not solved again.
	before := len(e.fake.Requests())
	var again batchProgress
	e.call("POST", "/v1/batches?tool=word_sorting", batchBody, 200, &again)
	if again.ID != p.ID || again.Status != BatchDone || len(e.fake.Requests()) != before {
		t.Fatalf("repost %+v after %d more model calls", again, len(e.fake.Requests())-before)
	}
}

func TestBatchRefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MaxBatchBody: 4096})
	e.save(sortTool())
	for _, c := range []struct{ name, body, field, msg string }{
		{"bad JSON", "{\"question\": \"q\"}\n{oops\n", "line 2", "invalid JSON"},
		{"no question", `{"id": "x"}`, "line 1", "is empty"},
		{"duplicate id", "{\"id\": 1, \"question\": \"q\"}\n{\"id\": \"1\", \"question\": \"r\"}", "line 2", "duplicate id"},
		{"unknown field", `{"question": "q", "answer": "a"}`, "line 1", "unknown field"},
		{"colon in id", `{"id": "a:b", "question": "q"}`, "line 1", "without ':'"},
		{"empty", "\n\n", "", "no questions"},
	} {
		code, data, _ := e.do("POST", "/v1/batches", "", c.body)
		d := apiError(t, data)
		if code != 400 || d.Field != c.field || !strings.Contains(d.Message, c.msg) {
			t.Errorf("%s: %d %+v", c.name, code, d)
		}
	}
	code, data, _ := e.do("POST", "/v1/batches", "", strings.Repeat(`{"question": "q"}`+"\n", 400))
	if code != 413 {
		t.Errorf("oversized batch: %d %s", code, data)
	}
	code, _, _ = e.do("POST", "/v1/batches?tool=nope", "", `{"question": "q"}`)
	if code != 404 {
		t.Errorf("unknown tool: %d", code)
	}
	code, _, _ = e.do("GET", "/v1/batches/batch-none", "", nil)
	if code != 404 {
		t.Errorf("unknown batch: %d", code)
	}
}

// A batch that a stopped server left half done resumes when a server on the
// same database starts, solving only what was not solved.
func TestBatchResumesAfterRestart(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "latm.db")
	e := newEnvAt(t, db, Options{BatchWorkers: 1})
	e.save(sortTool())
	hold, held := make(chan struct{}), make(chan struct{}, 1)
	e.mu.Lock()
	e.hold, e.held = hold, held // the user model does not answer until the server stops
	e.mu.Unlock()
	var p batchProgress
	e.call("POST", "/v1/batches?tool=word_sorting", batchBody, 202, &p)
	// Line 1 takes the template path; line 2 waits on the model. Poll the
	// progress, as a client does, until line 1 is in.
	deadline := time.Now().Add(10 * time.Second)
	for p.Done < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		e.call("GET", "/v1/batches/"+p.ID, nil, 200, &p)
	}
	if p.Done != 1 || p.Status != BatchRunning {
		t.Fatalf("progress %+v", p)
	}
	// Line 2's request has reached the model (so it is counted before the
	// restart, not after).
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("line 2 never reached the model")
	}
	// Stop the server while line 2 waits on the model: its request is
	// cancelled (the model's reply never comes), so line 2 is not recorded.
	e.http.Close()
	e.srv.Close()
	close(hold)
	if runs, _ := e.store.Runs(t.Context(), p.ID); len(runs) != 1 {
		t.Fatalf("%d runs recorded before the restart, want 1", len(runs))
	}
	e.mu.Lock()
	e.hold = nil
	e.mu.Unlock()

	before := len(e.fake.Requests())
	e.start() // resumes unfinished batches
	code, data, _ := e.do("GET", "/v1/batches/"+p.ID+"/results", "", nil)
	lines := readLines(t, data)
	if code != 200 || len(lines) != 3 || !lines[0].OK || !lines[1].OK || !lines[2].OK || lines[1].Answer != "don't stop" {
		t.Fatalf("results after restart: %d %+v", code, lines)
	}
	if n := len(e.fake.Requests()) - before; n != 1 {
		t.Fatalf("%d model calls after the restart, want 1 (line 2 only)", n)
	}
	var after batchProgress
	e.call("GET", "/v1/batches/"+p.ID, nil, 200, &after)
	if after.Status != BatchDone || after.Done != 3 {
		t.Fatalf("progress after restart %+v", after)
	}
}

func TestBatchResultsStreamAsTheyComeIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{BatchWorkers: 1})
	e.save(sortTool())
	hold := make(chan struct{})
	e.mu.Lock()
	e.hold = hold
	e.mu.Unlock()
	var p batchProgress
	e.call("POST", "/v1/batches?tool=word_sorting", batchBody, 202, &p)
	resp, err := http.Get(e.http.URL + "/v1/batches/" + p.ID + "/results")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	first, err := r.ReadString('\n') // line 1 is answered without the model
	if err != nil || !strings.Contains(first, `"id":"a"`) {
		t.Fatalf("first line %q, %v", first, err)
	}
	close(hold)
	rest := []string{}
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			break
		}
		rest = append(rest, l)
	}
	if len(rest) != 2 || !strings.Contains(rest[0], `"id":"2"`) {
		t.Fatalf("rest %q", rest)
	}
}
