package serve

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latm/latm/tool"
)

const storedWordsSchema = `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"words":{"type":"array","items":{"type":"string"},"description":"the words to sort"}},"required":["words"],"additionalProperties":false}`

// A tool version's stored argument schema is what MCP publishes as the
// tool's input schema; one that does not read as an object schema gives
// way to the signature's.
func TestMCPPublishesTheStoredSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	tl := sortTool()
	tl.ArgSchema, tl.ArgSchemaFrom = storedWordsSchema, tool.SchemaFromMaker
	e.save(tl)
	e.local.notify()
	cs, changed := mcpClient(t, e, "http")
	deadline := time.After(10 * time.Second)
	for {
		res, err := cs.ListTools(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var found *mcp.Tool
		for _, mt := range res.Tools {
			if mt.Name == "word_sorting" {
				found = mt
			}
		}
		if found != nil {
			schema, _ := json.Marshal(found.InputSchema)
			if !strings.Contains(string(schema), `"description":"the words to sort"`) || !strings.Contains(string(schema), `"items":{"type":"string"}`) || strings.Contains(string(schema), "$schema") {
				t.Fatalf("published schema %s", schema)
			}
			break
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("word_sorting never listed")
		}
	}
	out, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "word_sorting", Arguments: map[string]any{"words": []string{"pear", "apple"}}})
	if err != nil || out.IsError {
		t.Fatalf("call: %v %+v", err, out)
	}

	bad := sortTool()
	bad.ArgSchema = `["words"]`
	if s := ArgsSchema(bad); s["type"] != "object" || s["properties"].(map[string]any)["words"] == nil {
		t.Fatalf("a stored schema that is not an object schema was published: %v", s)
	}
}

// A shared tool's stored schema was written from its owner's usage
// examples, so another tenant is shown the signature's schema instead.
func TestSharedToolsComeWithoutTheirOwnersSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	tl := sortTool()
	tl.ArgSchema = `{"type":"object","properties":{"words":{"type":"array","description":"e.g. ` + secretQuestion + `"}},"required":["words"]}`
	tl.ArgSchemaFrom, tl.ArgSchemaNote = tool.SchemaFromMaker, ""
	e.save(tl)
	ctx := t.Context()
	ts := &tenants{e: e, acme: e.token("acme", 0), globex: e.token("globex", 0), opsT: e.token("ops", 0)}
	srv := New(ownedEngine{Local: e.local, owners: map[string]string{"word_sorting": "acme"}},
		Options{RequireTokens: true, Tokens: e.store, Batches: e.store, GatewayRecords: e.store, ShareTools: true, Operators: []string{"ops"}})
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { h.Close(); srv.Close() })
	ts.url = h.URL
	if code, body := ts.get(t, "GET", "/v1/tools/word_sorting", ts.acme, ""); code != 200 || !strings.Contains(body, secretQuestion) {
		t.Errorf("acme's own tool lacks its schema: %d %s", code, body)
	}
	if code, body := ts.get(t, "GET", "/v1/tools/word_sorting", ts.globex, ""); code != 200 || strings.Contains(body, secretQuestion) {
		t.Errorf("globex sees acme's schema: %d %s", code, body)
	}
}
