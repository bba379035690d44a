package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"
)

func newMCPCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "mcp",
		Short: "Serve MCP on standard input and output, for an MCP client that starts latm",
		Long: `mcp speaks the Model Context Protocol on standard input and output (logs go
to standard error): every active tool of the library is an MCP tool, called
directly in the sandbox, and solve, make_tool and search_tools are added. The
tool list follows the library, with notifications/tools/list_changed.
Add "latm mcp" (with --db) to an MCP client's server list; see the README.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := serveConfig(app.Cfg.Serve, app.Cfg.Workers)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			ctx := cmd.Context()
			srv, local, err := newServer(ctx, app, sc, false, serveLogger(app, sc.LogFormat))
			if err != nil {
				return err
			}
			if err := srv.Start(ctx); err != nil {
				return err
			}
			defer srv.Close()
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go local.Watch(wctx, sc.Watch)
			return srv.ServeMCP(ctx, io.NopCloser(app.In), nopWriteCloser{app.Out})
		},
	}
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
