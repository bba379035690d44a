package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// Config is latm's whole configuration, built once from flags, environment,
// config file and defaults (in that order of precedence, for every key) and
// passed down as values. Packages never read the environment themselves.
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
	Serve    ServeSection   `mapstructure:"serve"`
	NATS     NATSSection    `mapstructure:"nats"`
	Gateway  GatewaySection `mapstructure:"gateway"`
}

// RoleConfig is how one model role is reached and paid for.
type RoleConfig struct {
	BaseURL     string  `mapstructure:"base_url"`
	Model       string  `mapstructure:"model"`
	APIKeyEnv   string  `mapstructure:"api_key_env"`
	APIType     string  `mapstructure:"api_type"` // openai or azure
	APIVersion  string  `mapstructure:"api_version"`
	Temperature float32 `mapstructure:"temperature"`
	MaxTokens   int     `mapstructure:"max_tokens"`
	// Timeout bounds a whole call, retries and waits included;
	// ConnectTimeout and HeaderTimeout bound one attempt's connection and
	// its wait for the response header.
	Timeout        time.Duration `mapstructure:"timeout"`
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	HeaderTimeout  time.Duration `mapstructure:"header_timeout"`
	Retries        int           `mapstructure:"retries"`
	PriceIn        float64       `mapstructure:"price_in"`  // per million input tokens
	PriceOut       float64       `mapstructure:"price_out"` // per million output tokens
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
	// Parser asks the maker, once a tool is verified, for parse(question)
	// returning the entry's arguments; kept only if it verifies, it answers
	// instances with no model call behind its guards.
	Parser bool `mapstructure:"parser"`
	// Schema asks the maker, once a tool is verified, for the JSON Schema
	// of the entry's arguments; kept if it compiles and takes every usage
	// example's arguments, else the derived schema is stored.
	Schema bool `mapstructure:"schema"`
}

// SolveConfig steers tool use.
type SolveConfig struct {
	Retries int `mapstructure:"retries"` // retries after a sandbox error; 0 disables
	// Template answers an instance with no model call when the tool's
	// usage examples show its call is a template of the question.
	Template bool `mapstructure:"template"`
	// Call is how the user model gives a call: "code" (call code, as in
	// the paper), "json" (the arguments as JSON, validated against the
	// tool's argument schema) or "auto" (json where the tool has a schema).
	Call string `mapstructure:"call"`
	// JSONVia is how a JSON call is asked for: "auto" (a forced function
	// call, else response_format json_schema, else a fenced block,
	// falling back when the endpoint rejects one), "tools",
	// "response_format" or "fence" (docs/structured-calls.md).
	JSONVia string `mapstructure:"json_via"`
	// Shadow is how many answers of each no-model path of a tool version
	// are also asked of the user model (whose answer is returned) before
	// the path answers alone; one disagreement turns the version's
	// no-model paths off. 0 trusts the guards alone.
	Shadow int `mapstructure:"shadow"`
}

// DispatchConfig steers routing and the pending pool.
type DispatchConfig struct {
	Unknown     string `mapstructure:"unknown"`      // "solver": answer with the strong model; "none": leave for a person
	ModelLabels bool   `mapstructure:"model_labels"` // count the strong model's answers as labels
	MinExamples int    `mapstructure:"min_examples"` // labelled examples a group needs before a tool is made
}

// ServeSection configures latm serve and latm mcp (cli/serve.go reads it
// into a ServeConfig).
type ServeSection struct {
	Addr            string        `mapstructure:"addr"`             // listen address, host:port
	Auth            string        `mapstructure:"auth"`             // "auto": tokens unless loopback; "required": always
	RateLimit       int           `mapstructure:"rate_limit"`       // requests per minute per token or client; -1: none
	MaxBody         string        `mapstructure:"max_body"`         // a request body, e.g. 1MB
	MaxBatchBody    string        `mapstructure:"max_batch_body"`   // a batch body, e.g. 16MB
	CORSOrigins     string        `mapstructure:"cors_origins"`     // comma-separated origins allowed cross-origin; none by default
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"` // for requests in flight on SIGTERM
	BatchWorkers    int           `mapstructure:"batch_workers"`    // questions of one batch at once; 0: workers
	Watch           time.Duration `mapstructure:"watch"`            // how often the library is checked for others' changes
	LogFormat       string        `mapstructure:"log_format"`       // request logs: text or json
	Operators       string        `mapstructure:"operators"`        // comma-separated token names that see every tenant's tools and savings
}

