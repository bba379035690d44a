// Package llm talks to OpenAI-compatible chat-completions endpoints, one
// configuration per role (maker, user, dispatcher, solver): retries with
// backoff, the response cache, record/replay files, reply parsing (reasoning
// blocks, code fences) and the cost of every call, reported to a Ledger.
//
// It never knows what a tool is: callers pass messages and get text back.
package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultBaseURL is used by a role with no base URL.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultAPIKeyEnv is the key variable of a role that names none.
const DefaultAPIKeyEnv = "OPENAI_API_KEY"

// Client talks to OpenAI-compatible endpoints, one configuration per role.
// It is safe for concurrent use.
type Client struct {
	cfg    Config
	roles  map[Role]*roleClient
	base   time.Duration                                    // first backoff step
	sleep  func(ctx context.Context, d time.Duration) error // waits between attempts; tests replace it
	now    func() time.Time                                 // for the retry notice; tests replace it
	rec    *recorder
	replay *replayer
	logMu  sync.Mutex // one retry line at a time
}

// roleClient is one role's endpoint.
type roleClient struct {
	role   Role
	rc     RoleConfig
	keyEnv string
	api    *openai.Client

	mu       sync.Mutex
	rejected map[string]string // JSON ways the endpoint rejected → its error (structured.go)
}

// New returns a Client for the configured roles. It opens the record file
// and loads the replay file, if set; no API key is needed to replay or to
// reach a local server.
func New(cfg Config) (*Client, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Client{cfg: cfg, roles: map[Role]*roleClient{}, base: cfg.RetryBase, sleep: sleepCtx, now: time.Now}
	if c.base <= 0 {
		c.base = 500 * time.Millisecond
	}
	for role, rc := range cfg.Roles {
		r, err := newRoleClient(role, rc, getenv)
		if err != nil {
			return nil, err
		}
		c.roles[role] = r
	}
	if cfg.Replay != "" {
		rp, err := loadReplay(cfg.Replay)
		if err != nil {
			return nil, err
		}
		c.replay = rp
	}
	if cfg.Record != "" {
		rec, err := openRecord(cfg.Record)
		if err != nil {
			return nil, err
		}
		c.rec = rec
	}
	return c, nil
}

func newRoleClient(role Role, rc RoleConfig, getenv func(string) string) (*roleClient, error) {
	if rc.Model == "" {
		return nil, fmt.Errorf("llm: role %s has no model: set %s.model in latm.yaml or LATM_%s_MODEL", role, role, strings.ToUpper(string(role)))
	}
	if rc.BaseURL == "" {
		rc.BaseURL = DefaultBaseURL
	}
	keyEnv := rc.APIKeyEnv
	if keyEnv == "" {
		keyEnv = DefaultAPIKeyEnv
	}
	key := getenv(keyEnv)
	var oc openai.ClientConfig
	switch strings.ToLower(rc.APIType) {
	case "", "openai":
		oc = openai.DefaultConfig(key)
		oc.BaseURL = rc.BaseURL
	case "azure":
		oc = openai.DefaultAzureConfig(key, rc.BaseURL)
		if rc.APIVersion != "" {
			oc.APIVersion = rc.APIVersion
		}
		// The configured model is the deployment name, used as written.
		oc.AzureModelMapperFunc = func(model string) string { return model }
	default:
		return nil, fmt.Errorf("llm: role %s: api_type %q: want openai or azure (%s.api_type)", role, rc.APIType, role)
	}
	oc.HTTPClient = &wireFixes{doer: &http.Client{Transport: transport(rc)}, zeroTemp: rc.Temperature == 0}
	return &roleClient{role: role, rc: rc, keyEnv: keyEnv, api: openai.NewClientWithConfig(oc)}, nil
}

// Close flushes and closes the record file, if any.
func (c *Client) Close() error {
	if c.rec != nil {
		return c.rec.close()
	}
	return nil
}

// Chat sends one request with retries and returns the parsed reply. Every
// call, failed or served from the cache or a replay file, is reported to the
// Ledger. A reply cut off by the token limit is a reply: it comes back with
// Truncated set and no error. A ledger or cache write failure comes back as
// an error with the Response, since the reply itself is good.
func (c *Client) Chat(ctx context.Context, req Request) (*Response, error) {
	start := time.Now()
	r, ok := c.roles[req.Role]
	if !ok {
		return nil, fmt.Errorf("llm: no configuration for role %q (configured: %s)", req.Role, c.roleNames())
	}
	resp, err := c.chat(ctx, r, req)
	// The ledger keeps the endpoint without credentials.
	call := Call{Role: req.Role, Model: r.rc.Model, Endpoint: StripUserinfo(r.rc.BaseURL), Tool: req.Tool, Status: "ok"}
	if resp != nil {
		resp.Truncated = resp.FinishReason == "length"
		resp.Latency = time.Since(start)
		call.CacheHit, call.Estimated, call.Cost = resp.CacheHit, resp.Estimated, resp.Cost
		if !resp.CacheHit {
			call.TokensIn, call.TokensOut = resp.TokensIn, resp.TokensOut
		}
	}
	call.Latency = time.Since(start)
	switch {
	case err != nil:
		call.Status = shortStatus(err)
	case resp.Truncated:
		call.Status = "truncated"
	}
	meterFrom(ctx).add(call)
	if c.cfg.Ledger != nil {
		// A cancelled call is still recorded.
		if lerr := c.cfg.Ledger.RecordCall(context.WithoutCancel(ctx), call); lerr != nil {
			err = errors.Join(err, fmt.Errorf("llm: record %s call to %s in the ledger: %w", req.Role, r.rc.Model, lerr))
		}
	}
	return resp, err
}

