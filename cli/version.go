package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/latm/latm/llm"
)

// Version, when set at build time with
// -ldflags "-X github.com/latm/latm/cli.Version=…", overrides the version
// read from the build info.
var Version = ""

// version is latm's version: the one set at build time, else the module
// version the Go toolchain stamped into the binary (what `go install
// github.com/latm/latm@v1.2.3` users see), else the VCS revision of a
// source build, else "dev".
func version() string {
	bi, ok := debug.ReadBuildInfo()
	return versionFrom(Version, bi, ok)
}

func versionFrom(set string, bi *debug.BuildInfo, ok bool) string {
	if set != "" {
		return set
	}
	if !ok || bi == nil {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "dev+" + rev
}

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print latm's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(app.Out, "latm %s (%s, %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

func newConfigCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration (secrets masked)",
		Long: `Print the effective configuration after flags, LATM_* environment
variables, the config file and defaults are combined, in that order of
precedence, and where each value came from. API keys are never stored in
the configuration, only the names of the variables that hold them; this
command says whether each is set and masks its value, and it masks
credentials written into a base URL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			keys := configKeys()
			eff := map[string]any{}
			from := map[string]string{}
			for _, k := range keys {
				eff[k] = displayValue(k, app.settings[k].Value)
				from[k] = app.settings[k].From
			}
			secrets := map[string]string{}
			for _, r := range []RoleConfig{app.Cfg.Maker, app.Cfg.User, app.Cfg.Dispatcher, app.Cfg.Solver} {
				secrets[r.APIKeyEnv] = maskSecret(app.Getenv(r.APIKeyEnv))
			}
			file := ""
			if app.file != nil {
				file = app.file.path
			}
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"config_file": file, "settings": eff, "sources": from, "api_keys": secrets})
			}
			if file == "" {
				file = "(none)"
			}
			fmt.Fprintf(app.Out, "# config file: %s\n", file)
			for _, k := range keys {
				if from[k] == "default" {
					fmt.Fprintf(app.Out, "%s: %v\n", k, eff[k])
				} else {
					fmt.Fprintf(app.Out, "%s: %v  # %s\n", k, eff[k], from[k])
				}
			}
			names := make([]string, 0, len(secrets))
			for n := range secrets {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				fmt.Fprintf(app.Out, "# $%s: %s\n", n, secrets[n])
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// displayValue is how latm config shows a value: durations as "10s",
// float32 without binary noise, base URLs without credentials.
func displayValue(key string, v any) any {
	switch x := v.(type) {
	case time.Duration:
		return x.String()
	case float32:
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return f
	case string:
		if key == "base_url" || strings.HasSuffix(key, ".base_url") {
			return llm.RedactURL(x)
		}
	}
	return v
}

// maskSecret shows whether a secret is set without revealing it.
func maskSecret(s string) string {
	switch {
	case s == "":
		return "not set"
	case len(s) <= 8:
		return "set (" + strings.Repeat("*", len(s)) + ")"
	default:
		return "set (" + s[:3] + strings.Repeat("*", 6) + s[len(s)-4:] + ")"
	}
}
