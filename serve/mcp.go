package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/latm/latm/tool"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpServer mirrors the library as MCP tools: every active tool (by its
// name; a name that clashes with a built-in gets the prefix "tool-"), plus
// solve, make_tool and search_tools. Each tenant has its own MCP server,
// listing the tools it may see (tenant.go; the operator's, over stdio or
// without a token, lists all), shared by its sessions over stdio and
// streamable HTTP; when the library changes, every list is brought in
// step and the SDK sends notifications/tools/list_changed.
type mcpServer struct {
	s *Server

	mu    sync.Mutex // guards views and each view's tools
	views map[caller]*mcpView

	startOnce sync.Once
	synced    chan struct{} // closed after the first sync
}

// mcpView is one tenant's MCP server.
type mcpView struct {
	c     caller
	srv   *mcp.Server
	tools map[string]string // MCP tool name → the tool's ref it serves
}

// Built-in MCP tools.
const (
	mcpSolve  = "solve"
	mcpMake   = "make_tool"
	mcpSearch = "search_tools"
)

func newMCPServer(s *Server) *mcpServer {
	return &mcpServer{s: s, views: map[caller]*mcpView{}, synced: make(chan struct{})}
}

// view returns c's MCP server, made and filled on first use.
func (m *mcpServer) view(ctx context.Context, c caller) (*mcpView, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v := m.views[c]; v != nil {
		return v, nil
	}
	v := &mcpView{c: c, tools: map[string]string{}}
	v.srv = mcp.NewServer(&mcp.Implementation{Name: "latm", Version: m.s.opts.Version}, &mcp.ServerOptions{
		Instructions: "latm answers questions with tools a strong model wrote: call solve with a question, " +
			"or call a tool directly with its arguments (no model involved). make_tool makes a new tool from solved examples.",
		Logger:       m.s.log,
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{ListChanged: true}},
	})
	m.addBuiltins(v)
	tools, err := m.s.eng.Tools(ctx, false)
	if err != nil {
		return nil, err
	}
	if err := m.syncView(v, tools); err != nil {
		return nil, err
	}
	m.views[c] = v
	return v, nil
}

type mcpSolveIn struct {
	Question string `json:"question" jsonschema:"the question to answer"`
	Tool     string `json:"tool,omitempty" jsonschema:"a tool name or name@version to use; leave out to route the question"`
}

type mcpMakeIn struct {
	Name        string         `json:"name" jsonschema:"the new tool's name: lower-case letters, digits, _ and -"`
	Description string         `json:"description,omitempty" jsonschema:"what the tool is for"`
	Examples    []tool.Example `json:"examples" jsonschema:"solved examples of the task, each question and answer"`
	Train       int            `json:"train,omitempty" jsonschema:"training examples shown to the maker (0: the default)"`
	Valid       int            `json:"valid,omitempty" jsonschema:"validation examples the tool is tested on (0: the default)"`
}

type mcpMakeOut struct {
	Tool        string `json:"tool"`
	Description string `json:"description"`
	Signature   string `json:"signature"`
}

type mcpSearchIn struct {
	Query string `json:"query" jsonschema:"an instance of the task, or keywords"`
	Limit int    `json:"limit,omitempty" jsonschema:"most hits to return (default 5)"`
}

type mcpHit struct {
	Tool  string  `json:"tool"`
	Score float64 `json:"score"`
}

type mcpSearchOut struct {
	Hits []mcpHit `json:"hits"`
}

