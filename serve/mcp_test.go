package serve

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// mcpClient connects the go-sdk client over transport name ("http": the
// server's /mcp endpoint; "stdio": newline-delimited JSON over a pipe
// pair, as latm mcp speaks on stdin and stdout). changed receives a value
// on every notifications/tools/list_changed.
func mcpClient(t *testing.T, e *env, transport string) (*mcp.ClientSession, <-chan struct{}) {
	t.Helper()
	ctx := t.Context()
	changed := make(chan struct{}, 16)
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
			select {
			case changed <- struct{}{}:
			default:
			}
		},
	})
	var tr mcp.Transport
	switch transport {
	case "http":
		tr = &mcp.StreamableClientTransport{Endpoint: e.http.URL + "/mcp"}
	case "stdio":
		sr, cw := io.Pipe() // client → server
		cr, sw := io.Pipe() // server → client
		sctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.srv.ServeMCP(sctx, sr, sw) }()
		t.Cleanup(func() {
			cancel()
			cw.Close()
			<-done
		})
		tr = &mcp.IOTransport{Reader: cr, Writer: cw}
	}
	cs, err := c.Connect(ctx, tr, nil)
	if err != nil {
		t.Fatalf("connect over %s: %v", transport, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs, changed
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

func TestMCP(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"http", "stdio"} {
		t.Run(transport, func(t *testing.T) {
			e := newEnv(t, Options{})
			e.save(sortTool())
			e.local.notify() // as a save through the engine would
			cs, changed := mcpClient(t, e, transport)
			ctx := t.Context()

			waitFor := func(want []string) {
				t.Helper()
				deadline := time.After(10 * time.Second)
				for {
					if got := toolNames(t, cs); slices.Equal(got, want) {
						return
					}
					select {
					case <-changed:
					case <-deadline:
						t.Fatalf("tools %v, want %v", toolNames(t, cs), want)
					}
				}
			}
			waitFor([]string{"make_tool", "search_tools", "solve", "word_sorting"})

			res, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, tool := range res.Tools {
				if tool.Name != "word_sorting" {
					continue
				}
				schema, _ := json.Marshal(tool.InputSchema)
				if !strings.Contains(string(schema), `"words"`) || !strings.Contains(tool.Description, "sort_words(words)") || tool.OutputSchema == nil {
					t.Fatalf("tool %+v, schema %s", tool, schema)
				}
			}

			// A library tool, called directly: structured output, no model.
			out, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "word_sorting", Arguments: map[string]any{"words": []string{"pear", "apple"}}})
			if err != nil || out.IsError {
				t.Fatalf("call: %v %+v", err, out)
			}
			sc, _ := out.StructuredContent.(map[string]any)
			if sc["value"] != "apple pear" || sc["tool"] != "word_sorting@1" {
				t.Fatalf("structured %+v", out.StructuredContent)
			}
			out, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "word_sorting", Arguments: map[string]any{"nope": 1}})
			if err != nil || !out.IsError {
				t.Fatalf("bad arguments: %v %+v", err, out)
			}

			// solve, routed.
			out, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "solve", Arguments: map[string]any{"question": "Sort the following words alphabetically: List: kiwi banana cherry", "tool": "word_sorting"}})
			if err != nil || out.IsError {
				t.Fatalf("solve: %v %+v", err, out)
			}
			var sr SolveResult
			b, _ := json.Marshal(out.StructuredContent)
			if err := json.Unmarshal(b, &sr); err != nil || sr.Answer != "banana cherry kiwi" || sr.Path != PathNoModel {
				t.Fatalf("solve result %s", b)
			}
			out, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "solve", Arguments: map[string]any{"question": " "}})
			if err != nil || !out.IsError {
				t.Fatalf("empty question: %v %+v", err, out)
			}

			// search_tools.
			out, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "search_tools", Arguments: map[string]any{"query": "sort words"}})
			if err != nil || out.IsError {
				t.Fatalf("search: %v %+v", err, out)
			}
			if b, _ := json.Marshal(out.StructuredContent); !strings.Contains(string(b), "word_sorting@1") {
				t.Fatalf("search result %s", b)
			}

			// make_tool refuses bad input before any model call.
			out, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "make_tool", Arguments: map[string]any{"name": "Bad!", "examples": []tool.Example{{Question: "q", Answer: "a"}}}})
			if err != nil || !out.IsError {
				t.Fatalf("make_tool with a bad name: %v %+v", err, out)
			}

			// The library changes: a new tool appears, a retired one goes,
			// each with notifications/tools/list_changed.
			for len(changed) > 0 {
				<-changed
			}
			spin := spinTool()
			e.save(spin)
			e.local.notify()
			select {
			case <-changed:
			case <-time.After(10 * time.Second):
				t.Fatal("no tools/list_changed after a tool was added")
			}
			waitFor([]string{"make_tool", "search_tools", "solve", "spin", "word_sorting"})
			e.call("POST", "/v1/tools/word_sorting/retire", nil, 200, nil)
			waitFor([]string{"make_tool", "search_tools", "solve", "spin"})
			if len(e.fake.Requests()) != 0 {
				t.Fatalf("%d model calls; every call here needs none", len(e.fake.Requests()))
			}
		})
	}
}

// Tools another process adds to the store reach MCP clients through Watch.
func TestMCPSeesChangesFromOtherProcesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go e.local.Watch(ctx, 20*time.Millisecond)
	cs, changed := mcpClient(t, e, "http")
	if got := toolNames(t, cs); len(got) != 3 {
		t.Fatalf("tools %v", got)
	}
	other, err := library.Open(e.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.SaveTool(ctx, sortTool()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no tools/list_changed after another process saved a tool")
	}
	if got := toolNames(t, cs); !slices.Contains(got, "word_sorting") {
		t.Fatalf("tools %v", got)
	}
}

func TestMCPNameClashesGetAPrefix(t *testing.T) {
	t.Parallel()
	if mcpName("solve") != "tool-solve" || mcpName("word_sorting") != "word_sorting" {
		t.Fatal(mcpName("solve"))
	}
}

func TestMCPMakeTool(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	exs := scriptMaker(e)
	cs, changed := mcpClient(t, e, "http")
	out, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "make_tool", Arguments: map[string]any{"name": "sorter", "description": "sorts words", "examples": exs}})
	if err != nil || out.IsError {
		t.Fatalf("make_tool: %v %+v", err, out)
	}
	if sc, _ := out.StructuredContent.(map[string]any); sc["tool"] != "sorter@1" {
		t.Fatalf("structured %+v", out.StructuredContent)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no tools/list_changed after make_tool")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(toolNames(t, cs), "sorter") {
		select {
		case <-changed:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("tools %v lack the made tool", toolNames(t, cs))
		}
	}
}
