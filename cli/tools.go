package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// maxPackageSize bounds what `latm tools import` reads (bytes).
const maxPackageSize = 16 << 20

func newToolsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tools",
		Short: "List, show, test, export, import and retire the tools in the library",
		Long: `The tool library lives in the database (--db). A tool has numbered versions:
NAME means its newest active version, NAME@3 a given one. Retiring keeps a
version addressable (tools activate brings it back); only --purge deletes.

A tool package (tools export / tools import) is one .star file: the tool's
source verbatim under a comment header with its metadata and usage examples,
fit to review in a pull request.`,
	}
	cmd.AddCommand(
		newToolsListCmd(app),
		newToolsShowCmd(app),
		newToolsSearchCmd(app),
		newToolsRmCmd(app),
		newToolsTestCmd(app),
		newToolsExportCmd(app),
		newToolsImportCmd(app),
		newToolsActivateCmd(app),
	)
	return cmd
}

// toolFromRef parses NAME[@V] (a usage error if malformed) and loads it.
func toolFromRef(ctx context.Context, app *App, ref string) (*tool.Tool, error) {
	name, version, err := tool.ParseRef(ref)
	if err != nil {
		return nil, usageError("%v", err)
	}
	store, err := app.Store()
	if err != nil {
		return nil, err
	}
	t, err := store.Tool(ctx, name, version)
	if errors.Is(err, library.ErrNotFound) {
		return nil, fmt.Errorf("%w (see latm tools list --all)", err)
	}
	return t, err
}

// toolSummary is one line of `latm tools list --json`.
type toolSummary struct {
	Name        string    `json:"name"`
	Version     int       `json:"version"`
	Status      string    `json:"status"`
	Description string    `json:"description"`
	Signature   string    `json:"signature"`
	Examples    int       `json:"examples"`
	MakerModel  string    `json:"maker_model"`
	CreatedAt   time.Time `json:"created_at"`
}

func newToolsListCmd(app *App) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the newest active version of every tool",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := app.Store()
			if err != nil {
				return err
			}
			tools, err := store.Tools(cmd.Context(), all)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]toolSummary, 0, len(tools))
				for _, t := range tools {
					out = append(out, toolSummary{t.Name, t.Version, t.Status, t.Description, t.Signature,
						len(t.Examples), t.MakerModel, t.CreatedAt})
				}
				return writeJSON(app.Out, out)
			}
			if len(tools) == 0 {
				fmt.Fprintf(app.Out, "no tools in %s (make one with latm make, or import a package with latm tools import)\n", app.Cfg.DB)
				return nil
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tSTATUS\tEXAMPLES\tCREATED\tDESCRIPTION")
			for _, t := range tools {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\n", t.Name, t.Version, t.Status, len(t.Examples),
					t.CreatedAt.UTC().Format("2006-01-02 15:04"), firstLine(t.Description, 60))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&all, "all", false, "list every version, retired ones too")
	return cmd
}

