package eval

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/latm/latm/library"
)

// instance is one finished test instance, as a checkpoint line.
type instance struct {
	Kind    string `json:"kind"` // "instance"
	Task    string `json:"task"`
	Method  string `json:"method"`
	Index   int    `json:"index"`
	Answer  string `json:"answer"`
	Correct bool   `json:"correct"`
	Error   string `json:"error,omitempty"`
	usage

	unfinished bool // failed outside the model; never checkpointed
}

// toolRecord is one finished tool making, as a checkpoint line.
type toolRecord struct {
	Kind         string        `json:"kind"` // "tool"
	Task         string        `json:"task"`
	Tool         *library.Tool `json:"tool,omitempty"`
	Error        string        `json:"error,omitempty"`
	ProposeTries int           `json:"propose_tries"`
	VerifyTries  int           `json:"verify_tries"`
	WallMS       int64         `json:"wall_ms"`
	usage
}

// checkpoint is an append-only JSONL file of finished work. A torn last
// line (a kill mid-write) is ignored: that instance runs again.
type checkpoint struct {
	mu    sync.Mutex
	f     *os.File
	insts map[string]instance
	tools map[string]toolRecord
}

func instKey(task, method string, i int) string {
	return fmt.Sprintf("%s\x00%s\x00%d", task, method, i)
}

func openCheckpoint(path string) (*checkpoint, error) {
	cp := &checkpoint{insts: map[string]instance{}, tools: map[string]toolRecord{}}
	if path == "" {
		return cp, nil
	}
	if data, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(data)
		sc.Buffer(make([]byte, 64*1024), 64<<20)
		for sc.Scan() {
			var kind struct{ Kind string }
			line := sc.Bytes()
			if json.Unmarshal(line, &kind) != nil {
				continue
			}
			switch kind.Kind {
			case "instance":
				var in instance
				if json.Unmarshal(line, &in) == nil {
					cp.insts[instKey(in.Task, in.Method, in.Index)] = in
				}
			case "tool":
				var tr toolRecord
				if json.Unmarshal(line, &tr) == nil {
					cp.tools[tr.Task] = tr
				}
			}
		}
		data.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	// A line torn by a kill would glue itself to the next record.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		if _, err := f.WriteString("\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
	}
	cp.f = f
	return cp, nil
}

func (cp *checkpoint) done(task, method string, i int) (instance, bool) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	in, ok := cp.insts[instKey(task, method, i)]
	return in, ok
}

func (cp *checkpoint) tool(task string) (toolRecord, bool) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	tr, ok := cp.tools[task]
	return tr, ok
}

func (cp *checkpoint) append(rec any) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	switch r := rec.(type) {
	case instance:
		cp.insts[instKey(r.Task, r.Method, r.Index)] = r
	case toolRecord:
		cp.tools[r.Task] = r
	}
	if cp.f == nil {
		return nil
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if _, err := cp.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("checkpoint %s: %w", cp.f.Name(), err)
	}
	return nil
}

func (cp *checkpoint) Close() error {
	if cp.f == nil {
		return nil
	}
	return cp.f.Close()
}
