package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print latm's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(app.Out, "latm %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
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
variables, the config file and defaults are combined. API keys are never
stored in the configuration, only the names of the variables that hold
them; this command says whether each is set and masks its value.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			keys := app.v.AllKeys()
			sort.Strings(keys)
			eff := map[string]any{}
			for _, k := range keys {
				eff[k] = app.v.Get(k)
			}
			secrets := map[string]string{}
			for _, r := range []RoleConfig{app.Cfg.Maker, app.Cfg.User, app.Cfg.Dispatcher, app.Cfg.Solver} {
				secrets[r.APIKeyEnv] = maskSecret(app.Getenv(r.APIKeyEnv))
			}
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"config_file": app.v.ConfigFileUsed(), "settings": eff, "api_keys": secrets})
			}
			file := app.v.ConfigFileUsed()
			if file == "" {
				file = "(none)"
			}
			fmt.Fprintf(app.Out, "# config file: %s\n", file)
			for _, k := range keys {
				fmt.Fprintf(app.Out, "%s: %v\n", k, eff[k])
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
