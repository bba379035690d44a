package cli

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/latm/latm/llm"
)

// configFile is a config file and the line of each key it sets. Its
// values are read by viper; the YAML nodes give what viper cannot: the
// lines, and the keys latm does not know.
type configFile struct {
	path  string
	raw   []byte
	lines map[string]int
	// bad: parseConfigFile reported problems. viper may then refuse the
	// file, and the values it read are checked from good instead.
	bad  bool
	good map[string]any
}

// parseConfigFile checks a YAML config file. A key latm does not know, a
// key set twice, a section given as a value or a value given as a section
// is an error naming the file and the line, so that a typo does not fall
// back to a default in silence; with such errors the file is returned as
// well, so that its values are checked in the same run. Broken YAML
// returns no file.
func parseConfigFile(path string, b []byte) (*configFile, error) {
	f := &configFile{path: path, raw: b, lines: map[string]int{}, good: map[string]any{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("config file %s: %w (fix the YAML or remove the file)", path, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return f, nil // empty file
	}
	known := map[string]bool{}
	sections := map[string]bool{}
	for _, k := range configKeys() {
		known[k] = true
		if i := strings.LastIndex(k, "."); i >= 0 {
			sections[k[:i]] = true
		}
	}
	var errs []string
	seen := map[string]int{} // key: line
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		n = deref(n)
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return // an empty section
		}
		if n.Kind != yaml.MappingNode {
			what := "the file"
			if prefix != "" {
				what = strings.TrimSuffix(prefix, ".")
			}
			errs = append(errs, fmt.Sprintf("%s:%d: %s must be a mapping of settings (key: value)", path, n.Line, what))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], deref(n.Content[i+1])
			key := prefix + strings.ToLower(kn.Value)
			if line, dup := seen[key]; dup && (sections[key] || known[key]) {
				errs = append(errs, fmt.Sprintf("%s:%d: %s is set twice (also on line %d)", path, kn.Line, key, line))
				continue
			}
			seen[key] = kn.Line
			switch {
			case sections[key]:
				walk(vn, key+".")
			case known[key]:
				if vn.Kind != yaml.ScalarNode {
					errs = append(errs, fmt.Sprintf("%s:%d: %s takes a single value, not a list or mapping", path, vn.Line, key))
					continue
				}
				if vn.Tag == "!!null" {
					continue // "key:" with no value leaves the key unset
				}
				var v any
				if err := vn.Decode(&v); err != nil {
					errs = append(errs, fmt.Sprintf("%s:%d: %s: %v", path, vn.Line, key, err))
					continue
				}
				f.lines[key], f.good[key] = vn.Line, v
			default:
				errs = append(errs, fmt.Sprintf("%s:%d: unknown key %s%s", path, kn.Line, key, suggest(key, known, sections)))
			}
		}
	}
	walk(doc.Content[0], "")
	if f.bad = len(errs) > 0; f.bad {
		return f, fmt.Errorf("config file: %s", strings.Join(errs, "; "))
	}
	return f, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// suggest names the known key closest to key, if one is close.
func suggest(key string, known, sections map[string]bool) string {
	var best []string
	dist := 3 // farther than two edits is no typo
	var cands []string
	for k := range known {
		cands = append(cands, k)
	}
	for s := range sections {
		cands = append(cands, s)
	}
	sort.Strings(cands)
	for _, k := range cands {
		switch d := editDistance(key, k); {
		case d < dist:
			best, dist = []string{k}, d
		case d == dist && best != nil:
			best = append(best, k)
		}
	}
	if best != nil {
		return fmt.Sprintf(" (did you mean %s?)", strings.Join(best, " or "))
	}
	prefix, _, _ := strings.Cut(key, ".")
	var in []string
	for _, k := range cands {
		if strings.HasPrefix(k, prefix+".") {
			in = append(in, strings.TrimPrefix(k, prefix+"."))
		}
	}
	if len(in) > 0 {
		return fmt.Sprintf(" (%s takes: %s)", prefix, strings.Join(in, ", "))
	}
	return " (latm config lists every key)"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var durationType = reflect.TypeOf(time.Duration(0))

// coerce converts a value from a layer (a YAML scalar, an environment
// string, a flag string or a default) to a field's type.
func coerce(raw any, t reflect.Type) (reflect.Value, error) {
	s, isString := raw.(string)
	s = strings.TrimSpace(s)
	switch {
	case t == durationType:
		switch v := raw.(type) {
		case time.Duration:
			return reflect.ValueOf(v), nil
		case string:
			d, err := time.ParseDuration(s)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("want a duration with a unit, such as 30s or 2m")
			}
			return reflect.ValueOf(d), nil
		}
		return reflect.Value{}, fmt.Errorf("want a duration with a unit, such as 30s or 2m")
	case t.Kind() == reflect.String:
		switch raw.(type) {
		case string, int, int64, uint64, float64, bool:
			return reflect.ValueOf(fmt.Sprint(raw)).Convert(t), nil
		}
	case t.Kind() == reflect.Bool:
		if b, ok := raw.(bool); ok {
			return reflect.ValueOf(b), nil
		}
		if isString {
			if b, err := strconv.ParseBool(s); err == nil {
				return reflect.ValueOf(b), nil
			}
		}
		return reflect.Value{}, fmt.Errorf("want true or false")
	case t.Kind() == reflect.Int:
		n, ok := integer(raw)
		if !ok || n < math.MinInt32 || n > math.MaxInt32 {
			return reflect.Value{}, fmt.Errorf("want a whole number")
		}
		return reflect.ValueOf(int(n)), nil
	case t.Kind() == reflect.Uint64:
		if u, ok := raw.(uint64); ok {
			return reflect.ValueOf(u), nil
		}
		n, ok := integer(raw)
		if !ok {
			return reflect.Value{}, fmt.Errorf("want a whole number")
		}
		if n < 0 {
			return reflect.Value{}, fmt.Errorf("want a number above 0")
		}
		return reflect.ValueOf(uint64(n)), nil
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		var f float64
		switch v := raw.(type) {
		case float64:
			f = v
		case float32:
			f = float64(v)
		case int:
			f = float64(v)
		case string:
			var err error
			if f, err = strconv.ParseFloat(s, 64); err != nil {
				return reflect.Value{}, fmt.Errorf("want a number")
			}
		default:
			return reflect.Value{}, fmt.Errorf("want a number")
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return reflect.Value{}, fmt.Errorf("want a finite number")
		}
		return reflect.ValueOf(f).Convert(t), nil
	}
	return reflect.Value{}, fmt.Errorf("want a %s", t.Kind())
}

