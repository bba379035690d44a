package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// toolChange is what tools import, rm and activate print with --json.
type toolChange struct {
	Name      string `json:"name"`
	Version   int    `json:"version"` // 0: every version
	Action    string `json:"action"`  // imported, unchanged, retired, purged, activated
	Examples  int    `json:"examples,omitempty"`
	Unchanged bool   `json:"unchanged,omitempty"`
}

func newToolsImportCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a tool package after its usage examples pass in the sandbox",
		Long: `Import a tool package written by latm tools export (FILE "-" reads stdin).
Its usage examples are re-run in the sandbox first; if any fails the package
is refused and nothing is saved. The tool becomes the next version of its
name, unless the newest active version already has the same content: then
nothing changes and the import says "unchanged".`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			data, err := readPackage(app, file)
			if err != nil {
				return err
			}
			t, err := tool.DecodePackage(data)
			if err != nil {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("import %s: %w", file, err)}
			}
			if len(t.Examples) == 0 {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("import %s: refused: the package has no usage examples to check the tool with; add at least one", file)}
			}
			var failures []string
			for _, r := range user.CheckExamples(cmd.Context(), app.Runtime(), t) {
				if !r.OK {
					failures = append(failures, describeFailure(r))
				}
			}
			if len(failures) > 0 {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("import %s: refused, %d of %d usage examples fail:\n  %s",
					file, len(failures), len(t.Examples), strings.Join(failures, "\n  "))}
			}
			store, err := app.Store()
			if err != nil {
				return err
			}
			saved, err := store.SaveToolUnlessSame(cmd.Context(), t)
			if err != nil {
				return fmt.Errorf("import %s: %w", file, err)
			}
			change := toolChange{Name: t.Name, Version: t.Version, Action: "imported", Examples: len(t.Examples), Unchanged: !saved}
			if !saved {
				change.Action = "unchanged"
			}
			if asJSON {
				return writeJSON(app.Out, change)
			}
			if !saved {
				fmt.Fprintf(app.Out, "unchanged: %s already has this content (%d usage examples pass)\n", t.Ref(), len(t.Examples))
				return nil
			}
			fmt.Fprintf(app.Out, "imported %s (%d usage examples pass)\n", t.Ref(), len(t.Examples))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func readPackage(app *App, file string) ([]byte, error) {
	var r io.Reader = app.In
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("import: %w", err)}
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxPackageSize+1))
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", file, err)
	}
	if len(data) > maxPackageSize {
		return nil, &ExitError{Code: ExitFailed, Err: fmt.Errorf("import %s: larger than %d MB; a tool package is one source file", file, maxPackageSize>>20)}
	}
	return data, nil
}

func newToolsActivateCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "activate NAME[@VERSION]",
		Short: "Make a retired tool version active again (NAME: its newest version)",
		Long: `Undo tools rm: the version becomes active again, is found by search and
routing, and NAME resolves to it if it is the newest active version.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: app.completeTools(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, version, err := tool.ParseRef(args[0])
			if err != nil {
				return usageError("%v", err)
			}
			store, err := app.Store()
			if err != nil {
				return err
			}
			v, err := store.ActivateTool(cmd.Context(), name, version)
			if err != nil {
				return fmt.Errorf("%w (see latm tools list --all)", err)
			}
			if asJSON {
				return writeJSON(app.Out, toolChange{Name: name, Version: v, Action: "activated"})
			}
			fmt.Fprintf(app.Out, "activated %s\n", tool.Ref(name, v))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// completeTools completes a NAME[@VERSION] argument from the library:
// active tools' names, or with all every version's NAME@V too (retired
// ones included). It completes nothing when there is no library yet.
func (a *App) completeTools(all bool) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		// The hooks ran for the completion command, which parses no flags:
		// configure again from the completed command's, and complete
		// nothing if that fails.
		a.flags = nil
		if a.configure(cmd) != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if _, err := os.Stat(a.Cfg.DB); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp // completing creates no database
		}
		store, err := a.Store()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		tools, err := store.Tools(cmd.Context(), all)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		seen := map[string]bool{}
		var out []string
		add := func(s, desc string) {
			if !seen[s] && strings.HasPrefix(s, prefix) {
				seen[s] = true
				out = append(out, s+"\t"+desc)
			}
		}
		for _, t := range tools {
			add(t.Name, firstLine(t.Description, 50))
			if all {
				add(t.Ref(), t.Status)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
