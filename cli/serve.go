package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/latm/latm/serve"
)

// ServeConfig is the serve.* section of the configuration.
type ServeConfig struct {
	Addr            string        // listen address, host:port
	Auth            string        // "auto": tokens unless the address is loopback; "required": always
	RateLimit       int           // requests per minute per token (or client, without tokens); -1: none
	MaxBody         int64         // bytes of a request body
	MaxBatchBody    int64         // bytes of a batch body
	CORSOrigins     []string      // origins allowed cross-origin requests; none by default
	ShutdownTimeout time.Duration // how long requests in flight may take to finish on SIGTERM
	BatchWorkers    int           // questions of one batch solved at once
	Watch           time.Duration // how often the library is checked for tools other processes made
	LogFormat       string        // "text" or "json" request logs, on standard error
}

// serveDefaults are the serve.* keys; set on the App's viper so that the
// environment (LATM_SERVE_ADDR, …) and the config file reach them.
var serveDefaults = map[string]any{
	"serve.addr":             "127.0.0.1:8080",
	"serve.auth":             "auto",
	"serve.rate_limit":       600,
	"serve.max_body":         "1MB",
	"serve.max_batch_body":   "16MB",
	"serve.cors_origins":     []string{},
	"serve.shutdown_timeout": 30 * time.Second,
	"serve.batch_workers":    0, // 0: the workers setting
	"serve.watch":            2 * time.Second,
	"serve.log_format":       "text",
}

// loadServeConfig reads serve.* from v, after the defaults.
func loadServeConfig(v *viper.Viper, workers int) (ServeConfig, error) {
	for k, d := range serveDefaults {
		v.SetDefault(k, d)
	}
	c := ServeConfig{
		Addr: v.GetString("serve.addr"), Auth: v.GetString("serve.auth"), RateLimit: v.GetInt("serve.rate_limit"),
		CORSOrigins: v.GetStringSlice("serve.cors_origins"), ShutdownTimeout: v.GetDuration("serve.shutdown_timeout"),
		BatchWorkers: v.GetInt("serve.batch_workers"), Watch: v.GetDuration("serve.watch"), LogFormat: v.GetString("serve.log_format"),
	}
	var err error
	if c.MaxBody, err = parseSize(v.GetString("serve.max_body")); err != nil || c.MaxBody <= 0 {
		return c, fmt.Errorf("config serve.max_body: want a positive size like 1MB, not %q", v.GetString("serve.max_body"))
	}
	if c.MaxBatchBody, err = parseSize(v.GetString("serve.max_batch_body")); err != nil || c.MaxBatchBody <= 0 {
		return c, fmt.Errorf("config serve.max_batch_body: want a positive size like 16MB, not %q", v.GetString("serve.max_batch_body"))
	}
	if c.Auth != "auto" && c.Auth != "required" {
		return c, fmt.Errorf("config serve.auth: %q is not one of auto, required", c.Auth)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("config serve.log_format: %q is not one of text, json", c.LogFormat)
	}
	if c.RateLimit == 0 || c.RateLimit < -1 {
		return c, fmt.Errorf("config serve.rate_limit: %d; want requests per minute, or -1 for no limit", c.RateLimit)
	}
	if c.ShutdownTimeout <= 0 || c.Watch <= 0 {
		return c, errors.New("config serve.shutdown_timeout and serve.watch must be positive durations, like 30s")
	}
	if c.BatchWorkers <= 0 {
		c.BatchWorkers = max(workers, 1)
	}
	return c, nil
}

func newServeCmd(app *App) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT]",
		Short: "Serve the JSON API, MCP (at /mcp), metrics and the web console over HTTP",
		Long: `serve answers HTTP on --addr (serve.addr, default 127.0.0.1:8080): the JSON API
under /v1 (described at /openapi.json and in docs/api.md), MCP over streamable
HTTP at /mcp, /healthz, /readyz, Prometheus /metrics and the web console at /.

On any address other than loopback every request needs a bearer token (latm
token create); serve.auth = required asks for one on loopback too. SIGTERM or
SIGINT stops accepting requests, lets those in flight finish within
serve.shutdown_timeout, and stops batches, which resume on the next start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := loadServeConfig(app.v, app.Cfg.Workers)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			if cmd.Flags().Changed("addr") {
				sc.Addr = addr
			}
			return runServe(cmd.Context(), app, sc)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address HOST:PORT (default: serve.addr)")
	return cmd
}

func serveLogger(app *App, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(app.Err, nil))
	}
	return slog.New(slog.NewTextHandler(app.Err, nil))
}

// newServer wires a serve.Server and its engine from the App.
func newServer(ctx context.Context, app *App, sc ServeConfig, requireTokens bool, log *slog.Logger) (*serve.Server, *serve.Local, error) {
	d, err := dispatcherFor(app)
	if err != nil {
		return nil, nil, err
	}
	local := &serve.Local{Store: d.Store, Runtime: d.Solver.Runtime, Solver: d.Solver, Dispatcher: d, Maker: d.Maker}
	if requireTokens {
		n, err := d.Store.ActiveTokens(ctx)
		if err != nil {
			return nil, nil, err
		}
		if n == 0 {
			return nil, nil, usageError("serve: %s needs bearer tokens and there are none; create one with latm token create NAME", sc.Addr)
		}
	}
	srv := serve.New(local, serve.Options{
		Tokens: d.Store, RequireTokens: requireTokens, RateLimit: sc.RateLimit, MaxBody: sc.MaxBody, MaxBatchBody: sc.MaxBatchBody,
		CORSOrigins: sc.CORSOrigins, Batches: d.Store, BatchWorkers: sc.BatchWorkers, Logger: log, Version: Version,
	})
	return srv, local, nil
}

func runServe(ctx context.Context, app *App, sc ServeConfig) error {
	log := serveLogger(app, sc.LogFormat)
	requireTokens := sc.Auth == "required" || !serve.IsLoopback(sc.Addr)
	srv, local, err := newServer(ctx, app, sc, requireTokens, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", sc.Addr)
	if err != nil {
		return usageError("serve: listen on %s: %v (set --addr or serve.addr)", sc.Addr, err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := srv.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	wctx, cancelWatch := context.WithCancel(ctx)
	defer cancelWatch()
	go local.Watch(wctx, sc.Watch)

	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// A whole request, body included, within two minutes; responses
		// have no deadline (batch results and MCP streams run long).
		ReadTimeout: 2 * time.Minute,
		IdleTimeout: 120 * time.Second,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(srv.Drain)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(app.Err, "latm serve: listening on http://%s (tokens required: %v)\n", ln.Addr(), requireTokens)
	log.Info("serving", slog.String("addr", ln.Addr().String()), slog.Bool("tokens_required", requireTokens))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("deadline", sc.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), sc.ShutdownTimeout)
	defer cancel()
	err = hs.Shutdown(sctx)
	srv.Close() // batches stop here and resume on the next start
	if err != nil {
		return fmt.Errorf("serve: requests still running after %s were cut off: %w", sc.ShutdownTimeout, err)
	}
	log.Info("stopped")
	return nil
}