func (m *mcpServer) addBuiltins(v *mcpView) {
	mcp.AddTool(v.srv, &mcp.Tool{Name: mcpSolve, Description: "Answer a question with the library's tools: routed to a tool (or given one), " +
		"the cheap model writes one call, the sandbox runs it. The result says the path, the route and the cost."},
		func(ctx context.Context, _ *mcp.CallToolRequest, in mcpSolveIn) (*mcp.CallToolResult, *SolveResult, error) {
			if err := checkQuestion("question", in.Question); err != nil {
				return nil, nil, err
			}
			if in.Tool != "" {
				if err := checkRef("tool", in.Tool); err != nil {
					return nil, nil, err
				}
				if _, _, err := m.s.toolFor(ctx, v.c, in.Tool); err != nil {
					return nil, nil, err
				}
			}
			res, err := m.s.eng.Solve(ctx, m.s.solveScope(v.c, SolveRequest{Question: in.Question, Tool: in.Tool}))
			if err != nil {
				return nil, nil, err
			}
			m.s.met.solved(res)
			return nil, res, nil
		})
	mcp.AddTool(v.srv, &mcp.Tool{Name: mcpMake, Description: "Make a new tool from solved examples: the strong model writes a Starlark function, " +
		"it is verified on held-out examples and saved. Takes minutes."},
		func(ctx context.Context, _ *mcp.CallToolRequest, in mcpMakeIn) (*mcp.CallToolResult, *mcpMakeOut, error) {
			b := makeBody{Name: in.Name, Description: in.Description, Examples: in.Examples, Train: in.Train, Valid: in.Valid}
			if err := b.check(); err != nil {
				return nil, nil, err
			}
			t, err := m.s.eng.Make(ctx, MakeRequest{Name: b.Name, Description: b.Description, Examples: b.Examples, Train: b.Train, Valid: b.Valid})
			if err != nil {
				return nil, nil, err
			}
			return nil, &mcpMakeOut{Tool: t.Ref(), Description: t.Description, Signature: t.Signature}, nil
		})
	mcp.AddTool(v.srv, &mcp.Tool{Name: mcpSearch, Description: "Find the library's tools for a question or keywords, best first."},
		func(ctx context.Context, _ *mcp.CallToolRequest, in mcpSearchIn) (*mcp.CallToolResult, *mcpSearchOut, error) {
			if strings.TrimSpace(in.Query) == "" {
				return nil, nil, badInput("query", "is empty")
			}
			limit := in.Limit
			if limit <= 0 || limit > 100 {
				limit = 5
			}
			hits, err := m.s.eng.Search(ctx, in.Query, limit)
			if err != nil {
				return nil, nil, err
			}
			out := &mcpSearchOut{Hits: []mcpHit{}}
			for _, h := range hits {
				if ok, err := m.s.searchable(ctx, v.c, h); err != nil {
					return nil, nil, err
				} else if !ok {
					continue
				}
				out.Hits = append(out.Hits, mcpHit{Tool: tool.Ref(h.Name, h.Version), Score: h.Score})
			}
			return nil, out, nil
		})
}

// mcpName is the MCP tool name of a library tool.
func mcpName(name string) string {
	switch name {
	case mcpSolve, mcpMake, mcpSearch:
		return "tool-" + name
	}
	return name
}

var toolOutputSchema = json.RawMessage(`{"type":"object","properties":{"tool":{"type":"string"},"value":{},"output":{"type":"string"}},"required":["tool","value"]}`)

// sync makes every tenant's MCP tool list hold exactly the library's
// active tools it may see (the operator's, made on the first sync, all).
func (m *mcpServer) sync(ctx context.Context) error {
	if _, err := m.view(ctx, caller{operator: true}); err != nil {
		return err
	}
	tools, err := m.s.eng.Tools(ctx, false)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.views {
		if err := m.syncView(v, tools); err != nil {
			return err
		}
	}
	return nil
}

