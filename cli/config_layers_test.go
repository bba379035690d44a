package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// layerValues are a key's values in the file, environment and flag layers,
// each different from the layer below; flag is "" for a key no flag sets.
type layerValues struct{ file, env, flag string }

// layerTable has every config key; TestConfigLayers fails for a key
// missing here, so that a new key comes with its test.
func layerTable() map[string]layerValues {
	t := map[string]layerValues{
		"db":          {"file.db", "env.db", "flag.db"},
		"prompts_dir": {"file-prompts", "env-prompts", "flag-prompts"},
		"cache":       {"false", "true", "false"}, // the flag is --no-cache
		"record":      {"file.jsonl", "env.jsonl", "flag.jsonl"},
		"replay":      {"file-r.jsonl", "env-r.jsonl", "flag-r.jsonl"},
		"workers":     {"5", "6", "7"},
		"base_url":    {"http://file:1/v1", "http://env:2/v1", ""},
		"api_key_env": {"FILE_KEY", "ENV_KEY", ""},

		"limits.steps":     {"1000", "2000", "3000"},
		"limits.timeout":   {"7s", "8s", "9s"},
		"limits.depth":     {"50", "60", "70"},
		"limits.memory":    {"100MB", "200MB", "300MB"},
		"limits.output":    {"2MB", "3MB", ""},
		"limits.result":    {"4MB", "5MB", ""},
		"limits.isolation": {"inprocess", "process", "inprocess"},

		"make.train":         {"4", "5", "6"},
		"make.valid":         {"4", "5", "6"},
		"make.propose_tries": {"4", "5", ""},
		"make.verify_tries":  {"4", "5", ""},
		"make.parser":        {"true", "false", ""},
		"make.schema":        {"false", "true", ""},

		"solve.retries":  {"2", "3", ""},
		"solve.template": {"false", "true", ""},
		"solve.call":     {"json", "auto", ""},
		"solve.json_via": {"tools", "fence", ""},
		"solve.shadow":   {"0", "2", "3"},

		"dispatch.unknown":      {"none", "solver", ""},
		"dispatch.model_labels": {"true", "false", ""},
		"dispatch.min_examples": {"7", "8", ""},

		"serve.addr":             {"127.0.0.1:1", "127.0.0.1:2", ""}, // --addr is serve's own (runs the server)
		"serve.auth":             {"required", "auto", ""},
		"serve.rate_limit":       {"10", "20", ""},
		"serve.max_body":         {"2MB", "3MB", ""},
		"serve.max_batch_body":   {"20MB", "30MB", ""},
		"serve.cors_origins":     {"https://file.example", "https://env.example", ""},
		"serve.shutdown_timeout": {"10s", "20s", ""},
		"serve.batch_workers":    {"2", "3", ""},
		"serve.watch":            {"3s", "4s", ""},
		"serve.log_format":       {"json", "text", ""},
		"serve.operators":        {"ops", "admin", ""},

		"nats.url":                 {"nats://file:4222", "nats://env:4222", ""},
		"nats.replicas":            {"3", "5", ""},
		"nats.ack_wait":            {"40s", "50s", ""},
		"gateway.enabled":          {"false", "true", ""},
		"gateway.role":             {"maker", "user", ""},
		"gateway.upstream":         {"http://file-up:1/v1", "http://env-up:2/v1", ""},
		"gateway.model":            {"file-up", "env-up", ""},
		"gateway.api_key_env":      {"FILE_UP_KEY", "ENV_UP_KEY", ""},
		"gateway.upstream_timeout": {"30s", "40s", ""},
		"gateway.allow_system":     {"false", "true", ""},
		"gateway.instance":         {"user", "system+user", ""},
		"gateway.opt_out_header":   {"X-File-Bypass", "X-Env-Bypass", ""},
		"gateway.max_answer":       {"50", "60", ""},
		"gateway.share_tools":      {"true", "false", ""},
		"gateway.shadow":           {"5", "6", ""},
		"gateway.live_threshold":   {"0.9", "0.8", ""},
		"gateway.spot_rate":        {"0.1", "0.2", ""},
		"gateway.spot_window":      {"7", "8", ""},
		"gateway.tool_timeout":     {"5s", "6s", ""},
	}
	for _, r := range roleNames {
		for k, v := range map[string]layerValues{
			"base_url":        {"http://file-" + r + ":1/v1", "http://env-" + r + ":2/v1", ""},
			"model":           {"file-" + r, "env-" + r, ""},
			"api_key_env":     {"FILE_" + strings.ToUpper(r), "ENV_" + strings.ToUpper(r), ""},
			"api_type":        {"azure", "openai", ""},
			"api_version":     {"2024-01-01", "2025-01-01", ""},
			"temperature":     {"0.5", "0.7", ""},
			"max_tokens":      {"100", "200", ""},
			"timeout":         {"3m0s", "4m0s", ""},
			"connect_timeout": {"3s", "4s", ""},
			"header_timeout":  {"30s", "40s", ""},
			"retries":         {"1", "2", ""},
			"price_in":        {"1.5", "2.5", ""},
			"price_out":       {"3.5", "4.5", ""},
		} {
			t[r+"."+k] = v
		}
	}
	return t
}

