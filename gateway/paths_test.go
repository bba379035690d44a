package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/internal/gatewaysim"
	"github.com/latm/latm/tool"
)

func taskNamed(w *world, name string) gatewaysim.Task {
	for _, t := range w.tasks {
		if t.Name == name {
			return t
		}
	}
	w.t.Fatalf("no task %s", name)
	return gatewaysim.Task{}
}

// trainLive sends questions of task as tenant until a tool of it is live
// and returns that tool's ref.
func trainLive(t *testing.T, w *world, tenant, task string) string {
	t.Helper()
	ctx := context.Background()
	c := w.client(tenant, "sk-client")
	tr := gatewaysim.NewTraffic(7, w.tasks, 0)
	tk := taskNamed(w, task)
	for i := range 40 {
		it := tr.Of(tk)
		rep, err := ask(ctx, c, it.Question, false)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		w.gw.Wait()
		if rep.Tool != "" {
			return rep.Tool
		}
	}
	t.Fatalf("no tool of %s went live for tenant %q in 40 requests", task, tenant)
	return ""
}

// What the client reads from latm on a forwarded request is what it reads
// from upstream itself: content, model, finish reason, usage, plain and
// streamed; an upstream error keeps its status and body.
func TestForwardedRepliesMatchUpstream(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	for _, q := range []string{gatewaysim.OneOffs()[0].Question, gatewaysim.OneOffs()[2].Question} {
		for _, stream := range []bool{false, true} {
			via, err := ask(ctx, w.client("", "sk-client"), q, stream)
			if err != nil {
				t.Fatal(err)
			}
			direct, err := ask(ctx, w.direct(), q, stream)
			if err != nil {
				t.Fatal(err)
			}
			if via.Tool != "" {
				t.Errorf("%q answered by %s", q, via.Tool)
			}
			via.Tool = ""
			if via.Content != direct.Content || via.Model != direct.Model || via.Finish != direct.Finish ||
				via.ContentType != direct.ContentType || via.StreamChunks != direct.StreamChunks ||
				(via.Usage == nil) != (direct.Usage == nil) || via.Usage != nil && *via.Usage != *direct.Usage {
				t.Errorf("stream %v: through latm %+v, upstream %+v", stream, via, direct)
			}
		}
	}
	// An error: upstream has no answer for this question (a 400).
	for _, stream := range []bool{false, true} {
		_, err := ask(ctx, w.client("", "sk-client"), "an unscripted question", stream)
		var ae *openai.APIError
		if !errors.As(err, &ae) || ae.HTTPStatusCode != 400 || !strings.Contains(ae.Message, "no scripted answer") {
			t.Errorf("stream %v: error %v, want upstream's 400 with its message", stream, err)
		}
	}
	w.gw.Wait()
}

