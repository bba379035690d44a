package starlarkrt

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Environment variables that turn a process of this binary into a sandbox
// worker, and give it its memory budget in bytes.
const (
	workerEnv       = "LATM_STARLARKRT_WORKER"
	workerMemoryEnv = "LATM_STARLARKRT_MEMORY"
)

// workerOverhead is the memory a worker needs beyond the programs' own
// budget when it cannot measure what it uses before serving: the Go
// runtime, the interpreter, compiled programs.
const workerOverhead = 192 << 20

// workerHeadroom is what a worker allows beyond the data it uses before
// serving plus the budget: room for the collector and the pipe's buffers,
// small enough that one allocation larger than the budget always fails.
const workerHeadroom = 48 << 20

// wireRequest and wireResponse cross the pipe between a Runtime and its
// worker processes, gob-encoded.
type wireRequest struct {
	Op      string // "load", "call", "exec"
	Tool    Source
	Snippet Source
	Fn      string
	Args    []any
	Kwargs  map[string]any
	Limits  Limits
	Dialect Dialect
	Modules []string // the standard modules programs may use, by name
	// Deadline is the caller's context deadline, if any: the worker stops
	// the call there and says so (CtxErr), so that a caller's deadline is
	// never reported as the time limit when the caller's own timer is late.
	Deadline time.Time
}

type wireResponse struct {
	Module  *Module
	Result  *Result
	Exec    *ExecResult
	Limit   *LimitError
	Program *ProgramError
	Err     string
	// CtxErr is set when the call stopped at the request's Deadline.
	CtxErr bool
}

func init() {
	gob.Register([]any{})
	gob.Register(map[string]any{})
	gob.Register(&big.Int{})
}

// RunWorkerIfRequested must be called first in main (and in TestMain of any
// test binary that uses Subprocess isolation). In a process started as a
// sandbox worker it serves requests on stdin/stdout until stdin closes, and
// exits; otherwise it returns at once.
func RunWorkerIfRequested() {
	if os.Getenv(workerEnv) != "1" {
		return
	}
	budget, _ := strconv.ParseInt(os.Getenv(workerMemoryEnv), 10, 64)
	if budget <= 0 {
		budget = DefaultMaxMemory
	}
	// The OS limit stops what the sampling guard is too slow to see: one
	// operation that allocates far past the budget makes the Go runtime
	// fail ("out of memory") and the worker die; the parent reports it
	// as the memory limit and starts another worker.
	//
	// The limit is the data the worker already uses, measured, plus the
	// budget and a small headroom: with a fixed overhead instead, an
	// allocation of up to the overhead past the budget could succeed and,
	// when it lives less than a sampling period, go unseen.
	base, err := dataBytes()
	limit := base + budget + workerHeadroom
	if err != nil {
		base, limit = workerOverhead/2, budget+workerOverhead
	}
	if !raceEnabled {
		if err := limitMemory(limit); err != nil {
			fmt.Fprintf(os.Stderr, "latm sandbox worker: %v\n", err)
		}
	}
	debug.SetMemoryLimit(limit)
	debug.SetMaxStack(256 << 20)
	err = serve(os.Stdin, os.Stdout)
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(os.Stderr, "latm sandbox worker: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serve answers requests one at a time until r ends.
func serve(r io.Reader, w io.Writer) error {
	// One engine (and compile cache) per dialect and module choice; a
	// worker serves one Runtime, so there is usually one.
	engines := map[string]*engine{}
	dec := gob.NewDecoder(bufio.NewReader(r))
	bw := bufio.NewWriter(w)
	enc := gob.NewEncoder(bw)
	for {
		var req wireRequest
		if err := dec.Decode(&req); err != nil {
			return err
		}
		key := req.Dialect.String() + ":" + strings.Join(req.Modules, ",")
		eng, ok := engines[key]
		if !ok {
			mods, err := modulesByName(req.Modules)
			if err != nil {
				return err
			}
			eng = newEngineFor(req.Dialect, mods)
			engines[key] = eng
		}
		resp := handle(eng, &req)
		if err := enc.Encode(resp); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
}

func handle(eng *engine, req *wireRequest) *wireResponse {
	ctx := context.Background()
	if !req.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, req.Deadline)
		defer cancel()
	}
	resp := &wireResponse{}
	var err error
	switch req.Op {
	case "load":
		resp.Module, err = eng.load(ctx, req.Limits, req.Tool)
	case "call":
		resp.Result, err = eng.call(ctx, req.Limits, req.Tool, req.Fn, req.Args, req.Kwargs)
	case "exec":
		resp.Exec, err = eng.exec(ctx, req.Limits, req.Tool, req.Snippet)
	default:
		err = fmt.Errorf("unknown request %q", req.Op)
	}
	var le *LimitError
	var pe *ProgramError
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded):
		resp.CtxErr = true
	case errors.As(err, &le):
		resp.Limit = le
	case errors.As(err, &pe):
		resp.Program = pe
	default:
		resp.Err = err.Error()
	}
	return resp
}

