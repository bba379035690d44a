package cli

import "github.com/spf13/cobra"

// newToolsCmd is filled in by the issue that owns the command; nil hides it.
func newToolsCmd(app *App) *cobra.Command { return nil }
