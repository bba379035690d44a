package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// Config is latm's whole configuration, built once from flags, environment,
// config file and defaults (in that order of precedence) and passed down as
// values. Packages never read viper or the environment themselves.
type Config struct {
	DB         string `mapstructure:"db"`          // SQLite file, created on first use
	PromptsDir string `mapstructure:"prompts_dir"` // overrides for the embedded prompt templates
	Cache      bool   `mapstructure:"cache"`       // LLM response cache for temperature-0 calls
	Record     string `mapstructure:"record"`      // append every LLM exchange to this JSONL file
	Replay     string `mapstructure:"replay"`      // serve LLM exchanges from this JSONL file
	Workers    int    `mapstructure:"workers"`     // parallel instances in batch and stream

	// BaseURL and APIKeyEnv apply to every role that does not set its own.
	BaseURL   string `mapstructure:"base_url"`
	APIKeyEnv string `mapstructure:"api_key_env"`

	Maker      RoleConfig `mapstructure:"maker"`
	User       RoleConfig `mapstructure:"user"`
	Dispatcher RoleConfig `mapstructure:"dispatcher"`
	Solver     RoleConfig `mapstructure:"solver"`

	Limits   LimitsConfig   `mapstructure:"limits"`
	Make     MakeConfig     `mapstructure:"make"`
	Solve    SolveConfig    `mapstructure:"solve"`
	Dispatch DispatchConfig `mapstructure:"dispatch"`
}

// RoleConfig is how one model role is reached and paid for.
type RoleConfig struct {
	BaseURL     string        `mapstructure:"base_url"`
	Model       string        `mapstructure:"model"`
	APIKeyEnv   string        `mapstructure:"api_key_env"`
	APIType     string        `mapstructure:"api_type"` // openai or azure
	APIVersion  string        `mapstructure:"api_version"`
	Temperature float32       `mapstructure:"temperature"`
	MaxTokens   int           `mapstructure:"max_tokens"`
	Timeout     time.Duration `mapstructure:"timeout"`
	Retries     int           `mapstructure:"retries"`
	PriceIn     float64       `mapstructure:"price_in"`  // per million input tokens
	PriceOut    float64       `mapstructure:"price_out"` // per million output tokens
}

// LimitsConfig bounds every sandboxed program.
type LimitsConfig struct {
	Steps     uint64        `mapstructure:"steps"`
	Timeout   time.Duration `mapstructure:"timeout"`
	Depth     int           `mapstructure:"depth"`
	Memory    string        `mapstructure:"memory"` // e.g. 256MB
	Output    string        `mapstructure:"output"` // print output, e.g. 1MB
	Result    string        `mapstructure:"result"` // JSON result size, e.g. 1MB
	Isolation string        `mapstructure:"isolation"`
}

// MakeConfig steers tool making.
type MakeConfig struct {
	Train        int `mapstructure:"train"`
	Valid        int `mapstructure:"valid"`
	ProposeTries int `mapstructure:"propose_tries"`
	VerifyTries  int `mapstructure:"verify_tries"`
}

// SolveConfig steers tool use.
type SolveConfig struct {
	Retries int `mapstructure:"retries"` // retries after a sandbox error; 0 disables
	// Template answers an instance with no model call when the tool's
	// usage examples show its call is a template of the question.
	Template bool `mapstructure:"template"`
}

// DispatchConfig steers routing and the pending pool.
type DispatchConfig struct {
	Unknown     string `mapstructure:"unknown"`      // "solver": answer with the strong model; "none": leave for a person
	ModelLabels bool   `mapstructure:"model_labels"` // count the strong model's answers as labels
	MinExamples int    `mapstructure:"min_examples"` // labelled examples a group needs before a tool is made
}

