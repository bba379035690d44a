package serve

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/latm/latm/library"
)

// Job is a making of a tool, which takes minutes of model calls and so
// runs apart from the request that asked for it. Jobs live in the
// server's memory: a restart forgets them (the tool, once saved, stays).
type Job struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"` // "make"
	Name       string    `json:"name"`
	Status     string    `json:"status"` // running, done, failed
	Tool       string    `json:"tool,omitempty"`
	Error      string    `json:"error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	done       chan struct{}
	result     *library.Tool
}

// Job statuses.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

var jobSeq atomic.Int64

type makeBody struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Examples    []library.Example `json:"examples"`
	Train       int               `json:"train,omitempty"`
	Valid       int               `json:"valid,omitempty"`
}

// maxJobs bounds the jobs kept in memory; past it the older half of the
// finished ones is forgotten.
const maxJobs = 1000

// maxExamples bounds the solved examples of one make request.
const maxExamples = 200

func (b *makeBody) check() error {
	if err := library.ValidateName(b.Name); err != nil {
		return &InputError{Field: "name", Err: err}
	}
	if len(b.Examples) == 0 {
		return badInput("examples", "is empty; give solved examples, each {\"question\", \"answer\"}")
	}
	if len(b.Examples) > maxExamples {
		return badInput("examples", "has %d examples; at most %d are allowed", len(b.Examples), maxExamples)
	}
	for i, e := range b.Examples {
		if strings.TrimSpace(e.Question) == "" || strings.TrimSpace(e.Answer) == "" {
			return badInput(fmt.Sprintf("examples[%d]", i), "needs a non-empty question and answer")
		}
	}
	if b.Train < 0 || b.Valid < 0 || b.Train > maxExamples || b.Valid > maxExamples {
		return badInput("train", "train and valid must be from 0 (the configured default) to %d", maxExamples)
	}
	return nil
}

// startMake runs a make job in the background and returns it.
func (s *Server) startMake(b makeBody) *Job {
	j := &Job{ID: fmt.Sprintf("job-%d-%d", time.Now().Unix(), jobSeq.Add(1)), Kind: "make", Name: b.Name,
		Status: JobRunning, CreatedAt: time.Now().UTC(), done: make(chan struct{})}
	s.jobsMu.Lock()
	if len(s.jobs) >= maxJobs { // forget the finished ones, oldest first
		var old []*Job
		for _, o := range s.jobs {
			if o.Status != JobRunning {
				old = append(old, o)
			}
		}
		sort.Slice(old, func(a, b int) bool { return old[a].CreatedAt.Before(old[b].CreatedAt) })
		for _, o := range old[:len(old)/2] {
			delete(s.jobs, o.ID)
		}
	}
	s.jobs[j.ID] = j
	s.jobsMu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(j.done)
		tool, err := s.eng.Make(s.ctx, MakeRequest{Name: b.Name, Description: b.Description, Examples: b.Examples, Train: b.Train, Valid: b.Valid})
		s.jobsMu.Lock()
		defer s.jobsMu.Unlock()
		j.FinishedAt = time.Now().UTC()
		if err != nil {
			j.Status, j.Error = JobFailed, err.Error()
			return
		}
		j.Status, j.Tool, j.result = JobDone, tool.Ref(), tool
	}()
	return j
}

func (s *Server) job(id string) (Job, bool) {
	s.jobsMu.Lock()
	defer s.jobsMu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return Job{}, false
	}
	return *j, true
}

func (s *Server) makeTool(w http.ResponseWriter, r *http.Request) {
	var b makeBody
	if err := decode(r, &b); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := b.check(); err != nil {
		s.fail(w, r, err)
		return
	}
	j := s.startMake(b)
	snap, _ := s.job(j.ID)
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, snap)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	j, ok := s.job(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, codeNotFound, "id", "no job "+r.PathValue("id")+" (jobs are kept in memory until the server stops)")
		return
	}
	writeJSON(w, http.StatusOK, j)
}
