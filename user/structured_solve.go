package user

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/latm/latm/llm"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// UseJSONData is what the use_json prompt is rendered with.
type UseJSONData struct {
	Source   string
	Entry    string
	Schema   string // indented JSON Schema of the arguments object
	Examples []UseJSONExample
	Question string
}

// UseJSONExample is a usage example with its call's arguments as JSON.
type UseJSONExample struct {
	Question, Arguments, Answer string
}

type schemaVerdict struct {
	as  *ArgSchema
	why string
	err error // learning failed in the machinery (never kept)
}

// argSchema is the tool version's stored schema, checked again against
// its usage examples (CheckArgSchema), else DeriveArgSchema's; kept per
// tool version. A stored schema refused is said in the ArgSchema's Note.
func (s *Solver) argSchema(ctx context.Context, tl *tool.Tool) (*ArgSchema, string, error) {
	key := "schema\x00" + tl.Ref() + "\x00" + tl.Source + "\x00" + tl.ArgSchema
	sv := s.verdict(ctx, key, func() (any, bool) {
		as, why, err := s.pickArgSchema(ctx, tl)
		if err == nil && as != nil {
			why, err = s.callGivesAnswer(ctx, tl, as)
			if why != "" {
				as = nil
			}
		}
		return schemaVerdict{as, why, err}, err == nil
	}).(schemaVerdict)
	if sv.err != nil {
		return nil, "", sv.err
	}
	return sv.as, sv.why, nil
}

func (s *Solver) pickArgSchema(ctx context.Context, tl *tool.Tool) (*ArgSchema, string, error) {
	note := ""
	if tl.ArgSchema != "" {
		as, problem, err := CheckArgSchema(ctx, s.Runtime, tl, tl.ArgSchema)
		if err != nil {
			return nil, "", err
		}
		if as != nil {
			if tl.ArgSchemaFrom != "" {
				as.From = tl.ArgSchemaFrom
			}
			return as, "", nil
		}
		note = "the stored argument schema is refused (" + problem + "), so one is derived"
	}
	as, why, err := s.DeriveArgSchema(ctx, tl)
	if as != nil {
		as.Note = note
	} else if note != "" {
		why = note + ": " + why
	}
	return as, why, err
}

// callGivesAnswer says why a JSON call cannot answer for tl, or "": a JSON
// call runs `ans = entry(arguments)` and nothing else, so each usage
// example's arguments, called so, must give that example's answer. A tool
// whose examples do more after the call (join a returned list, pick an
// option letter) is called with code.
func (s *Solver) callGivesAnswer(ctx context.Context, tl *tool.Tool, as *ArgSchema) (string, error) {
	src := starlarkrt.Source{Name: tl.Ref() + ".star", Code: tl.Source}
	for i, ex := range tl.Examples {
		args, err := as.args(as.Examples[i])
		if err != nil {
			return "", fmt.Errorf("usage example %d's arguments: %w", i+1, err)
		}
		code, ok := callCodeFor(tl.Entry, args)
		if !ok {
			return fmt.Sprintf("usage example %d's arguments have no literal form", i+1), nil
		}
		res, err := s.Runtime.Exec(ctx, src, starlarkrt.Source{Name: "json_call.star", Code: code})
		if p := programText(err); p != "" {
			return fmt.Sprintf("usage example %d's arguments, passed to %s alone, fail: %s", i+1, tl.Entry, p), nil
		}
		if err != nil {
			return "", fmt.Errorf("run usage example %d's call: %w", i+1, err)
		}
		got, err := FinalAnswer(ex.Question, res)
		if err != nil || got != ex.Answer {
			return fmt.Sprintf("usage example %d's code does more after calling %s: the call alone answers %q, the example %q", i+1, tl.Entry, clipText(got, 80), clipText(ex.Answer, 80)), nil
		}
	}
	return "", nil
}