// firstLine shortens s to its first line of at most n characters.
func firstLine(s string, n int) string {
	s, _, cut := strings.Cut(strings.TrimSpace(s), "\n")
	if utf8.RuneCountInString(s) > n {
		s, cut = string([]rune(s)[:n-1]), true
	}
	if cut {
		s += "…"
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newToolsShowCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:               "show NAME[@VERSION]",
		Short:             "Show a tool: metadata, signature, usage examples and source",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: app.completeTools(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := toolFromRef(cmd.Context(), app, args[0])
			if err != nil {
				return err
			}
			// The gateway's phases (cli/tools_phase.go).
			shown, err := withPhases(cmd.Context(), app, t)
			if err != nil {
				return err
			}
			shadow := toolShadow(cmd.Context(), app, t)
			if asJSON {
				return writeJSON(app.Out, struct {
					shownTool
					Shadow *shadowView `json:"shadow,omitempty"`
				}{shown, shadow})
			}
			w := app.Out
			fmt.Fprintf(w, "%s (%s)\n", t.Ref(), t.Status)
			fmt.Fprintf(w, "signature:   %s\n", t.Signature)
			fmt.Fprintf(w, "entry:       %s\n", t.Entry)
			fmt.Fprintf(w, "maker:       %s\n", t.MakerModel)
			fmt.Fprintf(w, "created:     %s\n", t.CreatedAt.UTC().Format(time.RFC3339))
			passed := 0
			for _, v := range t.Validation {
				if v.OK {
					passed++
				}
			}
			fmt.Fprintf(w, "validation:  %d/%d passed\n", passed, len(t.Validation))
			if e, err := app.Engine(); err == nil {
				if st, err := e.PathStats(cmd.Context(), t.Name); err == nil && len(st.Paths) > 0 {
					fmt.Fprintf(w, "runs:        %s\n", describePaths(st))
				}
			}
			if shadow != nil {
				fmt.Fprintf(w, "shadow:      %s\n", shadow.describe())
			}
			if t.ArgSchema != "" {
				fmt.Fprintf(w, "arguments:   JSON Schema from the %s%s\n", t.ArgSchemaFrom, noteSuffix(t.ArgSchemaNote))
			}
			printPhases(w, shown)
			fmt.Fprintf(w, "description:\n%s\n", indent(t.Description, "  "))
			fmt.Fprintf(w, "\nusage examples (%d):\n", len(t.Examples))
			for i, ex := range t.Examples {
				fmt.Fprintf(w, "  %d. question:\n%s\n     code:\n%s\n     answer: %s\n", i+1,
					indent(ex.Question, "       "), indent(ex.Code, "       "), ex.Answer)
			}
			fmt.Fprintf(w, "\nsource:\n%s", t.Source)
			if !strings.HasSuffix(t.Source, "\n") {
				fmt.Fprintln(w)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (with the making transcript)")
	return cmd
}

// shadowView is where a tool version's shadow checks stand, with the
// number solve.shadow asks for.
type shadowView struct {
	N int `json:"n"` // solve.shadow in effect
	tool.ShadowState
}

// toolShadow reads t's shadow state; nil if the store cannot be read (the
// rest of the tool is still shown).
func toolShadow(ctx context.Context, app *App, t *tool.Tool) *shadowView {
	e, err := app.Engine()
	if err != nil {
		return nil
	}
	st, err := e.ShadowState(ctx, t)
	if err != nil {
		return nil
	}
	return &shadowView{N: app.Cfg.Solve.Shadow, ShadowState: st}
}

// describe says in one line whether the no-model paths are on, how many of
// each path's answers the user model confirmed, or what turned them off.
func (v *shadowView) describe() string {
	if off := v.Off; off != nil {
		return fmt.Sprintf("no-model paths off since %s: on %s the %s path answered %q, the user model %q",
			off.At.UTC().Format(time.RFC3339), instanceRef(off.Batch, off.InputID), off.Path, off.NoModelAnswer, off.ModelAnswer)
	}
	var parts []string
	for _, p := range []string{tool.PathParser, tool.PathTemplate} {
		n, ok := v.Agreed[p]
		switch {
		case !ok:
		case n >= v.N:
			parts = append(parts, fmt.Sprintf("%s confirmed (%d agreed, %d needed)", p, n, v.N))
		default:
			parts = append(parts, fmt.Sprintf("%s %d of %d agreed (its answers still go to the user model)", p, n, v.N))
		}
	}
	if v.Undecided > 0 {
		parts = append(parts, fmt.Sprintf("%d undecided", v.Undecided))
	}
	if len(parts) == 0 {
		if v.N == 0 {
			return "no checks (solve.shadow 0: the guards alone decide)"
		}
		return fmt.Sprintf("no checks yet: the first %d answers of each no-model path also go to the user model", v.N)
	}
	return strings.Join(parts, ", ")
}

func instanceRef(batch, id string) string {
	if batch == "" {
		return id
	}
	return batch + "/" + id
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func newToolsSearchCmd(app *App) *cobra.Command {
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search TEXT",
		Short: "Rank active tools by full-text match of TEXT (an instance, or keywords)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := app.Store()
			if err != nil {
				return err
			}
			hits, err := store.SearchTools(cmd.Context(), args[0], limit)
			if err != nil {
				return err
			}
			if asJSON {
				if hits == nil {
					hits = []tool.SearchHit{}
				}
				return writeJSON(app.Out, hits)
			}
			if len(hits) == 0 {
				fmt.Fprintln(app.Out, "no tool matches")
				return nil
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TOOL\tSCORE")
			for _, h := range hits {
				fmt.Fprintf(tw, "%s\t%.3f\n", tool.Ref(h.Name, h.Version), h.Score)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 5, "most hits to show")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newToolsRmCmd(app *App) *cobra.Command {
	var purge, asJSON bool
	cmd := &cobra.Command{
		Use:               "rm NAME[@VERSION]",
		Short:             "Retire a tool version (every version for NAME); --purge deletes instead",
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
			what, verb := "every version of "+name, "retired"
			if version != 0 {
				what = tool.Ref(name, version)
			}
			if purge {
				verb = "purged"
				err = store.PurgeTool(cmd.Context(), name, version)
			} else {
				err = store.RetireTool(cmd.Context(), name, version)
			}
			if errors.Is(err, library.ErrNotFound) {
				return fmt.Errorf("%w (see latm tools list --all)", err)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(app.Out, toolChange{Name: name, Version: version, Action: verb})
			}
			fmt.Fprintf(app.Out, "%s %s\n", verb, what)
			return nil
		},
	}
	cmd.Flags().BoolVar(&purge, "purge", false, "delete instead of retiring (runs that used it are kept)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// describeFailure says in one line how an example failed.
func describeFailure(r user.ExampleResult) string {
	if r.Error != "" {
		return fmt.Sprintf("usage example %d (%s): %s", r.Index, firstLine(r.Question, 50), r.Error)
	}
	return fmt.Sprintf("usage example %d (%s): want %q, got %q", r.Index, firstLine(r.Question, 50), r.Want, r.Got)
}

func newToolsTestCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:               "test NAME[@VERSION]",
		Short:             "Re-run a tool's usage examples in the sandbox; exit 1 if any fails",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: app.completeTools(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := toolFromRef(cmd.Context(), app, args[0])
			if err != nil {
				return err
			}
			if len(t.Examples) == 0 {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("%s has no usage examples to test", t.Ref())}
			}
			results := user.CheckExamples(cmd.Context(), app.Runtime(), t)
			failed := 0
			for _, r := range results {
				if !r.OK {
					failed++
				}
			}
			if asJSON {
				if err := writeJSON(app.Out, results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					if r.OK {
						fmt.Fprintf(app.Out, "PASS  %d  %s\n", r.Index, firstLine(r.Question, 60))
					} else {
						fmt.Fprintf(app.Out, "FAIL  %s\n", describeFailure(r))
					}
				}
			}
			if failed > 0 {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("%s: %d of %d usage examples failed", t.Ref(), failed, len(results))}
			}
			fmt.Fprintf(app.Err, "%s: all %d usage examples pass\n", t.Ref(), len(results))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newToolsExportCmd(app *App) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:               "export NAME[@VERSION]",
		Short:             "Write a tool as a reviewable package (.star) to stdout or -o FILE",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: app.completeTools(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := toolFromRef(cmd.Context(), app, args[0])
			if err != nil {
				return err
			}
			pkg, err := tool.EncodePackage(t)
			if err != nil {
				return err
			}
			// A text file ends with a newline, whatever the source did.
			if !bytes.HasSuffix(pkg, []byte("\n")) {
				pkg = append(pkg, '\n')
			}
			if output == "" || output == "-" {
				_, err = app.Out.Write(pkg)
				return err
			}
			if err := os.WriteFile(output, pkg, 0o644); err != nil {
				return fmt.Errorf("export %s: %w", t.Ref(), err)
			}
			fmt.Fprintf(app.Err, "exported %s to %s\n", t.Ref(), output)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default: stdout)")
	return cmd
}

// noteSuffix renders a note as " (note)", or "".
func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return " (" + note + ")"
}