// probe runs latm with args in-process (errors of the command itself are
// the test's to judge) and returns the App it ran with.
func probe(t *testing.T, args ...string) (*App, int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &App{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: os.Getenv}
	root := NewRootCmd(app)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	app.Close()
	code := ExitOK
	if err != nil {
		code = ExitFailed
		if ee, ok := err.(*ExitError); ok {
			code = ee.Code
		}
	}
	return app, code, errb.String() + fmt.Sprint(err)
}

// yamlFor writes key: value pairs as nested YAML.
func yamlFor(vals map[string]string) string {
	sections := map[string][]string{}
	var top []string
	for k, v := range vals {
		if head, tail, ok := strings.Cut(k, "."); ok {
			sections[head] = append(sections[head], fmt.Sprintf("  %s: %q\n", tail, v))
		} else {
			top = append(top, fmt.Sprintf("%s: %q\n", k, v))
		}
	}
	sort.Strings(top)
	var b strings.Builder
	for _, l := range top {
		b.WriteString(l)
	}
	var heads []string
	for h := range sections {
		heads = append(heads, h)
	}
	sort.Strings(heads)
	for _, h := range heads {
		sort.Strings(sections[h])
		b.WriteString(h + ":\n" + strings.Join(sections[h], ""))
	}
	return b.String()
}