// defaults holds every key, so that viper also reads the environment for
// keys that have no file entry or flag.
func defaults() map[string]any {
	d := map[string]any{
		"db":          defaultDBPath(),
		"prompts_dir": "",
		"cache":       true,
		"record":      "",
		"replay":      "",
		"workers":     4,
		"base_url":    "https://api.openai.com/v1",
		"api_key_env": "OPENAI_API_KEY",

		"limits.steps":     uint64(100_000_000),
		"limits.timeout":   10 * time.Second,
		"limits.depth":     1000,
		"limits.memory":    "256MB",
		"limits.output":    "1MB",
		"limits.result":    "1MB",
		"limits.isolation": "process",

		"make.train":         3,
		"make.valid":         3,
		"make.propose_tries": 3,
		"make.verify_tries":  3,

		"solve.retries":  1,
		"solve.template": true,

		"dispatch.unknown":      "solver",
		"dispatch.model_labels": false,
		"dispatch.min_examples": 6,
	}
	role := func(name, model string, temp float64, maxTokens int, in, out float64) {
		d[name+".base_url"] = ""
		d[name+".model"] = model
		d[name+".api_key_env"] = ""
		d[name+".api_type"] = "openai"
		d[name+".api_version"] = ""
		d[name+".temperature"] = temp
		d[name+".max_tokens"] = maxTokens
		d[name+".timeout"] = 120 * time.Second
		d[name+".retries"] = 5
		d[name+".price_in"] = in
		d[name+".price_out"] = out
	}
	// Prices are OpenAI's list prices per million tokens for the default
	// models; set your own when you change the model.
	role("maker", "gpt-4.1", 0.3, 2048, 2.00, 8.00)
	role("user", "gpt-4.1-mini", 0, 512, 0.40, 1.60)
	role("dispatcher", "gpt-4.1-mini", 0, 64, 0.40, 1.60)
	role("solver", "gpt-4.1", 0, 2048, 2.00, 8.00)
	return d
}

// defaultDBPath is $XDG_DATA_HOME/latm/latm.db, or ~/.local/share/latm/latm.db,
// or latm.db in the working directory when there is no home.
func defaultDBPath() string {
	if dir := os.Getenv("XDG_DATA_HOME"); dir != "" {
		return filepath.Join(dir, "latm", "latm.db")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "latm", "latm.db")
	}
	return "latm.db"
}

// newViper returns a viper instance with defaults, environment and the
// config file (explicit path, or latm.yaml in the working directory or the
// user config dir) loaded.
func newViper(configFile string, getenv func(string) string) (*viper.Viper, error) {
	v := viper.New()
	for k, val := range defaults() {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix("LATM")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	// The OpenAI convention, below LATM_BASE_URL in precedence.
	if u := getenv("OPENAI_BASE_URL"); u != "" && getenv("LATM_BASE_URL") == "" {
		v.SetDefault("base_url", u)
	}
	v.SetConfigType("yaml")
	if configFile != "" {
		v.SetConfigFile(configFile)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config file %s: %w", configFile, err)
		}
		return v, nil
	}
	// Looked up by full name: viper's own search would also take a file
	// named plain "latm" — the binary itself, built into the working
	// directory.
	dirs := []string{"."}
	if dir, err := os.UserConfigDir(); err == nil {
		dirs = append(dirs, filepath.Join(dir, "latm"))
	}
	for _, dir := range dirs {
		for _, name := range []string{"latm.yaml", "latm.yml"} {
			path := filepath.Join(dir, name)
			if st, err := os.Stat(path); err != nil || st.IsDir() {
				continue
			}
			v.SetConfigFile(path)
			if err := v.ReadInConfig(); err != nil {
				return nil, fmt.Errorf("config file %s: %w (fix the YAML or remove the file)", path, err)
			}
			return v, nil
		}
	}
	return v, nil
}

// loadConfig decodes v into a Config and fills role settings that inherit
// the top-level base URL and key variable.
func loadConfig(v *viper.Viper) (Config, error) {
	var c Config
	if err := v.Unmarshal(&c); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	for _, r := range []*RoleConfig{&c.Maker, &c.User, &c.Dispatcher, &c.Solver} {
		if r.BaseURL == "" {
			r.BaseURL = c.BaseURL
		}
		if r.APIKeyEnv == "" {
			r.APIKeyEnv = c.APIKeyEnv
		}
	}
	for _, s := range []struct{ key, val string }{{"limits.memory", c.Limits.Memory}, {"limits.output", c.Limits.Output}, {"limits.result", c.Limits.Result}} {
		if _, err := parseSize(s.val); err != nil {
			return c, fmt.Errorf("config %s: %w", s.key, err)
		}
	}
	switch c.Limits.Isolation {
	case "process", "inprocess":
	default:
		return c, fmt.Errorf("config limits.isolation: %q is not one of process, inprocess", c.Limits.Isolation)
	}
	return c, nil
}

// parseSize reads "256MB", "1GiB", "512k" or a plain byte count.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscan(t, &n); err != nil || n < 0 || fmt.Sprint(n) != t {
		return 0, fmt.Errorf("size %q: want a byte count like 256MB, 1GiB or 1048576", s)
	}
	return n * mult, nil
}