// integer reads a whole number from a YAML int or float, or a string.
func integer(raw any) (int64, bool) {
	switch v := raw.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case uint64:
		if v > math.MaxInt64 {
			return 0, false
		}
		return int64(v), true
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return 0, false
		}
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// check is the range of each key. A key without a rule takes any value of
// its type.
func check(key string, v any) error {
	rule := key
	if head, tail, ok := strings.Cut(key, "."); ok {
		for _, r := range roleNames {
			if head == r {
				rule = "role." + tail
			}
		}
	}
	atLeast := func(min int) error {
		if v.(int) < min {
			return fmt.Errorf("want %d or more", min)
		}
		return nil
	}
	positive := func() error {
		if v.(time.Duration) <= 0 {
			return fmt.Errorf("want a duration above 0, such as 30s")
		}
		return nil
	}
	oneOf := func(opts ...string) error {
		for _, o := range opts {
			if v.(string) == o {
				return nil
			}
		}
		return fmt.Errorf("want one of %s", strings.Join(opts, ", "))
	}
	switch rule {
	case "workers", "make.train", "make.valid", "make.propose_tries", "make.verify_tries", "dispatch.min_examples", "limits.depth", "role.max_tokens":
		return atLeast(1)
	case "solve.retries", "solve.shadow", "role.retries", "serve.batch_workers":
		return atLeast(0)
	case "gateway.max_answer", "gateway.shadow", "gateway.spot_window":
		return atLeast(1)
	case "gateway.upstream_timeout", "gateway.tool_timeout":
		return positive()
	case "gateway.role":
		return oneOf(roleNames...)
	case "gateway.instance":
		return oneOf("system+user", "user")
	case "gateway.opt_out_header":
		if h := v.(string); h == "" || strings.ContainsAny(h, " \t:\r\n") {
			return fmt.Errorf("want an HTTP header name such as X-Latm-Bypass")
		}
	case "gateway.live_threshold":
		if f := v.(float64); f <= 0 || f > 1 {
			return fmt.Errorf("want a share above 0 and at most 1, such as 0.95")
		}
	case "gateway.spot_rate":
		if f := v.(float64); f < 0 || f > 1 {
			return fmt.Errorf("want a share from 0 to 1, such as 0.02")
		}
	case "gateway.upstream":
		if u := v.(string); u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("want an http(s) base URL such as https://api.openai.com/v1, or empty for the role's")
		}
	case "limits.steps":
		if v.(uint64) == 0 {
			return fmt.Errorf("want 1 or more")
		}
	case "limits.timeout", "role.timeout", "role.connect_timeout", "role.header_timeout", "serve.shutdown_timeout", "serve.watch":
		return positive()
	case "serve.auth":
		return oneOf("auto", "required")
	case "serve.log_format":
		return oneOf("text", "json")
	case "serve.rate_limit":
		if n := v.(int); n == 0 || n < -1 {
			return fmt.Errorf("want requests per minute, or -1 for no limit")
		}
	case "limits.memory", "limits.output", "limits.result", "serve.max_body", "serve.max_batch_body":
		n, err := parseSize(v.(string))
		if err != nil {
			return fmt.Errorf("want a size like 256MB, 1GiB or 1048576")
		}
		if n == 0 {
			return fmt.Errorf("want a size above 0")
		}
	case "limits.isolation":
		return oneOf("process", "inprocess")
	case "dispatch.unknown":
		return oneOf("solver", "none")
	case "solve.call":
		return oneOf("code", "json", "auto")
	case "solve.json_via":
		return oneOf(llm.JSONVias...)
	case "role.api_type":
		return oneOf("openai", "azure")
	case "role.temperature":
		if t := v.(float32); t < 0 || t > 2 {
			return fmt.Errorf("want a number from 0 to 2")
		}
	case "role.price_in", "role.price_out":
		if v.(float64) < 0 {
			return fmt.Errorf("want 0 or more")
		}
	case "db", "role.model", "api_key_env":
		if strings.TrimSpace(v.(string)) == "" {
			return fmt.Errorf("want a value")
		}
	}
	return nil
}