// NATSSection is the JetStream deployment of latm workers (cli/worker.go,
// docs/scale.md): latm serve solves its batches through it when URL is set,
// and latm worker pulls from it; solve and stream use it with --nats.
type NATSSection struct {
	URL      string        `mapstructure:"url"`      // servers, comma-separated; "": none
	Replicas int           `mapstructure:"replicas"` // of latm's stream and buckets (3 on a three-node cluster)
	AckWait  time.Duration `mapstructure:"ack_wait"` // an instance unacknowledged this long is redelivered
}

// GatewaySection configures the OpenAI-compatible endpoint latm serve
// answers at /v1/chat/completions (docs/gateway.md; cli/serve_gateway.go
// reads it into a gateway.Config).
type GatewaySection struct {
	Enabled bool `mapstructure:"enabled"` // answer /v1/chat/completions and /v1/models
	// Role is the latm role that is the upstream (the strong model): its
	// base URL, model and prices are upstream's unless Upstream or Model
	// set their own.
	Role     string `mapstructure:"role"`
	Upstream string `mapstructure:"upstream"` // upstream base URL with /v1; "": the role's
	Model    string `mapstructure:"model"`    // upstream model; "": the role's
	// APIKeyEnv names the variable holding latm's own upstream key; ""
	// forwards each client's Authorization header unchanged.
	APIKeyEnv       string        `mapstructure:"api_key_env"`
	UpstreamTimeout time.Duration `mapstructure:"upstream_timeout"` // up to upstream's response header
	AllowSystem     bool          `mapstructure:"allow_system"`     // a system message + one user message is a candidate
	Instance        string        `mapstructure:"instance"`         // "system+user" or "user": the instance text
	OptOutHeader    string        `mapstructure:"opt_out_header"`   // a request with it passes through untouched
	MaxAnswer       int           `mapstructure:"max_answer"`       // longest answer (bytes) that is pooled
	ShareTools      bool          `mapstructure:"share_tools"`      // every tenant's requests may reach every tenant's tools
	Shadow          int           `mapstructure:"shadow"`           // requests a new tool answers beside upstream before it is judged
	LiveThreshold   float64       `mapstructure:"live_threshold"`   // agreement to go (and stay) live
	SpotRate        float64       `mapstructure:"spot_rate"`        // share of a live tool's requests checked against upstream
	SpotWindow      int           `mapstructure:"spot_window"`      // spot checks the live agreement is taken over
	ToolTimeout     time.Duration `mapstructure:"tool_timeout"`     // answering one request with a tool; then upstream
}

// roleNames are the sections that hold a RoleConfig.
var roleNames = []string{"maker", "user", "dispatcher", "solver"}