// A request that is no candidate reaches upstream byte for byte, and its
// reply comes back byte for byte.
func TestNonCandidatePassesThroughUntouched(t *testing.T) {
	w := newWorld(t, nil)
	body := `{"model":"gpt-client","messages":[{"role":"user","content":"Who painted the Mona Lisa?"}],"tools":[{"type":"function","function":{"name":"f","parameters":{}}}],"temperature":0.7,"x_vendor":{"a":1}}`
	req, _ := http.NewRequest(http.MethodPost, w.http.URL+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer sk-client")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("OpenAI-Organization", "org-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	w.gw.Wait()
	ups := w.up.Requests()
	if len(ups) != 1 || ups[0].Body != body || ups[0].Header["Openai-Organization"][0] != "org-1" {
		t.Fatalf("upstream got %+v, want the body unchanged", ups)
	}
	if !bytes.Contains(got, []byte(`"Leonardo da Vinci"`)) {
		t.Errorf("reply %s", got)
	}
	recs := w.mem.Requests()
	if len(recs) != 1 || recs[0].Served != tool.ServedPassthrough || !strings.Contains(recs[0].Detail, "tools") {
		t.Errorf("records %+v", recs)
	}
}

// Tenant B is never answered by tenant A's tool: its requests go upstream
// and into its own pool, and the tool it may learn is its own. With
// share_tools, A's tool answers B at once.
func TestTenantNeverReachesAnotherTenantsTool(t *testing.T) {
	ctx := context.Background()
	for _, share := range []bool{false, true} {
		w := newWorld(t, func(c *Config, _ *Deps) { c.ShareTools = share })
		ref := trainLive(t, w, "team-a", "plus")
		name, _, _ := tool.ParseRef(ref)
		owned, err := w.lib.Tool(ctx, name, 0)
		if err != nil || owned.Tenant != "team-a" {
			t.Fatalf("tool %s tenant = %q (%v), want team-a", ref, owned.Tenant, err)
		}
		c := w.client("team-b", "sk-client-b")
		tr := gatewaysim.NewTraffic(99, w.tasks, 0)
		servedByA := 0
		for i := range 30 {
			it := tr.Of(taskNamed(w, "plus"))
			rep, err := ask(ctx, c, it.Question, i%2 == 0)
			if err != nil {
				t.Fatal(err)
			}
			w.gw.Wait()
			if answerOf(rep.Content) != it.Answer {
				t.Errorf("share %v: B's request %d reads %q, want %q", share, i, answerOf(rep.Content), it.Answer)
			}
			if rep.Tool == "" {
				continue
			}
			n, v, _ := tool.ParseRef(rep.Tool)
			tl, err := w.lib.Tool(ctx, n, v)
			if err != nil {
				t.Fatal(err)
			}
			if tl.Tenant == "team-a" {
				servedByA++
			} else if tl.Tenant != "team-b" {
				t.Errorf("B answered by %s of tenant %q", rep.Tool, tl.Tenant)
			}
		}
		if !share && servedByA > 0 {
			t.Errorf("tenant B was answered %d times by tenant A's tool", servedByA)
		}
		if share && servedByA == 0 {
			t.Errorf("with share_tools, tenant B was never answered by A's live tool")
		}
		for _, r := range w.mem.Requests() {
			if r.Tenant == "team-b" && r.Tool == ref && !share {
				t.Errorf("a request of B was routed to A's %s: %+v", ref, r)
			}
		}
	}
}

// The client's key reaches upstream unchanged, and nowhere else: not the
// logs, the request records or the library's file. With a key of its own,
// latm sends that instead.
func TestClientKeysAreForwardedNotKept(t *testing.T) {
	const secret = "sk-client-SECRET-4242"
	ctx := context.Background()
	w := newWorld(t, nil)
	trainLive(t, w, "", "sort")
	for _, q := range []string{"Who painted the Mona Lisa?", "Sort the following words alphabetically: List: kiwi fig apple"} {
		if _, err := ask(ctx, w.client("", secret), q, false); err != nil {
			t.Fatal(err)
		}
	}
	w.gw.Wait()
	seen := false
	for _, r := range w.up.Requests() {
		if a := r.Header["Authorization"]; len(a) == 1 && a[0] == "Bearer "+secret {
			seen = true
		}
	}
	if !seen {
		t.Error("upstream never got the client's Authorization")
	}
	recs, _ := json.Marshal(w.mem.Requests())
	if strings.Contains(w.logs.String(), "SECRET") || bytes.Contains(recs, []byte("SECRET")) {
		t.Error("the client's key is in the logs or the request records")
	}
	w.lib.Close() // the WAL checkpointed into the file
	if b, err := os.ReadFile(w.lib.Path()); err != nil || bytes.Contains(b, []byte("SECRET")) {
		t.Errorf("the library file holds the client's key (read: %v)", err)
	}

	own := newWorld(t, func(c *Config, _ *Deps) { c.APIKey = "sk-latm-own" })
	if _, err := ask(ctx, own.client("", secret), "Who painted the Mona Lisa?", true); err != nil {
		t.Fatal(err)
	}
	own.gw.Wait()
	for _, r := range own.up.Requests() {
		if a := r.Header["Authorization"]; len(a) != 1 || a[0] != "Bearer sk-latm-own" {
			t.Errorf("with latm's own key upstream got Authorization %q", a)
		}
	}
}

// A live tool that fails (here: it runs out of time) costs the client
// nothing: upstream answers within the same request.
func TestToolFailureFallsBackToUpstream(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	trainLive(t, w, "", "vowels")
	w.gw.cfg.ToolTimeout = time.Nanosecond
	for _, stream := range []bool{false, true} {
		q := `How many vowels are in the word "bananaapple"?`
		rep, err := ask(ctx, w.client("", "k"), q, stream)
		if err != nil {
			t.Fatal(err)
		}
		w.gw.Wait()
		if rep.Tool != "" || answerOf(rep.Content) != "5" || rep.Content != "Answer: 5" {
			t.Errorf("stream %v: reply %+v, want upstream's", stream, rep)
		}
	}
	recs := w.mem.Requests()
	for _, r := range recs[len(recs)-2:] {
		if r.Served != tool.ServedFallback || !strings.Contains(r.Detail, "tool") {
			t.Errorf("record %+v, want a fallback naming the tool's failure", r)
		}
	}
	// Upstream down: the client gets a 502 in OpenAI's error shape.
	w.up.Close()
	_, err := ask(ctx, w.client("", "k"), "Who painted the Mona Lisa?", false)
	var ae *openai.APIError
	if !errors.As(err, &ae) || ae.HTTPStatusCode != http.StatusBadGateway || ae.Type != "upstream_error" {
		t.Errorf("with upstream down: %v, want a 502 upstream_error", err)
	}
	w.gw.Wait()
}

// A live tool is spot-checked; once upstream disagrees more often than the
// threshold allows over the window, the tool goes back to shadow and
// upstream answers again.
func TestSpotChecksSendADriftingToolBackToShadow(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, func(_ *Config, d *Deps) { d.Rand = func() float64 { return 0 } })
	ref := trainLive(t, w, "", "plus")
	w.gw.cfg.SpotRate = 1
	// Upstream now answers every sum one higher than the tool does.
	w.up.Script(fakeopenai.Match{Contains: "when they are added together"}, fakeopenai.Reply{Content: "Let's think step by step.\nSo the answer is 1."})
	c := w.client("", "k")
	tr := gatewaysim.NewTraffic(3, w.tasks, 0)
	var served []string
	for range 6 {
		it := tr.Of(taskNamed(w, "plus"))
		rep, err := ask(ctx, c, it.Question, false)
		if err != nil {
			t.Fatal(err)
		}
		w.gw.Wait()
		served = append(served, rep.Tool)
	}
	name, version, _ := tool.ParseRef(ref)
	phase, _ := w.mem.ToolPhase(ctx, name, version)
	if phase != tool.PhaseShadow {
		t.Fatalf("%s is %q after disagreeing spot checks, want shadow", ref, phase)
	}
	changes, _ := w.mem.PhaseChanges(ctx, name)
	last := changes[len(changes)-1]
	if last.From != tool.PhaseLive || last.To != tool.PhaseShadow || last.Compared != 2 || last.Agreed != 0 {
		t.Errorf("last change %+v, want live → shadow after 2 disagreements", last)
	}
	// Two spot-checked answers from the tool, then upstream's again.
	if served[0] != ref || served[1] != ref || served[2] != "" {
		t.Errorf("served by %q, want the tool twice and then upstream", served)
	}
	spots := 0
	for _, r := range w.mem.Requests() {
		if r.Served == tool.ServedSpot {
			spots++
			if r.Agreed == nil || *r.Agreed || r.Estimated || r.UpstreamPromptTokens == 0 {
				t.Errorf("spot record %+v", r)
			}
		}
	}
	if spots != 2 {
		t.Errorf("%d spot checks recorded, want 2", spots)
	}
}

