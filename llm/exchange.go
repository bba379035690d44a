package llm

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
)

// errReplayMiss is a request the replay file has no reply for.
var errReplayMiss = errors.New("no recorded reply")

// cacheKey identifies a request: the same endpoint, model, sampling
// settings and messages get the same key, in the cache and in record files.
func cacheKey(rc RoleConfig, msgs []Message) string {
	if msgs == nil {
		msgs = []Message{}
	}
	b, err := json.Marshal(struct {
		BaseURL     string    `json:"base_url"`
		Model       string    `json:"model"`
		Temperature float32   `json:"temperature"`
		MaxTokens   int       `json:"max_tokens"`
		Messages    []Message `json:"messages"`
	}{rc.BaseURL, rc.Model, rc.Temperature, rc.MaxTokens, msgs})
	if err != nil {
		panic(fmt.Sprintf("llm: cache key: %v", err)) // strings and numbers always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// storedResponse is a Response as kept in the cache and record files.
type storedResponse struct {
	Content      string  `json:"content"`
	Reasoning    string  `json:"reasoning,omitempty"`
	FinishReason string  `json:"finish_reason"`
	TokensIn     int     `json:"tokens_in"`
	TokensOut    int     `json:"tokens_out"`
	Estimated    bool    `json:"estimated,omitempty"`
	Cost         float64 `json:"cost"`
	LatencyMS    int64   `json:"latency_ms"`
	Model        string  `json:"model"`
}

func toStored(r *Response) storedResponse {
	return storedResponse{r.Content, r.Reasoning, r.FinishReason, r.TokensIn, r.TokensOut, r.Estimated, r.Cost, r.Latency.Milliseconds(), r.Model}
}

func (s storedResponse) response() *Response {
	return &Response{Content: s.Content, Reasoning: s.Reasoning, FinishReason: s.FinishReason,
		TokensIn: s.TokensIn, TokensOut: s.TokensOut, Estimated: s.Estimated, Cost: s.Cost, Model: s.Model}
}

func marshalResponse(r *Response) ([]byte, error) { return json.Marshal(toStored(r)) }

func unmarshalResponse(b []byte, r *Response) error {
	var s storedResponse
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*r = *s.response()
	return nil
}

// exchange is one line of a record file.
type exchange struct {
	Key      string          `json:"key"`
	Role     Role            `json:"role"`
	Model    string          `json:"model"`
	Messages []Message       `json:"messages"`
	Response *Response       `json:"-"`
	Stored   *storedResponse `json:"response"`
}

// recorder appends exchanges to a JSONL file, one complete line per write.
type recorder struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func openRecord(path string) (*recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("llm: open record file: %w", err)
	}
	return &recorder{path: path, f: f}, nil
}

func (r *recorder) write(x exchange) error {
	s := toStored(x.Response)
	x.Stored = &s
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Errorf("llm: record to %s: %w", r.path, err)
	}
	b = append(b, '\n')
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return fmt.Errorf("llm: record to %s: file already closed", r.path)
	}
	// One write per line on an O_APPEND file: the line reaches the file
	// whole, even if the process dies right after.
	if _, err := r.f.Write(b); err != nil {
		return fmt.Errorf("llm: record to %s: %w", r.path, err)
	}
	return nil
}

func (r *recorder) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	if err != nil {
		return fmt.Errorf("llm: close record file %s: %w", r.path, err)
	}
	return nil
}

// replayer serves recorded replies by key. A key recorded several times
// (sampled calls) serves its replies in order, the last one repeating.
type replayer struct {
	path string
	mu   sync.Mutex
	byKy map[string]*replayQueue
}

type replayQueue struct {
	replies []storedResponse
	next    int
}

func loadReplay(path string) (*replayer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("llm: replay file: %w (record one with --record)", err)
	}
	defer f.Close()
	rp := &replayer{path: path, byKy: map[string]*replayQueue{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var x exchange
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			return nil, fmt.Errorf("llm: replay file %s line %d: %w (fix the line or record the file again with --record)", path, line, err)
		}
		if x.Key == "" || x.Stored == nil {
			return nil, fmt.Errorf("llm: replay file %s line %d: no key or no response (fix the line or record the file again with --record)", path, line)
		}
		q := rp.byKy[x.Key]
		if q == nil {
			q = &replayQueue{}
			rp.byKy[x.Key] = q
		}
		q.replies = append(q.replies, *x.Stored)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("llm: replay file %s: %w", path, err)
	}
	return rp, nil
}

func (rp *replayer) take(key string) (*Response, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	q := rp.byKy[key]
	if q == nil {
		return nil, fmt.Errorf("%w in %s", errReplayMiss, rp.path)
	}
	s := q.replies[q.next]
	if q.next < len(q.replies)-1 {
		q.next++
	}
	return s.response(), nil
}
