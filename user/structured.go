package user

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// Structured calls: instead of writing call code, the user model gives the
// entry function's arguments as one JSON object, validated against the
// tool's argument schema before anything runs. The call is then rendered
// from the arguments (callCodeFor), grounded like any call, and run.
//
// The schema is the one stored with the tool version (the maker's, checked
// against the usage examples when it was made: CheckArgSchema), else one
// derived from the tool's signature and the values its usage examples' own
// calls pass (exampleArgs), checked against those values. A tool whose
// examples call it with keyword arguments, or whose values have no JSON
// form, gets none, and is used with call code.

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
	From     string         // tool.SchemaFromMaker or tool.SchemaFromDerived
	Note     string         // why a stored schema was refused, when this one replaced it
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
	return DeriveArgSchema(ctx, s.Runtime, tl)
}

// DeriveArgSchema is Solver.DeriveArgSchema with the sandbox rt.
func DeriveArgSchema(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool) (*ArgSchema, string, error) {
	as, objs, problem, err := exampleObjects(ctx, rt, tl)
	if as == nil {
		return nil, problem, err
	}
	props := map[string]map[string]any{}
	for _, obj := range objs {
		for _, p := range as.Params {
			if sc, seen := props[p]; seen {
				props[p] = mergeSchema(sc, schemaOf(obj[p]))
			} else {
				props[p] = schemaOf(obj[p])
			}
		}
	}
	properties := map[string]any{}
	required := make([]any, len(as.Params))
	for i, p := range as.Params {
		properties[p] = props[p]
		required[i] = p
	}
	as.Schema = map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
		"properties": properties, "required": required, "additionalProperties": false,
	}
	as.From = tool.SchemaFromDerived
	if err := as.compile(); err != nil {
		return nil, "", fmt.Errorf("argument schema of %s: %w", tl.Ref(), err)
	}
	if problem := as.checkExamples(); problem != "" {
		return nil, "the derived schema " + problem, nil
	}
	return as, "", nil
}

// exampleObjects reads each usage example's arguments as an object keyed
// by the entry's parameters. It returns as with Params and Examples set,
// or a nil as with why there is none.
func exampleObjects(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool) (*ArgSchema, []map[string]any, string, error) {
	params, ok := signatureParams(tl.Signature)
	if !ok {
		return nil, nil, fmt.Sprintf("the signature %q has no plain parameters", tl.Signature), nil
	}
	if len(tl.Examples) == 0 {
		return nil, nil, "the tool has no usage examples", nil
	}
	as := &ArgSchema{Params: params}
	var objs []map[string]any
	for i, ex := range tl.Examples {
		args, problem, err := exampleArgs(ctx, rt, tl, ex.Code)
		if err != nil || problem != "" {
			return nil, nil, fmt.Sprintf("usage example %d: %s", i+1, problem), err
		}
		if len(args) != len(params) {
			return nil, nil, fmt.Sprintf("usage example %d passes %d arguments to a %d-parameter signature", i+1, len(args), len(params)), nil
		}
		obj := map[string]any{}
		for j, p := range params {
			obj[p] = args[j]
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, nil, fmt.Sprintf("usage example %d: its arguments have no JSON form", i+1), nil
		}
		as.Examples = append(as.Examples, string(b))
		objs = append(objs, obj)
	}
	return as, objs, "", nil
}

// compile resolves as.Schema for validation.
func (as *ArgSchema) compile() error {
	raw, err := json.Marshal(as.Schema)
	if err != nil {
		return err
	}
	var sch jsonschema.Schema
	if err := json.Unmarshal(raw, &sch); err != nil {
		return err
	}
	compiled, err := sch.Resolve(nil)
	if err != nil {
		return err
	}
	as.compiled = compiled
	return nil
}

// checkExamples says which usage example's arguments the schema refuses,
// or "".
func (as *ArgSchema) checkExamples() string {
	for i, ex := range as.Examples {
		if problem := as.Validate(ex); problem != "" {
			return fmt.Sprintf("refuses usage example %d's arguments %s: %s", i+1, clipText(ex, 200), problem)
		}
	}
	return ""
}

// maxSchemaBytes bounds a stored or maker-written schema.
const maxSchemaBytes = 64 << 10

// CheckArgSchema checks a written argument schema (JSON text) for tl: it
// must be one JSON object describing an object whose properties are the
// entry's parameters, every one required; it must compile as JSON Schema
// (draft 2020-12); and every usage example's arguments must validate
// against it. A schema that says nothing of additionalProperties gets
// false (a JSON call names the parameters and nothing else). problem says
// why the schema is refused; err is a failure of the machinery.
func CheckArgSchema(ctx context.Context, rt *starlarkrt.Runtime, tl *tool.Tool, text string) (*ArgSchema, string, error) {
	if len(text) > maxSchemaBytes {
		return nil, fmt.Sprintf("the schema is %d bytes, over the %d allowed", len(text), maxSchemaBytes), nil
	}
	var sch map[string]any
	dec := json.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&sch); err != nil || sch == nil {
		return nil, "the schema is not one JSON object", nil
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, "the schema has text after its JSON object", nil
	}
	as, _, problem, err := exampleObjects(ctx, rt, tl)
	if as == nil {
		return nil, problem, err
	}
	if problem := objectShape(sch, as.Params); problem != "" {
		return nil, problem, nil
	}
	if _, ok := sch["additionalProperties"]; !ok {
		sch["additionalProperties"] = false
	}
	as.Schema, as.From = sch, tool.SchemaFromMaker
	if err := as.compile(); err != nil {
		return nil, "the schema does not compile: " + oneLine(err.Error()), nil
	}
	if problem := as.checkExamples(); problem != "" {
		return nil, "the schema " + problem, nil
	}
	return as, "", nil
}

// objectShape says why sch is not an object schema naming exactly params,
// all required, or "".
func objectShape(sch map[string]any, params []string) string {
	if sch["type"] != "object" {
		return `the schema's "type" is not "object" (it describes the arguments as one object, a property per parameter)`
	}
	props, ok := sch["properties"].(map[string]any)
	if !ok {
		return `the schema has no "properties" object`
	}
	required := map[string]bool{}
	if list, ok := sch["required"].([]any); ok {
		for _, r := range list {
			if name, ok := r.(string); ok {
				required[name] = true
			}
		}
	}
	for _, p := range params {
		if _, ok := props[p]; !ok {
			return fmt.Sprintf("the schema has no property for the parameter %q", p)
		}
		if !required[p] {
			return fmt.Sprintf("the schema does not require the parameter %q", p)
		}
	}
	if len(props) != len(params) {
		var extra []string
		for k := range props {
			if !slices.Contains(params, k) {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		return fmt.Sprintf("the schema has properties the signature does not: %s", strings.Join(extra, ", "))
	}
	return ""
}

// JSON is the schema as compact JSON text.
func (as *ArgSchema) JSON() string {
	b, _ := json.Marshal(as.Schema) // decoded from JSON or built of JSON values
	return string(b)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, `"`, "")), " ")
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
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