// rawChat posts a chat completion and returns the raw reply body.
func rawChat(t *testing.T, url, q string, stream bool) (http.Header, []byte) {
	t.Helper()
	body := `{"model":"gpt-client","messages":[{"role":"user","content":` + jsonString(q) + `}]`
	if stream {
		body += `,"stream":true,"stream_options":{"include_usage":true}`
	}
	resp, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(body+"}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Header, b
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// shapeOf lists the keys of a chat completion (or of each chunk of a
// stream) and of its choices, as "key" and "choices.key", with "[DONE]"
// for a stream's end and "usage" chunks marked.
func shapeOf(t *testing.T, body []byte, stream bool) []string {
	t.Helper()
	keys := func(m map[string]any) []string {
		var out []string
		for k, v := range m {
			out = append(out, k)
			if cs, ok := v.([]any); ok && k == "choices" {
				for _, c := range cs {
					for ck := range c.(map[string]any) {
						out = append(out, "choices."+ck)
					}
				}
			}
		}
		sort.Strings(out)
		return out
	}
	if !stream {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return keys(m)
	}
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			out = append(out, "[DONE]")
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		out = append(out, strings.Join(keys(m), ","))
	}
	return out
}

// A tool's reply has upstream's wire shape: the same fields (OpenAI's
// logprobs too), and a stream of the same kinds of chunks, role first,
// usage last, then [DONE].
func TestToolRepliesHaveUpstreamsWireShape(t *testing.T) {
	w := newWorld(t, nil)
	trainLive(t, w, "", "sort")
	q := "Sort the following words alphabetically: List: kiwi fig apple"
	for _, stream := range []bool{false, true} {
		hl, latm := rawChat(t, w.http.URL+"/v1", q, stream)
		hu, up := rawChat(t, w.up.URL, q, stream)
		w.gw.Wait()
		if hl.Get(ToolHeader) == "" {
			t.Fatalf("stream %v: not answered by a tool: %s", stream, latm)
		}
		if hl.Get("Content-Type") != hu.Get("Content-Type") {
			t.Errorf("content type %q, upstream %q", hl.Get("Content-Type"), hu.Get("Content-Type"))
		}
		ls, us := shapeOf(t, latm, stream), shapeOf(t, up, stream)
		for i := range ls { // OpenAI sends "logprobs": null; the scripted upstream does not
			ls[i] = strings.ReplaceAll(strings.ReplaceAll(ls[i], ",choices.logprobs", ""), "choices.logprobs", "")
		}
		if !stream {
			for _, k := range us {
				if !slicesContains(ls, k) {
					t.Errorf("the tool's reply lacks upstream's field %s: %s", k, latm)
				}
			}
			continue
		}
		// Upstream streams content in pieces; compare the kinds of chunks.
		if ls[0] != us[0] || ls[len(ls)-1] != "[DONE]" || ls[len(ls)-2] != us[len(us)-2] || ls[len(ls)-3] != us[len(us)-3] {
			t.Errorf("stream chunks\n latm %q\n upstream %q", ls, us)
		}
	}
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

var doubleRE = regexp.MustCompile(`^Double (\d+)\.$`)

// A task whose questions are too short for stage 1's template check gets
// one tool at most: stage 1 cannot route to it, so it is retired and
// requests like its questions are no longer pooled (else its group would
// be made again and again, each time at the maker's price).
func TestUnroutableToolIsMadeOnce(t *testing.T) {
	double := gatewaysim.Task{
		Name: "double",
		Ask:  func(r *rand.Rand, _ int) string { return fmt.Sprintf("Double %d.", r.IntN(900)+10) },
		Solve: func(q string) (string, bool) {
			m := doubleRE.FindStringSubmatch(q)
			if m == nil {
				return "", false
			}
			n, _ := strconv.Atoi(m[1])
			return strconv.Itoa(2 * n), true
		},
		Reply: func(_, ans string) string { return ans },
		Tool:  "def double(n):\n    \"\"\"Returns twice n.\"\"\"\n    return 2 * n\n",
		Call: func(q string) string {
			return "ret = double(" + doubleRE.FindStringSubmatch(q)[1] + ")\nans = str(ret)"
		},
	}
	ctx := context.Background()
	w := newWorldOf(t, []gatewaysim.Task{double}, nil)
	c := w.client("", "k")
	tr := gatewaysim.NewTraffic(5, w.tasks, 0)
	for i := range 30 {
		it := tr.Of(double)
		rep, err := ask(ctx, c, it.Question, false)
		if err != nil {
			t.Fatal(err)
		}
		w.gw.Wait()
		if answerOf(rep.Content) != it.Answer || rep.Tool != "" {
			t.Errorf("request %d: %+v, want upstream's %q", i, rep, it.Answer)
		}
	}
	tools, err := w.lib.Tools(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools) != 1 || tools[0].Status != tool.StatusRetired {
		t.Fatalf("tools %d (first %+v), want one, retired", len(tools), tools)
	}
	blocked := 0
	for _, r := range w.mem.Requests() {
		if strings.Contains(r.Detail, "stage 1 cannot route") {
			blocked++
		}
	}
	if blocked < 20 {
		t.Errorf("%d requests kept out of the pool, want the ones after the tool (≥ 20)", blocked)
	}
}

// GET /v1/models lists the upstream model, as go-openai reads it.
func TestModelsList(t *testing.T) {
	w := newWorld(t, nil)
	ms, err := w.client("", "k").ListModels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms.Models) != 1 || ms.Models[0].ID != "gpt-up" || ms.Models[0].Object != "model" {
		t.Errorf("models %+v", ms.Models)
	}
}

// A request with the opt-out header passes through untouched even when a
// live tool fits it: upstream answers, latm pools nothing of it.
func TestOptOutHeaderBypassesLiveTools(t *testing.T) {
	w := newWorld(t, nil)
	ref := trainLive(t, w, "", "plus")
	q := gatewaysim.NewTraffic(9, w.tasks, 0).Of(taskNamed(w, "plus")).Question
	body := `{"model":"gpt-client","messages":[{"role":"user","content":` + jsonString(q) + `}]}`
	before := len(w.up.Requests())
	for _, bypass := range []string{"1", ""} {
		req, _ := http.NewRequest(http.MethodPost, w.http.URL+"/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer sk-client")
		req.Header.Set("Content-Type", "application/json")
		if bypass != "" {
			req.Header.Set(w.gw.cfg.OptOutHeader, bypass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		w.gw.Wait()
		got := resp.Header.Get("X-Latm-Tool")
		if bypass != "" && got != "" {
			t.Errorf("with %s: answered by %q, want upstream", w.gw.cfg.OptOutHeader, got)
		}
		if bypass == "" && got != ref {
			t.Errorf("without the header: answered by %q, want the live %s", got, ref)
		}
	}
	ups := w.up.Requests()
	if len(ups) != before+1 || ups[before].Body != body {
		t.Fatalf("upstream got %d new requests, want the opted-out one, unchanged", len(ups)-before)
	}
	recs := w.mem.Requests()
	if r := recs[len(recs)-2]; r.Served != tool.ServedPassthrough {
		t.Errorf("the opted-out request was recorded as %+v, want passthrough", r)
	}
}

// A live tool whose user model fails (no no-model path: the template path
// is off) falls back to upstream within the same request, plain and
// streamed, and the record says why.
func TestUserModelFailureFallsBackToUpstream(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	trainLive(t, w, "", "vowels")
	w.gw.solve.Template = false
	w.gw.solve.Retries = 0
	w.models.Script(fakeopenai.Match{Template: "use"}, fakeopenai.Reply{Status: 500, Content: "the user model is down"})
	for _, stream := range []bool{false, true} {
		rep, err := ask(ctx, w.client("", "k"), `How many vowels are in the word "bananaapple"?`, stream)
		if err != nil {
			t.Fatal(err)
		}
		w.gw.Wait()
		if rep.Tool != "" || answerOf(rep.Content) != "5" {
			t.Errorf("stream %v: reply %+v, want upstream's", stream, rep)
		}
	}
	recs := w.mem.Requests()
	for _, r := range recs[len(recs)-2:] {
		if r.Served != tool.ServedFallback || r.Detail == "" {
			t.Errorf("record %+v, want a fallback saying why", r)
		}
	}
}
