package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// maxQuestion bounds one question (bytes); a question is one instance of
// a task, not a document.
const maxQuestion = 64 << 10

type solveBody struct {
	Question string `json:"question"`
	Tool     string `json:"tool,omitempty"`
}

func checkQuestion(field, q string) error {
	switch {
	case strings.TrimSpace(q) == "":
		return badInput(field, "is empty; give the question to answer")
	case len(q) > maxQuestion:
		return badInput(field, "is %d bytes long; at most %d are allowed", len(q), maxQuestion)
	}
	return nil
}

func checkRef(field, ref string) error {
	if _, _, err := tool.ParseRef(ref); err != nil {
		return &InputError{Field: field, Err: err}
	}
	return nil
}

func (s *Server) solve(w http.ResponseWriter, r *http.Request) {
	var b solveBody
	if err := decode(r, &b); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkQuestion("question", b.Question); err != nil {
		s.fail(w, r, err)
		return
	}
	if b.Tool != "" {
		if err := checkRef("tool", b.Tool); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if b.Tool != "" {
		if _, _, err := s.toolFor(r.Context(), s.callerOf(r), b.Tool); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	res, err := s.eng.Solve(r.Context(), s.solveScope(s.callerOf(r), SolveRequest{Question: b.Question, Tool: b.Tool}))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.met.solved(res)
	writeJSON(w, http.StatusOK, res)
}

type callBody struct {
	Args json.RawMessage `json:"args"`
}

// callArgs reads args: a JSON array (positional), an object (keyword) or
// absent (no arguments).
func callArgs(raw json.RawMessage) ([]any, map[string]any, error) {
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" {
		return nil, nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, badInput("args", "invalid JSON: %v", err)
	}
	switch x := v.(type) {
	case []any:
		return x, nil, nil
	case map[string]any:
		return nil, x, nil
	}
	return nil, nil, badInput("args", "must be an array of positional arguments or an object of keyword arguments")
}

func (s *Server) callTool(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	if err := checkRef("ref", ref); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, _, err := s.toolFor(r.Context(), s.callerOf(r), ref); err != nil {
		s.fail(w, r, err)
		return
	}
	var b callBody
	if err := decode(r, &b); err != nil {
		s.fail(w, r, err)
		return
	}
	args, kwargs, err := callArgs(b.Args)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.eng.Call(r.Context(), CallRequest{Tool: ref, Args: args, Kwargs: kwargs})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.met.called(res)
	writeJSON(w, http.StatusOK, res)
}

// toolSummary is a tool in a listing.
type toolSummary struct {
	Name        string    `json:"name"`
	Version     int       `json:"version"`
	Ref         string    `json:"ref"`
	Status      string    `json:"status"`
	Description string    `json:"description"`
	Signature   string    `json:"signature"`
	Examples    int       `json:"examples"`
	CreatedAt   time.Time `json:"created_at"`
	// Tenant owns a tool learned from its gateway traffic (shown to the
	// owner and the operator); Shared marks another tenant's tool seen
	// through sharing, without its usage examples.
	Tenant string `json:"tenant,omitempty"`
	Shared bool   `json:"shared,omitempty"`
	// Phase is where a tool learned from gateway traffic stands (shadow
	// or live); "" for a tool that was not.
	Phase tool.Phase `json:"phase,omitempty"`
}

func summarize(t *tool.Tool) toolSummary {
	return toolSummary{Name: t.Name, Version: t.Version, Ref: t.Ref(), Status: t.Status, Description: t.Description,
		Signature: t.Signature, Examples: len(t.Examples), CreatedAt: t.CreatedAt, Tenant: t.Tenant}
}

// toolDetail is one tool version with its history and stats.
type toolDetail struct {
	toolSummary
	Entry      string              `json:"entry"`
	Source     string              `json:"source"`
	Usage      []tool.UsageExample `json:"usage_examples"`
	Validation []tool.Validation   `json:"validation"`
	MakerModel string              `json:"maker_model"`
	ArgsSchema map[string]any      `json:"args_schema"`
	Versions   []toolSummary       `json:"versions"`
	Stats      library.ToolStats   `json:"stats"`
	// Phases is every phase transition of every version of the tool,
	// oldest first, with the agreement and reason that decided it.
	Phases []tool.PhaseChange `json:"phases"`
	// Shadow is where the version's shadow checks stand.
	Shadow ToolShadow `json:"shadow"`
}

func (s *Server) listTools(w http.ResponseWriter, r *http.Request) {
	all := r.URL.Query().Get("all") == "true"
	tools, err := s.eng.Tools(r.Context(), all)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.summaries(r.Context(), s.callerOf(r), tools)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tools": out})
}

// toolOf loads the tool the {ref} path value names (NAME, the newest
// active version, or NAME@N) as the caller may see it.
func (s *Server) toolOf(r *http.Request) (*tool.Tool, access, error) {
	return s.toolFor(r.Context(), s.callerOf(r), r.PathValue("ref"))
}

func (s *Server) detail(r *http.Request, t *tool.Tool, a access) (*toolDetail, error) {
	c := s.callerOf(r)
	versions, err := s.eng.ToolVersions(r.Context(), t.Name)
	if err != nil {
		return nil, err
	}
	stats, err := s.eng.Stats(r.Context(), t.Name)
	if err != nil {
		return nil, err
	}
	sum, err := s.summaryFor(r.Context(), c, t)
	if err != nil {
		return nil, err
	}
	sum.Shared = a == shared // t is the copy c may see, without its tenant
	d := &toolDetail{toolSummary: sum, Entry: t.Entry, Source: t.Source, Usage: t.Examples,
		Validation: t.Validation, MakerModel: t.MakerModel, ArgsSchema: ArgsSchema(t), Stats: stats}
	if d.Versions, err = s.summaries(r.Context(), c, versions); err != nil {
		return nil, err
	}
	if d.Phases, err = s.phaseHistory(r.Context(), t.Name, a); err != nil {
		return nil, err
	}
	if d.Shadow, err = s.eng.Shadow(r.Context(), t); err != nil {
		return nil, err
	}
	if off := d.Shadow.Off; off != nil && a == shared {
		// The instance is the owner's data, as its usage examples are.
		cp := *off
		cp.Batch, cp.InputID, cp.Question, cp.NoModelAnswer, cp.ModelAnswer, cp.Note = "", "", "", "", "", ""
		d.Shadow.Off = &cp
	}
	if d.Usage == nil {
		d.Usage = []tool.UsageExample{}
	}
	if d.Validation == nil {
		d.Validation = []tool.Validation{}
	}
	return d, nil
}

func (s *Server) getTool(w http.ResponseWriter, r *http.Request) {
	t, a, err := s.toolOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.detail(r, t, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) setActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, version, err := tool.ParseRef(r.PathValue("ref"))
		if err != nil {
			s.fail(w, r, &InputError{Field: "ref", Err: err})
			return
		}
		if !s.ownsAll(w, r, name, version) {
			return
		}
		if err := s.eng.SetActive(r.Context(), name, version, active); err != nil {
			s.fail(w, r, err)
			return
		}
		versions, err := s.eng.ToolVersions(r.Context(), name)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := s.summaries(r.Context(), s.callerOf(r), versions)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"versions": out})
	}
}