// pool runs requests on worker processes, at most size at a time.
type pool struct {
	exe   string
	lim   Limits
	slots chan struct{}

	mu     sync.Mutex
	idle   []*worker
	all    map[*worker]bool
	closed bool
}

func newPool(opts Options) (*pool, error) {
	if err := checkModules(opts.Modules); err != nil {
		return nil, err
	}
	exe := opts.WorkerPath
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("starlarkrt: find own executable to start sandbox workers: %w", err)
		}
	}
	n := opts.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return &pool{exe: exe, lim: opts.Limits, slots: make(chan struct{}, n), all: map[*worker]bool{}}, nil
}

// worker is one sandbox process.
type worker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *os.File
	enc    *gob.Encoder
	dec    *gob.Decoder
	stderr *tail
	exited chan struct{}
}

func (p *pool) start() (*worker, error) {
	cmd := exec.Command(p.exe)
	cmd.Env = []string{
		workerEnv + "=1",
		workerMemoryEnv + "=" + strconv.FormatInt(p.lim.MaxMemory, 10),
		"GOMAXPROCS=2",
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// The read end is an *os.File in the runtime's poller, so a read of
	// it can carry a deadline (see wait).
	f, ok := stdout.(*os.File)
	if !ok {
		return nil, fmt.Errorf("starlarkrt: sandbox worker stdout is a %T, not a pipe", stdout)
	}
	w := &worker{cmd: cmd, stdin: stdin, stdout: f, stderr: &tail{max: 4096}, exited: make(chan struct{})}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starlarkrt: start sandbox worker %s: %w", p.exe, err)
	}
	go func() {
		cmd.Wait()
		close(w.exited)
	}()
	w.enc = gob.NewEncoder(stdin)
	w.dec = gob.NewDecoder(bufio.NewReader(stdout))
	p.mu.Lock()
	p.all[w] = true
	p.mu.Unlock()
	return w, nil
}

func (p *pool) take() (*worker, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("starlarkrt: runtime closed")
	}
	for n := len(p.idle); n > 0; n = len(p.idle) {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		select {
		case <-w.exited: // died while idle (killed from outside): replace it
			delete(p.all, w)
			continue
		default:
		}
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	return p.start()
}

func (p *pool) put(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.kill()
		return
	}
	p.idle = append(p.idle, w)
}

func (p *pool) discard(w *worker) {
	w.kill()
	p.mu.Lock()
	delete(p.all, w)
	p.mu.Unlock()
}

func (w *worker) kill() {
	w.stdin.Close()
	if w.cmd.Process != nil {
		w.cmd.Process.Kill()
	}
	<-w.exited
}

