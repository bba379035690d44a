package user

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/latm/latm/tool"
)

// Structured calls: instead of writing call code, the user model gives the
// entry function's arguments as one JSON object, validated against the
// tool's argument schema before anything runs. The call is then rendered
// from the arguments (callCodeFor), grounded like any call, and run.
//
// The schema is derived from the tool's signature and the values its usage
// examples' own calls pass (exampleArgs), and checked against those values:
// a tool whose examples call it with keyword arguments, or whose values
// have no JSON form, gets none, and is used with call code.

// Call modes (Solver.Call, config solve.call).
const (
	CallCode = "code" // the user model writes call code (the paper's way)
	CallJSON = "json" // the user model gives the arguments as JSON
	CallAuto = "auto" // JSON where the tool has an argument schema, else code
)

// UseJSONTemplate is the prompt that asks for a call's arguments as JSON.
const UseJSONTemplate = "use_json"

// ArgSchema is a tool's argument schema and what it was derived from.
type ArgSchema struct {
	Params   []string       // the entry's parameters, in order
	Schema   map[string]any // JSON Schema (draft 2020-12) of the arguments object
	Examples []string       // each usage example's arguments as a JSON object
	compiled *jsonschema.Resolved
}

var signatureRe = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_]*\s*\(([^)]*)\)\s*$`)

// signatureParams reads the parameter names of a signature "f(a, b)".
func signatureParams(sig string) ([]string, bool) {
	m := signatureRe.FindStringSubmatch(sig)
	if m == nil {
		return nil, false
	}
	var out []string
	for _, p := range strings.Split(m[1], ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.ContainsAny(p, "*=:") {
			return nil, false // defaults, *args and annotations are not derived
		}
		out = append(out, p)
	}
	return out, len(out) > 0
}

// schemaOf is the JSON Schema of one value.
func schemaOf(v any) map[string]any {
	switch x := v.(type) {
	case string:
		return map[string]any{"type": "string"}
	case bool:
		return map[string]any{"type": "boolean"}
	case int, int64:
		return map[string]any{"type": "integer"}
	case float64:
		return map[string]any{"type": "number"}
	case []any:
		s := map[string]any{"type": "array"}
		var items map[string]any
		for i, e := range x {
			if i == 0 {
				items = schemaOf(e)
			} else {
				items = mergeSchema(items, schemaOf(e))
			}
		}
		if items != nil {
			s["items"] = items
		}
		return s
	case map[string]any:
		return map[string]any{"type": "object"}
	}
	return map[string]any{}
}

// mergeSchema is a schema admitting what a or b admits (loosely: a
// differing pair admits anything but is still named by the examples).
func mergeSchema(a, b map[string]any) map[string]any {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) == string(jb) {
		return a
	}
	ta, tb := a["type"], b["type"]
	switch {
	case ta == "array" && tb == "array":
		out := map[string]any{"type": "array"}
		ia, oka := a["items"].(map[string]any)
		ib, okb := b["items"].(map[string]any)
		switch {
		case oka && okb:
			out["items"] = mergeSchema(ia, ib)
		case oka:
			out["items"] = ia
		case okb:
			out["items"] = ib
		}
		return out
	case ta == "integer" && tb == "number" || ta == "number" && tb == "integer":
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

// DeriveArgSchema derives tl's argument schema from its signature and its
// usage examples' calls, and checks every example's arguments against it.
// problem says why the tool has none; err is a failure of the machinery.
func (s *Solver) DeriveArgSchema(ctx context.Context, tl *tool.Tool) (*ArgSchema, string, error) {
	params, ok := signatureParams(tl.Signature)
	if !ok {
		return nil, fmt.Sprintf("the signature %q has no plain parameters", tl.Signature), nil
	}
	if len(tl.Examples) == 0 {
		return nil, "the tool has no usage examples", nil
	}
	props := map[string]map[string]any{}
	as := &ArgSchema{Params: params}
	for i, ex := range tl.Examples {
		args, problem, err := exampleArgs(ctx, s.Runtime, tl, ex.Code)
		if err != nil || problem != "" {
			return nil, fmt.Sprintf("usage example %d: %s", i+1, problem), err
		}
		if len(args) != len(params) {
			return nil, fmt.Sprintf("usage example %d passes %d arguments to a %d-parameter signature", i+1, len(args), len(params)), nil
		}
		obj := map[string]any{}
		for j, p := range params {
			obj[p] = args[j]
			if sc, seen := props[p]; seen {
				props[p] = mergeSchema(sc, schemaOf(args[j]))
			} else {
				props[p] = schemaOf(args[j])
			}
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, fmt.Sprintf("usage example %d: its arguments have no JSON form", i+1), nil
		}
		as.Examples = append(as.Examples, string(b))
	}
	properties := map[string]any{}
	required := make([]any, len(params))
	for i, p := range params {
		properties[p] = props[p]
		required[i] = p
	}
	as.Schema = map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
		"properties": properties, "required": required, "additionalProperties": false,
	}
	raw, err := json.Marshal(as.Schema)
	if err != nil {
		return nil, "", fmt.Errorf("argument schema of %s: %w", tl.Ref(), err)
	}
	var sch jsonschema.Schema
	if err := json.Unmarshal(raw, &sch); err != nil {
		return nil, "", fmt.Errorf("argument schema of %s: %w", tl.Ref(), err)
	}
	compiled, err := sch.Resolve(nil)
	if err != nil {
		return nil, "", fmt.Errorf("argument schema of %s: %w", tl.Ref(), err)
	}
	as.compiled = compiled
	for i, ex := range as.Examples {
		if problem := as.Validate(ex); problem != "" {
			return nil, fmt.Sprintf("usage example %d's arguments do not match the derived schema: %s", i+1, problem), nil
		}
	}
	return as, "", nil
}

// Validate returns why text is not one JSON object matching the schema, or
// "".
func (as *ArgSchema) Validate(text string) string {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "not JSON: " + err.Error()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "not JSON: text after the value"
	}
	if err := as.compiled.Validate(jsonNumbers(v)); err != nil {
		// "validating /properties/words/items: type: 1 has type integer, want string"
		msg := strings.ReplaceAll(err.Error(), `"`, "")
		return strings.Join(strings.Fields(msg), " ")
	}
	return ""
}

// jsonNumbers turns the json.Numbers of a decoded value into the int64
// or float64 the validator knows, keeping integers exact.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i, e := range x {
			x[i] = jsonNumbers(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = jsonNumbers(e)
		}
	}
	return v
}

// args reads a validated JSON object as the entry's positional arguments.
func (as *ArgSchema) args(text string) ([]any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	out := make([]any, len(as.Params))
	for i, p := range as.Params {
		out[i] = obj[p]
	}
	return out, nil
}

var jsonFence = regexp.MustCompile("(?s)```[A-Za-z]*[ \t]*\r?\n(.*?)```")

// jsonReply is the JSON of a reply: its first fenced block, else the whole
// reply trimmed.
func jsonReply(reply string) string {
	if m := jsonFence.FindStringSubmatch(reply); m != nil {
		return strings.TrimSpace(m[1])
	}
	return strings.TrimSpace(reply)
}