// syncView brings v's list in step with tools; m.mu is held.
func (m *mcpServer) syncView(v *mcpView, tools []*tool.Tool) error {
	want := map[string]*tool.Tool{}
	for _, t := range m.s.visibleTools(v.c, tools) {
		want[mcpName(t.Name)] = t
	}
	var gone []string
	for name, ref := range v.tools {
		if t, ok := want[name]; !ok || t.Ref() != ref {
			gone = append(gone, name)
			delete(v.tools, name)
		}
	}
	if len(gone) > 0 {
		v.srv.RemoveTools(gone...)
	}
	for name, t := range want {
		if _, ok := v.tools[name]; ok {
			continue
		}
		schema, err := json.Marshal(ArgsSchema(t))
		if err != nil {
			return fmt.Errorf("schema of %s: %w", t.Ref(), err)
		}
		desc := strings.TrimSpace(t.Description)
		if desc == "" {
			desc = "latm tool " + t.Ref()
		}
		desc += "\n\nSignature: " + t.Signature + " (" + t.Ref() + "). Runs in the sandbox with no model; pass the arguments by name."
		v.srv.AddTool(&mcp.Tool{Name: name, Description: desc, InputSchema: json.RawMessage(schema), OutputSchema: toolOutputSchema},
			m.callHandler(t.Ref()))
		v.tools[name] = t.Ref()
	}
	return nil
}

func (m *mcpServer) callHandler(ref string) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var kwargs map[string]any
		if raw := req.Params.Arguments; len(raw) > 0 && string(raw) != "null" {
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.UseNumber()
			if err := dec.Decode(&kwargs); err != nil {
				return errorResult(fmt.Sprintf("arguments must be a JSON object: %v", err)), nil
			}
		}
		res, err := m.s.eng.Call(ctx, CallRequest{Tool: ref, Kwargs: kwargs})
		if err != nil {
			if _, ok := err.(*InputError); ok {
				return errorResult(err.Error()), nil
			}
			return nil, err
		}
		m.s.met.called(res)
		if !res.OK {
			return errorResult(res.Error), nil
		}
		out := map[string]any{"tool": res.Tool, "value": res.Value, "output": res.Output}
		text, err := json.Marshal(res.Value)
		if err != nil {
			return nil, err
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(text)}}, StructuredContent: out}, nil
	}
}

func errorResult(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}

// start keeps the tool list in step with the library until ctx ends.
func (m *mcpServer) start(ctx context.Context) {
	m.startOnce.Do(func() {
		m.s.wg.Add(1)
		go func() {
			defer m.s.wg.Done()
			first := true
			for {
				changed := m.s.eng.Changed()
				if err := m.sync(ctx); err != nil && ctx.Err() == nil {
					m.s.log.Error("mcp: sync the tool list", slog.Any("err", err))
				}
				if first {
					close(m.synced)
					first = false
				}
				select {
				case <-changed:
				case <-ctx.Done():
					return
				}
			}
		}()
	})
}

func (m *mcpServer) httpHandler() http.Handler {
	return mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
		v, err := m.view(r.Context(), m.s.callerOf(r))
		if err != nil {
			m.s.log.ErrorContext(r.Context(), "mcp: the tenant's tool list", slog.Any("err", err))
			return nil // the SDK answers 400
		}
		return v.srv
	}, &mcp.StreamableHTTPOptions{
		Logger: m.s.log,
		// Idle sessions are closed, so that clients that vanish do not
		// hold memory for ever.
		SessionTimeout: 30 * time.Minute,
		// The guard around /mcp has bounded the body already.
		MaxRequestBodyBytes: m.s.opts.MaxBody,
	})
}

// ServeMCP serves MCP on one stream pair (stdin and stdout for latm mcp)
// until the client disconnects or ctx ends. Start must have been called.
func (s *Server) ServeMCP(ctx context.Context, r io.ReadCloser, w io.WriteCloser) error {
	s.mcp.start(s.ctx)
	select {
	case <-s.mcp.synced:
	case <-ctx.Done():
		return ctx.Err()
	}
	v, err := s.mcp.view(ctx, caller{operator: true})
	if err != nil {
		return err
	}
	return v.srv.Run(ctx, &mcp.IOTransport{Reader: r, Writer: w})
}
