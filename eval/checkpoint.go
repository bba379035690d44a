package eval

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/latm/latm/tool"
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
	// Measured names the models and endpoints that answered, and Question
	// is the hash of the example asked: a re-run reuses the line only when
	// both still hold, so a changed model, --cot-role or task file asks again.
	Measured string `json:"measured"`
	Question string `json:"question"`
	Invalid  int    `json:"invalid_arguments,omitempty"` // JSON arguments refused by the schema
	usage

	unfinished bool // failed outside the model; never checkpointed
}

// toolRecord is one finished tool making, as a checkpoint line.
type toolRecord struct {
	Kind         string     `json:"kind"` // "tool"
	Task         string     `json:"task"`
	Tool         *tool.Tool `json:"tool,omitempty"`
	Error        string     `json:"error,omitempty"`
	ProposeTries int        `json:"propose_tries"`
	VerifyTries  int        `json:"verify_tries"`
	WallMS       int64      `json:"wall_ms"`
	// Maker names the maker model and endpoint, Examples hashes the
	// examples it was shown; a re-run reuses the making only when both hold.
	Maker    string `json:"maker"`
	Examples string `json:"examples"`
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
	if torn, err := lacksFinalNewline(path); err != nil || torn {
		if err == nil {
			_, err = f.WriteString("\n")
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
	}
	cp.f = f
	return cp, nil
}

// done returns the finished instance i of task and method, if it was
// measured on the same models and asked the same question.
// lacksFinalNewline says whether the file at path is non-empty and does
// not end in a newline: its last line was torn.
func lacksFinalNewline(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return false, err
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, st.Size()-1); err != nil {
		return false, err
	}
	return b[0] != '\n', nil
}

func (cp *checkpoint) done(task, method string, i int, measured, question string) (instance, bool) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	in, ok := cp.insts[instKey(task, method, i)]
	if !ok || in.Measured != measured || in.Question != question {
		return instance{}, false
	}
	return in, true
}

// tool returns the finished making for task, if the same maker model was
// shown the same examples.
func (cp *checkpoint) tool(task, maker, examples string) (toolRecord, bool) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	tr, ok := cp.tools[task]
	if !ok || tr.Maker != maker || tr.Examples != examples {
		return toolRecord{}, false
	}
	return tr, true
}

// exampleHash identifies the examples a record was measured on.
func exampleHash(ex ...Example) string {
	h := sha256.New()
	for _, e := range ex {
		fmt.Fprintf(h, "%d:%s%d:%s", len(e.Question), e.Question, len(e.Answer), e.Answer)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
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