func (c *Client) roleNames() string {
	var names []string
	for r := range c.roles {
		names = append(names, string(r))
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// chat serves req from the replay file, the cache or the network.
func (c *Client) chat(ctx context.Context, r *roleClient, req Request) (*Response, error) {
	key := cacheKey(r.rc, req.Messages)
	// Recordings leave the endpoint out of their keys, so a session
	// recorded against one server replays anywhere.
	portable := r.rc
	portable.BaseURL = ""
	recKey := cacheKey(portable, req.Messages)
	if c.replay != nil {
		resp, err := c.replay.take(recKey)
		if err != nil {
			return nil, fmt.Errorf("llm: %w for this request (%s, %s, %q); record it with --record",
				err, req.Role, r.rc.Model, clip(lastContent(req.Messages), 60))
		}
		resp.CacheHit, resp.Cost = true, 0
		if err := c.record(recKey, r, req, resp); err != nil {
			return resp, err
		}
		return resp, nil
	}
	useCache := c.cfg.Cache != nil && !c.cfg.NoCache && !req.NoCache && r.rc.Temperature == 0
	if useCache {
		b, ok, err := c.cfg.Cache.Get(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("llm: %s call to %s: response cache: %w (retry with --no-cache)", req.Role, r.rc.Model, err)
		}
		var resp Response
		// An entry that no longer decodes is treated as a miss and replaced.
		if ok && unmarshalResponse(b, &resp) == nil {
			resp.CacheHit, resp.Cost = true, 0
			if err := c.record(recKey, r, req, &resp); err != nil {
				return &resp, err
			}
			return &resp, nil
		}
	}
	resp, err := c.sendAsked(withTemplate(ctx, req.Template), r, req)
	if err != nil {
		return nil, err
	}
	if useCache {
		b, err := marshalResponse(resp)
		if err == nil {
			err = c.cfg.Cache.Put(ctx, key, b)
		}
		if err != nil {
			return resp, fmt.Errorf("llm: %s call to %s: store in the response cache: %w", req.Role, r.rc.Model, err)
		}
	}
	if err := c.record(recKey, r, req, resp); err != nil {
		return resp, err
	}
	return resp, nil
}

func (c *Client) record(key string, r *roleClient, req Request, resp *Response) error {
	if c.rec == nil {
		return nil
	}
	return c.rec.write(exchange{Key: key, Role: req.Role, Model: r.rc.Model, Messages: req.Messages, Response: resp})
}

// sendAsked sends req over the network, asking for JSON the way
// req.JSONVia says when it carries a schema: with auto, a way the endpoint
// rejects is remembered for the role and the next one is asked.
func (c *Client) sendAsked(ctx context.Context, r *roleClient, req Request) (*Response, error) {
	if len(req.JSONSchema) == 0 {
		return c.send(ctx, r, req.Messages, jsonAsk{})
	}
	ways, err := jsonWays(req.JSONVia)
	if err != nil {
		return nil, err
	}
	for i, way := range ways {
		last := i == len(ways)-1
		if !last && r.refused(way) {
			continue
		}
		resp, err := c.send(ctx, r, req.Messages, jsonAsk{way: way, name: req.JSONName, desc: req.JSONDescription, schema: req.JSONSchema})
		if err != nil && !last && rejects(err, way) {
			r.refuse(way, err)
			if c.cfg.Log != nil {
				c.logMu.Lock()
				fmt.Fprintf(c.cfg.Log, "llm: %s endpoint rejects %s (%v); asking for JSON through %s from now on\n", r.role, way, err, ways[i+1])
				c.logMu.Unlock()
			}
			continue
		}
		if resp != nil {
			resp.JSONVia = way
		}
		return resp, err
	}
	return nil, fmt.Errorf("llm: %s endpoint: no way of asking for JSON is left", r.role)
}

// send makes the HTTP call, retrying what may succeed on a second try,
// within the role's whole-call Timeout.
func (c *Client) send(ctx context.Context, r *roleClient, msgs []Message, a jsonAsk) (*Response, error) {
	oreq := openai.ChatCompletionRequest{
		Model:       r.rc.Model,
		Temperature: r.rc.Temperature,
		MaxTokens:   r.rc.MaxTokens,
		Messages:    make([]openai.ChatCompletionMessage, len(msgs)),
	}
	a.apply(&oreq)
	for i, m := range msgs {
		oreq.Messages[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	where := fmt.Sprintf("llm: %s call to %s at %s", r.role, r.rc.Model, RedactURL(r.rc.BaseURL))
	parent := ctx
	if r.rc.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, r.rc.Timeout, &timeoutError{phase: "reply", d: r.rc.Timeout, key: string(r.role) + ".timeout"})
		defer cancel()
	}
	// callErr is what ended the call when its own deadline did.
	callErr := func(last error) error {
		cause := context.Cause(ctx)
		if last != nil {
			return fmt.Errorf("%s: %w (last failure: %v)", where, cause, last)
		}
		return fmt.Errorf("%s: %w", where, cause)
	}
	start := c.now()
	noticed := false
	for attempt := 0; ; attempt++ {
		resp, wait, err := c.attempt(ctx, r, oreq, msgs)
		if err == nil {
			return resp, nil
		}
		redactErr(err)
		if parent.Err() != nil {
			return nil, fmt.Errorf("%s: %w", where, parent.Err())
		}
		if ctx.Err() != nil {
			return nil, callErr(err)
		}
		if !retryable(err) {
			return nil, fmt.Errorf("%s: %w%s", where, err, fix(r, err))
		}
		if attempt >= r.rc.MaxRetries {
			return nil, fmt.Errorf("%s: giving up after %d attempts: %w", where, attempt+1, err)
		}
		d := backoff(c.base, attempt)
		if wait > 0 {
			d = wait
		}
		noticed = c.report(where, attempt+1, err, d, c.now().Sub(start), noticed)
		if serr := c.sleep(ctx, d); serr != nil {
			if parent.Err() == nil && ctx.Err() != nil {
				return nil, callErr(err)
			}
			return nil, fmt.Errorf("%s: %w while waiting to retry after: %v", where, serr, err)
		}
	}
}

// report writes the retry line: every retry when verbose, else one line
// once the call has been retrying for NoticeAfter. It returns whether the
// quiet notice has been written.
func (c *Client) report(where string, attempt int, err error, wait, elapsed time.Duration, noticed bool) bool {
	if c.cfg.Log == nil {
		return noticed
	}
	after := c.cfg.NoticeAfter
	if after <= 0 {
		after = 5 * time.Second
	}
	c.logMu.Lock()
	defer c.logMu.Unlock()
	switch {
	case c.cfg.Verbose:
		fmt.Fprintf(c.cfg.Log, "%s: attempt %d failed: %v; retrying in %v\n", where, attempt, err, wait.Round(time.Millisecond))
	case !noticed && elapsed+wait >= after:
		fmt.Fprintf(c.cfg.Log, "%s: still retrying after %d failed attempts in %v (last: %v); -v shows every retry\n",
			where, attempt, elapsed.Round(100*time.Millisecond), err)
		return true
	}
	return noticed
}

// attempt makes one HTTP call. It returns the server's Retry-After wait,
// if any, with a failure.
func (c *Client) attempt(ctx context.Context, r *roleClient, oreq openai.ChatCompletionRequest, msgs []Message) (*Response, time.Duration, error) {
	or, err := r.api.CreateChatCompletion(ctx, oreq)
	if err != nil {
		wait := retryAfter(or.Header().Get("Retry-After"), time.Now())
		return nil, wait, classify(r, err)
	}
	if len(or.Choices) == 0 {
		return nil, 0, errNoChoices
	}
	return parseReply(r.rc, or, msgs), 0, nil
}

func parseReply(rc RoleConfig, or openai.ChatCompletionResponse, msgs []Message) *Response {
	ch := or.Choices[0]
	content, reasoning := splitThink(toolArguments(ch.Message))
	if rcontent := strings.TrimSpace(ch.Message.ReasoningContent); rcontent != "" {
		reasoning = strings.TrimSpace(rcontent + "\n\n" + reasoning)
	}
	resp := &Response{
		Content:      content,
		Reasoning:    reasoning,
		FinishReason: string(ch.FinishReason),
		TokensIn:     or.Usage.PromptTokens,
		TokensOut:    or.Usage.CompletionTokens,
		Model:        or.Model,
	}
	if resp.Model == "" {
		resp.Model = rc.Model
	}
	if resp.TokensIn == 0 && resp.TokensOut == 0 {
		n := 0
		for _, m := range msgs {
			n += len(m.Content)
		}
		resp.TokensIn, resp.TokensOut = estimateTokens(n), estimateTokens(len(toolArguments(ch.Message)))
		resp.Estimated = true
	}
	resp.Cost = float64(resp.TokensIn)*rc.PriceIn/1e6 + float64(resp.TokensOut)*rc.PriceOut/1e6
	return resp
}

// estimateTokens is a rough count for n characters, ceil(n/4), used when
// the server reports no usage.
func estimateTokens(n int) int { return (n + 3) / 4 }

func lastContent(msgs []Message) string {
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Content
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