func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	all := make([]*worker, 0, len(p.all))
	for w := range p.all {
		all = append(all, w)
	}
	p.all = map[*worker]bool{}
	p.idle = nil
	p.mu.Unlock()
	for _, w := range all {
		w.kill()
	}
}

// grace is how long past its time limit a call may take before its worker
// is killed: the worker stops a call itself at the limit, between two
// instructions; the kill is for single operations that never yield.
func grace(timeout time.Duration) time.Duration { return 500*time.Millisecond + timeout/10 }

func (p *pool) do(ctx context.Context, req *wireRequest) (*wireResponse, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.slots }()
	// A worker found dead when the request is sent (it was killed while
	// idle) is replaced once.
	for attempt := 0; ; attempt++ {
		w, err := p.take()
		if err != nil {
			return nil, err
		}
		if err := w.enc.Encode(req); err != nil {
			p.discard(w)
			if attempt == 0 {
				continue
			}
			return nil, fmt.Errorf("starlarkrt: send to sandbox worker: %w", err)
		}
		return p.wait(ctx, w, req)
	}
}

func (p *pool) wait(ctx context.Context, w *worker, req *wireRequest) (*wireResponse, error) {
	// The answer is read in this goroutine, under a read deadline (the time
	// limit and its grace) that a cancelled ctx brings forward: no goroutine
	// hop per call.
	if err := w.stdout.SetReadDeadline(time.Now().Add(req.Limits.Timeout + grace(req.Limits.Timeout))); err != nil {
		p.discard(w)
		return nil, fmt.Errorf("starlarkrt: sandbox worker pipe: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { w.stdout.SetReadDeadline(time.Now()) })
	var resp wireResponse
	err := w.dec.Decode(&resp)
	stop()
	switch {
	case err == nil && resp.CtxErr:
		p.put(w)
		return nil, context.DeadlineExceeded
	case err == nil && resp.Limit != nil:
		// A call stopped at a limit may leave the worker holding what it
		// grew to: the Go runtime keeps its heap mapped, and the mapping
		// counts against the worker's OS memory limit, so the next call,
		// however small, could be refused memory. The worker is retired.
		p.discard(w)
		return &resp, nil
	case err == nil:
		p.put(w)
		return &resp, nil
	case ctx.Err() != nil:
		p.discard(w)
		return nil, ctx.Err()
	case errors.Is(err, os.ErrDeadlineExceeded):
		p.discard(w)
		return nil, &LimitError{Limit: "time", Max: req.Limits.Timeout.String()}
	}
	p.discard(w)
	return nil, w.crashError(req.Limits)
}

// crashError says why a worker died in the middle of a call, from the end
// of what it wrote to stderr.
func (w *worker) crashError(lim Limits) error {
	<-w.exited
	msg := w.stderr.String()
	switch {
	case strings.HasPrefix(msg, "panic: ") || strings.Contains(msg, "\npanic: "):
		// A Go panic, not a refused allocation: a bug, reported as such.
	case strings.Contains(msg, "stack exceeds"), strings.Contains(msg, "stack overflow"):
		return &LimitError{Limit: "depth", Max: strconv.Itoa(lim.MaxDepth)}
	case strings.Contains(msg, "out of memory"), strings.Contains(msg, "cannot allocate memory"),
		// The worker is pure Go: it faults only when the runtime itself
		// fails to get memory under the OS limit (seen in the garbage
		// collector's mark phase when a mapping is refused).
		strings.Contains(msg, "SIGSEGV"), strings.Contains(msg, "SIGBUS"):
		return &LimitError{Limit: "memory", Max: formatSize(lim.MaxMemory)}
	}
	first := msg
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	if first == "" {
		first = w.cmd.ProcessState.String()
	}
	return fmt.Errorf("starlarkrt: sandbox worker died during the call: %s", first)
}

// tail keeps the first max bytes written to it (a Go crash report starts
// with its reason).
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - len(t.buf); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		t.buf = append(t.buf, p[:room]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
