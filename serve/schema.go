package serve

import (
	"encoding/json"
	"strings"

	"github.com/latm/latm/tool"
)

// ArgsSchema is the JSON Schema (2020-12) of a tool's keyword arguments:
// the one stored with the tool version when it has one (written by the
// maker and checked against the usage examples, or derived from them),
// else one derived from its signature: one property per parameter,
// required unless it has a default. Types are left open (any JSON value), since a
// Starlark signature has none; the usage examples show real calls.
func ArgsSchema(t *tool.Tool) map[string]any {
	if stored := storedSchema(t); stored != nil {
		return stored
	}
	props := map[string]any{}
	required := []string{}
	for _, p := range signatureParams(t.Signature) {
		name, def, hasDefault := strings.Cut(p, "=")
		name = strings.TrimSpace(name)
		if !isIdent(name) { // *args, **kwargs, or not a signature at all
			continue
		}
		prop := map[string]any{"description": "argument " + name + " of " + t.Entry}
		if hasDefault {
			prop["description"] = "argument " + name + " of " + t.Entry + " (default " + strings.TrimSpace(def) + ")"
		} else {
			required = append(required, name)
		}
		props[name] = prop
	}
	s := map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
	if len(t.Examples) > 0 {
		s["description"] = "For example, usage example 1 answers " + clip(t.Examples[0].Question, 200) + " with:\n" + clip(t.Examples[0].Code, 600)
	}
	return s
}

// storedSchema is the argument schema stored with the tool version (the
// maker's, checked against the usage examples, or the derived one), or nil
// when it has none or it does not read as an object schema. Its "$schema"
// is dropped: MCP clients take the object schema alone.
func storedSchema(t *tool.Tool) map[string]any {
	if t.ArgSchema == "" {
		return nil
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(t.ArgSchema), &s); err != nil || s["type"] != "object" {
		return nil
	}
	delete(s, "$schema")
	return s
}

// signatureParams splits "f(a, b=[1, 2], *args)" into its parameters,
// minding brackets and quotes in defaults.
func signatureParams(sig string) []string {
	open := strings.IndexByte(sig, '(')
	close := strings.LastIndexByte(sig, ')')
	if open < 0 || close <= open {
		return nil
	}
	inner := sig[open+1 : close]
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(inner[start:i]))
			start = i + 1
		}
	}
	if last := strings.TrimSpace(inner[start:]); last != "" {
		out = append(out, last)
	}
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
