package serve

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// A batch is a JSONL body of questions solved in the background. Its input
// is kept in the store and each answer is a run under the batch id, so a
// batch a stopped server left unfinished resumes on the next start, and
// posting the same body again returns the same batch.

// maxBatchItems bounds the questions of one batch.
const maxBatchItems = 100_000

type batchItem struct {
	line     int
	id       string
	question string
}

// batchLine is one line of a batch's results.
type batchLine struct {
	ID     string `json:"id"`
	Status string `json:"status"` // solved, pending, error, or unsolved (not yet, or stopped)
	Answer string `json:"answer"`
	OK     bool   `json:"ok"`
	Tool   string `json:"tool,omitempty"`
	Path   string `json:"path,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Batch statuses.
const (
	BatchRunning = "running"
	BatchDone    = "done"
	BatchFailed  = "failed"  // the machinery failed; fix it and restart to resume
	BatchStopped = "stopped" // the server stopped; resumes on the next start
)

// batchRun is a batch this server knows: running, or finished since start.
type batchRun struct {
	id, tool string
	tenant   string // who posted it; "" the operator
	total    int
	created  time.Time
	items    []batchItem

	mu      sync.Mutex
	lines   []*batchLine // by input position; nil: not answered yet
	done    int
	ok      int
	status  string
	err     string
	changed chan struct{} // closed and replaced on every update
}

// parseBatch reads a JSONL body of {"id": …, "question": …} lines (id
// defaults to the line number); blank lines are skipped. Any bad line
// refuses the whole batch, naming the line.
func parseBatch(body []byte) ([]batchItem, error) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), maxQuestion*2)
	var items []batchItem
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		field := "line " + strconv.Itoa(n)
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(line, &raw); err != nil {
			return nil, badInput(field, "invalid JSON: %v (write one object per line, like {\"id\": \"q1\", \"question\": \"…\"})", err)
		}
		it := batchItem{line: n, id: strconv.Itoa(n)}
		for k, v := range raw {
			switch k {
			case "id":
				var s string
				var num json.Number
				switch {
				case string(v) == "null":
				case json.Unmarshal(v, &s) == nil:
					it.id = s
				case json.Unmarshal(v, &num) == nil:
					it.id = num.String()
				default:
					return nil, badInput(field, "id must be a string or a number, not %s", v)
				}
			case "question":
				if json.Unmarshal(v, &it.question) != nil {
					return nil, badInput(field, "question must be a string")
				}
			default:
				return nil, badInput(field, "unknown field %q (a line has id and question)", k)
			}
		}
		if err := checkQuestion(field, it.question); err != nil {
			return nil, err
		}
		if it.id == "" || len(it.id) > 200 || strings.ContainsAny(it.id, ":\n") {
			return nil, badInput(field, "id %q must be 1 to 200 characters without ':' or newlines", it.id)
		}
		if first, dup := seen[it.id]; dup {
			return nil, badInput(field, "duplicate id %q, first used on line %d; give every line its own id", it.id, first)
		}
		seen[it.id] = n
		items = append(items, it)
		if len(items) > maxBatchItems {
			return nil, badInput(field, "a batch has at most %d questions; split the input", maxBatchItems)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, badInput("", "read the batch: %v (a line is at most %d bytes)", err, maxQuestion*2)
	}
	if len(items) == 0 {
		return nil, badInput("", "the batch has no questions; send JSONL, one {\"id\", \"question\"} per line")
	}
	return items, nil
}

func batchID(tenant, tool string, body []byte) string {
	h := sha256.New()
	if tenant != "" { // two tenants posting one body get two batches
		h.Write([]byte(tenant))
		h.Write([]byte{0})
	}
	h.Write([]byte(tool))
	h.Write([]byte{0})
	h.Write(body)
	return "batch-" + hex.EncodeToString(h.Sum(nil)[:8])
}

func (s *Server) postBatch(w http.ResponseWriter, r *http.Request) {
	if s.opts.Batches == nil {
		writeError(w, http.StatusNotImplemented, "not_implemented", "", "this server keeps no batches")
		return
	}
	ref := r.URL.Query().Get("tool")
	c := s.callerOf(r)
	if ref != "" {
		if err := checkRef("tool", ref); err != nil {
			s.fail(w, r, err)
			return
		}
		if _, _, err := s.toolFor(r.Context(), c, ref); err != nil { // another tenant's tool is not found
			s.fail(w, r, err)
			return
		}
	}
	tenant := ""
	if !c.operator {
		tenant = c.tenant
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := parseBatch(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b := &library.BatchInput{ID: batchID(tenant, ref, body), Tool: ref, Tenant: tenant, Input: body, Total: len(items)}
	created, err := s.opts.Batches.SaveBatchInput(r.Context(), b)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !created {
		if b, err = s.opts.Batches.LoadBatchInput(r.Context(), b.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	run, err := s.startBatch(b)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusAccepted
	if !created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/v1/batches/"+b.ID)
	writeJSON(w, status, run.progress())
}

// startBatch runs b unless this server runs it already, and returns it.
func (s *Server) startBatch(b *library.BatchInput) (*batchRun, error) {
	s.batchMu.Lock()
	defer s.batchMu.Unlock()
	if run := s.batches[b.ID]; run != nil {
		if st := run.snapshotStatus(); st == BatchRunning || st == BatchDone {
			return run, nil
		}
	}
	items, err := parseBatch(b.Input)
	if err != nil {
		return nil, fmt.Errorf("batch %s: its stored input no longer parses: %w", b.ID, err)
	}
	done, err := s.eng.BatchRuns(s.ctx, b.ID)
	if err != nil {
		return nil, err
	}
	run := &batchRun{id: b.ID, tool: b.Tool, tenant: b.Tenant, total: len(items), created: b.CreatedAt, items: items,
		lines: make([]*batchLine, len(items)), status: BatchRunning, changed: make(chan struct{})}
	var todo []int
	for i, it := range items {
		if r := done[it.id]; r != nil && r.Question == it.question {
			v := viewRun(r)
			run.record(i, &batchLine{ID: it.id, Status: statusOfRun(r), Answer: r.Answer, OK: r.OK, Tool: v.Tool, Path: v.Path, Error: r.Error})
			continue
		}
		todo = append(todo, i)
	}
	s.batches[b.ID] = run
	if len(todo) == 0 {
		run.finish(BatchDone, "")
		return run, nil
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runBatch(run, todo)
	}()
	return run, nil
}

func statusOfRun(r *tool.Run) string {
	switch {
	case r.OK && r.ToolName == "":
		return "pending"
	case r.OK:
		return "solved"
	}
	return "error"
}

// BatchQueue solves a batch's questions on other machines (latm workers
// on NATS JetStream, cli wires worker.Queue): it publishes the items that
// have no result yet, records each result as a run under the batch in
// the store the server reads (so a restarted server resumes), calls emit
// with the item's index for each, and returns once all are in.
type BatchQueue interface {
	SolveBatch(ctx context.Context, b QueuedBatch, items []QueuedItem, emit func(i int, r QueuedResult) error) error
}

// QueuedBatch is a batch given to a BatchQueue: its id, the tool that
// solves it ("": routed), and the scope of its routing, as a tenant's
// questions are routed here: only to the operator's tools and the
// tenant's own (every tenant's with Share), pooled as the tenant's, so
// that a tool their group makes is the tenant's.
type QueuedBatch struct {
	ID, Tool string
	Tenant   string // "": the operator's
	Share    bool   // Options.ShareTools
}

// QueuedItem is one question of a batch given to a BatchQueue.
type QueuedItem struct {
	Line         int
	ID, Question string
}

// QueuedResult is what became of a QueuedItem.
type QueuedResult struct {
	Status string // solved, pending or error
	Answer string
	OK     bool
	Tool   string // name@version
	Error  string
}

// runQueuedBatch is runBatch through the batch queue.
func (s *Server) runQueuedBatch(run *batchRun, todo []int) {
	items := make([]QueuedItem, len(todo))
	for k, i := range todo {
		it := run.items[i]
		items[k] = QueuedItem{Line: it.line, ID: it.id, Question: it.question}
	}
	qb := QueuedBatch{ID: run.id, Tool: run.tool, Tenant: run.tenant}
	if run.tenant != "" {
		qb.Share = s.opts.ShareTools
	}
	err := s.opts.BatchQueue.SolveBatch(s.ctx, qb, items, func(k int, r QueuedResult) error {
		if k < 0 || k >= len(todo) {
			return fmt.Errorf("batch queue: result for item %d of %d", k, len(todo))
		}
		path := PathNone
		if r.OK {
			path = "" // the run records it; GET reads it from the store
		}
		run.record(todo[k], &batchLine{ID: items[k].ID, Status: r.Status, Answer: r.Answer, OK: r.OK, Tool: r.Tool, Path: path, Error: r.Error})
		return nil
	})
	switch {
	case err != nil && s.ctx.Err() == nil:
		s.log.Error("batch failed", slog.String("batch", run.id), slog.Any("err", err))
		run.finish(BatchFailed, err.Error()+" (fix the cause and restart the server, or post the batch again, to resume)")
	case s.ctx.Err() != nil:
		run.finish(BatchStopped, "the server stopped; the batch resumes when it starts again")
	default:
		run.finish(BatchDone, "")
	}
}

func (s *Server) runBatch(run *batchRun, todo []int) {
	if s.opts.BatchQueue != nil {
		s.runQueuedBatch(run, todo)
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var failure error
	for range min(s.opts.BatchWorkers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				it := run.items[i]
				// Routed among the poster's tools and pooled as its own, as its /v1/solve would be.
				poster := caller{tenant: run.tenant, operator: run.tenant == ""}
				req := s.solveScope(poster, SolveRequest{Question: it.question, Tool: run.tool, Batch: run.id, ID: it.id})
				res, err := s.eng.Solve(ctx, req)
				if err != nil {
					if ctx.Err() == nil {
						once.Do(func() { failure = fmt.Errorf("line %d (id %s): %w", it.line, it.id, err) })
					}
					cancel()
					continue
				}
				s.met.solved(res)
				run.record(i, &batchLine{ID: it.id, Status: res.Status, Answer: res.Answer, OK: res.OK, Tool: res.Tool, Path: res.Path, Error: res.Error})
			}
		}()
	}
feed:
	for _, i := range todo {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	switch {
	case failure != nil:
		s.log.Error("batch failed", slog.String("batch", run.id), slog.Any("err", failure))
		run.finish(BatchFailed, failure.Error()+" (fix the cause and restart the server, or post the batch again, to resume)")
	case s.ctx.Err() != nil:
		run.finish(BatchStopped, "the server stopped; the batch resumes when it starts again")
	default:
		run.finish(BatchDone, "")
	}
}

func (b *batchRun) record(i int, l *batchLine) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lines[i] == nil {
		b.done++
		if l.OK {
			b.ok++
		}
	}
	b.lines[i] = l
	if b.done == b.total {
		b.status = BatchDone // the moment the last line is in, not when the workers exit
	}
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *batchRun) finish(status, msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done == b.total {
		status, msg = BatchDone, "" // every line was answered
	}
	b.status, b.err = status, msg
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *batchRun) snapshotStatus() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// batchProgress is GET /v1/batches/{id}.
type batchProgress struct {
	ID        string    `json:"id"`
	Tool      string    `json:"tool,omitempty"`
	Status    string    `json:"status"`
	Total     int       `json:"total"`
	Done      int       `json:"done"`
	OK        int       `json:"ok"`
	Failed    int       `json:"failed"`
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Results   string    `json:"results"`
}

func (b *batchRun) progress() batchProgress {
	b.mu.Lock()
	defer b.mu.Unlock()
	return batchProgress{ID: b.id, Tool: b.tool, Status: b.status, Total: b.total, Done: b.done, OK: b.ok,
		Failed: b.done - b.ok, Error: b.err, CreatedAt: b.created.UTC(), Results: "/v1/batches/" + b.id + "/results"}
}

// lookupBatch finds a batch this server runs or ran, or loads a finished
// one from the store as a finished run.
func (s *Server) lookupBatch(ctx context.Context, id string) (*batchRun, error) {
	s.batchMu.Lock()
	run := s.batches[id]
	s.batchMu.Unlock()
	if run != nil {
		return run, nil
	}
	if s.opts.Batches == nil {
		return nil, fmt.Errorf("batch %s: %w", id, library.ErrNotFound)
	}
	b, err := s.opts.Batches.LoadBatchInput(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.startBatch(b)
}

// ownBatch is lookupBatch for a caller: another tenant's batch is not found.
func (s *Server) ownBatch(r *http.Request) (*batchRun, error) {
	id := r.PathValue("id")
	run, err := s.lookupBatch(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if c := s.callerOf(r); !c.operator && run.tenant != c.tenant {
		return nil, fmt.Errorf("batch %s: %w", id, library.ErrNotFound)
	}
	return run, nil
}

func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) {
	run, err := s.ownBatch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run.progress())
}

// batchResults streams the results as JSONL in input order, each line as
// soon as it and every line before it are answered; it ends when the
// batch stops running (unanswered lines then say "unsolved").
func (s *Server) batchResults(w http.ResponseWriter, r *http.Request) {
	run, err := s.ownBatch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	flusher, _ := w.(http.Flusher)
	for i := 0; i < len(run.items); {
		run.mu.Lock()
		l, status, changed := run.lines[i], run.status, run.changed
		run.mu.Unlock()
		switch {
		case l != nil:
		case status != BatchRunning:
			l = &batchLine{ID: run.items[i].id, Status: "unsolved", Error: "not answered: the batch is " + status}
		default:
			if flusher != nil {
				flusher.Flush()
			}
			select {
			case <-changed:
				continue
			case <-r.Context().Done():
				return
			case <-s.draining:
				return
			}
		}
		if err := enc.Encode(l); err != nil {
			return
		}
		i++
	}
	if flusher != nil {
		flusher.Flush()
	}
}
