package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/engine"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/llm"
)

// llmApp is an App wired to a fake endpoint for every role, as the
// configuration would give it, with a fresh database.
func llmApp(t *testing.T, srv *fakeopenai.Server, edit func(*Config)) *App {
	t.Helper()
	role := func(model string, temp float32) RoleConfig {
		return RoleConfig{Model: model, Temperature: temp, MaxTokens: 64, Timeout: 5 * time.Second, Retries: 1, PriceIn: 2, PriceOut: 8}
	}
	app := &App{
		Getenv: func(k string) string { return map[string]string{"FAKE_KEY": "sk-fake"}[k] },
		Cfg: Config{
			DB: filepath.Join(t.TempDir(), "latm.db"), Cache: true,
			BaseURL: srv.URL, APIKeyEnv: "FAKE_KEY",
			Maker: role("big", 0.3), User: role("small", 0), Dispatcher: role("small", 0), Solver: role("big", 0),
		},
	}
	if edit != nil {
		edit(&app.Cfg)
	}
	t.Cleanup(func() { app.Close() })
	return app
}

// The configuration reaches the engine's client: the top-level key
// variable, each role's temperature and token limit. (The engine's tests
// cover its ledger and cache.)
func TestAppEngineMapsTheConfig(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "ok"})
	app := llmApp(t, srv, nil)
	c, err := app.LLM()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := app.LLM(); again != c {
		t.Errorf("LLM() built a second client")
	}
	if _, err := c.Chat(context.Background(), llm.Request{Role: llm.Maker, Messages: []llm.Message{{Role: "user", Content: "make"}}}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if got := reqs[0].Header["Authorization"]; len(got) != 1 || got[0] != "Bearer sk-fake" {
		t.Errorf("Authorization = %q, want the key from the top-level api_key_env", got)
	}
	if reqs[0].Model != "big" || reqs[0].Temperature != 0.3 || reqs[0].MaxTokens != 64 {
		t.Errorf("maker request model %q temperature %v max_tokens %d", reqs[0].Model, reqs[0].Temperature, reqs[0].MaxTokens)
	}
}

func TestAppLLMNoCacheAndRecordReplay(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "one"}, fakeopenai.Reply{Content: "two"})
	file := filepath.Join(t.TempDir(), "calls.jsonl")
	app := llmApp(t, srv, func(c *Config) { c.Cache, c.Record = false, file })
	c, err := app.LLM()
	if err != nil {
		t.Fatal(err)
	}
	q := llm.Request{Role: llm.Dispatcher, Messages: []llm.Message{{Role: "user", Content: "which tool?"}}}
	for _, want := range []string{"one", "two"} {
		if resp, err := c.Chat(context.Background(), q); err != nil || resp.Content != want {
			t.Fatalf("with the cache off: %+v, %v; want %q", resp, err, want)
		}
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(file); err != nil || strings.Count(string(b), "\n") != 2 {
		t.Fatalf("record file: %v\n%s", err, b)
	}
	srv.Close()

	replay := llmApp(t, srv, func(c *Config) { c.Replay = file; c.APIKeyEnv = "UNSET_KEY" })
	rc, err := replay.LLM()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"one", "two", "two"} {
		if resp, err := rc.Chat(context.Background(), q); err != nil || resp.Content != want {
			t.Errorf("replay: %+v, %v; want %q", resp, err, want)
		}
	}
}

func TestAppLLMBadConfigIsAUsageError(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	app := llmApp(t, srv, func(c *Config) { c.Maker.APIType = "bedrock" })
	_, err := app.LLM()
	ee, ok := err.(*ExitError)
	if !ok || ee.Code != ExitUsage || !strings.Contains(err.Error(), "maker.api_type") {
		t.Errorf("err = %v, want a usage error naming maker.api_type", err)
	}
}

// The CLI's defaults are the engine's: a program embedding the engine
// gets the models, prices and settings latm's commands use.
func TestConfigDefaultsAreTheEngines(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	for k := range defaults() {
		t.Setenv("LATM_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_")), "")
		os.Unsetenv("LATM_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_")))
	}
	home := t.TempDir() // no latm.yaml here or in the user config dir
	t.Chdir(home)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	cfg, _, _, err := loadConfig("", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := (&App{Cfg: cfg}).engineConfig()
	want := engine.Defaults()
	if got.Cache != want.Cache || got.BaseURL != want.BaseURL || got.APIKeyEnv != want.APIKeyEnv || got.Workers != want.Workers ||
		got.Make != want.Make || got.Solve != want.Solve || got.Dispatch != want.Dispatch {
		t.Errorf("cli defaults %+v\nengine defaults %+v", got, want)
	}
	for role, w := range want.Roles {
		g := got.Roles[role]
		if g.Model != w.Model || g.Temperature != w.Temperature || g.MaxTokens != w.MaxTokens || g.MaxRetries != w.MaxRetries ||
			g.PriceIn != w.PriceIn || g.PriceOut != w.PriceOut {
			t.Errorf("%s: cli default %+v, engine default %+v", role, g, w)
		}
	}
}
