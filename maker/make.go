package maker

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// Default split and tries, as in the reference method.
const (
	DefaultTrain = 3
	DefaultValid = 3
	DefaultTries = 3
)

// StepError says which step of making failed and why; Tries is how many
// replies the step used.
type StepError struct {
	Step  string // "propose", "verify", "package", "parse" or "schema"
	Tries int
	Err   error
}

func (e *StepError) Error() string {
	if e.Tries > 0 {
		return fmt.Sprintf("%s step failed after %d tries: %v", e.Step, e.Tries, e.Err)
	}
	return fmt.Sprintf("%s step failed: %v", e.Step, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// session is one making: the growing chat and what it has produced.
type session struct {
	m    *Maker
	task Task
	chat []llm.Message

	src   string // the current tool source
	funcs []starlarkrt.Function
}

func (m *Maker) make(ctx context.Context, task Task) (*tool.Tool, Attempt, error) {
	var att Attempt
	if m.LLM == nil || m.Runtime == nil || m.Prompts == nil {
		return nil, att, errors.New("make: the maker needs a model client, a sandbox and prompts")
	}
	train, valid, err := m.split(task)
	if err != nil {
		return nil, att, err
	}
	s := &session{m: m, task: task}
	fail := func(err error) (*tool.Tool, Attempt, error) {
		return &tool.Tool{Name: task.Name, Transcript: s.transcript()}, att, err
	}
	if err := s.propose(ctx, train, &att); err != nil {
		return fail(err)
	}
	vals, calls, err := s.verify(ctx, valid, &att)
	if err != nil {
		return fail(err)
	}
	tool, err := s.pack(ctx, train, valid, vals, calls)
	if err != nil {
		return fail(err)
	}
	if m.Parser {
		note, err := s.writeParser(ctx, tool, train, valid)
		if err != nil {
			return fail(&StepError{Step: "parse", Err: err})
		}
		att.ParserNote = note
		tool.Transcript = s.transcript()
	}
	if m.Schema {
		note, err := s.writeSchema(ctx, tool)
		if err != nil {
			return fail(&StepError{Step: "schema", Err: err})
		}
		att.SchemaNote = note
		tool.Transcript = s.transcript()
	}
	return tool, att, nil
}

func (m *Maker) split(task Task) (train, valid []tool.Example, err error) {
	nt, nv := m.Train, m.Valid
	if nt <= 0 {
		nt = DefaultTrain
	}
	if nv <= 0 {
		nv = DefaultValid
	}
	if len(task.Examples) < nt+nv {
		return nil, nil, fmt.Errorf("make %s: %d examples, need %d (%d for training and %d for validation); give more examples or lower train/valid",
			task.Name, len(task.Examples), nt+nv, nt, nv)
	}
	return task.Examples[:nt], task.Examples[nt : nt+nv], nil
}

func tries(n int) int {
	if n <= 0 {
		return DefaultTries
	}
	return n
}

// ask appends prompt, rendered from the named template, to the chat, sends
// it and appends the reply.
func (s *session) ask(ctx context.Context, template, prompt string) (string, error) {
	s.chat = append(s.chat, llm.Message{Role: "user", Content: prompt})
	resp, err := s.m.LLM.Chat(ctx, llm.Request{Role: llm.Maker, Messages: append([]llm.Message(nil), s.chat...), Tool: s.task.Name, Template: template})
	if err != nil {
		return "", fmt.Errorf("ask the maker model: %w", err)
	}
	// A truncated reply is kept: its blocks fail to parse or load, and the
	// model is told so.
	s.chat = append(s.chat, llm.Message{Role: "assistant", Content: resp.Content})
	return resp.Content, nil
}

func (s *session) render(name string, data any) (string, error) {
	return s.m.Prompts.Render(name, data)
}

func (s *session) transcript() []tool.Message {
	out := make([]tool.Message, len(s.chat))
	for i, m := range s.chat {
		out[i] = tool.Message{Role: m.Role, Content: m.Content}
	}
	return out
}

func (s *session) dialect() (string, error) { return s.render("dialect", nil) }

// load loads src in the sandbox. A problem of the program (syntax, runtime,
// limit, no function) is returned as text for the model; err is a failure
// of the machinery.
func (s *session) load(ctx context.Context, src string) (funcs []starlarkrt.Function, problem string, err error) {
	mod, err := s.m.Runtime.Load(ctx, starlarkrt.Source{Name: s.task.Name + ".star", Code: src})
	if p := programProblem(err); p != "" {
		return nil, p, nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("load the tool: %w", err)
	}
	if len(mod.Functions) == 0 {
		return nil, "the code defines no function; write the tool as a def", nil
	}
	return mod.Functions, "", nil
}

// programProblem renders an error of the program for the model, or "" if
// err is nil or not the program's fault.
func programProblem(err error) string {
	var pe *starlarkrt.ProgramError
	var le *starlarkrt.LimitError
	switch {
	case errors.As(err, &pe):
		var b strings.Builder
		fmt.Fprintf(&b, "%s error at %s line %d, column %d: %s", pe.Phase, pe.File, pe.Line, pe.Col, pe.Msg)
		if pe.SourceLine != "" {
			fmt.Fprintf(&b, "\n    %s", pe.SourceLine)
		}
		if pe.Hint != "" {
			fmt.Fprintf(&b, "\nhint: %s", pe.Hint)
		}
		return b.String()
	case errors.As(err, &le):
		return fmt.Sprintf("the program ran out of its %s limit (max %s); make it do less work", le.Limit, le.Max)
	}
	return ""
}

func (s *session) propose(ctx context.Context, train []tool.Example, att *Attempt) error {
	dialect, err := s.dialect()
	if err != nil {
		return err
	}
	prompt, err := s.render("propose", map[string]any{
		"Name": s.task.Name, "Description": s.task.Description, "Examples": train, "Dialect": dialect,
	})
	if err != nil {
		return err
	}
	var problem string
	template := "propose"
	n := tries(s.m.ProposeTries)
	for try := 1; try <= n; try++ {
		att.ProposeTries = try
		reply, err := s.ask(ctx, template, prompt)
		if err != nil {
			return &StepError{Step: "propose", Tries: try, Err: err}
		}
		blocks := llm.CodeBlocks(reply)
		if len(blocks) == 0 {
			problem = "the reply has no ```starlark block with the tool"
		} else {
			src, funcs, p, err := s.loadProposal(ctx, blocks[0])
			if err != nil {
				return &StepError{Step: "propose", Tries: try, Err: err}
			}
			if p == "" {
				s.src, s.funcs = src, funcs
				return nil
			}
			problem = p
		}
		// The dialect block went out with the propose prompt, earlier in
		// this same chat; a fix turn names only the problem.
		template = "fix"
		if prompt, err = s.render(template, map[string]any{"Problem": problem}); err != nil {
			return err
		}
	}
	return &StepError{Step: "propose", Tries: n, Err: fmt.Errorf("no loadable tool; last problem: %s", problem)}
}

// loadProposal loads a proposed tool as the reference ran it, top-level
// example usage included (an error there is the model's to fix), and keeps
// it without that usage when it loads so too with the same functions: the
// saved tool then runs no example on every call.
func (s *session) loadProposal(ctx context.Context, src string) (string, []starlarkrt.Function, string, error) {
	funcs, p, err := s.load(ctx, src)
	if err != nil || p != "" {
		return src, funcs, p, err
	}
	bare := stripUsage(src)
	if strings.TrimSpace(bare) == strings.TrimSpace(src) {
		return src, funcs, "", nil
	}
	if f2, p2, err := s.load(ctx, bare); err == nil && p2 == "" && len(f2) == len(funcs) {
		return bare, f2, "", nil
	}
	return src, funcs, "", nil
}

// definesTool reports whether block defines one of the tool's functions
// (a corrected tool rather than a test).
func (s *session) definesTool(block string) bool {
	bare := blankStrings(block)
	for _, f := range s.funcNames() {
		if regexp.MustCompile(`(?m)^def\s+` + regexp.QuoteMeta(f) + `\s*\(`).MatchString(bare) {
			return true
		}
	}
	return false
}

// failure is one test that did not pass, as the verify_fix prompt shows it.
type failure struct {
	Index    int // 1-based
	Question string
	Want     string
	Got      string
	Error    string
}

func (s *session) funcNames() []string {
	names := make([]string, len(s.funcs))
	for i, f := range s.funcs {
		names[i] = f.Name
	}
	return names
}

// verify asks for tests until all pass, and returns the validation records
// and the tests' call code (the tests without their asserts).
func (s *session) verify(ctx context.Context, valid []tool.Example, att *Attempt) ([]tool.Validation, []string, error) {
	prompt, err := s.render("verify", map[string]any{"Examples": valid})
	if err != nil {
		return nil, nil, err
	}
	var last string
	template := "verify"
	n := tries(s.m.VerifyTries)
	for try := 1; try <= n; try++ {
		att.VerifyTries = try
		reply, err := s.ask(ctx, template, prompt)
		if err != nil {
			return nil, nil, &StepError{Step: "verify", Tries: try, Err: err}
		}
		var problem string
		var fails []failure
		var vals []tool.Validation
		var calls []string
		blocks := llm.CodeBlocks(reply)
		if len(blocks) > 1 && s.definesTool(blocks[0]) {
			// The whole corrected tool first, then the tests.
			src, funcs, p, err := s.loadProposal(ctx, blocks[0])
			if err != nil {
				return nil, nil, &StepError{Step: "verify", Tries: try, Err: err}
			}
			if p != "" {
				problem = "The corrected tool does not load: " + p
			} else {
				s.src, s.funcs = src, funcs
			}
			blocks = blocks[1:]
		}
		if problem == "" {
			if tests, ok := splitTests(blocks, len(valid)); !ok {
				problem = fmt.Sprintf("The reply's %d ```starlark block(s) do not read as %d tests, one per question in order, each ending in `assert ans == ...`: write one block per test (and, only to correct the tool, the whole tool first).", len(blocks), len(valid))
			} else {
				vals, calls, fails, err = s.runTests(ctx, valid, tests)
				if err != nil {
					return nil, nil, &StepError{Step: "verify", Tries: try, Err: err}
				}
				if len(fails) == 0 {
					return vals, calls, nil
				}
			}
		}
		last = problem
		if len(fails) > 0 {
			last = describe(fails[0])
		}
		template = "verify_fix"
		if prompt, err = s.render(template, map[string]any{"Problem": problem, "Failures": fails, "N": len(valid)}); err != nil {
			return nil, nil, err
		}
	}
	return nil, nil, &StepError{Step: "verify", Tries: n, Err: fmt.Errorf("the tests still fail; last problem: %s", last)}
}

func describe(f failure) string {
	if f.Error != "" {
		return fmt.Sprintf("test %d: %s", f.Index, f.Error)
	}
	return fmt.Sprintf("test %d: want %q, got %q", f.Index, f.Want, f.Got)
}

// runTests checks and runs one test per example. err is a failure of the
// machinery; a test's own problems are failures.
func (s *session) runTests(ctx context.Context, exs []tool.Example, tests []string) (vals []tool.Validation, calls []string, fails []failure, err error) {
	for i, ex := range exs {
		v := tool.Validation{Question: ex.Question, Want: ex.Answer}
		call, got, problem, err := s.runCall(ctx, ex, tests[i], true, i+1)
		if err != nil {
			return nil, nil, nil, err
		}
		if problem == "" {
			// The test itself, assert included, must pass too.
			_, err := s.m.Runtime.Exec(ctx, s.source(), starlarkrt.Source{Name: fmt.Sprintf("test%d.star", i+1), Code: tests[i]})
			if p := programProblem(err); p != "" {
				problem = p
			} else if err != nil {
				return nil, nil, nil, fmt.Errorf("run test %d: %w", i+1, err)
			}
		}
		v.Got, v.OK, v.Error = got, problem == "", problem
		vals = append(vals, v)
		calls = append(calls, call)
		if problem != "" {
			fails = append(fails, failure{Index: i + 1, Question: ex.Question, Want: ex.Answer, Got: got, Error: errorUnlessMismatch(problem, got, ex.Answer)})
		}
	}
	return vals, calls, fails, nil
}

// errorUnlessMismatch leaves Error empty for a plain wrong answer, so the
// prompt shows expected against got.
func errorUnlessMismatch(problem, got, want string) string {
	if problem == mismatch(got, want) {
		return ""
	}
	return problem
}

func mismatch(got, want string) string { return fmt.Sprintf("want %q, got %q", want, got) }

func (s *session) source() starlarkrt.Source {
	return starlarkrt.Source{Name: s.task.Name + ".star", Code: s.src}
}

// runCall checks code statically, runs it without its asserts and compares
// the answer it computes with the example's. It returns the call code, the
// answer it gave, and the problem ("" if it answered right).
func (s *session) runCall(ctx context.Context, ex tool.Example, code string, isTest bool, index int) (call, got, problem string, err error) {
	call, problem = staticCheck(s.task.Name, code, ex.Answer, s.funcNames(), isTest)
	if problem != "" {
		return call, "", problem, nil
	}
	res, err := s.m.Runtime.Exec(ctx, s.source(), starlarkrt.Source{Name: fmt.Sprintf("call%d.star", index), Code: call})
	if p := programProblem(err); p != "" {
		return call, "", p, nil
	}
	if err != nil {
		return call, "", "", fmt.Errorf("run the call code of example %d: %w", index, err)
	}
	if user.AnswerVar(res) == "" {
		return call, "", "the code assigns no variable named ans (assign the answer to `ans` at the top level, not inside a def)", nil
	}
	got, err = user.FinalAnswer(ex.Question, res)
	if err != nil {
		return call, "", fmt.Sprintf("the answer cannot be read: %v", err), nil
	}
	if !answer.Correct(s.task.Name, got, ex.Answer) {
		return call, got, mismatch(got, ex.Answer), nil
	}
	// Rule 5: the answer must come from the tool. Run the code again with
	// every tool function answering a meaningless string; if it still
	// gives the expected answer, it did not need the tool to get it.
	stub, err := s.m.Runtime.Exec(ctx, s.stubbed(), starlarkrt.Source{Name: fmt.Sprintf("call%d.star", index), Code: call})
	if err == nil {
		if still, ferr := user.FinalAnswer(ex.Question, stub); ferr == nil && answer.Correct(s.task.Name, still, ex.Answer) {
			return call, got, "the answer does not depend on the tool: with every tool function returning a meaningless value the code still answers " + strconv.Quote(still) + " (compute ans from what the tool returns)", nil
		}
	}
	return call, got, "", nil
}

// stubSentinel is what every function of a stubbed tool returns.
const stubSentinel = "latm-stub-value"

// stubbed returns the tool with every function it defines replaced by one
// that returns stubSentinel, for the dependency check of runCall.
func (s *session) stubbed() starlarkrt.Source {
	var b strings.Builder
	b.WriteString(s.src)
	b.WriteString("\n")
	for _, name := range s.funcNames() {
		fmt.Fprintf(&b, "\ndef %s(*args, **kwargs):\n    return %q\n", name, stubSentinel)
	}
	return starlarkrt.Source{Name: s.task.Name + ".stubbed.star", Code: b.String()}
}

// pack checks the tool on the training examples and assembles it.
func (s *session) pack(ctx context.Context, train, valid []tool.Example, vals []tool.Validation, calls []string) (*tool.Tool, error) {
	entry := s.entry(calls)
	prompt, err := s.render("package", map[string]any{"Examples": train, "Entry": entry.Name})
	if err != nil {
		return nil, err
	}
	reply, err := s.ask(ctx, "package", prompt)
	if err != nil {
		return nil, &StepError{Step: "package", Err: err}
	}
	checks, err := s.packageChecks(reply, train, valid)
	if err != nil {
		return nil, &StepError{Step: "package", Err: err}
	}
	for i, c := range checks {
		_, _, problem, err := s.runCall(ctx, c.ex, c.code, false, i+1)
		if err != nil {
			return nil, &StepError{Step: "package", Err: err}
		}
		if problem != "" {
			return nil, &StepError{Step: "package", Err: fmt.Errorf("the tool fits the validation examples but fails %s: %s", c.what, problem)}
		}
	}
	var examples []tool.UsageExample
	for i, ex := range valid {
		// Re-run what the tool user will be shown, against the final source.
		_, got, problem, err := s.runCall(ctx, ex, calls[i], false, i+1)
		if err != nil {
			return nil, &StepError{Step: "package", Err: err}
		}
		if problem != "" {
			return nil, &StepError{Step: "package", Err: fmt.Errorf("usage example %d no longer works: %s", i+1, problem)}
		}
		examples = append(examples, tool.UsageExample{Question: ex.Question, Code: calls[i], Answer: got})
	}
	desc := s.task.Description
	if desc == "" {
		desc, _, _ = strings.Cut(strings.TrimSpace(entry.Doc), "\n")
	}
	if desc == "" {
		desc = fmt.Sprintf("Solves %s questions.", s.task.Name)
	}
	return &tool.Tool{
		Name:        s.task.Name,
		Description: desc,
		Source:      s.src,
		Entry:       entry.Name,
		Signature:   entry.Name + "(" + strings.Join(entry.Params, ", ") + ")",
		Examples:    examples,
		Validation:  vals,
		MakerModel:  s.m.Model,
		Transcript:  s.transcript(),
	}, nil
}

// entry picks the function every test calls (the last defined, if several
// do); with none in common, the last function of the tool.
func (s *session) entry(calls []string) starlarkrt.Function {
	names := s.funcNames()
	count := map[string]int{}
	for _, c := range calls {
		called, _ := calledFuncs(c, names)
		for _, n := range called {
			count[n]++
		}
	}
	for i := len(s.funcs) - 1; i >= 0; i-- {
		if count[s.funcs[i].Name] == len(calls) && len(calls) > 0 {
			return s.funcs[i]
		}
	}
	return s.funcs[len(s.funcs)-1]
}

// packageCheck is one solution of the package reply and the example it
// solves.
type packageCheck struct {
	ex   tool.Example
	code string
	what string // "training example 2", for messages
}

var fenceRe = regexp.MustCompile("(?s)```[A-Za-z0-9_+-]*[ \t]*\n(.*?)```")

// packageChecks reads the package reply. The asked-for shape is one block
// per training question, in order. The reference's shape is accepted too:
// the function again (the verified source is kept), then "Question: …
// Solution: ```…```" use cases, each for a question the model was shown
// (training or verification); each solution is checked against the
// question it names.
func (s *session) packageChecks(reply string, train, valid []tool.Example) ([]packageCheck, error) {
	type found struct{ code, before string }
	var blocks []found
	prev := 0
	for _, loc := range fenceRe.FindAllStringSubmatchIndex(reply, -1) {
		blocks = append(blocks, found{code: reply[loc[2]:loc[3]], before: reply[prev:loc[0]]})
		prev = loc[1]
	}
	if len(blocks) > 0 && s.definesTool(blocks[0].code) {
		blocks = blocks[1:]
	}
	var named []packageCheck
	for _, b := range blocks {
		q := questionBefore(b.before)
		if q == "" {
			named = nil
			break
		}
		match := matchQuestion(q, b.code, train, valid)
		if match == nil {
			return nil, fmt.Errorf("the reply has a solution for a question it was not shown: %.80q", q)
		}
		named = append(named, *match)
	}
	if len(named) > 0 {
		return named, nil
	}
	codes := llm.CodeBlocks(reply)
	if len(codes) == len(train)+1 && s.definesTool(codes[0]) {
		codes = codes[1:]
	}
	if len(codes) != len(train) {
		return nil, fmt.Errorf("the reply has %d code blocks for the %d training examples", len(codes), len(train))
	}
	out := make([]packageCheck, len(train))
	for i, ex := range train {
		out[i] = packageCheck{ex: ex, code: codes[i], what: fmt.Sprintf("training example %d", i+1)}
	}
	return out, nil
}

// questionBefore returns the question a "Question: …" passage before a
// block names, up to its "Answer:" or "Solution:" line, or "".
func questionBefore(text string) string {
	i := strings.LastIndex(text, "Question:")
	if i < 0 {
		return ""
	}
	q := text[i+len("Question:"):]
	for _, stop := range []string{"\nAnswer:", "\nSolution:"} {
		if j := strings.Index(q, stop); j >= 0 {
			q = q[:j]
		}
	}
	return strings.TrimSpace(q)
}

// matchQuestion finds the example q names: the one equal to it up to
// spacing, else the only one equal to it in letters and digits (a
// restatement with lines joined or a parenthesis closed).
func matchQuestion(q, code string, train, valid []tool.Example) *packageCheck {
	var all []packageCheck
	for i, ex := range train {
		all = append(all, packageCheck{ex: ex, code: code, what: fmt.Sprintf("training example %d", i+1)})
	}
	for i, ex := range valid {
		all = append(all, packageCheck{ex: ex, code: code, what: fmt.Sprintf("the use case of verification example %d", i+1)})
	}
	for _, key := range []func(string) string{squeeze, alnumKey} {
		var hits []packageCheck
		for _, c := range all {
			if k := key(q); k != "" && k == key(c.ex.Question) {
				hits = append(hits, c)
			}
		}
		if len(hits) == 1 || len(hits) > 1 && hits[0].ex.Question == hits[len(hits)-1].ex.Question {
			return &hits[0]
		}
		if len(hits) > 1 {
			return nil
		}
	}
	return nil
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

func alnumKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