// wireSchema is the schema as sent to the endpoint: compact, without
// "$schema", which function parameters and response formats do not take.
func wireSchema(as *ArgSchema) (json.RawMessage, error) {
	m := make(map[string]any, len(as.Schema))
	for k, v := range as.Schema {
		if k != "$schema" {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// viaText says how a JSON reply was asked for, for the run's record.
func viaText(via string) string {
	switch via {
	case llm.JSONViaTools:
		return "through a forced function call"
	case llm.JSONViaResponseFormat:
		return "through response_format json_schema"
	case llm.JSONViaFence:
		return "in a fenced block"
	}
	return "(reply from the cache or a recording)"
}

// callMode is s.Call, checked.
func (s *Solver) callMode() (string, error) {
	switch s.Call {
	case "", CallCode:
		return CallCode, nil
	case CallJSON, CallAuto:
		return s.Call, nil
	}
	return "", fmt.Errorf("solve.call is %q; use %q, %q or %q", s.Call, CallCode, CallJSON, CallAuto)
}

// solveJSON asks the user model for the arguments as JSON, validates them
// against as (one retry with the validation error), refuses ungrounded
// values (one retry naming them), renders and runs the call (Retries more
// tries after a sandbox error). It fills run; notes gains the guard
// decisions. The error is a failure of the machinery.
func (s *Solver) solveJSON(ctx context.Context, tl *tool.Tool, as *ArgSchema, question string, run *tool.Run, notes *[]string) error {
	schema, err := json.MarshalIndent(as.Schema, "", "  ")
	if err != nil {
		return err
	}
	data := UseJSONData{Source: strings.TrimRight(tl.Source, "\n"), Entry: tl.Entry, Schema: string(schema), Question: question}
	for i, ex := range tl.Examples {
		data.Examples = append(data.Examples, UseJSONExample{Question: ex.Question, Arguments: as.Examples[i], Answer: ex.Answer})
	}
	prompt, err := s.Prompts.Render(UseJSONTemplate, data)
	if err != nil {
		return err
	}
	compact, err := wireSchema(as)
	if err != nil {
		return err
	}
	if as.Note != "" {
		*notes = append(*notes, as.Note)
	}
	msgs := []llm.Message{{Role: "user", Content: prompt}}
	toolSrc := starlarkrt.Source{Name: tl.Ref() + ".star", Code: tl.Source}
	validationRetry, groundingRetry, runRetries := true, true, max(s.Retries, 0)
	first := true
	for {
		resp, err := s.LLM.Chat(ctx, llm.Request{Role: llm.User, Messages: msgs, Tool: tl.Ref(), Template: UseJSONTemplate,
			JSONSchema: compact, JSONName: tl.Name, JSONDescription: tl.Description, JSONVia: s.JSONVia})
		if err != nil {
			return err
		}
		if first {
			first = false
			*notes = append(*notes, fmt.Sprintf("json call against the %s argument schema, asked %s", as.From, viaText(resp.JSONVia)))
		}
		reply := resp.Content
		text := jsonReply(reply)
		retry := func(feedback string) {
			msgs = append(msgs, llm.Message{Role: "assistant", Content: reply}, llm.Message{Role: "user", Content: feedback})
		}
		if problem := as.Validate(text); problem != "" {
			*notes = append(*notes, "json arguments refused: "+problem)
			run.Code, run.RawResult, run.Answer, run.OK, run.Error = text, "", "", false, "the arguments do not match the schema: "+problem
			if !validationRetry {
				return nil
			}
			validationRetry = false
			retry("Those arguments do not match the schema: " + problem + "\nReply with one ```json block holding the corrected object.")
			continue
		}
		args, err := as.args(text)
		if err != nil {
			return fmt.Errorf("read validated arguments: %w", err)
		}
		code, ok := callCodeFor(tl.Entry, args)
		if !ok {
			run.OK, run.Error = false, "the arguments have no literal form"
			return nil
		}
		if refusals := ungrounded(tl, question, code); len(refusals) > 0 {
			gerr := &groundingError{refusals: refusals}
			*notes = append(*notes, "grounding refused: "+strings.TrimPrefix(gerr.Error(), "ungrounded: "))
			run.Code, run.RawResult, run.Answer, run.OK, run.Error = code, "", "", false, gerr.Error()
			if !groundingRetry {
				return nil
			}
			groundingRetry = false
			retry(groundingFeedback(gerr) + "\nReply with one ```json block holding the corrected object.")
			continue
		}
		failure := attemptOnce(ctx, s.Runtime, toolSrc, question, "```starlark\n"+code+"```", run)
		var mach *machineryError
		if errors.As(failure, &mach) {
			return mach.err
		}
		if failure == nil {
			run.OK, run.Error = true, ""
			return nil
		}
		run.OK, run.Error = false, failure.Error()
		if runRetries == 0 {
			return nil
		}
		runRetries--
		retry("Called with those arguments, the function failed: " + failure.Error() + "\nReply with one ```json block holding corrected arguments.")
	}
}
