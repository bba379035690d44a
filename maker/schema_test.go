package maker

import (
	"context"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/tool"
)

// schemaMaker scripts a maker that makes the sum tool and answers the
// schema prompt with replies in turn.
func schemaMaker(t *testing.T, replies ...string) (*Maker, *fakeopenai.Server) {
	t.Helper()
	m, srv := sumsMakerFor(t, SchemaTemplate, replies...)
	m.Schema = true
	return m, srv
}

const sumSchema = `{"type": "object", "properties": {"nums": {"type": "array", "items": {"type": "integer"}, "description": "the numbers after Add:"}}, "required": ["nums"]}`

func jsonBlock(s string) string { return "```json\n" + s + "\n```\n" }

func TestMakeWritesACheckedSchema(t *testing.T) {
	m, srv := schemaMaker(t, "Here is the schema.\n"+jsonBlock(sumSchema))
	tl, att, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	if err != nil {
		t.Fatal(err)
	}
	if tl.ArgSchemaFrom != tool.SchemaFromMaker || !strings.Contains(tl.ArgSchema, `"description":"the numbers after Add:"`) ||
		!strings.Contains(tl.ArgSchema, `"additionalProperties":false`) || tl.ArgSchemaNote != "" {
		t.Fatalf("schema %q from %q note %q (%s)", tl.ArgSchema, tl.ArgSchemaFrom, tl.ArgSchemaNote, att.SchemaNote)
	}
	if !strings.Contains(att.SchemaNote, "the maker's") {
		t.Fatalf("note %q", att.SchemaNote)
	}
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	// In the same chat, after the package step, with the usage examples'
	// arguments as JSON.
	if last.Template != SchemaTemplate || len(last.Messages) != 7 || !strings.Contains(last.Last(), `{"nums":[10,-3]}`) || !strings.Contains(last.Last(), "`nums`") {
		t.Fatalf("the schema request: template %q, %d messages, last %q", last.Template, len(last.Messages), last.Last())
	}
}

// A refused schema is fed back once; refused again, the derived schema is
// kept with the reason.
func TestMakeSchemaRefusedFallsBackToDerived(t *testing.T) {
	wrong := `{"type": "object", "properties": {"nums": {"type": "array", "maxItems": 1}}, "required": ["nums"]}`
	t.Run("fixed", func(t *testing.T) {
		m, srv := schemaMaker(t, jsonBlock(wrong), jsonBlock(sumSchema))
		tl, _, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
		if err != nil || tl.ArgSchemaFrom != tool.SchemaFromMaker {
			t.Fatalf("%v; schema from %q", err, tl.ArgSchemaFrom)
		}
		reqs := srv.Requests()
		if fb := reqs[len(reqs)-1].Last(); !strings.Contains(fb, "Your last schema was not accepted") || !strings.Contains(fb, "usage example 1") {
			t.Fatalf("feedback %q", fb)
		}
	})
	for name, reply := range map[string]string{
		"refuses an example": jsonBlock(wrong),
		"no json":            "I would rather not.",
		"not an object":      jsonBlock(`["nums"]`),
		"wrong parameter":    jsonBlock(`{"type": "object", "properties": {"numbers": {}}, "required": ["numbers"]}`),
	} {
		t.Run(name, func(t *testing.T) {
			m, _ := schemaMaker(t, reply)
			tl, att, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
			if err != nil {
				t.Fatal(err)
			}
			if tl.ArgSchemaFrom != tool.SchemaFromDerived || !strings.Contains(tl.ArgSchema, `"items":{"type":"integer"}`) ||
				!strings.HasPrefix(tl.ArgSchemaNote, "the maker's schema was refused: ") || !strings.Contains(att.SchemaNote, "derived") {
				t.Fatalf("schema %q from %q note %q", tl.ArgSchema, tl.ArgSchemaFrom, tl.ArgSchemaNote)
			}
		})
	}
}

// Without Maker.Schema nothing is asked and nothing stored.
func TestMakeWithoutSchemaStep(t *testing.T) {
	m, srv := schemaMaker(t, jsonBlock(sumSchema))
	m.Schema = false
	tl, _, err := m.Make(context.Background(), Task{Name: "sums", Examples: sums})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if r.Template == SchemaTemplate {
			t.Fatal("the schema prompt was sent")
		}
	}
	if tl.ArgSchema != "" || tl.ArgSchemaFrom != "" {
		t.Fatalf("a schema without the step: %q", tl.ArgSchema)
	}
}

// FuzzSchemaFromReply: any maker reply is read without a panic, and what
// it returns is one JSON object.
func FuzzSchemaFromReply(f *testing.F) {
	f.Add(jsonBlock(sumSchema))
	f.Add("Sure:\n```\n{}\n```")
	f.Add("```json\n[1]\n```\n```json\n{\"type\": \"object\"}\n```")
	f.Add(`{"a": 1} trailing`)
	f.Add("```json\n{\"a\": \n```")
	f.Add("")
	f.Fuzz(func(t *testing.T, reply string) {
		text, problem := schemaFromReply(reply)
		if (text == "") == (problem == "") {
			t.Fatalf("text %q and problem %q", text, problem)
		}
		if text != "" && !isOneObject(text) {
			t.Fatalf("returned %q, not one object", text)
		}
	})
}