func (s *Server) exportTool(w http.ResponseWriter, r *http.Request) {
	t, a, err := s.toolOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a != full {
		writeError(w, http.StatusForbidden, codeForbidden, "ref", "the package of "+t.Ref()+" holds another tenant's usage examples; only its owner may export it")
		return
	}
	pkg, err := tool.EncodePackage(t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/x-starlark; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", t.Name+"@"+strconv.Itoa(t.Version)+".star"))
	_, _ = w.Write(pkg)
}

func (s *Server) importPackage(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		s.fail(w, r, badInput("package", "the body is empty; send a tool package (latm tools export) as the body"))
		return
	}
	t, err := s.eng.Import(r.Context(), data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, summarize(t))
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if strings.TrimSpace(q) == "" {
		s.fail(w, r, badInput("q", "is empty; give the text to search for"))
		return
	}
	limit, err := intParam(r, "limit", 10, 1, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hits, err := s.eng.Search(r.Context(), q, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := s.callerOf(r)
	out := make([]map[string]any, 0, len(hits))
	for _, h := range hits {
		if ok, err := s.searchable(r.Context(), c, h); err != nil {
			s.fail(w, r, err)
			return
		} else if !ok {
			continue
		}
		out = append(out, map[string]any{"tool": tool.Ref(h.Name, h.Version), "name": h.Name, "version": h.Version, "score": h.Score})
	}
	writeJSON(w, http.StatusOK, map[string]any{"hits": out})
}

// intParam reads an integer query parameter within [lo, hi].
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badInput(name, "must be a whole number from %d to %d, not %q", lo, hi, v)
	}
	return n, nil
}