// defaults holds a value for every key (TestConfigDefaultsCoverEveryKey).
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
		"make.parser":        true,
		"make.schema":        true,

		"solve.retries":  1,
		"solve.template": true,
		"solve.call":     "code",
		"solve.json_via": "auto",
		"solve.shadow":   5,

		"dispatch.unknown":      "solver",
		"dispatch.model_labels": false,
		"dispatch.min_examples": 6,

		"serve.addr":             "127.0.0.1:8080",
		"serve.auth":             "auto",
		"serve.rate_limit":       600,
		"serve.max_body":         "1MB",
		"serve.max_batch_body":   "16MB",
		"serve.cors_origins":     "",
		"serve.shutdown_timeout": 30 * time.Second,
		"serve.batch_workers":    0,
		"serve.watch":            2 * time.Second,
		"serve.log_format":       "text",
		"serve.operators":        "",

		"nats.url":                 "",
		"nats.replicas":            1,
		"nats.ack_wait":            30 * time.Second,
		"gateway.enabled":          true,
		"gateway.role":             "solver",
		"gateway.upstream":         "",
		"gateway.model":            "",
		"gateway.api_key_env":      "",
		"gateway.upstream_timeout": 2 * time.Minute,
		"gateway.allow_system":     true,
		"gateway.instance":         "system+user",
		"gateway.opt_out_header":   "X-Latm-Bypass",
		"gateway.max_answer":       200,
		"gateway.share_tools":      false,
		"gateway.shadow":           20,
		"gateway.live_threshold":   0.95,
		"gateway.spot_rate":        0.02,
		"gateway.spot_window":      20,
		"gateway.tool_timeout":     20 * time.Second,
	}
	role := func(name, model string, temp float32, maxTokens int, in, out float64) {
		d[name+".base_url"] = ""
		d[name+".model"] = model
		d[name+".api_key_env"] = ""
		d[name+".api_type"] = "openai"
		d[name+".api_version"] = ""
		d[name+".temperature"] = temp
		d[name+".max_tokens"] = maxTokens
		// A reply that is not streamed arrives whole, so the header wait
		// bounds the model's generation; the call bound leaves room for
		// one retry of a slow reply.
		d[name+".timeout"] = 5 * time.Minute
		d[name+".connect_timeout"] = 10 * time.Second
		d[name+".header_timeout"] = 2 * time.Minute
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

// configField is one key of Config and its place in the struct.
type configField struct {
	key   string
	index []int
	typ   reflect.Type
}

// configFields lists every key of Config, in declaration order.
func configFields() []configField {
	var out []configField
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			key := prefix + f.Tag.Get("mapstructure")
			idx := append(append([]int(nil), index...), i)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, key+".", idx)
				continue
			}
			out = append(out, configField{key: key, index: idx, typ: f.Type})
		}
	}
	walk(reflect.TypeOf(Config{}), "", nil)
	return out
}

// configKeys lists every key, sorted.
func configKeys() []string {
	var keys []string
	for _, f := range configFields() {
		keys = append(keys, f.key)
	}
	sort.Strings(keys)
	return keys
}

