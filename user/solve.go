package user

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/latm/latm/llm"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// UseTemplate is the name of the prompt that asks the user model for a
// call of a tool; it is rendered with UseData.
const UseTemplate = "use"

// UseData is what the use prompt is rendered with.
type UseData struct {
	Name     string              // the tool's ref, name@version
	Source   string              // the tool's Starlark source
	Examples []tool.UsageExample // how the tool is called, with answers
	Question string              // the instance to solve
}

// NewUseData builds the use prompt's data for tool and question.
func NewUseData(tool *tool.Tool, question string) UseData {
	return UseData{Name: tool.Ref(), Source: strings.TrimRight(tool.Source, "\n"), Examples: tool.Examples, Question: question}
}

// errNoCode is fed back when the model's reply holds no fenced code.
var errNoCode = errors.New("reply had no code block: reply with the Starlark snippet inside one ```starlark fenced block")

// Solve answers one instance with tool and returns the recorded run. A
// failed solve (the model's code erred on every try) is a run with OK false
// and Error set, and a nil error; the error return is for failures of the
// machinery (model endpoint unreachable, store broken, ctx cancelled).
//
// An instance without an ID gets a fresh unique one, so that one-off solves
// do not replace each other's records.
func (s *Solver) Solve(ctx context.Context, tl *tool.Tool, in Instance) (*tool.Run, error) {
	if tl == nil {
		return nil, errors.New("solve: no tool given")
	}
	if s.LLM == nil || s.Runtime == nil || s.Prompts == nil {
		return nil, errors.New("solve: the solver needs an LLM client, a runtime and prompts")
	}
	start := time.Now()
	if in.ID == "" {
		in.ID = adhocID()
	}
	run := &tool.Run{
		Batch: in.Batch, InputID: in.ID, Question: in.Question,
		ToolName: tl.Name, ToolVersion: tl.Version,
	}
	prompt, err := s.Prompts.Render(UseTemplate, NewUseData(tl, in.Question))
	if err != nil {
		return nil, fmt.Errorf("solve %s with %s: %w", in.ID, tl.Ref(), err)
	}
	msgs := []llm.Message{{Role: "user", Content: prompt}}
	toolSrc := starlarkrt.Source{Name: tl.Ref() + ".star", Code: tl.Source}
	var notes []string // guard decisions, for the record
	shadow, err := s.noModel(ctx, tl, in, toolSrc, run, &notes)
	if err != nil {
		return nil, fmt.Errorf("solve %s with %s: %w", in.ID, tl.Ref(), err)
	}
	if shadow == nil && run.OK {
		return s.finish(ctx, run, in, tl, start)
	}
	if err := s.askModel(ctx, tl, in, toolSrc, msgs, run, &notes); err != nil {
		if shadow != nil {
			err = fmt.Errorf("the %s path's answer is checked against the user model's until %d agree (solve.shadow; 0 trusts the guards alone): %w", shadow.path, s.Shadow, err)
		}
		return nil, fmt.Errorf("solve %s with %s: %w", in.ID, tl.Ref(), err)
	}
	if shadow != nil {
		note, err := s.settleShadow(ctx, shadow, tl, in, run)
		if err != nil {
			return nil, fmt.Errorf("solve %s with %s: %w", in.ID, tl.Ref(), err)
		}
		notes = append(notes, note)
	}
	run.Code = guardComments(notes) + run.Code
	run.Path, run.Guards = tool.PathUser, strings.Join(notes, "\n")
	return s.finish(ctx, run, in, tl, start)
}

