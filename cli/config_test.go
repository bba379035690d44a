package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
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

func TestConfigMasksSecrets(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("LATM_BASE_URL", "")
	t.Setenv("OPENAI_BASE_URL", "http://alice:sk-inurl-secret@127.0.0.1:8080/v1")
	t.Setenv("LATM_SOLVER_BASE_URL", "https://sk-solver-secret@solver.example/v1")
	t.Setenv("OPENAI_API_KEY", "sk-verysecretvalue1234")
	got := effectiveConfig(t)
	if got["base_url"] != "http://***@127.0.0.1:8080/v1" || got["solver.base_url"] != "https://***@solver.example/v1" {
		t.Errorf("base URLs shown as %v and %v", got["base_url"], got["solver.base_url"])
	}
	_, out, _ := runConfigCLI(t, "config")
	for _, secret := range []string{"verysecret", "sk-inurl-secret", "alice", "sk-solver-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("latm config shows %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "$OPENAI_API_KEY: set (sk-******1234)") {
		t.Errorf("latm config does not say the key is set:\n%s", out)
	}
}

// A config error names the key, the layer that set it and, for the file,
// the line; a typo in a key name is an error, not a silent default.
func TestConfigRejectsUnknownKeysAndBadValues(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	script := filepath.Join(dir, "x.star")
	os.WriteFile(script, []byte("x = 1\n"), 0o644)
	for _, tc := range []struct {
		name, yaml string
		env        [2]string
		args       []string
		want       []string
	}{
		{"unknown key", "maker:\n  modle: x\n", [2]string{}, nil, []string{"latm.yaml:2", "unknown key maker.modle", "did you mean maker.model?"}},
		{"unknown section", "makr:\n  model: x\n", [2]string{}, nil, []string{"latm.yaml:1", "unknown key makr", "did you mean make or maker?"}},
		{"unknown top key", "wrokers: 3\nzzz: 1\n", [2]string{}, nil, []string{"latm.yaml:1: unknown key wrokers (did you mean workers?)", "latm.yaml:2: unknown key zzz"}},
		{"section as value", "limits: 5\n", [2]string{}, nil, []string{"latm.yaml:1", "limits must be a mapping"}},
		{"value as section", "workers:\n  n: 3\n", [2]string{}, nil, []string{"latm.yaml:2", "workers takes a single value"}},
		{"negative file timeout", "limits:\n  steps: 10\n  timeout: -5s\n", [2]string{}, nil, []string{"latm.yaml:3: limits.timeout \"-5s\": want a duration above 0"}},
		{"duration without unit", "maker:\n  timeout: 10\n", [2]string{}, nil, []string{"latm.yaml:2: maker.timeout 10: want a duration with a unit"}},
		{"zero file workers", "workers: 0\n", [2]string{}, nil, []string{"latm.yaml:1: workers 0: want 1 or more"}},
		{"fractional int", "make:\n  train: 2.5\n", [2]string{}, nil, []string{"latm.yaml:2: make.train 2.5: want a whole number"}},
		{"negative steps", "limits:\n  steps: -1\n", [2]string{}, nil, []string{"latm.yaml:2: limits.steps -1: want a number above 0"}},
		{"bad bool", "cache: maybe\n", [2]string{}, nil, []string{"latm.yaml:1: cache \"maybe\": want true or false"}},
		{"bad api type", "user:\n  api_type: anthropic\n", [2]string{}, nil, []string{"latm.yaml:2: user.api_type \"anthropic\": want one of openai, azure"}},
		{"temperature range", "maker:\n  temperature: 3\n", [2]string{}, nil, []string{"latm.yaml:2: maker.temperature 3: want a number from 0 to 2"}},
		{"negative env retries", "", [2]string{"LATM_USER_RETRIES", "-1"}, nil, []string{"$LATM_USER_RETRIES: user.retries \"-1\": want 0 or more"}},
		{"bad env size", "", [2]string{"LATM_LIMITS_MEMORY", "lots"}, nil, []string{"$LATM_LIMITS_MEMORY: limits.memory \"lots\""}},
		{"bad env isolation", "", [2]string{"LATM_LIMITS_ISOLATION", "docker"}, nil, []string{"limits.isolation \"docker\": want one of process, inprocess"}},
		{"negative workers flag", "", [2]string{}, []string{"solve", "--tool", "t", "--workers", "-3", "q"}, []string{"--workers: workers \"-3\": want 1 or more"}},
		{"negative timeout flag", "", [2]string{}, []string{"run", script, "--timeout", "-1s"}, []string{"--timeout: limits.timeout \"-1s\": want a duration above 0"}},
		{"zero train flag", "", [2]string{}, []string{"make", "x", "--bbh", "word_sorting", "--train", "0"}, []string{"--train: make.train \"0\": want 1 or more"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove("latm.yaml")
			if tc.yaml != "" {
				if err := os.WriteFile("latm.yaml", []byte(tc.yaml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			args := tc.args
			if args == nil {
				args = []string{"config"}
			}
			code, _, errOut := runConfigCLI(t, args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d: %s", code, ExitUsage, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not say %q", errOut, w)
				}
			}
		})
	}
}

func FuzzConfigFile(f *testing.F) {
	f.Add([]byte("maker:\n  model: x\n  timeout: 2m\nworkers: 3\n"))
	f.Add([]byte("a: &x {b: 1}\nlimits: *x\n"))
	f.Add([]byte("maker: [unclosed\n"))
	f.Add([]byte("? [a, b]\n: c\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := parseConfigFile("f.yaml", b)
		if err != nil {
			if !strings.Contains(err.Error(), "f.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if _, _, err := resolve(configInput{file: file}); err != nil && !strings.Contains(err.Error(), "f.yaml:") {
			t.Fatalf("value error does not name the file and line: %v", err)
		}
	})
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
	t.Parallel()
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
	t.Parallel()
	want := "latm " + version()
	code, out, _ := runConfigCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, want+" (go") {
		t.Fatalf("latm version: %d %q, want %q first", code, out, want)
	}
	code, out, _ = runConfigCLI(t, "--version")
	if code != 0 || out != want+"\n" {
		t.Fatalf("latm --version: %d %q, want %q", code, out, want)
	}
	for _, tc := range []struct {
		set  string
		bi   *debug.BuildInfo
		want string
	}{
		{"v9.9.9", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v9.9.9"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"}, // go install …@v1.2.3
		{"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.modified", Value: "true"}}}, "dev+0123456789ab-dirty"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"", nil, "dev"},
	} {
		if got := versionFrom(tc.set, tc.bi, tc.bi != nil); got != tc.want {
			t.Errorf("versionFrom(%q, %+v) = %q, want %q", tc.set, tc.bi, got, tc.want)
		}
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

// A file yaml.v3 cannot read as a whole, or whose section hides its keys,
// still has every problem reported in one run, with the other layers'.
func TestConfigReportsEveryProblemOfABrokenFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	for _, tc := range []struct {
		name, yaml string
		env        [2]string
		want       []string
	}{
		{"key set twice", "workers: 1\nWorkers: 2\nmake:\n  train: 0\n", [2]string{},
			[]string{"latm.yaml:2: workers is set twice (also on line 1)", "latm.yaml:4: make.train 0: want 1 or more"}},
		{"section set twice", "limits:\n  depth: 2\nlimits:\n  steps: 0\n", [2]string{},
			[]string{"latm.yaml:3: limits is set twice (also on line 1)"}},
		{"undecodable value", "workers: !!int abc\nmaker:\n  timeout: 10\n", [2]string{},
			[]string{"latm.yaml:1: workers:", "latm.yaml:3: maker.timeout 10: want a duration with a unit"}},
		{"section as value", "limits: 5\nworkers: 0\n", [2]string{"LATM_LIMITS_TIMEOUT", "-1s"},
			[]string{"latm.yaml:1: limits must be a mapping", "latm.yaml:2: workers 0: want 1 or more", "$LATM_LIMITS_TIMEOUT: limits.timeout \"-1s\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile("latm.yaml", []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			code, _, errOut := runConfigCLI(t, "config")
			if code != ExitUsage {
				t.Errorf("exit %d, want %d: %s", code, ExitUsage, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not say %q", errOut, w)
				}
			}
		})
	}
}