// runView is a run in the API.
type runView struct {
	ID        int64     `json:"id"`
	Batch     string    `json:"batch"`
	InputID   string    `json:"input_id"`
	Question  string    `json:"question"`
	Tool      string    `json:"tool"`
	Code      string    `json:"code"`
	Answer    string    `json:"answer"`
	OK        bool      `json:"ok"`
	Error     string    `json:"error,omitempty"`
	Path      string    `json:"path"`
	LatencyMS float64   `json:"latency_ms"`
	CreatedAt time.Time `json:"created_at"`
}

func viewRun(r *tool.Run) runView {
	ref := ""
	if r.ToolName != "" {
		ref = tool.Ref(r.ToolName, r.ToolVersion)
	}
	path := pathOf(r)
	if r.ToolName == "" && r.OK {
		path = PathStrongModel
	}
	return runView{r.ID, r.Batch, r.InputID, r.Question, ref, r.Code, r.Answer, r.OK, r.Error, path, ms(r.Latency), r.CreatedAt}
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 100, 1, 1000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := library.RunFilter{Tool: r.URL.Query().Get("tool"), Batch: r.URL.Query().Get("batch"), Limit: limit}
	if f.Tool != "" {
		if err := tool.ValidateName(f.Tool); err != nil {
			s.fail(w, r, &InputError{Field: "tool", Err: err})
			return
		}
	}
	runs, err := s.eng.Runs(r.Context(), f)
	if err == nil {
		runs, err = s.visibleRuns(r.Context(), s.callerOf(r), runs)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]runView, 0, len(runs))
	for _, run := range runs {
		out = append(out, viewRun(run))
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

// pendingView is a pending instance in the API.
type pendingView struct {
	ID          string    `json:"id"`
	Question    string    `json:"question"`
	Label       string    `json:"label"`
	LabelSource string    `json:"label_source"`
	Group       int64     `json:"group"`
	CreatedAt   time.Time `json:"created_at"`
	// Pool is "workers" for an instance of the workers' shared pool (a
	// queued batch's), absent for this server's own.
	Pool   string `json:"pool,omitempty"`
	Tenant string `json:"tenant,omitempty"` // whose question; shown to the operator only
}

func (s *Server) listPending(w http.ResponseWriter, r *http.Request) {
	c := s.callerOf(r)
	ps, err := s.pending(r.Context(), c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]pendingView, 0, len(ps))
	for _, p := range ps {
		v := pendingView{ID: p.InstanceID, Question: p.Question, Label: p.Label, LabelSource: p.LabelSource, Group: p.Group, CreatedAt: p.CreatedAt}
		if p.Shared {
			v.Pool = poolWorkers
		}
		if c.operator {
			v.Tenant = p.Tenant
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"pending": out})
}

type labelBody struct {
	Answer string `json:"answer"`
}

func (s *Server) label(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var b labelBody
	if err := decode(r, &b); err != nil {
		s.fail(w, r, err)
		return
	}
	b.Answer = strings.TrimSpace(b.Answer)
	if b.Answer == "" {
		s.fail(w, r, badInput("answer", "is empty; give the instance's answer"))
		return
	}
	if len(b.Answer) > maxQuestion {
		s.fail(w, r, badInput("answer", "is %d bytes long; at most %d are allowed", len(b.Answer), maxQuestion))
		return
	}
	if err := s.labelPending(r.Context(), s.callerOf(r), id, b.Answer); err != nil {
		if errors.Is(err, library.ErrNotFound) {
			err = fmt.Errorf("no pending instance %q (see GET /v1/pending): %w", id, library.ErrNotFound)
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "label": b.Answer, "label_source": "human"})
}

func (s *Server) cost(w http.ResponseWriter, r *http.Request) {
	by := r.URL.Query().Get("by")
	if by == "" {
		by = "role"
	}
	switch by {
	case "role", "model", "tool", "day":
	default:
		s.fail(w, r, badInput("by", "must be role, model, tool or day, not %q", by))
		return
	}
	rows, err := s.eng.Cost(r.Context(), by)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rows == nil {
		rows = []library.CostRow{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"by": by, "rows": rows})
}
