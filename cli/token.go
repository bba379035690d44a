package cli

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/latm/latm/library"
	"github.com/latm/latm/serve"
)

func newTokenCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke the bearer tokens of latm serve",
		Long: `Tokens let clients use latm serve. Only a token's SHA-256 is stored: the
secret is printed once, by create. Each token has a rate limit in requests
per minute (0: serve.rate_limit).`,
	}
	cmd.AddCommand(newTokenCreateCmd(app), newTokenListCmd(app), newTokenRevokeCmd(app))
	return cmd
}

func newTokenCreateCmd(app *App) *cobra.Command {
	var rate int
	cmd := &cobra.Command{
		Use:   "create NAME [--rate N]",
		Short: "Create a token and print its secret (shown only this once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rate < 0 {
				return usageError("token create: --rate %d must not be negative", rate)
			}
			store, err := app.Store()
			if err != nil {
				return err
			}
			var b [32]byte
			if _, err := rand.Read(b[:]); err != nil {
				return fmt.Errorf("token create: %w", err)
			}
			secret := "latm_" + base64.RawURLEncoding.EncodeToString(b[:])
			t := &library.Token{Name: args[0], Hash: serve.HashToken(secret), Prefix: secret[:12], Rate: rate}
			if err := store.CreateToken(cmd.Context(), t); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			fmt.Fprintln(app.Out, secret)
			fmt.Fprintf(app.Err, "created token %s; the secret above is not stored and is not shown again\n", t.Name)
			return nil
		},
	}
	cmd.Flags().IntVar(&rate, "rate", 0, "requests per minute (0: serve.rate_limit)")
	return cmd
}

func newTokenListCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := app.Store()
			if err != nil {
				return err
			}
			ts, err := store.Tokens(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if ts == nil {
					ts = []*library.Token{}
				}
				return writeJSON(app.Out, ts)
			}
			if len(ts) == 0 {
				fmt.Fprintln(app.Out, "no tokens (create one with latm token create NAME)")
				return nil
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tPREFIX\tRATE\tCREATED\tSTATUS")
			for _, t := range ts {
				status, rate := "valid", fmt.Sprint(t.Rate)
				if t.Revoked() {
					status = "revoked " + t.RevokedAt.UTC().Format("2006-01-02 15:04")
				}
				if t.Rate == 0 {
					rate = "default"
				}
				fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\n", t.Name, t.Prefix, rate, t.CreatedAt.UTC().Format("2006-01-02 15:04"), status)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newTokenRevokeCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke a token: requests with it are refused from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := app.Store()
			if err != nil {
				return err
			}
			if err := store.RevokeToken(cmd.Context(), args[0]); err != nil {
				if errors.Is(err, library.ErrNotFound) {
					return usageError("%v (see latm token list)", err)
				}
				return err
			}
			fmt.Fprintf(app.Out, "revoked token %s\n", args[0])
			return nil
		},
	}
}