// noModel tries the no-model paths, parser first, each behind its guards
// and the version's shadow checks. It returns with run answered (OK, Path
// and Guards set) when a path's answer stands alone; with a shadow check
// when a path answered but the user model must confirm it (run is then
// cleared for the model); or with neither when the model must answer.
// Every decision is appended to notes.
func (s *Solver) noModel(ctx context.Context, tl *tool.Tool, in Instance, toolSrc starlarkrt.Source, run *tool.Run, notes *[]string) (*shadowCheck, error) {
	if !s.Template {
		return nil, nil
	}
	state, err := s.ShadowState(ctx, tl)
	if err != nil {
		return nil, err
	}
	if state.Off != nil {
		*notes = append(*notes, offNote(tl, state.Off))
		return nil, nil
	}
	// answered settles a path's answer: it stands, or is shadowed.
	answered := func(path, note string) *shadowCheck {
		*notes = append(*notes, note)
		if s.confirmed(state, path) {
			// Said in the record, for whoever audits the run.
			run.Code = guardComments((*notes)[:len(*notes)-1]) + "# " + note + " (no model call)\n" + run.Code
			run.OK, run.Error, run.Path, run.Guards = true, "", path, strings.Join(*notes, "\n")
			return nil
		}
		c := &shadowCheck{path: path, answer: run.Answer}
		run.Code, run.RawResult, run.Answer = "", "", ""
		return c
	}
	if tl.Parser != "" {
		pm, why := s.parsered(ctx, tl)
		if pm != nil {
			note, ok, err := s.parserAnswer(ctx, pm, tl, in.Question, run)
			if err != nil {
				return nil, err
			}
			if ok {
				return answered(tool.PathParser, note), nil
			}
			why = note
		}
		*notes = append(*notes, why) // the next path is tried
	}
	if tm := s.templated(ctx, tl, toolSrc); tm != nil {
		note, ok, err := s.templateAnswer(ctx, tm, tl.Examples, toolSrc, in.Question, run)
		if err != nil {
			return nil, err
		}
		if ok {
			return answered(tool.PathTemplate, note), nil
		}
		*notes = append(*notes, note) // the model is asked instead
	}
	return nil, nil
}

// askModel has the user model answer: a JSON call where the call mode and
// the tool allow one, else call code, with the grounding check and the
// retries. run holds the outcome (OK or the error); notes gets the guard
// decisions. err is a failure of the machinery.
func (s *Solver) askModel(ctx context.Context, tl *tool.Tool, in Instance, toolSrc starlarkrt.Source, msgs []llm.Message, run *tool.Run, notes *[]string) error {
	mode, err := s.callMode()
	if err != nil {
		return err
	}
	if mode != CallCode {
		as, why, err := s.argSchema(ctx, tl)
		if err != nil {
			return err
		}
		if as != nil {
			return s.solveJSON(ctx, tl, as, in.Question, run, notes)
		}
		*notes = append(*notes, "json call not possible, call code asked instead: "+why)
	}
	retries := max(s.Retries, 0)
	groundingRetry := true
	for attempt := 0; attempt <= retries; attempt++ {
		resp, err := s.LLM.Chat(ctx, llm.Request{Role: llm.User, Messages: msgs, Tool: tl.Ref(), Template: UseTemplate})
		if err != nil {
			return err
		}
		reply := resp.Content
		if code, ok := callCode(reply); ok {
			if refusals := ungrounded(tl, in.Question, code); len(refusals) > 0 {
				// Refused before it runs: its answer would be another
				// question's.
				gerr := &groundingError{refusals: refusals}
				run.Code, run.RawResult, run.Answer = code, "", ""
				run.OK, run.Error = false, gerr.Error()
				*notes = append(*notes, "grounding refused: "+strings.TrimPrefix(gerr.Error(), "ungrounded: "))
				if !groundingRetry {
					break
				}
				groundingRetry = false
				attempt-- // the grounding retry is its own, not one of Retries
				msgs = append(msgs,
					llm.Message{Role: "assistant", Content: reply},
					llm.Message{Role: "user", Content: groundingFeedback(gerr)})
				continue
			}
		}
		failure := attemptOnce(ctx, s.Runtime, toolSrc, in.Question, reply, run)
		if failure == nil {
			run.OK, run.Error = true, ""
			break
		}
		var mach *machineryError
		if errors.As(failure, &mach) {
			return mach.err
		}
		run.OK, run.Error = false, failure.Error()
		if resp.Truncated {
			run.Error = "the reply was cut off by the token limit (raise user.max_tokens); " + run.Error
		}
		msgs = append(msgs,
			llm.Message{Role: "assistant", Content: reply},
			llm.Message{Role: "user", Content: Feedback(failure)})
	}
	return nil
}

// guardComments renders guard decisions as comment lines for the head of a
// run's code, where whoever audits the run reads them.
func guardComments(notes []string) string {
	var b strings.Builder
	for _, n := range notes {
		b.WriteString("# " + strings.ReplaceAll(n, "\n", " ") + "\n")
	}
	return b.String()
}

// callCode is the code of reply that would run: its first fenced block, or
// the code of an unfenced reply.
func callCode(reply string) (string, bool) {
	if blocks := llm.CodeBlocks(reply); len(blocks) > 0 {
		return blocks[0], true
	}
	return unfencedCode(reply)
}