// envNames are the variables that set key, first found wins: LATM_ and
// the key in upper case with dots as underscores, and for base_url the
// OpenAI convention, OPENAI_BASE_URL, below it.
func envNames(key string) []string {
	names := []string{"LATM_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))}
	if key == "base_url" {
		names = append(names, "OPENAI_BASE_URL")
	}
	return names
}

// flagValue is a flag given on the command line for a key.
type flagValue struct {
	name  string // e.g. "--workers"
	value string
}

// setting is the effective value of one key and where it came from.
type setting struct {
	Value any    `json:"value"`
	From  string `json:"from"` // "default", "FILE:LINE", "$VAR" or "--flag"
}

// configInput is what a Config is built from besides the defaults and
// the process environment.
type configInput struct {
	file  *configFile // nil: no config file
	flags map[string]flagValue
}

// newViper stacks the layers: defaults, the file, the environment and the
// flags given, each above the one before.
func newViper(in configInput) (*viper.Viper, error) {
	v := viper.New()
	for k, val := range defaults() {
		v.SetDefault(k, val)
		_ = v.BindEnv(append([]string{k}, envNames(k)...)...) // fails only without a key
	}
	if in.file != nil {
		v.SetConfigType("yaml")
		if err := v.ReadConfig(bytes.NewReader(in.file.raw)); err != nil {
			if !in.file.bad {
				return nil, fmt.Errorf("config file %s: %w", in.file.path, err)
			}
			// Its problems are reported; its other values are still checked.
			_ = v.MergeConfigMap(in.file.good) // fails only for a nil map
		}
	}
	for k, f := range in.flags {
		v.Set(k, f.value)
	}
	return v, nil
}

// source names the layer viper took key's value from. ok is false for a
// file entry parseConfigFile rejected, whose problem it has reported.
func (in configInput) source(v *viper.Viper, key string) (from string, ok bool) {
	if f, set := in.flags[key]; set {
		return f.name, true
	}
	for _, name := range envNames(key) {
		if os.Getenv(name) != "" { // viper skips empty variables too
			return "$" + name, true
		}
	}
	if v.InConfig(key) {
		line, ok := in.file.lines[key]
		return fmt.Sprintf("%s:%d", in.file.path, line), ok
	}
	return "default", true
}

// resolve takes each key's value from viper, checks it, and decodes the
// lot into a Config. Every bad value is reported, each naming its key and
// where it was set.
func resolve(in configInput) (Config, map[string]setting, error) {
	var c Config
	v, err := newViper(in)
	if err != nil {
		return c, nil, err
	}
	eff := map[string]setting{}
	rv := reflect.ValueOf(&c).Elem()
	var errs []string
	for _, f := range configFields() {
		from, ok := in.source(v, f.key)
		raw := v.Get(f.key)
		if !ok || raw == nil {
			// nil: a file section given as a value hides the key, which
			// parseConfigFile has reported.
			continue
		}
		val, err := coerce(raw, f.typ)
		if err == nil {
			err = check(f.key, val.Interface())
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %s %s: %v", from, f.key, showRaw(raw), err))
			continue
		}
		rv.FieldByIndex(f.index).Set(val)
		eff[f.key] = setting{Value: val.Interface(), From: from}
	}
	if len(errs) > 0 {
		return c, eff, fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	for _, r := range []*RoleConfig{&c.Maker, &c.User, &c.Dispatcher, &c.Solver} {
		if r.BaseURL == "" {
			r.BaseURL = c.BaseURL
		}
		if r.APIKeyEnv == "" {
			r.APIKeyEnv = c.APIKeyEnv
		}
	}
	return c, eff, nil
}

func showRaw(raw any) string {
	if s, ok := raw.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(raw)
}

// loadConfig reads the config file (explicit path, or latm.yaml in the
// working directory or the user config dir) and resolves every key.
func loadConfig(explicit string, flags map[string]flagValue) (Config, map[string]setting, *configFile, error) {
	path, err := findConfigFile(explicit)
	if err != nil {
		return Config{}, nil, nil, err
	}
	var file *configFile
	var perr error
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, nil, nil, fmt.Errorf("config file %s: %w", path, err)
		}
		if file, perr = parseConfigFile(path, b); file == nil {
			return Config{}, nil, nil, perr
		}
	}
	// A file with problems is resolved too, so that one run reports all.
	c, eff, err := resolve(configInput{file: file, flags: flags})
	if err = errors.Join(perr, err); err != nil {
		return Config{}, nil, nil, err
	}
	return c, eff, file, nil
}

// findConfigFile returns the explicit file, or the first latm.yaml or
// latm.yml in the working directory or the user config dir, or "".
func findConfigFile(explicit string) (string, error) {
	if explicit != "" {
		st, err := os.Stat(explicit)
		if err != nil {
			return "", fmt.Errorf("config file %s: %w", explicit, err)
		}
		if st.IsDir() {
			return "", fmt.Errorf("config file %s is a directory; give a YAML file", explicit)
		}
		return explicit, nil
	}
	// Looked up by full name: a file named plain "latm" is the binary
	// itself, built into the working directory.
	dirs := []string{"."}
	if dir, err := os.UserConfigDir(); err == nil {
		dirs = append(dirs, filepath.Join(dir, "latm"))
	}
	for _, dir := range dirs {
		for _, name := range []string{"latm.yaml", "latm.yml"} {
			path := filepath.Join(dir, name)
			if st, err := os.Stat(path); err == nil && !st.IsDir() {
				return path, nil
			}
		}
	}
	return "", nil
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
