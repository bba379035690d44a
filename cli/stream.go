package cli

import "github.com/spf13/cobra"

// newStreamCmd is filled in by the issue that owns the command; nil hides it.
func newStreamCmd(app *App) *cobra.Command { return nil }
