package serve

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/latm/latm/gateway"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
)

// The library keeps the gateway's phases and records (NewGateway picks it).
var _ gateway.Store = (*library.Store)(nil)

// The gateway behind the server's tokens: the tenant is the token's name,
// a token sent in X-Latm-Token leaves Authorization to upstream, a token
// sent in Authorization is never forwarded, and no token is a 401.
func TestGatewayBehindTokens(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Options{RequireTokens: true})
	up := fakeopenai.New(t)
	up.Handle(func(fakeopenai.Request) fakeopenai.Reply { return fakeopenai.Reply{Content: "Jupiter"} })
	cfg := gateway.Defaults()
	cfg.Upstream, cfg.Model = up.URL, "gpt-up"
	gw, err := NewGateway(cfg, e.local, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.stop()
	e.opts.Gateway = gw
	e.start()
	const secret = "latm-secret-team-a"
	if err := e.store.CreateToken(ctx, &library.Token{Name: "team-a", Hash: HashToken(secret), Prefix: secret[:6]}); err != nil {
		t.Fatal(err)
	}
	post := func(h map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/v1/chat/completions",
			strings.NewReader(`{"model":"gpt-client","messages":[{"role":"user","content":"Name the largest planet."}]}`))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		gw.Wait()
		return resp.StatusCode, string(b)
	}

	if code, body := post(map[string]string{TokenHeader: secret, "Authorization": "Bearer sk-upstream-key"}); code != 200 || !strings.Contains(body, "Jupiter") {
		t.Fatalf("with X-Latm-Token: %d %s", code, body)
	}
	last := up.Requests()[len(up.Requests())-1]
	if got := last.Header["Authorization"]; len(got) != 1 || got[0] != "Bearer sk-upstream-key" {
		t.Errorf("upstream Authorization = %q, want the client's upstream key", got)
	}
	if _, ok := last.Header[TokenHeader]; ok {
		t.Error("the latm token was forwarded upstream")
	}
	ps, err := e.store.PendingInstances(ctx, -1)
	if err != nil || len(ps) != 1 || ps[0].Tenant != "team-a" || ps[0].LabelSource != "upstream" {
		t.Errorf("pending = %+v (%v), want one of team-a labelled by upstream", ps, err)
	}

	if code, _ := post(map[string]string{"Authorization": "Bearer " + secret}); code != 200 {
		t.Fatalf("with the token in Authorization: %d", code)
	}
	last = up.Requests()[len(up.Requests())-1]
	if got := last.Header["Authorization"]; len(got) != 0 {
		t.Errorf("upstream got Authorization %q: the latm token must not be forwarded", got)
	}

	if code, _ := post(map[string]string{"Authorization": "Bearer sk-upstream-key"}); code != http.StatusUnauthorized {
		t.Errorf("an unknown token: %d, want 401", code)
	}
	sv, err := e.store.GatewaySavings(ctx, "team-a")
	if err != nil || sv.Requests != 2 || sv.UpstreamCalls != 2 {
		t.Errorf("the library's records of team-a: %+v (%v), want its 2 forwarded requests", sv, err)
	}
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+"/v1/models", nil)
	req.Header.Set(TokenHeader, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"id":"gpt-up"`) {
		t.Errorf("/v1/models: %d %s", resp.StatusCode, b)
	}
}
