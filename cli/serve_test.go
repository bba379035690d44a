package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/user"
)

func runLatm(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"--db", db}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

func TestTokenCreateListRevoke(t *testing.T) {
	db := toolsEnv(t)
	code, secret, errs := runLatm(t, db, "token", "create", "ci", "--rate", "60")
	secret = strings.TrimSpace(secret)
	if code != 0 || !strings.HasPrefix(secret, "latm_") || len(secret) < 40 || !strings.Contains(errs, "not shown again") {
		t.Fatalf("create: %d %q %q", code, secret, errs)
	}
	if code, _, errs := runLatm(t, db, "token", "create", "ci"); code != ExitUsage || !strings.Contains(errs, "exists") {
		t.Fatalf("duplicate: %d %s", code, errs)
	}
	code, out, _ := runLatm(t, db, "token", "list")
	if code != 0 || !strings.Contains(out, "ci") || !strings.Contains(out, secret[:12]) || strings.Contains(out, secret) || !strings.Contains(out, "valid") {
		t.Fatalf("list: %d %s", code, out)
	}
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(secret)) {
		t.Fatal("the secret is stored in the database")
	}
	if code, out, _ := runLatm(t, db, "token", "revoke", "ci"); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %s", code, out)
	}
	if code, _, errs := runLatm(t, db, "token", "revoke", "ci"); code != ExitUsage {
		t.Fatalf("second revoke: %d %s", code, errs)
	}
	code, out, _ = runLatm(t, db, "token", "list", "--json")
	var ts []map[string]any
	if err := json.Unmarshal([]byte(out), &ts); code != 0 || err != nil || len(ts) != 1 || ts[0]["revoked_at"] == nil {
		t.Fatalf("list --json: %d %s", code, out)
	}
}

func TestServeNeedsTokensOffLoopback(t *testing.T) {
	db := toolsEnv(t)
	code, _, errs := runLatm(t, db, "serve", "--addr", "0.0.0.0:0")
	if code != ExitUsage || !strings.Contains(errs, "latm token create") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	t.Setenv("LATM_SERVE_AUTH", "sometimes")
	if code, _, errs := runLatm(t, db, "serve"); code != ExitUsage || !strings.Contains(errs, "serve.auth") {
		t.Fatalf("bad serve.auth: %d %s", code, errs)
	}
}

// startServe runs latm serve on a free loopback port and returns its base
// URL and a channel with its exit status.
func startServe(t *testing.T, db string, args ...string) (string, <-chan int) {
	t.Helper()
	pr, pw := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		code := Main(context.Background(), append([]string{"--db", db, "serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), io.Discard, pw, os.Getenv)
		pw.Close()
		exit <- code
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), "listening on "); ok {
			url, _, _ := strings.Cut(rest, " ")
			go io.Copy(io.Discard, pr) // the request log
			return url, exit
		}
	}
	t.Fatalf("latm serve did not start (exit %d)", <-exit)
	return "", nil
}

func TestServeAnswersAndShutsDownGracefullyOnSIGTERM(t *testing.T) {
	db, srv := solveEnv(t, sortTool("word_sorting"))
	q := sortQuestion("pear", "apple", "fig")
	// The model takes a while, so that SIGTERM comes while the request runs.
	srv.Script(fakeopenai.Match{Template: user.UseTemplate, Contains: q}, fakeopenai.Reply{Content: fence(sortCall("pear", "apple", "fig")), Delay: 300 * time.Millisecond})
	url, exit := startServe(t, db)

	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()

	type answer struct {
		status int
		body   map[string]any
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		body, _ := json.Marshal(map[string]string{"question": q, "tool": "word_sorting"})
		resp, err := http.Post(url+"/v1/solve", "application/json", bytes.NewReader(body))
		if err != nil {
			done <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var m map[string]any
		err = json.NewDecoder(resp.Body).Decode(&m)
		done <- answer{resp.StatusCode, m, err}
	}()
	// Wait until the request has reached the model, then ask to stop.
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if len(srv.Requests()) == 0 {
		t.Fatal("the request never reached the model")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	a := <-done
	if a.err != nil || a.status != 200 || a.body["answer"] != "apple fig pear" {
		t.Fatalf("in-flight request: %+v", a)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit %d after SIGTERM", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("latm serve did not stop after SIGTERM")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Fatal("still serving after it stopped")
	}
}

func TestMCPOverStdio(t *testing.T) {
	db, _ := solveEnv(t, sortTool("word_sorting"))
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		code := Main(context.Background(), []string{"--db", db, "mcp"}, inR, outW, io.Discard, os.Getenv)
		outW.Close()
		exit <- code
	}()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(t.Context(), &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "word_sorting", Arguments: map[string]any{"words": []string{"b", "a"}}})
	if err != nil || res.IsError {
		t.Fatalf("call: %v %+v", err, res)
	}
	if sc, _ := res.StructuredContent.(map[string]any); sc["value"] != "a b" {
		t.Fatalf("structured %+v", res.StructuredContent)
	}
	cs.Close()
	inW.Close()
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("latm mcp exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("latm mcp did not stop when its input closed")
	}
}