// TestConfigLayers checks flags > environment > file > defaults for every
// key: each layer in turn sets every key, and latm config reports the
// value and where it came from.
func TestConfigLayers(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("OPENAI_BASE_URL", "")
	table := layerTable()
	keys := configKeys()
	for _, k := range keys {
		if _, ok := table[k]; !ok {
			t.Errorf("config key %s has no row in layerTable: add its file, env and flag values", k)
		}
	}
	for k := range table {
		if _, ok := defaults()[k]; !ok {
			t.Errorf("layerTable row %s is not a config key", k)
		}
	}
	show := func(app *App, k string) (string, string) {
		s := app.settings[k]
		return fmt.Sprint(displayValue(k, s.Value)), s.From
	}

	// Defaults.
	app, code, errs := probe(t, "config")
	if code != ExitOK {
		t.Fatalf("latm config: exit %d: %s", code, errs)
	}
	for _, k := range keys {
		got, from := show(app, k)
		if want := fmt.Sprint(displayValue(k, defaults()[k])); got != want || from != "default" {
			t.Errorf("default %s = %s from %s, want %s", k, got, from, want)
		}
	}

	// The file beats the defaults.
	fileVals := map[string]string{}
	for k, v := range table {
		fileVals[k] = v.file
	}
	if err := os.WriteFile("latm.yaml", []byte(yamlFor(fileVals)), 0o644); err != nil {
		t.Fatal(err)
	}
	app, code, errs = probe(t, "config")
	if code != ExitOK {
		t.Fatalf("file layer: exit %d: %s", code, errs)
	}
	for _, k := range keys {
		if got, from := show(app, k); got != table[k].file || !strings.HasPrefix(from, "latm.yaml:") {
			t.Errorf("file %s = %s from %s, want %s from latm.yaml:LINE", k, got, from, table[k].file)
		}
	}

	// The environment beats the file.
	for k, v := range table {
		t.Setenv(envNames(k)[0], v.env)
	}
	app, code, errs = probe(t, "config")
	if code != ExitOK {
		t.Fatalf("env layer: exit %d: %s", code, errs)
	}
	for _, k := range keys {
		if got, from := show(app, k); got != table[k].env || from != "$"+envNames(k)[0] {
			t.Errorf("env %s = %s from %s, want %s from $%s", k, got, from, table[k].env, envNames(k)[0])
		}
	}

	// A flag beats the environment, on every command that has it.
	script := filepath.Join(dir, "x.star")
	os.WriteFile(script, []byte("x = 1\n"), 0o644)
	missing := filepath.Join(dir, "missing.jsonl")
	argsOf := map[string][]string{
		"latm":   {"config"},
		"run":    {"run", script},
		"solve":  {"solve", "--tool", "nope@1", "q"},
		"stream": {"stream", "--input", missing},
		"eval":   {"eval", "--task-file", missing},
		"make":   {"make", "x", "--examples", missing},
	}
	flagged := map[string]bool{}
	for _, b := range app.bound {
		flagged[b.key] = true
		want := table[b.key].flag
		if want == "" {
			t.Errorf("%s --%s sets %s, but layerTable gives no flag value for it", b.cmd, b.flag, b.key)
			continue
		}
		args, ok := argsOf[b.cmd]
		if !ok {
			t.Errorf("no test command line for %s (its --%s sets %s): add it to argsOf", b.cmd, b.flag, b.key)
			continue
		}
		flag := []string{"--" + b.flag, want}
		if b.flag == "no-cache" {
			flag = []string{"--no-cache"}
		}
		app, _, errs := probe(t, append(append([]string(nil), args...), flag...)...)
		if got, from := show(app, b.key); got != want || from != "--"+b.flag {
			t.Errorf("%s --%s: %s = %s from %s, want %s (%s)", b.cmd, b.flag, b.key, got, from, want, errs)
		}
	}
	for k, v := range table {
		if v.flag != "" && !flagged[k] {
			t.Errorf("layerTable gives %s a flag value, but no flag sets it", k)
		}
	}
}

// OPENAI_BASE_URL is an environment value for base_url: it beats the file
// and loses to LATM_BASE_URL.
func TestConfigOpenAIBaseURLBeatsTheFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("LATM_BASE_URL", "")
	t.Setenv("OPENAI_BASE_URL", "http://openai-env:1/v1")
	os.WriteFile("latm.yaml", []byte("base_url: http://file:1/v1\n"), 0o644)
	app, code, errs := probe(t, "config")
	if code != ExitOK || app.Cfg.BaseURL != "http://openai-env:1/v1" || app.Cfg.Maker.BaseURL != "http://openai-env:1/v1" || app.settings["base_url"].From != "$OPENAI_BASE_URL" {
		t.Fatalf("exit %d (%s): base_url %q from %s", code, errs, app.Cfg.BaseURL, app.settings["base_url"].From)
	}
	t.Setenv("LATM_BASE_URL", "http://latm-env:1/v1")
	if app, _, _ := probe(t, "config"); app.Cfg.BaseURL != "http://latm-env:1/v1" {
		t.Fatalf("LATM_BASE_URL loses to OPENAI_BASE_URL: %q", app.Cfg.BaseURL)
	}
}