// finish records run and returns it.
func (s *Solver) finish(ctx context.Context, run *tool.Run, in Instance, tool *tool.Tool, start time.Time) (*tool.Run, error) {
	run.Latency = time.Since(start)
	if s.Store != nil {
		if err := s.Store.RecordRun(ctx, run); err != nil {
			return nil, fmt.Errorf("solve %s with %s: %w", in.ID, tool.Ref(), err)
		}
	}
	return run, nil
}

var (
	codeLine   = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_.]*\s*(\[[^\]]*\]\s*)?(=|\(|\+=)|(import|from|for|if|def|while|return)\b)`)
	ansAssign  = regexp.MustCompile(`^\s*ans\w*\s*=[^=]`)
	fenceStart = regexp.MustCompile("(?m)^\\s*(```|~~~)")
)

// unfencedCode reads the call out of a reply that has no fenced block, as
// small local models often write it: the lines from the first that looks
// like code to the last that assigns ans. A reply with a fence, or with no
// ans assignment, has none.
func unfencedCode(reply string) (string, bool) {
	if fenceStart.MatchString(reply) {
		return "", false
	}
	lines := strings.Split(strings.ReplaceAll(reply, "\r\n", "\n"), "\n")
	first, last := -1, -1
	for i, l := range lines {
		if first < 0 && codeLine.MatchString(l) {
			first = i
		}
		if first >= 0 && ansAssign.MatchString(l) {
			last = i
		}
	}
	if first < 0 || last < 0 {
		return "", false
	}
	return strings.Join(lines[first:last+1], "\n") + "\n", true
}

// machineryError marks a failure that is not the model's fault and ends
// the solve with an error rather than a failed run.
type machineryError struct{ err error }

func (e *machineryError) Error() string { return e.err.Error() }

// attemptOnce runs the first code block of reply after the tool and fills
// run's Code, RawResult and Answer. It returns nil on success, the error to
// feed back to the model, or a *machineryError.
func attemptOnce(ctx context.Context, rt *starlarkrt.Runtime, tool starlarkrt.Source, question, reply string, run *tool.Run) error {
	run.Code, run.RawResult, run.Answer = "", "", ""
	code, ok := callCode(reply)
	if !ok {
		return errNoCode
	}
	run.Code = code
	res, err := rt.Exec(ctx, tool, starlarkrt.Source{Name: "call.star", Code: run.Code})
	if err != nil {
		var pe *starlarkrt.ProgramError
		var le *starlarkrt.LimitError
		if errors.As(err, &pe) || errors.As(err, &le) {
			return err
		}
		if ctx.Err() != nil {
			return &machineryError{ctx.Err()}
		}
		return &machineryError{fmt.Errorf("run the call: %w", err)}
	}
	run.RawResult = RawResult(res)
	ans, err := FinalAnswer(question, res)
	if err != nil {
		return err
	}
	run.Answer = ans
	return nil
}

// Feedback renders an attempt's error as the user message that asks the
// model to fix its code: a program error with its position, the offending
// source line and the hint, a limit error with what was exceeded.
func Feedback(err error) string {
	var b strings.Builder
	b.WriteString("Your code failed")
	var pe *starlarkrt.ProgramError
	var le *starlarkrt.LimitError
	switch {
	case errors.As(err, &pe):
		fmt.Fprintf(&b, " with a %s error", orDefault(pe.Phase, "runtime"))
		if pe.File != "" {
			fmt.Fprintf(&b, " at %s:%d:%d", pe.File, pe.Line, pe.Col)
		}
		fmt.Fprintf(&b, ": %s\n", pe.Msg)
		if pe.SourceLine != "" {
			fmt.Fprintf(&b, "The line was: %s\n", strings.TrimSpace(pe.SourceLine))
		}
		if pe.Hint != "" {
			fmt.Fprintf(&b, "Hint: %s\n", pe.Hint)
		}
		if pe.Backtrace != "" {
			fmt.Fprintf(&b, "Traceback:\n%s\n", strings.TrimRight(pe.Backtrace, "\n"))
		}
	case errors.As(err, &le):
		fmt.Fprintf(&b, ": %s. Call the function more directly, without loops that do not end.\n", le.Error())
	default:
		fmt.Fprintf(&b, ": %s\n", err)
	}
	b.WriteString("Fix the snippet. Do not redefine the function. Reply with one fenced code block that assigns the final answer to `ans`.")
	return b.String()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// adhocID is a fresh id for an instance that came without one.
func adhocID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "adhoc-" + time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}
