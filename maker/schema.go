package maker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// SchemaTemplate is the name of the prompt that asks the maker for the
// JSON Schema of a tool's arguments, in the same chat, after the tool is
// verified and packaged.
const SchemaTemplate = "schema"

// schemaTries is how many replies the maker gets to write a schema that
// is accepted: the first, and one fix after seeing why it was refused.
const schemaTries = 2

// SchemaData is what the schema prompt is rendered with.
type SchemaData struct {
	Entry, Signature string
	Params           []string
	Examples         []SchemaExample
	Problem          string // why the last schema was refused; "" on the first ask
}

// SchemaExample is a usage example's question and its call's arguments as
// one JSON object.
type SchemaExample struct {
	Question, Arguments string
}

// writeSchema gives t its argument schema: the maker's, if it compiles
// and takes every usage example's arguments (user.CheckArgSchema), else
// the one derived from the signature and those arguments, with why the
// maker's was refused in t.ArgSchemaNote. A tool whose calls have no JSON
// form (keyword arguments, *args) gets none and the maker is not asked.
// Like the parser, a schema only serves JSON calls and MCP, so it is never
// a reason to fail making; the error return is for a cancelled ctx only.
func (s *session) writeSchema(ctx context.Context, t *tool.Tool) (note string, err error) {
	derived, why, err := user.DeriveArgSchema(ctx, s.m.Runtime, t)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return fmt.Sprintf("no argument schema: %v", err), nil
	}
	if derived == nil {
		return "no argument schema: " + why, nil
	}
	data := SchemaData{Entry: t.Entry, Signature: t.Signature, Params: derived.Params}
	for i, ex := range t.Examples {
		data.Examples = append(data.Examples, SchemaExample{Question: ex.Question, Arguments: derived.Examples[i]})
	}
	problem := ""
	for try := 1; try <= schemaTries; try++ {
		data.Problem = problem
		prompt, err := s.render(SchemaTemplate, data)
		if err != nil {
			return "", err
		}
		reply, err := s.ask(ctx, SchemaTemplate, prompt)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			// The endpoint failed, not the schema: the derived one is kept.
			t.ArgSchema, t.ArgSchemaFrom, t.ArgSchemaNote = derived.JSON(), tool.SchemaFromDerived, "the maker gave no schema: "+err.Error()
			return "argument schema: derived; " + t.ArgSchemaNote, nil
		}
		text, p := schemaFromReply(reply)
		if p != "" {
			problem = p
			continue
		}
		as, p, err := user.CheckArgSchema(ctx, s.m.Runtime, t, text)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return fmt.Sprintf("no argument schema: %v", err), nil
		}
		if as != nil {
			t.ArgSchema, t.ArgSchemaFrom, t.ArgSchemaNote = as.JSON(), tool.SchemaFromMaker, ""
			return fmt.Sprintf("argument schema: the maker's, checked on %d usage examples", len(t.Examples)), nil
		}
		problem = p
	}
	t.ArgSchema, t.ArgSchemaFrom, t.ArgSchemaNote = derived.JSON(), tool.SchemaFromDerived, "the maker's schema was refused: "+problem
	return "argument schema: derived; " + t.ArgSchemaNote, nil
}

var schemaFence = regexp.MustCompile("(?s)```[A-Za-z]*[ \t]*\r?\n(.*?)```")

// schemaFromReply reads the schema out of a maker reply: the first fenced
// block that holds one JSON object, else the whole reply if it is one. It
// returns the object's text, or why there is none.
func schemaFromReply(reply string) (string, string) {
	var candidates []string
	for _, m := range schemaFence.FindAllStringSubmatch(reply, -1) {
		candidates = append(candidates, strings.TrimSpace(m[1]))
	}
	candidates = append(candidates, strings.TrimSpace(reply))
	for _, c := range candidates {
		if isOneObject(c) {
			return c, ""
		}
	}
	return "", "the reply has no ```json block holding one JSON object (the schema)"
}

// isOneObject reports whether text is exactly one JSON object.
func isOneObject(text string) bool {
	if !strings.HasPrefix(text, "{") {
		return false
	}
	dec := json.NewDecoder(strings.NewReader(text))
	var v map[string]any
	if err := dec.Decode(&v); err != nil || v == nil {
		return false
	}
	_, err := dec.Token()
	return errors.Is(err, io.EOF)
}
