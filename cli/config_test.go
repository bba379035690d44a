package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runConfigCLI runs latm in-process and returns its exit status and output.
func runConfigCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

func effectiveConfig(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := runConfigCLI(t, append([]string{"config", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("latm config: exit %d: %s", code, errOut)
	}
	var doc struct {
		Settings map[string]any    `json:"settings"`
		Keys     map[string]string `json:"api_keys"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("latm config --json: %v\n%s", err, out)
	}
	doc.Settings["_keys"] = doc.Keys
	return doc.Settings
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("LATM_BASE_URL", "")

	// Defaults.
	got := effectiveConfig(t)
	if got["db"] != filepath.Join(dir, "data", "latm", "latm.db") {
		t.Errorf("default db = %v", got["db"])
	}
	if got["maker.model"] != "gpt-4.1" || got["make.train"] != float64(3) {
		t.Errorf("defaults: maker.model=%v make.train=%v", got["maker.model"], got["make.train"])
	}

	// The config file in the working directory beats defaults.
	yaml := "db: from-file.db\nworkers: 7\nmaker:\n  model: file-model\nlimits:\n  steps: 1234\n"
	if err := os.WriteFile("latm.yaml", []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	got = effectiveConfig(t)
	if got["db"] != "from-file.db" || got["maker.model"] != "file-model" || got["workers"] != float64(7) {
		t.Errorf("file: db=%v maker.model=%v workers=%v", got["db"], got["maker.model"], got["workers"])
	}

	// The environment beats the file, for keys with and without file entries.
	t.Setenv("LATM_DB", "from-env.db")
	t.Setenv("LATM_MAKER_MODEL", "env-model")
	t.Setenv("LATM_USER_BASE_URL", "http://localhost:11434/v1")
	got = effectiveConfig(t)
	if got["db"] != "from-env.db" || got["maker.model"] != "env-model" || got["user.base_url"] != "http://localhost:11434/v1" {
		t.Errorf("env: db=%v maker.model=%v user.base_url=%v", got["db"], got["maker.model"], got["user.base_url"])
	}
	if got["limits.steps"] != float64(1234) {
		t.Errorf("file value lost under env: limits.steps=%v", got["limits.steps"])
	}

	// Flags beat the environment.
	got = effectiveConfig(t, "--db", "from-flag.db")
	if got["db"] != "from-flag.db" {
		t.Errorf("flag: db=%v", got["db"])
	}
}

func TestConfigOpenAIBaseURLAndSecrets(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("LATM_BASE_URL", "")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
	t.Setenv("OPENAI_API_KEY", "sk-verysecretvalue1234")
	got := effectiveConfig(t)
	if got["base_url"] != "http://127.0.0.1:8080/v1" {
		t.Errorf("OPENAI_BASE_URL not used: %v", got["base_url"])
	}
	_, out, _ := runConfigCLI(t, "config")
	if strings.Contains(out, "verysecret") {
		t.Fatalf("latm config leaks the key:\n%s", out)
	}
	if !strings.Contains(out, "$OPENAI_API_KEY: set (sk-******1234)") {
		t.Errorf("latm config does not say the key is set:\n%s", out)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("maker: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  [2]string
		want string
	}{
		{"broken yaml", []string{"config", "--config", bad}, [2]string{}, "bad.yaml"},
		{"missing file", []string{"config", "--config", filepath.Join(dir, "nope.yaml")}, [2]string{}, "nope.yaml"},
		{"bad size", []string{"config"}, [2]string{"LATM_LIMITS_MEMORY", "lots"}, "limits.memory"},
		{"bad isolation", []string{"config"}, [2]string{"LATM_LIMITS_ISOLATION", "docker"}, "limits.isolation"},
		{"unknown command", []string{"frobnicate"}, [2]string{}, "unknown command"},
		{"unknown flag", []string{"config", "--frob"}, [2]string{}, "unknown flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			code, _, errOut := runConfigCLI(t, tc.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q does not name %q", errOut, tc.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"256MB", 256 << 20, true}, {"1GiB", 1 << 30, true}, {"512k", 512 << 10, true},
		{"1048576", 1048576, true}, {" 2 mb ", 2 << 20, true},
		{"", 0, false}, {"-1MB", 0, false}, {"1.5GB", 0, false}, {"MB", 0, false}, {"12XB", 0, false},
	} {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runConfigCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "latm ") {
		t.Fatalf("latm version: %d %q", code, out)
	}
}

// A binary named latm in the working directory (go build -o latm .) is not
// a config file.
func TestConfigIgnoresTheBinary(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HOME", dir)
	if err := os.WriteFile("latm", []byte("\x7fELF\x02\x01\x01\x00binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runConfigCLI(t, "version"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if err := os.WriteFile("latm.yml", []byte("workers: 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := effectiveConfig(t)["workers"]; got != float64(7) {
		t.Fatalf("latm.yml not read: workers = %v", got)
	}
}
